// net/ipv4/fib_rules.c (6.18): the IPv4 family's policy routing rules (fib4_rules_ops_template):
// fib4_rule_configure (the dsfield checks, a table for FR_ACT_TO_TBL, the local/main split),
// fib4_rule_delete, fib4_rule_compare, fib4_rule_match (source, destination, dsfield),
// fib4_rule_action (a table lookup, or the action's error), fib4_rule_suppress, and the lookups
// over them: fib_lookup (include/net/ip_fib.h: main (with local merged into it) then default
// while there are no custom rules) and __fib_lookup (fib_rules_lookup otherwise).

import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO, type NetlinkExtAck } from "../../uapi/index.js";
import { AF_INET_RT } from "../../uapi/rtnetlink.js";
import {
  type FibRule,
  type FibRuleHdr,
  type FibRulesOps,
  FR_ACT_PROHIBIT,
  FR_ACT_TO_TBL,
  FR_ACT_UNREACHABLE,
  FRA_DST,
  FRA_FLOW,
  FRA_SRC,
  fib_default_rule_add,
  fib_rule_compare_addrs,
  fib_rules_lookup,
  fra_generic_policy,
  lookup_rules_ops,
  RT_TABLE_DEFAULT,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
} from "../core/fib_rules.js";
import type { IflaTb } from "../core/rtnetlink.js";
import type { Net } from "../netlink/table.js";
import { be32_bytes, inet_make_mask } from "./devinet.js";
import type { FibLookupResult, Flowi4 } from "./fib_semantics.js";
import {
  fib_get_table,
  fib_has_custom_rules,
  fib_new_table,
  fib_set_custom_rules,
  fib_table_lookup,
} from "./fib_trie.js";

const RTNLGRP_IPV4_RULE = 8;
/** IPTOS_TOS_MASK */
const IPTOS_TOS_MASK = 0x1e;
/** RT_TABLE_MAX */
const RT_TABLE_MAX = 0xffffffff;

const be32 = (b: Uint8Array): number => ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;

/** fib_empty_table(net): the first table id from 1 that has no table yet, made */
const fib_empty_table = (net: Net): number | null => {
  for (let id = 1; id <= RT_TABLE_MAX; id++) {
    if (fib_get_table(net, id) === undefined) return fib_new_table(net, id).tb_id;
  }
  return null;
};

/**
 * fib4_rule_configure: the dsfield (no ECN bits, no high DSCP bits), the local/main split
 * (fib_unmerge), a new empty table for FR_ACT_TO_TBL without one, the selectors.
 */
const fib4_rule_configure = (net: Net, rule: FibRule, frh: FibRuleHdr, tb: IflaTb, extack: NetlinkExtAck): number => {
  if (frh.tos & 3) {
    extack.msg = "Invalid dsfield (tos): ECN bits must be 0";
    return -ERRNO.EINVAL;
  }
  if (frh.tos & ~IPTOS_TOS_MASK) {
    extack.msg = "Invalid tos";
    return -ERRNO.EINVAL;
  }
  if (tb[FRA_FLOW] !== undefined) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: fib rule FRA_FLOW (route realms) is not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  if (rule.table === 0 && rule.action === FR_ACT_TO_TBL) {
    const id = fib_empty_table(net);
    if (id === null) return -ERRNO.ENOBUFS;
    rule.table = id;
  }
  rule.src = frh.src_len ? tb[FRA_SRC]!.data.slice() : be32_bytes(0);
  rule.dst = frh.dst_len ? tb[FRA_DST]!.data.slice() : be32_bytes(0);
  rule.src_len = frh.src_len;
  rule.dst_len = frh.dst_len;
  rule.dscp = frh.tos;
  fib_set_custom_rules(net);
  return 0;
};

/** fib4_rule_delete: the local/main split happens on a delete too */
const fib4_rule_delete = (net: Net): number => {
  fib_set_custom_rules(net);
  return 0;
};

