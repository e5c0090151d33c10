// `nlsim sweep invariants|example NAME|test FILE`: one target over a range of seeds on worker
// threads; `nlsim sweep merge A.json B.json ...`: the shards' reports as one.
import { readFileSync } from "node:fs";
import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { findExample } from "../../examples/index.js";
import { INJECTABLE_BUGS, isInjectableBug } from "../../sim/invariants.js";
import { CliUsageError } from "../errors.js";
import { Progress } from "../progress.js";
import { defaultWorkers, runPool } from "./pool.js";
import {
  MergeError,
  mergeReports,
  parseShard,
  readReport,
  type SweepFailure,
  type SweepReport,
  shardRange,
} from "./seeds.js";
import { replayCommand, type SweepTarget, targetName } from "./targets.js";

/** A seed failed (exit 1); the failures are already printed. */
class SweepFailed extends Error {
  readonly _tag = "SweepFailed" as const;
}

const common = {
  seeds: Flag.Int("seeds").pipe(Flag.withDescription("how many seeds (default 1000)"), Flag.withDefault(1000)),
  from: Flag.Int("from").pipe(Flag.withDescription("the first seed (default 1)"), Flag.withDefault(1)),
  shard: Flag.String("shard").pipe(
    Flag.withDescription("i/n: run the i-th of n contiguous parts of the range (a machine's share)"),
    Flag.optional,
  ),
  workers: Flag.Int("workers").pipe(Flag.withDescription("worker threads (default: all cores)"), Flag.optional),
  json: Flag.Boolean("json").pipe(
    Flag.withDescription("end with one JSON line: seeds, failed, failures, workers, seconds, ranges"),
    Flag.withDefault(false),
  ),
};

interface CommonArgs {
  readonly seeds: number;
  readonly from: number;
  readonly shard: Option.Option<string>;
  readonly workers: Option.Option<number>;
  readonly json: boolean;
}

const oneLine = (s: string): string => s.split("\n")[0] ?? "";

/** Runs the sweep: progress on a terminal (one \r line), a few lines when piped, each failure with its replay. */
export const sweep = (target: SweepTarget, args: CommonArgs) =>
  Effect.gen(function* () {
    if (args.seeds < 0) return yield* new CliUsageError({ message: `--seeds ${args.seeds}: must be ≥ 0` });
    if (args.from < 0) return yield* new CliUsageError({ message: `--from ${args.from}: seeds are ≥ 0` });
    let index = 1;
    let count = 1;
    if (Option.isSome(args.shard)) {
      const s = parseShard(args.shard.value);
      if (typeof s === "string") return yield* new CliUsageError({ message: s });
      index = s.index;
      count = s.count;
    }
    const workers = Option.getOrElse(args.workers, defaultWorkers);
    if (workers < 1) return yield* new CliUsageError({ message: `--workers ${workers}: at least 1` });
    const range = shardRange(args.from, args.seeds, index, count);
    const total = range.end - range.start;
    const name = targetName(target);
    const shardNote = count > 1 ? ` (shard ${index}/${count})` : "";
    process.stderr.write(
      `sweep ${name}: seeds ${range.start}..${range.end - 1}${shardNote}, ${total} seed(s) on ${Math.min(workers, Math.max(total, 1))} worker(s)\n`,
    );
    const failures: SweepFailure[] = [];
    const t0 = performance.now();
    const progress = new Progress({
      total,
      unit: "seeds",
      label: `sweep ${name}`,
      detail: () => `${failures.length} failed`,
    });
    yield* Effect.tryPromise({
      try: () =>
        runPool(target, range, {
          workers,
          onVerdict: (v) => {
            if (!v.ok) {
              const f: SweepFailure = { seed: v.seed, error: v.error, replay: replayCommand(target, v.seed) };
              failures.push(f);
              progress.log(`FAIL seed ${v.seed}: ${oneLine(v.error)}\n  replay: ${f.replay}`);
            }
            progress.tick();
          },
        }),
      catch: (e) => {
        const msg = `the sweep stopped: ${e instanceof Error ? e.message : String(e)}`;
        progress.log(`nlsim sweep: ${msg}`);
        return new Error(msg);
      },
    });
    progress.finish();
    const seconds = Math.round((performance.now() - t0) / 10) / 100;
    failures.sort((a, b) => a.seed - b.seed);
    const report: SweepReport = {
      target: name,
      seeds: total,
      failed: failures.map((f) => f.seed),
      failures,
      workers: Math.min(workers, Math.max(total, 1)),
      seconds,
      ranges: total > 0 ? [[range.start, range.end]] : [],
      seedsPerSecond: seconds > 0 ? Math.round(total / seconds) : total,
    };
    const summary = `${total} seed(s), ${failures.length} failed${failures.length > 0 ? ` (${report.failed.slice(0, 20).join(", ")}${failures.length > 20 ? ", ..." : ""})` : ""}, ${seconds} s, ${report.seedsPerSecond} seeds/s`;
    if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else process.stdout.write(`${summary}\n`);
    if (failures.length > 0) return yield* Effect.fail(new SweepFailed(summary));
  });

