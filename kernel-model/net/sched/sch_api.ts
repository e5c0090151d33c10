// net/sched/sch_api.c (6.18), the part a namespace without tc configuration answers: RTM_GETQDISC
// do (tc_get_qdisc) and dump (tc_dump_qdisc), RTM_GETTCLASS do (tc_ctl_tclass) and dump
// (tc_dump_tclass), over the root qdisc each device has: the built-in noop qdisc until the device
// is first up (never dumped, TCQ_F_BUILTIN), then noqueue for a device with IFF_NO_QUEUE (lo) or
// the default qdisc (pfifo_fast, the kernel's default_qdisc; a host that sets
// net.core.default_qdisc differently attaches another). A qdisc's counters are 0: the model
// transmits nothing through a device.
//
// A GET do answers the way tc always has: the RTM_NEWQDISC goes to RTNLGRP_TC (rtnetlink_send),
// the requester gets a copy only with NLM_F_ECHO. Creating, changing or deleting qdiscs and classes
// (RTM_NEWQDISC, RTM_DELQDISC, RTM_NEWTCLASS, ...) is not modelled: those types have no handler
// here and are refused with EOPNOTSUPP.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import {
  ERRNO,
  getS32,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_LIBERAL,
  NLA_BINARY,
  NLA_FLAG,
  NLA_NESTED,
  NLA_STRING,
  NLA_U32,
  NLM_F_ECHO,
  NLM_F_MULTI,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
  putU32,
} from "../../uapi/index.js";
import { RTM_GETQDISC, RTM_GETTCLASS, RTM_NEWQDISC, RTNLGRP_TC, TCMSG_SIZE } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index, for_each_netdev, type LinkDevice } from "../core/loopback.js";
import {
  type IflaTb,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnetlink_send,
  rtnl_register,
  skb_net,
} from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import {
  type NlattrRef,
  nla_nest_end,
  nla_nest_start_noflag,
  nla_put,
  nla_put_string,
  nla_put_u8,
  nla_reserve,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_put,
} from "../netlink/nlmsg.js";
import { alloc_skb, kfree_skb, NLMSG_GOODSIZE, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

// include/uapi/linux/rtnetlink.h, pkt_sched.h, gen_stats.h
export const TCA_KIND = 1;
export const TCA_OPTIONS = 2;
export const TCA_STATS = 3;
export const TCA_RATE = 5;
export const TCA_STATS2 = 7;
export const TCA_STAB = 8;
export const TCA_DUMP_INVISIBLE = 10;
export const TCA_CHAIN = 11;
export const TCA_HW_OFFLOAD = 12;
export const TCA_INGRESS_BLOCK = 13;
export const TCA_EGRESS_BLOCK = 14;
export const TCA_DUMP_FLAGS = 15;
export const TCA_MAX = 16;
export const TCA_STATS_BASIC = 1;
export const TCA_STATS_QUEUE = 3;
export const TC_H_ROOT = 0xffffffff;
export const TC_H_INGRESS = 0xfffffff1;
/** TC_H_MAJ(h) */
export const TC_H_MAJ = (h: number): number => (h & 0xffff0000) >>> 0;
/** sizeof(struct tc_estimator) */
const TC_ESTIMATOR_SIZE = 2;
/** sizeof(struct gnet_stats_basic): bytes (u64), packets (u32), padded */
const GNET_STATS_BASIC_SIZE = 16;
/** sizeof(struct gnet_stats_queue): qlen, backlog, drops, requeues, overlimits */
const GNET_STATS_QUEUE_SIZE = 20;
/** sizeof(struct tc_stats), u64 aligned */
const TC_STATS_SIZE = 40;
/** pfifo_fast's sch_default_prio2band (struct tc_prio_qopt's priomap) */
const PFIFO_FAST_PRIOMAP = [1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
const PFIFO_FAST_BANDS = 3;

/** rtm_tca_policy */
export const rtm_tca_policy: NlaPolicySet = nlaPolicy(
  TCA_MAX,
  {
    [TCA_KIND]: { type: NLA_STRING },
    [TCA_RATE]: { type: NLA_BINARY, len: TC_ESTIMATOR_SIZE },
    [TCA_STAB]: { type: NLA_NESTED },
    [TCA_DUMP_INVISIBLE]: { type: NLA_FLAG },
    [TCA_CHAIN]: { type: NLA_U32 },
    [TCA_INGRESS_BLOCK]: { type: NLA_U32 },
    [TCA_EGRESS_BLOCK]: { type: NLA_U32 },
  },
  TCA_CHAIN,
);

/** struct tcmsg, read from a request */
export interface Tcmsg {
  readonly ifindex: number;
  readonly handle: number;
  readonly parent: number;
  readonly info: number;
}
export const tcmsg = (nlh: Nlmsghdr): Tcmsg => {
  const b = nlh.msg;
  const o = NLMSG_HDRLEN;
  const u32 = (at: number): number => (o + at + 4 <= b.length ? getU32(b, o + at) : 0);
  return { ifindex: o + 8 <= b.length ? getS32(b, o + 4) : 0, handle: u32(8), parent: u32(12), info: u32(16) };
};

/** The root qdisc of a device, as the model keeps it (dev->qdisc): its ops id, handle, parent and flags. */
export interface RootQdisc {
  readonly dev: LinkDevice;
  /** q->ops->id */
  readonly id: string;
  readonly handle: number;
  readonly parent: number;
  /** TCQ_F_BUILTIN: noop, never dumped */
  readonly builtin: boolean;
  /** q->ops->cl_ops: none of noop, noqueue or pfifo_fast has classes */
  readonly classful: false;
}

/** rtnl_dereference(dev->qdisc) */
export const dev_root_qdisc = (dev: LinkDevice): RootQdisc => ({
  dev,
  id: dev.qdisc,
  handle: 0,
  parent: TC_H_ROOT,
  builtin: dev.qdisc === "noop",
  classful: false,
});

/**
 * qdisc_lookup(dev, handle): a qdisc by handle, among the root and the hashed ones. Handle 0 finds
 * nothing, and the model's devices have only their root qdisc, whose handle is 0: no lookup finds
 * one.
 */
export const qdisc_lookup = (_dev: LinkDevice, _handle: number): RootQdisc | undefined => undefined;

/** tc_qdisc_dump_ignore(q, dump_invisible) */
const tc_qdisc_dump_ignore = (q: RootQdisc): boolean => q.builtin;

/** gnet_stats_start_copy_compat … gnet_stats_finish_copy: TCA_STATS2 {BASIC, QUEUE}, then TCA_STATS (all 0). */
const qdisc_fill_stats = (skb: SkBuff): number => {
  const st = nla_nest_start_noflag(skb, TCA_STATS2);
  if (st === null) return -ERRNO.EMSGSIZE;
  if (nla_reserve(skb, TCA_STATS_BASIC, GNET_STATS_BASIC_SIZE) === null) return -ERRNO.EMSGSIZE;
  if (nla_reserve(skb, TCA_STATS_QUEUE, GNET_STATS_QUEUE_SIZE) === null) return -ERRNO.EMSGSIZE;
  nla_nest_end(skb, st as NlattrRef);
  // the compat struct tc_stats, nla_put_64bit (no pad attribute on x86-64)
  if (nla_reserve(skb, TCA_STATS, TC_STATS_SIZE) === null) return -ERRNO.EMSGSIZE;
  return 0;
};

/** q->ops->dump: pfifo_fast_dump's TCA_OPTIONS (struct tc_prio_qopt); noqueue has none. */
const qdisc_ops_dump = (skb: SkBuff, q: RootQdisc): number => {
  if (q.id !== "pfifo_fast") return 0;
  const opt = new Uint8Array(4 + PFIFO_FAST_PRIOMAP.length);
  putU32(opt, 0, PFIFO_FAST_BANDS);
  opt.set(PFIFO_FAST_PRIOMAP, 4);
  return nla_put(skb, TCA_OPTIONS, opt);
};

/** tc_fill_qdisc: one qdisc message; skb.len, or −1 after cancelling it when it does not fit. */
const tc_fill_qdisc = (
  skb: SkBuff,
  q: RootQdisc,
  clid: number,
  portid: number,
  seq: number,
  flags: number,
  event: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, TCMSG_SIZE, flags);
  if (nlh === null) return -1;
  const tcm = nlmsg_data(nlh);
  const b = skb.head;
  b.fill(0, tcm, tcm + 4); // family AF_UNSPEC, pads
  putU32(b, tcm + 4, q.dev.ifindex);
  putU32(b, tcm + 8, q.handle);
  putU32(b, tcm + 12, clid);
  putU32(b, tcm + 16, 2); // refcount: dev->qdisc and the queue's qdisc_sleeping
  if (
    nla_put_string(skb, TCA_KIND, q.id) ||
    qdisc_ops_dump(skb, q) ||
    nla_put_u8(skb, TCA_HW_OFFLOAD, 0) ||
    qdisc_fill_stats(skb)
  ) {
    nlmsg_cancel(skb, nlh);
    return -1;
  }
  nlmsg_end(skb, nlh);
  return skb.len;
};

/**
 * qdisc_get_notify: the qdisc as RTM_NEWQDISC to RTNLGRP_TC (the requester only with NLM_F_ECHO).
 * Nothing is sent for a qdisc that is never dumped.
 */
const qdisc_get_notify = (net: Net, portid: number, n: Nlmsghdr, clid: number, q: RootQdisc): void => {
  const skb = alloc_skb(NLMSG_GOODSIZE, GFP_ATOMIC);
  if (!tc_qdisc_dump_ignore(q) && tc_fill_qdisc(skb, q, clid, portid, n.nlmsg_seq, 0, RTM_NEWQDISC) < 0) {
    kfree_skb(skb);
    return;
  }
  if (skb.len) rtnetlink_send(skb, net, portid, RTNLGRP_TC, (n.nlmsg_flags & NLM_F_ECHO) !== 0);
  else kfree_skb(skb);
};

/** __tc_get_qdisc's lookup: by parent (root, ingress or a class), else by handle; a qdisc or −errno. */
const tc_get_qdisc_find = (dev: LinkDevice, tcm: Tcmsg, extack: NetlinkExtAck): RootQdisc | number => {
  const clid = tcm.parent;
  if (!clid) {
    const q = qdisc_lookup(dev, tcm.handle);
    if (q === undefined) {
      extack.msg = "Failed to find qdisc with specified handle";
      return -ERRNO.ENOENT;
    }
    return q;
  }
  let q: RootQdisc | undefined;
  if (clid === TC_H_ROOT) q = dev_root_qdisc(dev);
  else if (TC_H_MAJ(clid) !== TC_H_MAJ(TC_H_INGRESS)) {
    if (qdisc_lookup(dev, TC_H_MAJ(clid)) === undefined) {
      extack.msg = "Failed to find qdisc with specified classid";
      return -ERRNO.ENOENT;
    }
  }
  // an ingress parent: dev_ingress_queue(dev) is NULL until an ingress qdisc is added
  if (q === undefined) {
    extack.msg = "Cannot find specified qdisc on specified device";
    return -ERRNO.ENOENT;
  }
  if (tcm.handle && q.handle !== tcm.handle) {
    extack.msg = "Invalid handle";
    return -ERRNO.EINVAL;
  }
  return q;
};

/** nla_strcmp(nla, str): 0 when the attribute holds str (with or without its NUL) */
const nla_strcmp = (data: Uint8Array, str: string): boolean => {
  const len = data.length > 0 && data[data.length - 1] === 0 ? data.length - 1 : data.length;
  return len === str.length && [...str].every((c, i) => data[i] === c.charCodeAt(0));
};

/** What the qdisc and class requests start with: nlmsg_parse_deprecated of rtm_tca_policy, then the device. */
interface TcRequest {
  readonly net: Net;
  readonly tca: IflaTb;
  readonly tcm: Tcmsg;
  readonly dev: LinkDevice;
}
const tc_request = (skb: SkBuff, n: Nlmsghdr, extack: NetlinkExtAck): TcRequest | number => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tca = nlmsg_parse(n, TCMSG_SIZE, rtm_tca_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tca === "number") return tca;
  const tcm = tcmsg(n);
  const dev = __dev_get_by_index(net, tcm.ifindex);
  if (dev === undefined) return -ERRNO.ENODEV;
  return { net, tca, tcm, dev };
};

