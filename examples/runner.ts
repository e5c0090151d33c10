// Runs an example on the simulator: a world from the seed (and the example's kernel era for the
// mode), the example set up in it, the world run to the end. The same seed gives the same output
// and the same trace, byte for byte.
import type { TraceEvent } from "../sim/trace.js";
import { type RunResult, World } from "../sim/world.js";
import type { Example, ExampleHooks } from "./types.js";

export interface ExampleRunConfig {
  readonly seed: number;
  readonly mode?: string;
  /** validated `--set` parameters */
  readonly params?: Readonly<Record<string, number>>;
  /** `--file` */
  readonly file?: string;
  readonly hooks?: Partial<ExampleHooks>;
  /** sees each trace event as it is recorded, with the world (walkthroughs narrate from here) */
  readonly onEvent?: (e: TraceEvent, world: World) => void;
  /** called with the world before the example is set up */
  readonly onWorld?: (world: World) => void;
}

export interface ExampleRunResult {
  readonly world: World;
  readonly result: RunResult;
  /** the programs' output lines, in order */
  readonly output: ReadonlyArray<string>;
  readonly mode: string;
}

export const runExampleOnSim = async (example: Example, cfg: ExampleRunConfig): Promise<ExampleRunResult> => {
  const mode = cfg.mode ?? example.modes[0].name;
  const netlinkInput = example.netlinkInput(mode);
  const world = new World({
    seed: cfg.seed,
    run: { example: example.name, mode },
    ...(netlinkInput === null ? {} : { netlinkInput }),
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
  example.run(world, {
    mode,
    hooks,
    ...(cfg.params === undefined ? {} : { params: cfg.params }),
    ...(cfg.file === undefined ? {} : { file: cfg.file }),
  });
  const result = await world.run();
  return { world, result, output, mode };
};
