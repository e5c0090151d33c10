// net/core/fib_rules.c (6.18): the policy routing rules of a namespace, per family (struct
// fib_rules_ops: IPv4 from net/ipv4/fib_rules.ts, IPv6's add/delete side below): the defaults
// (fib_default_rules_init: IPv4 local 0, main 32766, default 32767; IPv6 local 0, main 32766),
// RTM_NEWRULE / RTM_DELRULE (fib_newrule, fib_delrule with fib_nl2rule, rule_exists, rule_find),
// their notifications to the family's group (notify_rule_change), the RTM_GETRULE dump
// (fib_nl_dumprule) and the lookup over the rules (fib_rules_lookup). RTM_GETRULE has no doit
// (→ EOPNOTSUPP). Goto/nop targets, tunnel ids, l3mdev, IP protocol, port and DSCP selectors are
// not modelled (logged, −EOPNOTSUPP).

import { GFP_KERNEL } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_LIBERAL,
  NLA_STRING,
  NLA_U8,
  NLA_U32,
  NLA_U64,
  NLM_F_EXCL,
  NLM_F_MULTI,
  type NlaPolicySet,
  nlaPolicy,
  putU32,
} from "../../uapi/index.js";
import { AF_INET6, FIB_RULE_HDR_SIZE, RTM_GETRULE, RTM_NEWRULE } from "../../uapi/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import {
  nla_put,
  nla_put_string,
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
import { __dev_get_by_name } from "./loopback.js";
import {
  type IflaTb,
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_msg_family,
  rtnl_notify,
  rtnl_register,
  skb_net,
} from "./rtnetlink.js";

// include/uapi/linux/fib_rules.h
export const FRA_DST = 1;
export const FRA_SRC = 2;
export const FRA_IIFNAME = 3;
export const FRA_GOTO = 4;
export const FRA_PRIORITY = 6;
export const FRA_FWMARK = 10;
export const FRA_FLOW = 11;
export const FRA_TUN_ID = 12;
export const FRA_SUPPRESS_IFGROUP = 13;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_FWMASK = 16;
export const FRA_OIFNAME = 17;
export const FRA_L3MDEV = 19;
export const FRA_UID_RANGE = 20;
export const FRA_PROTOCOL = 21;
export const FRA_IP_PROTO = 22;
export const FRA_SPORT_RANGE = 23;
export const FRA_DPORT_RANGE = 24;
export const FRA_DSCP = 25;
export const FRA_MAX = 30;
export const FR_ACT_TO_TBL = 1;
export const FR_ACT_GOTO = 2;
export const FR_ACT_NOP = 3;
export const FR_ACT_BLACKHOLE = 6;
export const FR_ACT_UNREACHABLE = 7;
export const FR_ACT_PROHIBIT = 8;
export const FIB_RULE_PERMANENT = 0x01;
export const FIB_RULE_INVERT = 0x02;
export const FIB_RULE_IIF_DETACHED = 0x08;
export const FIB_RULE_OIF_DETACHED = 0x10;
/** RTPROT_KERNEL: the rules the kernel made itself */
export const RTPROT_KERNEL = 2;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;
const RT_TABLE_COMPAT = 252;
const RTM_DELRULE = 33;
/** INVALID_UID .. : fib_kuid_range_unset */
const UID_UNSET_START = 0;
const UID_UNSET_END = 0xffffffff;

/** struct fib_rule, with the family's selectors (struct fib4_rule / fib6_rule: src, dst, dscp) */
export interface FibRule {
  pref: number;
  table: number;
  readonly action: number;
  readonly flags: number;
  readonly proto: number;
  readonly suppress_prefixlen: number;
  readonly suppress_ifgroup: number;
  readonly iifname: string;
  iifindex: number;
  readonly oifname: string;
  oifindex: number;
  readonly mark: number;
  readonly mark_mask: number;
  readonly uid_start: number;
  readonly uid_end: number;
  /** the family's part: addresses as bytes (network order), their prefix lengths, the dsfield */
  src: Uint8Array;
  src_len: number;
  dst: Uint8Array;
  dst_len: number;
  dscp: number;
}

/** struct fib_rule_hdr, read from a request */
export interface FibRuleHdr {
  readonly family: number;
  readonly dst_len: number;
  readonly src_len: number;
  readonly tos: number;
  readonly table: number;
  readonly action: number;
  readonly flags: number;
}

