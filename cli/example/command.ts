// `nlsim run EXAMPLE` and `nlsim walk EXAMPLE`: run an example and print what its programs print,
// or walk through it step by step from the world's trace.
import { accessSync, constants, readFileSync, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Effect, Layer, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { type Example, exampleNames, findExample } from "../../examples/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { parseExampleParams } from "../../examples/types.js";
import { encodeTrace } from "../../sim/trace.js";
import {
  ALL_STEPS,
  BoundedSink,
  DEFAULT_WALK_LIMIT,
  LEGEND,
  parseWalkFilter,
  type WalkFilter,
} from "../../sim/walk/bound.js";
import { inputModelLine, type NarrationSink, Narrator } from "../../sim/walk/narrate.js";
import { captureLayer, capturing } from "../../transport/capture.js";
import { CliUsageError } from "../errors.js";
import { pcapFlag, writeFramesFile, writeTracePcap } from "../pcap/command.js";
import { ScenarioError } from "../scenario/parse.js";
import { LESSON_EXAMPLES, scenarioFileExample } from "./lessons.js";

/** The examples, then the lessons (walkthroughs of a scenario: ack, dump, addressing, macros). */
const findRunnable = (name: string): Example | undefined =>
  findExample(name) ?? (Object.hasOwn(LESSON_EXAMPLES, name) ? LESSON_EXAMPLES[name] : undefined);
const runnableNames = (): string[] => [...exampleNames(), ...Object.keys(LESSON_EXAMPLES)];

const exampleArg = Argument.String("example").pipe(
  Argument.withDescription(
    `the example or lesson to run (${runnableNames().join(", ")}), or a scenario FILE.json to walk through`,
  ),
);
const seedFlag = Flag.Int("seed").pipe(Flag.withDescription("the world's seed"), Flag.withDefault(1));
const setFlag = Flag.String("set").pipe(
  Flag.withDescription(
    "an example parameter, name=integer (repeatable; e.g. select-throughput: n, size, sleepMs, rcvbuf)",
  ),
  Flag.atLeast(0),
);
const fileFlag = Flag.String("file").pipe(
  Flag.withDescription("the example's input file (netlink-exam: the text the sender sends)"),
  Flag.optional,
);
const modeFlag = Flag.String("mode").pipe(
  Flag.withDescription("the example's scenario (nl-demo: unicast, multicast, dies, buggy, ...; default: the first)"),
  Flag.optional,
);

/** A scenario file as an example (`nlsim walk FILE.json`), or why it cannot be one (exit 2). */
const scenarioFile = (path: string): Effect.Effect<Example, CliUsageError> =>
  Effect.try({
    try: () => scenarioFileExample(readFileSync(path, "utf8"), path),
    catch: (e) =>
      new CliUsageError({
        message:
          e instanceof ScenarioError
            ? e.message
            : `cannot read the scenario ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      }),
  });

/** The example and mode, or a usage error (exit 2). */
export const resolve = (
  name: string,
  mode: Option.Option<string>,
  seed: number,
  sets: ReadonlyArray<string> = [],
  file: Option.Option<string> = Option.none(),
): Effect.Effect<
  { example: Example; mode: string; params: Readonly<Record<string, number>>; file: string | undefined },
  CliUsageError
> =>
  Effect.gen(function* () {
    const example = name.endsWith(".json") ? yield* scenarioFile(name) : findRunnable(name);
    if (example === undefined) {
      return yield* new CliUsageError({
        message: `unknown example '${name}' (known: ${runnableNames().join(", ")}, or a scenario FILE.json)`,
      });
    }
    if (seed < 0) return yield* new CliUsageError({ message: `--seed must be ≥ 0, got ${seed}` });
    const m = Option.getOrElse(mode, () => example.modes[0].name);
    if (!example.modes.some((x) => x.name === m)) {
      return yield* new CliUsageError({
        message: `${name} has no mode '${m}' (modes: ${example.modes.map((x) => x.name).join(", ")})`,
      });
    }
    const p = parseExampleParams(example, sets);
    if ("error" in p) return yield* new CliUsageError({ message: p.error });
    if (Option.isSome(file)) {
      if (example.input === undefined) return yield* new CliUsageError({ message: `${name} takes no input file` });
      const path = file.value;
      const readable = yield* Effect.sync(() => {
        try {
          accessSync(path, constants.R_OK);
          return statSync(path).isFile();
        } catch {
          return false;
        }
      });
      if (!readable) return yield* new CliUsageError({ message: `--file ${path}: no such readable file` });
    }
    return { example, mode: m, params: p.params, file: Option.getOrUndefined(file) };
  });

/**
 * The example's user side on real AF_NETLINK sockets (transport/kernel.ts); its kernel side is the
 * kmod/ twin, which must be loaded. Loaded lazily: the simulator never needs native/.
 */
const runOnKernel = (
  example: Example,
  mode: string,
  params: Readonly<Record<string, number>>,
  file: string | undefined,
  pcap: string | undefined,
): Effect.Effect<void, CliUsageError | Error> =>
  Effect.gen(function* () {
    if (example.userProgram === undefined) {
      return yield* new CliUsageError({ message: `${example.name} has no user program for --transport kernel` });
    }
    const program = example.userProgram(mode, params, file);
    const kernel = yield* Effect.tryPromise({
      try: () =>
        Promise.all([import("../../transport/kernel.js"), import("../../transport/kernel-files.js")]).then(
          ([k, f]) => ({ ...k, ...f }),
        ),
      catch: (e) =>
        new CliUsageError({
          message: `--transport kernel: the kernel transport is not part of this build (${String(e)}); use --transport sim`,
        }),
    });
    // with --pcap, the program's own datagrams go to the capture (real-clock timestamps)
    const run =
      pcap === undefined
        ? Effect.scoped(program).pipe(Effect.provide(Layer.mergeAll(kernel.kernelLayer, kernel.kernelFilesLayer)))
        : capturing(Effect.scoped(program), (cap) =>
            writeFramesFile(pcap, cap.frames(), { epochNs: cap.startNs }),
          ).pipe(
            Effect.provide(Layer.mergeAll(Layer.provide(captureLayer, kernel.kernelLayer), kernel.kernelFilesLayer)),
          );
    yield* run.pipe(
      Effect.catchTag("KernelUnavailable", (e) =>
        Effect.fail(new CliUsageError({ message: `--transport kernel: ${e.message}; use --transport sim` })),
      ),
      Effect.catchTag("NetlinkError", (e) => {
        const text =
          e.errno === "EPROTONOSUPPORT"
            ? `${e.message}: is the ${example.name} kernel module (kmod/) loaded?`
            : `${example.name} on the kernel: ${e.message}`;
        process.stderr.write(`nlsim run: ${text}\n`);
        return Effect.fail(new Error(text));
      }),
    );
  });

// `nlsim walk nl-demo | head`: a closed pipe ends the walk quietly
let pipeClosed = false;
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  pipeClosed = true;
  process.exit(0);
});

const write = (s: string): void => {
  if (!pipeClosed) process.stdout.write(s);
};

export const runCommand = Command.make(
  "run",
  {
    example: exampleArg,
    seed: seedFlag,
    transport: Flag.Literals("transport", ["sim", "kernel"]).pipe(
      Flag.withDescription("sim: the model (no root); kernel: real AF_NETLINK sockets and the kmod/ twin"),
      Flag.withDefault("sim" as const),
    ),
    mode: modeFlag,
    set: setFlag,
    file: fileFlag,
    pcap: pcapFlag,
    trace: Flag.String("trace").pipe(
      Flag.withDescription("also write the world's full trace (msgpack) to this file, for `nlsim view`"),
      Flag.optional,
    ),
  },
  ({ example: name, seed, transport, mode, set, file, pcap, trace }) =>
    Effect.gen(function* () {
      const r0 = yield* resolve(name, mode, seed, set, file);
      const { example, mode: m } = r0;
      if (transport === "kernel" && Option.isSome(trace)) {
        return yield* new CliUsageError({ message: "--trace records the simulator: use it with --transport sim" });
      }
      if (transport === "kernel")
        return yield* runOnKernel(example, m, r0.params, r0.file, Option.getOrUndefined(pcap));
      const r = yield* Effect.promise(() =>
        runExampleOnSim(example, {
          seed,
          mode: m,
          params: r0.params,
          ...(r0.file === undefined ? {} : { file: r0.file }),
          hooks: { out: (line) => write(`${line}\n`) },
        }),
      );
      if (r.exitCode === 2) return yield* new CliUsageError({ message: r.failed.join("; ") });
      if (Option.isSome(trace)) {
        const path = trace.value;
        yield* Effect.try({
          try: () => writeFileSync(path, encodeTrace(r.world.trace.snapshot())),
          catch: (e) => new CliUsageError({ message: `cannot write trace '${path}': ${(e as Error).message}` }),
        });
      }
      if (Option.isSome(pcap)) yield* writeTracePcap(pcap.value, r.world.trace.snapshot().events);
      if (r.dmesg.length > 0) write(`--- dmesg (${name}, mode ${m}, seed ${seed}) ---\n${r.dmesg.join("\n")}\n`);
      if (r.exitCode !== 0) {
        const what = r.failed.join("; ");
        process.stderr.write(`nlsim run: ${name} (seed ${seed}): ${what}\n`);
        return yield* Effect.fail(new Error(`${name} (seed ${seed}): ${what}`));
      }
    }),
).pipe(
  Command.withDescription("Run an example on the simulator and print what its programs print (and dmesg)"),
  Command.withExamples([
    { command: "nlsim run nl-demo --mode multicast", description: "events by netlink_broadcast to group 1" },
  ]),
);

/** Colour on a terminal, unless NO_COLOR is set (https://no-color.org). */
const useColor = (): boolean => process.stdout.isTTY === true && (process.env.NO_COLOR ?? "") === "";

/** Prints collected steps one at a time, each after Enter ("q" stops). */
const presentSteps = (steps: ReadonlyArray<ReadonlyArray<string>>, color: boolean): Promise<void> =>
  new Promise((done) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    let i = 0;
    const prompt = color ? "\x1b[2m── Enter: next step, q: quit ──\x1b[0m " : "── Enter: next step, q: quit ── ";
    const next = (): void => {
      while (i < steps.length && steps[i]!.length === 0) i++;
      if (i >= steps.length) {
        rl.close();
        done();
        return;
      }
      write(`${steps[i++]!.join("\n")}\n`);
      if (i >= steps.length) {
        rl.close();
        done();
        return;
      }
      rl.question(prompt, (answer) => {
        if (answer.trim().toLowerCase() === "q") {
          rl.close();
          done();
        } else next();
      });
    };
    next();
  });

export const walkCommand = Command.make(
  "walk",
  {
    example: exampleArg,
    seed: seedFlag,
    mode: modeFlag,
    set: setFlag,
    file: fileFlag,
    step: Flag.Boolean("step").pipe(
      Flag.withDescription("stop after each step until Enter is pressed (needs a terminal)"),
      Flag.withDefault(false),
    ),
    limit: Flag.Int("limit").pipe(
      Flag.withDescription(
        `print at most about N lines, then say how much was left out (default ${DEFAULT_WALK_LIMIT})`,
      ),
      Flag.optional,
    ),
    filter: Flag.String("filter").pipe(
      Flag.withDescription(
        "keep the steps of one socket, process or kind: sock=PORT|FD, proc=NAME|PID, type=sendto|recvmsg|printk|softirq|... (repeatable: all must match)",
      ),
      Flag.atLeast(0),
    ),
    all: Flag.Boolean("all").pipe(
      Flag.withDescription("print every step: no bound, repeated steps not folded"),
      Flag.withDefault(false),
    ),
  },
  ({ example: name, seed, mode, set, file, step, limit, filter, all }) =>
    Effect.gen(function* () {
      const r0 = yield* resolve(name, mode, seed, set, file);
      const { example, mode: m } = r0;
      if (step && process.stdin.isTTY !== true) {
        return yield* new CliUsageError({
          message: "--step waits for Enter between steps, but stdin is not a terminal; run without --step",
        });
      }
      if (Option.isSome(limit) && limit.value < 1) {
        return yield* new CliUsageError({ message: `--limit must be ≥ 1, got ${limit.value}` });
      }
      if (all && Option.isSome(limit)) {
        return yield* new CliUsageError({ message: "--all prints everything: give --all or --limit, not both" });
      }
      const filters: WalkFilter[] = [];
      for (const f of filter) {
        const p = parseWalkFilter(f);
        if ("error" in p) return yield* new CliUsageError({ message: p.error });
        filters.push(p);
      }
      const color = useColor();
      const steps: string[][] = [[]];
      const out: NarrationSink = step
        ? { line: (s) => steps[steps.length - 1]!.push(s), step: () => void steps.push([]) }
        : { line: (s) => write(`${s}\n`), step: () => {} };
      const bounded = new BoundedSink(
        out,
        all
          ? { ...ALL_STEPS, filters }
          : { limit: Option.getOrElse(limit, () => DEFAULT_WALK_LIMIT), fold: true, filters },
      );
      const sink: NarrationSink = out;
      const narrator = new Narrator(example, bounded, color);
      const modeText = example.modes.find((x) => x.name === m)!.description;
      sink.line(`nlsim walk ${name} --mode ${m} --seed ${seed}: ${example.description}`);
      sink.line(`scenario: ${modeText}`);
      // only an example with a kernel netlink socket (whose input the mode decides) gets the model line
      const input = example.netlinkInput(m);
      if (input !== null) sink.line(`model: ${inputModelLine(input)}`);
      for (const l of LEGEND) sink.line(l);
      sink.line("");
      let worldRef: Parameters<typeof narrator.onEvent>[1] | undefined;
      const r = yield* Effect.promise(() =>
        runExampleOnSim(example, {
          seed,
          mode: m,
          params: r0.params,
          ...(r0.file === undefined ? {} : { file: r0.file }),
          onWorld: (w) => {
            worldRef = w;
          },
          onEvent: (e, w) => narrator.onEvent(e, w),
          hooks: {
            out: (line) => narrator.onOut(line),
            onSend: (who, data, to) => narrator.onSend(worldRef!, who, data, to),
          },
        }),
      );
      narrator.finish(r.world, r.run);
      bounded.finish();
      if (r.exitCode === 2) return yield* new CliUsageError({ message: r.failed.join("; ") });
      if (step) yield* Effect.promise(() => presentSteps(steps, color));
    }),
).pipe(
  Command.withDescription(
    "Walk through an example on the simulator, narrating each step from the trace (--step: one at a time)",
  ),
  Command.withExamples([
    { command: "nlsim walk nl-demo", description: "the nl-demo walkthrough, unicast" },
    { command: "nlsim walk nl-demo --mode buggy --step", description: "the article's bugs, one step per Enter" },
  ]),
);
