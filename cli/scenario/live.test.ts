// The three-way judgement of `nlsim conform` / `npm run test:live`, on a simulated kernel variance:
// the recorded units-socket-groups-permissions trace altered the way another kernel build differs
// (unit 11, NETLINK_CONNECTOR: a uid-1000 bind with groups is EPERM there, allowed on the
// reference kernel), so that no live kernel of a particular build is needed.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type ConformInput,
  conformExitCode,
  defaultRunners,
  formatVerdict,
  readInputs,
  runConform,
} from "./conform.js";
import { explainHostDiff } from "./live.js";

const file = fileURLToPath(
  new URL("../../transport/conformance/units-socket-groups-permissions.json", import.meta.url),
);
const [input] = readInputs(file) as [ConformInput];
const recorded = readFileSync(file.replace(/\.json$/, ".kernel.jsonl"), "utf8")
  .trim()
  .split("\n");
const U11_BIND = recorded.findIndex((l) => l.includes('"do":"bind","sock":"u11"'));
const otherBuild = recorded.map((l, i) => (i === U11_BIND ? l.replace('"ret":0', '"errno":"EPERM"') : l));
const simulator = defaultRunners({ kind: "unavailable", reason: "not used" }, 1).sim;

const judgeWith = async (sim: typeof simulator, live: ReadonlyArray<string>) =>
  runConform([input], { sim, kernel: async () => ({ kind: "trace", lines: live }), kernelConcurrency: 1 }, () => {});

describe("conform against a recorded trace", () => {
  it("reads the recording beside the scenario", () => {
    expect(input.recorded).toEqual(recorded);
    expect(U11_BIND).toBeGreaterThan(0);
  });

  it("reports a host kernel that differs from the recording as the host's, with the unit and cause, exit 0", async () => {
    const [v] = await judgeWith(simulator, otherBuild);
    expect(v?.kind).toBe("host-differs");
    if (v?.kind !== "host-differs") return;
    expect(v.diffs).toHaveLength(1);
    expect(v.diffs[0]).toMatchObject({ line: U11_BIND + 1, unit: 11, live: otherBuild[U11_BIND] });
    expect(v.diffs[0]?.cause).toContain("NL_CFG_F_NONROOT_RECV");
    const out = formatVerdict(v);
    expect(out).toContain("HOST     units-socket-groups-permissions");
    expect(out).toContain("(NETLINK_CONNECTOR, unit 11)");
    expect(conformExitCode([v])).toBe(0);
  });

  it("fails when the simulator differs from the recording, whatever the host says", async () => {
    const brokenSim = async (i: ConformInput) =>
      (await simulator(i)).map((l, n) => (n === U11_BIND ? otherBuild[n]! : l));
    const [v] = await judgeWith(brokenSim, otherBuild);
    expect(v?.kind === "differ" && v.against).toBe("recorded");
    expect(formatVerdict(v!)).toContain("the simulator differs from the recorded kernel trace in 1 line(s)");
    expect(conformExitCode([v!])).toBe(1);
  });

  it("matches when all three agree", async () => {
    const [v] = await judgeWith(simulator, recorded);
    expect(v).toEqual({ kind: "match", name: "units-socket-groups-permissions", lines: recorded.length });
  });

  it("explains a unit missing from this kernel and generic netlink content", () => {
    const missing = explainHostDiff(
      input.scenario,
      '{"i":0,"do":"socket","sock":"p4","ret":0}',
      '{"i":0,"do":"socket","sock":"p4","errno":"EPROTONOSUPPORT"}',
    );
    expect(missing.unit).toBe(4);
    expect(missing.cause).toContain("CONFIG_INET_DIAG");
  });
});