/** The lookup a family's rules drive: the flow's fields fib_rule_match reads, and the family's own */
export interface FibRuleFlow {
  readonly iif: number;
  readonly oif: number;
  readonly mark: number;
  readonly uid: number;
}

/** struct fib_rules_ops: one per family with policy routing */
export interface FibRulesOps {
  readonly family: number;
  readonly addr_size: number;
  readonly nlgroup: number;
  readonly policy: NlaPolicySet;
  readonly rules_list: FibRule[];
  /** ops->configure: the family's checks and selectors; 0 or a negative errno */
  readonly configure: (net: Net, rule: FibRule, frh: FibRuleHdr, tb: IflaTb, extack: NetlinkExtAck) => number;
  /** ops->delete */
  readonly delete: (net: Net, rule: FibRule) => number;
  /** ops->compare: the family's selectors against a request */
  readonly compare: (rule: FibRule, frh: FibRuleHdr, tb: IflaTb) => boolean;
}

const rules_ops = new WeakMap<Net, FibRulesOps[]>();

/** net->rules_ops, in registration order (IPv4 at inet_init, then IPv6) */
export const net_rules_ops = (net: Net): FibRulesOps[] => {
  let l = rules_ops.get(net);
  if (l === undefined) {
    l = [];
    rules_ops.set(net, l);
  }
  return l;
};

/** lookup_rules_ops(net, family) */
export const lookup_rules_ops = (net: Net, family: number): FibRulesOps | undefined =>
  net_rules_ops(net).find((o) => o.family === family);

/** A rule with every selector unset (what kzalloc and fib_nl2rule's defaults leave) */
export const fib_rule_alloc = (f: Partial<FibRule>): FibRule => ({
  pref: 0,
  table: 0,
  action: 0,
  flags: 0,
  proto: 0,
  suppress_prefixlen: -1,
  suppress_ifgroup: -1,
  iifname: "",
  iifindex: 0,
  oifname: "",
  oifindex: 0,
  mark: 0,
  mark_mask: 0,
  uid_start: UID_UNSET_START,
  uid_end: UID_UNSET_END,
  src: new Uint8Array(0),
  src_len: 0,
  dst: new Uint8Array(0),
  dst_len: 0,
  dscp: 0,
  ...f,
});

/** fib_default_rule_add(ops, pref, table): FR_ACT_TO_TBL, proto RTPROT_KERNEL */
export const fib_default_rule_add = (ops: FibRulesOps, pref: number, table: number): void => {
  ops.rules_list.push(fib_rule_alloc({ pref, table, action: FR_ACT_TO_TBL, proto: RTPROT_KERNEL }));
};

/** FRA_GENERIC_POLICY (include/net/fib_rules.h), strict from FRA_DPORT_RANGE + 1 */
export const fra_generic_policy = (extra: Readonly<Record<number, { type: number; len?: number }>>): NlaPolicySet =>
  nlaPolicy(
    FRA_MAX,
    {
      [FRA_IIFNAME]: { type: NLA_STRING, len: 15 },
      [FRA_OIFNAME]: { type: NLA_STRING, len: 15 },
      [FRA_PRIORITY]: { type: NLA_U32 },
      [FRA_FWMARK]: { type: NLA_U32 },
      [FRA_TUN_ID]: { type: NLA_U64 },
      [FRA_FWMASK]: { type: NLA_U32 },
      [FRA_TABLE]: { type: NLA_U32 },
      [FRA_SUPPRESS_PREFIXLEN]: { type: NLA_U32 },
      [FRA_SUPPRESS_IFGROUP]: { type: NLA_U32 },
      [FRA_GOTO]: { type: NLA_U32 },
      [FRA_L3MDEV]: { type: NLA_U8 },
      [FRA_UID_RANGE]: { type: 0, len: 8 },
      [FRA_PROTOCOL]: { type: NLA_U8 },
      [FRA_IP_PROTO]: { type: NLA_U8 },
      [FRA_SPORT_RANGE]: { type: 0, len: 4 },
      [FRA_DPORT_RANGE]: { type: 0, len: 4 },
      ...extra,
    },
    FRA_DPORT_RANGE + 1,
  );

