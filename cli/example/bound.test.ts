import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runExampleOnSim } from "../../examples/runner.js";
import { selectThroughputExample } from "../../examples/select-throughput/index.js";
import { ALL_STEPS, BoundedSink, parseWalkFilter, type WalkBounds } from "../../sim/walk/bound.js";
import { Narrator } from "../../sim/walk/narrate.js";
import { describeOptval } from "../../sim/walk/optval.js";

const at = (s: number): string => `[${s.toFixed(6).padStart(12)}] `;
const who = (w: string): string => w.padEnd(33);

/** Feeds `steps` (each a list of lines) through a BoundedSink and returns what it printed. */
const bounded = (bounds: WalkBounds, steps: ReadonlyArray<ReadonlyArray<string>>): string[] => {
  const out: string[] = [];
  const sink = new BoundedSink({ line: (s) => out.push(s), step: () => {} }, bounds);
  for (const s of steps) {
    sink.step();
    for (const l of s) sink.line(l);
  }
  sink.step();
  sink.line(`${at(9)}${who("end")}the end`);
  sink.finish();
  return out;
};

const recv = (i: number): string[] => [
  `${at(i)}${who("usr[1101]")}recvmsg(fd ${3 + (i % 5)}, buf 1024, flags 0x0) = 784 (msg_name: port 0)`,
  `${" ".repeat(48)}⇒ port ${100 + i}: receive queue 0 skbs, rmem 0/212992 B`,
];

describe("the bounded walk", () => {
  it("folds steps shaped like two printed ones into one line with their count, kinds and times", () => {
    const steps = Array.from({ length: 50 }, (_, i) => recv(i));
    const out = bounded({ limit: 500, fold: true, filters: [] }, steps);
    expect(out.filter((l) => l.includes("recvmsg(")).length).toBe(2);
    expect(out).toContain(`${" ".repeat(48)}⋯ 48 steps like the ones above from 2.000000 to 49.000000 s (48 recvmsg)`);
    expect(out.at(-1)).toContain("the end");
  });

  it("explains rmem with the truesize rule once, where it first appears", () => {
    const out = bounded(ALL_STEPS, [recv(1), recv(2)]).join("\n");
    expect(out.match(/» rmem A\/B/g)?.length).toBe(1);
    expect(out.indexOf("» rmem A/B")).toBeGreaterThan(out.indexOf("rmem 0/212992 B"));
    expect(out).toContain("plus the sk_buff (256)");
  });

  it("stops near --limit, says how much it left out, and still prints the end", () => {
    const steps = Array.from({ length: 40 }, (_, i) => [`${at(i)}${who("usr[1101]")}step ${"x".repeat(i)}`]);
    const out = bounded({ limit: 10, fold: true, filters: [] }, steps);
    expect(out.length).toBeLessThanOrEqual(12);
    expect(out).toContain("⋯ --limit 10: 30 more steps (30 lines) not shown; --limit N shows more, --all everything");
    expect(out.at(-1)).toContain("the end");
  });

  it("--all prints every step", () => {
    const steps = Array.from({ length: 50 }, (_, i) => recv(i));
    expect(bounded(ALL_STEPS, steps).filter((l) => l.includes("recvmsg(")).length).toBe(50);
  });

  it("filters by socket, process and kind", () => {
    const steps = [
      [`${at(1)}${who("usr[1101]")}sendto(fd 3, 16 bytes, flags 0x0) = 16`],
      [`${at(2)}${who("kthread worker[1002]")}printk <6> hello`],
      [`${at(3)}${who("softirq on worker[1002]")}softirq TIMER: tick() (timer tick → run_timer_softirq)`],
      recv(4),
    ];
    const keep = (f: string): string[] => {
      const p = parseWalkFilter(f);
      if ("error" in p) throw new Error(p.error);
      return bounded({ ...ALL_STEPS, filters: [p] }, steps).filter((l) => l.startsWith("["));
    };
    expect(keep("proc=worker")).toHaveLength(3); // two steps and the end
    expect(keep("proc=1101")).toHaveLength(3);
    expect(keep("type=printk")[0]).toContain("hello");
    expect(keep("type=softirq")[0]).toContain("TIMER");
    expect(keep("sock=3")[0]).toContain("sendto(fd 3");
    expect(keep("sock=104")[0]).toContain("recvmsg(fd 7");
    expect(parseWalkFilter("colour=red")).toEqual({
      error: "--filter colour=red: expected sock=PORT|FD, proc=NAME|PID or type=CALL",
    });
    expect(parseWalkFilter("sock=x")).toHaveProperty("error");
  });

  it("select-throughput's walk (1 s of it: 120,000 lines in full) is a few hundred lines", async () => {
    const out: string[] = [];
    const sink = new BoundedSink({ line: (s) => out.push(s), step: () => {} }, { limit: 500, fold: true, filters: [] });
    const n = new Narrator(selectThroughputExample, sink, false);
    const r = await runExampleOnSim(selectThroughputExample, {
      seed: 1,
      params: { durationMs: 1000 },
      onEvent: (e, w) => n.onEvent(e, w),
      hooks: { out: (l) => n.onOut(l) },
    });
    n.finish(r.world, r.run);
    sink.finish();
    expect(out.length).toBeLessThanOrEqual(520);
    expect(out.length).toBeGreaterThan(50);
    expect(out.join("\n")).toMatch(
      /⋯ [\d,]+ steps like the ones above from [\d.]+ to [\d.]+ s \([\d,]+ poll, [\d,]+ recvmsg\)/,
    );
    expect(out.at(-1)).toMatch(/end: \d+ trace events/);
  }, 120_000);
});

