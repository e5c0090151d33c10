// net/ipv4/fib_frontend.c (6.18): RTM_NEWROUTE / RTM_DELROUTE (inet_rtm_newroute,
// inet_rtm_delroute, rtm_to_fib_config), the RTM_GETROUTE dump (inet_dump_fib) with its request
// check (ip_valid_fib_dump_req, which IPv6 shares), and the routes the kernel keeps for addresses
// (fib_magic, fib_add_ifaddr, fib_del_ifaddr) and devices (fib_netdev_event, fib_inetaddr_event).
// With CONFIG_IP_MULTIPLE_TABLES a table is made by the first route added to it; a fresh namespace
// has none. Multipath, nexthop objects, metrics, encapsulation and RTA_VIA are not modelled
// (logged, −EOPNOTSUPP).

import { KERN_NOTICE } from "../../kernel/printk.js";
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
  NLM_F_MULTI,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import {
  AF_INET_RT,
  IFF_LOOPBACK,
  IFF_UP,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_NEWROUTE,
  RTMSG_SIZE,
} from "../../uapi/rtnetlink.js";
import {
  NETDEV_DOWN,
  NETDEV_UNREGISTER,
  NETDEV_UP,
  type NetdevNotifier,
  register_netdevice_notifier,
} from "../core/dev_api.js";
import { __dev_get_by_index } from "../core/loopback.js";
import {
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_msg_family,
  rtnl_register,
  skb_net,
} from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import type { SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import {
  type InetaddrNotifier,
  type InIfaddr,
  in_dev_get,
  inet_ifa_byprefix,
  inet_ifa_match,
  inet_make_mask,
  register_inetaddr_notifier,
} from "./devinet.js";
import { fib_lookup } from "./fib_rules.js";
import {
  type FibConfig,
  fib_dump_info,
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RTN_BROADCAST,
  RTN_LOCAL,
  RTN_MAX,
  RTN_UNICAST,
  RTPROT_KERNEL,
} from "./fib_semantics.js";
import {
  type FibEnv,
  fib_disable_ip,
  fib_get_table,
  fib_new_table,
  fib_sync_down_addr,
  fib_table_delete,
  fib_table_insert,
  fib_tables,
} from "./fib_trie.js";

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

/**
 * inet_dump_fib: RTM_GETROUTE dump for AF_INET, table by table in hash order, each in its trie's
 * order. cb->args[0] is the next table, cb->args[1] the next route in it.
 */
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
  let tables = fib_tables(net);
  if (filter.table_id) {
    const tb = fib_get_table(net, filter.table_id);
    if (tb === undefined) {
      if (rtnl_msg_family(cb.nlh) !== AF_INET_RT) return skb.len;
      (cb.extack ?? {}).msg = "ipv4: FIB table does not exist";
      return -ERRNO.ENOENT;
    }
    tables = [tb];
  }
  for (let t = cb.args[0]!; t < tables.length; t++) {
    const tb = tables[t]!;
    for (let i = cb.args[1]!; i < tb.aliases.length; i++) {
      const fa = tb.aliases[i]!;
      // fn_trie_dump_leaf's filter
      const skip =
        filter.filter_set &&
        ((filter.rt_type && fa.type !== filter.rt_type) ||
          (filter.dev && fa.fi.nh?.dev?.ifindex !== filter.dev) ||
          (filter.protocol && fa.fi.protocol !== filter.protocol));
      if (!skip) {
        const err = fib_dump_info(
          skb,
          cb.skb.cb.portid,
          cb.nlh.nlmsg_seq,
          RTM_NEWROUTE,
          { fi: fa.fi, tb_id: tb.tb_id, dst: fa.key, dst_len: fa.plen, dscp: fa.dscp, type: fa.type },
          NLM_F_MULTI | (filter.filter_set ? NLM_F_DUMP_FILTERED : 0),
        );
        if (err < 0) return skb.len || err;
      }
      cb.args[1] = i + 1;
    }
    cb.args[0] = t + 1;
    cb.args[1] = 0;
  }
  return skb.len;
};

// ---------------------------------------------------------------------------------------------
// RTM_NEWROUTE and RTM_DELROUTE

