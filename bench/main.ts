// npm run bench [-- [PREFIX] [--time MS] [--samples N] [--warmup MS] [--cpu] [--json] [--out FILE] [--list] [--in-process]]
// Runs the registered workloads (those whose name starts with PREFIX) and prints a table of
// rates; with --json, stdout carries only one JSON object {"name": {"value": n, "unit": "..."}}
// (the table goes to stderr), so runs can be compared over time.
//
// Each workload runs in a Node process of its own (this file again, with --worker NAME), one after
// the other, as JMH forks a JVM per benchmark: in one process a workload's figure depended on
// which ran before it (the JIT's type feedback in code they share, such as Effect's run loop, and
// the heap they left), so `npm run bench -- api.kernel` and a whole run disagreed by up to a
// third. --in-process runs them all in this process instead (faster to start, less faithful).
import { spawnSync } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { registerApi } from "./api.js";
import { C_TWINS, registerC } from "./c.js";
import { registerCli } from "./cli.js";
import { registerCodec } from "./codec.js";
import { defaultRunOptions, fold, measure, type Result, type RunOptions, Suite } from "./harness.js";
import { registerKernel } from "./kernel.js";
import { registerModel } from "./model.js";
import { registerScale } from "./scale.js";
import { registerSim } from "./sim.js";
import { registerYnl } from "./ynl.js";

const USAGE = `usage: npm run bench -- [PREFIX] [options]

Runs every workload whose name starts with PREFIX (all of them by default).

options:
  --time MS      minimum time of each sample (default ${defaultRunOptions.timeMs})
  --samples N    samples per workload; the median is reported (default ${defaultRunOptions.samples})
  --warmup MS    warm-up time per workload (default: the smaller of --time and ${defaultRunOptions.warmupMs})
  --cpu          time with the process's CPU time (user + system) instead of the wall clock:
                 rates per CPU-second, steadier on a busy machine
  --json         print one JSON object of figures on stdout, {"name": {"value": n, "unit": "..."}}
                 (the table goes to stderr)
  --out FILE     also write that JSON object to FILE
  --list         list the workloads and exit
  --in-process   run every workload in this process (default: each in a process of its own)
  -h, --help     show this help`;

class UsageError extends Error {}

const positiveInt = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`${flag} wants a positive whole number, not ${JSON.stringify(v)}`);
  }
  return Number(v);
};

interface Cli {
  readonly prefix: string;
  readonly run: RunOptions;
  readonly json: boolean;
  readonly out: string | undefined;
  readonly list: boolean;
  readonly help: boolean;
  readonly inProcess: boolean;
  /** internal: measure this one workload and print its Result as JSON (a child of a run) */
  readonly worker: string | undefined;
}

const parseFlags = (args: string[]) =>
  parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      time: { type: "string" },
      samples: { type: "string" },
      warmup: { type: "string" },
      cpu: { type: "boolean" },
      json: { type: "boolean" },
      out: { type: "string" },
      list: { type: "boolean" },
      "in-process": { type: "boolean" },
      worker: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });

const parseCli = (argv: string[]): Cli => {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) {
    throw new UsageError(`one name prefix at most, got ${positionals.length}: ${positionals.join(" ")}`);
  }
  const timeMs = positiveInt("--time", values.time) ?? defaultRunOptions.timeMs;
  const samples = positiveInt("--samples", values.samples) ?? defaultRunOptions.samples;
  const warmupMs = positiveInt("--warmup", values.warmup) ?? Math.min(timeMs, defaultRunOptions.warmupMs);
  const out = values.out;
  if (out !== undefined) {
    if (out === "") throw new UsageError("--out wants a file name");
    const dir = dirname(resolve(out));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`--out ${out}: directory ${dir} does not exist`);
    }
  }
  return {
    prefix: positionals[0] ?? "",
    run: { timeMs, samples, warmupMs, clock: values.cpu ? "cpu" : "wall" },
    json: values.json ?? false,
    out,
    list: values.list ?? false,
    help: values.help ?? false,
    inProcess: values["in-process"] ?? false,
    worker: values.worker,
  };
};

