// The CLI's start-up, as a user meets it: `node bin/nlsim.js --version` as a whole process (the
// bundle in dist/bin/ when built, else the sources through tsx), beside a bare `node -e 0`, so
// the ratio between the two (printed under the table) reads the same on a fast or a slow machine.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Suite } from "./harness.js";

const BIN = fileURLToPath(new URL("../bin/nlsim.js", import.meta.url));
const BUNDLE = new URL("../dist/bin/nlsim.js", import.meta.url);

const start = (args: ReadonlyArray<string>): number => {
  const r = spawnSync(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"], timeout: 60_000 });
  if (r.status !== 0) throw new Error(`bench: node ${args.join(" ")} exited ${r.status ?? r.signal}`);
  return r.stdout.length;
};

const starts =
  (args: ReadonlyArray<string>) =>
  (n: number): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += start(args);
    return sum;
  };

/** Registers cli.startup and cli.node; returns why the CLI figure is not the built one, if it is not. */
export const registerCli = (suite: Suite): string | undefined => {
  suite.add("cli.startup", starts([BIN, "--version"]), "starts/s");
  suite.add("cli.node", starts(["-e", "0"]), "starts/s");
  return existsSync(BUNDLE)
    ? undefined
    : "dist/bin/nlsim.js is not built (npm run build): cli.startup runs the sources through tsx";
};