/** tc_get_qdisc: RTM_GETQDISC do. */
const tc_get_qdisc: RtnlDoitFunc = (skb, n, extack) => {
  const r = tc_request(skb, n, extack);
  if (typeof r === "number") return r;
  const { net, tca, tcm, dev } = r;
  const q = tc_get_qdisc_find(dev, tcm, extack);
  if (typeof q === "number") return q;
  const kind = tca[TCA_KIND];
  if (kind !== undefined && !nla_strcmp(kind.data, q.id)) {
    extack.msg = "Invalid qdisc name: must match existing qdisc";
    return -ERRNO.EINVAL;
  }
  qdisc_get_notify(net, skb.cb.portid, n, tcm.parent, q);
  return 0;
};

/**
 * tc_dump_qdisc: every device's root qdisc that is not built in (each device's ingress qdisc
 * too, of which the model's devices have none). cb.args[0] is the device index, args[1] the qdisc
 * index within it. The request is parsed liberally, whatever the socket's strict checking.
 */
const tc_dump_qdisc: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const s_idx = cb.args[0] ?? 0;
  let s_q_idx = cb.args[1] ?? 0;
  let q_idx = s_q_idx;
  const tca = nlmsg_parse(cb.nlh, TCMSG_SIZE, rtm_tca_policy, NL_VALIDATE_LIBERAL, cb.extack ?? {});
  if (typeof tca === "number") return tca;
  let idx = 0;
  for (const dev of for_each_netdev(net)) {
    if (idx >= s_idx) {
      if (idx > s_idx) s_q_idx = 0;
      q_idx = 0;
      // tc_dump_qdisc_root(dev->qdisc, …, recur): the root; no hashed children
      const q = dev_root_qdisc(dev);
      if (q_idx >= s_q_idx) {
        const full =
          !tc_qdisc_dump_ignore(q) &&
          tc_fill_qdisc(skb, q, q.parent, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI, RTM_NEWQDISC) <= 0;
        if (full) break;
      }
      q_idx++;
    }
    idx++;
  }
  cb.args[0] = idx;
  cb.args[1] = q_idx;
  return skb.len;
};

