// `nlsim conform FILE|DIR`: every scenario on both transports, a verdict per scenario and, where
// the traces differ, the differing lines of both sides. A scenario with a recorded reference
// trace beside it (<name>.kernel.jsonl) is judged three ways (live.ts): the simulator against the
// recording (a difference is a failure), and this host's kernel against the recording (a
// difference is reported with its likely cause: this kernel is built differently). Exit 0 all
// match (or only this host's kernel differs from a recording), 1 the simulator differs (or a run
// failed), 2 bad input, 3 nothing differed but a scenario needed root and was skipped.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Data, Effect, Runtime } from "effect";
import { Argument, CliError, Command, Flag } from "effect/cli";
import { CliUsageError } from "../errors.js";
import { Progress } from "../progress.js";
import { type KernelMode, type KernelOutcome, KernelTransportError, kernelMode, kernelTrace } from "./kernel-run.js";
import { type HostDiff, hostDiffs, unitName } from "./live.js";
import type { Scenario } from "./model.js";
import { parseScenario, ScenarioError } from "./parse.js";
import { runScenarioOnSim } from "./sim-api.js";

/** One scenario file, read and validated. */
export interface ConformInput {
  readonly file: string;
  readonly text: string;
  readonly scenario: Scenario;
  /** the reference kernel's trace (<name>.kernel.jsonl beside the file), when there is one */
  readonly recorded?: ReadonlyArray<string>;
}

/** How each side runs (injectable for tests). */
export interface ConformRunners {
  readonly sim: (input: ConformInput) => Promise<ReadonlyArray<string>>;
  readonly kernel: (input: ConformInput) => Promise<KernelOutcome>;
  /** how many kernel runs may be in flight at once */
  readonly kernelConcurrency: number;
}

/** One differing line: its 1-based number, and each side's text (undefined: that side has no such line). */
export interface LineDiff {
  readonly line: number;
  readonly sim: string | undefined;
  readonly kernel: string | undefined;
}

export type Verdict =
  | { readonly kind: "match"; readonly name: string; readonly lines: number }
  | {
      readonly kind: "differ";
      readonly name: string;
      readonly simLines: number;
      readonly kernelLines: number;
      readonly diffs: ReadonlyArray<LineDiff>;
      /** what the simulator was compared with: this host's kernel, or the recorded reference trace */
      readonly against?: "recorded";
    }
  /** the simulator matches the recorded trace; this host's kernel does not (explained per line) */
  | {
      readonly kind: "host-differs";
      readonly name: string;
      readonly lines: number;
      readonly diffs: ReadonlyArray<HostDiff>;
    }
  | { readonly kind: "skipped"; readonly name: string; readonly reason: string }
  | { readonly kind: "failed"; readonly name: string; readonly side: "sim" | "kernel"; readonly message: string };

/** Traces are numbered line by line (`i`), so they are compared position by position. */
export const diffTraces = (sim: ReadonlyArray<string>, kernel: ReadonlyArray<string>): LineDiff[] => {
  const out: LineDiff[] = [];
  const n = Math.max(sim.length, kernel.length);
  for (let i = 0; i < n; i++) {
    if (sim[i] !== kernel[i]) out.push({ line: i + 1, sim: sim[i], kernel: kernel[i] });
  }
  return out;
};

/** At most this many differing lines are printed per scenario. */
export const MAX_SHOWN = 20;

/** The verdict as printed: one line, then the differing lines (both sides) for a difference. */
export const formatVerdict = (v: Verdict): string => {
  switch (v.kind) {
    case "match":
      return `ok       ${v.name} (${v.lines} lines identical)\n`;
    case "skipped":
      return `SKIPPED  ${v.name}: ${v.reason}\n`;
    case "failed":
      return `FAILED   ${v.name}: the ${v.side} run failed: ${v.message}\n`;
    case "differ": {
      const other = v.against === "recorded" ? "recorded" : "kernel";
      const lines = [
        v.against === "recorded"
          ? `DIFFERS  ${v.name}: the simulator differs from the recorded kernel trace in ${v.diffs.length} line(s) (sim ${v.simLines} lines, recorded ${v.kernelLines} lines)`
          : `DIFFERS  ${v.name}: ${v.diffs.length} line(s) differ (sim ${v.simLines} lines, kernel ${v.kernelLines} lines)`,
      ];
      for (const d of v.diffs.slice(0, MAX_SHOWN)) {
        lines.push(`  line ${d.line}:`);
        lines.push(`    sim:${" ".repeat(other.length - 3)} ${d.sim ?? "(no line)"}`);
        lines.push(`    ${other}: ${d.kernel ?? "(no line)"}`);
      }
      if (v.diffs.length > MAX_SHOWN) lines.push(`  ... and ${v.diffs.length - MAX_SHOWN} more differing line(s)`);
      return `${lines.join("\n")}\n`;
    }
    case "host-differs": {
      const lines = [
        `HOST     ${v.name}: the simulator matches the recorded trace (${v.lines} lines); this host's kernel differs from it in ${v.diffs.length} line(s) (not a simulator failure)`,
      ];
      for (const d of v.diffs.slice(0, MAX_SHOWN)) {
        lines.push(`  line ${d.line}${d.unit === undefined ? "" : ` (${unitName(d.unit)}, unit ${d.unit})`}:`);
        lines.push(`    recorded: ${d.recorded ?? "(no line)"}`);
        lines.push(`    here:     ${d.live ?? "(no line)"}`);
        lines.push(`    likely:   ${d.cause}`);
      }
      if (v.diffs.length > MAX_SHOWN) lines.push(`  ... and ${v.diffs.length - MAX_SHOWN} more differing line(s)`);
      return `${lines.join("\n")}\n`;
    }
  }
};

