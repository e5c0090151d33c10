// net/core/rtnetlink.c (6.18), the part a fresh network namespace answers: the NETLINK_ROUTE kernel
// socket (rtnetlink_net_init), its input (rtnetlink_rcv → netlink_rcv_skb → rtnetlink_rcv_msg),
// the handler table (rtnl_register: doit/dumpit per family and message type), RTM_GETLINK
// (rtnl_getlink, rtnl_dump_ifinfo, rtnl_fill_ifinfo) for the namespace's only device `lo`, the
// PF_UNSPEC dump fan-out (rtnl_dump_all) for addresses, routes and netconf, and the PF_BRIDGE link
// dump (empty: lo is no bridge port). The other subsystems' GET handlers (neighbours, FIB rules,
// routes, netconf, address labels, netns ids) register from rtnl_subsys.ts.
//
// Links change through RTM_NEWLINK / RTM_SETLINK (rtnl_newlink, __rtnl_newlink, rtnl_setlink,
// do_setlink: IFF_UP, IFLA_MTU, IFLA_IFNAME) and come and go through RTM_NEWLINK with
// IFLA_LINKINFO/IFLA_INFO_KIND (rtnl_newlink_create; the link kinds are rtnl_link_ops, ifb is
// ifb.ts) and RTM_DELLINK (rtnl_dellink). Every change is announced to RTNLGRP_LINK
// (rtmsg_ifinfo, rtnetlink_event). A link attribute the model does not apply (IFLA_ADDRESS on an
// existing device, IFLA_TXQLEN, IFLA_MASTER, IFLA_AF_SPEC, …) is logged "not modelled" and refused
// with −EOPNOTSUPP rather than ignored. A type no handler is registered for gets EOPNOTSUPP, as in
// the kernel.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  CAP_NET_ADMIN,
  ERRNO,
  getS32,
  getU16,
  getU32,
  NETLINK_ROUTE,
  type NetlinkExtAck,
  NL_CFG_F_NONROOT_RECV,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_NESTED,
  NLA_STRING,
  NLA_U8,
  NLA_U32,
  NLM_F_BULK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_ECHO,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  NLMSG_ALIGN,
  NLMSG_HDRLEN,
  type NlAttr,
  type NlaPolicySet,
  nlaParse,
  nlaPolicy,
  putU16,
  putU32,
} from "../../uapi/index.js";
import {
  AF_BRIDGE,
  AF_INET_RT,
  AF_INET6,
  ALTIFNAMSIZ,
  IF_OPER_UNKNOWN,
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  IFINFOMSG_SIZE,
  IFLA_ADDRESS,
  IFLA_AF_SPEC,
  IFLA_ALLMULTI,
  IFLA_ALT_IFNAME,
  IFLA_BROADCAST,
  IFLA_CARRIER,
  IFLA_CARRIER_CHANGES,
  IFLA_CARRIER_DOWN_COUNT,
  IFLA_CARRIER_UP_COUNT,
  IFLA_DEVLINK_PORT,
  IFLA_DPLL_PIN,
  IFLA_EXT_MASK,
  IFLA_GRO_IPV4_MAX_SIZE,
  IFLA_GRO_MAX_SIZE,
  IFLA_GROUP,
  IFLA_GSO_IPV4_MAX_SIZE,
  IFLA_GSO_MAX_SEGS,
  IFLA_GSO_MAX_SIZE,
  IFLA_HEADROOM,
  IFLA_IFALIAS,
  IFLA_IFNAME,
  IFLA_INET_CONF,
  IFLA_INET6_ADDR_GEN_MODE,
  IFLA_INET6_CACHEINFO,
  IFLA_INET6_CONF,
  IFLA_INET6_FLAGS,
  IFLA_INET6_ICMP6STATS,
  IFLA_INET6_STATS,
  IFLA_INET6_TOKEN,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_INFO_MAX,
  IFLA_INFO_SLAVE_DATA,
  IFLA_INFO_SLAVE_KIND,
  IFLA_LINK,
  IFLA_LINKINFO,
  IFLA_LINKMODE,
  IFLA_MAP,
  IFLA_MASTER,
  IFLA_MAX,
  IFLA_MAX_MTU,
  IFLA_MAX_PACING_OFFLOAD_HORIZON,
  IFLA_MIN_MTU,
  IFLA_MTU,
  IFLA_NET_NS_FD,
  IFLA_NET_NS_PID,
  IFLA_NETNS_IMMUTABLE,
  IFLA_NUM_RX_QUEUES,
  IFLA_NUM_TX_QUEUES,
  IFLA_OPERSTATE,
  IFLA_PROMISCUITY,
  IFLA_PROTINFO,
  IFLA_PROTO_DOWN,
  IFLA_QDISC,
  IFLA_STATS,
  IFLA_STATS64,
  IFLA_TAILROOM,
  IFLA_TARGET_NETNSID,
  IFLA_TSO_MAX_SEGS,
  IFLA_TSO_MAX_SIZE,
  IFLA_TXQLEN,
  IFLA_XDP,
  IFLA_XDP_ATTACHED,
  IFNAMSIZ,
  RTGENMSG_SIZE,
  RTM_BASE,
  RTM_DELLINK,
  RTM_GETADDR,
  RTM_GETLINK,
  RTM_GETNETCONF,
  RTM_GETROUTE,
  RTM_MAX,
  RTM_NEWLINK,
  RTM_SETLINK,
  RTNL_KIND_DEL,
  RTNL_KIND_GET,
  RTNLGRP_LINK,
  RTNLGRP_MAX,
} from "../../uapi/rtnetlink.js";
import { type Nlmsghdr, netlink_rcv_skb } from "../netlink/ack.js";
import { netlink_broadcast, nlmsg_multicast } from "../netlink/broadcast.js";
import { netlink_capable } from "../netlink/capable.js";
import { type NetlinkCallback, netlink_dump_start, nl_dump_check_consistent } from "../netlink/dump.js";
import { netlink_kernel_create } from "../netlink/kernel.js";
import {
  type NlattrRef,
  type NlmsghdrRef,
  nla_nest_cancel,
  nla_nest_end,
  nla_nest_start,
  nla_nest_start_noflag,
  nla_put,
  nla_put_string,
  nla_put_u8,
  nla_put_u16,
  nla_put_u32,
  nla_reserve,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../netlink/nlmsg.js";
import { kfree_skb, NLMSG_GOODSIZE, type SkBuff, skb_get } from "../netlink/skb.js";
import { NETLINK_F_STRICT_CHK, type NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import { netlink_unicast, nlmsg_unicast } from "../netlink/unicast.js";
import {
  call_netdevice_notifiers,
  dev_change_flags,
  dev_change_name,
  dev_set_mtu,
  dev_validate_mtu,
  NETDEV_CHANGEMTU,
  NETDEV_CHANGENAME,
  NETDEV_UP,
  register_netdevice,
  register_netdevice_notifier,
  unregister_netdevice,
} from "./dev_api.js";
import { __dev_get_by_index, __dev_get_by_name, dev_base_seq, for_each_netdev, type LinkDevice } from "./loopback.js";

/** rtnl_doit_func */
export type RtnlDoitFunc = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck) => number;
/** rtnl_dumpit_func */
export type RtnlDumpitFunc = (skb: SkBuff, cb: NetlinkCallback) => number;

/** RTNL_FLAG_DUMP_SPLIT_NLM_DONE: "old dump handlers used to send NLM_DONE in a separate recvmsg()" */
export const RTNL_FLAG_DUMP_SPLIT_NLM_DONE = 1 << 5;
/** RTNL_FLAG_BULK_DEL_SUPPORTED */
export const RTNL_FLAG_BULK_DEL_SUPPORTED = 1 << 1;

/** struct rtnl_link: one entry of rtnl_msg_handlers[family][type − RTM_BASE]. */
export interface RtnlLink {
  readonly doit: RtnlDoitFunc | null;
  readonly dumpit: RtnlDumpitFunc | null;
  readonly flags: number;
}

/** The namespace's rtnetlink: net->rtnl and (global in the kernel) the handler table and link kinds. */
export interface RtnlNet {
  rtnl: NetlinkSock | null;
  /** rtnl_msg_handlers: key family * 256 + (type − RTM_BASE) */
  readonly handlers: Map<number, RtnlLink>;
  /** link_ops: the registered rtnl_link_ops by kind */
  readonly link_ops: Map<string, RtnlLinkOps>;
}

/** struct rtnl_link_ops, as far as the model's link kinds use it */
export interface RtnlLinkOps {
  readonly kind: string;
  /** alloc_netdev_mqs + ops->setup: a new device with the driver's defaults, named `name` */
  readonly setup: (net: Net, name: string) => LinkDevice;
  /** ops->validate(tb, data, extack) */
  readonly validate?: (tb: IflaTb, extack: NetlinkExtAck) => number;
}

/** rtnl_link_register(ops) */
export const rtnl_link_register = (net: Net, ops: RtnlLinkOps): void => {
  rtnl_net(net).link_ops.set(ops.kind, ops);
};

const rtnl_nets = new WeakMap<Net, RtnlNet>();

/** The namespace's rtnetlink state (made on first use; no socket before rtnetlink_net_init). */
export const rtnl_net = (net: Net): RtnlNet => {
  let r = rtnl_nets.get(net);
  if (r === undefined) {
    r = { rtnl: null, handlers: new Map(), link_ops: new Map() };
    rtnl_nets.set(net, r);
  }
  return r;
};

const handlerKey = (family: number, msgindex: number): number => family * 256 + msgindex;

/** rtnl_register(protocol, msgtype, doit, dumpit, flags): 0, or −EINVAL for a type outside the table. */
export const rtnl_register = (
  net: Net,
  protocol: number,
  msgtype: number,
  doit: RtnlDoitFunc | null,
  dumpit: RtnlDumpitFunc | null,
  flags = 0,
): number => {
  const msgindex = msgtype - RTM_BASE;
  if (msgindex < 0 || msgtype > RTM_MAX || protocol < 0 || protocol > 255) return -ERRNO.EINVAL;
  const h = rtnl_net(net).handlers;
  const old = h.get(handlerKey(protocol, msgindex));
  h.set(handlerKey(protocol, msgindex), {
    doit: doit ?? old?.doit ?? null,
    dumpit: dumpit ?? old?.dumpit ?? null,
    flags: flags | (old?.flags ?? 0),
  });
  return 0;
};

/** rtnl_get_link(family, type) */
export const rtnl_get_link = (net: Net, family: number, type: number): RtnlLink | undefined =>
  rtnl_net(net).handlers.get(handlerKey(family, type));

/** rtnl_msgtype_kind */
const rtnl_msgtype_kind = (msgindex: number): number => msgindex & 3;

// ---------------------------------------------------------------------------------------------
// ifla_policy: the entries a link request can meaningfully carry (the kernel's table has ~70).
const ifla_policy: NlaPolicySet = nlaPolicy(IFLA_MAX, {
  [IFLA_IFNAME]: { type: NLA_STRING, len: IFNAMSIZ - 1 },
  [IFLA_ADDRESS]: { type: 11 /* NLA_BINARY */, len: 32 /* MAX_ADDR_LEN */ },
  [IFLA_BROADCAST]: { type: 11, len: 32 },
  [IFLA_MTU]: { type: NLA_U32 },
  [IFLA_LINK]: { type: NLA_U32 },
  [IFLA_MASTER]: { type: NLA_U32 },
  [IFLA_CARRIER]: { type: NLA_U8 },
  [IFLA_TXQLEN]: { type: NLA_U32 },
  [IFLA_OPERSTATE]: { type: NLA_U8 },
  [IFLA_LINKMODE]: { type: NLA_U8 },
  [IFLA_LINKINFO]: { type: NLA_NESTED },
  [IFLA_NET_NS_PID]: { type: NLA_U32 },
  [IFLA_NET_NS_FD]: { type: NLA_U32 },
  [IFLA_IFALIAS]: { type: NLA_STRING, len: IFNAMSIZ * 16 - 1 },
  [IFLA_AF_SPEC]: { type: NLA_NESTED },
  [IFLA_EXT_MASK]: { type: NLA_U32 },
  [IFLA_PROMISCUITY]: { type: NLA_U32 },
  [IFLA_NUM_TX_QUEUES]: { type: NLA_U32 },
  [IFLA_NUM_RX_QUEUES]: { type: NLA_U32 },
  [IFLA_GROUP]: { type: NLA_U32 },
  [IFLA_TARGET_NETNSID]: { type: 14 /* NLA_S32 */ },
  [IFLA_ALT_IFNAME]: { type: NLA_STRING, len: ALTIFNAMSIZ - 1 },
});

/** The attribute table of a parse, indexed by IFLA_*. */
export type IflaTb = ReadonlyArray<NlAttr | undefined>;

/**
 * __nlmsg_parse(nlh, hdrlen, tb, maxtype, policy, validate, extack): the header must hold `hdrlen`
 * bytes ("Invalid header length"), the attributes start at NLMSG_ALIGN(hdrlen) after it.
 */
export const nlmsg_parse = (
  nlh: Nlmsghdr,
  hdrlen: number,
  policy: NlaPolicySet,
  validate: number,
  extack: NetlinkExtAck,
): IflaTb | number => {
  if (nlh.nlmsg_len < NLMSG_HDRLEN + hdrlen) {
    extack.msg = "Invalid header length";
    return -ERRNO.EINVAL;
  }
  const start = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen);
  const data = nlh.msg.subarray(Math.min(start, nlh.msg.length));
  const r = nlaParse(data, policy, { validate, base: start });
  if (!r.ok) {
    Object.assign(extack, r.extack);
    return r.error;
  }
  // a liberal parse's complaint stays in the extack: the ACK (or NLMSG_DONE) reports it
  if (r.warning !== undefined) extack.msg = r.warning;
  return r.tb;
};