/**
 * tc_ctl_tclass: RTM_GETTCLASS do. The qdisc the class would belong to is found from the parent
 * and the class id; no device of the model has a qdisc with a handle, so the lookup ends in ENOENT.
 */
const tc_ctl_tclass: RtnlDoitFunc = (skb, n, extack) => {
  const r = tc_request(skb, n, extack);
  if (typeof r === "number") return r;
  const { tcm } = r;
  // when the parent (unless TC_H_ROOT) and the class id both name a qdisc, they must name the same
  const qid = TC_H_MAJ(tcm.handle);
  const qid1 = tcm.parent !== TC_H_ROOT ? TC_H_MAJ(tcm.parent) : 0;
  if (qid && qid1 && qid !== qid1) return -ERRNO.EINVAL;
  // qdisc_lookup(dev, qid), qid defaulting to the parent's or the root's handle: the only qdisc a
  // device of the model has is its root, handle 0, which no lookup finds
  return -ERRNO.ENOENT;
};

/** tc_dump_tclass: the classes of every qdisc of the device; none of the model's qdiscs has classes. */
const tc_dump_tclass: RtnlDumpitFunc = (skb, cb) => {
  if (cb.nlh.nlmsg_len - NLMSG_HDRLEN < TCMSG_SIZE) return 0;
  return skb.len;
};

/** pktsched_init's RTM_GETQDISC / RTM_GETTCLASS handlers (the NEW/DEL ones are not modelled) */
export const pktsched_net_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_GETQDISC, tc_get_qdisc, tc_dump_qdisc);
  rtnl_register(net, 0, RTM_GETTCLASS, tc_ctl_tclass, tc_dump_tclass);
};