/** fib_rule_hdr from a request (zeros past a short payload) */
export const fib_rule_hdr = (msg: Uint8Array): FibRuleHdr => {
  const b = new Uint8Array(FIB_RULE_HDR_SIZE);
  b.set(msg.subarray(16, 16 + FIB_RULE_HDR_SIZE));
  return {
    family: b[0]!,
    dst_len: b[1]!,
    src_len: b[2]!,
    tos: b[3]!,
    table: b[4]!,
    action: b[7]!,
    flags: getU32(b, 8),
  };
};

const nla_u32 = (tb: IflaTb, t: number): number | undefined =>
  tb[t] === undefined ? undefined : getU32(tb[t]!.data, 0);
/** nla_strscpy(dst, nla, IFNAMSIZ): up to the first NUL, at most 15 bytes */
const nla_ifname = (tb: IflaTb, t: number): string => {
  const d = tb[t]!.data;
  const z = d.indexOf(0);
  return new TextDecoder().decode(d.subarray(0, Math.min(z < 0 ? d.length : z, 15)));
};

/** The selectors the model does not implement, refused before anything changes */
const NOT_MODELLED: ReadonlyArray<number> = [
  FRA_GOTO,
  FRA_TUN_ID,
  FRA_L3MDEV,
  FRA_IP_PROTO,
  FRA_SPORT_RANGE,
  FRA_DPORT_RANGE,
];

/**
 * fib_nl2rule: the rule a RTM_NEWRULE / RTM_DELRULE request describes (fib_nl2rule_rtnl's default
 * priority and device indexes included); a negative errno with the kernel's extack otherwise.
 */
const fib_nl2rule = (
  net: Net,
  nlh: Nlmsghdr,
  extack: NetlinkExtAck,
  ops: FibRulesOps,
  tb: IflaTb,
): FibRule | number => {
  const frh = fib_rule_hdr(nlh.msg);
  if (
    frh.src_len &&
    (tb[FRA_SRC] === undefined || frh.src_len > ops.addr_size * 8 || tb[FRA_SRC]!.data.length !== ops.addr_size)
  ) {
    extack.msg = "Invalid source address";
    return -ERRNO.EINVAL;
  }
  if (
    frh.dst_len &&
    (tb[FRA_DST] === undefined || frh.dst_len > ops.addr_size * 8 || tb[FRA_DST]!.data.length !== ops.addr_size)
  ) {
    extack.msg = "Invalid dst address";
    return -ERRNO.EINVAL;
  }
  if (frh.action === FR_ACT_GOTO || frh.action === FR_ACT_NOP || NOT_MODELLED.some((t) => tb[t] !== undefined)) {
    net.kernel?.printk(
      `${KERN_NOTICE}nlsim: fib rule goto/nop, tunnel, l3mdev, ip_proto and port selectors are not modelled (EOPNOTSUPP)`,
    );
    return -ERRNO.EOPNOTSUPP;
  }
  const mark = nla_u32(tb, FRA_FWMARK) ?? 0;
  let uid_start = UID_UNSET_START;
  let uid_end = UID_UNSET_END;
  if (tb[FRA_UID_RANGE] !== undefined) {
    uid_start = getU32(tb[FRA_UID_RANGE]!.data, 0);
    uid_end = getU32(tb[FRA_UID_RANGE]!.data, 4);
    // uid_range_set and uid_lte (INVALID_UID is (uid_t)−1)
    if (uid_start === 0xffffffff || uid_end === 0xffffffff || uid_start > uid_end) {
      extack.msg = "Invalid uid range";
      return -ERRNO.EINVAL;
    }
  }
  const rule = fib_rule_alloc({
    pref: nla_u32(tb, FRA_PRIORITY) ?? fib_default_rule_pref(ops),
    table: nla_u32(tb, FRA_TABLE) ?? frh.table,
    action: frh.action,
    flags: frh.flags,
    proto: tb[FRA_PROTOCOL] === undefined ? 0 : tb[FRA_PROTOCOL]!.data[0]!,
    suppress_prefixlen: tb[FRA_SUPPRESS_PREFIXLEN] === undefined ? -1 : getU32(tb[FRA_SUPPRESS_PREFIXLEN]!.data, 0) | 0,
    suppress_ifgroup: tb[FRA_SUPPRESS_IFGROUP] === undefined ? -1 : getU32(tb[FRA_SUPPRESS_IFGROUP]!.data, 0) | 0,
    iifname: tb[FRA_IIFNAME] === undefined ? "" : nla_ifname(tb, FRA_IIFNAME),
    iifindex: tb[FRA_IIFNAME] === undefined ? 0 : -1,
    oifname: tb[FRA_OIFNAME] === undefined ? "" : nla_ifname(tb, FRA_OIFNAME),
    oifindex: tb[FRA_OIFNAME] === undefined ? 0 : -1,
    mark,
    // a non-zero mark compares all bits unless a mask is given
    mark_mask: nla_u32(tb, FRA_FWMASK) ?? (mark ? 0xffffffff : 0),
    uid_start,
    uid_end,
  });
  // fib_nl2rule_rtnl: the devices named, when they exist
  if (rule.iifname) rule.iifindex = __dev_get_by_name(net, rule.iifname)?.ifindex ?? -1;
  if (rule.oifname) rule.oifindex = __dev_get_by_name(net, rule.oifname)?.ifindex ?? -1;
  return rule;
};

