// nlsim sweep: shards cover the range exactly, reports merge, worker threads run the seeds, and
// a deliberately broken model is found by the command and replays from the line it prints.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runPool } from "./pool.js";
import { MergeError, mergeReports, parseShard, readReport, type SweepReport, shardRange } from "./seeds.js";
import type { SeedVerdict } from "./targets.js";

const BIN = fileURLToPath(new URL("../../bin/nlsim.js", import.meta.url));

const report = (over: Partial<SweepReport>): SweepReport => ({
  target: "invariants steps=250",
  seeds: 0,
  failed: [],
  failures: [],
  workers: 1,
  seconds: 1,
  ranges: [],
  seedsPerSecond: 0,
  ...over,
});

describe("shards and reports", () => {
  it("splits a range into contiguous shards that cover it exactly", () => {
    for (const [from, seeds, n] of [
      [1, 10_000, 2],
      [5, 7, 3],
      [0, 2, 5],
      [100, 1001, 8],
    ] as const) {
      const covered: number[] = [];
      for (let i = 1; i <= n; i++) {
        const r = shardRange(from, seeds, i, n);
        for (let s = r.start; s < r.end; s++) covered.push(s);
      }
      expect(covered).toEqual(Array.from({ length: seeds }, (_, k) => from + k));
    }
    expect(shardRange(1, 10_000, 1, 2)).toEqual({ start: 1, end: 5001 });
    expect(shardRange(1, 10_000, 2, 2)).toEqual({ start: 5001, end: 10_001 });
  });

  it("refuses a malformed --shard", () => {
    expect(parseShard("2/8")).toEqual({ index: 2, count: 8 });
    expect(parseShard("0/2")).toMatch(/1 ≤ i ≤ n/);
    expect(parseShard("3/2")).toMatch(/1 ≤ i ≤ n/);
    expect(parseShard("x")).toMatch(/expected i\/n/);
  });

  it("merges shards: seeds add up, failures sorted, gaps named, overlaps and mixed targets refused", () => {
    const a = report({
      seeds: 5,
      ranges: [[1, 6]],
      failed: [4],
      failures: [{ seed: 4, error: "e", replay: "r4" }],
      seconds: 3,
    });
    const b = report({
      seeds: 5,
      ranges: [[11, 16]],
      failed: [2],
      failures: [{ seed: 12, error: "e", replay: "r12" }],
    });
    const m = mergeReports([b, a]);
    expect(m.seeds).toBe(10);
    expect(m.failed).toEqual([4, 12]);
    expect(m.seconds).toBe(3);
    expect(m.workers).toBe(2);
    expect(m.gaps).toEqual([[6, 11]]);
    expect(() => mergeReports([a, a])).toThrow(/overlap/);
    expect(() => mergeReports([a, report({ target: "example nl-demo", ranges: [[20, 21]] })])).toThrow(
      /different targets/,
    );
    expect(() => readReport('progress\n{"x":1}\n', "f.json")).toThrow(MergeError);
    expect(readReport(`line\n${JSON.stringify(a)}\n`, "f.json")).toEqual(a);
  });
});

describe("sweeps on worker threads", () => {
  it("runs every seed of the range once, on several workers", async () => {
    const verdicts: SeedVerdict[] = [];
    await runPool(
      { kind: "invariants", steps: 60, swarm: true },
      { start: 3, end: 15 },
      {
        workers: 2,
        onVerdict: (v) => verdicts.push(v),
      },
    );
    expect(verdicts.map((v) => v.seed).sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, k) => 3 + k));
    expect(verdicts.every((v) => v.ok)).toBe(true);
  }, 120_000);

  it("nlsim sweep finds an injected bug in its shard, exits 1, and the printed command replays it", () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BIN, ...args], {
        encoding: "utf8",
        timeout: 120_000,
        env: { ...process.env, NO_COLOR: "1" },
      });
    const r = run([
      "sweep",
      "invariants",
      "--seeds",
      "40",
      "--shard",
      "1/2",
      "--workers",
      "2",
      "--inject-bug",
      "uncounted-drop",
      "--json",
    ]);
    expect(r.status).toBe(1);
    const rep = readReport(r.stdout, "stdout");
    expect(rep.seeds).toBe(20);
    expect(rep.ranges).toEqual([[1, 21]]);
    expect(rep.failed.length).toBeGreaterThan(0);
    for (const s of rep.failed) expect(s >= 1 && s <= 20).toBe(true);
    const first = rep.failures[0]!;
    expect(r.stderr).toContain(`FAIL seed ${first.seed}:`);
    expect(r.stderr).toContain(`replay: ${first.replay}`);
    const argv = first.replay.split(" ");
    expect(argv[0]).toBe("nlsim");
    const again = run([...argv.slice(1), "--json"]);
    expect(again.status).toBe(1);
    const rep2 = readReport(again.stdout, "replay");
    expect(rep2.failed).toEqual([first.seed]);
    expect(rep2.failures[0]!.error).toBe(first.error);
  }, 240_000);
});
