// net/core/fib_rules.c (6.18), the part a fresh network namespace answers: RTM_GETRULE dumps
// (fib_nl_dumprule, dump_rules, fib_nl_fill_rule) over the namespace's rules_ops, which hold the
// default rules fib_default_rules_init (IPv4: local 0, main 32766, default 32767) and
// fib6_rules_net_init (IPv6: local 0, main 32766) add. RTM_GETRULE has no doit (→ EOPNOTSUPP).
// Adding and deleting rules (RTM_NEWRULE/DELRULE) is not modelled.

import { ERRNO, NLM_F_MULTI, putU32 } from "../../uapi/index.js";
import { AF_INET_RT, AF_INET6, FIB_RULE_HDR_SIZE, RTM_GETRULE, RTM_NEWRULE } from "../../uapi/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import { nla_put_u8, nla_put_u32, nlmsg_cancel, nlmsg_data, nlmsg_end, nlmsg_put } from "../netlink/nlmsg.js";
import type { SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { nlmsg_len, type RtnlDumpitFunc, rtnl_msg_family, rtnl_register, skb_net } from "./rtnetlink.js";

// include/uapi/linux/fib_rules.h
export const FRA_PRIORITY = 6;
export const FRA_SUPPRESS_PREFIXLEN = 14;
export const FRA_TABLE = 15;
export const FRA_PROTOCOL = 21;
export const FR_ACT_TO_TBL = 1;
/** RTPROT_KERNEL: the rules the kernel made itself */
export const RTPROT_KERNEL = 2;
export const RT_TABLE_DEFAULT = 253;
export const RT_TABLE_MAIN = 254;
export const RT_TABLE_LOCAL = 255;

/** struct fib_rule: the fields the default rules set */
export interface FibRule {
  readonly pref: number;
  readonly table: number;
  readonly action: number;
  readonly flags: number;
  readonly proto: number;
  readonly suppress_prefixlen: number;
}

/** struct fib_rules_ops: one per family with policy routing */
export interface FibRulesOps {
  readonly family: number;
  readonly rules_list: FibRule[];
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
const lookup_rules_ops = (net: Net, family: number): FibRulesOps | undefined =>
  net_rules_ops(net).find((o) => o.family === family);

/** fib_default_rule_add(ops, pref, table): FR_ACT_TO_TBL, proto RTPROT_KERNEL, suppress_prefixlen −1 */
const fib_default_rule_add = (ops: FibRulesOps, pref: number, table: number): void => {
  ops.rules_list.push({ pref, table, action: FR_ACT_TO_TBL, flags: 0, proto: RTPROT_KERNEL, suppress_prefixlen: -1 });
};

/**
 * fib_nl_fill_rule: struct fib_rule_hdr then FRA_TABLE, FRA_SUPPRESS_PREFIXLEN, FRA_PROTOCOL and
 * FRA_PRIORITY (when not 0), as a stock kernel orders them for the default rules.
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
  b[frh] = ops.family;
  b[frh + 4] = rule.table < 256 ? rule.table : 252; // RT_TABLE_COMPAT
  b[frh + 7] = rule.action;
  putU32(b, frh + 8, rule.flags);
  if (
    nla_put_u32(skb, FRA_TABLE, rule.table) ||
    nla_put_u32(skb, FRA_SUPPRESS_PREFIXLEN, rule.suppress_prefixlen >>> 0) ||
    nla_put_u8(skb, FRA_PROTOCOL, rule.proto) ||
    (rule.pref !== 0 && nla_put_u32(skb, FRA_PRIORITY, rule.pref))
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
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

/**
 * fib4_rules_init + fib6_rules_net_init: the default rules of a new namespace, and the PF_UNSPEC
 * RTM_GETRULE dump (fib_rules_init).
 */
export const fib_rules_net_init = (net: Net): void => {
  const l = net_rules_ops(net);
  if (l.length > 0) return;
  const v4: FibRulesOps = { family: AF_INET_RT, rules_list: [] };
  fib_default_rule_add(v4, 0, RT_TABLE_LOCAL);
  fib_default_rule_add(v4, 0x7ffe, RT_TABLE_MAIN);
  fib_default_rule_add(v4, 0x7fff, RT_TABLE_DEFAULT);
  const v6: FibRulesOps = { family: AF_INET6, rules_list: [] };
  fib_default_rule_add(v6, 0, RT_TABLE_LOCAL);
  fib_default_rule_add(v6, 0x7ffe, RT_TABLE_MAIN);
  l.push(v4, v6);
  rtnl_register(net, 0, RTM_GETRULE, null, fib_nl_dumprule);
};
