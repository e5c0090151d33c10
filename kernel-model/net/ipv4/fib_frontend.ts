// net/ipv4/fib_frontend.c (6.18), the part a fresh network namespace answers: the RTM_GETROUTE
// dump (inet_dump_fib) with its request check (ip_valid_fib_dump_req, which IPv6 shares), over
// FIB tables that do not exist yet: with CONFIG_IP_MULTIPLE_TABLES the local and main tables are
// made by the first route added to them, and a namespace whose lo is down has none. Adding and
// deleting routes (RTM_NEWROUTE/DELROUTE) is not modelled.

import {
  ERRNO,
  getU32,
  NL_VALIDATE_DEPRECATED_STRICT,
  NLA_BE32,
  NLA_NESTED,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLM_F_DUMP_FILTERED,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import { AF_INET_RT, RTM_GETROUTE, RTMSG_SIZE } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index } from "../core/loopback.js";
import {
  nlmsg_len,
  nlmsg_parse,
  type RtnlDumpitFunc,
  rtnl_msg_family,
  rtnl_register,
  skb_net,
} from "../core/rtnetlink.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import type { Net } from "../netlink/table.js";

// include/uapi/linux/rtnetlink.h: enum rtattr_type_t
export const RTA_DST = 1;
export const RTA_SRC = 2;
export const RTA_IIF = 3;
export const RTA_OIF = 4;
export const RTA_GATEWAY = 5;
export const RTA_PRIORITY = 6;
export const RTA_PREFSRC = 7;
export const RTA_METRICS = 8;
export const RTA_MULTIPATH = 9;
export const RTA_FLOW = 11;
export const RTA_CACHEINFO = 12;
export const RTA_TABLE = 15;
export const RTA_MARK = 16;
export const RTA_PREF = 20;
export const RTA_ENCAP_TYPE = 21;
export const RTA_ENCAP = 22;
export const RTA_EXPIRES = 23;
export const RTA_UID = 25;
export const RTA_IP_PROTO = 27;
export const RTA_SPORT = 28;
export const RTA_DPORT = 29;
export const RTA_NH_ID = 30;
export const RTA_FLOWLABEL = 31;
export const RTA_MAX = 31;

// rtm_flags
export const RTM_F_NOTIFY = 0x100;
export const RTM_F_CLONED = 0x200;
export const RTM_F_PREFIX = 0x800;
export const RTM_F_LOOKUP_TABLE = 0x1000;
export const RTM_F_FIB_MATCH = 0x2000;

