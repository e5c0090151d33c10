// `nlsim scenario`, `nlsim replay`: run scenario files on the simulator, check determinism,
// record traces and replay them.
import { readFileSync, writeFileSync } from "node:fs";
import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { decodeTrace, encodeTrace, firstDivergence, type Trace, traceHash } from "../../sim/trace.js";
import { CliUsageError } from "../errors.js";
import { pcapFlag, writeTracePcap } from "../pcap/command.js";
import {
  ChildExit,
  KernelTransportError,
  kernelMode,
  kernelTrace,
  NeedsRootError,
  runInNamespace,
} from "./kernel-run.js";
import { parseScenario, ScenarioError } from "./parse.js";
import { runScenarioOnSim } from "./sim-api.js";

export const readText = (path: string, what: string): Effect.Effect<string, CliUsageError> =>
  Effect.try({
    try: () => readFileSync(path, "utf8"),
    catch: (e) => new CliUsageError({ message: `cannot read ${what} '${path}': ${(e as Error).message}` }),
  });

export const parse = (text: string, path: string) =>
  Effect.try({
    try: () => parseScenario(text, path),
    catch: (e) => new CliUsageError({ message: e instanceof ScenarioError ? e.message : String(e) }),
  });

const simRun = (text: string, path: string, seed: number) =>
  Effect.gen(function* () {
    const scenario = yield* parse(text, path);
    return yield* Effect.tryPromise({
      try: () => runScenarioOnSim(scenario, seed, { file: path, text }),
      catch: (e) => new Error(`the simulator failed on '${path}' (seed ${seed}): ${String(e)}`),
    });
  });

/** `nlsim scenario FILE --transport kernel`: real sockets, in a fresh network namespace when root. */
const kernelScenario = (file: string, simOnlyFlags: boolean, pcap: string | undefined) =>
  Effect.gen(function* () {
    if (simOnlyFlags) {
      return yield* new CliUsageError({
        message: "--trace and --determinism record the simulator: use them with --transport sim",
      });
    }
    const text = yield* readText(file, "scenario");
    const scenario = yield* parse(text, file);
    const mode = kernelMode();
    if (mode.kind === "unavailable") {
      return yield* new KernelTransportError({ message: `--transport kernel is unavailable here: ${mode.reason}` });
    }
    if (mode.kind === "netns") {
      const status = runInNamespace(file, pcap);
      if (status !== 0) return yield* new ChildExit({ status });
      return;
    }
    const out = yield* Effect.promise(() => kernelTrace(mode, file, scenario, undefined, pcap));
    if (out.kind === "needs-root") return yield* new NeedsRootError({ message: out.message });
    if (out.kind === "failed") return yield* new KernelTransportError({ message: out.message });
    if (mode.kind === "current") yield* Effect.sync(() => process.stderr.write(`${mode.warning}\n`));
    yield* Effect.sync(() => process.stdout.write(out.lines.map((l) => `${l}\n`).join("")));
  });

export const scenarioCommand = Command.make(
  "scenario",
  {
    file: Argument.String("file").pipe(Argument.withDescription("the scenario JSON file")),
    transport: Flag.Literals("transport", ["sim", "kernel"]).pipe(
      Flag.withDescription("sim: the model (no root); kernel: real AF_NETLINK sockets"),
      Flag.withDefault("sim" as const),
    ),
    seed: Flag.Int("seed").pipe(Flag.withDescription("the world's seed (sim)"), Flag.withDefault(1)),
    trace: Flag.String("trace").pipe(
      Flag.withDescription("also write the world's full trace (msgpack) to this file, for `nlsim replay`"),
      Flag.optional,
    ),
    determinism: Flag.Boolean("determinism").pipe(
      Flag.withDescription("run twice with the same seed and check the traces are byte-identical"),
      Flag.withDefault(false),
    ),
    pcap: pcapFlag,
  },
  ({ file, transport, seed, trace, determinism, pcap }) =>
    Effect.gen(function* () {
      if (transport === "kernel")
        return yield* kernelScenario(file, Option.isSome(trace) || determinism, Option.getOrUndefined(pcap));
      if (seed < 0) return yield* new CliUsageError({ message: `--seed must be ≥ 0, got ${seed}` });
      const text = yield* readText(file, "scenario");
      const run = yield* simRun(text, file, seed);
      yield* Effect.sync(() => process.stdout.write(run.lines.map((l) => `${l}\n`).join("")));
      const snap = run.world.trace.snapshot();
      if (Option.isSome(trace)) {
        yield* Effect.try({
          try: () => writeFileSync(trace.value, encodeTrace(snap)),
          catch: (e) => new CliUsageError({ message: `cannot write trace '${trace.value}': ${(e as Error).message}` }),
        });
      }
      if (Option.isSome(pcap)) yield* writeTracePcap(pcap.value, snap.events);
      if (determinism) {
        const again = yield* simRun(text, file, seed);
        const d = firstDivergence(snap, again.world.trace.snapshot());
        if (d !== undefined) {
          return yield* Effect.fail(
            new Error(
              `not deterministic: seed ${seed}, first difference at event ${d.index}: ${JSON.stringify(d.a)} vs ${JSON.stringify(d.b)}`,
            ),
          );
        }
        yield* Effect.sync(() =>
          process.stderr.write(`deterministic: ${snap.events.length} events, trace sha256 ${traceHash(snap)}\n`),
        );
      }
    }),
).pipe(Command.withDescription("Run a scenario file and print its trace (one JSON line per call)"));

export const replayCommand = Command.make(
  "replay",
  { file: Argument.String("trace").pipe(Argument.withDescription("a trace written by `nlsim scenario --trace`")) },
  ({ file }) =>
    Effect.gen(function* () {
      const bytes = yield* Effect.try({
        try: () => new Uint8Array(readFileSync(file)),
        catch: (e) => new CliUsageError({ message: `cannot read trace '${file}': ${(e as Error).message}` }),
      });
      const recorded: Trace = yield* Effect.try({
        try: () => decodeTrace(bytes),
        catch: (e) => new CliUsageError({ message: `'${file}': ${(e as Error).message}` }),
      });
      const run = recorded.header.run;
      if (typeof run.text !== "string" || typeof run.file !== "string") {
        return yield* new CliUsageError({ message: `'${file}' does not say which scenario it recorded` });
      }
      const again = yield* simRun(run.text, run.file, recorded.header.seed);
      const d = firstDivergence(recorded, again.world.trace.snapshot());
      if (d !== undefined) {
        return yield* Effect.fail(
          new Error(
            `replay diverged at event ${d.index}: recorded ${JSON.stringify(d.a)}, replayed ${JSON.stringify(d.b)}`,
          ),
        );
      }
      yield* Effect.sync(() =>
        process.stdout.write(
          `replayed '${run.file}' with seed ${recorded.header.seed}: ${recorded.events.length} events, identical (sha256 ${traceHash(recorded)})\n`,
        ),
      );
    }),
).pipe(Command.withDescription("Re-run a recorded trace from its seed and check every event is the same"));
