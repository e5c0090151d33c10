// net/ipv4/fib_semantics.c (6.18): struct fib_info and its one nexthop, or a nexthop object
// (RTA_NH_ID: fi->nh, nexthop_h.ts; multipath without one is not modelled), fib_create_info with its checks (fib_props, the route type's
// scope; fib_check_nh for a gateway or a device), fib_dump_info (the RTM_NEWROUTE / RTM_DELROUTE
// message) and rtmsg_fib (the notification to RTNLGRP_IPV4_ROUTE), and the nexthop bookkeeping of
// a device going down or an address going away (fib_sync_down_dev, fib_sync_down_addr).

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO, type NetlinkExtAck, putU16, putU32 } from "../../uapi/index.js";
import { AF_INET_RT, IFF_UP, RTMSG_SIZE, RTNLGRP_IPV4_ROUTE } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index, type LinkDevice } from "../core/loopback.js";
import { rtnl_notify } from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import {
  nla_nest_end,
  nla_nest_start_noflag,
  nla_put,
  nla_put_u32,
  nlmsg_append,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { be32_bytes } from "./devinet.js";
import {
  RTA_DST,
  RTA_GATEWAY,
  RTA_MULTIPATH,
  RTA_NH_ID,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
} from "./fib_frontend.js";
import {
  type Nexthop,
  nexthop_fib_nhc,
  nexthop_find_by_id,
  nexthop_get,
  nexthop_has_v6_gw,
  nexthop_is_blackhole,
  nexthop_num_path,
} from "./nexthop_h.js";

// rtnetlink.h: route types, scopes, tables, nexthop flags
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_MULTICAST = 5;
export const RTN_BLACKHOLE = 6;
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
  /**
   * null for the route types that reject (unreachable, prohibit, …); for a route through a nexthop
   * object, fib_info_nhc(fi, 0): that nexthop's (read through nh_obj, which a replace may change)
   */
  readonly nh: FibNh | null;
  /** fi->nh: the nexthop object (RTA_NH_ID), or null */
  readonly nh_obj: Nexthop | null;
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
  /** fc_nh_id (RTA_NH_ID; 0: none) */
  nh_id: number;
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

/**
 * inet_addr_type_dev_table(net, dev, addr): the address's type in the device's table (the local
 * table, merged into main without custom rules): unicast unless a route of `dev` says otherwise
 */
const inet_addr_type_dev_table = (net: Net, dev: LinkDevice, addr: number, lookup: FibLookup): number => {
  if (addr >>> 24 === 0 || addr === 0xffffffff) return RTN_BROADCAST;
  if (addr >>> 28 === 0xe) return RTN_MULTICAST;
  const res = lookup(net, flowi4({ daddr: addr }), RT_TABLE_LOCAL);
  if (typeof res === "number") return RTN_UNICAST;
  return res.dev === dev ? res.type : RTN_UNICAST;
};

/**
 * fib_check_nh_v4_gw's RTNH_F_ONLINK branch: the gateway is on the device's link whatever the
 * routes say, if the scope allows it and the address is unicast for the device
 */
const fib_check_nh_v4_gw_onlink = (
  net: Net,
  nh: FibNh,
  scope: number,
  extack: NetlinkExtAck,
  lookup: FibLookup,
): number => {
  if (scope >= RT_SCOPE_LINK) {
    extack.msg = "Nexthop has invalid scope";
    return -ERRNO.EINVAL;
  }
  const dev = __dev_get_by_index(net, nh.oif);
  if (dev === undefined) {
    extack.msg = "Nexthop device required for onlink";
    return -ERRNO.ENODEV;
  }
  if (!(dev.flags & IFF_UP)) {
    extack.msg = "Nexthop device is not up";
    return -ERRNO.ENETDOWN;
  }
  if (inet_addr_type_dev_table(net, dev, nh.gw4, lookup) !== RTN_UNICAST) {
    extack.msg = "Nexthop has invalid gateway";
    return -ERRNO.EINVAL;
  }
  if (!dev.carrier) nh.flags |= RTNH_F_LINKDOWN;
  nh.dev = dev;
  nh.scope = RT_SCOPE_LINK;
  return 0;
};

/** fib_check_nh_v4_gw: the gateway must be reachable through a unicast or local route of scope ≥ link */
const fib_check_nh_v4_gw = (
  net: Net,
  nh: FibNh,
  table: number,
  scope: number,
  extack: NetlinkExtAck,
  lookup: FibLookup,
): number => {
  if (nh.flags & RTNH_F_ONLINK) return fib_check_nh_v4_gw_onlink(net, nh, scope, extack, lookup);
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

/** fib_check_nh(net, nh, table, scope, extack): a gateway's route, or the device */
export const fib_check_nh = (
  net: Net,
  nh: FibNh,
  table: number,
  scope: number,
  extack: NetlinkExtAck,
  lookup: FibLookup,
): number => (nh.gw4 ? fib_check_nh_v4_gw(net, nh, table, scope, extack, lookup) : fib_check_nh_nongw(net, nh, extack));

/** nexthop_check_scope(nhi, scope, extack) (nexthop.c) */
const nexthop_check_scope = (nhc: FibNh, scope: number, extack: NetlinkExtAck): number => {
  if (scope === RT_SCOPE_HOST && nhc.gw4) {
    extack.msg = "Route with host scope can not have a gateway";
    return -ERRNO.EINVAL;
  }
  if (nhc.flags & RTNH_F_ONLINK && scope >= RT_SCOPE_LINK) {
    extack.msg = "Scope mismatch with nexthop";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/**
 * fib_check_nexthop(nh, scope, extack) (nexthop.c, kept beside its callers here): a route may use
 * the nexthop object: no FDB nexthop, no group for a host route, the scope (a group's from its
 * first entry).
 */
export const fib_check_nexthop = (nh: Nexthop, scope: number, extack: NetlinkExtAck): number => {
  if (nh.is_group) {
    const nhg = nh.nh_grp!;
    if (nhg.fdb_nh) {
      extack.msg = "Route cannot point to a fdb nexthop";
      return -ERRNO.EINVAL;
    }
    if (scope === RT_SCOPE_HOST) {
      extack.msg = "Route with host scope can not have multiple nexthops";
      return -ERRNO.EINVAL;
    }
    return nexthop_check_scope(nhg.nh_entries[0]!.nh.nh_info!.fib_nh, scope, extack);
  }
  const nhi = nh.nh_info!;
  if (nhi.fdb_nh) {
    extack.msg = "Route cannot point to a fdb nexthop";
    return -ERRNO.EINVAL;
  }
  return nexthop_check_scope(nhi.fib_nh, scope, extack);
};

/** The route's fib_info through a nexthop object (it joins the object's fi_list); nh reads the object's */
const fib_info_with_nh = (fi: Omit<FibInfo, "nh" | "nh_obj">, nh: Nexthop): FibInfo => {
  const info: FibInfo = {
    ...fi,
    nh_obj: nh,
    get nh(): FibNh {
      return nexthop_fib_nhc(nh);
    },
  };
  nh.fi_list.unshift(info);
  return info;
};

/** fib_release_info(fi): the route is gone; it leaves its nexthop object's fi_list */
export const fib_release_info = (fi: FibInfo): void => {
  if (fi.nh_obj === null) return;
  const i = fi.nh_obj.fi_list.indexOf(fi);
  if (i >= 0) fi.nh_obj.fi_list.splice(i, 1);
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
  let nh_obj: Nexthop | null = null;
  if (cfg.nh_id) {
    nh_obj = nexthop_find_by_id(net, cfg.nh_id) ?? null;
    if (nh_obj === null) {
      extack.msg = "Nexthop id does not exist";
      return -ERRNO.EINVAL;
    }
    if (!nexthop_get(nh_obj)) {
      extack.msg = "Nexthop has been deleted";
      return -ERRNO.EINVAL;
    }
  }
  const base = {
    protocol: cfg.protocol,
    scope: cfg.scope,
    flags: cfg.flags,
    priority: cfg.priority,
    prefsrc: cfg.prefsrc,
    type: cfg.type,
    dead: false,
  };
  const info = (nh: FibNh | null): FibInfo =>
    nh_obj !== null ? fib_info_with_nh(base, nh_obj) : { ...base, nh, nh_obj: null };
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
  if (nh_obj !== null) {
    const err = fib_check_nexthop(nh_obj, cfg.scope, extack);
    if (err) return err;
    if (nexthop_has_v6_gw(nh_obj)) {
      net.kernel?.printk(
        `${KERN_NOTICE}nlsim: IPv4 routes through IPv6 gateways (RTA_VIA) are not modelled (EOPNOTSUPP)`,
      );
      return -ERRNO.EOPNOTSUPP;
    }
    if (cfg.prefsrc && !is_local_addr(cfg.prefsrc)) {
      extack.msg = "Invalid prefsrc address";
      return -ERRNO.EINVAL;
    }
    return info(null);
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
    const err = fib_check_nh(net, nh, cfg.table, cfg.scope, extack, lookup);
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
  a.nh_obj === b.nh_obj &&
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
  if (fi.nh_obj !== null) {
    if (nla_put_u32(skb, RTA_NH_ID, fi.nh_obj.id)) return fail();
    if (nexthop_is_blackhole(fi.nh_obj)) b[rtm + 7] = RTN_BLACKHOLE;
    // net.ipv4.nexthop_compat_mode is 1: the nexthop's own attributes follow
  }
  if (fi.nh_obj !== null && nexthop_num_path(fi.nh_obj) > 1) {
    if (fib_add_multipath(skb, fi.nh_obj)) return fail();
  } else if (fi.nh !== null) {
    const f = fib_nexthop_info(skb, fi.nh, false);
    if (f < 0) return fail();
    rtm_flags = f;
  }
  putU32(b, rtm + 8, rtm_flags);
  nlmsg_end(skb, nlh);
  return 0;
};

/** fib_nexthop_info(skb, nhc, AF_INET, &flags, skip_oif): RTA_GATEWAY, RTA_OIF; the flags, or −EMSGSIZE */
const fib_nexthop_info = (skb: SkBuff, nh: FibNh, skip_oif: boolean): number => {
  let f = 0;
  if (nh.flags & RTNH_F_DEAD) f |= RTNH_F_DEAD;
  if (nh.flags & RTNH_F_LINKDOWN) f |= RTNH_F_LINKDOWN;
  if (nh.gw4 && nla_put(skb, RTA_GATEWAY, be32_bytes(nh.gw4))) return -ERRNO.EMSGSIZE;
  f |= nh.flags & RTNH_F_ONLINK;
  if (!skip_oif && nh.dev !== null && nla_put_u32(skb, RTA_OIF, nh.dev.ifindex)) return -ERRNO.EMSGSIZE;
  return f;
};

/** sizeof(struct rtnexthop) */
const RTNEXTHOP_SIZE = 8;

/**
 * fib_add_multipath(skb, fi) through a nexthop group (nexthop_mpath_fill_node): RTA_MULTIPATH, one
 * struct rtnexthop per entry (fib_add_nexthop: len, flags, hops = weight − 1, ifindex) followed by
 * its gateway.
 */
const fib_add_multipath = (skb: SkBuff, nh: Nexthop): number => {
  const mp = nla_nest_start_noflag(skb, RTA_MULTIPATH);
  if (mp === null) return -ERRNO.EMSGSIZE;
  for (const nhge of nh.nh_grp!.nh_entries) {
    const nhc = nhge.nh.nh_info!.fib_nh;
    const rtnh = nlmsg_append(skb, RTNEXTHOP_SIZE);
    if (rtnh === null) return -ERRNO.EMSGSIZE;
    const flags = fib_nexthop_info(skb, nhc, true);
    if (flags < 0) return flags;
    const b = skb.head;
    putU16(b, rtnh, skb.tail - rtnh);
    b[rtnh + 2] = flags;
    b[rtnh + 3] = nhge.weight - 1;
    putU32(b, rtnh + 4, nhc.dev?.ifindex ?? 0);
  }
  nla_nest_end(skb, mp);
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
