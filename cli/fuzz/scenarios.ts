// `nlsim fuzz scenarios`: random valid scenarios (gen.ts) on the simulator and, with
// `--against kernel`, on the live kernel twice (a scenario whose two kernel traces differ is left
// out: its answer varies). Every sim/kernel difference is shrunk (steps removed while the
// difference stays, at the same kind of step) to a minimal scenario file, written with both
// traces beside the report.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runScenarioOnKernel } from "../scenario/kernel-api.js";
import { kernelMode } from "../scenario/kernel-run.js";
import { parseScenario } from "../scenario/parse.js";
import { runScenarioOnSim } from "../scenario/sim-api.js";
import { type GenScenario, generateScenario, type Step } from "./gen.js";

/** Runs scenarios on the live kernel: a server in a fresh namespace, or this process. */
export interface KernelRunner {
  run(
    g: GenScenario,
  ): Promise<{ readonly lines: ReadonlyArray<string>; readonly tgid: number } | { readonly error: string }>;
  close(): void;
}

/** node's arguments for a TypeScript or JavaScript module next to this one (tsx from a checkout). */
const nodeArgs = (name: string): string[] => {
  const fromTs = import.meta.url.endsWith(".ts");
  const file = fileURLToPath(new URL(`./${name}.${fromTs ? "ts" : "js"}`, import.meta.url));
  if (!fromTs) return [file];
  return ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, file];
};

/** The kernel server (fuzz-kernel-server.ts) under `unshare -n`, one scenario per line. */
const serverRunner = (): KernelRunner => {
  const child: ChildProcessWithoutNullStreams = spawn(
    "unshare",
    ["-n", process.execPath, ...nodeArgs("fuzz-kernel-server")],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const waiting: Array<(line: string) => void> = [];
  const rl = createInterface({ input: child.stdout });
  rl.on("line", (line) => waiting.shift()?.(line));
  child.on("close", (code) => {
    for (const w of waiting.splice(0))
      w(JSON.stringify({ error: `the kernel server exited (${code}): ${stderr.trim()}` }));
  });
  return {
    run: (g) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => resolve({ error: "the kernel run timed out (60 s)" }), 60_000);
        waiting.push((line) => {
          clearTimeout(timer);
          resolve(JSON.parse(line) as { lines: string[]; tgid: number } | { error: string });
        });
        child.stdin.write(`${JSON.stringify(g)}\n`);
      }),
    close: () => {
      child.stdin.end();
    },
  };
};

/** Runs in this process's namespace (not root, or no unshare): the caller warns. */
const inProcessRunner = (): KernelRunner => ({
  run: async (g) => {
    try {
      return { lines: await runScenarioOnKernel(parseScenario(JSON.stringify(g), g.name)), tgid: process.pid };
    } catch (e) {
      return { error: e instanceof Error ? e.message : String(e) };
    }
  },
  close: () => {},
});

/** The kernel runner for here, or why there is none. */
export const kernelRunner = (): { runner: KernelRunner; warning?: string } | { reason: string } => {
  const mode = kernelMode();
  if (mode.kind === "unavailable") return { reason: mode.reason };
  if (mode.kind === "netns") return { runner: serverRunner() };
  if (mode.kind === "current") return { runner: inProcessRunner(), warning: mode.warning };
  return { runner: inProcessRunner() };
};

const simRun = async (g: GenScenario): Promise<{ lines: ReadonlyArray<string>; tgid: number }> => {
  const r = await runScenarioOnSim(parseScenario(JSON.stringify(g), g.name), 1);
  const first = r.world.trace.snapshot().events.find((e) => e.kind === "syscall");
  const pid = first === undefined ? 0 : Number((first as { pid?: unknown }).pid ?? 0);
  return { lines: r.lines, tgid: pid };
};
const simLines = async (g: GenScenario): Promise<ReadonlyArray<string>> => (await simRun(g)).lines;

/** A port id as the little-endian hex a raw `hex` field shows it in. */
const leHex = (v: number): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b.toString("hex");
};

