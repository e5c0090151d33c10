// net/ipv4/nexthop.c (6.18): nexthop objects. RTM_NEWNEXTHOP (rtm_new_nexthop: rtm_to_nh_config,
// nh_check_attr_group, rtm_to_nh_config_rtnl, nexthop_add with nexthop_create / nh_create_ipv4 /
// nh_create_ipv6 / nexthop_create_group, insert_nexthop and replace_nexthop), RTM_DELNEXTHOP
// (rtm_del_nexthop, remove_nexthop and the groups it shrinks), RTM_GETNEXTHOP do and dump
// (nh_fill_node, the dump filters), the notifications to RTNLGRP_NEXTHOP (nexthop_notify) and
// the flush of a device's nexthops when it goes down or away (nh_netdev_event). The tree and the
// structures are in nexthop_h.ts (include/net/nexthop.h). Not modelled, logged and refused with
// -EOPNOTSUPP: resilient groups (and RTM_GETNEXTHOPBUCKET), IPv6 gateways, encapsulation (NHA_ENCAP)
// and ONLINK gateways; a nexthop notifier chain (no driver registers one here).

import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  getU16,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_STRICT,
  NLA_BINARY,
  NLA_FLAG,
  NLA_HDRLEN,
  NLA_NESTED,
  NLA_U16,
  NLA_U32,
  NLM_F_CREATE,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  NLMSG_HDRLEN,
  type NlAttr,
  type NlaPolicySet,
  nlaParse,
  nlaPolicy,
  putU32,
} from "../../uapi/index.js";
import {
  AF_INET_RT,
  AF_INET6,
  IFF_LOOPBACK,
  IFF_LOWER_UP,
  IFF_RUNNING,
  IFF_UP,
  NHMSG_SIZE,
  RTM_DELNEXTHOP,
  RTM_GETNEXTHOP,
  RTM_NEWNEXTHOP,
  RTNLGRP_NEXTHOP,
} from "../../uapi/rtnetlink.js";
import { NETDEV_CHANGE, NETDEV_DOWN, NETDEV_UNREGISTER, register_netdevice_notifier } from "../core/dev_api.js";
import { __dev_get_by_index, type LinkDevice } from "../core/loopback.js";
import {
  type IflaTb,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_notify,
  rtnl_register,
  rtnl_unicast,
  skb_net,
} from "../core/rtnetlink.js";
import { rt6_chk_addr } from "../ipv6/route.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import {
  nla_nest_cancel,
  nla_nest_end,
  nla_nest_start,
  nla_put,
  nla_put_flag,
  nla_put_u16,
  nla_put_u32,
  nla_put_u64_64bit,
  nla_total_size,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../netlink/nlmsg.js";
import { alloc_skb, kfree_skb, NLMSG_GOODSIZE, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { be32_bytes } from "./devinet.js";
import { fib_lookup } from "./fib_rules.js";
import {
  type FibNh,
  fib_check_nexthop,
  fib_check_nh,
  RT_SCOPE_LINK,
  RT_TABLE_MAIN,
  RTNH_F_LINKDOWN,
  RTNH_F_ONLINK,
} from "./fib_semantics.js";
import { fib_flush, fib_info_notify_update, fib_lookup_gw } from "./fib_trie.js";
import {
  type Nexthop,
  type NhGroup,
  type NhGrpEntry,
  type NhInfo,
  type NhResBucket,
  type NhResTable,
  net_nexthop,
  nexthop_find_by_id,
  nexthop_get,
  nexthop_num_path,
  nexthop_tree,
} from "./nexthop_h.js";

// include/uapi/linux/nexthop.h
export const NHA_ID = 1;
export const NHA_GROUP = 2;
export const NHA_GROUP_TYPE = 3;
export const NHA_BLACKHOLE = 4;
export const NHA_OIF = 5;
export const NHA_GATEWAY = 6;
export const NHA_ENCAP_TYPE = 7;
export const NHA_ENCAP = 8;
export const NHA_GROUPS = 9;
export const NHA_MASTER = 10;
export const NHA_FDB = 11;
export const NHA_RES_GROUP = 12;
export const NHA_RES_BUCKET = 13;
export const NHA_OP_FLAGS = 14;
export const NHA_GROUP_STATS = 15;
export const NHA_HW_STATS_ENABLE = 16;
export const NHA_HW_STATS_USED = 17;
export const NHA_MAX = 17;
export const NEXTHOP_GRP_TYPE_MPATH = 0;
export const NEXTHOP_GRP_TYPE_RES = 1;
const NEXTHOP_GRP_TYPE_MAX = NEXTHOP_GRP_TYPE_RES;
const NHA_RES_GROUP_BUCKETS = 1;
const NHA_RES_GROUP_IDLE_TIMER = 2;
const NHA_RES_GROUP_UNBALANCED_TIMER = 3;
const NHA_RES_GROUP_UNBALANCED_TIME = 4;
const NHA_RES_BUCKET_INDEX = 1;
const NHA_RES_BUCKET_IDLE_TIME = 2;
const NHA_RES_BUCKET_NH_ID = 3;
/** NH_RES_DEFAULT_IDLE_TIMER (120 * HZ) as clock_t */
const NH_RES_DEFAULT_IDLE_TIMER = 120 * 100;
/** nh_nlmsg_size_grp_res */
const NH_NLMSG_SIZE_GRP_RES = 4 + 8 + 8 + 8 + 12;
const RTM_NEWNEXTHOPBUCKET = 116;
const RTM_GETNEXTHOPBUCKET = 118;
/** NHA_OP_FLAGS_DUMP_ALL = NHA_OP_FLAG_DUMP_STATS | NHA_OP_FLAG_DUMP_HW_STATS */
export const NHA_OP_FLAGS_DUMP_ALL = 3;
const NHA_OP_FLAG_DUMP_STATS = 1;
const NHA_OP_FLAG_DUMP_HW_STATS = 2;
const NHA_GROUP_STATS_ENTRY = 1;
const NHA_GROUP_STATS_ENTRY_ID = 1;
const NHA_GROUP_STATS_ENTRY_PACKETS = 2;
const NHA_GROUP_STATS_ENTRY_PACKETS_HW = 3;
/** NHA_OP_FLAG_RESP_GRP_RESVD_0: "dump returns resvd fields as 0" */
export const NHA_OP_FLAG_RESP_GRP_RESVD_0 = 0x80000000;
/** NEXTHOP_VALID_USER_FLAGS */
const NEXTHOP_VALID_USER_FLAGS = RTNH_F_ONLINK;
/** sizeof(struct nexthop_grp): id (u32), weight (u8), weight_high (u8), resvd2 (u16) */
const NEXTHOP_GRP_SIZE = 8;
const INT_MAX = 0x7fffffff;
const LOOPBACK_IFINDEX = 1;

// Each policy's maxtype is its array's last entry (ARRAY_SIZE(policy) − 1): a type above it is
// "Unknown attribute type", one below it that the policy leaves out "Unsupported attribute".

/** rtm_nh_policy_new */
const rtm_nh_policy_new: NlaPolicySet = nlaPolicy(NHA_HW_STATS_ENABLE, {
  [NHA_ID]: { type: NLA_U32 },
  [NHA_GROUP]: { type: NLA_BINARY },
  [NHA_GROUP_TYPE]: { type: NLA_U16 },
  [NHA_BLACKHOLE]: { type: NLA_FLAG },
  [NHA_OIF]: { type: NLA_U32 },
  [NHA_GATEWAY]: { type: NLA_BINARY },
  [NHA_ENCAP_TYPE]: { type: NLA_U16 },
  [NHA_ENCAP]: { type: NLA_NESTED },
  [NHA_FDB]: { type: NLA_FLAG },
  [NHA_RES_GROUP]: { type: NLA_NESTED },
  [NHA_HW_STATS_ENABLE]: { type: NLA_U32, max: 1n },
});

/** rtm_nh_policy_get */
const rtm_nh_policy_get: NlaPolicySet = nlaPolicy(NHA_OP_FLAGS, {
  [NHA_ID]: { type: NLA_U32 },
  [NHA_OP_FLAGS]: { type: NLA_U32, mask: BigInt(NHA_OP_FLAGS_DUMP_ALL) },
});

/** rtm_nh_policy_del */
const rtm_nh_policy_del: NlaPolicySet = nlaPolicy(NHA_ID, {
  [NHA_ID]: { type: NLA_U32 },
});

/** rtm_nh_policy_dump */
const rtm_nh_policy_dump: NlaPolicySet = nlaPolicy(NHA_OP_FLAGS, {
  [NHA_OIF]: { type: NLA_U32 },
  [NHA_GROUPS]: { type: NLA_FLAG },
  [NHA_MASTER]: { type: NLA_U32 },
  [NHA_FDB]: { type: NLA_FLAG },
  [NHA_OP_FLAGS]: { type: NLA_U32, mask: BigInt(NHA_OP_FLAGS_DUMP_ALL) },
});

/** rtm_nh_res_policy_new */
const rtm_nh_res_policy_new: NlaPolicySet = nlaPolicy(NHA_RES_GROUP_UNBALANCED_TIMER, {
  [NHA_RES_GROUP_BUCKETS]: { type: NLA_U16 },
  [NHA_RES_GROUP_IDLE_TIMER]: { type: NLA_U32 },
  [NHA_RES_GROUP_UNBALANCED_TIMER]: { type: NLA_U32 },
});

/** rtm_nh_policy_dump_bucket */
const rtm_nh_policy_dump_bucket: NlaPolicySet = nlaPolicy(NHA_RES_BUCKET, {
  [NHA_ID]: { type: NLA_U32 },
  [NHA_OIF]: { type: NLA_U32 },
  [NHA_MASTER]: { type: NLA_U32 },
  [NHA_RES_BUCKET]: { type: NLA_NESTED },
});

/** rtm_nh_res_bucket_policy_dump */
const rtm_nh_res_bucket_policy_dump: NlaPolicySet = nlaPolicy(NHA_RES_BUCKET_NH_ID, {
  [NHA_RES_BUCKET_NH_ID]: { type: NLA_U32 },
});

/** rtm_nh_policy_get_bucket */
const rtm_nh_policy_get_bucket: NlaPolicySet = nlaPolicy(NHA_RES_BUCKET, {
  [NHA_ID]: { type: NLA_U32 },
  [NHA_RES_BUCKET]: { type: NLA_NESTED },
});

/** rtm_nh_res_bucket_policy_get */
const rtm_nh_res_bucket_policy_get: NlaPolicySet = nlaPolicy(NHA_RES_BUCKET_INDEX, {
  [NHA_RES_BUCKET_INDEX]: { type: NLA_U16 },
});

export { nexthop_find_by_id } from "./nexthop_h.js";

/** struct nhmsg, read from a request */
interface Nhmsg {
  readonly nh_family: number;
  readonly nh_scope: number;
  readonly nh_protocol: number;
  readonly resvd: number;
  readonly nh_flags: number;
}
const nhmsg = (nlh: Nlmsghdr): Nhmsg => {
  const b = new Uint8Array(NHMSG_SIZE);
  b.set(nlh.msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + NHMSG_SIZE));
  return { nh_family: b[0]!, nh_scope: b[1]!, nh_protocol: b[2]!, resvd: b[3]!, nh_flags: getU32(b, 4) };
};

