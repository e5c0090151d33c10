// The one runner: the example's options from the mode and parameters (or given), its setup, the
// world run, one result with the exit status (0 ok, 1 a task failed, 2 the example refused).
import { describe, expect, it } from "vitest";
import { spawnProcess } from "../sim/process.js";
import { runExampleOnSim } from "./runner.js";
import type { Example } from "./types.js";

interface TinyOptions {
  readonly lines: number;
  readonly fail?: boolean;
  readonly refuse?: boolean;
}

/** An example whose program prints `lines` lines 10 ms apart, and whose setup can fail or refuse. */
const tiny: Example<TinyOptions, { readonly printed: number }> = {
  name: "tiny",
  description: "prints a few lines",
  modes: [
    { name: "two", description: "two lines" },
    { name: "fails", description: "two lines, then the program throws" },
  ],
  protocol: 31,
  netlinkInput: () => "process",
  params: [{ name: "lines", description: "lines printed", min: 0, max: 9 }],
  options: (mode, params) => ({ lines: params.lines ?? 2, fail: mode === "fails" }),
  setup: (world, options, hooks) => {
    if (options.refuse) return { refused: "tiny: refused" };
    let printed = 0;
    spawnProcess(world, { name: "printer" }, async () => {
      for (let i = 0; i < options.lines; i++) {
        await world.msleep(10);
        hooks.out(`line ${i} at ${world.now / 1e6} ms`);
        printed++;
      }
      if (options.fail) throw new Error("printer gave up");
    });
    return { details: () => ({ printed }) };
  },
};

describe("runExampleOnSim", () => {
  it("runs the first mode by default, with the options its parameters make, and reads the details after the run", async () => {
    const seen: string[] = [];
    const r = await runExampleOnSim(tiny, { seed: 1, params: { lines: 3 }, hooks: { out: (l) => seen.push(l) } });
    expect(r.mode).toBe("two");
    expect(r.output).toEqual(["line 0 at 10 ms", "line 1 at 20 ms", "line 2 at 30 ms"]);
    expect(seen).toEqual(r.output);
    expect(r.details).toEqual({ printed: 3 });
    expect(r.exitCode).toBe(0);
    expect(r.failed).toEqual([]);
    expect(r.world.now).toBe(30_000_000);
  });

  it("a failed task: exit status 1, the task and its error in failed", async () => {
    const r = await runExampleOnSim(tiny, { seed: 1, mode: "fails" });
    expect(r.exitCode).toBe(1);
    expect(r.failed).toEqual(["printer failed: Error: printer gave up"]);
    expect(r.details).toEqual({ printed: 2 });
  });

  it("options given directly replace the mode's; a refused setup is exit status 2 with its reason, nothing run", async () => {
    const r = await runExampleOnSim(tiny, { seed: 1, options: { lines: 5, refuse: true } });
    expect(r.exitCode).toBe(2);
    expect(r.failed).toEqual(["tiny: refused"]);
    expect(r.output).toEqual([]);
    expect(r.details).toBeUndefined();
    expect(r.world.now).toBe(0);
  });

  it("refuses a mode the example does not have, naming the modes", async () => {
    await expect(runExampleOnSim(tiny, { seed: 1, mode: "sideways" })).rejects.toThrow(
      "tiny has no mode 'sideways' (modes: two, fails)",
    );
  });
});