/** fib4_rule_match: source and destination under the rule's masks, the dsfield's TOS bits */
const fib4_rule_match =
  (fl4: Flowi4) =>
  (rule: FibRule): boolean => {
    if (((fl4.saddr ^ be32(rule.src)) & inet_make_mask(rule.src_len)) !== 0) return false;
    if (((fl4.daddr ^ be32(rule.dst)) & inet_make_mask(rule.dst_len)) !== 0) return false;
    // fib_dscp_masked_match
    if (rule.dscp && rule.dscp !== (fl4.dscp & 0x1c)) return false;
    return true;
  };

/** fib4_rule_action: FR_ACT_TO_TBL looks the table up (−EAGAIN when it has nothing); the others fail */
const fib4_rule_action =
  (net: Net, fl4: Flowi4) =>
  (rule: FibRule): FibLookupResult | number => {
    switch (rule.action) {
      case FR_ACT_TO_TBL:
        break;
      case FR_ACT_UNREACHABLE:
        return -ERRNO.ENETUNREACH;
      case FR_ACT_PROHIBIT:
        return -ERRNO.EACCES;
      default: // FR_ACT_BLACKHOLE and anything else
        return -ERRNO.EINVAL;
    }
    const tb = fib_get_table(net, rule.table);
    return tb === undefined ? -ERRNO.EAGAIN : fib_table_lookup(net, tb, fl4);
  };

/** fib4_rule_suppress: a result no longer than suppress_prefixlen, or on a suppressed device group */
const fib4_rule_suppress = (rule: FibRule, res: FibLookupResult): boolean =>
  res.prefixlen <= rule.suppress_prefixlen ||
  (rule.suppress_ifgroup !== -1 && res.dev !== null && res.dev.group === rule.suppress_ifgroup);

/** __fib_lookup(net, flp, res, flags): through the rules; −ESRCH (no rule answered) is −ENETUNREACH */
const __fib_lookup = (net: Net, fl4: Flowi4): FibLookupResult | number => {
  const ops = lookup_rules_ops(net, AF_INET_RT);
  if (ops === undefined) return -ERRNO.ENETUNREACH;
  const err = fib_rules_lookup(ops, fl4, fib4_rule_match(fl4), fib4_rule_action(net, fl4), fib4_rule_suppress);
  return err === -ERRNO.ESRCH ? -ERRNO.ENETUNREACH : err;
};

/**
 * fib_lookup(net, flp, res, flags) (ip_fib.h): without custom rules main (local merged into it),
 * then default, −EAGAIN (a throw route) being −ENETUNREACH; with them, __fib_lookup.
 */
export const fib_lookup = (net: Net, fl4: Flowi4): FibLookupResult | number => {
  if (fib_has_custom_rules(net)) return __fib_lookup(net, fl4);
  let err: FibLookupResult | number = -ERRNO.ENETUNREACH;
  const main = fib_get_table(net, RT_TABLE_MAIN);
  if (main !== undefined) err = fib_table_lookup(net, main, fl4);
  if (typeof err === "number") {
    const dflt = fib_get_table(net, RT_TABLE_DEFAULT);
    if (dflt !== undefined) err = fib_table_lookup(net, dflt, fl4);
  }
  return err === -ERRNO.EAGAIN ? -ERRNO.ENETUNREACH : err;
};

/** fib4_rules_init: the IPv4 ops and the default rules local 0, main 32766, default 32767 */
export const fib4_rules_ops = (): FibRulesOps => {
  const ops: FibRulesOps = {
    family: AF_INET_RT,
    addr_size: 4,
    nlgroup: RTNLGRP_IPV4_RULE,
    policy: fra_generic_policy({ [FRA_FLOW]: { type: 3 /* NLA_U32 */ } }),
    rules_list: [],
    configure: fib4_rule_configure,
    delete: fib4_rule_delete,
    compare: fib_rule_compare_addrs,
  };
  fib_default_rule_add(ops, 0, RT_TABLE_LOCAL);
  fib_default_rule_add(ops, 0x7ffe, RT_TABLE_MAIN);
  fib_default_rule_add(ops, 0x7fff, RT_TABLE_DEFAULT);
  return ops;
};