const fmtRate = (x: number): string => Math.round(x).toLocaleString("en-US");
const fmtNs = (rate: number): string => (1e9 / rate).toFixed(1);

const COLUMNS = ["median /s", "min", "max", "ns/op", "unit"] as const;
const COL_WIDTH = 14;

const row = (name: string, width: number, cells: ReadonlyArray<string>): string =>
  `${name.padEnd(width)}  ${cells.map((c) => c.padStart(COL_WIDTH)).join("  ")}`;

/** A workload's failure in its own process, with what it printed on stderr. */
class WorkerError extends Error {}

/** Measures one workload in a fresh process (this file with --worker): its Result. */
const measureInChild = (name: string, run: RunOptions): Result => {
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    "--worker",
    name,
    "--time",
    String(run.timeMs),
    "--samples",
    String(run.samples),
    "--warmup",
    String(run.warmupMs),
    ...(run.clock === "cpu" ? ["--cpu"] : []),
  ];
  const r = spawnSync(process.execPath, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 1 << 20,
  });
  const said = (r.stderr ?? "").trim();
  if (r.error !== undefined || r.status !== 0) {
    const why = r.error?.message ?? (r.signal !== null ? `killed by ${r.signal}` : `exit status ${r.status}`);
    throw new WorkerError(`workload ${name} failed in its process (${why})${said === "" ? "" : `:\n${said}`}`);
  }
  try {
    const out = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "") as Result;
    if (out.name !== name || typeof out.opsPerSec !== "number") throw new Error("not a result");
    return out;
  } catch {
    throw new WorkerError(
      `workload ${name}: its process printed no result (stdout: ${JSON.stringify(r.stdout.slice(0, 200))})`,
    );
  }
};

