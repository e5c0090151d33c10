// IPv4 rules and lookups: fib_rules_lookup's order, fib_lookup's local/main merge and its split.
import { describe, expect, it } from "vitest";
import { ERRNO } from "../../uapi/index.js";
import { AF_INET_RT } from "../../uapi/rtnetlink.js";
import { net_boot } from "../boot.js";
import {
  FR_ACT_PROHIBIT,
  FR_ACT_TO_TBL,
  FR_ACT_UNREACHABLE,
  fib_rule_alloc,
  fib_rules_lookup,
  lookup_rules_ops,
} from "../core/fib_rules.js";
import { newNet } from "../netlink/test-helpers.js";
import { fib_lookup } from "./fib_rules.js";
import { type FibConfig, flowi4, RT_SCOPE_HOST, RT_TABLE_LOCAL, RTN_LOCAL } from "./fib_semantics.js";
import { fib_new_table, fib_set_custom_rules, fib_table_insert } from "./fib_trie.js";

const booted = () => {
  const net = newNet();
  net_boot(net);
  return net;
};

/** A local route to 10.9.9.9 over lo, as fib_magic makes one */
const addLocal = (net: ReturnType<typeof booted>): number => {
  const tb = fib_new_table(net, RT_TABLE_LOCAL);
  const cfg: FibConfig = {
    dscp: 0,
    dst: 0x0a090909,
    dst_len: 32,
    table: RT_TABLE_LOCAL,
    protocol: 2,
    scope: RT_SCOPE_HOST,
    type: RTN_LOCAL,
    flags: 0,
    nlflags: 0x600,
    oif: 1,
    gw4: 0,
    priority: 0,
    prefsrc: 0,
    nh_id: 0,
    nlh: null,
    portid: 0,
  };
  return fib_table_insert(net, tb, cfg, {}, { is_local_addr: () => false, fib_lookup });
};

describe("fib_rules_lookup", () => {
  const ops = (actions: number[]) => ({
    family: AF_INET_RT,
    addr_size: 4,
    nlgroup: 8,
    policy: { maxtype: 0, policy: [] },
    rules_list: actions.map((action, i) => fib_rule_alloc({ pref: i, action, table: 100 + i })),
    configure: () => 0,
    delete: () => 0,
    compare: () => true,
  });
  const fl = { iif: 1, oif: 0, mark: 0, uid: 0 };

  it("takes the first rule whose action answers other than EAGAIN", () => {
    const r = fib_rules_lookup(
      ops([FR_ACT_TO_TBL, FR_ACT_TO_TBL, FR_ACT_PROHIBIT]),
      fl,
      () => true,
      (rule) => (rule.table === 101 ? { table: rule.table } : -ERRNO.EAGAIN),
      () => false,
    );
    expect(r).toEqual({ table: 101 });
  });

  it("skips suppressed results and rules that do not match; ESRCH when nothing answers", () => {
    const o = ops([FR_ACT_TO_TBL, FR_ACT_UNREACHABLE]);
    expect(
      fib_rules_lookup(
        o,
        fl,
        (rule) => rule.action === FR_ACT_TO_TBL,
        () => ({ ok: true }),
        () => true,
      ),
    ).toBe(-ERRNO.ESRCH);
    const marked = {
      ...o,
      rules_list: [fib_rule_alloc({ action: FR_ACT_UNREACHABLE, mark: 7, mark_mask: 0xffffffff })],
    };
    expect(
      fib_rules_lookup(
        marked,
        fl,
        () => true,
        () => -ERRNO.ENETUNREACH,
        () => false,
      ),
    ).toBe(-ERRNO.ESRCH);
    expect(
      fib_rules_lookup(
        marked,
        { ...fl, mark: 7 },
        () => true,
        () => -ERRNO.ENETUNREACH,
        () => false,
      ),
    ).toBe(-ERRNO.ENETUNREACH);
  });
});

describe("fib_lookup", () => {
  it("is ENETUNREACH without routes, and has the three default IPv4 rules", () => {
    const net = booted();
    expect(fib_lookup(net, flowi4({ daddr: 0x08080808 }))).toBe(-ERRNO.ENETUNREACH);
    expect(lookup_rules_ops(net, AF_INET_RT)?.rules_list.map((r) => r.pref)).toEqual([0, 32766, 32767]);
  });

  it("finds local routes through main while local is merged, in local once custom rules split it", () => {
    const net = booted();
    expect(addLocal(net)).toBe(0);
    const merged = fib_lookup(net, flowi4({ daddr: 0x0a090909 }));
    expect(typeof merged !== "number" && [merged.type, merged.tb_id]).toEqual([RTN_LOCAL, 254]);
    fib_set_custom_rules(net);
    const split = fib_lookup(net, flowi4({ daddr: 0x0a090909 }));
    expect(typeof split !== "number" && [split.type, split.tb_id]).toEqual([RTN_LOCAL, 255]);
    expect(fib_lookup(net, flowi4({ daddr: 0x0a090908 }))).toBe(-ERRNO.ENETUNREACH);
  });
});
