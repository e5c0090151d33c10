// net/ipv6/route.c and ip6_fib.c (6.18), the part a namespace with only lo answers: RTM_GETROUTE
// do (inet6_rtm_getroute, inet6_rtm_valid_getroute_req) and dump (inet6_dump_fib), and the routes
// addrconf adds for lo's ::1 (ip6_ins_rt / ip6_del_rt, announced by inet6_rt_notify to
// RTNLGRP_IPV6_ROUTE, rt6_fill_node). With lo down the main and local tables hold only the null
// entry, which a dump skips and a lookup answers with its error, ENETUNREACH. RTM_NEWROUTE and
// RTM_DELROUTE for IPv6, and lookups once a route exists, are not modelled.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  getU32,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_BE32,
  NLA_NESTED,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLM_F_CREATE,
  NLM_F_DUMP_FILTERED,
  NLM_F_EXCL,
  NLM_F_MULTI,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import {
  AF_INET6,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTMSG_SIZE,
  RTNLGRP_IPV6_ROUTE,
} from "../../uapi/rtnetlink.js";
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
  RTM_F_FIB_MATCH,
  RTM_F_PREFIX,
  rtmsg,
} from "../ipv4/fib_frontend.js";
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
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

/** rtm_ipv6_policy (strict from RTA_DPORT + 1 on) */
const rtm_ipv6_policy: NlaPolicySet = nlaPolicy(
  RTA_MAX,
  {
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

const RT6_TABLE_MAIN = 254;
const RT6_TABLE_LOCAL = 255;

/** fib6_get_table: main and local exist from fib6_net_init on (CONFIG_IPV6_MULTIPLE_TABLES) */
const fib6_get_table = (_net: Net, id: number): boolean => id === RT6_TABLE_MAIN || id === RT6_TABLE_LOCAL;

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

/**
 * inet6_rtm_getroute: RTM_GETROUTE do for AF_INET6. An unknown RTA_IIF is ENODEV; every lookup
 * ends at the null entry (ENETUNREACH): with lo down there is no route, not even to ::1.
 */
export const inet6_rtm_getroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = inet6_rtm_valid_getroute_req(skb, nlh, extack);
  if (typeof tb === "number") return tb;
  const iif = tb[RTA_IIF];
  if (iif !== undefined && getU32(iif.data, 0) !== 0 && __dev_get_by_index(net, getU32(iif.data, 0)) === undefined)
    return -ERRNO.ENODEV;
  if (rt6_list(net).length > 0) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: ipv6 route lookups with routes present are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  return -ERRNO.ENETUNREACH;
};

/** struct fib6_info, as far as the kernel's own routes for lo need it (no gateway) */
export interface Rt6Info {
  readonly dst: Uint8Array;
  readonly dst_len: number;
  readonly table: number;
  readonly protocol: number;
  readonly type: number;
  readonly metric: number;
  readonly dev: LinkDevice;
}

const rt6_lists = new WeakMap<Net, Rt6Info[]>();
const rt6_list = (net: Net): Rt6Info[] => {
  let l = rt6_lists.get(net);
  if (l === undefined) {
    l = [];
    rt6_lists.set(net, l);
  }
  return l;
};

/** rt6_fill_node: rtmsg, RTA_TABLE, RTA_DST, RTA_PRIORITY, RTA_OIF, RTA_CACHEINFO (all zero), RTA_PREF */
const rt6_fill_node = (skb: SkBuff, rt: Rt6Info, portid: number, seq: number, event: number, flags: number): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, RTMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const rtm = nlmsg_data(nlh);
  const b = skb.head;
  b[rtm] = AF_INET6;
  b[rtm + 1] = rt.dst_len;
  b[rtm + 4] = rt.table < 256 ? rt.table : 252;
  b[rtm + 5] = rt.protocol;
  b[rtm + 6] = 0; // RT_SCOPE_UNIVERSE
  b[rtm + 7] = rt.type;
  if (
    nla_put_u32(skb, RTA_TABLE, rt.table) ||
    (rt.dst_len && nla_put(skb, RTA_DST, rt.dst)) ||
    nla_put_u32(skb, RTA_PRIORITY, rt.metric) ||
    nla_put_u32(skb, RTA_OIF, rt.dev.ifindex) ||
    nla_put(skb, RTA_CACHEINFO, new Uint8Array(32)) ||
    nla_put_u8(skb, RTA_PREF, 0)
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** inet6_rt_notify(event, rt, info, nlm_flags): to RTNLGRP_IPV6_ROUTE */
const inet6_rt_notify = (net: Net, event: number, rt: Rt6Info, nlm_flags: number): void => {
  const skb = nlmsg_new(256, GFP_ATOMIC);
  if (rt6_fill_node(skb, rt, 0, 0, event, nlm_flags) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV6_ROUTE, null);
};

/** ip6_ins_rt (fib6_add): the route joins its table, announced with NLM_F_EXCL | NLM_F_CREATE */
export const ip6_ins_rt = (net: Net, rt: Rt6Info): void => {
  rt6_list(net).push(rt);
  inet6_rt_notify(net, RTM_NEWROUTE, rt, NLM_F_EXCL | NLM_F_CREATE);
};

/** ip6_del_rt (fib6_del): the route leaves, announced */
export const ip6_del_rt = (net: Net, rt: Rt6Info): void => {
  const l = rt6_list(net);
  const i = l.indexOf(rt);
  if (i < 0) return;
  l.splice(i, 1);
  inet6_rt_notify(net, RTM_DELROUTE, rt, 0);
};

/**
 * inet6_dump_fib: RTM_GETROUTE dump for AF_INET6 over the routes above (cb->args[0] the next
 * one). A round that put something reports it, so NLMSG_DONE comes in a round of its own.
 */
export const inet6_dump_fib: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const filter = fib_dump_filter();
  if (cb.strict_check) {
    const err = ip_valid_fib_dump_req(net, filter, cb);
    if (err < 0) return err;
  } else if (nlmsg_len(cb.nlh) >= RTMSG_SIZE) {
    if (rtmsg(cb.nlh.msg).flags & RTM_F_PREFIX) filter.flags = RTM_F_PREFIX;
  }
  if (filter.table_id && !fib6_get_table(net, filter.table_id)) {
    if (rtnl_msg_family(cb.nlh) !== AF_INET6) return skb.len;
    (cb.extack ?? {}).msg = "ipv6: FIB table does not exist";
    return -ERRNO.ENOENT;
  }
  if (filter.flags & RTM_F_PREFIX) return skb.len;
  const l = rt6_list(net);
  for (let i = cb.args[0]!; i < l.length; i++) {
    const rt = l[i]!;
    if (filter.table_id && rt.table !== filter.table_id) {
      cb.args[0] = i + 1;
      continue;
    }
    const flags = NLM_F_MULTI | (filter.filter_set ? NLM_F_DUMP_FILTERED : 0);
    if (rt6_fill_node(skb, rt, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWROUTE, flags) < 0) return skb.len;
    cb.args[0] = i + 1;
  }
  return skb.len;
};

/** ip6_route_init's handlers */
export const ip6_route_net_init = (net: Net): void => {
  rtnl_register(net, AF_INET6, RTM_GETROUTE, inet6_rtm_getroute, inet6_dump_fib);
};
