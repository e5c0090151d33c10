// The CLI's start-up, as a user meets it: `node bin/nlsim.js --version` as a whole process (the
// bundle in dist/bin/ when built, else the sources through tsx), beside a bare `node -e 0`, so
// the ratio between the two (printed under the table) reads the same on a fast or a slow machine.
// Self-timed: the wall clock, or (--cpu) the CPU time of the child processes, which the
// process's own CPU clock does not count (Linux: cutime + cstime of /proc/self/stat).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Suite, TimedRun } from "./harness.js";

const BIN = fileURLToPath(new URL("../bin/nlsim.js", import.meta.url));
const BUNDLE = new URL("../dist/bin/nlsim.js", import.meta.url);
/** USER_HZ: the unit of /proc's cutime and cstime */
const TICK_NS = 1e9 / 100;

/** CPU time of waited-for children, in nanoseconds (0 where /proc is not Linux's). */
const childrenCpuNs = (): number => {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // the fields after the command's closing parenthesis: cutime and cstime are the 14th and 15th
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) * TICK_NS;
  } catch {
    return 0;
  }
};

/** One start per 1,000 of the harness's `n` (it grows n until a run lasts a sample). */
const starts =
  (args: ReadonlyArray<string>) =>
  (n: number): TimedRun => {
    const k = Math.max(1, Math.ceil(n / 1000));
    let checksum = 0;
    const cpu0 = childrenCpuNs();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < k; i++) {
      const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 });
      if (r.status !== 0) throw new Error(`bench: node ${args.join(" ")} exited ${r.status ?? r.signal}`);
      checksum += r.stdout.length;
    }
    return { checksum, wallNs: Number(process.hrtime.bigint() - t0), cpuNs: childrenCpuNs() - cpu0, ops: k };
  };

/** Registers cli.startup and cli.node; returns why the CLI figure is not the built one, if it is not. */
export const registerCli = (suite: Suite): string | undefined => {
  suite.addTimed("cli.startup", starts([BIN, "--version"]), "starts/s");
  suite.addTimed("cli.node", starts(["-e", "0"]), "starts/s");
  return existsSync(BUNDLE)
    ? undefined
    : "dist/bin/nlsim.js is not built (npm run build): cli.startup runs the sources through tsx";
};