/** fib_default_rule_pref(ops): one below the second rule's priority, when it has one */
const fib_default_rule_pref = (ops: FibRulesOps): number => {
  const second = ops.rules_list[1];
  return second?.pref ? second.pref - 1 : 0;
};

/** The generic selectors two rules share exactly (rule_exists' checks before ops->compare) */
const same_generic = (r: FibRule, rule: FibRule): boolean =>
  r.action === rule.action &&
  r.table === rule.table &&
  r.pref === rule.pref &&
  r.iifname === rule.iifname &&
  r.oifname === rule.oifname &&
  r.mark === rule.mark &&
  r.suppress_ifgroup === rule.suppress_ifgroup &&
  r.suppress_prefixlen === rule.suppress_prefixlen &&
  r.mark_mask === rule.mark_mask &&
  r.uid_start === rule.uid_start &&
  r.uid_end === rule.uid_end;

/** rule_exists(ops, frh, tb, rule): NLM_F_EXCL's duplicate check */
const rule_exists = (ops: FibRulesOps, frh: FibRuleHdr, tb: IflaTb, rule: FibRule): boolean =>
  ops.rules_list.some((r) => same_generic(r, rule) && ops.compare(r, frh, tb));

const uid_range_set = (r: FibRule): boolean => r.uid_start !== UID_UNSET_START || r.uid_end !== UID_UNSET_END;

/** rule_find(ops, frh, tb, rule, user_priority): the first rule matching what the request gives */
const rule_find = (
  ops: FibRulesOps,
  frh: FibRuleHdr,
  tb: IflaTb,
  rule: FibRule,
  user_priority: boolean,
): FibRule | undefined =>
  ops.rules_list.find(
    (r) =>
      !(rule.action && r.action !== rule.action) &&
      !(rule.table && r.table !== rule.table) &&
      !(user_priority && r.pref !== rule.pref) &&
      !(rule.iifname && r.iifname !== rule.iifname) &&
      !(rule.oifname && r.oifname !== rule.oifname) &&
      !(rule.mark && r.mark !== rule.mark) &&
      !(rule.suppress_ifgroup !== -1 && r.suppress_ifgroup !== rule.suppress_ifgroup) &&
      !(rule.suppress_prefixlen !== -1 && r.suppress_prefixlen !== rule.suppress_prefixlen) &&
      !(rule.mark_mask && r.mark_mask !== rule.mark_mask) &&
      !(uid_range_set(rule) && (r.uid_start !== rule.uid_start || r.uid_end !== rule.uid_end)) &&
      !(rule.proto && r.proto !== rule.proto) &&
      ops.compare(r, frh, tb),
  );

/** The start of fib_newrule / fib_delrule: the header, the family's ops, the attributes, the rule */
const fib_rule_request = (
  net: Net,
  nlh: Nlmsghdr,
  extack: NetlinkExtAck,
): { ops: FibRulesOps; frh: FibRuleHdr; tb: IflaTb; rule: FibRule } | number => {
  if (nlmsg_len(nlh) < FIB_RULE_HDR_SIZE) {
    extack.msg = "Invalid msg length";
    return -ERRNO.EINVAL;
  }
  const frh = fib_rule_hdr(nlh.msg);
  const ops = lookup_rules_ops(net, frh.family);
  if (ops === undefined) {
    extack.msg = "Rule family not supported";
    return -ERRNO.EAFNOSUPPORT;
  }
  const tb = nlmsg_parse(nlh, FIB_RULE_HDR_SIZE, ops.policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") {
    extack.msg = "Error parsing msg";
    return tb;
  }
  const rule = fib_nl2rule(net, nlh, extack, ops, tb);
  if (typeof rule === "number") return rule;
  return { ops, frh, tb, rule };
};

