// Kernel profiles: the loader's checks, and a namespace booted from the default 6.18 profile
// answering nlctrl as the kernel does (the family dump, GETPOLICY, the families' checks).
import { describe, expect, it } from "vitest";
import {
  type AttributeEncoder,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_OP,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  ERRNO,
  GENL_ID_CTRL,
  NETLINK_SELINUX,
  NETLINK_XFRM,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  parseMessages,
} from "../uapi/index.js";
import { genl_families, genl_family_find_byname, genl_unregister_family } from "./genetlink/family.js";
import { genl_family_from_profile, genl_profile_policy_sets } from "./genetlink/profile.js";
import { booted, errorOf, exchange, request } from "./genetlink/test-helpers.js";
import { ROOT, USER } from "./netlink/test-helpers.js";
import { type KernelProfile, ProfileError, profile_kernel_at_least, profile_load } from "./profile.js";
import { LINUX_6_18_NETNS } from "./profiles/linux-6.18.js";

describe("profile_load", () => {
  const json = (): Record<string, unknown> => JSON.parse(JSON.stringify(LINUX_6_18_NETNS)) as Record<string, unknown>;

  it("accepts the default profile as JSON and gives back the same data", () => {
    expect(profile_load(json())).toEqual(LINUX_6_18_NETNS);
  });

  it("names the path and the problem of a malformed profile", () => {
    const bad = json();
    (bad.units as Array<Record<string, unknown>>)[1]!.model = "magic";
    expect(() => profile_load(bad)).toThrowError(ProfileError);
    expect(() => profile_load(bad)).toThrowError(/\$\.units\[1\]\.model: expected one of/);
    const dup = json();
    const fams = (dup.genl as { families: Array<Record<string, unknown>> }).families;
    fams[2]!.id = fams[1]!.id;
    expect(() => profile_load(dup)).toThrowError("profile $.genl.families[2].id: family id 20 is listed twice");
    const nest = json();
    const pol = (nest.genl as { families: Array<{ policies: Array<Record<string, Record<string, unknown>>> }> })
      .families[1]!.policies;
    pol[0]!["1"] = { type: "nested", policy: 999, maxtype: 3 };
    expect(() => profile_load(nest)).toThrowError(/policies\[0\]\.1\.policy: expected an integer in \[0, 11\]/);
  });

  it("compares kernel versions", () => {
    expect(profile_kernel_at_least(LINUX_6_18_NETNS, 6, 15)).toBe(true);
    expect(profile_kernel_at_least(LINUX_6_18_NETNS, 6, 19)).toBe(false);
    expect(profile_kernel_at_least(LINUX_6_18_NETNS, 7, 0)).toBe(false);
  });
});

