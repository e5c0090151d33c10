// net/ipv4/route.c (6.18): RTM_GETROUTE do (inet_rtm_getroute, inet_rtm_valid_getroute_req): the
// output lookup (ip_route_output_key_hash_rcu: the source's checks, RTA_OIF, 0.0.0.0, fib_lookup
// through the rules, local routes over lo, the preferred source, __mkroute_output's broadcast and
// gateway), the input lookup of RTA_IIF (ip_route_input_slow: martians, broadcast and local input,
// fib_validate_source, unreachable when forwarding is off), and the answer: rt_fill_info, or with
// RTM_F_FIB_MATCH the FIB entry the lookup used (fib_dump_info). Multicast destinations,
// forwarding routes and fib_select_default's choice among default routes are not modelled
// (logged, EOPNOTSUPP).

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO, getU32, NL_VALIDATE_DEPRECATED_STRICT, NL_VALIDATE_LIBERAL, putU32 } from "../../uapi/index.js";
import { AF_INET_RT, IFF_LOOPBACK, IFF_UP, RTM_GETROUTE, RTM_NEWROUTE, RTMSG_SIZE } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index, type LinkDevice } from "../core/loopback.js";
import {
  type IflaTb,
  netlink_strict_get_check,
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  rtnl_register,
  rtnl_unicast,
  skb_net,
} from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import { nla_put, nla_put_u32, nlmsg_cancel, nlmsg_data, nlmsg_end, nlmsg_new, nlmsg_put } from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import {
  IPV4_DEVCONF,
  in_dev_conf_get,
  in_dev_get,
  in_dev_maxconf,
  in_dev_orconf,
  inet_lookup_ifaddr,
  inet_select_addr,
} from "./devinet.js";
import {
  RTA_CACHEINFO,
  RTA_DPORT,
  RTA_DST,
  RTA_GATEWAY,
  RTA_IIF,
  RTA_IP_PROTO,
  RTA_MARK,
  RTA_MAX,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_SPORT,
  RTA_SRC,
  RTA_TABLE,
  RTA_UID,
  RTM_F_CLONED,
  RTM_F_FIB_MATCH,
  RTM_F_LOOKUP_TABLE,
  RTM_F_NOTIFY,
  rtm_ipv4_policy,
  rtmsg,
} from "./fib_frontend.js";
import { fib_lookup } from "./fib_rules.js";
import {
  type FibLookupResult,
  type Flowi4,
  fib_dump_info,
  fib_props,
  flowi4,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RTN_BROADCAST,
  RTN_LOCAL,
  RTN_UNICAST,
} from "./fib_semantics.js";
import { fib_get_table, fib_has_custom_rules, fib_table_lookup } from "./fib_trie.js";

// route types and flags (rtnetlink.h, in_route.h)
const RTN_UNREACHABLE = 7;
const RTCF_NOTIFY = 0x10000;
const RTCF_BROADCAST = 0x10000000;
const RTCF_LOCAL = 0x80000000;
const INADDR_LOOPBACK = 0x7f000001;
const INADDR_BROADCAST = 0xffffffff;
const LOOPBACK_IFINDEX = 1;
/** INVALID_UID, as the flow keeps it */
const INVALID_UID = -1;
/** NLMSG_GOODSIZE: the reply skb inet_rtm_getroute_build_skb allocates */
const NLMSG_GOODSIZE = 3776;

