// net/ipv4/route.c (6.18), the part a fresh network namespace answers: RTM_GETROUTE do
// (inet_rtm_getroute, inet_rtm_valid_getroute_req, rt_fill_info). With lo down and no address,
// the only routes the kernel resolves are the ones that need no FIB entry: an output lookup of
// 0.0.0.0 (ip_route_output_key_hash_rcu makes it a local route to 127.0.0.1 over lo) and an
// input lookup on lo from 0.0.0.0 to 0.0.0.0 or 255.255.255.255 (brd_input). Every other output
// lookup finds no route (ENETUNREACH); other input lookups, and any lookup once IPv4 routes
// exist, are not modelled (logged, EOPNOTSUPP).

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO, getU32, NL_VALIDATE_DEPRECATED_STRICT, NL_VALIDATE_LIBERAL, putU32 } from "../../uapi/index.js";
import { AF_INET_RT, RTM_GETROUTE, RTM_NEWROUTE, RTMSG_SIZE } from "../../uapi/rtnetlink.js";
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
  RTA_CACHEINFO,
  RTA_DPORT,
  RTA_DST,
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
import { fib_tables } from "./fib_trie.js";

// route types and flags (rtnetlink.h, in_route.h)
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
const RTCF_NOTIFY = 0x10000;
const RTCF_BROADCAST = 0x10000000;
const RTCF_LOCAL = 0x80000000;
const RT_TABLE_MAIN = 254;
const INADDR_LOOPBACK = 0x7f000001;
const INADDR_BROADCAST = 0xffffffff;

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

/** The route a lookup resolved: what rt_fill_info reads of it */
interface Rtable {
  readonly type: number;
  readonly rt_flags: number;
  readonly dev: LinkDevice;
  readonly input: boolean;
  readonly saddr: number;
}

/** rt_fill_info: RTM_NEWROUTE for the resolved route, attributes in the kernel's order */
const rt_fill_info = (
  skb: SkBuff,
  rt: Rtable,
  table_id: number,
  dst: number,
  src: number,
  tos: number,
  mark: number,
  uid: number,
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
  b[r + 3] = tos;
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
  if (!rt.input && rt.saddr !== src && nla_put(skb, RTA_PREFSRC, in_addr(rt.saddr))) return fail();
  if (mark && nla_put_u32(skb, RTA_MARK, mark)) return fail();
  // an input lookup's uid is INVALID_UID, which is not put
  if (!rt.input && nla_put_u32(skb, RTA_UID, uid)) return fail();
  if (rt.input && nla_put_u32(skb, RTA_IIF, rt.dev.ifindex)) return fail();
  // rtnl_put_cacheinfo: {clntref 1, lastuse, expires, error, used, id, ts, tsage}, a route just made
  const ci = new Uint8Array(32);
  putU32(ci, 0, 1);
  if (nla_put(skb, RTA_CACHEINFO, ci)) return fail();
  nlmsg_end(skb, nlh);
  return 0;
};

/** inet_rtm_getroute: RTM_GETROUTE do for AF_INET */
export const inet_rtm_getroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = inet_rtm_valid_getroute_req(skb, nlh, extack);
  if (typeof tb === "number") return tb;
  const rtm = rtmsg(nlh.msg);
  const src = be32(tb[RTA_SRC]);
  const dst = be32(tb[RTA_DST]);
  const iif = tb[RTA_IIF] === undefined ? 0 : getU32(tb[RTA_IIF]!.data, 0);
  const oif = tb[RTA_OIF] === undefined ? 0 : getU32(tb[RTA_OIF]!.data, 0);
  const mark = tb[RTA_MARK] === undefined ? 0 : getU32(tb[RTA_MARK]!.data, 0);
  const uid = tb[RTA_UID] === undefined ? skb.creds.uid : getU32(tb[RTA_UID]!.data, 0);
  let rt: Rtable;
  // the answers below are those of a namespace without IPv4 routes; with any table the model would
  // have to do the real lookup (fib_lookup, the output route's source address), which it does not
  if (fib_tables(net).some((t) => t.aliases.length > 0)) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: ipv4 route lookups with routes present are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  if (iif) {
    const dev = __dev_get_by_index(net, iif);
    if (dev === undefined) return -ERRNO.ENODEV;
    // ip_route_input_slow: a limited broadcast, or 0.0.0.0 → 0.0.0.0, is brd_input
    if (src === 0 && (dst === 0 || dst === INADDR_BROADCAST)) {
      rt = { type: RTN_BROADCAST, rt_flags: RTCF_BROADCAST | RTCF_LOCAL, dev, input: true, saddr: src };
    } else {
      net.kernel?.printk(`${KERN_NOTICE}nlsim: ipv4 input route lookups other than broadcast are not modelled`);
      return -ERRNO.EOPNOTSUPP;
    }
  } else {
    // ip_route_output_key_hash_rcu
    if (src) {
      if (ipv4_is_multicast(src) || src === INADDR_BROADCAST || src >>> 24 === 0) return -ERRNO.EINVAL;
      // __ip_dev_find: no device has an address
      return -ERRNO.ENETUNREACH;
    }
    if (oif) {
      const dev = __dev_get_by_index(net, oif);
      if (dev === undefined) return -ERRNO.ENODEV;
      // the device is down
      return -ERRNO.ENETUNREACH;
    }
    const lo = __dev_get_by_index(net, 1);
    if (dst !== 0 || lo === undefined) return -ERRNO.ENETUNREACH; // fib_lookup: no table has a route
    rt = { type: RTN_LOCAL, rt_flags: RTCF_LOCAL, dev: lo, input: false, saddr: INADDR_LOOPBACK };
  }
  if (rtm.flags & RTM_F_NOTIFY) rt = { ...rt, rt_flags: rt.rt_flags | RTCF_NOTIFY };
  // RTM_F_FIB_MATCH: neither route comes from a FIB entry (res.fi is NULL), and local and broadcast
  // routes carry no error of their own
  if (rtm.flags & RTM_F_FIB_MATCH) return -ERRNO.EHOSTUNREACH;
  const table_id = rtm.flags & RTM_F_LOOKUP_TABLE ? 0 : RT_TABLE_MAIN;
  const nskb = nlmsg_new(512, GFP_ATOMIC);
  const err = rt_fill_info(nskb, rt, table_id, dst, src, rtm.tos, mark, uid, skb.cb.portid, nlh.nlmsg_seq);
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
