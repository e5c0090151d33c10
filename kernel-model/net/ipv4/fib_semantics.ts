// net/ipv4/fib_semantics.c (6.18): struct fib_info and its one nexthop (the model has no
// multipath and no nexthop objects), fib_create_info with its checks (fib_props, the route type's
// scope; fib_check_nh for a gateway or a device), fib_dump_info (the RTM_NEWROUTE / RTM_DELROUTE
// message) and rtmsg_fib (the notification to RTNLGRP_IPV4_ROUTE), and the nexthop bookkeeping of
// a device going down or an address going away (fib_sync_down_dev, fib_sync_down_addr).

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { ERRNO, type NetlinkExtAck, putU32 } from "../../uapi/index.js";
import { AF_INET_RT, IFF_UP, RTMSG_SIZE, RTNLGRP_IPV4_ROUTE } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index, type LinkDevice } from "../core/loopback.js";
import { rtnl_notify } from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import { nla_put, nla_put_u32, nlmsg_cancel, nlmsg_data, nlmsg_end, nlmsg_new, nlmsg_put } from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { be32_bytes } from "./devinet.js";
import { RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE } from "./fib_frontend.js";

// rtnetlink.h: route types, scopes, tables, nexthop flags
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_MAX = 11;
export const RT_SCOPE_UNIVERSE = 0;
export const RT_SCOPE_LINK = 253;
export const RT_SCOPE_HOST = 254;
export const RT_SCOPE_NOWHERE = 255;
export const RT_TABLE_COMPAT = 252;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
export const RTPROT_KERNEL = 2;
export const RTNH_F_DEAD = 1;
export const RTNH_F_ONLINK = 4;
export const RTNH_F_LINKDOWN = 16;

/** fib_props[type]: the error a lookup hitting the type returns, and the narrowest scope it allows */
export const fib_props: ReadonlyArray<{ readonly error: number; readonly scope: number }> = [
  { error: 0, scope: RT_SCOPE_NOWHERE }, // RTN_UNSPEC
  { error: 0, scope: RT_SCOPE_UNIVERSE }, // RTN_UNICAST
  { error: 0, scope: RT_SCOPE_HOST }, // RTN_LOCAL
  { error: 0, scope: RT_SCOPE_LINK }, // RTN_BROADCAST
  { error: 0, scope: RT_SCOPE_LINK }, // RTN_ANYCAST
  { error: 0, scope: RT_SCOPE_UNIVERSE }, // RTN_MULTICAST
  { error: -ERRNO.EINVAL, scope: RT_SCOPE_UNIVERSE }, // RTN_BLACKHOLE
  { error: -ERRNO.EHOSTUNREACH, scope: RT_SCOPE_UNIVERSE }, // RTN_UNREACHABLE
  { error: -ERRNO.EACCES, scope: RT_SCOPE_UNIVERSE }, // RTN_PROHIBIT
  { error: -ERRNO.EAGAIN, scope: RT_SCOPE_UNIVERSE }, // RTN_THROW
  { error: -ERRNO.EINVAL, scope: RT_SCOPE_NOWHERE }, // RTN_NAT
  { error: -ERRNO.EINVAL, scope: RT_SCOPE_NOWHERE }, // RTN_XRESOLVE
];

/** struct fib_nh: the route's one nexthop */
export interface FibNh {
  /** fib_nh_gw4 (0: none) */
  readonly gw4: number;
  oif: number;
  dev: LinkDevice | null;
  scope: number;
  flags: number;
}

/** struct fib_info */
export interface FibInfo {
  readonly protocol: number;
  readonly scope: number;
  readonly flags: number;
  readonly priority: number;
  readonly prefsrc: number;
  readonly type: number;
  /** null for the route types that reject (unreachable, prohibit, …) */
  readonly nh: FibNh | null;
  dead: boolean;
}

/** struct fib_config, as rtm_to_fib_config and fib_magic fill it */
export interface FibConfig {
  dscp: number;
  dst: number;
  dst_len: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
  nlflags: number;
  oif: number;
  gw4: number;
  priority: number;
  prefsrc: number;
  /** fc_nlinfo: the request (null for the kernel's own changes) and its sender */
  readonly nlh: Nlmsghdr | null;
  readonly portid: number;
}

/** struct flowi4: what a route lookup matches on (addresses in host byte order) */
export interface Flowi4 {
  daddr: number;
  saddr: number;
  oif: number;
  iif: number;
  mark: number;
  /** the dsfield (tos) of the request */
  dscp: number;
  scope: number;
  /** flowi4_uid; −1 is INVALID_UID */
  uid: number;
}

/** A flow with nothing set: flowi4_iif LOOPBACK_IFINDEX as output lookups have it */
export const flowi4 = (f: Partial<Flowi4>): Flowi4 => ({
  daddr: 0,
  saddr: 0,
  oif: 0,
  iif: 1,
  mark: 0,
  dscp: 0,
  scope: RT_SCOPE_UNIVERSE,
  uid: 0,
  ...f,
});

