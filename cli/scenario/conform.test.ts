import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nativeAvailability } from "../../native/index.js";
import {
  type ConformInput,
  type ConformRunners,
  conformExitCode,
  diffTraces,
  formatSummary,
  formatVerdict,
  MAX_SHOWN,
  runConform,
  type Verdict,
} from "./conform.js";
import type { KernelOutcome } from "./kernel-run.js";
import { parseScenario } from "./parse.js";

const input = (name: string, steps: unknown[] = [{ do: "socket", as: "a" }]): ConformInput => {
  const text = JSON.stringify({ name, protocol: 2, steps });
  return { file: `${name}.json`, text, scenario: parseScenario(text, `${name}.json`) };
};

const L = (i: number, rest: string): string => `{"i":${i},${rest}}`;
const TRACE = [
  L(0, '"do":"socket","sock":"a","ret":0'),
  L(1, '"do":"bind","sock":"a","ret":0'),
  L(2, '"do":"proc","ret":0,"rows":[]'),
];

/** Fake runners: the sim prints TRACE; the kernel what `kernel` says per scenario name. */
const fake = (kernel: Record<string, KernelOutcome>): ConformRunners => ({
  sim: async (i) => {
    if (i.scenario.name === "sim-crash") throw new Error("boom");
    return TRACE;
  },
  kernel: async (i) => kernel[i.scenario.name] ?? { kind: "trace", lines: TRACE },
  kernelConcurrency: 2,
});

describe("nlsim conform: verdicts and line diffs", () => {
  it("says ok for identical traces and prints both sides of every differing line, with line numbers", async () => {
    const kernelLines = [
      TRACE[0]!,
      L(1, '"do":"bind","sock":"a","errno":"EPERM"'),
      TRACE[2]!,
      L(3, '"do":"close","sock":"a","ret":0'),
    ];
    const printed: string[] = [];
    const vs = await runConform(
      [input("same"), input("differs")],
      fake({ differs: { kind: "trace", lines: kernelLines } }),
      (v) => printed.push(formatVerdict(v)),
    );
    expect(vs.map((v) => v.kind)).toEqual(["match", "differ"]);
    expect(printed[0]).toBe("ok       same (3 lines identical)\n");
    expect(printed[1]).toBe(
      [
        "DIFFERS  differs: 2 line(s) differ (sim 3 lines, kernel 4 lines)",
        "  line 2:",
        `    sim:    ${TRACE[1]}`,
        `    kernel: ${kernelLines[1]}`,
        "  line 4:",
        "    sim:    (no line)",
        `    kernel: ${kernelLines[3]}`,
        "",
      ].join("\n"),
    );
    expect(formatSummary(vs)).toBe("conform: 2 scenario(s): 1 match, 1 differ, 0 skipped, 0 failed\n");
    expect(conformExitCode(vs)).toBe(1);
  });

  it("reports skips (needs root) with exit 3, failures with exit 1, in input order", async () => {
    const vs = await runConform(
      [input("rooty"), input("ok1"), input("sim-crash"), input("kfail")],
      fake({ rooty: { kind: "needs-root", message: "needs root" }, kfail: { kind: "failed", message: "no unshare" } }),
      () => {},
    );
    expect(vs.map((v) => `${v.name}:${v.kind}`)).toEqual([
      "rooty:skipped",
      "ok1:match",
      "sim-crash:failed",
      "kfail:failed",
    ]);
    expect(formatVerdict(vs[2]!)).toBe("FAILED   sim-crash: the sim run failed: boom\n");
    expect(conformExitCode(vs)).toBe(1);
    expect(conformExitCode(vs.slice(0, 2))).toBe(3);
    expect(conformExitCode(vs.slice(1, 2))).toBe(0);
  });

  it("caps a long diff", () => {
    const sim = Array.from({ length: 30 }, (_, i) => L(i, '"x":1'));
    const kernel = Array.from({ length: 30 }, (_, i) => L(i, '"x":2'));
    const v: Verdict = { kind: "differ", name: "long", simLines: 30, kernelLines: 30, diffs: diffTraces(sim, kernel) };
    const out = formatVerdict(v);
    expect(out.split("\n").filter((l) => l.startsWith("  line ")).length).toBe(MAX_SHOWN);
    expect(out).toContain(`... and ${30 - MAX_SHOWN} more differing line(s)`);
  });
});

const bin = fileURLToPath(new URL("../../bin/nlsim.js", import.meta.url));
const nlsim = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 120_000, input: "" });
const conformance = fileURLToPath(new URL("../../transport/conformance/", import.meta.url));
const av = nativeAvailability();
const root = typeof process.geteuid === "function" && process.geteuid() === 0;
const kernelSkip = !av.ok ? av.reason : !root ? "needs root (a fresh network namespace)" : undefined;

describe("nlsim conform (the command)", () => {
  it("exits 2 on a bad scenario, before running anything", () => {
    const dir = mkdtempSync(join(tmpdir(), "nlsim-conform-"));
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ name: "bad", protocol: 2, steps: [{ do: "nope" }] }));
    const r = nlsim(["conform", dir]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("nope");
    expect(r.stdout).toBe("");
  });

  it.skipIf(kernelSkip !== undefined)(
    `runs a matching scenario on both transports and exits 0${kernelSkip === undefined ? "" : ` (skipped: ${kernelSkip})`}`,
    () => {
      const r = nlsim(["conform", join(conformance, "usersock-unicast-to-self.json")]);
      expect(r.stdout).toContain("ok       usersock-unicast-to-self (7 lines identical)");
      expect(r.stdout).toContain("1 match, 0 differ");
      expect(r.status).toBe(0);
    },
  );
});