/** fib_nl_newrule → fib_newrule: RTM_NEWRULE, inserted after every rule of its priority or less */
export const fib_nl_newrule: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const req = fib_rule_request(net, nlh, extack);
  if (typeof req === "number") return req;
  const { ops, frh, tb, rule } = req;
  if (nlh.nlmsg_flags & NLM_F_EXCL && rule_exists(ops, frh, tb, rule)) return -ERRNO.EEXIST;
  const err = ops.configure(net, rule, frh, tb, extack);
  if (err < 0) return err;
  let at = 0;
  while (at < ops.rules_list.length && ops.rules_list[at]!.pref <= rule.pref) at++;
  ops.rules_list.splice(at, 0, rule);
  notify_rule_change(net, RTM_NEWRULE, rule, ops, nlh, skb.cb.portid);
  return 0;
};

/** fib_nl_delrule → fib_delrule: RTM_DELRULE, the first rule rule_find matches, announced with the request's seq */
export const fib_nl_delrule: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const req = fib_rule_request(net, nlh, extack);
  if (typeof req === "number") return req;
  const { ops, frh, tb } = req;
  const rule = rule_find(ops, frh, tb, req.rule, tb[FRA_PRIORITY] !== undefined);
  if (rule === undefined) return -ERRNO.ENOENT;
  if (rule.flags & FIB_RULE_PERMANENT) return -ERRNO.EPERM;
  const err = ops.delete(net, rule);
  if (err) return err;
  ops.rules_list.splice(ops.rules_list.indexOf(rule), 1);
  notify_rule_change(net, RTM_DELRULE, rule, ops, nlh, skb.cb.portid);
  return 0;
};

/** fib_rule_nlmsg_size(ops, rule) */
const fib_rule_nlmsg_size = (): number => 256;

/** notify_rule_change(event, rule, ops, nlh, pid): to the family's group (RTNLGRP_IPV4_RULE, …) */
const notify_rule_change = (
  net: Net,
  event: number,
  rule: FibRule,
  ops: FibRulesOps,
  nlh: Nlmsghdr | null,
  pid: number,
): void => {
  const skb = nlmsg_new(fib_rule_nlmsg_size(), GFP_KERNEL);
  if (fib_nl_fill_rule(skb, rule, pid, nlh?.nlmsg_seq ?? 0, event, 0, ops) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, pid, ops.nlgroup, nlh);
};

/**
 * fib_nl_fill_rule: struct fib_rule_hdr, FRA_TABLE, FRA_SUPPRESS_PREFIXLEN, FRA_PROTOCOL, the
 * device names, FRA_PRIORITY (when not 0), the mark and its mask, the uid range, the suppressed
 * group, then the family's part (ops->fill: FRA_DST, FRA_SRC).
 */