const invariants = Command.make(
  "invariants",
  {
    ...common,
    steps: Flag.Int("steps").pipe(
      Flag.withDescription("socket operations per seed (default 250)"),
      Flag.withDefault(250),
    ),
    noSwarm: Flag.Boolean("no-swarm").pipe(
      Flag.withDescription("today's FIFO world without faults instead of world options drawn from the seed"),
      Flag.withDefault(false),
    ),
    injectBug: Flag.String("inject-bug").pipe(
      Flag.withDescription(
        `break the model on purpose, to see a sweep find it: ${Object.keys(INJECTABLE_BUGS).join(", ")}`,
      ),
      Flag.optional,
    ),
  },
  ({ steps, noSwarm, injectBug, ...args }) =>
    Effect.gen(function* () {
      if (steps < 1) return yield* new CliUsageError({ message: `--steps ${steps}: at least 1` });
      if (Option.isSome(injectBug) && !isInjectableBug(injectBug.value)) {
        return yield* new CliUsageError({
          message: `--inject-bug ${injectBug.value}: unknown (${Object.entries(INJECTABLE_BUGS)
            .map(([k, v]) => `${k}: ${v}`)
            .join("; ")})`,
        });
      }
      const inject = Option.isSome(injectBug) && isInjectableBug(injectBug.value) ? injectBug.value : undefined;
      return yield* sweep(
        { kind: "invariants", steps, swarm: !noSwarm, ...(inject === undefined ? {} : { inject }) },
        args,
      );
    }),
).pipe(Command.withDescription("The model's invariant program (random socket operations in swarm worlds) over seeds"));

const example = Command.make(
  "example",
  {
    ...common,
    name: Argument.String("name").pipe(Argument.withDescription("the example (nl-demo, icmp-logger, ...)")),
    mode: Flag.String("mode").pipe(Flag.withDescription("the example's mode (default: the first)"), Flag.optional),
    noSwarm: Flag.Boolean("no-swarm").pipe(
      Flag.withDescription(
        "today's FIFO world without faults (the example must then finish cleanly) instead of a schedule, default receive buffer and allocation failures drawn from the seed",
      ),
      Flag.withDefault(false),
    ),
  },
  ({ name, mode, noSwarm, ...args }) =>
    Effect.gen(function* () {
      const ex = findExample(name);
      if (ex === undefined) return yield* new CliUsageError({ message: `unknown example '${name}'` });
      if (Option.isSome(mode) && !ex.modes.some((m) => m.name === mode.value)) {
        return yield* new CliUsageError({
          message: `${name} has no mode '${mode.value}' (${ex.modes.map((m) => m.name).join(", ")})`,
        });
      }
      return yield* sweep(
        { kind: "example", name, swarm: !noSwarm, ...(Option.isSome(mode) ? { mode: mode.value } : {}) },
        args,
      );
    }),
).pipe(
  Command.withDescription(
    "An example over seeds, each run twice in a world the seed draws: the runs must be identical, no program may crash, the end state must be sound",
  ),
);

const test = Command.make(
  "test",
  {
    ...common,
    file: Argument.String("file").pipe(Argument.withDescription("a vitest file written with the testing kit")),
  },
  ({ file, ...args }) =>
    Effect.gen(function* () {
      try {
        readFileSync(file);
      } catch (e) {
        return yield* new CliUsageError({ message: `cannot read test file '${file}': ${(e as Error).message}` });
      }
      return yield* sweep({ kind: "test", file, cwd: process.cwd() }, args);
    }),
).pipe(Command.withDescription("A vitest file over seeds (NLSIM_SEED=seed for each run)"));

const merge = Command.make(
  "merge",
  {
    files: Argument.String("files").pipe(Argument.withDescription("the shards' --json outputs"), Argument.variadic()),
  },
  ({ files }) =>
    Effect.gen(function* () {
      if (files.length === 0) return yield* new CliUsageError({ message: "give the shards' JSON files" });
      const merged = yield* Effect.try({
        try: () => mergeReports(files.map((f) => readReport(readFileSync(f, "utf8"), f))),
        catch: (e) =>
          new CliUsageError({ message: e instanceof MergeError ? e.message : `cannot read: ${(e as Error).message}` }),
      });
      for (const f of merged.failures)
        process.stderr.write(`FAIL seed ${f.seed}: ${oneLine(f.error)}\n  replay: ${f.replay}\n`);
      if (merged.gaps.length > 0) {
        process.stderr.write(`not covered: ${merged.gaps.map(([a, b]) => `${a}..${b - 1}`).join(", ")}\n`);
      }
      process.stdout.write(`${JSON.stringify(merged)}\n`);
      if (merged.failed.length > 0)
        return yield* Effect.fail(new SweepFailed(`${merged.failed.length} seed(s) failed`));
    }),
).pipe(Command.withDescription("Merge shards' JSON reports (exit 1 if any seed failed)"));

export const sweepCommand = Command.make("sweep").pipe(
  Command.withDescription("Run a program over many seeds on worker threads; print each failing seed with its replay"),
  Command.withSubcommands([invariants, example, test, merge]),
  Command.withExamples([
    { command: "nlsim sweep invariants --seeds 10000 --json", description: "10,000 swarm worlds on every core" },
    {
      command: "nlsim sweep invariants --seeds 100000 --shard 3/8 --json > shard-3.json",
      description: "a machine's share",
    },
    { command: "nlsim sweep merge shard-*.json", description: "the shards as one report" },
  ]),
);
