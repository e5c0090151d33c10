// net/core/rtnetlink.c (6.18), the statistics part: RTM_GETSTATS do (rtnl_stats_get) and dump
// (rtnl_stats_dump), RTM_SETSTATS (rtnl_stats_set) and the RTM_NEWSTATS they answer and announce
// (rtnl_fill_statsinfo, rtnl_offload_xstats_notify to RTNLGRP_STATS), with the request checks and
// extack texts of rtnl_valid_stats_req and the two policies.
//
// What a message carries is what the kernel puts for a device of the model (lo, ifb):
// IFLA_STATS_LINK_64 (struct rtnl_link_stats64: the model counts no traffic on its devices, so
// every counter is 0, which is also what a fresh namespace's lo and an ifb that was never up
// report); no IFLA_STATS_LINK_XSTATS / _XSTATS_SLAVE (neither device has rtnl_link_ops with
// fill_linkxstats, nor a master); IFLA_STATS_LINK_OFFLOAD_XSTATS with the L3 offload statistics'
// request state (HW_S_INFO) and, once requested, the L3 counters (no driver reports using them:
// USED 0, counters 0); an empty IFLA_STATS_AF_SPEC (no rtnl_af_ops with fill_stats_af: that is
// MPLS, which a stock namespace does not load).

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import {
  ERRNO,
  getS32,
  getU16,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_STRICT,
  NLA_POLICY_MAX,
  NLA_POLICY_NESTED,
  NLA_U8,
  NLA_U32,
  NLM_F_MULTI,
  NLMSG_HDRLEN,
  type NlAttr,
  type NlaPolicySet,
  nlaParse,
  nlaPolicy,
  putU32,
} from "../../uapi/index.js";
import { IF_STATS_MSG_SIZE, RTM_GETSTATS, RTM_NEWSTATS, RTM_SETSTATS, RTNLGRP_STATS } from "../../uapi/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import { type NetlinkCallback, nl_dump_check_consistent } from "../netlink/dump.js";
import {
  type NlmsghdrRef,
  nla_nest_cancel,
  nla_nest_end,
  nla_nest_start,
  nla_nest_start_noflag,
  nla_put_u8,
  nla_reserve,
  nla_total_size,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { __dev_get_by_index, dev_base_seq, for_each_netdev, type LinkDevice } from "./loopback.js";
import {
  netlink_strict_get_check,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_notify,
  rtnl_register,
  rtnl_unicast,
  skb_net,
} from "./rtnetlink.js";

// include/uapi/linux/if_link.h
export const IFLA_STATS_LINK_64 = 1;
export const IFLA_STATS_LINK_XSTATS = 2;
export const IFLA_STATS_LINK_XSTATS_SLAVE = 3;
export const IFLA_STATS_LINK_OFFLOAD_XSTATS = 4;
export const IFLA_STATS_AF_SPEC = 5;
export const IFLA_STATS_MAX = 5;
/** IFLA_STATS_FILTER_BIT(attr) */
export const IFLA_STATS_FILTER_BIT = (attr: number): number => (1 << (attr - 1)) >>> 0;
export const IFLA_STATS_GET_FILTERS = 1;
export const IFLA_STATS_SET_OFFLOAD_XSTATS_L3_STATS = 2;
export const IFLA_STATS_GETSET_MAX = 2;
export const IFLA_OFFLOAD_XSTATS_CPU_HIT = 1;
export const IFLA_OFFLOAD_XSTATS_HW_S_INFO = 2;
export const IFLA_OFFLOAD_XSTATS_L3_STATS = 3;
/** __IFLA_OFFLOAD_XSTATS_MAX */
const IFLA_OFFLOAD_XSTATS_MAX_PLUS_1 = 4;
export const IFLA_OFFLOAD_XSTATS_HW_S_INFO_REQUEST = 1;
export const IFLA_OFFLOAD_XSTATS_HW_S_INFO_USED = 2;
/** sizeof(struct rtnl_link_stats64): 25 × u64 */
const RTNL_LINK_STATS64_SIZE = 25 * 8;
/** sizeof(struct rtnl_hw_stats64): 9 × u64 */
const RTNL_HW_STATS64_SIZE = 9 * 8;

/** RTNL_STATS_OFFLOAD_XSTATS_VALID */
const RTNL_STATS_OFFLOAD_XSTATS_VALID = (1 << IFLA_OFFLOAD_XSTATS_MAX_PLUS_1) - 1;

/** rtnl_stats_get_policy_filters */
const rtnl_stats_get_policy_filters: NlaPolicySet = nlaPolicy(IFLA_STATS_MAX, {
  [IFLA_STATS_LINK_OFFLOAD_XSTATS]: { type: NLA_U32, mask: BigInt(RTNL_STATS_OFFLOAD_XSTATS_VALID) },
});
/** rtnl_stats_get_policy */
const rtnl_stats_get_policy: NlaPolicySet = nlaPolicy(IFLA_STATS_GETSET_MAX, {
  [IFLA_STATS_GET_FILTERS]: NLA_POLICY_NESTED(rtnl_stats_get_policy_filters),
});
/** ifla_stats_set_policy */
const ifla_stats_set_policy: NlaPolicySet = nlaPolicy(IFLA_STATS_GETSET_MAX, {
  [IFLA_STATS_SET_OFFLOAD_XSTATS_L3_STATS]: NLA_POLICY_MAX(NLA_U8, 1),
});

/** struct rtnl_stats_dump_filters: mask[0] is the request's filter_mask, mask[attr] the sub-filter of attr. */
interface StatsFilters {
  readonly mask: number[];
}

/** struct if_stats_msg, read from a request */
interface IfStatsMsg {
  readonly family: number;
  readonly pad1: number;
  readonly pad2: number;
  readonly ifindex: number;
  readonly filter_mask: number;
}
const if_stats_msg = (nlh: Nlmsghdr): IfStatsMsg => {
  const b = nlh.msg;
  const o = NLMSG_HDRLEN;
  return {
    family: b[o]!,
    pad1: b[o + 1]!,
    pad2: getU16(b, o + 2),
    ifindex: getS32(b, o + 4),
    filter_mask: getU32(b, o + 8),
  };
};

/** stats_attr_valid(mask, attrid, idxattr) */
const stats_attr_valid = (mask: number, attrid: number, idxattr: number): boolean =>
  (mask & IFLA_STATS_FILTER_BIT(attrid)) !== 0 && (idxattr === 0 || idxattr === attrid);

/** rtnl_valid_stats_req: the header, and under strict checking its pads, ifindex (dumps) and mask. */
const rtnl_valid_stats_req = (
  nlh: Nlmsghdr,
  strict_check: boolean,
  is_dump: boolean,
  extack: NetlinkExtAck,
): number => {
  // nlmsg_payload(nlh, sizeof(*ifsm))
  if (nlh.nlmsg_len < NLMSG_HDRLEN + IF_STATS_MSG_SIZE) {
    extack.msg = "Invalid header for stats dump";
    return -ERRNO.EINVAL;
  }
  if (!strict_check) return 0;
  const ifsm = if_stats_msg(nlh);
  // only requests using strict checks can pass data to influence the dump (filter_mask excepted)
  if (ifsm.pad1 || ifsm.pad2 || (is_dump && ifsm.ifindex)) {
    extack.msg = "Invalid values in header for stats dump request";
    return -ERRNO.EINVAL;
  }
  if (ifsm.filter_mask >= IFLA_STATS_FILTER_BIT(IFLA_STATS_MAX + 1)) {
    extack.msg = "Invalid stats requested through filter mask";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/** rtnl_stats_get_parse_filters: each sub-filter given must be for an attribute the filter_mask asks for. */
const rtnl_stats_get_parse_filters = (ifla_filters: NlAttr, filters: StatsFilters, extack: NetlinkExtAck): number => {
  // nla_parse_nested (strict): already validated by rtnl_stats_get_policy's nested policy
  const r = nlaParse(ifla_filters.data, rtnl_stats_get_policy_filters, {
    validate: NL_VALIDATE_STRICT,
    base: ifla_filters.offset + 4,
  });
  if (!r.ok) {
    Object.assign(extack, r.extack);
    return r.error;
  }
  for (let at = 1; at <= IFLA_STATS_MAX; at++) {
    const a = r.tb[at];
    if (a === undefined) continue;
    if (!(filters.mask[0]! & IFLA_STATS_FILTER_BIT(at))) {
      extack.msg = "Filtered attribute not enabled in filter_mask";
      return -ERRNO.EINVAL;
    }
    filters.mask[at] = getU32(a.data, 0);
  }
  return 0;
};

/** rtnl_stats_get_parse: the filters, every sub-filter all ones unless IFLA_STATS_GET_FILTERS says otherwise. */
const rtnl_stats_get_parse = (nlh: Nlmsghdr, filter_mask: number, extack: NetlinkExtAck): StatsFilters | number => {
  const filters: StatsFilters = { mask: [filter_mask] };
  for (let i = 1; i <= IFLA_STATS_MAX; i++) filters.mask[i] = 0xffffffff;
  // nlmsg_parse: NL_VALIDATE_STRICT whatever the socket's strict checking
  const tb = nlmsg_parse(nlh, IF_STATS_MSG_SIZE, rtnl_stats_get_policy, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const f = tb[IFLA_STATS_GET_FILTERS];
  if (f !== undefined) {
    const err = rtnl_stats_get_parse_filters(f, filters, extack);
    if (err) return err;
  }
  return filters;
};

/** rtnl_offload_xstats_get_size: the offload nest's share of the message (0 when nothing goes in it). */
const rtnl_offload_xstats_get_size = (dev: LinkDevice, off_filter_mask: number): number => {
  let nla_size = 0;
  // nla_total_size_64bit(size) of an attribute that may be empty still counts its header
  if (off_filter_mask & IFLA_STATS_FILTER_BIT(IFLA_OFFLOAD_XSTATS_CPU_HIT)) {
    // rtnl_offload_xstats_get_size_ndo: 0 without ndo_has_offload_stats (neither lo nor ifb has it)
    nla_size += nla_total_size(0);
  }
  if (off_filter_mask & IFLA_STATS_FILTER_BIT(IFLA_OFFLOAD_XSTATS_HW_S_INFO)) {
    // rtnl_offload_xstats_get_size_hw_s_info: the nest, one type's nest, REQUEST and USED
    nla_size += nla_total_size(0) + nla_total_size(0) + 2 * nla_total_size(1);
  }
  if (off_filter_mask & IFLA_STATS_FILTER_BIT(IFLA_OFFLOAD_XSTATS_L3_STATS)) {
    // rtnl_offload_xstats_get_size_stats: 0 unless the L3 statistics are enabled
    nla_size += nla_total_size(dev.offload_xstats_l3 ? RTNL_HW_STATS64_SIZE : 0);
  }
  if (nla_size !== 0) nla_size += nla_total_size(0);
  return nla_size;
};

/** if_nlmsg_stats_size: what rtnl_stats_get and the notification allocate. */
const if_nlmsg_stats_size = (dev: LinkDevice, filters: StatsFilters): number => {
  const filter_mask = filters.mask[0]!;
  let size = IF_STATS_MSG_SIZE;
  if (stats_attr_valid(filter_mask, IFLA_STATS_LINK_64, 0)) size += nla_total_size(RTNL_LINK_STATS64_SIZE);
  if (stats_attr_valid(filter_mask, IFLA_STATS_LINK_OFFLOAD_XSTATS, 0)) {
    size += rtnl_offload_xstats_get_size(dev, filters.mask[IFLA_STATS_LINK_OFFLOAD_XSTATS]!);
  }
  if (stats_attr_valid(filter_mask, IFLA_STATS_AF_SPEC, 0)) size += nla_total_size(0);
  return size;
};

/** rtnl_offload_xstats_fill_hw_s_info: {HW_S_INFO: {L3_STATS: {REQUEST, USED}}} */
const rtnl_offload_xstats_fill_hw_s_info = (skb: SkBuff, dev: LinkDevice): number => {
  const nest = nla_nest_start(skb, IFLA_OFFLOAD_XSTATS_HW_S_INFO);
  if (nest === null) return -ERRNO.EMSGSIZE;
  // rtnl_offload_xstats_fill_hw_s_info_one(skb, dev, NETDEV_OFFLOAD_XSTATS_TYPE_L3)
  const one = nla_nest_start(skb, IFLA_OFFLOAD_XSTATS_L3_STATS);
  if (
    one === null ||
    nla_put_u8(skb, IFLA_OFFLOAD_XSTATS_HW_S_INFO_REQUEST, dev.offload_xstats_l3 ? 1 : 0) ||
    nla_put_u8(skb, IFLA_OFFLOAD_XSTATS_HW_S_INFO_USED, 0)
  ) {
    nla_nest_cancel(skb, nest);
    return -ERRNO.EMSGSIZE;
  }
  nla_nest_end(skb, one);
  nla_nest_end(skb, nest);
  return 0;
};

/** The dump's place inside one device's message: the attribute (idxattr) and its part (prividx) it stopped at. */
interface StatsCursor {
  idxattr: number;
  prividx: number;
}

/**
 * rtnl_offload_xstats_fill: CPU_HIT (no device of the model has the ndo: -ENODATA), HW_S_INFO,
 * then L3_STATS when requested on the device. -ENODATA when nothing went in.
 */
const rtnl_offload_xstats_fill = (skb: SkBuff, dev: LinkDevice, c: StatsCursor, off_filter_mask: number): number => {
  let have_data = false;
  if (
    c.prividx <= IFLA_OFFLOAD_XSTATS_HW_S_INFO &&
    off_filter_mask & IFLA_STATS_FILTER_BIT(IFLA_OFFLOAD_XSTATS_HW_S_INFO)
  ) {
    c.prividx = IFLA_OFFLOAD_XSTATS_HW_S_INFO;
    const err = rtnl_offload_xstats_fill_hw_s_info(skb, dev);
    if (err) return err;
    have_data = true;
    c.prividx = 0;
  }
  if (
    c.prividx <= IFLA_OFFLOAD_XSTATS_L3_STATS &&
    off_filter_mask & IFLA_STATS_FILTER_BIT(IFLA_OFFLOAD_XSTATS_L3_STATS)
  ) {
    c.prividx = IFLA_OFFLOAD_XSTATS_L3_STATS;
    // rtnl_offload_xstats_get_size_stats: 0 unless the L3 statistics are enabled on the device
    if (dev.offload_xstats_l3) {
      // nla_reserve_64bit (no pad attribute on x86-64) of struct rtnl_hw_stats64: nothing counted
      if (nla_reserve(skb, IFLA_OFFLOAD_XSTATS_L3_STATS, RTNL_HW_STATS64_SIZE) === null) return -ERRNO.EMSGSIZE;
      have_data = true;
    }
    c.prividx = 0;
  }
  if (!have_data) return -ERRNO.ENODATA;
  c.prividx = 0;
  return 0;
};

/** The attributes of rtnl_fill_statsinfo after the header, in the kernel's order; 0 or a negative errno. */
const fill_stats_attrs = (skb: SkBuff, dev: LinkDevice, filters: StatsFilters, c: StatsCursor): number => {
  const filter_mask = filters.mask[0]!;
  if (stats_attr_valid(filter_mask, IFLA_STATS_LINK_64, c.idxattr)) {
    // nla_reserve_64bit; dev_get_stats: the model counts no traffic
    if (nla_reserve(skb, IFLA_STATS_LINK_64, RTNL_LINK_STATS64_SIZE) === null) return -ERRNO.EMSGSIZE;
  }
  // IFLA_STATS_LINK_XSTATS / _XSTATS_SLAVE: no rtnl_link_ops->fill_linkxstats, no master
  if (stats_attr_valid(filter_mask, IFLA_STATS_LINK_OFFLOAD_XSTATS, c.idxattr)) {
    c.idxattr = IFLA_STATS_LINK_OFFLOAD_XSTATS;
    const attr = nla_nest_start_noflag(skb, IFLA_STATS_LINK_OFFLOAD_XSTATS);
    if (attr === null) return -ERRNO.EMSGSIZE;
    const err = rtnl_offload_xstats_fill(skb, dev, c, filters.mask[IFLA_STATS_LINK_OFFLOAD_XSTATS]!);
    if (err === -ERRNO.ENODATA) nla_nest_cancel(skb, attr);
    else nla_nest_end(skb, attr);
    if (err && err !== -ERRNO.ENODATA) return err;
    c.idxattr = 0;
  }
  if (stats_attr_valid(filter_mask, IFLA_STATS_AF_SPEC, c.idxattr)) {
    c.idxattr = IFLA_STATS_AF_SPEC;
    const attr = nla_nest_start_noflag(skb, IFLA_STATS_AF_SPEC);
    if (attr === null) return -ERRNO.EMSGSIZE;
    // no rtnl_af_ops with fill_stats_af (MPLS has one; a stock namespace has no MPLS)
    nla_nest_end(skb, attr);
    c.idxattr = 0;
  }
  return 0;
};

/**
 * rtnl_fill_statsinfo: one RTM_NEWSTATS. On failure a dump's message that made progress
 * (prividx moved) is ended as it is, for the next round to go on from the cursor; otherwise it is
 * cancelled.
 */
const rtnl_fill_statsinfo = (
  skb: SkBuff,
  dev: LinkDevice,
  type: number,
  pid: number,
  seq: number,
  flags: number,
  filters: StatsFilters,
  c: StatsCursor,
): number => {
  const s_prividx = c.prividx;
  const nlh: NlmsghdrRef | null = nlmsg_put(skb, pid, seq, type, IF_STATS_MSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ifsm = nlmsg_data(nlh);
  const b = skb.head;
  b.fill(0, ifsm, ifsm + 4); // family PF_UNSPEC, pad1, pad2
  putU32(b, ifsm + 4, dev.ifindex);
  putU32(b, ifsm + 8, filters.mask[0]!);
  const err = fill_stats_attrs(skb, dev, filters, c);
  if (err < 0) {
    // not a multi message or no progress mean a real error
    if (!(flags & NLM_F_MULTI) || s_prividx === c.prividx) nlmsg_cancel(skb, nlh);
    else nlmsg_end(skb, nlh);
    return err;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** rtnl_stats_get: RTM_GETSTATS do, for the device ifindex names. */
const rtnl_stats_get: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const err = rtnl_valid_stats_req(nlh, netlink_strict_get_check(skb), false, extack);
  if (err) return err;
  const ifsm = if_stats_msg(nlh);
  if (ifsm.ifindex <= 0) return -ERRNO.EINVAL;
  const dev = __dev_get_by_index(net, ifsm.ifindex);
  if (dev === undefined) return -ERRNO.ENODEV;
  if (!ifsm.filter_mask) {
    extack.msg = "Filter mask must be set for stats get";
    return -ERRNO.EINVAL;
  }
  const filters = rtnl_stats_get_parse(nlh, ifsm.filter_mask, extack);
  if (typeof filters === "number") return filters;
  // GFP_KERNEL in the kernel (process context); atomic here, as rtnl_getlink does
  const nskb = nlmsg_new(if_nlmsg_stats_size(dev, filters), GFP_ATOMIC);
  const e = rtnl_fill_statsinfo(nskb, dev, RTM_NEWSTATS, skb.cb.portid, nlh.nlmsg_seq, 0, filters, {
    idxattr: 0,
    prividx: 0,
  });
  if (e < 0) {
    kfree_skb(nskb);
    return e;
  }
  return Math.min(rtnl_unicast(nskb, net, skb.cb.portid), 0);
};

/**
 * rtnl_stats_dump: RTM_GETSTATS dump over every device. cb.args[0] is the next ifindex
 * (for_each_netdev_dump's cursor), args[1] and args[2] the idxattr and prividx a device's message
 * stopped at.
 */
const rtnl_stats_dump: RtnlDumpitFunc = (skb, cb: NetlinkCallback) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const extack = cb.extack ?? {};
  cb.seq = dev_base_seq(net);
  let err = rtnl_valid_stats_req(cb.nlh, cb.strict_check, true, extack);
  if (err) return err;
  const ifsm = if_stats_msg(cb.nlh);
  if (!ifsm.filter_mask) {
    extack.msg = "Filter mask must be set for stats dump";
    return -ERRNO.EINVAL;
  }
  const filters = rtnl_stats_get_parse(cb.nlh, ifsm.filter_mask, extack);
  if (typeof filters === "number") return filters;
  const c: StatsCursor = { idxattr: cb.args[1] ?? 0, prividx: cb.args[2] ?? 0 };
  err = 0;
  for (const dev of for_each_netdev(net)) {
    if (dev.ifindex < (cb.args[0] ?? 0)) continue;
    cb.args[0] = dev.ifindex;
    err = rtnl_fill_statsinfo(skb, dev, RTM_NEWSTATS, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI, filters, c);
    if (err < 0) break;
    c.prividx = 0;
    c.idxattr = 0;
    nl_dump_check_consistent(cb, { skb, off: skb.data_off });
  }
  cb.args[1] = c.idxattr;
  cb.args[2] = c.prividx;
  return err;
};

/** rtnl_offload_xstats_notify: RTM_NEWSTATS with the device's offload request state to RTNLGRP_STATS. */
const rtnl_offload_xstats_notify = (net: Net, dev: LinkDevice): void => {
  const filters: StatsFilters = { mask: [IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_OFFLOAD_XSTATS), 0, 0, 0, 0, 0] };
  filters.mask[IFLA_STATS_LINK_OFFLOAD_XSTATS] = IFLA_STATS_FILTER_BIT(IFLA_OFFLOAD_XSTATS_HW_S_INFO);
  const skb = nlmsg_new(if_nlmsg_stats_size(dev, filters), GFP_ATOMIC);
  if (rtnl_fill_statsinfo(skb, dev, RTM_NEWSTATS, 0, 0, 0, filters, { idxattr: 0, prividx: 0 }) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_STATS, null);
};

/**
 * rtnl_stats_set: RTM_SETSTATS. IFLA_STATS_SET_OFFLOAD_XSTATS_L3_STATS turns the device's L3 offload
 * statistics on (1) or off (0): netdev_offload_xstats_enable/disable, -EALREADY when there is
 * nothing to change (taken as success, without a notification).
 */
const rtnl_stats_set: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const err = rtnl_valid_stats_req(nlh, netlink_strict_get_check(skb), false, extack);
  if (err) return err;
  const ifsm = if_stats_msg(nlh);
  if (ifsm.family !== 0) {
    extack.msg = "Address family should be AF_UNSPEC";
    return -ERRNO.EINVAL;
  }
  if (ifsm.ifindex <= 0) return -ERRNO.EINVAL;
  const dev = __dev_get_by_index(net, ifsm.ifindex);
  if (dev === undefined) return -ERRNO.ENODEV;
  if (ifsm.filter_mask) {
    extack.msg = "Filter mask must be 0 for stats set";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(nlh, IF_STATS_MSG_SIZE, ifla_stats_set_policy, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const a = tb[IFLA_STATS_SET_OFFLOAD_XSTATS_L3_STATS];
  if (a === undefined) return 0;
  const req = a.data[0] !== 0;
  // netdev_offload_xstats_enable / _disable: -EALREADY when already in that state
  if (req === (dev.offload_xstats_l3 === true)) return 0;
  dev.offload_xstats_l3 = req;
  rtnl_offload_xstats_notify(net, dev);
  return 0;
};

/** rtnetlink_init's RTM_GETSTATS / RTM_SETSTATS handlers */
export const rtnl_stats_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_GETSTATS, rtnl_stats_get, rtnl_stats_dump);
  rtnl_register(net, 0, RTM_SETSTATS, rtnl_stats_set, null);
};
