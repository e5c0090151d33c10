// The conformance suite on the simulator: every scenario in transport/conformance/ that has a
// recorded real-kernel trace (<name>.kernel.jsonl, captured on Linux 6.18) must print exactly
// that trace on the simulator.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseScenario } from "./parse.js";
import { runScenarioOnSim } from "./sim-api.js";

const dir = new URL("../../transport/conformance/", import.meta.url);
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .sort()
  : [];
const SEED = 1;

describe("conformance: the simulator prints the real kernel's trace", () => {
  it("has scenarios with kernel traces", () => {
    expect(files.filter((f) => existsSync(new URL(f.replace(/\.json$/, ".kernel.jsonl"), dir))).length).toBeGreaterThan(
      0,
    );
  });
  for (const f of files) {
    const expectedUrl = new URL(f.replace(/\.json$/, ".kernel.jsonl"), dir);
    if (!existsSync(expectedUrl)) continue;
    it(f, async () => {
      const text = readFileSync(new URL(f, dir), "utf8");
      const run = await runScenarioOnSim(parseScenario(text, f), SEED);
      const expected = readFileSync(expectedUrl, "utf8")
        .split("\n")
        .filter((l) => l.length > 0);
      expect(run.lines, `seed ${SEED}`).toEqual(expected);
    });
  }
});