export const formatSummary = (vs: ReadonlyArray<Verdict>): string => {
  const count = (k: Verdict["kind"]) => vs.filter((v) => v.kind === k).length;
  const host = count("host-differs");
  return `conform: ${vs.length} scenario(s): ${count("match")} match, ${count("differ")} differ, ${count("skipped")} skipped, ${count("failed")} failed${host > 0 ? `; ${host} where only this host's kernel differs from the recording (see HOST lines)` : ""}\n`;
};

/** 0 all match, 1 a difference or a failed run, 3 only skips (needs root). */
export const conformExitCode = (vs: ReadonlyArray<Verdict>): number => {
  if (vs.some((v) => v.kind === "differ" || v.kind === "failed")) return 1;
  if (vs.some((v) => v.kind === "skipped")) return 3;
  return 0;
};

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Runs every input on both sides and hands each verdict to `report` in input order, as soon as it
 * is known (kernel runs may overlap, up to kernelConcurrency).
 */
export const runConform = async (
  inputs: ReadonlyArray<ConformInput>,
  runners: ConformRunners,
  report: (v: Verdict) => void,
): Promise<Verdict[]> => {
  // start the kernel runs through a small pool
  const kernel: Array<Promise<KernelOutcome>> = [];
  let active = 0;
  const queue: Array<() => void> = [];
  const slot = async (): Promise<void> => {
    if (active < Math.max(1, runners.kernelConcurrency)) {
      active++;
      return;
    }
    await new Promise<void>((r) => queue.push(r));
  };
  const release = (): void => {
    const next = queue.shift();
    if (next !== undefined) next();
    else active--;
  };
  for (const input of inputs) {
    kernel.push(
      (async () => {
        await slot();
        try {
          return await runners.kernel(input);
        } catch (e) {
          return { kind: "failed", message: message(e) } as const;
        } finally {
          release();
        }
      })(),
    );
  }
  const verdicts: Verdict[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const name = input.scenario.name;
    let v: Verdict;
    let sim: ReadonlyArray<string> | undefined;
    let simError: string | undefined;
    try {
      sim = await runners.sim(input);
    } catch (e) {
      simError = message(e);
    }
    const k = await kernel[i]!;
    if (k.kind === "needs-root") v = { kind: "skipped", name, reason: k.message };
    else if (k.kind === "failed") v = { kind: "failed", name, side: "kernel", message: k.message };
    else if (sim === undefined) v = { kind: "failed", name, side: "sim", message: simError ?? "no trace" };
    else v = judge(input, sim, k.lines);
    verdicts.push(v);
    report(v);
  }
  return verdicts;
};

/** The verdict on one scenario's traces: against its recording when it has one, else sim against kernel. */
export const judge = (input: ConformInput, sim: ReadonlyArray<string>, live: ReadonlyArray<string>): Verdict => {
  const name = input.scenario.name;
  const rec = input.recorded;
  if (rec === undefined) {
    const diffs = diffTraces(sim, live);
    return diffs.length === 0
      ? { kind: "match", name, lines: sim.length }
      : { kind: "differ", name, simLines: sim.length, kernelLines: live.length, diffs };
  }
  const simDiffs = diffTraces(sim, rec);
  if (simDiffs.length > 0) {
    return {
      kind: "differ",
      name,
      simLines: sim.length,
      kernelLines: rec.length,
      diffs: simDiffs,
      against: "recorded",
    };
  }
  const host = hostDiffs(input.scenario, rec, live);
  return host.length === 0
    ? { kind: "match", name, lines: sim.length }
    : { kind: "host-differs", name, lines: sim.length, diffs: host };
};

/** A scenario file's recorded reference trace (<name>.kernel.jsonl beside it), when there is one. */
const readRecorded = (file: string): ReadonlyArray<string> | undefined => {
  const path = file.replace(/\.json$/, ".kernel.jsonl");
  if (path === file || !existsSync(path)) return undefined;
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);
};

