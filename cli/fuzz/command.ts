// `nlsim fuzz codec` and `nlsim fuzz scenarios`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Effect, Option } from "effect";
import { Command, Flag } from "effect/cli";
import { CliUsageError } from "../errors.js";
import { Progress } from "../progress.js";
import { fuzzCodec, newCodecStats } from "./codec.js";
import { PROTOCOLS } from "./gen.js";
import { fuzzScenarios, kernelRunner } from "./scenarios.js";

/** Something the fuzzer found (exit 1); already printed. */
class FuzzFound extends Error {
  readonly _tag = "FuzzFound" as const;
}

const json = Flag.Boolean("json").pipe(
  Flag.withDescription("end with one JSON line (the report)"),
  Flag.withDefault(false),
);
const seed = Flag.Int("seed").pipe(Flag.withDescription("the fuzz run's seed (default 1)"), Flag.withDefault(1));

const codec = Command.make(
  "codec",
  {
    inputs: Flag.Int("inputs").pipe(
      Flag.withDescription("how many inputs (default 100000)"),
      Flag.withDefault(100_000),
    ),
    seed,
    json,
  },
  ({ inputs, seed, json }) =>
    Effect.gen(function* () {
      if (inputs < 0) return yield* new CliUsageError({ message: `--inputs ${inputs}: must be ≥ 0` });
      if (seed < 0) return yield* new CliUsageError({ message: `--seed ${seed}: must be ≥ 0` });
      const stats = newCodecStats();
      const t0 = performance.now();
      const chunk = 10_000;
      const progress = new Progress({
        total: inputs,
        unit: "inputs",
        label: "fuzz codec",
        detail: () => `${stats.untyped} untyped`,
      });
      for (let from = 0; from < inputs; from += chunk) {
        const to = Math.min(inputs, from + chunk);
        fuzzCodec(seed, from, to, stats);
        progress.tick(to - from);
        yield* Effect.yieldNow;
      }
      progress.finish();
      const seconds = Math.round((performance.now() - t0) / 10) / 100;
      for (const f of stats.findings) {
        process.stderr.write(
          `UNTYPED input ${f.input} (seed ${seed}) in ${f.where}: ${f.error}\n  bytes: ${f.hex}\n  replay: nlsim decode ${f.hex}\n`,
        );
      }
      const report = {
        inputs: stats.inputs,
        seed,
        untyped: stats.untyped,
        typed: stats.typed,
        parsed: stats.parsed,
        nlaParses: stats.nlaParses,
        nlaRefused: stats.nlaRefused,
        findings: stats.findings,
        seconds,
        inputsPerSecond: seconds > 0 ? Math.round(stats.inputs / seconds) : stats.inputs,
      };
      if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else
        process.stdout.write(
          `${report.inputs} inputs, untyped: ${report.untyped} (typed decode errors: ${report.typed}, datagrams parsed: ${report.parsed}, nla_parse refusals: ${report.nlaRefused}/${report.nlaParses}), ${seconds} s, ${report.inputsPerSecond} inputs/s\n`,
        );
      if (stats.untyped > 0) return yield* Effect.fail(new FuzzFound(`${stats.untyped} untyped failure(s)`));
    }),
).pipe(
  Command.withDescription(
    "The decoder and the policy parser on random and mutated messages; only NetlinkDecodeError may escape",
  ),
);

const scenarios = Command.make(
  "scenarios",
  {
    count: Flag.Int("count").pipe(Flag.withDescription("how many scenarios (default 100)"), Flag.withDefault(100)),
    seed,
    against: Flag.Literals("against", ["kernel"]).pipe(
      Flag.withDescription("also run each on the live kernel (twice) and shrink every difference"),
      Flag.optional,
    ),
    protocol: Flag.String("protocol").pipe(
      Flag.withDescription("usersock, route, generic (default: a mix)"),
      Flag.optional,
    ),
    out: Flag.String("out").pipe(
      Flag.withDescription("where repros and report.json go (default fuzz-out)"),
      Flag.withDefault("fuzz-out"),
    ),
    json,
  },
  ({ count, seed, against, protocol, out, json }) =>
    Effect.gen(function* () {
      if (count < 0) return yield* new CliUsageError({ message: `--count ${count}: must be ≥ 0` });
      let proto: number | undefined;
      if (Option.isSome(protocol)) {
        proto = PROTOCOLS[protocol.value];
        if (proto === undefined) {
          return yield* new CliUsageError({
            message: `--protocol ${protocol.value}: one of ${Object.keys(PROTOCOLS).join(", ")}`,
          });
        }
      }
      let kernel: ReturnType<typeof kernelRunner> | undefined;
      if (Option.isSome(against)) {
        kernel = kernelRunner();
        if ("reason" in kernel)
          return yield* Effect.fail(new Error(`--against kernel is unavailable here: ${kernel.reason}`));
        if (kernel.warning !== undefined) process.stderr.write(`${kernel.warning}\n`);
      }
      const runner = kernel !== undefined && "runner" in kernel ? kernel.runner : undefined;
      let counts = { differ: 0, varies: 0 };
      const progress = new Progress({
        total: count,
        unit: "scenarios",
        label: "fuzz scenarios",
        detail: () => (runner === undefined ? "" : `${counts.differ} differ, ${counts.varies} vary`),
      });
      const report = yield* Effect.promise(() =>
        fuzzScenarios({
          count,
          seed,
          ...(proto === undefined ? {} : { protocol: proto }),
          ...(runner === undefined ? {} : { kernel: runner }),
          outDir: out,
          log: (line) => progress.log(line),
          onScenario: (_, c) => {
            counts = c;
            progress.tick();
          },
        }).finally(() => runner?.close()),
      );
      progress.finish();
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, "report.json"), `${JSON.stringify(report, null, 2)}\n`);
      if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
      else
        process.stdout.write(
          `${report.count} scenarios: ${report.differ} differ (${report.repros.length} distinct repro(s) in ${out}/), ${report.varies} left out (kernel answers vary), ${report.kernelErrors} kernel errors, ${report.simFailures} sim failures, ${report.seconds} s\n`,
        );
      if (report.differ > 0 || report.simFailures > 0) return yield* Effect.fail(new FuzzFound("differences found"));
    }),
).pipe(
  Command.withDescription("Random valid scenarios on the simulator (and the live kernel); shrink every difference"),
);

export const fuzzCommand = Command.make("fuzz").pipe(
  Command.withDescription("Fuzz the codec, or the simulator against the live kernel"),
  Command.withSubcommands([codec, scenarios]),
  Command.withExamples([
    { command: "nlsim fuzz codec --inputs 1000000 --json", description: "a million decoder inputs" },
    {
      command: "sudo nlsim fuzz scenarios --count 200 --against kernel",
      description: "differential, in fresh namespaces",
    },
  ]),
);
