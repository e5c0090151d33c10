// net/ipv6/route.c and ip6_fib.c (6.18), the part a fresh network namespace answers: RTM_GETROUTE
// do (inet6_rtm_getroute, inet6_rtm_valid_getroute_req) and dump (inet6_dump_fib). With lo down
// the main and local tables hold only the null entry, which a dump skips and a lookup answers
// with its error, ENETUNREACH. Adding and deleting routes is not modelled.

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
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import { AF_INET6, RTM_GETROUTE, RTMSG_SIZE } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index } from "../core/loopback.js";
import {
  type IflaTb,
  netlink_strict_get_check,
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_msg_family,
  rtnl_register,
  skb_net,
} from "../core/rtnetlink.js";
import {
  fib_dump_filter,
  ip_valid_fib_dump_req,
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
  return -ERRNO.ENETUNREACH;
};

/** inet6_dump_fib: RTM_GETROUTE dump for AF_INET6; the tables hold nothing a dump shows. */
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
  return skb.len;
};

/** ip6_route_init's handlers */
export const ip6_route_net_init = (net: Net): void => {
  rtnl_register(net, AF_INET6, RTM_GETROUTE, inet6_rtm_getroute, inet6_dump_fib);
};