/** The scenario files named by FILE|DIR (a directory: its *.json, not recursing), read and validated. */
export const readInputs = (path: string): ConformInput[] => {
  let files: string[];
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new CliUsageError({ message: `cannot read '${path}': ${message(e)}` });
  }
  if (st.isDirectory()) {
    files = readdirSync(path)
      .filter((f) => f.endsWith(".json"))
      .sort()
      .map((f) => join(path, f));
    if (files.length === 0) throw new CliUsageError({ message: `'${path}' has no scenario files (*.json)` });
  } else files = [path];
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      throw new CliUsageError({ message: `cannot read scenario '${file}': ${message(e)}` });
    }
    try {
      const recorded = readRecorded(file);
      const scenario = parseScenario(text, file);
      return recorded === undefined ? { file, text, scenario } : { file, text, scenario, recorded };
    } catch (e) {
      throw new CliUsageError({ message: e instanceof ScenarioError ? e.message : message(e) });
    }
  });
};

/** The real runners: the sim in this process, the kernel as `mode` says. */
export const defaultRunners = (mode: KernelMode, seed: number): ConformRunners => ({
  sim: async (input) => (await runScenarioOnSim(input.scenario, seed, { file: input.file, text: input.text })).lines,
  kernel: (input) => kernelTrace(mode, input.file, input.scenario),
  // children in their own namespaces may overlap; in-process runs share credentials: one at a time
  kernelConcurrency: mode.kind === "netns" ? 4 : 1,
});

/** Some scenario differed (or could not run): exit 1; the report says which. */
export class ConformanceDiffers extends Data.TaggedError("ConformanceDiffers")<{
  readonly message: string;
  readonly status: number;
}> {
  override get [Runtime.errorExitCode](): number {
    return this.status;
  }
  override get [CliError.userMessage](): string {
    return this.message;
  }
}

export const conformCommand = Command.make(
  "conform",
  {
    path: Argument.String("path").pipe(Argument.withDescription("a scenario file, or a directory of them (*.json)")),
    seed: Flag.Int("seed").pipe(Flag.withDescription("the simulator's seed"), Flag.withDefault(1)),
  },
  ({ path, seed }) =>
    Effect.gen(function* () {
      if (seed < 0) return yield* new CliUsageError({ message: `--seed must be ≥ 0, got ${seed}` });
      const inputs = yield* Effect.try({
        try: () => readInputs(path),
        catch: (e) => (e instanceof CliUsageError ? e : new CliUsageError({ message: message(e) })),
      });
      const mode = kernelMode();
      if (mode.kind === "unavailable") {
        return yield* new KernelTransportError({
          message: `nlsim conform needs the kernel transport, unavailable here: ${mode.reason}`,
        });
      }
      const where =
        mode.kind === "netns"
          ? "each in a fresh network namespace"
          : mode.kind === "inside"
            ? "in this network namespace"
            : "in the CURRENT network namespace";
      yield* Effect.sync(() => {
        if (mode.kind === "current") process.stderr.write(`${mode.warning}\n`);
        process.stdout.write(`conform: ${inputs.length} scenario(s) from ${path}, sim seed ${seed}, kernel ${where}\n`);
      });
      // the verdicts on stdout; the count on stderr (redrawn on a terminal, every 10 % when piped)
      let differing = 0;
      const progress = new Progress({
        total: inputs.length,
        unit: "scenarios",
        label: "conform",
        detail: () => `${differing} differ`,
        // one file: its verdict is the whole story
        ...(inputs.length < 2 ? { stream: { write: () => true } } : {}),
      });
      const verdicts = yield* Effect.promise(() =>
        runConform(inputs, defaultRunners(mode, seed), (v) => {
          if (conformExitCode([v]) === 1) differing++;
          progress.log(formatVerdict(v).replace(/\n$/, ""), process.stdout);
          progress.tick();
        }),
      );
      progress.finish();
      yield* Effect.sync(() => process.stdout.write(formatSummary(verdicts)));
      const status = conformExitCode(verdicts);
      if (status !== 0) {
        return yield* new ConformanceDiffers({
          status,
          message:
            status === 3
              ? "nothing differed, but scenarios that need root were skipped"
              : "the simulator and the kernel differ (see above)",
        });
      }
    }),
).pipe(
  Command.withDescription(
    "Run scenarios on the simulator and on the real kernel and diff the traces (against a recorded <name>.kernel.jsonl when there is one: a host kernel that differs from it is reported, not failed)",
  ),
  Command.withExamples([
    { command: "nlsim conform transport/conformance", description: "the conformance suite (root: fresh netns each)" },
  ]),
);
