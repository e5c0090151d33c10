// npm run bench [-- [PREFIX] [--time MS] [--samples N] [--warmup MS] [--json FILE] [--list]]
// Runs the registered workloads (those whose name starts with PREFIX), prints a table of
// messages per second, and optionally writes the results as JSON.
import { existsSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { registerCodec } from "./codec.js";
import { defaultRunOptions, fold, measure, type Result, type RunOptions, Suite } from "./harness.js";

const USAGE = `usage: npm run bench -- [PREFIX] [options]

Runs every workload whose name starts with PREFIX (all of them by default).

options:
  --time MS      minimum wall time of each sample (default ${defaultRunOptions.timeMs})
  --samples N    samples per workload; the median is reported (default ${defaultRunOptions.samples})
  --warmup MS    warm-up time per workload (default: the smaller of --time and ${defaultRunOptions.warmupMs})
  --json FILE    also write the results to FILE as JSON
  --list         list the workloads and exit
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
  readonly json: string | undefined;
  readonly list: boolean;
  readonly help: boolean;
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
      json: { type: "string" },
      list: { type: "boolean" },
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
  const json = values.json;
  if (json !== undefined) {
    if (json === "") throw new UsageError("--json wants a file name");
    const dir = dirname(resolve(json));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      throw new UsageError(`--json ${json}: directory ${dir} does not exist`);
    }
  }
  return {
    prefix: positionals[0] ?? "",
    run: { timeMs, samples, warmupMs },
    json,
    list: values.list ?? false,
    help: values.help ?? false,
  };
};

const fmtRate = (x: number): string => Math.round(x).toLocaleString("en-US");
const fmtNs = (rate: number): string => (1e9 / rate).toFixed(1);

const COLUMNS = ["median msgs/s", "min", "max", "ns/msg"] as const;
const COL_WIDTH = 14;

const row = (name: string, width: number, cells: ReadonlyArray<string>): string =>
  `${name.padEnd(width)}  ${cells.map((c) => c.padStart(COL_WIDTH)).join("  ")}`;

const main = (argv: string[]): number => {
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

  const { timeMs, samples, warmupMs } = cli.run;
  process.stdout.write(
    `nlsim bench: node ${process.version}, ${selected.length} workload${selected.length === 1 ? "" : "s"}, ` +
      `${warmupMs} ms warm-up, ${samples} sample${samples === 1 ? "" : "s"} of >= ${timeMs} ms each\n\n`,
  );
  const width = Math.max("workload".length, ...selected.map((w) => w.name.length));
  process.stdout.write(`${row("workload", width, COLUMNS)}\n`);
  process.stdout.write(`${"-".repeat(width + COLUMNS.length * (COL_WIDTH + 2))}\n`);

  const results: Result[] = [];
  let checksum = 0;
  for (const w of selected) {
    const r = measure(w, cli.run);
    results.push(r);
    checksum = fold(checksum, r.checksum);
    process.stdout.write(
      `${row(r.name, width, [fmtRate(r.opsPerSec), fmtRate(r.min), fmtRate(r.max), fmtNs(r.opsPerSec)])}\n`,
    );
  }
  process.stdout.write(`\nchecksum ${(checksum >>> 0).toString(16).padStart(8, "0")}\n`);

  if (cli.json !== undefined) {
    const out = {
      node: process.version,
      date: new Date().toISOString(),
      results: Object.fromEntries(
        results.map((r) => [
          r.name,
          {
            opsPerSec: Math.round(r.opsPerSec),
            min: Math.round(r.min),
            max: Math.round(r.max),
            samples: r.samples.length,
          },
        ]),
      ),
    };
    writeFileSync(cli.json, `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`wrote ${cli.json}\n`);
  }
  return 0;
};

process.exitCode = main(process.argv.slice(2));