/** rtm_ipv4_policy (strict from RTA_DPORT + 1 on) */
export const rtm_ipv4_policy: NlaPolicySet = nlaPolicy(
  RTA_MAX,
  {
    [RTA_DST]: { type: NLA_U32 },
    [RTA_SRC]: { type: NLA_U32 },
    [RTA_IIF]: { type: NLA_U32 },
    [RTA_OIF]: { type: NLA_U32 },
    [RTA_GATEWAY]: { type: NLA_U32 },
    [RTA_PRIORITY]: { type: NLA_U32 },
    [RTA_PREFSRC]: { type: NLA_U32 },
    [RTA_METRICS]: { type: NLA_NESTED },
    [RTA_MULTIPATH]: { type: 0 /* NLA_UNSPEC */, len: 8 /* sizeof(struct rtnexthop) */ },
    [RTA_FLOW]: { type: NLA_U32 },
    [RTA_ENCAP_TYPE]: { type: NLA_U16 },
    [RTA_ENCAP]: { type: NLA_NESTED },
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

/** struct rtmsg, read from a request (zeros past a short payload) */
export interface Rtmsg {
  readonly family: number;
  readonly dst_len: number;
  readonly src_len: number;
  readonly tos: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly flags: number;
}
export const rtmsg = (msg: Uint8Array): Rtmsg => {
  const b = new Uint8Array(RTMSG_SIZE);
  b.set(msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + RTMSG_SIZE));
  return {
    family: b[0]!,
    dst_len: b[1]!,
    src_len: b[2]!,
    tos: b[3]!,
    table: b[4]!,
    protocol: b[5]!,
    scope: b[6]!,
    type: b[7]!,
    flags: getU32(b, 8),
  };
};

/** struct fib_dump_filter */
export interface FibDumpFilter {
  table_id: number;
  filter_set: boolean;
  flags: number;
  protocol: number;
  rt_type: number;
  dev: number;
}
export const fib_dump_filter = (): FibDumpFilter => ({
  table_id: 0,
  filter_set: false,
  flags: 0,
  protocol: 0,
  rt_type: 0,
  dev: 0,
});

/**
 * ip_valid_fib_dump_req: a strict route dump request is a clean rtmsg (table, protocol, type and
 * the CLONED/PREFIX flags filter) with at most RTA_TABLE and RTA_OIF; a filter marks the dump
 * NLM_F_DUMP_FILTERED.
 */
export const ip_valid_fib_dump_req = (net: Net, filter: FibDumpFilter, cb: NetlinkCallback): number => {
  const extack = cb.extack ?? {};
  const nlh = cb.nlh;
  if (nlmsg_len(nlh) < RTMSG_SIZE) {
    extack.msg = "Invalid header for FIB dump request";
    return -ERRNO.EINVAL;
  }
  const rtm = rtmsg(nlh.msg);
  if (rtm.dst_len || rtm.src_len || rtm.tos || rtm.scope) {
    extack.msg = "Invalid values in header for FIB dump request";
    return -ERRNO.EINVAL;
  }
  if (rtm.flags & ~(RTM_F_CLONED | RTM_F_PREFIX)) {
    extack.msg = "Invalid flags for FIB dump request";
    return -ERRNO.EINVAL;
  }
  filter.flags = rtm.flags;
  filter.protocol = rtm.protocol;
  filter.rt_type = rtm.type;
  filter.table_id = rtm.table;
  const tb = nlmsg_parse(nlh, RTMSG_SIZE, rtm_ipv4_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= RTA_MAX; i++) {
    const a = tb[i];
    if (a === undefined) continue;
    if (i === RTA_TABLE) filter.table_id = getU32(a.data, 0);
    else if (i === RTA_OIF) {
      const ifindex = getU32(a.data, 0);
      if (__dev_get_by_index(net, ifindex) === undefined) return -ERRNO.ENODEV;
      filter.dev = ifindex;
    } else {
      extack.msg = "Unsupported attribute in dump request";
      return -ERRNO.EINVAL;
    }
  }
  if (filter.flags || filter.protocol || filter.rt_type || filter.table_id || filter.dev) {
    filter.filter_set = true;
    cb.answer_flags = NLM_F_DUMP_FILTERED;
  }
  return 0;
};

/** fib_get_table(net, id): the namespace's IPv4 FIB tables (none until a route is added) */
export const fib_get_table = (_net: Net, _id: number): undefined => undefined;

/** inet_dump_fib: RTM_GETROUTE dump for AF_INET; there are no tables, so nothing to put. */
export const inet_dump_fib: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const filter = fib_dump_filter();
  if (cb.strict_check) {
    const err = ip_valid_fib_dump_req(net, filter, cb);
    if (err < 0) return err;
  } else if (nlmsg_len(cb.nlh) >= RTMSG_SIZE) {
    filter.flags = rtmsg(cb.nlh.msg).flags & (RTM_F_PREFIX | RTM_F_CLONED);
  }
  // ipv4 does not use the prefix flag
  if (filter.flags & RTM_F_PREFIX) return skb.len;
  if (filter.table_id) {
    if (fib_get_table(net, filter.table_id) === undefined) {
      if (rtnl_msg_family(cb.nlh) !== AF_INET_RT) return skb.len;
      (cb.extack ?? {}).msg = "ipv4: FIB table does not exist";
      return -ERRNO.ENOENT;
    }
  }
  return skb.len;
};

/** ip_fib_init's handlers: the AF_INET route dump (RTM_GETROUTE do is in route.ts) */
export const ip_fib_net_init = (net: Net): void => {
  rtnl_register(net, AF_INET_RT, RTM_GETROUTE, null, inet_dump_fib);
};