/** struct ifinfomsg, read from a request */
interface Ifinfomsg {
  readonly family: number;
  readonly pad: number;
  readonly type: number;
  readonly index: number;
  readonly flags: number;
  readonly change: number;
}
const ifinfomsg = (nlh: Nlmsghdr): Ifinfomsg => {
  const b = new Uint8Array(IFINFOMSG_SIZE);
  b.set(nlh.msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + IFINFOMSG_SIZE));
  return {
    family: b[0]!,
    pad: b[1]!,
    type: getU16(b, 2),
    index: getS32(b, 4),
    flags: getU32(b, 8),
    change: getU32(b, 12),
  };
};

/** rtnl_msg_family(nlh): the request's rtgen_family, AF_UNSPEC when the payload is shorter */
export const rtnl_msg_family = (nlh: Nlmsghdr): number =>
  nlh.nlmsg_len - NLMSG_HDRLEN >= RTGENMSG_SIZE ? nlh.msg[NLMSG_HDRLEN]! : 0;

/** sock_net(skb->sk) of a request (the rtnetlink kernel socket owns it) */
export const skb_net = (skb: SkBuff): Net | undefined => (skb.owner as NetlinkSock | null)?.net;

/** rtnl_unicast(skb, net, pid): the reply to the requester; 0 or a negative errno */
export const rtnl_unicast = (skb: SkBuff, net: Net, pid: number): number => {
  const rtnl = rtnl_net(net).rtnl!;
  return Math.min(nlmsg_unicast(rtnl, skb, pid), 0);
};