/** The hex of a datagram with the nlmsg_pid of each message whose header is in it masked if it is `pid`. */
const maskPidsInHex = (hex: string, pid: string): string => {
  let out = "";
  let off = 0; // in hex digits
  while (off + 32 <= hex.length) {
    const len = Buffer.from(hex.slice(off, off + 8), "hex").readUInt32LE(0);
    const at = off + 24;
    out += hex.slice(off, at) + (hex.slice(at, at + 8) === pid ? "<tgid>" : hex.slice(at, at + 8));
    const next = off + Math.ceil(len / 4) * 8;
    if (len < 16 || next <= off) {
      off += 32;
      break;
    }
    out += hex.slice(off + 32, Math.min(next, hex.length));
    off = next;
  }
  return out + hex.slice(Math.min(off, hex.length));
};

/**
 * The process id is host-specific (the sim's scenario process has its own): where an autobound
 * port id (= the tgid) shows up in raw hex that the trace could not parse, it is masked on both
 * sides before comparing, as the trace format masks parsed port ids. Only the nlmsg_pid fields of
 * the messages in a `hex` field are masked: the same four bytes elsewhere are content (the
 * simulated process's pid 1000 is also lo's txqueuelen and IPv6 retrans time).
 */
export const maskTgid = (lines: ReadonlyArray<string>, tgid: number): string[] => {
  if (tgid <= 0) return [...lines];
  const pid = leHex(tgid);
  return lines.map((l) => l.replace(/"hex":"([0-9a-f]*)"/g, (_m, h: string) => `"hex":"${maskPidsInHex(h, pid)}"`));
};

/** Index of the first differing line, or −1. */
const firstDiff = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): number => {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
};
const doOf = (line: string | undefined): string => {
  if (line === undefined) return "(none)";
  try {
    return String((JSON.parse(line) as { do?: unknown }).do);
  } catch {
    return "(unparsable)";
  }
};

type Outcome =
  | { kind: "invalid" }
  | { kind: "varies" }
  | { kind: "kernel-error"; error: string }
  | { kind: "same" }
  | { kind: "differ"; sim: ReadonlyArray<string>; kernel: ReadonlyArray<string>; at: number };

const compare = async (g: GenScenario, k: KernelRunner): Promise<Outcome> => {
  let sim: ReadonlyArray<string>;
  try {
    const r = await simRun(g);
    sim = maskTgid(r.lines, r.tgid);
  } catch {
    return { kind: "invalid" };
  }
  const k1 = await k.run(g);
  if ("error" in k1) return { kind: "kernel-error", error: k1.error };
  const k2 = await k.run(g);
  if ("error" in k2 || firstDiff(k1.lines, k2.lines) >= 0) return { kind: "varies" };
  const kernel = maskTgid(k1.lines, k1.tgid);
  const at = firstDiff(sim, kernel);
  return at < 0 ? { kind: "same" } : { kind: "differ", sim, kernel, at };
};

/** Removes steps (halves, quarters, ..., single ones) while the difference stays at the same kind of step. */
const shrink = async (g: GenScenario, first: Outcome & { kind: "differ" }, k: KernelRunner) => {
  const kind = `${doOf(first.sim[first.at])}/${doOf(first.kernel[first.at])}`;
  let best = g;
  let bestOut = first;
  let chunk = Math.max(1, Math.floor(g.steps.length / 2));
  let tries = 0;
  while (chunk >= 1 && tries < 400) {
    let changed = false;
    for (let at = 0; at + chunk <= best.steps.length && tries < 400; ) {
      const steps: Step[] = [...best.steps.slice(0, at), ...best.steps.slice(at + chunk)];
      const cand: GenScenario = { ...best, steps };
      tries++;
      let ok = false;
      try {
        parseScenario(JSON.stringify(cand), cand.name);
        ok = true;
      } catch {
        ok = false;
      }
      if (ok) {
        const out = await compare(cand, k);
        if (out.kind === "differ" && `${doOf(out.sim[out.at])}/${doOf(out.kernel[out.at])}` === kind) {
          best = cand;
          bestOut = out;
          changed = true;
          continue; // same position, next chunk slid in
        }
      }
      at += chunk;
    }
    if (!changed) chunk = Math.floor(chunk / 2);
  }
  return { scenario: best, outcome: bestOut, tries };
};

