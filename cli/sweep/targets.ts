// What `nlsim sweep` runs for one seed: the model's invariant program, an example (run twice:
// it must finish, and print and log the same both times), or a user's vitest file with
// NLSIM_SEED set. Each returns a verdict instead of throwing, so a worker reports every seed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { findExample } from "../../examples/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { endStateProblems } from "../../sim/end-state.js";
import { type InjectableBug, runInvariants } from "../../sim/invariants.js";
import {
  describeProgramSwarm,
  drawProgramSwarm,
  installProgramSwarm,
  programSwarmWorldOptions,
} from "../../sim/swarm.js";
import { traceHash } from "../../sim/trace.js";

export type SweepTarget =
  | { readonly kind: "invariants"; readonly steps: number; readonly swarm: boolean; readonly inject?: InjectableBug }
  | { readonly kind: "example"; readonly name: string; readonly mode?: string; readonly swarm: boolean }
  | { readonly kind: "test"; readonly file: string; readonly cwd: string };

export type SeedVerdict =
  | { readonly seed: number; readonly ok: true }
  | { readonly seed: number; readonly ok: false; readonly error: string };

/** The command line that replays one seed of a target. */
export const replayCommand = (t: SweepTarget, seed: number): string => {
  switch (t.kind) {
    case "invariants":
      return `nlsim sweep invariants --from ${seed} --seeds 1 --steps ${t.steps}${t.swarm ? "" : " --no-swarm"}${t.inject === undefined ? "" : ` --inject-bug ${t.inject}`}`;
    case "example":
      return `nlsim sweep example ${t.name}${t.mode === undefined ? "" : ` --mode ${t.mode}`} --from ${seed} --seeds 1${t.swarm ? "" : " --no-swarm"}`;
    case "test":
      return `NLSIM_SEED=${seed} npx vitest run ${t.file}`;
  }
};

/** A name for the target in reports ("invariants", "example nl-demo/unicast", "test FILE"). */
export const targetName = (t: SweepTarget): string => {
  switch (t.kind) {
    case "invariants":
      return `invariants steps=${t.steps}${t.swarm ? "" : " no-swarm"}${t.inject === undefined ? "" : ` inject=${t.inject}`}`;
    case "example":
      return `example ${t.name}${t.mode === undefined ? "" : `/${t.mode}`}${t.swarm ? "" : " no-swarm"}`;
    case "test":
      return `test ${t.file}`;
  }
};

const firstLines = (s: string, n: number): string => s.split("\n").slice(0, n).join("\n");

/**
 * One seed of an example, run twice. Without swarm: FIFO, no faults, and the example must finish
 * (no deadlock), not refuse, and print and log the same both times. With swarm (the default), the
 * seed also draws the schedule, the machine's default receive buffer and an allocation-failure
 * plan (sim/swarm.ts): the programs may then meet what a real machine can give them (ENOBUFS,
 * ENOMEM, other orders of events) and fail or wait forever as the real program would; what must
 * hold whatever they do is what the simulator guarantees: the two runs identical (output, dmesg,
 * trace), no task ended by anything but a syscall's error, and a sound end state (memory
 * accounting, sockets released: sim/end-state.ts). A deadlock fails the seed when the seed drew
 * no allocation failures.
 */
const runExampleSeed = async (
  name: string,
  mode: string | undefined,
  swarm: boolean,
  seed: number,
): Promise<SeedVerdict> => {
  const example = findExample(name);
  if (example === undefined) return { seed, ok: false, error: `no example '${name}'` };
  const draws = swarm ? drawProgramSwarm(seed) : undefined;
  const once = async () => {
    const r = await runExampleOnSim(example, {
      seed,
      ...(mode === undefined ? {} : { mode }),
      ...(draws === undefined
        ? {}
        : { ...programSwarmWorldOptions(seed, draws), onWorld: (w) => installProgramSwarm(w, draws) }),
    });
    const text = [...r.output, ...r.dmesg, ...r.failed].join("\n");
    return { r, text, hash: traceHash(r.world.trace.snapshot()) };
  };
  const fail = (error: string): SeedVerdict => ({
    seed,
    ok: false,
    error: draws === undefined ? error : `${error} [${describeProgramSwarm(draws)}]`,
  });
  try {
    const a = await once();
    const b = await once();
    if (a.r.exitCode === 2) return fail(`refused: ${a.r.failed.join("; ")}`);
    if (a.text !== b.text) {
      const la = a.text.split("\n");
      const lb = b.text.split("\n");
      let i = 0;
      while (i < la.length && la[i] === lb[i]) i++;
      return fail(`two runs differ at line ${i + 1}: '${la[i] ?? ""}' vs '${lb[i] ?? ""}'`);
    }
    if (a.hash !== b.hash) return fail("two runs print the same but their traces differ");
    if (a.r.run.deadlocked.length > 0 && (draws === undefined || draws.allocFailure === 0))
      return fail(`deadlocked: ${a.r.run.deadlocked.join(", ")}`);
    if (draws === undefined && a.r.run.failed.length > 0) return fail(a.r.failed.join("; "));
    const crashed = a.r.run.failed.filter((f) => !isSyscallFailure(f.error));
    if (crashed.length > 0) {
      return fail(crashed.map((f) => `${f.task} failed: ${firstLines(String(f.error), 6)}`).join("; "));
    }
    const problems = endStateProblems(a.r.world, a.r.run);
    if (problems.length > 0) return fail(`end state: ${problems.join("; ")}`);
    return { seed, ok: true };
  } catch (e) {
    return fail(e instanceof Error ? firstLines(e.stack ?? e.message, 8) : String(e));
  }
};

/** A program that ended on a syscall's error (what a real program can meet), not on a crash. */
const isSyscallFailure = (error: unknown): boolean =>
  /\b(NetlinkError|NetlinkRequestError)\b|\bE[A-Z]{3,}\b/.test(String(error));

const runTestSeed = (file: string, cwd: string, seed: number): SeedVerdict => {
  const local = join(cwd, "node_modules", ".bin", "vitest");
  const [cmd, args] = existsSync(local) ? [local, ["run", file]] : ["npx", ["vitest", "run", file]];
  const r = spawnSync(cmd, args, {
    cwd,
    env: { ...process.env, NLSIM_SEED: String(seed), FORCE_COLOR: "0", NO_COLOR: "1", CI: "1" },
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.error !== undefined) return { seed, ok: false, error: `cannot run vitest: ${r.error.message}` };
  if (r.status === 0) return { seed, ok: true };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing colour escapes
  const out = `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, "");
  const fail = out.split("\n").filter((l) => /FAIL|Error|expected|✗|×/.test(l));
  return {
    seed,
    ok: false,
    error: `vitest exited ${r.status ?? r.signal}: ${fail.slice(0, 6).join("\n") || firstLines(out, 6)}`,
  };
};

/** Runs one seed of a target. */
export const runSeed = async (t: SweepTarget, seed: number): Promise<SeedVerdict> => {
  switch (t.kind) {
    case "invariants": {
      const r = await runInvariants(seed, {
        steps: t.steps,
        swarm: t.swarm,
        ...(t.inject === undefined ? {} : { inject: t.inject }),
      });
      return r.ok ? { seed, ok: true } : { seed, ok: false, error: firstLines(r.error, 8) };
    }
    case "example":
      return runExampleSeed(t.name, t.mode, t.swarm, seed);
    case "test":
      return runTestSeed(t.file, t.cwd, seed);
  }
};