/** struct fib_result: the entry a lookup matched, its nexthop, and the table it was found in */
export interface FibLookupResult {
  readonly prefix: number;
  readonly prefixlen: number;
  readonly type: number;
  readonly scope: number;
  readonly dscp: number;
  readonly fi: FibInfo;
  readonly tb_id: number;
  /** FIB_RES_OIF, FIB_RES_DEV */
  readonly oif: number;
  readonly dev: LinkDevice | null;
}
/** fib_lookup(net, flp, res, flags): the result, or a negative errno */
export type FibLookup = (net: Net, flp: Flowi4, table: number) => FibLookupResult | number;

/** fib_check_nh_v4_gw: the gateway must be reachable through a unicast or local route of scope ≥ link */
const fib_check_nh_v4_gw = (
  net: Net,
  nh: FibNh,
  table: number,
  scope: number,
  extack: NetlinkExtAck,
  lookup: FibLookup,
): number => {
  const fl4 = flowi4({ daddr: nh.gw4, scope: Math.max(scope + 1, RT_SCOPE_LINK), oif: nh.oif });
  const res = lookup(net, fl4, table);
  if (typeof res === "number") {
    extack.msg = "Nexthop has invalid gateway";
    return res;
  }
  if (res.type !== RTN_UNICAST && res.type !== RTN_LOCAL) {
    extack.msg = "Nexthop has invalid gateway";
    return -ERRNO.EINVAL;
  }
  nh.scope = res.scope;
  nh.oif = res.oif;
  nh.dev = res.dev;
  if (res.dev === null) {
    extack.msg = "No egress device for nexthop gateway";
    return -ERRNO.EINVAL;
  }
  return res.dev.flags & IFF_UP ? 0 : -ERRNO.ENETDOWN;
};

/** fib_check_nh_nongw: a device route needs the device, up */
const fib_check_nh_nongw = (net: Net, nh: FibNh, extack: NetlinkExtAck): number => {
  if (nh.flags & (RTNH_F_DEAD | RTNH_F_ONLINK)) {
    extack.msg = "Invalid flags for nexthop - PERVASIVE and ONLINK can not be set";
    return -ERRNO.EINVAL;
  }
  const dev = nh.oif ? __dev_get_by_index(net, nh.oif) : undefined;
  if (dev === undefined) return -ERRNO.ENODEV;
  if (!(dev.flags & IFF_UP)) {
    extack.msg = "Device for nexthop is not up";
    return -ERRNO.ENETDOWN;
  }
  nh.dev = dev;
  nh.scope = RT_SCOPE_HOST;
  return 0;
};

/**
 * fib_create_info(cfg, extack): the route's fib_info, or a negative errno with the kernel's extack:
 * a scope narrower than the type allows, DEAD/LINKDOWN flags, a device or gateway on a rejecting
 * type, an unknown type, a host route with a gateway, a nexthop that does not check out, a
 * prefsrc that is no local address.
 */
export const fib_create_info = (
  net: Net,
  cfg: FibConfig,
  extack: NetlinkExtAck,
  lookup: FibLookup,
  is_local_addr: (addr: number) => boolean,
): FibInfo | number => {
  if (cfg.type > RTN_MAX) {
    extack.msg = "Invalid route type";
    return -ERRNO.EINVAL;
  }
  if (fib_props[cfg.type]!.scope > cfg.scope) {
    extack.msg = "Invalid scope";
    return -ERRNO.EINVAL;
  }
  if (cfg.flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN)) {
    extack.msg = "Invalid rtm_flags - can not contain DEAD or LINKDOWN";
    return -ERRNO.EINVAL;
  }
  const info = (nh: FibNh | null): FibInfo => ({
    protocol: cfg.protocol,
    scope: cfg.scope,
    flags: cfg.flags,
    priority: cfg.priority,
    prefsrc: cfg.prefsrc,
    type: cfg.type,
    nh,
    dead: false,
  });
  if (fib_props[cfg.type]!.error) {
    if (cfg.gw4 || cfg.oif) {
      extack.msg = "Gateway, device and multipath can not be specified for this route type";
      return -ERRNO.EINVAL;
    }
    return info(null);
  }
  if (cfg.type > 5 /* RTN_MULTICAST */ || cfg.type === 0) {
    extack.msg = "Invalid route type";
    return -ERRNO.EINVAL;
  }
  if (cfg.scope > RT_SCOPE_HOST) {
    extack.msg = "Invalid scope";
    return -ERRNO.EINVAL;
  }
  const nh: FibNh = { gw4: cfg.gw4, oif: cfg.oif, dev: null, scope: 0, flags: cfg.flags & RTNH_F_ONLINK };
  if (cfg.scope === RT_SCOPE_HOST) {
    if (nh.gw4) {
      extack.msg = "Route with host scope can not have a gateway";
      return -ERRNO.EINVAL;
    }
    nh.scope = RT_SCOPE_NOWHERE;
    nh.dev = __dev_get_by_index(net, nh.oif) ?? null;
    if (nh.dev === null) return -ERRNO.ENODEV;
  } else {
    const err = nh.gw4
      ? fib_check_nh_v4_gw(net, nh, cfg.table, cfg.scope, extack, lookup)
      : fib_check_nh_nongw(net, nh, extack);
    if (err) return err;
  }
  // fib_valid_prefsrc
  if (cfg.prefsrc && !(cfg.type === RTN_LOCAL && cfg.prefsrc === cfg.dst) && !is_local_addr(cfg.prefsrc)) {
    extack.msg = "Invalid prefsrc address";
    return -ERRNO.EINVAL;
  }
  return info(nh);
};