const main = async (argv: string[]): Promise<number> => {
  let cli: Cli;
  try {
    cli = parseCli(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (cli.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const suite = new Suite();
  registerCodec(suite);
  registerYnl(suite);
  registerModel(suite);
  registerScale(suite);
  registerApi(suite);
  const kernelMissing = registerKernel(suite);
  const cMissing = registerC(suite);
  registerSim(suite);
  const cliNote = registerCli(suite);

  if (cli.worker !== undefined) {
    const w = suite.select().find((x) => x.name === cli.worker);
    if (w === undefined) {
      process.stderr.write(`bench: no workload named ${JSON.stringify(cli.worker)}\n`);
      return 2;
    }
    process.stdout.write(`${JSON.stringify(await measure(w, cli.run))}\n`);
    return 0;
  }

  const selected = suite.select(cli.prefix);
  if (cli.list) {
    for (const w of selected) process.stdout.write(`${w.name}\n`);
    return 0;
  }
  if (selected.length === 0) {
    const all = suite
      .select()
      .map((w) => `  ${w.name}`)
      .join("\n");
    process.stderr.write(
      `bench: no workload name starts with ${JSON.stringify(cli.prefix)}; the workloads are:\n${all}\n`,
    );
    return 2;
  }

  const { timeMs, samples, warmupMs, clock } = cli.run;
  // with --json, stdout is reserved for the JSON object
  const table = cli.json ? process.stderr : process.stdout;
  table.write(
    `nlsim bench: node ${process.version}, ${selected.length} workload${selected.length === 1 ? "" : "s"}, ` +
      `${warmupMs} ms warm-up, ${samples} sample${samples === 1 ? "" : "s"} of >= ${timeMs} ms each` +
      `${clock === "cpu" ? " (CPU time: rates per CPU-second)" : ""}\n\n`,
  );
  const width = Math.max("workload".length, ...selected.map((w) => w.name.length));
  table.write(`${row("workload", width, COLUMNS)}\n`);
  table.write(`${"-".repeat(width + COLUMNS.length * (COL_WIDTH + 2))}\n`);

  const results: Result[] = [];
  let checksum = 0;
  for (const w of selected) {
    const r = cli.inProcess ? await measure(w, cli.run) : measureInChild(w.name, cli.run);
    results.push(r);
    checksum = fold(checksum, r.checksum);
    table.write(
      `${row(r.name, width, [fmtRate(r.opsPerSec), fmtRate(r.min), fmtRate(r.max), w.gauge !== undefined ? "-" : fmtNs(r.opsPerSec), r.unit])}\n`,
    );
  }
  table.write(`\nchecksum ${(checksum >>> 0).toString(16).padStart(8, "0")}\n`);
  if (kernelMissing !== undefined) table.write(`kernel-layer workloads skipped: ${kernelMissing}\n`);
  if (cMissing !== undefined) table.write(`C reference workloads skipped: ${cMissing}\n`);
  // the same workload on both layers: how the simulator compares with the real kernel
  for (const k of results.filter((r) => r.name.startsWith("api.kernel."))) {
    const sim = results.find((r) => r.name === k.name.replace("api.kernel.", "api.sim."));
    if (sim !== undefined) {
      table.write(
        `${k.name.slice("api.kernel.".length)}: sim ${fmtRate(sim.opsPerSec)} / kernel ${fmtRate(k.opsPerSec)} = ${(sim.opsPerSec / k.opsPerSec).toFixed(2)}\n`,
      );
    }
  }

  // the CLI's start-up against a bare node's, in the same run
  const cliStart = results.find((r) => r.name === "cli.startup");
  const nodeStart = results.find((r) => r.name === "cli.node");
  if (cliStart !== undefined && nodeStart !== undefined) {
    table.write(
      `cli start-up: ${(1000 / cliStart.opsPerSec).toFixed(0)} ms, node -e 0: ${(1000 / nodeStart.opsPerSec).toFixed(0)} ms = ${(nodeStart.opsPerSec / cliStart.opsPerSec).toFixed(2)}x${cliNote === undefined ? "" : ` (${cliNote})`}\n`,
    );
  }

  // the kernel transport against the same workload in C, measured in this run
  const ratios: Array<[string, { value: number; unit: string }]> = [];
  for (const k of results) {
    const twin = C_TWINS[k.name];
    const c = twin === undefined ? undefined : results.find((r) => r.name === twin);
    if (c === undefined) continue;
    const ratio = k.opsPerSec / c.opsPerSec;
    table.write(
      `${k.name} / ${c.name}: ${fmtRate(k.opsPerSec)} / ${fmtRate(c.opsPerSec)} = ${ratio.toFixed(2)} of C\n`,
    );
    ratios.push([`${k.name}/c`, { value: Math.round(ratio * 100) / 100, unit: "ratio" }]);
  }

  // what a switch costs at 10k against at 1k, for the product and for its references (bench/scale.ts)
  for (const world of ["sim.processes", "sim.tasks", "sim.fibers"]) {
    const small = results.find((r) => r.name === `${world}.1k`);
    const large = results.find((r) => r.name === `${world}.10k`);
    if (small === undefined || large === undefined) continue;
    const ratio = small.opsPerSec / large.opsPerSec;
    // a sample of 10k shorter than a few seconds is one or two rounds, the first of them cold
    const short = timeMs < 3000 ? "; samples under 3 s: use --time 3000 to compare" : "";
    table.write(
      `${world}: a switch at 10k costs ${ratio.toFixed(2)}x one at 1k (${fmtRate(large.opsPerSec)} / ${fmtRate(small.opsPerSec)} switches/s${short})\n`,
    );
    ratios.push([`${world}.10k/1k`, { value: Math.round(ratio * 100) / 100, unit: "cost ratio" }]);
  }

  const figures = Object.fromEntries([
    ...results.map((r): [string, { value: number; unit: string }] => [
      r.name,
      { value: Math.round(r.opsPerSec), unit: r.unit },
    ]),
    ...ratios,
  ]);
  const json = `${JSON.stringify(figures)}\n`;
  if (cli.json) process.stdout.write(json);
  if (cli.out !== undefined) {
    writeFileSync(cli.out, json);
    table.write(`wrote ${cli.out}\n`);
  }
  return 0;
};

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof WorkerError)) throw e;
  process.stderr.write(`bench: ${e.message}\n`);
  process.exitCode = 1;
}