const ipv4_attr = (d: Uint8Array): number => ((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0;
const RTA_VIA = 18;

/** The local table has `addr` as a local address (inet_addr_type_table(..., RT_TABLE_LOCAL) == RTN_LOCAL) */
const is_local_addr =
  (net: Net) =>
  (addr: number): boolean =>
    (fib_get_table(net, RT_TABLE_LOCAL)?.aliases ?? []).some(
      (fa) => fa.type === RTN_LOCAL && (addr & inet_make_mask(fa.plen)) >>> 0 === fa.key,
    );

/** What fib_table_insert needs of the addresses and the lookup */
const fib_env = (net: Net): FibEnv => ({ is_local_addr: is_local_addr(net), fib_lookup });

/**
 * rtm_to_fib_config: the rtmsg and attributes of a route request; −EINVAL with the kernel's extack
 * for ECN bits in the tos, a type above RTN_MAX, a prefix length above 32 or host bits set.
 */
const rtm_to_fib_config = (net: Net, skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): FibConfig | number => {
  // nlmsg_validate_deprecated: a short header is −EINVAL without a message
  if (nlmsg_len(nlh) < RTMSG_SIZE) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, RTMSG_SIZE, rtm_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const rtm = rtmsg(nlh.msg);
  if (rtm.tos & 3) {
    extack.msg = "Invalid dsfield (tos): ECN bits must be 0";
    return -ERRNO.EINVAL;
  }
  const cfg: FibConfig = {
    dscp: rtm.tos,
    dst: 0,
    dst_len: rtm.dst_len,
    table: rtm.table,
    protocol: rtm.protocol,
    scope: rtm.scope,
    type: rtm.type,
    flags: rtm.flags,
    nlflags: nlh.nlmsg_flags,
    oif: 0,
    gw4: 0,
    priority: 0,
    prefsrc: 0,
    nh_id: 0,
    nlh,
    portid: skb.cb.portid,
  };
  if (cfg.type > RTN_MAX) {
    extack.msg = "Invalid route type";
    return -ERRNO.EINVAL;
  }
  for (const t of [RTA_MULTIPATH, RTA_METRICS, RTA_FLOW, RTA_ENCAP, RTA_ENCAP_TYPE, RTA_VIA]) {
    if (tb[t] === undefined) continue;
    net.kernel?.printk(`${KERN_NOTICE}nlsim: IPv4 route attribute ${t} is not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  if (tb[RTA_DST] !== undefined) cfg.dst = ipv4_attr(tb[RTA_DST]!.data);
  if (tb[RTA_OIF] !== undefined) cfg.oif = getU32(tb[RTA_OIF]!.data, 0);
  if (tb[RTA_GATEWAY] !== undefined) cfg.gw4 = ipv4_attr(tb[RTA_GATEWAY]!.data);
  if (tb[RTA_PRIORITY] !== undefined) cfg.priority = getU32(tb[RTA_PRIORITY]!.data, 0);
  if (tb[RTA_PREFSRC] !== undefined) cfg.prefsrc = ipv4_attr(tb[RTA_PREFSRC]!.data);
  if (tb[RTA_TABLE] !== undefined) cfg.table = getU32(tb[RTA_TABLE]!.data, 0);
  if (tb[RTA_NH_ID] !== undefined) cfg.nh_id = getU32(tb[RTA_NH_ID]!.data, 0);
  if (cfg.nh_id && (cfg.oif || cfg.gw4)) {
    extack.msg = "Nexthop specification and nexthop id are mutually exclusive";
    return -ERRNO.EINVAL;
  }
  if (cfg.dst_len > 32) {
    extack.msg = "Invalid prefix length";
    return -ERRNO.EINVAL;
  }
  if (cfg.dst_len < 32 && (cfg.dst << cfg.dst_len) >>> 0 !== 0) {
    extack.msg = "Invalid prefix for given prefix length";
    return -ERRNO.EINVAL;
  }
  return cfg;
};

/** inet_rtm_newroute: RTM_NEWROUTE into the table (made on first use; 0 means main) */
const inet_rtm_newroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const cfg = rtm_to_fib_config(net, skb, nlh, extack);
  if (typeof cfg === "number") return cfg;
  const tb = fib_new_table(net, cfg.table);
  return fib_table_insert(net, tb, cfg, extack, fib_env(net));
};

/** inet_rtm_delroute: RTM_DELROUTE; a table that does not exist is −ESRCH "FIB table does not exist" */
const inet_rtm_delroute: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const cfg = rtm_to_fib_config(net, skb, nlh, extack);
  if (typeof cfg === "number") return cfg;
  const tb = fib_get_table(net, cfg.table);
  if (tb === undefined) {
    extack.msg = "FIB table does not exist";
    return -ERRNO.ESRCH;
  }
  return fib_table_delete(net, tb, cfg);
};

// ---------------------------------------------------------------------------------------------
// The kernel's own routes for addresses and devices

/**
 * fib_magic(cmd, type, dst, dst_len, ifa, rt_priority): a RTPROT_KERNEL route over the address's
 * device with the primary address as preferred source; unicast in main (scope link), the others in
 * local (local: scope host, broadcast: scope link). Its errors (EEXIST, ESRCH) are dropped.
 */
const fib_magic = (
  net: Net,
  cmd: number,
  type: number,
  dst: number,
  dst_len: number,
  ifa: InIfaddr,
  rt_priority: number,
): void => {
  const tb = fib_new_table(net, type === RTN_UNICAST ? RT_TABLE_MAIN : RT_TABLE_LOCAL);
  const cfg: FibConfig = {
    dscp: 0,
    dst: dst >>> 0,
    dst_len,
    table: tb.tb_id,
    protocol: RTPROT_KERNEL,
    scope: type !== RTN_LOCAL ? RT_SCOPE_LINK : RT_SCOPE_HOST,
    type,
    flags: 0,
    nlflags: NLM_F_CREATE | NLM_F_APPEND,
    oif: ifa.dev.ifindex,
    gw4: 0,
    priority: rt_priority,
    prefsrc: ifa.ifa_local,
    nh_id: 0,
    nlh: null,
    portid: 0,
  };
  if (cmd === RTM_NEWROUTE) fib_table_insert(net, tb, cfg, {}, fib_env(net));
  else fib_table_delete(net, tb, cfg);
};

const IFA_F_SECONDARY = 0x01;
const IFA_F_NOPREFIXROUTE = 0x200;
const ipv4_is_zeronet = (a: number): boolean => a >>> 24 === 0;

/** fib_add_ifaddr(ifa): the local route; on an up device also the broadcast and prefix routes */
const fib_add_ifaddr = (net: Net, ifa: InIfaddr): void => {
  const in_dev = in_dev_get(ifa.dev);
  const dev = ifa.dev;
  const mask = ifa.ifa_mask;
  const addr = ifa.ifa_local;
  const prefix = (ifa.ifa_address & mask) >>> 0;
  let prim = ifa;
  if (ifa.ifa_flags & IFA_F_SECONDARY) {
    const p = inet_ifa_byprefix(in_dev, prefix, mask);
    if (p === undefined) return;
    prim = p;
  }
  fib_magic(net, RTM_NEWROUTE, RTN_LOCAL, addr, 32, prim, 0);
  if (!(dev.flags & IFF_UP)) return;
  if (ifa.ifa_broadcast && ifa.ifa_broadcast !== 0xffffffff)
    fib_magic(net, RTM_NEWROUTE, RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0);
  if (!ipv4_is_zeronet(prefix) && !(ifa.ifa_flags & IFA_F_SECONDARY) && (prefix !== addr || ifa.ifa_prefixlen < 32)) {
    if (!(ifa.ifa_flags & IFA_F_NOPREFIXROUTE))
      fib_magic(
        net,
        RTM_NEWROUTE,
        dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST,
        prefix,
        ifa.ifa_prefixlen,
        prim,
        ifa.ifa_rt_priority,
      );
    if (ifa.ifa_prefixlen < 31) fib_magic(net, RTM_NEWROUTE, RTN_BROADCAST, (prefix | ~mask) >>> 0, 32, prim, 0);
  }
};

/**
 * fib_del_ifaddr(ifa, iprim): the prefix route of a primary, then the broadcast and local routes
 * no other address of the device still needs (the kernel's LOCAL_OK / BRD_OK / BRD0_OK / BRD1_OK
 * scan), then the routes that used the vanished address as preferred source.
 */
const fib_del_ifaddr = (net: Net, ifa: InIfaddr): void => {
  const in_dev = in_dev_get(ifa.dev);
  const dev = ifa.dev;
  const brd = (ifa.ifa_address | ~ifa.ifa_mask) >>> 0;
  const any = (ifa.ifa_address & ifa.ifa_mask) >>> 0;
  const LOCAL_OK = 1;
  const BRD_OK = 2;
  const BRD0_OK = 4;
  const BRD1_OK = 8;
  let ok = 0;
  let subnet = false;
  let gone = true;
  let same_prefsrc = false;
  let prim = ifa;
  let prim1: InIfaddr | undefined;
  if (ifa.ifa_flags & IFA_F_SECONDARY) {
    const p = inet_ifa_byprefix(in_dev, any, ifa.ifa_mask);
    if (p === undefined) return;
    prim = p;
  } else if (!ipv4_is_zeronet(any) && (any !== ifa.ifa_local || ifa.ifa_prefixlen < 32)) {
    if (!(ifa.ifa_flags & IFA_F_NOPREFIXROUTE))
      fib_magic(net, RTM_DELROUTE, dev.flags & IFF_LOOPBACK ? RTN_LOCAL : RTN_UNICAST, any, ifa.ifa_prefixlen, prim, 0);
    subnet = true;
  }
  if (!in_dev.dead) {
    for (const ifa1 of in_dev.ifa_list) {
      if (ifa1 === ifa) {
        gone = false;
        continue;
      }
      if (ifa1.ifa_flags & IFA_F_SECONDARY) {
        if (ifa1.ifa_mask === prim.ifa_mask && inet_ifa_match(ifa1.ifa_address, prim)) prim1 = prim;
        else {
          if (!same_prefsrc) continue;
          if (prim1 === undefined || ifa1.ifa_mask !== prim1.ifa_mask || !inet_ifa_match(ifa1.ifa_address, prim1))
            prim1 = inet_ifa_byprefix(in_dev, ifa1.ifa_address, ifa1.ifa_mask);
          if (prim1 === undefined) continue;
          if (prim1.ifa_local !== prim.ifa_local) continue;
        }
      } else {
        if (prim.ifa_local !== ifa1.ifa_local) continue;
        prim1 = ifa1;
        if (prim !== prim1) same_prefsrc = true;
      }
      if (ifa.ifa_local === ifa1.ifa_local) ok |= LOCAL_OK;
      if (ifa.ifa_broadcast === ifa1.ifa_broadcast) ok |= BRD_OK;
      if (brd === ifa1.ifa_broadcast) ok |= BRD1_OK;
      if (any === ifa1.ifa_broadcast) ok |= BRD0_OK;
      if (prim1 === ifa1 && ifa1.ifa_prefixlen < 31) {
        const brd1 = (ifa1.ifa_address | ~ifa1.ifa_mask) >>> 0;
        const any1 = (ifa1.ifa_address & ifa1.ifa_mask) >>> 0;
        if (!ipv4_is_zeronet(any1)) {
          if (ifa.ifa_broadcast === brd1 || ifa.ifa_broadcast === any1) ok |= BRD_OK;
          if (brd === brd1 || brd === any1) ok |= BRD1_OK;
          if (any === brd1 || any === any1) ok |= BRD0_OK;
        }
      }
    }
  }
  if (!(ok & BRD_OK)) fib_magic(net, RTM_DELROUTE, RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0);
  if (subnet && ifa.ifa_prefixlen < 31) {
    if (!(ok & BRD1_OK)) fib_magic(net, RTM_DELROUTE, RTN_BROADCAST, brd, 32, prim, 0);
    if (!(ok & BRD0_OK)) fib_magic(net, RTM_DELROUTE, RTN_BROADCAST, any, 32, prim, 0);
  }
  if (!(ok & LOCAL_OK)) {
    fib_magic(net, RTM_DELROUTE, RTN_LOCAL, ifa.ifa_local, 32, prim, 0);
    if (gone && !is_local_addr(net)(ifa.ifa_local)) fib_sync_down_addr(net, ifa.ifa_local);
  }
};

/** fib_inetaddr_event: an address added or deleted; the device's last address gone flushes its routes */
const fib_inetaddr_event: InetaddrNotifier = (event, ifa, net) => {
  if (event === NETDEV_UP) fib_add_ifaddr(net, ifa);
  else if (event === NETDEV_DOWN) {
    fib_del_ifaddr(net, ifa);
    if (in_dev_get(ifa.dev).ifa_list.length === 0) fib_disable_ip(net, ifa.dev, true);
  }
};

/** fib_netdev_event: up re-adds every address's routes; down and unregister take the device's routes away */
const fib_netdev_event: NetdevNotifier = (event, dev, net) => {
  if (event === NETDEV_UP) for (const ifa of in_dev_get(dev).ifa_list) fib_add_ifaddr(net, ifa);
  else if (event === NETDEV_DOWN) fib_disable_ip(net, dev, false);
  else if (event === NETDEV_UNREGISTER) fib_disable_ip(net, dev, true);
};

/** ip_fib_init's handlers: routes and the AF_INET route dump (RTM_GETROUTE do is in route.ts) */
export const ip_fib_net_init = (net: Net): void => {
  register_netdevice_notifier(net, fib_netdev_event);
  register_inetaddr_notifier(net, fib_inetaddr_event);
  rtnl_register(net, AF_INET_RT, RTM_NEWROUTE, inet_rtm_newroute, null);
  rtnl_register(net, AF_INET_RT, RTM_DELROUTE, inet_rtm_delroute, null);
  rtnl_register(net, AF_INET_RT, RTM_GETROUTE, null, inet_dump_fib);
};