describe("socket option values in the walk", () => {
  it("decodes SO_RCVTIMEO's struct timeval and int-sized options", () => {
    expect(describeOptval(1, 20, "0000000000000000e093040000000000")).toBe("{tv_sec 0, tv_usec 300000} (300 ms)");
    expect(describeOptval(1, 21, "0200000000000000" + "0000000000000000")).toBe("{tv_sec 2, tv_usec 0} (2000 ms)");
    expect(describeOptval(1, 20, "00".repeat(16))).toBe("{tv_sec 0, tv_usec 0} (no timeout)");
    expect(describeOptval(1, 8, "00100000")).toBe("4096");
    expect(describeOptval(270, 1, null)).toBe("NULL");
    expect(describeOptval(1, 20, "0102")).toBe("0x0102");
  });
});

describe("nlsim walk's bounds on the command line", () => {
  const bin = fileURLToPath(new URL("../../bin/nlsim.js", import.meta.url));
  const nlsim = (args: string[]) =>
    spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000, input: "" });

  it("prints the legend and the decoded timeval; --filter keeps one kind", () => {
    const r = nlsim(["walk", "nl-demo", "--filter", "type=printk"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("legend: [seconds] virtual time");
    const steps = r.stdout.split("\n").filter((l) => l.startsWith("["));
    expect(steps.slice(0, -1).every((l) => l.includes("printk <"))).toBe(true);
    expect(r.stdout).toMatch(/⋯ \d+ steps did not match --filter/);
    const all = nlsim(["walk", "nl-demo", "--all"]);
    expect(all.stdout).toContain("SO_RCVTIMEO, {tv_sec 0, tv_usec 300000} (300 ms)) = 0");
  }, 60_000);

  it("refuses a malformed --filter, --limit 0, and --all with --limit, with exit status 2", () => {
    for (const args of [
      ["--filter", "port=3"],
      ["--limit", "0"],
      ["--all", "--limit", "5"],
    ]) {
      const r = nlsim(["walk", "nl-demo", ...args]);
      expect(r.status).toBe(2);
    }
    expect(nlsim(["walk", "nl-demo", "--filter", "port=3"]).stderr).toContain("expected sock=PORT|FD");
  }, 60_000);
});