const fib_nl_fill_rule = (
  skb: SkBuff,
  rule: FibRule,
  pid: number,
  seq: number,
  type: number,
  flags: number,
  ops: FibRulesOps,
): number => {
  const nlh = nlmsg_put(skb, pid, seq, type, FIB_RULE_HDR_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const frh = nlmsg_data(nlh);
  const b = skb.head;
  let frh_flags = rule.flags;
  if (rule.iifname && rule.iifindex === -1) frh_flags |= FIB_RULE_IIF_DETACHED;
  if (rule.oifname && rule.oifindex === -1) frh_flags |= FIB_RULE_OIF_DETACHED;
  b[frh] = ops.family;
  b[frh + 1] = rule.dst_len;
  b[frh + 2] = rule.src_len;
  b[frh + 3] = rule.dscp;
  b[frh + 4] = rule.table < 256 ? rule.table : RT_TABLE_COMPAT;
  b[frh + 7] = rule.action;
  putU32(b, frh + 8, frh_flags >>> 0);
  const uid = new Uint8Array(8);
  putU32(uid, 0, rule.uid_start);
  putU32(uid, 4, rule.uid_end);
  if (
    nla_put_u32(skb, FRA_TABLE, rule.table) ||
    nla_put_u32(skb, FRA_SUPPRESS_PREFIXLEN, rule.suppress_prefixlen >>> 0) ||
    nla_put_u8(skb, FRA_PROTOCOL, rule.proto) ||
    (rule.iifname !== "" && nla_put_string(skb, FRA_IIFNAME, rule.iifname)) ||
    (rule.oifname !== "" && nla_put_string(skb, FRA_OIFNAME, rule.oifname)) ||
    (rule.pref !== 0 && nla_put_u32(skb, FRA_PRIORITY, rule.pref)) ||
    (rule.mark !== 0 && nla_put_u32(skb, FRA_FWMARK, rule.mark)) ||
    ((rule.mark_mask || rule.mark) && nla_put_u32(skb, FRA_FWMASK, rule.mark_mask)) ||
    (uid_range_set(rule) && nla_put(skb, FRA_UID_RANGE, uid)) ||
    (rule.suppress_ifgroup !== -1 && nla_put_u32(skb, FRA_SUPPRESS_IFGROUP, rule.suppress_ifgroup >>> 0)) ||
    // ops->fill (fib4_rule_fill, fib6_rule_fill)
    (rule.dst_len && nla_put(skb, FRA_DST, rule.dst)) ||
    (rule.src_len && nla_put(skb, FRA_SRC, rule.src))
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/**
 * fib_rule_match(rule, ops, fl, flags, arg): the generic selectors (iif, oif, mark, uid range),
 * then the family's (`match`); FIB_RULE_INVERT turns the answer round.
 */
const fib_rule_match = (rule: FibRule, fl: FibRuleFlow, match: (rule: FibRule) => boolean): boolean => {
  let ret = false;
  if (rule.iifindex && rule.iifindex !== fl.iif) ret = false;
  else if (rule.oifindex && rule.oifindex !== fl.oif) ret = false;
  else if (((rule.mark ^ fl.mark) & rule.mark_mask) !== 0) ret = false;
  else if (fl.uid >>> 0 < rule.uid_start || fl.uid >>> 0 > rule.uid_end) ret = false;
  else ret = match(rule);
  return rule.flags & FIB_RULE_INVERT ? !ret : ret;
};

/**
 * fib_rules_lookup(ops, fl, flags, arg): the first matching rule whose action (`action`) answers
 * anything but −EAGAIN and whose result is not suppressed; −ESRCH when none does.
 */
export const fib_rules_lookup = <R>(
  ops: FibRulesOps,
  fl: FibRuleFlow,
  match: (rule: FibRule) => boolean,
  action: (rule: FibRule) => R | number,
  suppress: (rule: FibRule, res: R) => boolean,
): R | number => {
  for (const rule of ops.rules_list) {
    if (!fib_rule_match(rule, fl, match)) continue;
    const err = action(rule);
    if (typeof err !== "number" && suppress(rule, err)) continue;
    if (err !== -ERRNO.EAGAIN) return err;
  }
  return -ERRNO.ESRCH;
};

/** dump_rules: the family's rules from cb->args[1]; 0 when all are in, −EMSGSIZE when the skb filled. */
const dump_rules = (skb: SkBuff, cb: NetlinkCallback, ops: FibRulesOps): number => {
  let idx = 0;
  let err = 0;
  for (const rule of ops.rules_list) {
    if (idx >= cb.args[1]!) {
      err = fib_nl_fill_rule(skb, rule, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWRULE, NLM_F_MULTI, ops);
      if (err) break;
    }
    idx++;
  }
  cb.args[1] = idx;
  return err;
};

/** fib_valid_dumprule_req: what a strict-checking requester's dump request may carry */
const fib_valid_dumprule_req = (nlh: Nlmsghdr, cb: NetlinkCallback): number => {
  const extack = cb.extack ?? {};
  if (nlmsg_len(nlh) < FIB_RULE_HDR_SIZE) {
    extack.msg = "Invalid header for fib rule dump request";
    return -ERRNO.EINVAL;
  }
  const h = nlh.msg.subarray(16, 16 + FIB_RULE_HDR_SIZE);
  // dst_len, src_len, tos, table, res1, res2, action, flags
  if (h.subarray(1).some((x) => x !== 0)) {
    extack.msg = "Invalid values in header for fib rule dump request";
    return -ERRNO.EINVAL;
  }
  if (nlmsg_len(nlh) > FIB_RULE_HDR_SIZE) {
    extack.msg = "Invalid data after header in fib rule dump request";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/** fib_nl_dumprule: RTM_GETRULE dump, one family's rules or (AF_UNSPEC) every family's in turn */
export const fib_nl_dumprule: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  if (cb.strict_check) {
    const err = fib_valid_dumprule_req(cb.nlh, cb);
    if (err < 0) return err;
  }
  const family = rtnl_msg_family(cb.nlh);
  if (family !== 0) {
    const ops = lookup_rules_ops(net, family);
    if (ops === undefined) return -ERRNO.EAFNOSUPPORT;
    return dump_rules(skb, cb, ops);
  }
  let idx = 0;
  let err = 0;
  for (const ops of net_rules_ops(net)) {
    if (idx >= cb.args[0]!) {
      err = dump_rules(skb, cb, ops);
      if (err < 0) break;
      cb.args[1] = 0;
    }
    idx++;
  }
  cb.args[0] = idx;
  return err;
};

// ---------------------------------------------------------------------------------------------
// IPv6 (net/ipv6/fib6_rules.c): the add/delete side; IPv6 lookups through rules are not modelled

const RTNLGRP_IPV6_RULE = 19;
const fib6_rule_policy = fra_generic_policy({});

/** fib6_rule_configure: a dsfield without ECN bits, a table for FR_ACT_TO_TBL */
const fib6_rule_configure = (_net: Net, rule: FibRule, frh: FibRuleHdr, tb: IflaTb, extack: NetlinkExtAck): number => {
  if (frh.tos & 3) {
    extack.msg = "Invalid dsfield (tos): ECN bits must be 0";
    return -ERRNO.EINVAL;
  }
  if (rule.action === FR_ACT_TO_TBL && rule.table === 0) {
    extack.msg = "Invalid table";
    return -ERRNO.EINVAL;
  }
  rule.src = frh.src_len ? tb[FRA_SRC]!.data.slice() : new Uint8Array(16);
  rule.dst = frh.dst_len ? tb[FRA_DST]!.data.slice() : new Uint8Array(16);
  rule.src_len = frh.src_len;
  rule.dst_len = frh.dst_len;
  rule.dscp = frh.tos;
  return 0;
};

/** The family's compare (fib4_rule_compare, fib6_rule_compare): lengths, dsfield, addresses given */
export const fib_rule_compare_addrs = (rule: FibRule, frh: FibRuleHdr, tb: IflaTb): boolean => {
  if (frh.src_len && rule.src_len !== frh.src_len) return false;
  if (frh.dst_len && rule.dst_len !== frh.dst_len) return false;
  if (frh.tos && rule.dscp !== frh.tos) return false;
  const eq = (a: Uint8Array, b: Uint8Array | undefined): boolean =>
    b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
  if (frh.src_len && !eq(rule.src, tb[FRA_SRC]?.data)) return false;
  if (frh.dst_len && !eq(rule.dst, tb[FRA_DST]?.data)) return false;
  return true;
};

/** fib6_rules_net_init: the IPv6 ops and their default rules */
const fib6_rules_ops = (): FibRulesOps => {
  const v6: FibRulesOps = {
    family: AF_INET6,
    addr_size: 16,
    nlgroup: RTNLGRP_IPV6_RULE,
    policy: fib6_rule_policy,
    rules_list: [],
    configure: fib6_rule_configure,
    delete: () => 0,
    compare: fib_rule_compare_addrs,
  };
  fib_default_rule_add(v6, 0, RT_TABLE_LOCAL);
  fib_default_rule_add(v6, 0x7ffe, RT_TABLE_MAIN);
  return v6;
};

/**
 * fib_rules_net_init: the IPv4 ops (fib4_rules_init, given by net/ipv4/fib_rules.ts) and IPv6's,
 * and the PF_UNSPEC RTM_NEWRULE / RTM_DELRULE / RTM_GETRULE handlers (fib_rules_init).
 */
export const fib_rules_net_init = (net: Net, v4: FibRulesOps): void => {
  const l = net_rules_ops(net);
  if (l.length > 0) return;
  l.push(v4, fib6_rules_ops());
  rtnl_register(net, 0, RTM_NEWRULE, fib_nl_newrule, null);
  rtnl_register(net, 0, RTM_DELRULE, fib_nl_delrule, null);
  rtnl_register(net, 0, RTM_GETRULE, null, fib_nl_dumprule);
};
