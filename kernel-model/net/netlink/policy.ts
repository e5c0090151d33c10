// net/netlink/policy.c: policy advertisement to user space (what nlctrl's CTRL_CMD_GETPOLICY dumps).
// The dump state is a list of (policy, maxtype) pairs: the ones added, then every nested policy they
// reach, breadth first; a policy's index in that list is how the dump and the per-op map refer to it.
import {
  ERRNO,
  encodePolicyAttr,
  NL_POLICY_TYPE_ATTR_POLICY_IDX,
  NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE,
  NLA_NESTED,
  NLA_NESTED_ARRAY,
  type NlaPolicy,
  type NlaPolicySet,
} from "../../uapi/index.js";
import { nla_nest_cancel, nla_nest_end, nla_nest_start, nla_put_u32, nlmsg_append } from "./nlmsg.js";
import type { SkBuff } from "./skb.js";

/** struct netlink_policy_dump_state */
export interface NetlinkPolicyDumpState {
  policy_idx: number;
  attr_idx: number;
  readonly policies: Array<{ readonly policy: NlaPolicySet; readonly maxtype: number }>;
}

/** add_policy: append (policy, maxtype) unless it is there already (same object, same maxtype). */
const add_policy = (state: NetlinkPolicyDumpState, policy: NlaPolicySet | null, maxtype: number): void => {
  if (policy === null || !maxtype) return;
  if (state.policies.some((p) => p.policy === policy && p.maxtype === maxtype)) return;
  state.policies.push({ policy, maxtype });
};

/**
 * netlink_policy_dump_add_policy(pstate, policy, maxtype): the state (created when null) with the
 * policy and, breadth first, every policy nested in the ones listed.
 */
export const netlink_policy_dump_add_policy = (
  pstate: NetlinkPolicyDumpState | null,
  policy: NlaPolicySet,
  maxtype: number,
): NetlinkPolicyDumpState => {
  const state = pstate ?? { policy_idx: 0, attr_idx: 0, policies: [] };
  add_policy(state, policy, maxtype);
  for (let i = 0; i < state.policies.length; i++) {
    const { policy: p, maxtype: max } = state.policies[i]!;
    for (let type = 0; type <= max; type++) {
      const pt = p.policy[type];
      if (pt !== undefined && (pt.type === NLA_NESTED || pt.type === NLA_NESTED_ARRAY)) {
        add_policy(state, pt.nested ?? null, pt.len ?? 0);
      }
    }
  }
  return state;
};

/** netlink_policy_dump_get_policy_idx: the index of (policy, maxtype); 0 (a WARN in C) when absent. */
export const netlink_policy_dump_get_policy_idx = (
  state: NetlinkPolicyDumpState,
  policy: NlaPolicySet,
  maxtype: number,
): number => {
  const i = state.policies.findIndex((p) => p.policy === policy && p.maxtype === maxtype);
  return Math.max(i, 0);
};

const netlink_policy_dump_finished = (state: NetlinkPolicyDumpState): boolean =>
  state.policy_idx >= state.policies.length;

/** netlink_policy_dump_loop: whether attributes remain to write. */
export const netlink_policy_dump_loop = (state: NetlinkPolicyDumpState): boolean =>
  !netlink_policy_dump_finished(state);

/**
 * __netlink_policy_dump_write_attr with a dump state: the nest `nestattr` holding the policy's
 * description; a nest with a nested policy starts with its index and maxtype. −ENODATA for a type
 * the kernel does not advertise (unspec, reject), −ENOBUFS when the skb is full.
 */
const __netlink_policy_dump_write_attr = (
  state: NetlinkPolicyDumpState,
  skb: SkBuff,
  pt: NlaPolicy | undefined,
  nestattr: number,
): number => {
  const body = pt === undefined ? new Uint8Array(0) : encodePolicyAttr(pt);
  const attr = nla_nest_start(skb, nestattr);
  if (attr === null) return -ERRNO.ENOBUFS;
  if (body.length === 0) {
    nla_nest_cancel(skb, attr);
    return -ERRNO.ENODATA;
  }
  if (pt !== undefined && (pt.type === NLA_NESTED || pt.type === NLA_NESTED_ARRAY) && pt.nested && pt.len) {
    if (
      nla_put_u32(skb, NL_POLICY_TYPE_ATTR_POLICY_IDX, netlink_policy_dump_get_policy_idx(state, pt.nested, pt.len)) ||
      nla_put_u32(skb, NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE, pt.len)
    ) {
      nla_nest_cancel(skb, attr);
      return -ERRNO.ENOBUFS;
    }
  }
  const off = nlmsg_append(skb, body.length);
  if (off === null) {
    nla_nest_cancel(skb, attr);
    return -ERRNO.ENOBUFS;
  }
  skb.head.set(body, off);
  nla_nest_end(skb, attr);
  return 0;
};

/**
 * netlink_policy_dump_write(skb, state): the next advertised attribute as nest(policy_idx) ›
 * nest(attr_idx) › description, skipping the ones not advertised; −ENODATA when none remained,
 * −ENOBUFS when the skb is full (the state then stays put).
 */
export const netlink_policy_dump_write = (skb: SkBuff, state: NetlinkPolicyDumpState): number => {
  for (;;) {
    const cur = state.policies[state.policy_idx]!;
    const pt = cur.policy.policy[state.attr_idx];
    const policy = nla_nest_start(skb, state.policy_idx);
    if (policy === null) return -ERRNO.ENOBUFS;
    const err = __netlink_policy_dump_write_attr(state, skb, pt, state.attr_idx);
    let again = false;
    if (err === -ERRNO.ENODATA) {
      nla_nest_cancel(skb, policy);
      again = true;
    } else if (err) {
      nla_nest_cancel(skb, policy);
      return -ERRNO.ENOBUFS;
    } else {
      nla_nest_end(skb, policy);
    }
    state.attr_idx += 1;
    if (state.attr_idx > cur.maxtype) {
      state.attr_idx = 0;
      state.policy_idx++;
    }
    if (!again) return 0;
    if (netlink_policy_dump_finished(state)) return -ERRNO.ENODATA;
  }
};