/** The same fib_info (fib_find_info shares it): what makes two aliases one route */
export const fib_info_equal = (a: FibInfo, b: FibInfo): boolean =>
  a.protocol === b.protocol &&
  a.scope === b.scope &&
  a.flags === b.flags &&
  a.priority === b.priority &&
  a.prefsrc === b.prefsrc &&
  a.type === b.type &&
  (a.nh === null) === (b.nh === null) &&
  (a.nh === null || (a.nh.gw4 === b.nh!.gw4 && a.nh.oif === b.nh!.oif && a.nh.flags === b.nh!.flags));

/** struct fib_rt_info */
export interface FibRtInfo {
  readonly fi: FibInfo;
  readonly tb_id: number;
  readonly dst: number;
  readonly dst_len: number;
  readonly dscp: number;
  readonly type: number;
}

/**
 * fib_dump_info(skb, portid, seq, event, fri, flags): rtmsg (a table above 255 reads
 * RT_TABLE_COMPAT), RTA_TABLE, RTA_DST, RTA_PRIORITY, RTA_PREFSRC, then the nexthop
 * (fib_nexthop_info: RTA_GATEWAY, RTA_OIF; its flags become rtm_flags).
 */
export const fib_dump_info = (
  skb: SkBuff,
  portid: number,
  seq: number,
  event: number,
  fri: FibRtInfo,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, RTMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const fi = fri.fi;
  const rtm = nlmsg_data(nlh);
  const b = skb.head;
  b[rtm] = AF_INET_RT;
  b[rtm + 1] = fri.dst_len;
  b[rtm + 2] = 0;
  b[rtm + 3] = fri.dscp;
  b[rtm + 4] = fri.tb_id < 256 ? fri.tb_id : RT_TABLE_COMPAT;
  b[rtm + 5] = fi.protocol;
  b[rtm + 6] = fi.scope;
  b[rtm + 7] = fri.type;
  let rtm_flags = fi.flags;
  const fail = (): number => {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  };
  if (nla_put_u32(skb, RTA_TABLE, fri.tb_id)) return fail();
  if (fri.dst_len && nla_put(skb, RTA_DST, be32_bytes(fri.dst))) return fail();
  if (fi.priority && nla_put_u32(skb, RTA_PRIORITY, fi.priority)) return fail();
  if (fi.prefsrc && nla_put(skb, RTA_PREFSRC, be32_bytes(fi.prefsrc))) return fail();
  if (fi.nh !== null) {
    // fib_nexthop_info
    let f = 0;
    if (fi.nh.flags & RTNH_F_DEAD) f |= RTNH_F_DEAD;
    if (fi.nh.flags & RTNH_F_LINKDOWN) f |= RTNH_F_LINKDOWN;
    if (fi.nh.gw4 && nla_put(skb, RTA_GATEWAY, be32_bytes(fi.nh.gw4))) return fail();
    f |= fi.nh.flags & RTNH_F_ONLINK;
    if (fi.nh.dev !== null && nla_put_u32(skb, RTA_OIF, fi.nh.dev.ifindex)) return fail();
    rtm_flags = f;
  }
  putU32(b, rtm + 8, rtm_flags);
  nlmsg_end(skb, nlh);
  return 0;
};

/** fib_nlmsg_size(fi) */
const fib_nlmsg_size = (): number => 128;

/** rtmsg_fib(event, key, fa, dst_len, tb_id, info, nlm_flags): to RTNLGRP_IPV4_ROUTE */
export const rtmsg_fib = (
  net: Net,
  event: number,
  fri: FibRtInfo,
  nlh: Nlmsghdr | null,
  portid: number,
  nlm_flags: number,
): void => {
  const skb = nlmsg_new(fib_nlmsg_size(), GFP_ATOMIC);
  if (fib_dump_info(skb, portid, nlh?.nlmsg_seq ?? 0, event, fri, nlm_flags) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, portid, RTNLGRP_IPV4_ROUTE, nlh);
};
