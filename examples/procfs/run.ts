// Sets the procfs example up in a world: insmod the module (correct or buggy), the walkthrough
// program as a process, rmmod.

import type { World } from "../../sim/world.js";
import { runProcess } from "../../transport/index.js";
import { atTime } from "../sim-user.js";
import type { ExampleHooks, ExampleSetup } from "../types.js";
import { type ProcfsMode, type ProcfsModule, procfs_example_init } from "./kernel.js";
import { procfsDemo } from "./user.js";

export interface ProcfsRunOptions {
  /** "correct" (default) or "buggy" (the article's handlers) */
  readonly mode?: ProcfsMode;
  /** the module's first text; default "hello from the kernel\n" (the article starts empty) */
  readonly initial?: string;
}

/** Sets the example up in `world` (insmod, the shell process, rmmod at 100 ms); the details are the module. */
export const setupProcfs = (world: World, opts: ProcfsRunOptions, hooks: ExampleHooks): ExampleSetup<ProcfsModule> => {
  const mode = opts.mode ?? "correct";
  const mod = world.insmod(() => procfs_example_init({ mode, initial: opts.initial ?? "hello from the kernel\n" }));
  runProcess(world, { name: "sh", pid: 1000 }, procfsDemo(hooks.out));
  atTime(world, "rmmod", 100, () => mod.exit());
  return { details: () => mod };
};