describe("a namespace booted from the 6.18 profile", () => {
  it("registers the profile's units and only those", () => {
    const { net } = booted();
    expect(net.nl_table[NETLINK_XFRM]!.registered).toBe(1);
    expect(net.nl_table[NETLINK_SELINUX]!.registered).toBe(1);
    const noXfrm: KernelProfile = { ...LINUX_6_18_NETNS, units: LINUX_6_18_NETNS.units.filter((u) => u.unit !== 6) };
    const { net: net2 } = booted(noXfrm);
    expect(net2.nl_table[NETLINK_XFRM]!.registered).toBe(0);
  });

  it("has the 8 families at the profile's ids, and the family dump is 2,512 bytes with DONE in the same datagram", () => {
    const { net, sk } = booted();
    expect(genl_families(net).map((f) => `${f.name}:${f.id}`)).toEqual([
      "nlctrl:16",
      "netdev:20",
      "ethtool:21",
      "tcp_metrics:27",
      "mptcp_pm:28",
      "SEG6:29",
      "IOAM6:30",
      "TASKSTATS:31",
    ]);
    expect(genl_family_find_byname(net, "mptcp_pm")?.mcgrp_offset).toBe(8);
    const dgrams = exchange(sk, request(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, CTRL_CMD_GETFAMILY));
    expect(dgrams.map((d) => d.length)).toEqual([2512]);
    const msgs = parseMessages(dgrams[0]!);
    expect(msgs.length).toBe(9);
    expect(msgs[8]!.type).toBe(NLMSG_DONE);
  });

  it("GETPOLICY dumps nlctrl's two policies (424 bytes), then DONE in a datagram of its own", () => {
    const { sk } = booted();
    const dgrams = exchange(
      sk,
      request(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, CTRL_CMD_GETPOLICY, (e) =>
        e.string(CTRL_ATTR_FAMILY_NAME, "nlctrl"),
      ),
    );
    expect(dgrams.map((d) => d.length)).toEqual([424, 20]);
  });

  it("GETPOLICY refuses an op the family lacks with ENOENT, and a request without family with EINVAL", () => {
    const { sk } = booted();
    const [noOp] = exchange(
      sk,
      request(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, CTRL_CMD_GETPOLICY, (e) =>
        e.u16(CTRL_ATTR_FAMILY_ID, 20).u32(CTRL_ATTR_OP, 99),
      ),
    );
    expect(errorOf(parseMessages(noOp!)[0]!)).toBe(-ERRNO.ENOENT);
    const [none] = exchange(sk, request(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, CTRL_CMD_GETPOLICY));
    expect(errorOf(parseMessages(none!)[0]!)).toBe(-ERRNO.EINVAL);
  });

  it("checks a family's requests (header, op, permission, policy) and refuses what passes as not modelled", () => {
    const { sk } = booted();
    const ask = (type: number, cmd: number, cred = ROOT, attrs?: (e: AttributeEncoder) => unknown) =>
      errorOf(parseMessages(exchange(sk, request(type, NLM_F_REQUEST | NLM_F_ACK, cmd, attrs), cred)[0]!)[0]!);
    expect(ask(20, 3)).toBe(-ERRNO.EOPNOTSUPP); // netdev has no command 3
    expect(ask(20, 13, USER)).toBe(-ERRNO.EPERM); // GENL_ADMIN_PERM
    expect(ask(20, 1, ROOT, (e) => e.u32(1, 0))).toBe(-ERRNO.ERANGE); // ifindex min 1
    expect(ask(20, 10, ROOT, (e) => e.u32(1, 1))).toBe(-ERRNO.EOPNOTSUPP); // valid: queue-get is not modelled
    expect(ask(17, 1)).toBe(-ERRNO.ENOENT);
  });

  it("rebuilds policies so that nests point at their sets with the nest's maxtype", () => {
    const ethtool = LINUX_6_18_NETNS.genl.families.find((f) => f.name === "ethtool")!;
    const sets = genl_profile_policy_sets(ethtool);
    const header = sets[0]!.policy[1]!;
    expect(header.nested).toBe(sets[1]);
    expect(header.len).toBe(sets[1]!.maxtype);
    const fam = genl_family_from_profile(ethtool);
    expect(fam.split_ops?.length).toBe(
      ethtool.ops.reduce((n, op) => n + ((op.flags & 2) !== 0 ? 1 : 0) + ((op.flags & 4) !== 0 ? 1 : 0), 0),
    );
  });

  it("gives each namespace its own family objects: one namespace's unregister leaves the other's registered", () => {
    const a = booted();
    const b = booted();
    const famA = genl_family_find_byname(a.net, "ethtool")!;
    const famB = genl_family_find_byname(b.net, "ethtool")!;
    expect(famA).not.toBe(famB);
    expect(famA.id).toBe(famB.id);
    expect(famB.mcgrp_offset).toBeGreaterThan(0);
    expect(genl_unregister_family(a.net, famA)).toBe(0);
    expect(genl_family_find_byname(a.net, "ethtool")).toBeUndefined();
    expect(genl_family_find_byname(b.net, "ethtool")).toBe(famB);
    expect(genl_unregister_family(b.net, famA)).toBe(-ERRNO.ENOENT);
    // a namespace booted after the unregister has the family again, with its group ids
    const c = booted();
    expect(genl_family_find_byname(c.net, "ethtool")?.mcgrp_offset).toBe(famB.mcgrp_offset);
  });
});