const nla_u32 = (a: { data: Uint8Array }): number => getU32(a.data, 0);

/** struct nh_config */
interface NhConfig {
  nh_id: number;
  readonly nh_family: number;
  readonly nh_protocol: number;
  nh_blackhole: boolean;
  nh_fdb: boolean;
  nh_flags: number;
  nh_ifindex: number;
  dev: LinkDevice | undefined;
  gw4: number;
  gw6: Uint8Array | null;
  /** the NHA_GROUP entries: id and weight (1..65536) */
  nh_grp: Array<{ readonly id: number; readonly weight: number }> | null;
  nh_grp_type: number;
  nh_hw_stats: boolean;
  /** a resilient group's NHA_RES_GROUP: the bucket count and the timers (clock_t), each if given */
  nh_grp_res: { num_buckets: number | null; idle_timer: number | null; unbalanced_timer: number | null };
  readonly nlflags: number;
  /** nlinfo: the request and its sender */
  readonly nlh: Nlmsghdr;
  readonly portid: number;
}

/** struct nl_info: the request a change answers (null for the kernel's own: no notification) */
interface NlInfo {
  readonly nlh: Nlmsghdr;
  readonly portid: number;
}

// ---------------------------------------------------------------------------------------------
// nh_fill_node and the notifications

/**
 * nla_put_nh_group_res(skb, nhg): NHA_RES_GROUP: the bucket count, the timers (clock_t) and the
 * time the table has been unbalanced (0: it is balanced, as the model's tables always are)
 */
const nla_put_nh_group_res = (skb: SkBuff, res_table: NhResTable): number => {
  const nest = nla_nest_start(skb, NHA_RES_GROUP);
  if (nest === null) return -ERRNO.EMSGSIZE;
  if (
    nla_put_u16(skb, NHA_RES_GROUP_BUCKETS, res_table.num_nh_buckets) ||
    nla_put_u32(skb, NHA_RES_GROUP_IDLE_TIMER, res_table.idle_timer) ||
    nla_put_u32(skb, NHA_RES_GROUP_UNBALANCED_TIMER, res_table.unbalanced_timer) ||
    nla_put_u64_64bit(skb, NHA_RES_GROUP_UNBALANCED_TIME, nh_res_table_unbalanced_time(res_table), 0)
  ) {
    nla_nest_cancel(skb, nest);
    return -ERRNO.EMSGSIZE;
  }
  nla_nest_end(skb, nest);
  return 0;
};

/** nla_put_nh_group: NHA_GROUP_TYPE, NHA_GROUP (weights stored minus one); the response flags */
const nla_put_nh_group = (skb: SkBuff, nhg: NhGroup, op_flags: number): { err: number; resp_op_flags: number } => {
  const group_type = nhg.hash_threshold ? NEXTHOP_GRP_TYPE_MPATH : NEXTHOP_GRP_TYPE_RES;
  if (nla_put_u16(skb, NHA_GROUP_TYPE, group_type)) return { err: -ERRNO.EMSGSIZE, resp_op_flags: 0 };
  const p = new Uint8Array(nhg.nh_entries.length * NEXTHOP_GRP_SIZE);
  const v = new DataView(p.buffer);
  nhg.nh_entries.forEach((e, i) => {
    const weight = e.weight - 1;
    v.setUint32(i * NEXTHOP_GRP_SIZE, e.nh.id, true);
    p[i * NEXTHOP_GRP_SIZE + 4] = weight & 0xff;
    p[i * NEXTHOP_GRP_SIZE + 5] = weight >> 8;
  });
  if (nla_put(skb, NHA_GROUP, p)) return { err: -ERRNO.EMSGSIZE, resp_op_flags: 0 };
  if (nhg.res_table !== null && nla_put_nh_group_res(skb, nhg.res_table))
    return { err: -ERRNO.EMSGSIZE, resp_op_flags: 0 };
  if (op_flags & NHA_OP_FLAG_DUMP_STATS && nla_put_nh_group_stats(skb, nhg, op_flags))
    return { err: -ERRNO.EMSGSIZE, resp_op_flags: 0 };
  return { err: 0, resp_op_flags: NHA_OP_FLAG_RESP_GRP_RESVD_0 };
};

/**
 * nla_put_nh_group_stats(skb, nh, op_flags): NHA_HW_STATS_ENABLE; with DUMP_HW_STATS on a group
 * that enabled them, NHA_HW_STATS_USED (no driver's notifier reports any: 0); then NHA_GROUP_STATS,
 * one NHA_GROUP_STATS_ENTRY per entry with its id and packet counts (nla_put_uint: a u32 while it
 * fits). The model's nexthops carry no traffic, so the counts are 0.
 */
const nla_put_nh_group_stats = (skb: SkBuff, nhg: NhGroup, op_flags: number): number => {
  if (nla_put_u32(skb, NHA_HW_STATS_ENABLE, nhg.hw_stats ? 1 : 0)) return -ERRNO.EMSGSIZE;
  if (op_flags & NHA_OP_FLAG_DUMP_HW_STATS && nhg.hw_stats && nla_put_u32(skb, NHA_HW_STATS_USED, 0))
    return -ERRNO.EMSGSIZE;
  const nest = nla_nest_start(skb, NHA_GROUP_STATS);
  if (nest === null) return -ERRNO.EMSGSIZE;
  for (const nhge of nhg.nh_entries) {
    const entry = nla_nest_start(skb, NHA_GROUP_STATS_ENTRY);
    if (
      entry === null ||
      nla_put_u32(skb, NHA_GROUP_STATS_ENTRY_ID, nhge.nh.id) ||
      nla_put_u32(skb, NHA_GROUP_STATS_ENTRY_PACKETS, 0) ||
      (op_flags & NHA_OP_FLAG_DUMP_HW_STATS && nla_put_u32(skb, NHA_GROUP_STATS_ENTRY_PACKETS_HW, 0))
    ) {
      nla_nest_cancel(skb, nest);
      return -ERRNO.EMSGSIZE;
    }
    nla_nest_end(skb, entry);
  }
  nla_nest_end(skb, nest);
  return 0;
};

/**
 * nh_fill_node(skb, nh, event, portid, seq, nlflags, op_flags): nhmsg (family AF_UNSPEC for a
 * group; the scope only for a nexthop that is no blackhole), NHA_ID, then NHA_FDB, NHA_GROUP_TYPE,
 * NHA_GROUP and NHA_OP_FLAGS for a group; NHA_BLACKHOLE, or NHA_FDB / NHA_OIF and NHA_GATEWAY.
 */
const nh_fill_node = (
  skb: SkBuff,
  nh: Nexthop,
  event: number,
  portid: number,
  seq: number,
  nlflags: number,
  op_flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, NHMSG_SIZE, nlflags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const nhm = nlmsg_data(nlh);
  const b = skb.head;
  const fail = (): number => {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  };
  b[nhm] = 0;
  b[nhm + 1] = 0;
  b[nhm + 2] = nh.protocol;
  b[nhm + 3] = 0;
  putU32(b, nhm + 4, nh.nh_flags >>> 0);
  if (nla_put_u32(skb, NHA_ID, nh.id)) return fail();
  if (nh.is_group) {
    const nhg = nh.nh_grp!;
    if (nhg.fdb_nh && nla_put_flag(skb, NHA_FDB)) return fail();
    const { err, resp_op_flags } = nla_put_nh_group(skb, nhg, op_flags);
    if (err || nla_put_u32(skb, NHA_OP_FLAGS, resp_op_flags)) return fail();
    nlmsg_end(skb, nlh);
    return 0;
  }
  const nhi = nh.nh_info!;
  b[nhm] = nhi.family;
  if (nhi.reject_nh) {
    if (nla_put_flag(skb, NHA_BLACKHOLE)) return fail();
    nlmsg_end(skb, nlh);
    return 0;
  }
  if (nhi.fdb_nh) {
    if (nla_put_flag(skb, NHA_FDB)) return fail();
  } else if (nhi.fib_nh.dev !== null && nla_put_u32(skb, NHA_OIF, nhi.fib_nh.dev.ifindex)) return fail();
  b[nhm + 1] = nhi.fib_nh.scope;
  if (nhi.family === AF_INET_RT && nhi.fib_nh.gw4 && nla_put(skb, NHA_GATEWAY, be32_bytes(nhi.fib_nh.gw4)))
    return fail();
  if (nhi.family === AF_INET6 && nhi.gw6 !== null && nla_put(skb, NHA_GATEWAY, nhi.gw6)) return fail();
  nlmsg_end(skb, nlh);
  return 0;
};