/** nlmsg_len(nlh): the payload length */
export const nlmsg_len = (nlh: Nlmsghdr): number => nlh.nlmsg_len - NLMSG_HDRLEN;

/** netlink_strict_get_check(skb): the requester set NETLINK_GET_STRICT_CHK */
export const netlink_strict_get_check = (skb: SkBuff): boolean => {
  const sk = skb.cb.sk as NetlinkSock | null;
  return sk !== null && (sk.flags & NETLINK_F_STRICT_CHK) !== 0;
};

// ---------------------------------------------------------------------------------------------
// rtnl_fill_ifinfo and its helpers

export const u32s = (vals: ReadonlyArray<number>): Uint8Array => {
  const b = new Uint8Array(vals.length * 4);
  for (let i = 0; i < vals.length; i++) putU32(b, i * 4, vals[i]! >>> 0);
  return b;
};

/** rtnl_fill_stats: IFLA_STATS64 (struct rtnl_link_stats64, 25 × u64) and IFLA_STATS (24 × u32); lo saw no traffic. */
const rtnl_fill_stats = (skb: SkBuff): number => {
  if (nla_reserve(skb, IFLA_STATS64, 200) === null) return -ERRNO.EMSGSIZE;
  if (nla_reserve(skb, IFLA_STATS, 96) === null) return -ERRNO.EMSGSIZE;
  return 0;
};

/** rtnl_xdp_fill: IFLA_XDP {IFLA_XDP_ATTACHED = XDP_ATTACHED_NONE} */
const rtnl_xdp_fill = (skb: SkBuff): number => {
  const xdp = nla_nest_start_noflag(skb, IFLA_XDP);
  if (xdp === null) return -ERRNO.EMSGSIZE;
  if (nla_put_u8(skb, IFLA_XDP_ATTACHED, 0)) {
    nla_nest_cancel(skb, xdp);
    return -ERRNO.EMSGSIZE;
  }
  nla_nest_end(skb, xdp);
  return 0;
};

/** inet_fill_link_af: {IFLA_INET_CONF: in_dev->cnf.data} */
const inet_fill_link_af = (skb: SkBuff, dev: LinkDevice): number =>
  nla_put(skb, IFLA_INET_CONF, u32s(dev.ipv4_devconf));

/** inet6_fill_link_af → inet6_fill_ifla6_attrs */
export const inet6_fill_link_af = (skb: SkBuff, dev: LinkDevice): number => {
  if (nla_put_u32(skb, IFLA_INET6_FLAGS, dev.inet6_flags)) return -ERRNO.EMSGSIZE;
  if (nla_put(skb, IFLA_INET6_CACHEINFO, u32s(dev.inet6_cacheinfo))) return -ERRNO.EMSGSIZE;
  if (nla_put(skb, IFLA_INET6_CONF, u32s(dev.ipv6_devconf))) return -ERRNO.EMSGSIZE;
  // snmp6_fill_stats: the first u64 is the count of counters (IPSTATS_MIB_MAX 38, ICMP6_MIB_MAX 7)
  const stats = nla_reserve(skb, IFLA_INET6_STATS, 38 * 8);
  if (stats === null) return -ERRNO.EMSGSIZE;
  putU32(skb.head, stats, 38);
  const icmp = nla_reserve(skb, IFLA_INET6_ICMP6STATS, 7 * 8);
  if (icmp === null) return -ERRNO.EMSGSIZE;
  putU32(skb.head, icmp, 7);
  if (nla_reserve(skb, IFLA_INET6_TOKEN, 16) === null) return -ERRNO.EMSGSIZE;
  if (nla_put_u8(skb, IFLA_INET6_ADDR_GEN_MODE, 0)) return -ERRNO.EMSGSIZE; // IN6_ADDR_GEN_MODE_EUI64
  return 0;
};

/**
 * rtnl_fill_link_af: IFLA_AF_SPEC with one nest per address family that has link data (inet, and
 * inet6 where IPv6 is attached). A device being unregistered has neither any more: an empty nest.
 */
const rtnl_fill_link_af = (skb: SkBuff, dev: LinkDevice, no_inet: boolean): number => {
  const af_spec = nla_nest_start_noflag(skb, IFLA_AF_SPEC);
  if (af_spec === null) return -ERRNO.EMSGSIZE;
  const fams: Array<readonly [number, (skb: SkBuff, dev: LinkDevice) => number]> = [];
  if (!no_inet) fams.push([AF_INET_RT, inet_fill_link_af]);
  if (!no_inet && dev.inet6) fams.push([AF_INET6, inet6_fill_link_af]);
  for (const [family, fill] of fams) {
    const af: NlattrRef | null = nla_nest_start_noflag(skb, family);
    if (af === null) return -ERRNO.EMSGSIZE;
    const err = fill(skb, dev);
    if (err < 0) return err;
    nla_nest_end(skb, af);
  }
  nla_nest_end(skb, af_spec);
  return 0;
};

/**
 * rtnl_fill_ifinfo(skb, dev, net, type, pid, seq, change, flags, ...): one RTM_NEWLINK for `dev`,
 * attributes in the kernel's order. 0, or −EMSGSIZE when the skb is full (the message is cancelled).
 */
