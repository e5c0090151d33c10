// The conformance suite on the real kernel: every scenario in transport/conformance/ that has a
// recorded trace (<name>.kernel.jsonl) must still print it on this machine's kernel, through the
// kernel transport, each in a fresh network namespace (so the recorded traces stay honest).
// Needs the native addon, root and `unshare -n`; skipped with the reason otherwise.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { kernelMode, kernelTrace } from "./kernel-run.js";
import { parseScenario } from "./parse.js";

const dir = new URL("../../transport/conformance/", import.meta.url);
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith(".json") && existsSync(new URL(f.replace(/\.json$/, ".kernel.jsonl"), dir)))
      .sort()
  : [];

const mode = kernelMode();
const skipReason =
  mode.kind === "unavailable"
    ? mode.reason
    : mode.kind === "current"
      ? "needs root and `unshare -n` (a fresh network namespace per scenario)"
      : undefined;
if (skipReason !== undefined) console.warn(`cli/scenario/conformance-kernel.test.ts skipped: ${skipReason}`);

// each run is a node process: at most two at once (CI machines are small)
let running = 0;
const waiting: Array<() => void> = [];
const limited = async <A>(f: () => Promise<A>): Promise<A> => {
  if (running >= 2) await new Promise<void>((r) => waiting.push(r));
  else running++;
  try {
    return await f();
  } finally {
    const next = waiting.shift();
    if (next !== undefined) next();
    else running--;
  }
};

describe.skipIf(skipReason !== undefined)("conformance: the kernel transport prints the recorded kernel traces", () => {
  for (const f of files) {
    it.concurrent(f, { timeout: 180_000 }, async () => {
      const path = fileURLToPath(new URL(f, dir));
      const scenario = parseScenario(readFileSync(path, "utf8"), f);
      const out = await limited(() => kernelTrace(mode, path, scenario, 170_000));
      const expected = readFileSync(new URL(f.replace(/\.json$/, ".kernel.jsonl"), dir), "utf8")
        .split("\n")
        .filter((l) => l.length > 0);
      expect(out.kind === "trace" ? out.lines : out).toEqual(expected);
    });
  }
});