/** nh_nlmsg_size(nh) */
const nh_nlmsg_size = (nh: Nexthop): number => {
  let sz = NHMSG_SIZE + nla_total_size(4);
  // a group: NHA_GROUP, NHA_GROUP_TYPE, NHA_OP_FLAGS and (which the kernel's count leaves to the
  // allocation's slack) NHA_FDB
  if (nh.is_group)
    sz +=
      nla_total_size(nh.nh_grp!.nh_entries.length * NEXTHOP_GRP_SIZE) +
      nla_total_size(2) +
      nla_total_size(4) +
      nla_total_size(0) +
      (nh.nh_grp!.resilient ? NH_NLMSG_SIZE_GRP_RES : 0);
  else sz += nla_total_size(4) + nla_total_size(16);
  return sz;
};

/** nexthop_notify(event, nh, info): to RTNLGRP_NEXTHOP, with the request's flags and sequence */
const nexthop_notify = (net: Net, event: number, nh: Nexthop, info: NlInfo): void => {
  const skb = nlmsg_new(nh_nlmsg_size(nh));
  if (nh_fill_node(skb, nh, event, info.portid, info.nlh.nlmsg_seq, info.nlh.nlmsg_flags, 0) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, info.portid, RTNLGRP_NEXTHOP, info.nlh);
};

// ---------------------------------------------------------------------------------------------
// Removal

/** nh_base_seq_inc */
const nh_base_seq_inc = (net: Net): void => {
  const t = net_nexthop(net);
  t.seq = (t.seq + 1) >>> 0 || 1;
};

/** The entry leaves its nexthop's grp_list (list_del) */
const grp_list_del = (nhge: NhGrpEntry): void => {
  const l = nhge.nh.grp_list;
  const i = l.indexOf(nhge);
  if (i >= 0) l.splice(i, 1);
};

/**
 * remove_nh_grp_entry(net, nhge, nlinfo): the group loses the entry: the last one takes the group
 * with it, else the group is rebuilt without it (each kept entry moves to the head of its
 * nexthop's grp_list) and announced as RTM_NEWNEXTHOP.
 */
const remove_nh_grp_entry = (net: Net, nhge: NhGrpEntry, nlinfo: NlInfo | null): void => {
  const nhp = nhge.nh_parent;
  const nhg = nhp.nh_grp!;
  if (nhg.nh_entries.length === 1) {
    remove_nexthop(net, nhp, nlinfo);
    return;
  }
  const newg: NhGroup = { ...nhg, nh_entries: [], has_v4: false };
  for (const e of nhg.nh_entries) {
    if (e.nh === nhge.nh) continue;
    if (e.nh.nh_info!.family === AF_INET_RT) newg.has_v4 = true;
    grp_list_del(e);
    const ne = nh_grp_entry(e.nh, e.weight, e.nh_parent);
    newg.nh_entries.push(ne);
    e.nh.grp_list.unshift(ne);
  }
  if (newg.resilient) replace_nexthop_grp_res(nhg, newg);
  nhp.nh_grp = newg;
  grp_list_del(nhge);
  if (nlinfo !== null) nexthop_notify(net, RTM_NEWNEXTHOP, nhp, nlinfo);
};

/** remove_nexthop_from_groups(net, nh, nlinfo) */
const remove_nexthop_from_groups = (net: Net, nh: Nexthop, nlinfo: NlInfo | null): void => {
  for (const nhge of [...nh.grp_list]) remove_nh_grp_entry(net, nhge, nlinfo);
};

/** remove_nexthop_group(nh, nlinfo): the group's entries leave their nexthops' grp_list */
const remove_nexthop_group = (nh: Nexthop): void => {
  for (const nhge of nh.nh_grp!.nh_entries) grp_list_del(nhge);
};

/** __remove_nexthop_fib(net, nh): the IPv4 routes using it are marked dead and flushed (silently) */
const __remove_nexthop_fib = (net: Net, nh: Nexthop): void => {
  let do_flush = false;
  for (const fi of nh.fi_list) {
    fi.dead = true;
    do_flush = true;
  }
  if (do_flush) fib_flush(net);
  nh.dead = true;
};

/** __remove_nexthop(net, nh, nlinfo) */
const __remove_nexthop = (net: Net, nh: Nexthop, nlinfo: NlInfo | null): void => {
  __remove_nexthop_fib(net, nh);
  if (nh.is_group) remove_nexthop_group(nh);
  else remove_nexthop_from_groups(net, nh, nlinfo);
};

/** remove_nexthop(net, nh, nlinfo): out of the tree, RTM_DELNEXTHOP, then its routes and groups */
const remove_nexthop = (net: Net, nh: Nexthop, nlinfo: NlInfo | null): void => {
  net_nexthop(net).rb_root.delete(nh.id);
  if (nlinfo !== null) nexthop_notify(net, RTM_DELNEXTHOP, nh, nlinfo);
  __remove_nexthop(net, nh, nlinfo);
  nh_base_seq_inc(net);
};

// ---------------------------------------------------------------------------------------------
// Replace

/** fib_check_nh_list(old, new, extack): the routes using `old` must accept `new` */
const fib_check_nh_list = (old: Nexthop, nw: Nexthop, extack: NetlinkExtAck): number => {
  for (const fi of old.fi_list) {
    const err = fib_check_nexthop(nw, fi.scope, extack);
    if (err) return err;
  }
  return 0;
};

/** nh_group_v4_update(nhg) */
const nh_group_v4_update = (nhg: NhGroup): void => {
  nhg.has_v4 = nhg.nh_entries.some((e) => e.nh.nh_info!.family === AF_INET_RT);
};

/** replace_nexthop_single(net, old, new, extack): the two swap their nh_info */
const replace_nexthop_single = (old: Nexthop, nw: Nexthop, extack: NetlinkExtAck): number => {
  if (nw.is_group) {
    extack.msg = "Can not replace a nexthop with a nexthop group.";
    return -ERRNO.EINVAL;
  }
  const oldi = old.nh_info!;
  const newi = nw.nh_info!;
  if (old.grp_list.length > 0 && newi.fdb_nh !== oldi.fdb_nh) {
    extack.msg = "Cannot change nexthop FDB status while in a group";
    return -ERRNO.EINVAL;
  }
  newi.nh_parent = old;
  oldi.nh_parent = nw;
  old.protocol = nw.protocol;
  old.nh_flags = nw.nh_flags;
  old.nh_info = newi;
  nw.nh_info = oldi;
  if (oldi.family === AF_INET_RT && newi.family === AF_INET6)
    for (const nhge of old.grp_list) nh_group_v4_update(nhge.nh_parent.nh_grp!);
  return 0;
};

/** replace_nexthop_grp(net, old, new, cfg, extack): the two swap their nh_group */
const replace_nexthop_grp = (old: Nexthop, nw: Nexthop, cfg: NhConfig, extack: NetlinkExtAck): number => {
  if (!nw.is_group) {
    extack.msg = "Can not replace a nexthop group with a nexthop.";
    return -ERRNO.EINVAL;
  }
  const oldg = old.nh_grp!;
  const newg = nw.nh_grp!;
  if (newg.hash_threshold !== oldg.hash_threshold) {
    extack.msg = "Can not replace a nexthop group with one of a different type.";
    return -ERRNO.EINVAL;
  }
  if (newg.resilient) {
    const old_res_table = oldg.res_table!;
    // a bucket count may be left out, but one that is given must be the group's
    const n = cfg.nh_grp_res.num_buckets;
    if (n !== null && n !== old_res_table.num_nh_buckets) {
      extack.msg = "Can not change number of buckets of a resilient nexthop group.";
      return -ERRNO.EINVAL;
    }
    if (cfg.nh_grp_res.idle_timer !== null) old_res_table.idle_timer = cfg.nh_grp_res.idle_timer;
    if (cfg.nh_grp_res.unbalanced_timer !== null) old_res_table.unbalanced_timer = cfg.nh_grp_res.unbalanced_timer;
    replace_nexthop_grp_res(oldg, newg);
    const tmp_table = newg.res_table;
    newg.res_table = old_res_table;
    oldg.res_table = tmp_table;
  }
  for (const e of newg.nh_entries) e.nh_parent = old;
  old.nh_grp = newg;
  for (const e of oldg.nh_entries) e.nh_parent = nw;
  nw.nh_grp = oldg;
  return 0;
};

/**
 * replace_nexthop(net, old, new, cfg, extack): the routes and groups using `old` must accept
 * `new`; then `old` takes `new`'s definition and `new` (holding the old one) is dropped.
 */
