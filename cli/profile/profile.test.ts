// `nlsim profile show` / `diff` on profile data, and the conform explanation that uses a host
// profile: a host whose NETLINK_CONNECTOR lacks NL_CFG_F_NONROOT_RECV (as some 6.18 builds do) is
// named as such, without a live kernel of that build.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import type { KernelProfile } from "../../kernel-model/net/profile.js";
import { LINUX_6_18_NETNS } from "../../kernel-model/net/profiles/linux-6.18.js";
import { readInputs } from "../scenario/conform.js";
import { explainHostDiff } from "../scenario/live.js";
import { readProfile } from "./command.js";
import { diffProfiles, formatProfile } from "./format.js";

const connectorWithoutNonrootRecv: KernelProfile = {
  ...LINUX_6_18_NETNS,
  name: "other-build",
  units: LINUX_6_18_NETNS.units.map((u) => (u.unit === 11 ? { ...u, flags: 0 } : u)),
};

describe("profile show and diff", () => {
  it("summarizes the default profile: 11 units, 8 families with their ids and groups", () => {
    const text = formatProfile(LINUX_6_18_NETNS);
    expect(text).toContain("profile linux-6.18-netns: Linux 6.18.44 (6.18)");
    expect(text).toContain("units (11):");
    expect(text).toContain("generic netlink families (8):");
    expect(text).toMatch(/ 28 {2}mptcp_pm +v1 .*groups mptcp_pm_cmds=8, mptcp_pm_events=9/);
  });

  it("finds no difference between a profile and its own JSON round trip", () => {
    expect(diffProfiles(LINUX_6_18_NETNS, JSON.parse(JSON.stringify(LINUX_6_18_NETNS)) as KernelProfile)).toEqual([]);
  });

  it("names a unit's flag change, a missing family and an op whose flags changed", () => {
    const fams = LINUX_6_18_NETNS.genl.families;
    const other: KernelProfile = {
      ...connectorWithoutNonrootRecv,
      genl: {
        families: fams
          .filter((f) => f.name !== "IOAM6")
          .map((f) =>
            f.name === "netdev" ? { ...f, ops: f.ops.map((o) => (o.cmd === 13 ? { ...o, flags: 0x1a } : o)) } : f,
          ),
      },
    };
    expect(diffProfiles(LINUX_6_18_NETNS, other)).toEqual([
      "unit 11: no-socket groups 32 flags 0x1 → no-socket groups 32 flags 0x0",
      "family netdev: op 13 flags 0xb/validate 0 → 0x1a/validate 0",
      "family IOAM6 (30): only in the first",
    ]);
  });

  it("refuses a file that is not a profile, naming the file, the path and the problem (exit 2)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "nlsim-profile-"));
    const f = join(dir, "bad.json");
    writeFileSync(
      f,
      JSON.stringify({ ...LINUX_6_18_NETNS, units: [{ unit: 40, model: "rtnetlink", groups: 32, flags: 0 }] }),
    );
    const exit = await Effect.runPromiseExit(readProfile(f));
    expect(Exit.isFailure(exit)).toBe(true);
    expect(JSON.stringify(exit)).toContain("$.units[0].unit: expected an integer in [0, 31], got 40");
  });
});

describe("conform with a host profile", () => {
  const file = new URL("../../transport/conformance/units-socket-groups-permissions.json", import.meta.url).pathname;
  const [input] = readInputs(file);
  const rec = input!.recorded!;
  const i = rec.findIndex((l) => l.includes('"do":"bind","sock":"u11"'));
  const live = rec[i]!.replace('"ret":0', '"errno":"EPERM"');

  it("explains the connector bind EPERM with the profile's difference", () => {
    const e = explainHostDiff(input!.scenario, rec[i], live, {
      reference: LINUX_6_18_NETNS,
      host: connectorWithoutNonrootRecv,
    });
    expect(e.unit).toBe(11);
    expect(e.cause).toContain(
      "this host's profile differs from linux-6.18-netns: unit 11: no-socket groups 32 flags 0x1 → no-socket groups 32 flags 0x0",
    );
  });

  it("falls back to the trace-based guess when the profiles agree on the unit", () => {
    const e = explainHostDiff(input!.scenario, rec[i], live, { reference: LINUX_6_18_NETNS, host: LINUX_6_18_NETNS });
    expect(e.cause).toMatch(/^whether a process without CAP_NET_ADMIN may join NETLINK_CONNECTOR/);
  });
});