/** inet_rtm_valid_getroute_req */
const inet_rtm_valid_getroute_req = (skb: SkBuff, nlh: Nlmsghdr, extack: { msg?: string }): IflaTb | number => {
  if (nlmsg_len(nlh) < RTMSG_SIZE) {
    extack.msg = "ipv4: Invalid header for route get request";
    return -ERRNO.EINVAL;
  }
  if (!netlink_strict_get_check(skb)) return nlmsg_parse(nlh, RTMSG_SIZE, rtm_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  const rtm = rtmsg(nlh.msg);
  if (
    (rtm.src_len && rtm.src_len !== 32) ||
    (rtm.dst_len && rtm.dst_len !== 32) ||
    rtm.table ||
    rtm.protocol ||
    rtm.scope ||
    rtm.type
  ) {
    extack.msg = "ipv4: Invalid values in header for route get request";
    return -ERRNO.EINVAL;
  }
  if (rtm.flags & ~(RTM_F_NOTIFY | RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH)) {
    extack.msg = "ipv4: Unsupported rtm_flags for route get request";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(nlh, RTMSG_SIZE, rtm_ipv4_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  if ((tb[RTA_SRC] !== undefined && !rtm.src_len) || (tb[RTA_DST] !== undefined && !rtm.dst_len)) {
    extack.msg = "ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4";
    return -ERRNO.EINVAL;
  }
  const allowed = [RTA_IIF, RTA_OIF, RTA_SRC, RTA_DST, RTA_IP_PROTO, RTA_SPORT, RTA_DPORT, RTA_MARK, RTA_UID];
  for (let i = 0; i <= RTA_MAX; i++) {
    if (tb[i] === undefined || allowed.includes(i)) continue;
    extack.msg = "ipv4: Unsupported attribute in route get request";
    return -ERRNO.EINVAL;
  }
  return tb;
};

const be32 = (a: { data: Uint8Array } | undefined): number =>
  a === undefined ? 0 : ((a.data[0]! << 24) | (a.data[1]! << 16) | (a.data[2]! << 8) | a.data[3]!) >>> 0;
const in_addr = (v: number): Uint8Array => Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
const ipv4_is_multicast = (a: number): boolean => (a & 0xf0000000) >>> 0 === 0xe0000000;
const ipv4_is_lbcast = (a: number): boolean => a === INADDR_BROADCAST;
const ipv4_is_zeronet = (a: number): boolean => a >>> 24 === 0;
const ipv4_is_loopback = (a: number): boolean => a >>> 24 === 127;

/** struct rtable: what rt_fill_info reads of a resolved route */
interface Rtable {
  readonly type: number;
  rt_flags: number;
  readonly dev: LinkDevice;
  /** rt_is_input_route */
  readonly input: boolean;
  /** rt_uses_gateway ? rt_gw4 : 0 */
  readonly gw4: number;
  /** dst.error (positive errno, 0 for a usable route) */
  readonly error: number;
}

/** A lookup's outcome: the route, the FIB entry it came from (res) and the flow as the lookup left it */
interface RouteLookup {
  readonly rt: Rtable;
  readonly res: FibLookupResult | null;
  /** res->type when no FIB entry was used */
  readonly res_type: number;
}

/**
 * __ip_dev_find(net, addr, false): the device holding the local address, else the device of a
 * local route for it in the local table.
 */
const __ip_dev_find = (net: Net, addr: number): LinkDevice | undefined => {
  const ifa = inet_lookup_ifaddr(net, addr);
  if (ifa !== undefined) return ifa.dev;
  const local = fib_get_table(net, RT_TABLE_LOCAL);
  if (local === undefined) return undefined;
  const res = fib_table_lookup(net, local, flowi4({ daddr: addr }));
  return typeof res !== "number" && res.type === RTN_LOCAL ? (res.dev ?? undefined) : undefined;
};

/**
 * __mkroute_output(res, fl4, orig_oif, dev_out, flags): a loopback source off lo is −EINVAL;
 * 255.255.255.255 is a broadcast route (no gateway), 0.0.0.0/8 −EINVAL; multicast is not modelled.
 */
const __mkroute_output = (
  net: Net,
  res: FibLookupResult | null,
  type: number,
  fl4: Flowi4,
  dev_out: LinkDevice,
  flags: number,
): Rtable | number => {
  if (!in_dev_orconf(net, dev_out, IPV4_DEVCONF.ROUTE_LOCALNET)) {
    if (ipv4_is_loopback(fl4.saddr) && !(dev_out.flags & IFF_LOOPBACK)) return -ERRNO.EINVAL;
  }
  let fi = res?.fi ?? null;
  if (ipv4_is_lbcast(fl4.daddr)) {
    type = RTN_BROADCAST;
    fi = null;
  } else if (ipv4_is_multicast(fl4.daddr)) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: ipv4 multicast output routes are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  } else if (ipv4_is_zeronet(fl4.daddr)) return -ERRNO.EINVAL;
  if (dev_out.flags & IFF_LOOPBACK) flags |= RTCF_LOCAL;
  if (type === RTN_BROADCAST) flags |= RTCF_BROADCAST | RTCF_LOCAL;
  // rt_set_nexthop: a gateway of link scope is used
  const nh = fi?.nh ?? null;
  const gw4 = nh?.gw4 && nh.scope === RT_SCOPE_LINK ? nh.gw4 : 0;
  return { type, rt_flags: flags, dev: dev_out, input: false, gw4, error: 0 };
};

/** fib_result_prefsrc(net, res): the route's prefsrc, else an address of the nexthop's device for its gateway */
const fib_result_prefsrc = (net: Net, res: FibLookupResult): number => {
  if (res.fi.prefsrc) return res.fi.prefsrc;
  const nh = res.fi.nh;
  return nh?.dev ? inet_select_addr(net, nh.dev, nh.gw4, res.fi.scope) : 0;
};

/**
 * ip_route_output_key_hash_rcu(net, fl4, res, skb): the output route for the flow, which it
 * completes (saddr, oif); a negative errno when there is none.
 */
const ip_route_output_key_hash_rcu = (net: Net, fl4: Flowi4): RouteLookup | number => {
  const lo = __dev_get_by_index(net, LOOPBACK_IFINDEX)!;
  let dev_out: LinkDevice | undefined;
  let flags = 0;
  let res: FibLookupResult | null = null;
  let type = 0;
  const make_route = (): RouteLookup | number => {
    const rt = __mkroute_output(net, res, type, fl4, dev_out!, flags);
    return typeof rt === "number" ? rt : { rt, res, res_type: type };
  };
  if (fl4.saddr) {
    if (ipv4_is_multicast(fl4.saddr) || ipv4_is_lbcast(fl4.saddr) || ipv4_is_zeronet(fl4.saddr)) return -ERRNO.EINVAL;
    if (fl4.oif === 0 && (ipv4_is_multicast(fl4.daddr) || ipv4_is_lbcast(fl4.daddr))) {
      dev_out = __ip_dev_find(net, fl4.saddr);
      if (dev_out === undefined) return -ERRNO.ENETUNREACH;
      fl4.oif = dev_out.ifindex;
      return make_route();
    }
    if (__ip_dev_find(net, fl4.saddr) === undefined) return -ERRNO.ENETUNREACH;
  }
  if (fl4.oif) {
    dev_out = __dev_get_by_index(net, fl4.oif);
    if (dev_out === undefined) return -ERRNO.ENODEV;
    if (!(dev_out.flags & IFF_UP)) return -ERRNO.ENETUNREACH;
    if ((fl4.daddr & 0xffffff00) >>> 0 === 0xe0000000 || ipv4_is_lbcast(fl4.daddr)) {
      if (!fl4.saddr) fl4.saddr = inet_select_addr(net, dev_out, 0, RT_SCOPE_LINK);
      return make_route();
    }
    if (!fl4.saddr) {
      if (ipv4_is_multicast(fl4.daddr)) fl4.saddr = inet_select_addr(net, dev_out, 0, fl4.scope);
      else if (!fl4.daddr) fl4.saddr = inet_select_addr(net, dev_out, 0, RT_SCOPE_HOST);
    }
  }
  if (!fl4.daddr) {
    fl4.daddr = fl4.saddr;
    if (!fl4.daddr) fl4.daddr = fl4.saddr = INADDR_LOOPBACK;
    dev_out = lo;
    fl4.oif = LOOPBACK_IFINDEX;
    type = RTN_LOCAL;
    flags |= RTCF_LOCAL;
    return make_route();
  }
  const r = fib_lookup(net, fl4);
  if (typeof r === "number") {
    if (fl4.oif) {
      // the routing tables are wrong: assume the destination is on link
      if (fl4.saddr === 0) fl4.saddr = inet_select_addr(net, dev_out!, 0, RT_SCOPE_LINK);
      type = RTN_UNICAST;
      return make_route();
    }
    return r;
  }
  res = r;
  type = r.type;
  if (r.type === RTN_LOCAL) {
    if (!fl4.saddr) fl4.saddr = r.fi.prefsrc || fl4.daddr;
    dev_out = lo;
    fl4.oif = dev_out.ifindex;
    flags |= RTCF_LOCAL;
    return make_route();
  }
  // fib_select_path (one nexthop per route; fib_select_default is not modelled)
  if (!fl4.saddr) fl4.saddr = fib_result_prefsrc(net, r);
  dev_out = r.dev ?? undefined;
  if (dev_out === undefined) return -ERRNO.EINVAL;
  return make_route();
};

/**
 * __fib_validate_source(skb, src, dst, dscp, oif, dev, rpf, idev, itag): the reverse lookup of the
 * source; a local source needs accept_local; with rp_filter the route back must use the device.
 */
const __fib_validate_source = (
  net: Net,
  src: number,
  dst: number,
  fl: Flowi4,
  dev: LinkDevice,
  rpf: number,
): number => {
  const fl4 = flowi4({ daddr: src, saddr: dst, dscp: fl.dscp, iif: LOOPBACK_IFINDEX, uid: 0 });
  if (in_dev_conf_get(dev, IPV4_DEVCONF.SRC_VMARK)) fl4.mark = fl.mark;
  const no_addr = in_dev_get(dev).ifa_list.length === 0;
  const res = fib_lookup(net, fl4);
  if (typeof res === "number") return rpf ? -ERRNO.EXDEV : 0;
  if (res.type !== RTN_UNICAST) {
    if (res.type !== RTN_LOCAL || !in_dev_orconf(net, dev, IPV4_DEVCONF.ACCEPT_LOCAL)) return -ERRNO.EINVAL;
  }
  const dev_match = res.dev === dev || (res.type === RTN_LOCAL && dev.ifindex === LOOPBACK_IFINDEX);
  if (dev_match) return res.fi.nh !== null && res.fi.nh.scope >= RT_SCOPE_HOST ? 1 : 0;
  if (no_addr) return rpf ? -ERRNO.EXDEV : 0;
  if (rpf === 1) return -ERRNO.EXDEV;
  fl4.oif = dev.ifindex;
  const back = fib_lookup(net, fl4);
  return typeof back !== "number" &&
    back.type === RTN_UNICAST &&
    back.fi.nh !== null &&
    back.fi.nh.scope >= RT_SCOPE_HOST
    ? 1
    : 0;
};

/**
 * fib_validate_source: without rp_filter a source that is one of the namespace's addresses is a
 * martian (unless accept_local); custom rules, or rp_filter, take the full reverse lookup.
 */
const fib_validate_source = (net: Net, src: number, dst: number, fl: Flowi4, dev: LinkDevice): number => {
  const r = in_dev_maxconf(net, dev, IPV4_DEVCONF.RP_FILTER);
  if (!r) {
    if (in_dev_orconf(net, dev, IPV4_DEVCONF.ACCEPT_LOCAL)) return 0;
    if (!fib_has_custom_rules(net)) return inet_lookup_ifaddr(net, src) !== undefined ? -ERRNO.EINVAL : 0;
  }
  return __fib_validate_source(net, src, dst, fl, dev, r);
};

/**
 * ip_route_input_slow(skb, daddr, saddr, dscp, dev, res), as inet_rtm_getroute sees it: a martian
 * source or destination is −EINVAL (any drop reason is), broadcasts and local destinations are
 * input routes over lo, no route (or forwarding off) an unreachable route carrying the error.
 * Forwarding (ip_mkroute_input) is not modelled.
 */
const ip_route_input_slow = (net: Net, fl: Flowi4, dev: LinkDevice): RouteLookup | number => {
  const { daddr, saddr } = fl;
  const lo = __dev_get_by_index(net, LOOPBACK_IFINDEX)!;
  const local_input = (res: FibLookupResult | null, type: number, flags: number, err: number): RouteLookup => {
    let rt_flags = flags | RTCF_LOCAL;
    if (type === RTN_UNREACHABLE) rt_flags &= ~RTCF_LOCAL;
    const error = type === RTN_UNREACHABLE ? -err : 0;
    return { rt: { type, rt_flags, dev: lo, input: true, gw4: 0, error }, res, res_type: type };
  };
  const brd_input = (res: FibLookupResult | null): RouteLookup | number => {
    if (!ipv4_is_zeronet(saddr) && fib_validate_source(net, saddr, 0, fl, dev) < 0) return -ERRNO.EINVAL;
    return local_input(res, RTN_BROADCAST, RTCF_BROADCAST, 0);
  };
  if (ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr)) return -ERRNO.EINVAL;
  if (ipv4_is_lbcast(daddr) || (saddr === 0 && daddr === 0)) return brd_input(null);
  if (ipv4_is_zeronet(saddr) || ipv4_is_zeronet(daddr)) return -ERRNO.EINVAL;
  const localnet = in_dev_orconf(net, dev, IPV4_DEVCONF.ROUTE_LOCALNET);
  if ((ipv4_is_loopback(daddr) || ipv4_is_loopback(saddr)) && !localnet) return -ERRNO.EINVAL;
  const forward = in_dev_conf_get(dev, IPV4_DEVCONF.FORWARDING);
  const res = fib_lookup(net, fl);
  if (typeof res === "number") return local_input(null, RTN_UNREACHABLE, 0, forward ? res : -ERRNO.EHOSTUNREACH);
  if (res.type === RTN_BROADCAST) return brd_input(res);
  if (res.type === RTN_LOCAL) {
    if (fib_validate_source(net, saddr, daddr, fl, dev) < 0) return -ERRNO.EINVAL;
    return local_input(res, RTN_LOCAL, 0, 0);
  }
  if (!forward) return local_input(null, RTN_UNREACHABLE, 0, -ERRNO.EHOSTUNREACH);
  if (res.type !== RTN_UNICAST) return -ERRNO.EINVAL;
  net.kernel?.printk(`${KERN_NOTICE}nlsim: ipv4 forwarding routes (ip_mkroute_input) are not modelled (EOPNOTSUPP)`);
  return -ERRNO.EOPNOTSUPP;
};

/**
 * rt_fill_info(net, dst, src, rt, table_id, dscp, fl4, skb, portid, seq, flags): RTM_NEWROUTE for
 * the resolved route, attributes in the kernel's order.
 */
const rt_fill_info = (
  skb: SkBuff,
  rt: Rtable,
  table_id: number,
  dst: number,
  src: number,
  dscp: number,
  fl4: Flowi4,
  pid: number,
  seq: number,
): number => {
  const nlh = nlmsg_put(skb, pid, seq, RTM_NEWROUTE, RTMSG_SIZE, 0);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const r = nlmsg_data(nlh);
  const b = skb.head;
  b[r] = AF_INET_RT;
  b[r + 1] = 32;
  b[r + 2] = src ? 32 : 0;
  b[r + 3] = dscp; // the matched entry's dsfield (res.dscp), not the request's
  b[r + 4] = table_id < 256 ? table_id : 252; // RT_TABLE_COMPAT
  b[r + 5] = 0; // RTPROT_UNSPEC
  b[r + 6] = 0; // RT_SCOPE_UNIVERSE
  b[r + 7] = rt.type;
  let flags = ((rt.rt_flags & ~0xffff) | RTM_F_CLONED) >>> 0;
  if (rt.rt_flags & RTCF_NOTIFY) flags |= RTM_F_NOTIFY;
  putU32(b, r + 8, flags >>> 0);
  const fail = (): number => {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  };
  if (nla_put_u32(skb, RTA_TABLE, table_id) || nla_put(skb, RTA_DST, in_addr(dst))) return fail();
  if (src && nla_put(skb, RTA_SRC, in_addr(src))) return fail();
  if (nla_put_u32(skb, RTA_OIF, rt.dev.ifindex)) return fail();
  if (!rt.input && fl4.saddr !== src && nla_put(skb, RTA_PREFSRC, in_addr(fl4.saddr))) return fail();
  if (rt.gw4 && nla_put(skb, RTA_GATEWAY, in_addr(rt.gw4))) return fail();
  if (fl4.mark && nla_put_u32(skb, RTA_MARK, fl4.mark)) return fail();
  if (fl4.uid !== INVALID_UID && nla_put_u32(skb, RTA_UID, fl4.uid)) return fail();
  if (rt.input && nla_put_u32(skb, RTA_IIF, fl4.iif)) return fail();
  // rtnl_put_cacheinfo: {clntref, lastuse, expires, error, used, id, ts, tsage}, a route just made
  const ci = new Uint8Array(32);
  putU32(ci, 0, 1);
  putU32(ci, 12, -rt.error >>> 0);
  if (nla_put(skb, RTA_CACHEINFO, ci)) return fail();
  nlmsg_end(skb, nlh);
  return 0;
};

/** rtm_getroute_parse_ip_proto(attr, ip_proto, AF_INET, extack): TCP, UDP and ICMP only */
const rtm_getroute_parse_ip_proto = (a: { data: Uint8Array }, extack: { msg?: string }): number => {
  const p = a.data[0]!;
  if (p === 6 || p === 17 || p === 1) return p;
  extack.msg = "Unsupported ip proto";
  return -ERRNO.EOPNOTSUPP;
};

/** The flow inet_rtm_getroute builds from the request (uid: RTA_UID, else INVALID_UID for input, the caller's) */
const getroute_flow = (skb: SkBuff, tb: IflaTb, tos: number): Flowi4 => {
  const u32 = (t: number): number => (tb[t] === undefined ? 0 : getU32(tb[t]!.data, 0));
  const iif = u32(RTA_IIF);
  return flowi4({
    daddr: be32(tb[RTA_DST]),
    saddr: be32(tb[RTA_SRC]),
    oif: u32(RTA_OIF),
    iif: iif || LOOPBACK_IFINDEX,
    mark: u32(RTA_MARK),
    dscp: tos & 0xfc,
    uid: tb[RTA_UID] !== undefined ? u32(RTA_UID) : iif ? INVALID_UID : skb.creds.uid,
  });
};

/**
 * inet_rtm_getroute: RTM_GETROUTE do for AF_INET: an input lookup (RTA_IIF) or an output one,
 * answered by rt_fill_info, or with RTM_F_FIB_MATCH by the FIB entry the lookup used (fib_dump_info).
 */
export const inet_rtm_getroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = inet_rtm_valid_getroute_req(skb, nlh, extack);
  if (typeof tb === "number") return tb;
  const rtm = rtmsg(nlh.msg);
  const src = be32(tb[RTA_SRC]);
  const dst = be32(tb[RTA_DST]);
  if (tb[RTA_IP_PROTO] !== undefined) {
    const p = rtm_getroute_parse_ip_proto(tb[RTA_IP_PROTO]!, extack);
    if (p < 0) return p;
  }
  const fl4 = getroute_flow(skb, tb, rtm.tos);
  const iif = tb[RTA_IIF] === undefined ? 0 : getU32(tb[RTA_IIF]!.data, 0);
  let r: RouteLookup | number;
  if (iif) {
    const dev = __dev_get_by_index(net, iif);
    if (dev === undefined) return -ERRNO.ENODEV;
    fl4.oif = 0;
    r = ip_route_input_slow(net, fl4, dev);
    if (typeof r !== "number" && r.rt.error) r = -r.rt.error;
  } else r = ip_route_output_key_hash_rcu(net, fl4);
  if (typeof r === "number") return r;
  const { rt, res } = r;
  if (rtm.flags & RTM_F_NOTIFY) rt.rt_flags |= RTCF_NOTIFY;
  let table_id = RT_TABLE_MAIN;
  if (rtm.flags & RTM_F_LOOKUP_TABLE) table_id = res !== null ? res.tb_id : 0;
  const nskb = nlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);
  let err: number;
  if (rtm.flags & RTM_F_FIB_MATCH) {
    if (res === null) {
      kfree_skb(nskb);
      return fib_props[r.res_type]!.error || -ERRNO.EHOSTUNREACH;
    }
    const fri = { fi: res.fi, tb_id: table_id, dst: res.prefix, dst_len: res.prefixlen, dscp: res.dscp, type: rt.type };
    err = fib_dump_info(nskb, skb.cb.portid, nlh.nlmsg_seq, RTM_NEWROUTE, fri, 0);
  } else err = rt_fill_info(nskb, rt, table_id, dst, src, res?.dscp ?? 0, fl4, skb.cb.portid, nlh.nlmsg_seq);
  if (err < 0) {
    kfree_skb(nskb);
    return err;
  }
  return rtnl_unicast(nskb, net, skb.cb.portid);
};

/** ip_rt_init's handler: RTM_GETROUTE do for AF_INET */
export const ip_rt_net_init = (net: Net): void => {
  rtnl_register(net, AF_INET_RT, RTM_GETROUTE, inet_rtm_getroute, null);
};