const replace_nexthop = (net: Net, old: Nexthop, nw: Nexthop, cfg: NhConfig, extack: NetlinkExtAck): number => {
  let err = fib_check_nh_list(old, nw, extack);
  if (err) return err;
  const new_is_reject = !nw.is_group && nw.nh_info!.reject_nh;
  for (const nhge of old.grp_list) {
    if (new_is_reject && nexthop_num_path(nhge.nh_parent) > 1) {
      extack.msg = "Blackhole nexthop can not be a member of a group with more than one path";
      return -ERRNO.EINVAL;
    }
    err = fib_check_nh_list(nhge.nh_parent, nw, extack);
    if (err) return err;
  }
  err = old.is_group ? replace_nexthop_grp(old, nw, cfg, extack) : replace_nexthop_single(old, nw, extack);
  if (!err) __remove_nexthop(net, nw, null);
  return err;
};

/**
 * nexthop_replace_notify(net, nh, info) (net.ipv4.nexthop_compat_mode is 1): RTM_NEWROUTE with
 * NLM_F_REPLACE for every IPv4 route using the nexthop or a group it is in.
 */
const nexthop_replace_notify = (net: Net, nh: Nexthop, info: NlInfo): void => {
  const notify = (n: Nexthop): void => {
    if (n.fi_list.length > 0) fib_info_notify_update(net, new Set(n.fi_list), info.nlh, info.portid);
  };
  notify(nh);
  for (const nhge of nh.grp_list) notify(nhge.nh_parent);
};

/**
 * insert_nexthop(net, new_nh, cfg, extack): into the tree; an id taken is −EEXIST unless
 * NLM_F_REPLACE (replace_nexthop); NLM_F_REPLACE without NLM_F_CREATE needs the id to exist.
 * Announced as RTM_NEWNEXTHOP with the request's flags.
 */
const insert_nexthop = (net: Net, new_nh: Nexthop, cfg: NhConfig, extack: NetlinkExtAck): number => {
  const replace = (cfg.nlflags & NLM_F_REPLACE) !== 0;
  const create = (cfg.nlflags & NLM_F_CREATE) !== 0;
  const info: NlInfo = { nlh: cfg.nlh, portid: cfg.portid };
  const t = net_nexthop(net);
  const nh = t.rb_root.get(new_nh.id);
  let notified = new_nh;
  let replace_notify = false;
  if (nh !== undefined) {
    if (!replace) return -ERRNO.EEXIST;
    const rc = replace_nexthop(net, nh, new_nh, cfg, extack);
    if (rc) return rc;
    notified = nh;
    replace_notify = true;
  } else {
    if (replace && !create) {
      extack.msg = "Replace specified without create and no entry exists";
      return -ERRNO.ENOENT;
    }
    const res_table = new_nh.nh_grp?.res_table;
    if (res_table != null) {
      // not passing the number of buckets is OK when replacing, but not when creating
      if (cfg.nh_grp_res.num_buckets === null) {
        extack.msg = "Number of buckets not specified for nexthop group insertion";
        return -ERRNO.EINVAL;
      }
      nh_res_group_rebalance(new_nh.nh_grp!, res_table);
      nh_res_table_upkeep(res_table);
    }
    t.rb_root.set(new_nh.id, new_nh);
  }
  nh_base_seq_inc(net);
  nexthop_notify(net, RTM_NEWNEXTHOP, notified, info);
  if (replace_notify) nexthop_replace_notify(net, notified, info);
  return 0;
};

// ---------------------------------------------------------------------------------------------
// Creation

const nexthop_alloc = (is_group: boolean): Nexthop => ({
  id: 0,
  protocol: 0,
  nh_flags: 0,
  is_group,
  nh_info: null,
  nh_grp: null,
  grp_list: [],
  fi_list: [],
  dead: false,
});

/** nexthop_create_group(net, cfg): the entries join their nexthops' grp_list (at the head) */
const nexthop_create_group = (net: Net, cfg: NhConfig): Nexthop | number => {
  const nh = nexthop_alloc(true);
  const nhg: NhGroup = {
    nh_entries: [],
    hash_threshold: false,
    resilient: false,
    is_multipath: false,
    fdb_nh: false,
    has_v4: false,
    hw_stats: false,
    res_table: null,
  };
  for (const entry of cfg.nh_grp!) {
    const nhe = nexthop_find_by_id(net, entry.id);
    if (nhe === undefined || !nexthop_get(nhe)) {
      for (const e of nhg.nh_entries) grp_list_del(e);
      return -ERRNO.ENOENT;
    }
    if (nhe.nh_info!.family === AF_INET_RT) nhg.has_v4 = true;
    const nhge: NhGrpEntry = nh_grp_entry(nhe, entry.weight, nh);
    nhg.nh_entries.push(nhge);
    nhe.grp_list.unshift(nhge);
  }
  if (cfg.nh_grp_type === NEXTHOP_GRP_TYPE_MPATH) nhg.hash_threshold = true;
  else {
    // nexthop_res_table_alloc: the defaults for timers not given (120 s idle, never unbalanced)
    const n = cfg.nh_grp_res.num_buckets ?? 0;
    nhg.res_table = {
      num_nh_buckets: n,
      idle_timer: cfg.nh_grp_res.idle_timer ?? NH_RES_DEFAULT_IDLE_TIMER,
      unbalanced_timer: cfg.nh_grp_res.unbalanced_timer ?? 0,
      nh_buckets: Array.from({ length: n }, () => ({ nh_entry: null, occupied: false, nh_flags: 0 })),
      uw_nh_entries: [],
    };
    nhg.resilient = true;
  }
  nhg.is_multipath = true;
  nhg.fdb_nh = cfg.nh_fdb;
  nhg.hw_stats = cfg.nh_hw_stats;
  nh.nh_grp = nhg;
  return nh;
};

/** nh_create_ipv4: fib_nh_init, then (not for an FDB nexthop) fib_check_nh in the main table */
const nh_create_ipv4 = (net: Net, nh: Nexthop, fib_nh: FibNh, fdb: boolean, extack: NetlinkExtAck): number => {
  if (fdb) return 0;
  const err = fib_check_nh(net, fib_nh, RT_TABLE_MAIN, 0, extack, fib_lookup_gw(fib_lookup));
  if (!err) nh.nh_flags = fib_nh.flags;
  return err;
};

/**
 * ip6_validate_gw(net, cfg, &dev, &idev, extack) (net/ipv6/route.c) for a nexthop's gateway: not a
 * local address (a link-local one on the device, another on any), not multicast; a gateway that
 * is not link-local needs a route to it (ip6_route_check_nh, not modelled); never through lo.
 */
