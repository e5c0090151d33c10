// net/ipv6/route.c and ip6_fib.c (6.18): RTM_NEWROUTE and RTM_DELROUTE (inet6_rtm_newroute,
// rtm_to_fib6_config, ip6_route_info_create, fib6_nh_init, fib6_add/fib6_add_rt2node,
// inet6_rtm_delroute/ip6_route_del), the routes addrconf adds for addresses (ip6_ins_rt,
// ip6_del_rt, addrconf_get_prefix_route's lookup), the device-down flush (rt6_sync_down_dev,
// fib6_ifdown), their announcements (inet6_rt_notify to RTNLGRP_IPV6_ROUTE, rt6_fill_node), the
// dump (inet6_dump_fib, fib6_walk's post-order) and RTM_GETROUTE do (inet6_rtm_getroute: output
// and input lookups through the default rules, fib6_table_lookup's longest prefix and rt6_select,
// the source addrconf's ipv6_dev_get_saddr picks). A table is a list kept in fib6_walk's order:
// tables by their hash bucket (id & 255, the newest first in a bucket), and in a table a more
// specific prefix before the one that covers it, a 0 bit before a 1 bit, and in one node the
// routes by metric. Gateways through a device (ip6_validate_gw), multipath (siblings,
// RTA_MULTIPATH), nexthop objects, metrics, encapsulation, expiring routes, cached routes
// (exceptions, so no RTF_CACHE clone answers a lookup) and lookups through custom rules are not
// modelled (logged, -EOPNOTSUPP).

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE, KERN_WARNING } from "../../kernel/printk.js";
import {
  ERRNO,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_BE32,
  NLA_NESTED,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLM_F_APPEND,
  NLM_F_CREATE,
  NLM_F_DUMP_FILTERED,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import {
  AF_INET6,
  IFF_LOOPBACK,
  IFF_UP,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTMSG_SIZE,
  RTNLGRP_IPV6_ROUTE,
} from "../../uapi/rtnetlink.js";
import { FR_ACT_TO_TBL, lookup_rules_ops } from "../core/fib_rules.js";
import { __dev_get_by_index, type LinkDevice } from "../core/loopback.js";
import {
  type IflaTb,
  netlink_strict_get_check,
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_msg_family,
  rtnl_notify,
  rtnl_register,
  rtnl_unicast,
  skb_net,
} from "../core/rtnetlink.js";
import {
  fib_dump_filter,
  ip_valid_fib_dump_req,
  RTA_CACHEINFO,
  RTA_DPORT,
  RTA_DST,
  RTA_ENCAP,
  RTA_ENCAP_TYPE,
  RTA_EXPIRES,
  RTA_FLOWLABEL,
  RTA_GATEWAY,
  RTA_IIF,
  RTA_IP_PROTO,
  RTA_MARK,
  RTA_MAX,
  RTA_METRICS,
  RTA_MULTIPATH,
  RTA_NH_ID,
  RTA_OIF,
  RTA_PREF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_SPORT,
  RTA_SRC,
  RTA_TABLE,
  RTA_UID,
  RTM_F_CLONED,
  RTM_F_FIB_MATCH,
  RTM_F_PREFIX,
  rtmsg,
} from "../ipv4/fib_frontend.js";
import { RTN_LOCAL, RTN_MAX, RTN_UNICAST, RTNH_F_ONLINK } from "../ipv4/fib_semantics.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import {
  nla_put,
  nla_put_u8,
  nla_put_u32,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../netlink/nlmsg.js";
import { kfree_skb, NLMSG_GOODSIZE, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

/** rtm_ipv6_policy (strict from RTA_DPORT + 1 on) */
const rtm_ipv6_policy: NlaPolicySet = nlaPolicy(
  RTA_MAX,
  {
    [RTA_GATEWAY]: { type: 0 /* NLA_UNSPEC */, len: 16 },
    [RTA_PREFSRC]: { type: 0 /* NLA_UNSPEC */, len: 16 },
    [RTA_OIF]: { type: NLA_U32 },
    [RTA_IIF]: { type: NLA_U32 },
    [RTA_PRIORITY]: { type: NLA_U32 },
    [RTA_METRICS]: { type: NLA_NESTED },
    [RTA_MULTIPATH]: { type: 0, len: 8 },
    [RTA_PREF]: { type: NLA_U8 },
    [RTA_ENCAP_TYPE]: { type: NLA_U16 },
    [RTA_ENCAP]: { type: NLA_NESTED },
    [RTA_EXPIRES]: { type: NLA_U32 },
    [RTA_UID]: { type: NLA_U32 },
    [RTA_MARK]: { type: NLA_U32 },
    [RTA_TABLE]: { type: NLA_U32 },
    [RTA_IP_PROTO]: { type: NLA_U8 },
    [RTA_SPORT]: { type: NLA_U16 },
    [RTA_DPORT]: { type: NLA_U16 },
    [RTA_NH_ID]: { type: NLA_U32 },
    [RTA_FLOWLABEL]: { type: NLA_BE32 },
  },
  RTA_DPORT + 1,
);

/** inet6_rtm_valid_getroute_req */
const inet6_rtm_valid_getroute_req = (
  skb: Parameters<RtnlDoitFunc>[0],
  nlh: Nlmsghdr,
  extack: { msg?: string },
): IflaTb | number => {
  if (nlmsg_len(nlh) < RTMSG_SIZE) {
    extack.msg = "ipv6: Invalid header for get route request";
    return -ERRNO.EINVAL;
  }
  if (!netlink_strict_get_check(skb)) return nlmsg_parse(nlh, RTMSG_SIZE, rtm_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  const rtm = rtmsg(nlh.msg);
  if (
    (rtm.src_len && rtm.src_len !== 128) ||
    (rtm.dst_len && rtm.dst_len !== 128) ||
    rtm.table ||
    rtm.protocol ||
    rtm.scope ||
    rtm.type
  ) {
    extack.msg = "ipv6: Invalid values in header for get route request";
    return -ERRNO.EINVAL;
  }
  if (rtm.flags & ~RTM_F_FIB_MATCH) {
    extack.msg = "ipv6: Invalid flags for get route request";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(nlh, RTMSG_SIZE, rtm_ipv6_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  if ((tb[RTA_SRC] !== undefined && !rtm.src_len) || (tb[RTA_DST] !== undefined && !rtm.dst_len)) {
    extack.msg = "ipv6: rtm_src_len and rtm_dst_len must be 128 for IPv6";
    return -ERRNO.EINVAL;
  }
  const allowed = [RTA_SRC, RTA_DST, RTA_IIF, RTA_OIF, RTA_MARK, RTA_UID, RTA_SPORT, RTA_DPORT, RTA_IP_PROTO];
  for (let i = 0; i <= RTA_MAX; i++) {
    if (tb[i] === undefined || allowed.includes(i)) continue;
    extack.msg = "ipv6: Unsupported attribute in get route request";
    return -ERRNO.EINVAL;
  }
  return tb;
};

// RTF_* (include/uapi/linux/ipv6_route.h), the fib6_flags the model keeps
export const RTF_UP = 0x0001;
const RTF_GATEWAY = 0x0002;
export const RTF_NONEXTHOP = 0x00200000;
const RTF_CACHE = 0x01000000;
const RTF_ANYCAST = 0x00100000;
export const RTF_LOCAL = 0x80000000;
const RTF_REJECT = 0x0200;
/** RTF_PREF(pref): the router preference in bits 27-28 */
const RTF_PREF = (pref: number): number => (pref & 3) << 27;
const RTF_PREF_MASK = 0x18000000;
/** ICMPV6_ROUTER_PREF_LOW / _MEDIUM / _HIGH */
const ICMPV6_ROUTER_PREF_LOW = 3;
const ICMPV6_ROUTER_PREF_MEDIUM = 0;
const ICMPV6_ROUTER_PREF_HIGH = 1;
/** IP6_RT_PRIO_USER: the metric of a route userspace adds without RTA_PRIORITY */
const IP6_RT_PRIO_USER = 1024;
/** RTN_* types that are rejects (rtm_to_fib6_config) */
const RTN_BLACKHOLE = 6;
const RTN_UNREACHABLE = 7;
const RTN_PROHIBIT = 8;
const RTN_THROW = 9;
/** RTA_VIA */
const RTA_VIA = 18;
export const RT6_TABLE_MAIN = 254;
export const RT6_TABLE_LOCAL = 255;
/** RTPROT_BOOT: what an unspecified protocol becomes */
const RTPROT_BOOT = 3;

/** struct fib6_info with its one fib6_nh: dst is the masked prefix */
export interface Rt6Info {
  readonly dst: Uint8Array;
  readonly dst_len: number;
  table: number;
  readonly protocol: number;
  readonly type: number;
  readonly metric: number;
  readonly dev: LinkDevice;
  /** RTF_* */
  readonly flags: number;
  /** fib6_prefsrc (plen 128) or null; rt6_remove_prefsrc clears it */
  prefsrc: Uint8Array | null;
}

/** struct fib6_table: the routes in fib6_walk's order; seq orders tables of one hash bucket */
interface Fib6Table {
  readonly id: number;
  readonly seq: number;
  readonly routes: Rt6Info[];
}
interface Fib6Net {
  readonly tables: Map<number, Fib6Table>;
  next_seq: number;
}
const fib6_nets = new WeakMap<Net, Fib6Net>();

/** fib6_link_table: a table joins the namespace */
const fib6_link_table = (f: Fib6Net, id: number): Fib6Table => {
  const t: Fib6Table = { id, seq: f.next_seq++, routes: [] };
  f.tables.set(id, t);
  return t;
};

/** fib6_net_init + fib6_tables_init: main, then local */
const fib6_net = (net: Net): Fib6Net => {
  let f = fib6_nets.get(net);
  if (f === undefined) {
    f = { tables: new Map(), next_seq: 0 };
    fib6_link_table(f, RT6_TABLE_MAIN);
    fib6_link_table(f, RT6_TABLE_LOCAL);
    fib6_nets.set(net, f);
  }
  return f;
};

/** fib6_get_table(net, id): id 0 is main */
const fib6_get_table = (net: Net, id: number): Fib6Table | undefined => fib6_net(net).tables.get(id || RT6_TABLE_MAIN);

/** fib6_new_table(net, id) */
const fib6_new_table = (net: Net, id: number): Fib6Table =>
  fib6_get_table(net, id) ?? fib6_link_table(fib6_net(net), id || RT6_TABLE_MAIN);

/** The tables in the order inet6_dump_fib and fib6_clean_all visit them: hash bucket, newest first */
const fib6_tables = (net: Net): Fib6Table[] =>
  [...fib6_net(net).tables.values()].sort((a, b) => (a.id & 255) - (b.id & 255) || b.seq - a.seq);

/** ipv6_addr_prefix(addr, plen): the address with its host bits cleared */
export const ipv6_addr_prefix = (addr: Uint8Array, plen: number): Uint8Array => {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    const bits = Math.max(0, Math.min(8, plen - 8 * i));
    out[i] = addr[i]! & ((0xff00 >> bits) & 0xff);
  }
  return out;
};

export const ipv6_addr_equal = (a: Uint8Array, b: Uint8Array): boolean => a.every((x, i) => x === b[i]);

/** bit i (from the top) of an address */
const addr_bit = (a: Uint8Array, i: number): number => (a[i >> 3]! >> (7 - (i & 7))) & 1;

/**
 * fib6_walk's order of two nodes (post-order of the radix tree): at the first differing bit
 * within both prefixes the 0 side first; a prefix covering the other after it. 0 for one node.
 */
const fib6_node_cmp = (a: Rt6Info, b: Rt6Info): number => {
  const n = Math.min(a.dst_len, b.dst_len);
  for (let i = 0; i < n; i++) {
    const d = addr_bit(a.dst, i) - addr_bit(b.dst, i);
    if (d !== 0) return d;
  }
  return b.dst_len - a.dst_len;
};

/** nl_info: who asked (the request's header and port id), or the kernel */
export interface NlInfo {
  readonly nlh: Nlmsghdr | null;
  readonly portid: number;
}
export const KERNEL_INFO: NlInfo = { nlh: null, portid: 0 };

/** What rt6_fill_node reports of a lookup's dst: the flow's addresses, its device, the chosen source */
interface Rt6FillDst {
  readonly dest: Uint8Array;
  readonly src: Uint8Array;
  /** dst->dev */
  readonly dev: LinkDevice;
  /** ip6_route_get_saddr's answer, or null */
  readonly saddr: Uint8Array | null;
}

/**
 * rt6_fill_node(net, skb, rt, dst, dest, src, iif, ...): rtmsg (table above 255 as
 * RT_TABLE_COMPAT, scope universe; with a dst the lengths are 128), RTA_TABLE, RTA_DST, RTA_SRC
 * (CONFIG_IPV6_SUBTREES: the flow's source, :: when none), RTA_IIF or the chosen RTA_PREFSRC, the
 * route's RTA_PREFSRC, RTA_PRIORITY, RTA_OIF (dst->dev, else the nexthop's), RTA_CACHEINFO (the
 * dst's use counts and ages are not modelled: zero), RTA_PREF.
 */
const rt6_fill_node = (
  skb: SkBuff,
  rt: Rt6Info,
  dst: Rt6FillDst | null,
  iif: number,
  portid: number,
  seq: number,
  event: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, RTMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const rtm = nlmsg_data(nlh);
  const b = skb.head;
  b[rtm] = AF_INET6;
  b[rtm + 1] = dst !== null ? 128 : rt.dst_len;
  b[rtm + 2] = dst !== null ? 128 : 0;
  b[rtm + 4] = rt.table < 256 ? rt.table : 252;
  b[rtm + 5] = rt.protocol;
  b[rtm + 6] = 0; // RT_SCOPE_UNIVERSE
  b[rtm + 7] = rt.type;
  if (
    nla_put_u32(skb, RTA_TABLE, rt.table) ||
    (dst !== null ? nla_put(skb, RTA_DST, dst.dest) : rt.dst_len && nla_put(skb, RTA_DST, rt.dst)) ||
    (dst !== null && nla_put(skb, RTA_SRC, dst.src)) ||
    (iif ? nla_put_u32(skb, RTA_IIF, iif) : dst?.saddr != null && nla_put(skb, RTA_PREFSRC, dst.saddr)) ||
    (rt.prefsrc !== null && nla_put(skb, RTA_PREFSRC, rt.prefsrc)) ||
    nla_put_u32(skb, RTA_PRIORITY, rt.metric) ||
    nla_put_u32(skb, RTA_OIF, (dst?.dev ?? rt.dev).ifindex) ||
    nla_put(skb, RTA_CACHEINFO, new Uint8Array(32)) ||
    nla_put_u8(skb, RTA_PREF, (rt.flags & RTF_PREF_MASK) >>> 27)
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** inet6_rt_notify(event, rt, info, nlm_flags): to RTNLGRP_IPV6_ROUTE with the request's seq and port */
const inet6_rt_notify = (net: Net, event: number, rt: Rt6Info, info: NlInfo, nlm_flags: number): void => {
  const skb = nlmsg_new(256, GFP_ATOMIC);
  if (rt6_fill_node(skb, rt, null, 0, info.portid, info.nlh?.nlmsg_seq ?? 0, event, nlm_flags) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, info.portid, RTNLGRP_IPV6_ROUTE, info.nlh);
};

/** rt6_duplicate_nexthop: same device (no gateways are modelled) */
const rt6_duplicate_nexthop = (a: Rt6Info, b: Rt6Info): boolean => a.dev === b.dev;

/**
 * fib6_add(root, rt, info, extack): fib6_add_1 finds or makes the node (without NLM_F_CREATE a
 * replace finds none: "Can not replace route - no match found", -ENOENT), then fib6_add_rt2node:
 * at the same metric NLM_F_EXCL is -EEXIST, NLM_F_REPLACE replaces the first route (announced
 * with NLM_F_REPLACE), the same nexthop again is -EEXIST; otherwise the route goes after the
 * routes of no greater metric, announced with NLM_F_CREATE (and NLM_F_EXCL unless a route of that
 * metric was there, NLM_F_APPEND if asked).
 */
const fib6_add = (net: Net, table: Fib6Table, rt: Rt6Info, info: NlInfo, extack: NetlinkExtAck): number => {
  const reqflags = info.nlh?.nlmsg_flags ?? 0;
  const replace = info.nlh !== null && (reqflags & NLM_F_REPLACE) !== 0;
  const add = info.nlh === null || (reqflags & NLM_F_CREATE) !== 0;
  const l = table.routes;
  let at = l.findIndex((r) => fib6_node_cmp(r, rt) >= 0);
  if (at < 0) at = l.length;
  const node_has_routes = at < l.length && fib6_node_cmp(l[at]!, rt) === 0;
  if (!node_has_routes && !add && replace) {
    extack.msg = "Can not replace route - no match found";
    net.kernel?.printk(`${KERN_WARNING}IPv6: Can't replace route, no match found`);
    return -ERRNO.ENOENT;
  }
  let nlflags = NLM_F_EXCL | (reqflags & NLM_F_APPEND);
  let ins = at;
  let found = -1;
  for (; ins < l.length && fib6_node_cmp(l[ins]!, rt) === 0; ins++) {
    const iter = l[ins]!;
    if (iter.metric === rt.metric) {
      if (reqflags & NLM_F_EXCL) return -ERRNO.EEXIST;
      nlflags &= ~NLM_F_EXCL;
      if (replace) {
        found = ins;
        break;
      }
      if (rt6_duplicate_nexthop(iter, rt)) return -ERRNO.EEXIST;
    }
    if (iter.metric > rt.metric) break;
  }
  if (replace && found >= 0) {
    l[found] = rt;
    inet6_rt_notify(net, RTM_NEWROUTE, rt, info, NLM_F_REPLACE);
    return 0;
  }
  if (replace && !add) {
    net.kernel?.printk(`${KERN_WARNING}IPv6: NLM_F_REPLACE set, but no existing node found!`);
    return -ERRNO.ENOENT;
  }
  if (!replace && !add) net.kernel?.printk(`${KERN_WARNING}IPv6: NLM_F_CREATE should be set when creating new route`);
  l.splice(ins, 0, rt);
  inet6_rt_notify(net, RTM_NEWROUTE, rt, info, nlflags | NLM_F_CREATE);
  return 0;
};

/** fib6_del(rt, info): the route leaves its table, announced (RTM_DELROUTE, no flags); -ENOENT if gone */
const fib6_del = (net: Net, rt: Rt6Info, info: NlInfo): number => {
  const l = fib6_get_table(net, rt.table)?.routes;
  const i = l?.indexOf(rt) ?? -1;
  if (l === undefined || i < 0) return -ERRNO.ENOENT;
  l.splice(i, 1);
  inet6_rt_notify(net, RTM_DELROUTE, rt, info, 0);
  return 0;
};

/** ip6_ins_rt(net, rt): a kernel route (addrconf's) joins its table */
export const ip6_ins_rt = (net: Net, rt: Rt6Info): number =>
  fib6_add(net, fib6_new_table(net, rt.table), rt, KERNEL_INFO, {});

/** ip6_del_rt(net, rt, skip_notify = false) */
export const ip6_del_rt = (net: Net, rt: Rt6Info): number => fib6_del(net, rt, KERNEL_INFO);

/** rcu_access_pointer(rt->fib6_node) != NULL: the route is linked into its table */
export const fib6_info_linked = (net: Net, rt: Rt6Info): boolean =>
  fib6_get_table(net, rt.table)?.routes.includes(rt) ?? false;

/**
 * rt6_remove_prefsrc(ifp) → fib6_remove_prefsrc over every table: a route through the address's
 * device whose preferred source is the address loses it (silently, as the kernel does)
 */
export const rt6_remove_prefsrc = (net: Net, dev: LinkDevice, addr: Uint8Array): void => {
  for (const t of fib6_tables(net))
    for (const rt of t.routes)
      if (rt.dev === dev && rt.prefsrc !== null && ipv6_addr_equal(rt.prefsrc, addr)) rt.prefsrc = null;
};

/** fib6_is_reject(flags, dev, addr_type): routes through lo to a non-loopback prefix are promoted to rejects */
const fib6_is_reject = (flags: number, dev: LinkDevice | undefined, dst: Uint8Array, dst_len: number): boolean => {
  const loopback = dst_len === 128 && ipv6_addr_equal(dst, IN6ADDR_LOOPBACK);
  return (
    (flags & RTF_REJECT) !== 0 ||
    (dev !== undefined && (dev.flags & IFF_LOOPBACK) !== 0 && !loopback && !(flags & (RTF_ANYCAST | RTF_LOCAL)))
  );
};

/** ::1 */
export const IN6ADDR_LOOPBACK = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

/** struct fib6_config, the part the model reads */
export interface Fib6Config {
  table: number;
  dst: Uint8Array;
  dst_len: number;
  src_len: number;
  flags: number;
  protocol: number;
  type: number;
  metric: number;
  ifindex: number;
  prefsrc: Uint8Array | null;
  gateway: Uint8Array | null;
  ignore_dev_down: boolean;
  info: NlInfo;
}

/** The checks a route's addresses and device pass: ipv6_chk_addr for RTA_PREFSRC */
export type Ipv6ChkAddr = (net: Net, addr: Uint8Array, dev: LinkDevice | undefined) => boolean;
let ipv6_chk_addr: Ipv6ChkAddr = () => false;
/** addrconf hands its address check to the routing code (as ipv6_chk_addr is addrconf's) */
export const rt6_set_chk_addr = (f: Ipv6ChkAddr): void => {
  ipv6_chk_addr = f;
};
/** ipv6_chk_addr(net, addr, dev, 0) for the other users of the routing code (nexthop.c) */
export const rt6_chk_addr: Ipv6ChkAddr = (net, addr, dev) => ipv6_chk_addr(net, addr, dev);

/**
 * fib6_nh_init: the device (RTA_OIF: -ENODEV if unknown), an explicit reject's device becomes lo,
 * then a gateway (not modelled), a device that is needed, up ("Nexthop device is not up").
 */
const fib6_nh_init = (net: Net, cfg: Fib6Config, extack: NetlinkExtAck): LinkDevice | number => {
  let dev: LinkDevice | undefined;
  if (cfg.ifindex) {
    dev = __dev_get_by_index(net, cfg.ifindex);
    if (dev === undefined || !dev.inet6) return -ERRNO.ENODEV;
  }
  // only an explicit reject goes through lo here: a route through lo is promoted afterwards, in
  // ip6_route_info_create (upstream 21ec92774d15, in 6.18.y [live: lo down is ENETDOWN])
  if (cfg.flags & RTF_REJECT) {
    const lo = __dev_get_by_index(net, 1);
    return lo ?? -ERRNO.ENODEV;
  }
  if (cfg.flags & RTF_GATEWAY) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: IPv6 routes through a gateway are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  if (dev === undefined) return -ERRNO.ENODEV;
  if (!(dev.flags & IFF_UP) && !cfg.ignore_dev_down) {
    extack.msg = "Nexthop device is not up";
    return -ERRNO.ENETDOWN;
  }
  return dev;
};

/** ip6_route_info_create: the checks, the table (made if need be), the route */
const ip6_route_info_create = (net: Net, cfg: Fib6Config, extack: NetlinkExtAck): Rt6Info | number => {
  if (cfg.flags & RTF_CACHE) {
    extack.msg = "Userspace can not set RTF_CACHE";
    return -ERRNO.EINVAL;
  }
  if (cfg.type > RTN_MAX) {
    extack.msg = "Invalid route type";
    return -ERRNO.EINVAL;
  }
  if (cfg.dst_len > 128) {
    extack.msg = "Invalid prefix length";
    return -ERRNO.EINVAL;
  }
  if (cfg.src_len > 128) {
    extack.msg = "Invalid source address length";
    return -ERRNO.EINVAL;
  }
  if (cfg.src_len) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: IPv6 source-specific routes (subtrees) are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  let table =
    cfg.info.nlh !== null && !(cfg.info.nlh.nlmsg_flags & NLM_F_CREATE) ? fib6_get_table(net, cfg.table) : undefined;
  if (table === undefined) {
    if (cfg.info.nlh !== null && !(cfg.info.nlh.nlmsg_flags & NLM_F_CREATE))
      net.kernel?.printk(`${KERN_WARNING}IPv6: NLM_F_CREATE should be specified when creating new route`);
    table = fib6_new_table(net, cfg.table);
  }
  const dev = fib6_nh_init(net, cfg, extack);
  if (typeof dev === "number") return dev;
  const reject = fib6_is_reject(cfg.flags, dev, cfg.dst, cfg.dst_len);
  if (cfg.prefsrc !== null && !cfg.prefsrc.every((x) => x === 0)) {
    if (!ipv6_chk_addr(net, cfg.prefsrc, dev)) {
      extack.msg = "Invalid source address";
      return -ERRNO.EINVAL;
    }
  }
  return {
    dst: ipv6_addr_prefix(cfg.dst, cfg.dst_len),
    dst_len: cfg.dst_len,
    table: table.id,
    protocol: cfg.protocol || RTPROT_BOOT,
    type: cfg.type || RTN_UNICAST,
    metric: cfg.metric,
    dev,
    flags: reject ? RTF_REJECT | RTF_NONEXTHOP | (cfg.flags & RTF_PREF_MASK) : cfg.flags & ~RTF_GATEWAY,
    prefsrc: cfg.prefsrc !== null && !cfg.prefsrc.every((x) => x === 0) ? cfg.prefsrc : null,
  };
};

/** ip6_route_add(cfg, gfp, extack): ip6_route_info_create, then __ip6_ins_rt (fib6_add) */
export const ip6_route_add = (net: Net, cfg: Fib6Config, extack: NetlinkExtAck): number => {
  const rt = ip6_route_info_create(net, cfg, extack);
  if (typeof rt === "number") return rt;
  return fib6_add(net, fib6_new_table(net, rt.table), rt, cfg.info, extack);
};

/** The routes of the main table for a prefix on a device without a gateway (addrconf_get_prefix_route) */
export const addrconf_get_prefix_route = (
  net: Net,
  pfx: Uint8Array,
  plen: number,
  dev: LinkDevice,
): Rt6Info | undefined => {
  const dst = ipv6_addr_prefix(pfx, plen);
  return fib6_get_table(net, RT6_TABLE_MAIN)?.routes.find(
    (r) => r.dst_len === plen && ipv6_addr_equal(r.dst, dst) && r.dev === dev,
  );
};

/**
 * rtm_to_fib6_config: the request as a fib6_config; reject types get RTF_REJECT, RTN_LOCAL
 * RTF_LOCAL, RTM_F_CLONED RTF_CACHE. Parts that are not modelled are refused (logged).
 */
const rtm_to_fib6_config = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): Fib6Config | number => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, RTMSG_SIZE, rtm_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const rtm = rtmsg(nlh.msg);
  if (rtm.tos) {
    extack.msg = "Invalid dsfield (tos): option not available for IPv6";
    return -ERRNO.EINVAL;
  }
  let flags = RTF_UP;
  if ([RTN_UNREACHABLE, RTN_BLACKHOLE, RTN_PROHIBIT, RTN_THROW].includes(rtm.type)) flags |= RTF_REJECT;
  if (rtm.type === RTN_LOCAL) flags |= RTF_LOCAL;
  if (rtm.flags & RTM_F_CLONED) flags |= RTF_CACHE;
  const unmodelled = [RTA_NH_ID, RTA_MULTIPATH, RTA_METRICS, RTA_ENCAP, RTA_ENCAP_TYPE].find(
    (t) => tb[t] !== undefined,
  );
  if (unmodelled !== undefined || rtm.flags & RTNH_F_ONLINK) {
    net.kernel?.printk(
      `${KERN_NOTICE}nlsim: IPv6 route attribute ${unmodelled ?? "RTNH_F_ONLINK"} is not modelled (EOPNOTSUPP)`,
    );
    return -ERRNO.EOPNOTSUPP;
  }
  const cfg: Fib6Config = {
    table: rtm.table,
    dst: new Uint8Array(16),
    dst_len: rtm.dst_len,
    src_len: rtm.src_len,
    flags,
    protocol: rtm.protocol,
    type: rtm.type,
    metric: 0,
    ifindex: 0,
    prefsrc: null,
    gateway: null,
    ignore_dev_down: false,
    info: { nlh, portid: skb.cb.portid },
  };
  const gw = tb[RTA_GATEWAY];
  if (gw !== undefined) {
    cfg.gateway = gw.data.slice(0, 16);
    cfg.flags |= RTF_GATEWAY;
  }
  if (tb[RTA_VIA] !== undefined) {
    extack.msg = "IPv6 does not support RTA_VIA attribute";
    return -ERRNO.EINVAL;
  }
  const dst = tb[RTA_DST];
  if (dst !== undefined) {
    const plen = (rtm.dst_len + 7) >> 3;
    if (dst.data.length < plen) return -ERRNO.EINVAL;
    cfg.dst.set(dst.data.subarray(0, Math.min(plen, 16)));
  }
  const src = tb[RTA_SRC];
  if (src !== undefined && src.data.length < (rtm.src_len + 7) >> 3) return -ERRNO.EINVAL;
  if (tb[RTA_PREFSRC] !== undefined) cfg.prefsrc = tb[RTA_PREFSRC]!.data.slice(0, 16);
  if (tb[RTA_OIF] !== undefined) cfg.ifindex = getU32(tb[RTA_OIF]!.data, 0);
  if (tb[RTA_PRIORITY] !== undefined) cfg.metric = getU32(tb[RTA_PRIORITY]!.data, 0);
  if (tb[RTA_TABLE] !== undefined) cfg.table = getU32(tb[RTA_TABLE]!.data, 0);
  if (tb[RTA_PREF] !== undefined) {
    let pref = tb[RTA_PREF]!.data[0]!;
    if (pref !== ICMPV6_ROUTER_PREF_LOW && pref !== ICMPV6_ROUTER_PREF_HIGH) pref = ICMPV6_ROUTER_PREF_MEDIUM;
    cfg.flags |= RTF_PREF(pref);
  }
  if (tb[RTA_EXPIRES] !== undefined && getU32(tb[RTA_EXPIRES]!.data, 0) !== 0xffffffff) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: expiring IPv6 routes are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  return cfg;
};

/** inet6_rtm_newroute: RTM_NEWROUTE for AF_INET6; metric 0 is IP6_RT_PRIO_USER */
const inet6_rtm_newroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const cfg = rtm_to_fib6_config(skb, nlh, extack);
  if (typeof cfg === "number") return cfg;
  if (cfg.metric === 0) cfg.metric = IP6_RT_PRIO_USER;
  return ip6_route_add(net, cfg, extack);
};

/**
 * inet6_rtm_delroute → ip6_route_del: the table ("FIB table does not exist", -ESRCH), the node of
 * exactly that prefix, its first route matching the metric, protocol, device and gateway given;
 * -ESRCH if none. The type is not compared.
 */
const inet6_rtm_delroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const cfg = rtm_to_fib6_config(skb, nlh, extack);
  if (typeof cfg === "number") return cfg;
  const table = fib6_get_table(net, cfg.table);
  if (table === undefined) {
    extack.msg = "FIB table does not exist";
    return -ERRNO.ESRCH;
  }
  const dst = ipv6_addr_prefix(cfg.dst, cfg.dst_len);
  for (const rt of table.routes) {
    if (rt.dst_len !== cfg.dst_len || !ipv6_addr_equal(rt.dst, dst)) continue;
    if (cfg.flags & RTF_CACHE) continue;
    if (cfg.metric && cfg.metric !== rt.metric) continue;
    if (cfg.protocol && cfg.protocol !== rt.protocol) continue;
    if (cfg.ifindex && rt.dev.ifindex !== cfg.ifindex) continue;
    if (cfg.flags & RTF_GATEWAY) continue; // no route has a gateway
    return fib6_del(net, rt, cfg.info);
  }
  return -ERRNO.ESRCH;
};

/**
 * rt6_sync_down_dev(dev, event) → fib6_clean_all(fib6_ifdown): on NETDEV_DOWN and
 * NETDEV_UNREGISTER every route through the device leaves, announced, in walk order.
 */
export const rt6_sync_down_dev = (net: Net, dev: LinkDevice): void => {
  for (const t of fib6_tables(net))
    for (const rt of t.routes.filter((r) => r.dev === dev)) fib6_del(net, rt, KERNEL_INFO);
};

/** The source address selection addrconf hands the routing code (ipv6_dev_get_saddr, prefs 0) */
export type Ipv6DevGetSaddr = (net: Net, dst_dev: LinkDevice | undefined, daddr: Uint8Array) => Uint8Array | null;
let ipv6_dev_get_saddr: Ipv6DevGetSaddr = () => null;
/** addrconf's ipv6_dev_get_saddr for ip6_route_get_saddr */
export const rt6_set_get_saddr = (f: Ipv6DevGetSaddr): void => {
  ipv6_dev_get_saddr = f;
};

/** RT6_LOOKUP_F_IFACE: only routes through the flow's device */
const RT6_LOOKUP_F_IFACE = 0x00000001;

/** ip6_rt_type_to_error (fib6_prop): the error a reject route's dst carries */
const ip6_rt_type_to_error = (type: number): number =>
  type === RTN_BLACKHOLE
    ? -ERRNO.EINVAL
    : type === RTN_UNREACHABLE
      ? -ERRNO.EHOSTUNREACH
      : type === RTN_PROHIBIT
        ? -ERRNO.EACCES
        : type === RTN_THROW
          ? -ERRNO.EAGAIN
          : 0;

/** rt6_need_strict(daddr): multicast, link-local and loopback destinations stay on their device */
const rt6_need_strict = (a: Uint8Array): boolean =>
  a[0] === 0xff || (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) || ipv6_addr_equal(a, IN6ADDR_LOOPBACK);

/**
 * fib6_table_lookup(net, table, oif, fl6, res, strict): the longest prefix holding the address
 * (fib6_node_lookup), in it rt6_select: the routes of the lowest metric first (find_rr_leaf), the
 * one through `oif` (or any when no oif) scoring best, one through another device only without
 * RT6_LOOKUP_F_IFACE; a node with none backtracks to a shorter prefix. undefined is the null entry.
 */
const fib6_table_lookup = (table: Fib6Table, daddr: Uint8Array, oif: number, strict: number): Rt6Info | undefined => {
  const nodes = new Map<number, Rt6Info[]>();
  for (const rt of table.routes)
    if (ipv6_addr_equal(ipv6_addr_prefix(daddr, rt.dst_len), rt.dst))
      nodes.set(rt.dst_len, [...(nodes.get(rt.dst_len) ?? []), rt]);
  for (const plen of [...nodes.keys()].sort((a, b) => b - a)) {
    const routes = nodes.get(plen)!;
    for (const metric of [...new Set(routes.map((r) => r.metric))]) {
      const group = routes.filter((r) => r.metric === metric);
      const best = group.find((r) => !oif || r.dev.ifindex === oif);
      if (best !== undefined) return best;
      if (!(strict & RT6_LOOKUP_F_IFACE) && group.length > 0) return group[0];
    }
  }
  return undefined;
};

/**
 * fib6_rule_lookup over the default rules (local, then main): a table's null entry goes on to the
 * next rule, and so does a throw route (-EAGAIN); the answer is the route with its dst error
 */
const fib6_rule_lookup = (
  net: Net,
  daddr: Uint8Array,
  oif: number,
  strict: number,
): { rt: Rt6Info; error: number } | null => {
  for (const id of [RT6_TABLE_LOCAL, RT6_TABLE_MAIN]) {
    const t = fib6_get_table(net, id);
    const rt = t === undefined ? undefined : fib6_table_lookup(t, daddr, oif, strict);
    if (rt === undefined) continue;
    const error = rt.flags & RTF_REJECT ? ip6_rt_type_to_error(rt.type) : 0;
    if (error !== -ERRNO.EAGAIN) return { rt, error };
  }
  return null;
};

/** The rules of fib6_rules_net_init (pref 0 local, 32766 main) are the only ones lookups follow */
const fib6_default_rules = (net: Net): boolean => {
  const rules = lookup_rules_ops(net, AF_INET6)?.rules_list ?? [];
  return (
    rules.length === 2 &&
    rules.every((r) => r.action === FR_ACT_TO_TBL) &&
    rules[0]!.table === RT6_TABLE_LOCAL &&
    rules[1]!.table === RT6_TABLE_MAIN
  );
};

/**
 * ip6_rt_get_dev_rcu: a copy of a local or anycast route goes through lo; other routes through
 * their nexthop's device
 */
const ip6_rt_get_dev = (net: Net, rt: Rt6Info): LinkDevice =>
  rt.flags & (RTF_LOCAL | RTF_ANYCAST) ? (__dev_get_by_index(net, 1) ?? rt.dev) : rt.dev;

/**
 * inet6_rtm_getroute: RTM_GETROUTE do for AF_INET6. An unknown RTA_IIF is ENODEV; the lookup is
 * ip6_route_input_lookup with RTA_IIF (the flow's oif is the iif), else ip6_route_output
 * (RT6_LOOKUP_F_IFACE for a strict destination or an oif without a source); a reject route answers
 * its error, no route ENETUNREACH. The reply is the route with the flow (RTA_DST, RTA_SRC and the
 * chosen source, ip6_route_get_saddr) or, with RTM_F_FIB_MATCH, the route as the FIB has it.
 * Lookups through rules other than the default ones are not modelled (logged, -EOPNOTSUPP).
 */
export const inet6_rtm_getroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = inet6_rtm_valid_getroute_req(skb, nlh, extack);
  if (typeof tb === "number") return tb;
  const rtm = rtmsg(nlh.msg);
  const fibmatch = (rtm.flags & RTM_F_FIB_MATCH) !== 0;
  const saddr = new Uint8Array(16);
  const daddr = new Uint8Array(16);
  for (const [t, a] of [
    [RTA_SRC, saddr],
    [RTA_DST, daddr],
  ] as const) {
    const nla = tb[t];
    if (nla === undefined) continue;
    if (nla.data.length < 16) return -ERRNO.EINVAL;
    a.set(nla.data.subarray(0, 16));
  }
  const iif = tb[RTA_IIF] !== undefined ? getU32(tb[RTA_IIF]!.data, 0) : 0;
  const oif = tb[RTA_OIF] !== undefined ? getU32(tb[RTA_OIF]!.data, 0) : 0;
  if (iif && __dev_get_by_index(net, iif) === undefined) return -ERRNO.ENODEV;
  if (!fib6_default_rules(net)) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: ipv6 route lookups through custom rules are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  const any_src = saddr.every((x) => x === 0);
  const strict = rt6_need_strict(daddr) || (!iif && oif && any_src) ? RT6_LOOKUP_F_IFACE : 0;
  const res = fib6_rule_lookup(net, daddr, iif || oif, strict);
  if (res === null) return -ERRNO.ENETUNREACH;
  if (res.error) return res.error;
  const { rt } = res;
  const nskb = nlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
  const dst: Rt6FillDst | null = fibmatch
    ? null
    : {
        dest: daddr,
        src: saddr,
        dev: ip6_rt_get_dev(net, rt),
        saddr: rt.prefsrc ?? ipv6_dev_get_saddr(net, rt.dev, daddr),
      };
  const err = rt6_fill_node(nskb, rt, dst, iif, skb.cb.portid, nlh.nlmsg_seq, RTM_NEWROUTE, 0);
  if (err < 0) {
    kfree_skb(nskb);
    return err;
  }
  return rtnl_unicast(nskb, net, skb.cb.portid);
};

/**
 * inet6_dump_fib: RTM_GETROUTE dump for AF_INET6 over every table in walk order (cb->args[0] the
 * next route of the whole walk). rt6_dump_route: a strict request dumps the routes
 * (RTM_F_CLONED: the exceptions, none here) and marks them NLM_F_DUMP_FILTERED; the type, device
 * and protocol filters apply. A round that put something reports it, so NLMSG_DONE comes in a
 * round of its own.
 */
export const inet6_dump_fib: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const filter = fib_dump_filter();
  let dump_routes = true;
  let dump_exceptions = true;
  if (cb.strict_check) {
    const err = ip_valid_fib_dump_req(net, filter, cb);
    if (err < 0) return err;
    if (filter.flags & RTM_F_CLONED) dump_routes = false;
    else dump_exceptions = false;
  } else if (nlmsg_len(cb.nlh) >= RTMSG_SIZE) {
    if (rtmsg(cb.nlh.msg).flags & RTM_F_PREFIX) filter.flags = RTM_F_PREFIX;
  }
  let tables = fib6_tables(net);
  if (filter.table_id) {
    const t = fib6_get_table(net, filter.table_id);
    if (t === undefined) {
      if (rtnl_msg_family(cb.nlh) !== AF_INET6) return skb.len;
      (cb.extack ?? {}).msg = "ipv6: FIB table does not exist";
      return -ERRNO.ENOENT;
    }
    tables = [t];
  }
  // no route is an RA's prefix route (RTF_PREFIX_RT)
  if (filter.flags & RTM_F_PREFIX || !dump_routes) return skb.len;
  const l = tables.flatMap((t) => t.routes);
  const flags = NLM_F_MULTI | (filter.filter_set || !dump_routes || !dump_exceptions ? NLM_F_DUMP_FILTERED : 0);
  for (let i = cb.args[0]!; i < l.length; i++) {
    const rt = l[i]!;
    cb.args[0] = i + 1;
    if (
      filter.filter_set &&
      ((filter.rt_type && rt.type !== filter.rt_type) ||
        (filter.dev && rt.dev.ifindex !== filter.dev) ||
        (filter.protocol && rt.protocol !== filter.protocol))
    )
      continue;
    if (rt6_fill_node(skb, rt, null, 0, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWROUTE, flags) < 0) {
      cb.args[0] = i;
      return skb.len;
    }
  }
  return skb.len;
};

/** ip6_route_init's handlers */
export const ip6_route_net_init = (net: Net): void => {
  rtnl_register(net, AF_INET6, RTM_NEWROUTE, inet6_rtm_newroute, null);
  rtnl_register(net, AF_INET6, RTM_DELROUTE, inet6_rtm_delroute, null);
  rtnl_register(net, AF_INET6, RTM_GETROUTE, inet6_rtm_getroute, inet6_dump_fib);
};
