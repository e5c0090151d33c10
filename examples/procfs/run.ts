// Runs the procfs example in a world: insmod the module (correct or buggy), run the walkthrough
// program as a process, rmmod. What the program printed and the kernel log come back.

import type { World } from "../../sim/world.js";
import { runProcess } from "../../transport/index.js";
import { type ProcfsMode, type ProcfsModule, procfs_example_init } from "./kernel.js";
import { procfsDemo } from "./user.js";

export interface ProcfsRunOptions {
  /** "correct" (default) or "buggy" (the article's handlers) */
  readonly mode?: ProcfsMode;
  /** the module's first text; default "hello from the kernel\n" (the article starts empty) */
  readonly initial?: string;
}

export interface ExampleRunResult {
  /** what the user programs printed */
  readonly output: ReadonlyArray<string>;
  /** dmesg after the run */
  readonly dmesg: ReadonlyArray<string>;
  /** 0 when every program finished */
  readonly exitCode: number;
}

/** Checks options coming from the command line: an error message, or undefined when fine. */
export const checkProcfsOptions = (opts: { readonly mode?: string }): string | undefined =>
  opts.mode === undefined || opts.mode === "correct" || opts.mode === "buggy"
    ? undefined
    : `procfs: unknown mode '${opts.mode}' (correct or buggy)`;

/** Sets the example up in `world` (insmod, the shell process); the world's run() plays it. */
export const setupProcfs = (world: World, opts: ProcfsRunOptions, out: (line: string) => void): ProcfsModule => {
  const mode = opts.mode ?? "correct";
  const mod = world.insmod(() => procfs_example_init({ mode, initial: opts.initial ?? "hello from the kernel\n" }));
  runProcess(world, { name: "sh", pid: 1000 }, procfsDemo(out));
  return mod;
};

/** Sets up, runs the world, rmmods: what the programs printed and dmesg. */
export const run = async (world: World, opts: ProcfsRunOptions = {}): Promise<ExampleRunResult> => {
  const output: string[] = [];
  const mod = setupProcfs(world, opts, (l) => output.push(l));
  const r = await world.run();
  world.insmod(() => mod.exit(), "rmmod");
  return { output, dmesg: world.dmesg(), exitCode: r.failed.length === 0 && r.deadlocked.length === 0 ? 0 : 1 };
};