const ip6_validate_gw = (net: Net, gw: Uint8Array, dev: LinkDevice | undefined, extack: NetlinkExtAck): number => {
  const linklocal = gw[0] === 0xfe && (gw[1]! & 0xc0) === 0x80;
  if (dev !== undefined && rt6_chk_addr(net, gw, linklocal ? dev : undefined)) {
    extack.msg = "Gateway can not be a local address";
    return -ERRNO.EINVAL;
  }
  if (!linklocal) {
    if (gw[0] === 0xff) {
      extack.msg = "Invalid gateway address";
      return -ERRNO.EINVAL;
    }
    net.kernel?.printk(
      `${KERN_NOTICE}nlsim: IPv6 gateways that are not link-local (ip6_route_check_nh) are not modelled (EOPNOTSUPP)`,
    );
    return -ERRNO.EOPNOTSUPP;
  }
  if (dev === undefined) {
    extack.msg = "Egress device not specified";
    return -ERRNO.EINVAL;
  }
  if (dev.flags & IFF_LOOPBACK) {
    extack.msg = "Egress device can not be loopback device for this route";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/**
 * nh_create_ipv6: fib6_nh_init for a nexthop (no RTF_REJECT: a blackhole's lo must be up too): the
 * device (−ENODEV), ONLINK's device, the device up ("Nexthop device is not up"), no carrier
 * LINKDOWN. An FDB nexthop is its gateway alone; another gateway passes ip6_validate_gw.
 */
const nh_create_ipv6 = (net: Net, nh: Nexthop, cfg: NhConfig, fib_nh: FibNh, extack: NetlinkExtAck): number => {
  if (cfg.nh_fdb) return 0;
  let dev: LinkDevice | undefined;
  if (cfg.nh_ifindex) {
    dev = __dev_get_by_index(net, cfg.nh_ifindex);
    if (dev === undefined || !dev.inet6) return -ERRNO.ENODEV;
  }
  if (cfg.nh_flags & RTNH_F_ONLINK) {
    if (dev === undefined) {
      extack.msg = "Nexthop device required for onlink";
      return -ERRNO.ENODEV;
    }
    if (!(dev.flags & IFF_UP)) {
      extack.msg = "Nexthop device is not up";
      return -ERRNO.ENETDOWN;
    }
  }
  if (cfg.gw6?.some((x) => x !== 0)) {
    const err = ip6_validate_gw(net, cfg.gw6, dev, extack);
    if (err) return err;
  }
  if (dev === undefined) return -ERRNO.ENODEV;
  if (!(dev.flags & IFF_UP)) {
    extack.msg = "Nexthop device is not up";
    return -ERRNO.ENETDOWN;
  }
  if (!dev.carrier) fib_nh.flags |= RTNH_F_LINKDOWN;
  fib_nh.dev = dev;
  fib_nh.oif = dev.ifindex;
  nh.nh_flags = fib_nh.flags;
  return 0;
};

/** nexthop_create(net, cfg, extack): a single nexthop (a blackhole's device is lo) */
const nexthop_create = (net: Net, cfg: NhConfig, extack: NetlinkExtAck): Nexthop | number => {
  const nh = nexthop_alloc(false);
  nh.nh_flags = cfg.nh_flags;
  if (cfg.nh_blackhole) cfg.nh_ifindex = LOOPBACK_IFINDEX;
  const fib_nh: FibNh = { gw4: cfg.gw4, oif: cfg.nh_ifindex, dev: null, scope: RT_SCOPE_LINK, flags: cfg.nh_flags };
  const err =
    cfg.nh_family === AF_INET_RT
      ? nh_create_ipv4(net, nh, fib_nh, cfg.nh_fdb, extack)
      : nh_create_ipv6(net, nh, cfg, fib_nh, extack);
  if (err) return err;
  const nhi: NhInfo = {
    nh_parent: nh,
    family: cfg.nh_family,
    reject_nh: cfg.nh_blackhole,
    fdb_nh: cfg.nh_fdb,
    fib_nh,
    gw6: cfg.gw6,
  };
  nh.nh_info = nhi;
  return nh;
};

/** nh_find_unused_id(net): the id after the last one allocated that is free (0: none) */
const nh_find_unused_id = (net: Net): number => {
  const t = net_nexthop(net);
  const id_start = t.last_id_allocated;
  for (;;) {
    t.last_id_allocated = (t.last_id_allocated + 1) >>> 0;
    if (t.last_id_allocated === id_start) break;
    if (nexthop_find_by_id(net, t.last_id_allocated) === undefined) return t.last_id_allocated;
  }
  return 0;
};

/** nexthop_add(net, cfg, extack): an id if none was given, the nexthop, its insertion */
const nexthop_add = (net: Net, cfg: NhConfig, extack: NetlinkExtAck): number => {
  if (!cfg.nh_id) {
    cfg.nh_id = nh_find_unused_id(net);
    if (!cfg.nh_id) {
      extack.msg = "No unused id";
      return -ERRNO.EINVAL;
    }
  }
  const nh = cfg.nh_grp !== null ? nexthop_create_group(net, cfg) : nexthop_create(net, cfg, extack);
  if (typeof nh === "number") return nh;
  nh.id = cfg.nh_id;
  nh.protocol = cfg.nh_protocol;
  const err = insert_nexthop(net, nh, cfg, extack);
  if (err) __remove_nexthop(net, nh, null);
  return err;
};

// ---------------------------------------------------------------------------------------------
// The request: rtm_to_nh_config and its helpers

/** nh_check_attr_group(net, tb, tb_size, nh_grp_type, extack): the entries, then no stray attribute */
const nh_check_attr_group = (tb: IflaTb, nh_grp_type: number, extack: NetlinkExtAck): number => {
  const data = tb[NHA_GROUP]!.data;
  const len = data.length;
  if (!len || len & (NEXTHOP_GRP_SIZE - 1)) {
    extack.msg = "Invalid length for nexthop group attribute";
    return -ERRNO.EINVAL;
  }
  const n = len / NEXTHOP_GRP_SIZE;
  const id = (i: number): number => getU32(data, i * NEXTHOP_GRP_SIZE);
  for (let i = 0; i < n; i++) {
    if (getU16(data, i * NEXTHOP_GRP_SIZE + 6)) {
      extack.msg = "Reserved field in nexthop_grp must be 0";
      return -ERRNO.EINVAL;
    }
    if (nexthop_grp_weight(data, i) === 0) {
      extack.msg = "Invalid value for weight";
      return -ERRNO.EINVAL;
    }
    for (let j = i + 1; j < n; j++) {
      if (id(i) === id(j)) {
        extack.msg = "Nexthop id can not be used twice in a group";
        return -ERRNO.EINVAL;
      }
    }
  }
  for (let i = NHA_GROUP_TYPE + 1; i <= NHA_HW_STATS_ENABLE; i++) {
    if (tb[i] === undefined) continue;
    if (i === NHA_HW_STATS_ENABLE || i === NHA_FDB) continue;
    if (i === NHA_RES_GROUP && nh_grp_type === NEXTHOP_GRP_TYPE_RES) continue;
    extack.msg = "No other attributes can be set in nexthop groups";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/**
 * nexthop_grp_weight(nhg): ((weight_high << 8) | weight) + 1 in a u16, as the kernel computes it:
 * 0xffff wraps to 0, which nh_check_attr_group refuses.
 */
const nexthop_grp_weight = (data: Uint8Array, i: number): number =>
  (((data[i * NEXTHOP_GRP_SIZE + 5]! << 8) | data[i * NEXTHOP_GRP_SIZE + 4]!) + 1) & 0xffff;

/**
 * rtm_to_nh_config_grp_res(res, cfg, extack): NHA_RES_GROUP's bucket count (not 0) and timers.
 * (clock_t_to_jiffies cannot overflow a u32 on 64 bits: "Timer value too large" does not happen.)
 */
const rtm_to_nh_config_grp_res = (res: NlAttr | undefined, cfg: NhConfig, extack: NetlinkExtAck): number => {
  if (res === undefined) return 0;
  const r = nla_parse_nested(res, rtm_nh_res_policy_new, extack);
  if (typeof r === "number") return r;
  const buckets = r[NHA_RES_GROUP_BUCKETS];
  if (buckets !== undefined) {
    cfg.nh_grp_res.num_buckets = getU16(buckets.data, 0);
    if (cfg.nh_grp_res.num_buckets === 0) {
      extack.msg = "Number of buckets needs to be non-0";
      return -ERRNO.EINVAL;
    }
  }
  const idle = r[NHA_RES_GROUP_IDLE_TIMER];
  if (idle !== undefined) cfg.nh_grp_res.idle_timer = nla_u32(idle);
  const unbalanced = r[NHA_RES_GROUP_UNBALANCED_TIMER];
  if (unbalanced !== undefined) cfg.nh_grp_res.unbalanced_timer = nla_u32(unbalanced);
  return 0;
};

/** nla_parse_nested(tb, max, nla, policy, extack): a nest's attributes, offsets from the message start */
const nla_parse_nested = (nla: NlAttr, policy: NlaPolicySet, extack: NetlinkExtAck): IflaTb | number => {
  const r = nlaParse(nla.data, policy, { validate: NL_VALIDATE_STRICT, base: nla.offset + NLA_HDRLEN });
  if (!r.ok) {
    Object.assign(extack, r.extack);
    return r.error;
  }
  return r.tb;
};

/** rtm_to_nh_config: the group part (NHA_GROUP, NHA_GROUP_TYPE, NHA_RES_GROUP, NHA_HW_STATS_ENABLE) */
const rtm_to_nh_config_grp = (tb: IflaTb, cfg: NhConfig, extack: NetlinkExtAck): number => {
  const data = tb[NHA_GROUP]!.data;
  cfg.nh_grp_type = tb[NHA_GROUP_TYPE] !== undefined ? getU16(tb[NHA_GROUP_TYPE]!.data, 0) : NEXTHOP_GRP_TYPE_MPATH;
  if (cfg.nh_grp_type > NEXTHOP_GRP_TYPE_MAX) {
    extack.msg = "Invalid group type";
    return -ERRNO.EINVAL;
  }
  let err = nh_check_attr_group(tb, cfg.nh_grp_type, extack);
  if (err) return err;
  cfg.nh_grp = [];
  for (let i = 0; i < data.length / NEXTHOP_GRP_SIZE; i++)
    cfg.nh_grp.push({ id: getU32(data, i * NEXTHOP_GRP_SIZE), weight: nexthop_grp_weight(data, i) });
  if (cfg.nh_grp_type === NEXTHOP_GRP_TYPE_RES) {
    err = rtm_to_nh_config_grp_res(tb[NHA_RES_GROUP], cfg, extack);
    if (err) return err;
  }
  if (tb[NHA_HW_STATS_ENABLE] !== undefined) cfg.nh_hw_stats = nla_u32(tb[NHA_HW_STATS_ENABLE]!) !== 0;
  return 0;
};

/** rtm_to_nh_config: the blackhole / device / gateway part of a single nexthop */
const rtm_to_nh_config_single = (net: Net, tb: IflaTb, cfg: NhConfig, extack: NetlinkExtAck): number => {
  if (tb[NHA_BLACKHOLE] !== undefined) {
    if (tb[NHA_GATEWAY] || tb[NHA_OIF] || tb[NHA_ENCAP] || tb[NHA_ENCAP_TYPE] || tb[NHA_FDB]) {
      extack.msg = "Blackhole attribute can not be used with gateway, oif, encap or fdb";
      return -ERRNO.EINVAL;
    }
    cfg.nh_blackhole = true;
    return 0;
  }
  if (!cfg.nh_fdb && tb[NHA_OIF] === undefined) {
    extack.msg = "Device attribute required for non-blackhole and non-fdb nexthops";
    return -ERRNO.EINVAL;
  }
  const gwa = tb[NHA_GATEWAY];
  if (gwa !== undefined) {
    if (cfg.nh_family === AF_INET_RT) {
      if (gwa.data.length !== 4) {
        extack.msg = "Invalid gateway";
        return -ERRNO.EINVAL;
      }
      cfg.gw4 = ((gwa.data[0]! << 24) | (gwa.data[1]! << 16) | (gwa.data[2]! << 8) | gwa.data[3]!) >>> 0;
    } else {
      if (gwa.data.length !== 16) {
        extack.msg = "Invalid gateway";
        return -ERRNO.EINVAL;
      }
      cfg.gw6 = gwa.data.slice();
    }
  } else if (cfg.nh_flags & RTNH_F_ONLINK) {
    extack.msg = "ONLINK flag can not be set for nexthop without a gateway";
    return -ERRNO.EINVAL;
  }
  if (tb[NHA_ENCAP] !== undefined) {
    if (tb[NHA_ENCAP_TYPE] === undefined) {
      extack.msg = "LWT encapsulation type is missing";
      return -ERRNO.EINVAL;
    }
    net.kernel?.printk(`${KERN_NOTICE}nlsim: nexthop encapsulation (NHA_ENCAP) is not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  if (tb[NHA_ENCAP_TYPE] !== undefined) {
    extack.msg = "LWT encapsulation attribute is missing";
    return -ERRNO.EINVAL;
  }
  if (tb[NHA_HW_STATS_ENABLE] !== undefined) {
    extack.msg = "Cannot enable nexthop hardware statistics for non-group nexthops";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/**
 * rtm_to_nh_config(net, skb, nlh, tb, cfg, extack): the header (no scope or resvd, flags within
 * NEXTHOP_VALID_USER_FLAGS, family AF_INET/AF_INET6 or AF_UNSPEC for a group), NHA_ID, NHA_FDB,
 * then the group or the single nexthop.
 */
const rtm_to_nh_config = (
  net: Net,
  skb: SkBuff,
  nlh: Nlmsghdr,
  tb: IflaTb,
  extack: NetlinkExtAck,
): NhConfig | number => {
  const nhm = nhmsg(nlh);
  if (nhm.resvd || nhm.nh_scope) {
    extack.msg = "Invalid values in ancillary header";
    return -ERRNO.EINVAL;
  }
  if (nhm.nh_flags & ~NEXTHOP_VALID_USER_FLAGS) {
    extack.msg = "Invalid nexthop flags in ancillary header";
    return -ERRNO.EINVAL;
  }
  const family_ok =
    nhm.nh_family === AF_INET_RT || nhm.nh_family === AF_INET6 || (nhm.nh_family === 0 && tb[NHA_GROUP] !== undefined);
  if (!family_ok) {
    extack.msg = "Invalid address family";
    return -ERRNO.EINVAL;
  }
  const cfg: NhConfig = {
    nh_id: tb[NHA_ID] !== undefined ? nla_u32(tb[NHA_ID]!) : 0,
    nh_family: nhm.nh_family,
    nh_protocol: nhm.nh_protocol,
    nh_blackhole: false,
    nh_fdb: false,
    nh_flags: nhm.nh_flags,
    nh_ifindex: 0,
    dev: undefined,
    gw4: 0,
    gw6: null,
    nh_grp: null,
    nh_grp_type: NEXTHOP_GRP_TYPE_MPATH,
    nh_hw_stats: false,
    nh_grp_res: { num_buckets: null, idle_timer: null, unbalanced_timer: null },
    nlflags: nlh.nlmsg_flags,
    nlh,
    portid: skb.cb.portid,
  };
  if (tb[NHA_FDB] !== undefined) {
    if (tb[NHA_OIF] || tb[NHA_BLACKHOLE] || tb[NHA_ENCAP] || tb[NHA_ENCAP_TYPE]) {
      extack.msg = "Fdb attribute can not be used with encap, oif or blackhole";
      return -ERRNO.EINVAL;
    }
    if (nhm.nh_flags) {
      extack.msg = "Unsupported nexthop flags in ancillary header";
      return -ERRNO.EINVAL;
    }
    cfg.nh_fdb = true;
  }
  if (tb[NHA_GROUP] !== undefined) {
    if (nhm.nh_family !== 0) {
      extack.msg = "Invalid family for group";
      return -ERRNO.EINVAL;
    }
    const err = rtm_to_nh_config_grp(tb, cfg, extack);
    return err || cfg;
  }
  const err = rtm_to_nh_config_single(net, tb, cfg, extack);
  return err || cfg;
};

/** valid_group_nh(nh, npaths, is_fdb, extack): no group in a group; a blackhole only alone */
const valid_group_nh = (nh: Nexthop, npaths: number, extack: NetlinkExtAck): boolean | null => {
  if (nh.is_group) {
    const nhg = nh.nh_grp!;
    if (nhg.hash_threshold) {
      extack.msg = "Hash-threshold group can not be a nexthop within a group";
      return null;
    }
    if (nhg.resilient) {
      extack.msg = "Resilient group can not be a nexthop within a group";
      return null;
    }
    return nhg.fdb_nh;
  }
  const nhi = nh.nh_info!;
  if (nhi.reject_nh && npaths > 1) {
    extack.msg = "Blackhole nexthop can not be used in a group with more than 1 path";
    return null;
  }
  return nhi.fdb_nh;
};

/** nh_check_attr_group_rtnl(net, tb, extack): every entry exists and fits the group's FDB kind */
const nh_check_attr_group_rtnl = (net: Net, cfg: NhConfig, extack: NetlinkExtAck): number => {
  const entries = cfg.nh_grp!;
  let nh_family = 0;
  for (const e of entries) {
    const nh = nexthop_find_by_id(net, e.id);
    if (nh === undefined) {
      extack.msg = "Invalid nexthop id";
      return -ERRNO.EINVAL;
    }
    const is_fdb_nh = valid_group_nh(nh, entries.length, extack);
    if (is_fdb_nh === null) return -ERRNO.EINVAL;
    if (cfg.nh_fdb) {
      // nh_check_attr_fdb_group
      const nhi = nh.nh_info!;
      if (!nhi.fdb_nh) {
        extack.msg = "FDB nexthop group can only have fdb nexthops";
        return -ERRNO.EINVAL;
      }
      if (nh_family === 0) nh_family = nhi.family;
      else if (nh_family !== nhi.family) {
        extack.msg = "FDB nexthop group cannot have mixed family nexthops";
        return -ERRNO.EINVAL;
      }
    }
    if (!cfg.nh_fdb && is_fdb_nh) {
      extack.msg = "Non FDB nexthop group cannot have fdb nexthops";
      return -ERRNO.EINVAL;
    }
  }
  return 0;
};

/** rtm_to_nh_config_rtnl(net, tb, cfg, extack): the group's entries, or the device: known, up, carrier */
const rtm_to_nh_config_rtnl = (net: Net, tb: IflaTb, cfg: NhConfig, extack: NetlinkExtAck): number => {
  if (cfg.nh_grp !== null) return nh_check_attr_group_rtnl(net, cfg, extack);
  if (tb[NHA_OIF] !== undefined) {
    cfg.nh_ifindex = nla_u32(tb[NHA_OIF]!);
    if (cfg.nh_ifindex) cfg.dev = __dev_get_by_index(net, cfg.nh_ifindex);
    if (cfg.dev === undefined) {
      extack.msg = "Invalid device index";
      return -ERRNO.EINVAL;
    }
    if (!(cfg.dev.flags & IFF_UP)) {
      extack.msg = "Nexthop device is not up";
      return -ERRNO.ENETDOWN;
    }
    if (!cfg.dev.carrier) {
      extack.msg = "Carrier for nexthop device is down";
      return -ERRNO.ENETDOWN;
    }
  }
  return 0;
};

/** rtm_new_nexthop: RTM_NEWNEXTHOP */
export const rtm_new_nexthop: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, NHMSG_SIZE, rtm_nh_policy_new, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const cfg = rtm_to_nh_config(net, skb, nlh, tb, extack);
  if (typeof cfg === "number") return cfg;
  if (cfg.nlflags & NLM_F_REPLACE && !cfg.nh_id) {
    extack.msg = "Replace requires nexthop id";
    return -ERRNO.EINVAL;
  }
  const err = rtm_to_nh_config_rtnl(net, tb, cfg, extack);
  if (err) return err;
  return nexthop_add(net, cfg, extack);
};

// ---------------------------------------------------------------------------------------------
// RTM_DELNEXTHOP and RTM_GETNEXTHOP

/** nh_valid_get_del_req: a clean header and a non-zero NHA_ID; the id and op flags, or −EINVAL */
const nh_valid_get_del_req = (
  nlh: Nlmsghdr,
  tb: IflaTb,
  extack: NetlinkExtAck,
): { err: number; id: number; op_flags: number } => {
  const nhm = nhmsg(nlh);
  if (nhm.nh_protocol || nhm.resvd || nhm.nh_scope || nhm.nh_flags) {
    extack.msg = "Invalid values in header";
    return { err: -ERRNO.EINVAL, id: 0, op_flags: 0 };
  }
  const a = tb[NHA_ID];
  if (a === undefined) {
    extack.msg = "Nexthop id is missing";
    return { err: -ERRNO.EINVAL, id: 0, op_flags: 0 };
  }
  const id = nla_u32(a);
  if (id === 0) {
    extack.msg = "Invalid nexthop id";
    return { err: -ERRNO.EINVAL, id: 0, op_flags: 0 };
  }
  const op = tb[NHA_OP_FLAGS];
  return { err: 0, id, op_flags: op !== undefined ? nla_u32(op) : 0 };
};

/** rtm_del_nexthop: RTM_DELNEXTHOP; an unknown id is −ENOENT */
export const rtm_del_nexthop: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, NHMSG_SIZE, rtm_nh_policy_del, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const { err, id } = nh_valid_get_del_req(nlh, tb, extack);
  if (err) return err;
  const nh = nexthop_find_by_id(net, id);
  if (nh === undefined) return -ERRNO.ENOENT;
  remove_nexthop(net, nh, { nlh, portid: skb.cb.portid });
  return 0;
};

/** rtm_get_nexthop: RTM_GETNEXTHOP do; the nexthop as RTM_NEWNEXTHOP, or −ENOENT */
export const rtm_get_nexthop: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, NHMSG_SIZE, rtm_nh_policy_get, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const { err, id, op_flags } = nh_valid_get_del_req(nlh, tb, extack);
  if (err) return err;
  const nh = nexthop_find_by_id(net, id);
  if (nh === undefined) return -ERRNO.ENOENT;
  const reply = alloc_skb(NLMSG_GOODSIZE);
  const e = nh_fill_node(reply, nh, RTM_NEWNEXTHOP, skb.cb.portid, nlh.nlmsg_seq, 0, op_flags);
  if (e < 0) {
    kfree_skb(reply);
    return e;
  }
  return rtnl_unicast(reply, net, skb.cb.portid);
};

/** struct nh_dump_filter */
interface NhDumpFilter {
  dev_idx: number;
  master_idx: number;
  group_filter: boolean;
  fdb_filter: boolean;
  op_flags: number;
}

const nh_dump_filter = (): NhDumpFilter => ({
  dev_idx: 0,
  master_idx: 0,
  group_filter: false,
  fdb_filter: false,
  op_flags: 0,
});

/** nh_dump_filtered(nh, filter, family): true to leave the nexthop out */
const nh_dump_filtered = (nh: Nexthop, filter: NhDumpFilter, family: number): boolean => {
  if (filter.group_filter && !nh.is_group) return true;
  if (!filter.dev_idx && !filter.master_idx && !family) return false;
  if (nh.is_group) return true;
  const nhi = nh.nh_info!;
  if (family && nhi.family !== family) return true;
  const dev = nhi.fib_nh.dev;
  if (filter.dev_idx && (dev === null || dev.ifindex !== filter.dev_idx)) return true;
  // netdev_master_upper_dev_get: the model's devices have no master
  if (filter.master_idx) return true;
  return false;
};

/** __nh_valid_dump_req: the device filters (at most INT_MAX), the flags, and a clean header */
const __nh_valid_dump_req = (nlh: Nlmsghdr, tb: IflaTb, filter: NhDumpFilter, extack: NetlinkExtAck): number => {
  const oif = tb[NHA_OIF];
  if (oif !== undefined) {
    if (nla_u32(oif) > INT_MAX) {
      extack.msg = "Invalid device index";
      return -ERRNO.EINVAL;
    }
    filter.dev_idx = nla_u32(oif);
  }
  const master = tb[NHA_MASTER];
  if (master !== undefined) {
    if (nla_u32(master) > INT_MAX) {
      extack.msg = "Invalid master device index";
      return -ERRNO.EINVAL;
    }
    filter.master_idx = nla_u32(master);
  }
  filter.group_filter = tb[NHA_GROUPS] !== undefined;
  filter.fdb_filter = tb[NHA_FDB] !== undefined;
  const nhm = nhmsg(nlh);
  if (nhm.nh_protocol || nhm.resvd || nhm.nh_scope || nhm.nh_flags) {
    extack.msg = "Invalid values in header for nexthop dump request";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/**
 * rtm_dump_nexthop: RTM_GETNEXTHOP dump; nh_valid_dump_req, then the tree in id order from the id
 * the last round stopped at (cb->ctx idx, kept in cb.args[0]), filtered by nh_dump_filtered.
 */
export const rtm_dump_nexthop: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const extack = cb.extack ?? {};
  const tb = nlmsg_parse(cb.nlh, NHMSG_SIZE, rtm_nh_policy_dump, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const filter = nh_dump_filter();
  filter.op_flags = tb[NHA_OP_FLAGS] !== undefined ? nla_u32(tb[NHA_OP_FLAGS]!) : 0;
  const err = __nh_valid_dump_req(cb.nlh, tb, filter, extack);
  if (err < 0) return err;
  const family = nhmsg(cb.nlh).nh_family;
  const s_idx = cb.args[0]!;
  for (const nh of nexthop_tree(net)) {
    if (nh.id < s_idx) continue;
    cb.args[0] = nh.id;
    if (nh_dump_filtered(nh, filter, family)) continue;
    const e = nh_fill_node(skb, nh, RTM_NEWNEXTHOP, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI, filter.op_flags);
    if (e < 0) return skb.len || e;
  }
  cb.args[0] = 0xffffffff;
  // the walk is complete: 0, so that NLMSG_DONE shares the datagram
  return 0;
};

// ---------------------------------------------------------------------------------------------
// Resilient groups: the bucket table. The model's buckets carry no traffic (nexthop_select_path
// is not modelled), so a bucket is never busy: its used time is its migration time, which
// nh_res_bucket_idle_point takes as idle now. An upkeep therefore moves every bucket it may at
// once and leaves the table balanced; the delayed work never has anything left to do.

/** An entry of a group, holding no bucket yet */
const nh_grp_entry = (nh: Nexthop, weight: number, nh_parent: Nexthop): NhGrpEntry => ({
  nh,
  weight,
  nh_parent,
  res: { count_buckets: 0, wants_buckets: 0 },
});

/**
 * nh_res_table_unbalanced_time: 0 while no entry is underweight, which is always here (every
 * upkeep balances the table at once)
 */
const nh_res_table_unbalanced_time = (_res_table: NhResTable): bigint => 0n;

/** nh_res_bucket_unset_nh */
const nh_res_bucket_unset_nh = (bucket: NhResBucket): void => {
  if (bucket.occupied) {
    bucket.nh_entry!.res.count_buckets--;
    bucket.occupied = false;
  }
};

/** nh_res_bucket_set_nh */
const nh_res_bucket_set_nh = (bucket: NhResBucket, nhge: NhGrpEntry): void => {
  nh_res_bucket_unset_nh(bucket);
  bucket.occupied = true;
  bucket.nh_entry = nhge;
  nhge.res.count_buckets++;
};

/**
 * nh_res_group_rebalance(nhg, res_table): each entry's share of the buckets (upper bounds rounded
 * to the closest); the underweight entries are listed, each added at the head.
 */
const nh_res_group_rebalance = (nhg: NhGroup, res_table: NhResTable): void => {
  res_table.uw_nh_entries = [];
  const total = nhg.nh_entries.reduce((n, e) => n + e.weight, 0);
  let w = 0;
  let prev_upper_bound = 0;
  for (const nhge of nhg.nh_entries) {
    w += nhge.weight;
    // DIV_ROUND_CLOSEST_ULL(num_nh_buckets * w, total)
    const upper_bound = Math.floor((res_table.num_nh_buckets * w + Math.floor(total / 2)) / total);
    nhge.res.wants_buckets = upper_bound - prev_upper_bound;
    prev_upper_bound = upper_bound;
    if (nhge.res.count_buckets < nhge.res.wants_buckets) res_table.uw_nh_entries.unshift(nhge);
  }
};

/**
 * nh_res_table_upkeep(res_table, notify, notify_nl): every bucket that is free, or held by an
 * overweight entry (idle: never used), goes to the first underweight entry, which leaves the list
 * once it holds its share. Called from rtnetlink, with notify_nl false: no bucket notification.
 */
const nh_res_table_upkeep = (res_table: NhResTable): void => {
  for (const bucket of res_table.nh_buckets) {
    // nh_res_bucket_should_migrate
    if (bucket.occupied && !(bucket.nh_entry!.res.count_buckets > bucket.nh_entry!.res.wants_buckets)) continue;
    // nh_res_bucket_migrate
    const new_nhge = res_table.uw_nh_entries[0];
    if (new_nhge === undefined) continue;
    nh_res_bucket_set_nh(bucket, new_nhge);
    if (new_nhge.res.count_buckets === new_nhge.res.wants_buckets) res_table.uw_nh_entries.shift();
  }
};

/**
 * nh_res_table_migrate_buckets(res_table, nhg): each bucket goes to the new group's entry of its
 * nexthop, or is left free (its entry pointer stays, as the kernel's does).
 */
const nh_res_table_migrate_buckets = (res_table: NhResTable, nhg: NhGroup): void => {
  for (const bucket of res_table.nh_buckets) {
    const id = bucket.nh_entry!.nh.id;
    const nhge = nhg.nh_entries.find((e) => e.nh.id === id);
    if (nhge !== undefined) nh_res_bucket_set_nh(bucket, nhge);
    else nh_res_bucket_unset_nh(bucket);
  }
};

/** replace_nexthop_grp_res(oldg, newg): the old table's buckets follow the new group, then an upkeep */
const replace_nexthop_grp_res = (oldg: NhGroup, newg: NhGroup): void => {
  const old_res_table = oldg.res_table!;
  nh_res_table_migrate_buckets(old_res_table, newg);
  nh_res_group_rebalance(newg, old_res_table);
  nh_res_table_upkeep(old_res_table);
};

/** nh_fill_res_bucket(skb, nh, bucket, bucket_index, event, portid, seq, nlflags, extack) */
const nh_fill_res_bucket = (
  skb: SkBuff,
  nh: Nexthop,
  bucket: NhResBucket,
  bucket_index: number,
  portid: number,
  seq: number,
  nlflags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, RTM_NEWNEXTHOPBUCKET, NHMSG_SIZE, nlflags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const nhm = nlmsg_data(nlh);
  const b = skb.head;
  b[nhm] = 0;
  b[nhm + 1] = 0;
  b[nhm + 2] = nh.protocol;
  b[nhm + 3] = 0;
  putU32(b, nhm + 4, bucket.nh_flags);
  const fail = (): number => {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  };
  if (nla_put_u32(skb, NHA_ID, nh.id)) return fail();
  const nest = nla_nest_start(skb, NHA_RES_BUCKET);
  if (nest === null) return fail();
  // nh_res_bucket_idle_time: jiffies since the bucket was last used, which here is its migration
  if (
    nla_put_u16(skb, NHA_RES_BUCKET_INDEX, bucket_index) ||
    nla_put_u32(skb, NHA_RES_BUCKET_NH_ID, bucket.nh_entry!.nh.id) ||
    nla_put_u64_64bit(skb, NHA_RES_BUCKET_IDLE_TIME, 0n, 0)
  )
    return fail();
  nla_nest_end(skb, nest);
  nlmsg_end(skb, nlh);
  return 0;
};

/** nexthop_find_group_resilient(net, id, extack): the resilient group, or −ENOENT / −EINVAL */
const nexthop_find_group_resilient = (net: Net, id: number, extack: NetlinkExtAck): Nexthop | number => {
  const nh = nexthop_find_by_id(net, id);
  if (nh === undefined) return -ERRNO.ENOENT;
  if (!nh.is_group) {
    extack.msg = "Not a nexthop group";
    return -ERRNO.EINVAL;
  }
  if (!nh.nh_grp!.resilient) {
    extack.msg = "Nexthop group not of type resilient";
    return -ERRNO.EINVAL;
  }
  return nh;
};

/** rtm_get_nexthop_bucket: RTM_GETNEXTHOPBUCKET do (nh_valid_get_bucket_req, then the bucket) */
export const rtm_get_nexthop_bucket: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, NHMSG_SIZE, rtm_nh_policy_get_bucket, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const { err, id } = nh_valid_get_del_req(nlh, tb, extack);
  if (err) return err;
  const res = tb[NHA_RES_BUCKET];
  if (res === undefined) {
    extack.msg = "Bucket information is missing";
    return -ERRNO.EINVAL;
  }
  const rtb = nla_parse_nested(res, rtm_nh_res_bucket_policy_get, extack);
  if (typeof rtb === "number") return rtb;
  if (rtb[NHA_RES_BUCKET_INDEX] === undefined) {
    extack.msg = "Bucket index is missing";
    return -ERRNO.EINVAL;
  }
  const bucket_index = getU16(rtb[NHA_RES_BUCKET_INDEX]!.data, 0);
  const nh = nexthop_find_group_resilient(net, id, extack);
  if (typeof nh === "number") return nh;
  const res_table = nh.nh_grp!.res_table!;
  if (bucket_index >= res_table.num_nh_buckets) {
    extack.msg = "Bucket index out of bounds";
    return -ERRNO.ENOENT;
  }
  const reply = alloc_skb(NLMSG_GOODSIZE);
  const e = nh_fill_res_bucket(
    reply,
    nh,
    res_table.nh_buckets[bucket_index]!,
    bucket_index,
    skb.cb.portid,
    nlh.nlmsg_seq,
    0,
  );
  if (e < 0) {
    kfree_skb(reply);
    return e;
  }
  return rtnl_unicast(reply, net, skb.cb.portid);
};

/** nh_valid_dump_nhid(attr, nh_id_p, extack): an id filter must not be 0 */
const nh_valid_dump_nhid = (attr: NlAttr | undefined, extack: NetlinkExtAck): number => {
  if (attr === undefined) return 0;
  if (nla_u32(attr) === 0) {
    extack.msg = "Invalid nexthop id";
    return -ERRNO.EINVAL;
  }
  return nla_u32(attr);
};

/** struct nh_dump_filter with the bucket dump's own filters */
interface NhBucketDumpFilter extends NhDumpFilter {
  nh_id: number;
  res_bucket_nh_id: number;
}

/**
 * nh_valid_dump_bucket_req: rtm_nh_policy_dump_bucket (parsed without an extack), the group id
 * and NHA_RES_BUCKET's nexthop id (not 0), then __nh_valid_dump_req.
 */
const nh_valid_dump_bucket_req = (nlh: Nlmsghdr, extack: NetlinkExtAck): NhBucketDumpFilter | number => {
  const tb = nlmsg_parse(nlh, NHMSG_SIZE, rtm_nh_policy_dump_bucket, NL_VALIDATE_STRICT, {});
  if (typeof tb === "number") return tb;
  const filter: NhBucketDumpFilter = { ...nh_dump_filter(), nh_id: 0, res_bucket_nh_id: 0 };
  const nh_id = nh_valid_dump_nhid(tb[NHA_ID], extack);
  if (nh_id < 0) return nh_id;
  filter.nh_id = nh_id;
  const res = tb[NHA_RES_BUCKET];
  if (res !== undefined) {
    const rtb = nla_parse_nested(res, rtm_nh_res_bucket_policy_dump, extack);
    if (typeof rtb === "number") return rtb;
    const r = nh_valid_dump_nhid(rtb[NHA_RES_BUCKET_NH_ID], extack);
    if (r < 0) return r;
    filter.res_bucket_nh_id = r;
  }
  const err = __nh_valid_dump_req(nlh, tb, filter, extack);
  return err || filter;
};

/** rtm_dump_nexthop_bucket_nh: a group's buckets from cb.args[1] on, filtered by their nexthop */
const rtm_dump_nexthop_bucket_nh = (
  skb: SkBuff,
  cb: Parameters<RtnlDumpitFunc>[1],
  nh: Nexthop,
  filter: NhBucketDumpFilter,
): number => {
  const family = nhmsg(cb.nlh).nh_family;
  const res_table = nh.nh_grp!.res_table!;
  for (let i = cb.args[1]!; i < res_table.num_nh_buckets; i++) {
    const bucket = res_table.nh_buckets[i]!;
    const bnh = bucket.nh_entry!.nh;
    if (nh_dump_filtered(bnh, filter, family)) continue;
    if (filter.res_bucket_nh_id && filter.res_bucket_nh_id !== bnh.id) continue;
    cb.args[1] = i;
    const err = nh_fill_res_bucket(skb, nh, bucket, i, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI);
    if (err) return err;
  }
  cb.args[1] = 0;
  return 0;
};

/**
 * rtm_dump_nexthop_bucket: RTM_GETNEXTHOPBUCKET dump: one resilient group's buckets (NHA_ID), or
 * every resilient group's in id order (cb.args[0] the group, cb.args[1] the bucket to go on from).
 */
export const rtm_dump_nexthop_bucket: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const extack = cb.extack ?? {};
  const filter = nh_valid_dump_bucket_req(cb.nlh, extack);
  if (typeof filter === "number") return filter;
  if (filter.nh_id) {
    const nh = nexthop_find_group_resilient(net, filter.nh_id, extack);
    if (typeof nh === "number") return nh;
    const err = rtm_dump_nexthop_bucket_nh(skb, cb, nh, filter);
    return err < 0 ? skb.len || err : 0;
  }
  for (const nh of nexthop_tree(net)) {
    if (nh.id < cb.args[0]!) continue;
    cb.args[0] = nh.id;
    if (!nh.is_group || !nh.nh_grp!.resilient) continue;
    const err = rtm_dump_nexthop_bucket_nh(skb, cb, nh, filter);
    if (err < 0) return skb.len || err;
  }
  cb.args[0] = 0xffffffff;
  return 0;
};

// ---------------------------------------------------------------------------------------------
// Devices

/**
 * nexthop_flush_dev(dev, event): every nexthop on the device leaves (silently: no nlinfo), but a
 * blackhole when the device (lo) only goes down.
 */
const nexthop_flush_dev = (net: Net, dev: LinkDevice, event: number): void => {
  for (const nh of nexthop_tree(net)) {
    const nhi = nh.nh_info;
    if (nh.dead || nhi === null || nhi.fdb_nh || nhi.fib_nh.dev !== dev) continue;
    if (nhi.reject_nh && (event === NETDEV_DOWN || event === NETDEV_CHANGE)) continue;
    remove_nexthop(net, nhi.nh_parent, null);
  }
};

/** nh_netdev_event: down and unregister flush the device's nexthops; a change does when it lost carrier */
const nh_netdev_event = (event: number, dev: LinkDevice, net: Net): void => {
  if (event === NETDEV_DOWN || event === NETDEV_UNREGISTER) nexthop_flush_dev(net, dev, event);
  else if (event === NETDEV_CHANGE && !(dev.flags & (IFF_RUNNING | IFF_LOWER_UP))) nexthop_flush_dev(net, dev, event);
};

/** nexthop_init: the rtnetlink handlers and the netdevice notifier */
export const nexthop_net_init = (net: Net): void => {
  register_netdevice_notifier(net, nh_netdev_event);
  rtnl_register(net, 0, RTM_NEWNEXTHOP, rtm_new_nexthop, null);
  rtnl_register(net, 0, RTM_DELNEXTHOP, rtm_del_nexthop, null);
  rtnl_register(net, 0, RTM_GETNEXTHOP, rtm_get_nexthop, rtm_dump_nexthop);
  rtnl_register(net, 0, RTM_GETNEXTHOPBUCKET, rtm_get_nexthop_bucket, rtm_dump_nexthop_bucket);
  rtnl_register(net, AF_INET_RT, RTM_NEWNEXTHOP, rtm_new_nexthop, null);
  rtnl_register(net, AF_INET_RT, RTM_GETNEXTHOP, null, rtm_dump_nexthop);
  rtnl_register(net, AF_INET6, RTM_NEWNEXTHOP, rtm_new_nexthop, null);
  rtnl_register(net, AF_INET6, RTM_GETNEXTHOP, null, rtm_dump_nexthop);
};
