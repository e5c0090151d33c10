// net/sched/cls_api.c (6.18), the part a namespace without tc configuration answers: RTM_GETTFILTER
// do (tc_get_tfilter) and dump (tc_dump_tfilter), RTM_GETCHAIN do (tc_ctl_chain) and dump
// (tc_dump_chain). Filters and chains hang off a classful qdisc's block; the model's devices have
// only classless root qdiscs (sch_api.ts), so a get ends at __tcf_qdisc_find's checks and a dump is
// empty. Adding filters, chains or shared blocks (RTM_NEWTFILTER, RTM_NEWCHAIN, ...) is not
// modelled: those types have no handler here and are refused with EOPNOTSUPP.

import {
  ERRNO,
  type NetlinkExtAck,
  NL_VALIDATE_LIBERAL,
  NLA_BITFIELD32,
  NLA_U32,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import { RTM_GETCHAIN, RTM_GETTFILTER, TCMSG_SIZE } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index } from "../core/loopback.js";
import { nlmsg_parse, type RtnlDoitFunc, type RtnlDumpitFunc, rtnl_register, skb_net } from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import {
  dev_root_qdisc,
  qdisc_lookup,
  rtm_tca_policy,
  TC_H_MAJ,
  TCA_CHAIN,
  TCA_DUMP_FLAGS,
  TCA_MAX,
  tcmsg,
} from "./sch_api.js";

/** TCM_IFINDEX_MAGIC_BLOCK: tcm_ifindex naming a shared block instead of a device */
const TCM_IFINDEX_MAGIC_BLOCK = 0xffffffff;
/** TCA_DUMP_FLAGS_TERSE */
const TCA_DUMP_FLAGS_TERSE = 1;

/** tcf_tfilter_dump_policy */
const tcf_tfilter_dump_policy: NlaPolicySet = nlaPolicy(TCA_MAX, {
  [TCA_CHAIN]: { type: NLA_U32 },
  [TCA_DUMP_FLAGS]: { type: NLA_BITFIELD32, bitfield32Valid: TCA_DUMP_FLAGS_TERSE },
});

/**
 * __tcf_qdisc_find(net, &q, &parent, ifindex): the device, then the qdisc the parent names (the
 * root for parent 0), which must be classful and support blocks. 0 or −errno with the extack.
 */
const __tcf_qdisc_find = (net: Net, parent: number, ifindex: number, extack: NetlinkExtAck): number => {
  // a shared block: the model has none, and a block's lookup comes after this function
  if (ifindex >>> 0 === TCM_IFINDEX_MAGIC_BLOCK) return 0;
  const dev = __dev_get_by_index(net, ifindex);
  if (dev === undefined) return -ERRNO.ENODEV;
  const q = parent ? qdisc_lookup(dev, TC_H_MAJ(parent)) : dev_root_qdisc(dev);
  if (q === undefined) {
    extack.msg = "Parent Qdisc doesn't exists";
    return -ERRNO.EINVAL;
  }
  if (!q.classful) {
    extack.msg = "Qdisc not classful";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/**
 * tcf_block_find's checks for the filter and chain gets: the qdisc (__tcf_qdisc_find), or for
 * TCM_IFINDEX_MAGIC_BLOCK the shared block by index, of which the namespace has none.
 */
const tcf_block_find = (skb: SkBuff, n: Nlmsghdr, extack: NetlinkExtAck): number => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const t = tcmsg(n);
  const err = __tcf_qdisc_find(net, t.parent, t.ifindex, extack);
  if (err) return err;
  extack.msg = "Block of given index was not found";
  return -ERRNO.EINVAL;
};

/** tc_get_tfilter: RTM_GETTFILTER do. */
const tc_get_tfilter: RtnlDoitFunc = (skb, n, extack) => {
  const tca = nlmsg_parse(n, TCMSG_SIZE, rtm_tca_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tca === "number") return tca;
  const prio = TC_H_MAJ(tcmsg(n).info);
  if (prio === 0) {
    extack.msg = "Invalid filter command with priority of zero";
    return -ERRNO.ENOENT;
  }
  return tcf_block_find(skb, n, extack);
};

/** tc_ctl_chain: RTM_GETCHAIN do. */
const tc_ctl_chain: RtnlDoitFunc = (skb, n, extack) => {
  const tca = nlmsg_parse(n, TCMSG_SIZE, rtm_tca_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tca === "number") return tca;
  return tcf_block_find(skb, n, extack);
};

/**
 * The dumps of filters and chains: a short header or an unknown device dumps nothing, a request
 * that does not parse is the dump's error; a device's qdisc has no block, so nothing is dumped.
 */
const tcf_dump =
  (policy: NlaPolicySet): RtnlDumpitFunc =>
  (skb, cb) => {
    if (cb.nlh.nlmsg_len - NLMSG_HDRLEN < TCMSG_SIZE) return skb.len;
    const tca = nlmsg_parse(cb.nlh, TCMSG_SIZE, policy, NL_VALIDATE_LIBERAL, cb.extack ?? {});
    if (typeof tca === "number") return tca;
    return skb.len;
  };

/** tc_filter_init's RTM_GETTFILTER / RTM_GETCHAIN handlers (the NEW/DEL ones are not modelled) */
export const tc_filter_net_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_GETTFILTER, tc_get_tfilter, tcf_dump(tcf_tfilter_dump_policy));
  rtnl_register(net, 0, RTM_GETCHAIN, tc_ctl_chain, tcf_dump(rtm_tca_policy));
};
