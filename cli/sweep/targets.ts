// What `nlsim sweep` runs for one seed: the model's invariant program, an example (run twice:
// it must finish, and print and log the same both times), or a user's vitest file with
// NLSIM_SEED set. Each returns a verdict instead of throwing, so a worker reports every seed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { findExample } from "../../examples/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { type InjectableBug, runInvariants } from "../../sim/invariants.js";

export type SweepTarget =
  | { readonly kind: "invariants"; readonly steps: number; readonly swarm: boolean; readonly inject?: InjectableBug }
  | { readonly kind: "example"; readonly name: string; readonly mode?: string }
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
      return `nlsim sweep example ${t.name}${t.mode === undefined ? "" : ` --mode ${t.mode}`} --from ${seed} --seeds 1`;
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
      return `example ${t.name}${t.mode === undefined ? "" : `/${t.mode}`}`;
    case "test":
      return `test ${t.file}`;
  }
};

const firstLines = (s: string, n: number): string => s.split("\n").slice(0, n).join("\n");

const runExampleSeed = async (name: string, mode: string | undefined, seed: number): Promise<SeedVerdict> => {
  const example = findExample(name);
  if (example === undefined) return { seed, ok: false, error: `no example '${name}'` };
  const once = async () => {
    const r = await runExampleOnSim(example, { seed, ...(mode === undefined ? {} : { mode }) });
    return { r, text: [...r.output, ...r.dmesg].join("\n") };
  };
  try {
    const a = await once();
    const b = await once();
    if (a.r.run.deadlocked.length > 0)
      return { seed, ok: false, error: `deadlocked: ${a.r.run.deadlocked.join(", ")}` };
    if (a.r.exitCode === 2) return { seed, ok: false, error: `refused: ${a.r.failed.join("; ")}` };
    if (a.text !== b.text) {
      const la = a.text.split("\n");
      const lb = b.text.split("\n");
      let i = 0;
      while (i < la.length && la[i] === lb[i]) i++;
      return { seed, ok: false, error: `two runs differ at line ${i + 1}: '${la[i] ?? ""}' vs '${lb[i] ?? ""}'` };
    }
    return { seed, ok: true };
  } catch (e) {
    return { seed, ok: false, error: e instanceof Error ? firstLines(e.stack ?? e.message, 8) : String(e) };
  }
};

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
      return runExampleSeed(t.name, t.mode, seed);
    case "test":
      return runTestSeed(t.file, t.cwd, seed);
  }
};