export const rtnl_fill_ifinfo = (
  skb: SkBuff,
  dev: LinkDevice,
  type: number,
  pid: number,
  seq: number,
  change: number,
  flags: number,
  no_inet = false,
): number => {
  const nlh: NlmsghdrRef | null = nlmsg_put(skb, pid, seq, type, IFINFOMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ifm = nlmsg_data(nlh);
  const b = skb.head;
  b[ifm] = 0; // ifi_family AF_UNSPEC
  b[ifm + 1] = 0;
  putU16(b, ifm + 2, dev.type);
  putU32(b, ifm + 4, dev.ifindex);
  putU32(b, ifm + 8, dev.flags);
  putU32(b, ifm + 12, change);
  const fail = (): number => {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  };
  if (
    nla_put_string(skb, IFLA_IFNAME, dev.name) ||
    nla_put_u32(skb, IFLA_TXQLEN, dev.tx_queue_len) ||
    nla_put_u8(skb, IFLA_OPERSTATE, dev.operstate) ||
    nla_put_u8(skb, IFLA_LINKMODE, dev.link_mode) ||
    nla_put_u8(skb, IFLA_NETNS_IMMUTABLE, dev.netns_immutable ? 1 : 0) ||
    nla_put_u32(skb, IFLA_MTU, dev.mtu) ||
    nla_put_u32(skb, IFLA_MIN_MTU, dev.min_mtu) ||
    nla_put_u32(skb, IFLA_MAX_MTU, dev.max_mtu) ||
    nla_put_u32(skb, IFLA_GROUP, dev.group) ||
    nla_put_u32(skb, IFLA_PROMISCUITY, dev.promiscuity) ||
    nla_put_u32(skb, IFLA_ALLMULTI, dev.allmulti) ||
    nla_put_u32(skb, IFLA_NUM_TX_QUEUES, dev.num_tx_queues) ||
    nla_put_u32(skb, IFLA_GSO_MAX_SEGS, dev.gso_max_segs) ||
    nla_put_u32(skb, IFLA_GSO_MAX_SIZE, dev.gso_max_size) ||
    nla_put_u32(skb, IFLA_GRO_MAX_SIZE, dev.gro_max_size) ||
    nla_put_u32(skb, IFLA_GSO_IPV4_MAX_SIZE, dev.gso_ipv4_max_size) ||
    nla_put_u32(skb, IFLA_GRO_IPV4_MAX_SIZE, dev.gro_ipv4_max_size) ||
    nla_put_u32(skb, IFLA_TSO_MAX_SIZE, dev.tso_max_size) ||
    nla_put_u32(skb, IFLA_TSO_MAX_SEGS, dev.tso_max_segs) ||
    nla_put_u32(skb, IFLA_MAX_PACING_OFFLOAD_HORIZON, dev.max_pacing_offload_horizon) ||
    nla_put_u32(skb, IFLA_NUM_RX_QUEUES, dev.num_rx_queues) ||
    nla_put_u8(skb, IFLA_CARRIER, dev.carrier ? 1 : 0) ||
    nla_put_u32(skb, IFLA_CARRIER_CHANGES, dev.carrier_up_count + dev.carrier_down_count) ||
    nla_put_u32(skb, IFLA_CARRIER_UP_COUNT, dev.carrier_up_count) ||
    nla_put_u32(skb, IFLA_CARRIER_DOWN_COUNT, dev.carrier_down_count) ||
    nla_put_u16(skb, IFLA_HEADROOM, dev.needed_headroom) ||
    nla_put_u16(skb, IFLA_TAILROOM, dev.needed_tailroom) ||
    nla_put_u8(skb, IFLA_PROTO_DOWN, dev.proto_down ? 1 : 0)
  )
    return fail();
  if (nla_put(skb, IFLA_ADDRESS, dev.dev_addr) || nla_put(skb, IFLA_BROADCAST, dev.broadcast)) return fail();
  if (rtnl_fill_stats(skb) || rtnl_xdp_fill(skb)) return fail();
  if (dev.kind !== null && rtnl_link_fill(skb, dev.kind)) return fail();
  if (nla_put_string(skb, IFLA_QDISC, dev.qdisc)) return fail();
  if (rtnl_fill_link_af(skb, dev, no_inet)) return fail();
  // rtnl_fill_link_ifmap: struct rtnl_link_ifmap {u64 mem_start, mem_end, base_addr; u16 irq; u8 dma, port} = 32
  if (nla_reserve(skb, IFLA_MAP, 32) === null) return fail();
  // rtnl_fill_devlink_port / rtnl_fill_dpll_pin: empty nests (lo has neither)
  for (const t of [IFLA_DEVLINK_PORT, IFLA_DPLL_PIN]) {
    const n = nla_nest_start(skb, t);
    if (n === null) return fail();
    nla_nest_end(skb, n);
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** rtnl_link_fill: IFLA_LINKINFO {IFLA_INFO_KIND} (ifb has no IFLA_INFO_DATA) */
const rtnl_link_fill = (skb: SkBuff, kind: string): number => {
  const linkinfo = nla_nest_start_noflag(skb, IFLA_LINKINFO);
  if (linkinfo === null) return -ERRNO.EMSGSIZE;
  if (nla_put_string(skb, IFLA_INFO_KIND, kind)) {
    nla_nest_cancel(skb, linkinfo);
    return -ERRNO.EMSGSIZE;
  }
  nla_nest_end(skb, linkinfo);
  return 0;
};

/** if_nlmsg_size(dev, ext_filter_mask): what rtnl_getlink allocates; lo's message is 1468 bytes. */
const if_nlmsg_size = (): number => 1468 - NLMSG_HDRLEN + 64;

// ---------------------------------------------------------------------------------------------
// RTM_GETLINK

/** rtnl_valid_getlink_req */
const rtnl_valid_getlink_req = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): IflaTb | number => {
  if (nlmsg_len(nlh) < IFINFOMSG_SIZE) {
    extack.msg = "Invalid header for get link";
    return -ERRNO.EINVAL;
  }
  if (!netlink_strict_get_check(skb)) return nlmsg_parse(nlh, IFINFOMSG_SIZE, ifla_policy, NL_VALIDATE_LIBERAL, extack);
  const ifm = ifinfomsg(nlh);
  if (ifm.pad || ifm.type || ifm.flags || ifm.change) {
    extack.msg = "Invalid values in header for get link request";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(nlh, IFINFOMSG_SIZE, ifla_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= IFLA_MAX; i++) {
    if (tb[i] === undefined) continue;
    if (i === IFLA_IFNAME || i === IFLA_ALT_IFNAME || i === IFLA_EXT_MASK || i === IFLA_TARGET_NETNSID) continue;
    extack.msg = "Unsupported attribute in get link request";
    return -ERRNO.EINVAL;
  }
  return tb;
};

/** nla_strscpy of an IFLA_IFNAME / IFLA_ALT_IFNAME payload */
export const attr_name = (a: NlAttr): string => {
  const d = a.data;
  const nul = d.indexOf(0);
  return new TextDecoder().decode(d.subarray(0, nul < 0 ? d.length : nul));
};

/** rtnl_getlink: RTM_GETLINK do. By ifindex (> 0), else by IFLA_IFNAME / IFLA_ALT_IFNAME, else −EINVAL. */
export const rtnl_getlink: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = (skb.owner as NetlinkSock | null)?.net;
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = rtnl_valid_getlink_req(skb, nlh, extack);
  if (typeof tb === "number") return tb;
  if (tb[IFLA_TARGET_NETNSID] !== undefined) {
    // rtnl_get_net_ns_capable: the model has one namespace and no netnsids
    extack.msg = "Invalid target network namespace id";
    return -ERRNO.EINVAL;
  }
  const ifm = ifinfomsg(nlh);
  let dev: LinkDevice | undefined;
  if (ifm.index > 0) dev = __dev_get_by_index(net, ifm.index);
  else if (tb[IFLA_IFNAME] !== undefined) dev = __dev_get_by_name(net, attr_name(tb[IFLA_IFNAME]!));
  else if (tb[IFLA_ALT_IFNAME] !== undefined) dev = __dev_get_by_name(net, attr_name(tb[IFLA_ALT_IFNAME]!));
  else return -ERRNO.EINVAL;
  if (dev === undefined) return -ERRNO.ENODEV;
  // nlmsg_new_large(if_nlmsg_size(dev, ext_filter_mask)); GFP_KERNEL in the kernel (process
  // context), atomic here so a softirq-mode input is not reported as sleeping (as netlink_ack does)
  const nskb = nlmsg_new(if_nlmsg_size(), GFP_ATOMIC);
  const err = rtnl_fill_ifinfo(nskb, dev, RTM_NEWLINK, skb.cb.portid, nlh.nlmsg_seq, 0, 0);
  if (err < 0) {
    kfree_skb(nskb);
    return err;
  }
  const rtnl = rtnl_net(net).rtnl!;
  const r = nlmsg_unicast(rtnl, nskb, skb.cb.portid);
  return Math.min(r, 0);
};

/** rtnl_valid_dump_ifinfo_req */
const rtnl_valid_dump_ifinfo_req = (nlh: Nlmsghdr, strict_check: boolean, extack: NetlinkExtAck): IflaTb | number => {
  if (strict_check) {
    if (nlmsg_len(nlh) < IFINFOMSG_SIZE) {
      extack.msg = "Invalid header for link dump";
      return -ERRNO.EINVAL;
    }
    const ifm = ifinfomsg(nlh);
    if (ifm.pad || ifm.type || ifm.flags || ifm.change) {
      extack.msg = "Invalid values in header for link dump request";
      return -ERRNO.EINVAL;
    }
    if (ifm.index) {
      extack.msg = "Filter by device index not supported for link dumps";
      return -ERRNO.EINVAL;
    }
    return nlmsg_parse(nlh, IFINFOMSG_SIZE, ifla_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  }
  // the pre-3.9 iproute2 hack: a payload shorter than ifinfomsg is a rtgenmsg
  const hdrlen = nlmsg_len(nlh) < IFINFOMSG_SIZE ? RTGENMSG_SIZE : IFINFOMSG_SIZE;
  return nlmsg_parse(nlh, hdrlen, ifla_policy, NL_VALIDATE_LIBERAL, extack);
};

/**
 * rtnl_dump_ifinfo: RTM_GETLINK dump. cb.args[0] is the next ifindex (for_each_netdev_dump's
 * cursor). A bad request under strict checking ends the dump with its error (NLMSG_DONE carries
 * it); without strict checking a parse error is ignored and every device is dumped. Filters
 * (IFLA_MASTER, IFLA_LINKINFO kind) are not modelled: lo has no master and no kind.
 */
export const rtnl_dump_ifinfo: RtnlDumpitFunc = (skb, cb) => {
  const net = (cb.skb.owner as NetlinkSock | null)?.net;
  if (net === undefined) return -ERRNO.EINVAL;
  const extack = cb.extack ?? {};
  const tb = rtnl_valid_dump_ifinfo_req(cb.nlh, cb.strict_check, extack);
  if (typeof tb === "number" && cb.strict_check) return tb;
  let err = 0;
  for (const dev of for_each_netdev(net)) {
    if (dev.ifindex < cb.args[0]!) continue;
    cb.args[0] = dev.ifindex;
    err = rtnl_fill_ifinfo(skb, dev, RTM_NEWLINK, cb.skb.cb.portid, cb.nlh.nlmsg_seq, 0, NLM_F_MULTI);
    if (err < 0) break;
    cb.args[0] = dev.ifindex + 1;
  }
  // cb->seq = dev_base_seq; nl_dump_check_consistent(cb, nlmsg_hdr(skb)): a list that changed since
  // the last round marks the round's first message NLM_F_DUMP_INTR
  cb.seq = dev_base_seq(net);
  if (skb.len > 0) nl_dump_check_consistent(cb, { skb, off: skb.data_off });
  else cb.prev_seq = cb.seq;
  return err < 0 ? err : skb.len;
};

/** rtnl_bridge_getlink: PF_BRIDGE RTM_GETLINK dump; lo is neither a bridge port nor has ndo_bridge_getlink. */
const rtnl_bridge_getlink: RtnlDumpitFunc = (skb) => skb.len;

/** The state rtnl_dumpit and rtnl_dump_all keep in cb->data / cb->family. */
interface RtnlDumpState {
  dumpit: RtnlDumpitFunc | null;
  family: number;
}

/** rtnl_dump_all: PF_UNSPEC dumps fan out to every family that has a dumpit for the type. */
export const rtnl_dump_all: RtnlDumpitFunc = (skb, cb) => {
  const net = (cb.skb.owner as NetlinkSock | null)?.net;
  const st = cb.data as RtnlDumpState;
  const type = cb.nlh.nlmsg_type - RTM_BASE;
  let ret = 0;
  const s_idx = st.family === 0 ? 1 : st.family;
  let idx = 1;
  for (; idx <= 255; idx++) {
    if (idx < s_idx || idx === 17 /* PF_PACKET */ || net === undefined) continue;
    const link = rtnl_get_link(net, idx, type);
    if (link?.dumpit == null) continue;
    if (idx > s_idx) {
      cb.args.fill(0);
      cb.prev_seq = 0;
      cb.seq = 0;
    }
    ret = link.dumpit(skb, cb);
    if (ret) break;
  }
  st.family = idx;
  return skb.len || ret;
};

/**
 * rtnl_dumpit: the wrapper every rtnetlink dump runs through. With RTNL_FLAG_DUMP_SPLIT_NLM_DONE a
 * round that filled anything reports "more" (skb.len), so NLMSG_DONE comes alone in the next round.
 */
const rtnl_dumpit = (skb: SkBuff, cb: NetlinkCallback): number => {
  const st = cb.data as RtnlDumpState;
  // the previous round finished: do not call the dumpit again
  if (st.dumpit === null) return 0;
  const err = st.dumpit(skb, cb);
  if (cb.flags & RTNL_FLAG_DUMP_SPLIT_NLM_DONE) {
    if (err < 0 && err !== -ERRNO.EMSGSIZE) return err;
    if (!err) st.dumpit = null;
    return skb.len;
  }
  return err;
};

/** rtnl_calcit: the minimum dump allocation; without IFLA_EXT_MASK it is NLMSG_GOODSIZE. */
const rtnl_calcit = (): number => NLMSG_GOODSIZE;

// ---------------------------------------------------------------------------------------------
// Notifications

/** nlmsg_notify(sk, skb, portid, group, report): to the group (the reporter excluded), and echoed to it */
const nlmsg_notify = (sk: NetlinkSock, skb: SkBuff, portid: number, group: number, report: boolean): void => {
  if (group) {
    if (report) skb_get(skb);
    nlmsg_multicast(sk, skb, report ? portid : 0, group, 0);
  }
  if (report) nlmsg_unicast(sk, skb, portid);
};

/**
 * rtnetlink_send(skb, net, pid, group, echo): to the group with the requester `pid` left out, and
 * with `echo` a copy to it as well (NETLINK_CB's dst_group stays the group, so the copy reads as
 * the group's). tc answers its GET requests this way. 0 or the unicast's error.
 */
export const rtnetlink_send = (skb: SkBuff, net: Net, pid: number, group: number, echo: boolean): number => {
  const rtnl = rtnl_net(net).rtnl;
  if (rtnl === null) {
    kfree_skb(skb);
    return 0;
  }
  skb.cb.dst_group = group;
  if (echo) skb_get(skb);
  netlink_broadcast(rtnl, skb, pid, group);
  return echo ? Math.min(netlink_unicast(rtnl, skb, pid, true), 0) : 0;
};

/** rtnl_notify(skb, net, pid, group, nlh, flags): NLM_F_ECHO in the request asks for a copy. */
export const rtnl_notify = (skb: SkBuff, net: Net, pid: number, group: number, nlh: Nlmsghdr | null): void => {
  const rtnl = rtnl_net(net).rtnl;
  if (rtnl === null) {
    kfree_skb(skb);
    return;
  }
  nlmsg_notify(rtnl, skb, pid, group, nlh !== null && (nlh.nlmsg_flags & NLM_F_ECHO) !== 0);
};

/**
 * rtmsg_ifinfo(type, dev, change, flags): RTM_NEWLINK / RTM_DELLINK to RTNLGRP_LINK, pid and seq 0.
 * `no_inet`: the protocols already let go of the device (what RTM_DELLINK reports).
 */
export const rtmsg_ifinfo = (
  net: Net,
  type: number,
  dev: LinkDevice,
  change: number,
  opts: { readonly no_inet?: boolean } = {},
): void => {
  const skb = nlmsg_new(if_nlmsg_size(), GFP_ATOMIC);
  if (rtnl_fill_ifinfo(skb, dev, type, 0, 0, change >>> 0, 0, opts.no_inet ?? false) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_LINK, null);
};

/** rtnetlink_event: the netdevice events rtnetlink announces itself (an MTU, a name). */
const rtnetlink_event = (event: number, dev: LinkDevice, net: Net): void => {
  if (event === NETDEV_CHANGEMTU || event === NETDEV_CHANGENAME) rtmsg_ifinfo(net, RTM_NEWLINK, dev, 0);
};

// ---------------------------------------------------------------------------------------------
// RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK

/** ifla_info_policy */
const ifla_info_policy: NlaPolicySet = nlaPolicy(IFLA_INFO_MAX, {
  [IFLA_INFO_KIND]: { type: NLA_STRING },
  [IFLA_INFO_DATA]: { type: NLA_NESTED },
  [IFLA_INFO_SLAVE_KIND]: { type: NLA_STRING },
  [IFLA_INFO_SLAVE_DATA]: { type: NLA_NESTED },
});

/** rtnl_dev_get(net, tb): by IFLA_IFNAME, else by IFLA_ALT_IFNAME */
const rtnl_dev_get = (net: Net, tb: IflaTb): LinkDevice | undefined => {
  const a = tb[IFLA_IFNAME] ?? tb[IFLA_ALT_IFNAME];
  return a === undefined ? undefined : __dev_get_by_name(net, attr_name(a));
};

/** rtnl_dev_combine_flags(dev, ifm): ifi_change selects which of ifi_flags apply (0: all of them) */
const rtnl_dev_combine_flags = (dev: LinkDevice, ifm: Ifinfomsg): number => {
  const raw = dev.flags & ~(IFF_RUNNING | IFF_LOWER_UP);
  return ifm.change ? ((ifm.flags & ifm.change) | (raw & ~ifm.change)) >>> 0 : ifm.flags;
};

/** An attribute of a link request the model does not apply: logged, and −EOPNOTSUPP. */
const link_attr_not_modelled = (net: Net, tb: IflaTb, handled: ReadonlySet<number>): number => {
  for (let i = 1; i <= IFLA_MAX; i++) {
    if (tb[i] === undefined || handled.has(i)) continue;
    net.kernel?.printk(`${KERN_NOTICE}nlsim: rtnetlink link attribute ${i} is not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  return 0;
};

const SETLINK_HANDLED: ReadonlySet<number> = new Set([
  IFLA_IFNAME,
  IFLA_ALT_IFNAME,
  IFLA_MTU,
  IFLA_EXT_MASK,
  IFLA_LINKINFO,
]);
const NEWLINK_HANDLED: ReadonlySet<number> = new Set([
  IFLA_IFNAME,
  IFLA_ADDRESS,
  IFLA_BROADCAST,
  IFLA_MTU,
  IFLA_TXQLEN,
  IFLA_GROUP,
  IFLA_EXT_MASK,
  IFLA_LINKINFO,
]);

/**
 * do_setlink(skb, dev, ifm, extack, tb): the MTU (netif_set_mtu_ext), the name when the device was
 * chosen by index (netif_change_name), then the flags (netif_change_flags), in the kernel's order;
 * each announces itself through the netdevice chain.
 */
const do_setlink = (net: Net, dev: LinkDevice, ifm: Ifinfomsg, extack: NetlinkExtAck, tb: IflaTb): number => {
  const unsupported = link_attr_not_modelled(net, tb, SETLINK_HANDLED);
  if (unsupported) return unsupported;
  let err = 0;
  if (tb[IFLA_MTU] !== undefined) {
    err = dev_set_mtu(net, dev, getU32(tb[IFLA_MTU]!.data, 0), extack);
    if (err < 0) return err;
  }
  if (ifm.index > 0 && tb[IFLA_IFNAME] !== undefined) {
    const name = attr_name(tb[IFLA_IFNAME]!);
    if (name.length > 0) {
      err = dev_change_name(net, dev, name);
      if (err < 0) return err;
    }
  }
  if (ifm.flags || ifm.change) {
    err = dev_change_flags(net, dev, rtnl_dev_combine_flags(dev, ifm), extack);
    if (err < 0) return err;
  }
  return 0;
};

/** rtnl_setlink: RTM_SETLINK. By ifindex (> 0), else by name; nothing to find by is −EINVAL. */
const rtnl_setlink: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, IFINFOMSG_SIZE, ifla_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const ifm = ifinfomsg(nlh);
  let dev: LinkDevice | undefined;
  if (ifm.index > 0) dev = __dev_get_by_index(net, ifm.index);
  else if (tb[IFLA_IFNAME] !== undefined || tb[IFLA_ALT_IFNAME] !== undefined) dev = rtnl_dev_get(net, tb);
  else return -ERRNO.EINVAL;
  if (dev === undefined) return -ERRNO.ENODEV;
  return do_setlink(net, dev, ifm, extack, tb);
};

/**
 * rtnl_newlink_create → rtnl_create_link + register_netdevice + rtnl_configure_link: the device of
 * `ops` with the request's name ("<kind>%d" without one), MTU, addresses, queue length and group;
 * the requested flags are applied before the first RTM_NEWLINK (ifi_change ~0), then NETDEV_UP.
 */
const rtnl_newlink_create = (net: Net, ifm: Ifinfomsg, ops: RtnlLinkOps, tb: IflaTb, extack: NetlinkExtAck): number => {
  const name = tb[IFLA_IFNAME] !== undefined ? attr_name(tb[IFLA_IFNAME]!) : `${ops.kind}%d`;
  const dev = ops.setup(net, name);
  if (tb[IFLA_MTU] !== undefined) {
    const mtu = getU32(tb[IFLA_MTU]!.data, 0);
    const err = dev_validate_mtu(dev, mtu, extack);
    if (err) return err;
    dev.mtu = mtu;
  }
  if (tb[IFLA_ADDRESS] !== undefined) dev.dev_addr = tb[IFLA_ADDRESS]!.data.slice(0, dev.dev_addr.length);
  if (tb[IFLA_BROADCAST] !== undefined) dev.broadcast = tb[IFLA_BROADCAST]!.data.slice(0, dev.broadcast.length);
  if (tb[IFLA_TXQLEN] !== undefined) dev.tx_queue_len = getU32(tb[IFLA_TXQLEN]!.data, 0);
  if (tb[IFLA_GROUP] !== undefined) dev.group = getU32(tb[IFLA_GROUP]!.data, 0);
  (dev as { ifindex: number }).ifindex = ifm.index;
  const err = register_netdevice(net, dev);
  if (err < 0) return err;
  // rtnl_configure_link: __dev_change_flags, then __dev_notify_flags(dev, old_flags, ~0U)
  const up = ifm.flags || ifm.change ? rtnl_dev_combine_flags(dev, ifm) & IFF_UP : 0;
  if (up) dev_open_quiet(dev);
  rtmsg_ifinfo(net, RTM_NEWLINK, dev, 0xffffffff);
  if (up) call_netdevice_notifiers(NETDEV_UP, dev, net);
  return 0;
};

/** __dev_open before the device was ever announced: up, running, a qdisc */
const dev_open_quiet = (dev: LinkDevice): void => {
  dev.flags |= IFF_UP | IFF_RUNNING | IFF_LOWER_UP;
  dev.operstate = IF_OPER_UNKNOWN;
  dev.qdisc = dev.kind === null ? "noqueue" : "pfifo_fast";
};

/**
 * rtnl_newlink / __rtnl_newlink: RTM_NEWLINK. An existing device (by index, else by name) is
 * changed (rtnl_changelink: NLM_F_EXCL → −EEXIST, NLM_F_REPLACE → −EOPNOTSUPP); a missing one is
 * created with NLM_F_CREATE and a known IFLA_INFO_KIND, else −ENODEV or "Unknown device type".
 */
const rtnl_newlink: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, IFINFOMSG_SIZE, ifla_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  let kind = "";
  let info_data = false;
  const li = tb[IFLA_LINKINFO];
  if (li !== undefined) {
    const r = nlaParse(li.data, ifla_info_policy, { validate: NL_VALIDATE_LIBERAL, base: li.offset + 4 });
    if (!r.ok) {
      Object.assign(extack, r.extack);
      return r.error;
    }
    if (r.tb[IFLA_INFO_KIND] !== undefined) kind = attr_name(r.tb[IFLA_INFO_KIND]!);
    info_data = r.tb[IFLA_INFO_DATA] !== undefined || r.tb[IFLA_INFO_SLAVE_DATA] !== undefined;
  }
  const ops = kind ? rtnl_net(net).link_ops.get(kind) : undefined;
  const ifm = ifinfomsg(nlh);
  let dev: LinkDevice | undefined;
  if (ifm.index > 0) dev = __dev_get_by_index(net, ifm.index);
  else if (ifm.index < 0) {
    extack.msg = "ifindex can't be negative";
    return -ERRNO.EINVAL;
  } else if (tb[IFLA_IFNAME] !== undefined || tb[IFLA_ALT_IFNAME] !== undefined) dev = rtnl_dev_get(net, tb);
  if (ops?.validate !== undefined) {
    const err = ops.validate(tb, extack);
    if (err < 0) return err;
  }
  if (dev !== undefined) {
    // rtnl_changelink
    if (nlh.nlmsg_flags & NLM_F_EXCL) return -ERRNO.EEXIST;
    if (nlh.nlmsg_flags & NLM_F_REPLACE) return -ERRNO.EOPNOTSUPP;
    if (info_data) return -ERRNO.EOPNOTSUPP; // no model kind has changelink
    return do_setlink(net, dev, ifm, extack, tb);
  }
  if (!(nlh.nlmsg_flags & NLM_F_CREATE)) {
    if (tb[IFLA_GROUP] !== undefined) return link_attr_not_modelled(net, tb, new Set());
    return -ERRNO.ENODEV;
  }
  if (tb[IFLA_MAP] !== undefined || tb[IFLA_PROTINFO] !== undefined) return -ERRNO.EOPNOTSUPP;
  if (ops === undefined) {
    extack.msg = "Unknown device type";
    return -ERRNO.EOPNOTSUPP;
  }
  const unsupported = link_attr_not_modelled(net, tb, NEWLINK_HANDLED);
  if (unsupported) return unsupported;
  return rtnl_newlink_create(net, ifm, ops, tb, extack);
};

/** rtnl_dellink: RTM_DELLINK. lo has no rtnl_link_ops: −EOPNOTSUPP. */
const rtnl_dellink: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, IFINFOMSG_SIZE, ifla_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const ifm = ifinfomsg(nlh);
  let dev: LinkDevice | undefined;
  if (ifm.index > 0) dev = __dev_get_by_index(net, ifm.index);
  else if (tb[IFLA_IFNAME] !== undefined || tb[IFLA_ALT_IFNAME] !== undefined) dev = rtnl_dev_get(net, tb);
  else if (tb[IFLA_GROUP] !== undefined) return link_attr_not_modelled(net, tb, new Set());
  else return -ERRNO.EINVAL;
  if (dev === undefined) return -ERRNO.ENODEV;
  // rtnl_delete_link: ops->dellink (unregister_netdevice_queue for ifb)
  if (dev.kind === null) return -ERRNO.EOPNOTSUPP;
  unregister_netdevice(net, dev, extack);
  return 0;
};

/**
 * rtnetlink_rcv_msg: a type above RTM_MAX → −EOPNOTSUPP; a payload shorter than a rtgenmsg → 0;
 * NEW/DEL/SET kinds need CAP_NET_ADMIN (−EPERM); GET with NLM_F_DUMP starts the family's dump (or
 * PF_UNSPEC's); else the family's (or PF_UNSPEC's) doit; no handler → −EOPNOTSUPP.
 */
export const rtnetlink_rcv_msg = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): number => {
  const rtnl = skb.owner as NetlinkSock | null;
  if (rtnl === null) return -ERRNO.EOPNOTSUPP;
  const net = rtnl.net;
  if (nlh.nlmsg_type > RTM_MAX) return -ERRNO.EOPNOTSUPP;
  const type = nlh.nlmsg_type - RTM_BASE;
  // all the messages must have at least 1 byte length
  if (nlmsg_len(nlh) < RTGENMSG_SIZE) return 0;
  let family = nlh.msg[NLMSG_HDRLEN]!;
  const kind = rtnl_msgtype_kind(type);
  if (kind !== RTNL_KIND_GET && !netlink_capable(skb, CAP_NET_ADMIN)) return -ERRNO.EPERM;
  // any of the two bits starts a dump (NLM_F_ROOT alone does)
  if (kind === RTNL_KIND_GET && nlh.nlmsg_flags & NLM_F_DUMP) {
    let link = rtnl_get_link(net, family, type);
    if (link?.dumpit == null) {
      family = 0;
      link = rtnl_get_link(net, family, type);
      if (link?.dumpit == null) return -ERRNO.EOPNOTSUPP;
    }
    const min_dump_alloc = nlh.nlmsg_type === RTM_GETLINK ? rtnl_calcit() : 0;
    const state: RtnlDumpState = { dumpit: link.dumpit, family: 0 };
    return netlink_dump_start(rtnl, skb, nlh, {
      dump: rtnl_dumpit,
      data: state,
      min_dump_alloc,
      flags: link.flags,
    });
  }
  let link = rtnl_get_link(net, family, type);
  if (link?.doit == null) {
    family = 0;
    link = rtnl_get_link(net, family, type);
    if (link?.doit == null) return -ERRNO.EOPNOTSUPP;
  }
  if (kind === RTNL_KIND_DEL && nlh.nlmsg_flags & NLM_F_BULK && !(link.flags & RTNL_FLAG_BULK_DEL_SUPPORTED)) {
    extack.msg = "Bulk delete is not supported";
    return -ERRNO.EOPNOTSUPP;
  }
  return link.doit(skb, nlh, extack);
};

/** Work items waiting for rtnl_lock, per namespace (addrconf_wq's dad_work is one) */
const rtnl_pending_work = new WeakMap<Net, Array<() => void>>();

/**
 * queue_work on a work item that takes rtnl_lock (addrconf_mod_dad_work(ifp, 0)): it runs once the
 * request that holds rtnl is done, in the order queued
 */
export const rtnl_queue_work = (net: Net, work: () => void): void => {
  const q = rtnl_pending_work.get(net);
  if (q === undefined) rtnl_pending_work.set(net, [work]);
  else q.push(work);
};

/** The queued work runs as the rtnl holder lets go (a work may queue more) */
export const rtnl_run_pending_work = (net: Net): void => {
  const q = rtnl_pending_work.get(net);
  for (let work = q?.shift(); work !== undefined; work = q?.shift()) work();
};

/** rtnetlink_rcv: the NETLINK_ROUTE kernel socket's input; queued rtnl work runs after it */
export const rtnetlink_rcv = (skb: SkBuff): void => {
  netlink_rcv_skb(skb, rtnetlink_rcv_msg);
  const net = skb_net(skb);
  if (net !== undefined) rtnl_run_pending_work(net);
};

/** rtnetlink_init's handler table (the part the model has), registered per namespace here. */
const rtnetlink_register_handlers = (net: Net): void => {
  rtnl_register(net, 0, RTM_NEWLINK, rtnl_newlink, null);
  rtnl_register(net, 0, RTM_DELLINK, rtnl_dellink, null);
  rtnl_register(net, 0, RTM_GETLINK, rtnl_getlink, rtnl_dump_ifinfo, RTNL_FLAG_DUMP_SPLIT_NLM_DONE);
  rtnl_register(net, 0, RTM_SETLINK, rtnl_setlink, null);
  rtnl_register(net, 0, RTM_GETADDR, null, rtnl_dump_all, RTNL_FLAG_DUMP_SPLIT_NLM_DONE);
  rtnl_register(net, 0, RTM_GETROUTE, null, rtnl_dump_all);
  rtnl_register(net, 0, RTM_GETNETCONF, null, rtnl_dump_all);
  rtnl_register(net, AF_BRIDGE, RTM_GETLINK, null, rtnl_bridge_getlink);
};

/**
 * rtnetlink_net_init(net): the NETLINK_ROUTE kernel socket (RTNLGRP_MAX groups, NL_CFG_F_NONROOT_RECV,
 * input rtnetlink_rcv), the handler table, and the namespace's `lo`. Returns the socket, or a
 * negative errno (−EEXIST when rtnetlink is already up in this namespace).
 */
export const rtnetlink_net_init = (net: Net): NetlinkSock | number => {
  const r = rtnl_net(net);
  if (r.rtnl !== null) return -ERRNO.EEXIST;
  const sk = netlink_kernel_create(net, NETLINK_ROUTE, {
    groups: RTNLGRP_MAX,
    flags: NL_CFG_F_NONROOT_RECV,
    input: rtnetlink_rcv,
  });
  if (sk === null) return -ERRNO.ENOMEM;
  r.rtnl = sk;
  rtnetlink_register_handlers(net);
  register_netdevice_notifier(net, rtnetlink_event);
  return sk;
};
