// The one way an example runs on the simulator, for `nlsim run`, `nlsim walk`, `nlsim sweep
// example` and the examples' tests: a world from the seed (and the example's kernel era for the
// mode), the example's options, its setup in the world, the world run to the end, one result.
// The same seed gives the same output and the same trace, byte for byte.
import type { TraceEvent } from "../sim/trace.js";
import { type RunResult, World, type WorldOptions } from "../sim/world.js";
import type { Example, ExampleHooks } from "./types.js";

export interface ExampleRunConfig<Options = unknown> {
  readonly seed: number;
  /** one of the example's modes; the first when undefined */
  readonly mode?: string;
  /** validated `--set` parameters */
  readonly params?: Readonly<Record<string, number>>;
  /** `--file` */
  readonly file?: string;
  /** the example's options as they are (tests), instead of `example.options(mode, params, file)` */
  readonly options?: Options;
  readonly hooks?: Partial<ExampleHooks>;
  /** sees each trace event as it is recorded, with the world (walkthroughs narrate from here) */
  readonly onEvent?: (e: TraceEvent, world: World) => void;
  /** called with the world before the example is set up */
  readonly onWorld?: (world: World) => void;
  /** the scheduler's choice among runnable tasks (swarm sweeps draw it from the seed); FIFO when undefined */
  readonly pickNext?: WorldOptions["pickNext"];
}

export interface ExampleRunResult<Details = unknown> {
  readonly world: World;
  readonly mode: string;
  /** the programs' output lines, in order */
  readonly output: ReadonlyArray<string>;
  /** the kernel log after the run */
  readonly dmesg: ReadonlyArray<string>;
  /** what went wrong: each failed task ("TASK failed: ERROR"), each deadlocked one, or why the example refused */
  readonly failed: ReadonlyArray<string>;
  /** 0: every program finished; 1: a task failed or deadlocked; 2: the example refused its input */
  readonly exitCode: 0 | 1 | 2;
  /** the example's own figures, read after the run (undefined when it refused) */
  readonly details: Details | undefined;
  /** the world's run as it returned (failed tasks with their errors, deadlocks) */
  readonly run: RunResult;
}

export const runExampleOnSim = async <Options, Details>(
  example: Example<Options, Details>,
  cfg: ExampleRunConfig<Options>,
): Promise<ExampleRunResult<Details>> => {
  const mode = cfg.mode ?? example.modes[0].name;
  if (!example.modes.some((m) => m.name === mode)) {
    throw new Error(`${example.name} has no mode '${mode}' (modes: ${example.modes.map((m) => m.name).join(", ")})`);
  }
  const options = cfg.options ?? example.options(mode, cfg.params ?? {}, cfg.file);
  const netlinkInput = example.netlinkInput(mode);
  const world = new World({
    seed: cfg.seed,
    // enough to run it again (the trace viewer re-runs a trace for its sockets' queues)
    run: {
      example: example.name,
      mode,
      ...(cfg.params === undefined || Object.keys(cfg.params).length === 0 ? {} : { params: { ...cfg.params } }),
      ...(cfg.file === undefined ? {} : { file: cfg.file }),
    },
    ...(netlinkInput === null ? {} : { netlinkInput }),
    ...(cfg.pickNext === undefined ? {} : { pickNext: cfg.pickNext }),
  });
  cfg.onWorld?.(world);
  if (cfg.onEvent !== undefined) {
    const f = cfg.onEvent;
    world.trace.onEvent((e) => f(e, world));
  }
  const output: string[] = [];
  const hooks: ExampleHooks = {
    out: (line) => {
      output.push(line);
      cfg.hooks?.out?.(line);
    },
    ...(cfg.hooks?.onSend === undefined ? {} : { onSend: cfg.hooks.onSend }),
  };
  const setup = example.setup(world, options, hooks);
  // a refused example set nothing up: the world has nothing to run
  const run = await world.run();
  const failed = [
    ...("refused" in setup ? [setup.refused] : []),
    ...run.failed.map((f) => `${f.task} failed: ${String(f.error)}`),
    ...run.deadlocked.map((t) => `${t} deadlocked`),
  ];
  return {
    world,
    mode,
    output,
    dmesg: world.dmesg(),
    failed,
    exitCode: "refused" in setup ? 2 : failed.length > 0 ? 1 : 0,
    details: "refused" in setup ? undefined : setup.details(),
    run,
  };
};