export interface Repro {
  readonly index: number;
  readonly file: string;
  readonly steps: number;
  readonly line: number;
  readonly sim: string;
  readonly kernel: string;
}

export interface ScenarioFuzzReport {
  readonly count: number;
  readonly seed: number;
  readonly protocol: number | null;
  readonly against: "kernel" | null;
  /** scenarios whose sim and kernel traces differ */
  readonly differ: number;
  /** left out: the kernel answered differently on the two runs */
  readonly varies: number;
  readonly kernelErrors: number;
  /** sim failures (a crash, or two sim runs that differ) */
  readonly simFailures: number;
  readonly repros: ReadonlyArray<Repro>;
  readonly seconds: number;
}

export interface ScenarioFuzzOptions {
  readonly count: number;
  readonly seed: number;
  readonly protocol?: number;
  readonly kernel?: KernelRunner;
  readonly outDir: string;
  readonly log: (line: string) => void;
  /** after each scenario, however it went: how many are done, and the differences so far */
  readonly onScenario?: (done: number, counts: { readonly differ: number; readonly varies: number }) => void;
}

export const fuzzScenarios = async (o: ScenarioFuzzOptions): Promise<ScenarioFuzzReport> => {
  const t0 = performance.now();
  let differ = 0;
  let varies = 0;
  let kernelErrors = 0;
  let simFailures = 0;
  const repros: Repro[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < o.count; i++) {
    try {
      await fuzzOne(i);
    } finally {
      o.onScenario?.(i + 1, { differ, varies });
    }
  }
  async function fuzzOne(i: number): Promise<void> {
    const g = generateScenario(o.seed, i, o.protocol);
    // the simulator alone: it must run, and run the same twice
    let a: ReadonlyArray<string>;
    try {
      a = await simLines(g);
      const b = await simLines(g);
      if (firstDiff(a, b) >= 0) throw new Error(`two sim runs differ at line ${firstDiff(a, b)}`);
    } catch (e) {
      simFailures++;
      o.log(`scenario ${i}: the simulator failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (o.kernel === undefined) return;
    const out = await compare(g, o.kernel);
    if (out.kind === "varies") varies++;
    else if (out.kind === "kernel-error") {
      kernelErrors++;
      o.log(`scenario ${i}: the kernel run failed: ${out.error}`);
    } else if (out.kind === "differ") {
      differ++;
      const s = await shrink(g, out, o.kernel);
      const text = `${JSON.stringify({ ...s.scenario, name: `fuzz-repro-${o.seed}-${i}` }, null, 2)}\n`;
      const key = JSON.stringify(s.scenario.steps);
      const at = s.outcome.at;
      if (seen.has(key)) {
        o.log(`scenario ${i}: differs at line ${out.at}; shrinks to a repro already written`);
        return;
      }
      seen.add(key);
      mkdirSync(o.outDir, { recursive: true });
      const file = join(o.outDir, `fuzz-repro-${o.seed}-${i}.json`);
      writeFileSync(file, text);
      writeFileSync(file.replace(/\.json$/, ".kernel.jsonl"), s.outcome.kernel.map((l) => `${l}\n`).join(""));
      writeFileSync(file.replace(/\.json$/, ".sim.jsonl"), s.outcome.sim.map((l) => `${l}\n`).join(""));
      const r: Repro = {
        index: i,
        file,
        steps: s.scenario.steps.length,
        line: at,
        sim: s.outcome.sim[at] ?? "(no line)",
        kernel: s.outcome.kernel[at] ?? "(no line)",
      };
      repros.push(r);
      o.log(
        `scenario ${i}: differs; shrunk to ${r.steps} step(s) in ${s.tries} tries: ${file}\n  sim:    ${r.sim}\n  kernel: ${r.kernel}`,
      );
    }
  }
  return {
    count: o.count,
    seed: o.seed,
    protocol: o.protocol ?? null,
    against: o.kernel === undefined ? null : "kernel",
    differ,
    varies,
    kernelErrors,
    simFailures,
    repros,
    seconds: Math.round((performance.now() - t0) / 10) / 100,
  };
};
