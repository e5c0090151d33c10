// The invariant program over swarm worlds and today's FIFO world, and the proof that it catches
// a broken model: an injected bug fails some seeds, and each fails again alone, the same way.
import { describe, expect, it } from "vitest";
import { runInvariants } from "./invariants.js";
import { drawSwarm } from "./swarm.js";

describe("the invariant program", () => {
  it("holds for 150 swarm seeds and 50 FIFO seeds (rmem, drops counted, ENOBUFS once, port ids, dumps, release)", async () => {
    const errors: string[] = [];
    let dumps = 0;
    let drops = 0;
    let enobufs = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const r = await runInvariants(seed);
      if (r.ok) {
        dumps += r.stats.dumps;
        drops += r.stats.drops;
        enobufs += r.stats.enobufs;
      } else errors.push(r.error);
    }
    for (let seed = 1; seed <= 50; seed++) {
      const r = await runInvariants(seed, { swarm: false });
      if (!r.ok) errors.push(r.error);
    }
    expect(errors).toEqual([]);
    // the program reaches the paths its invariants are about
    expect(dumps).toBeGreaterThan(100);
    expect(drops).toBeGreaterThan(100);
    expect(enobufs).toBeGreaterThan(10);
  }, 120_000);

  it("draws different worlds from different seeds, the same world from the same seed", async () => {
    const worlds = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) worlds.add(JSON.stringify(drawSwarm(seed)));
    expect(worlds.size).toBeGreaterThan(20);
    expect(drawSwarm(7)).toEqual(drawSwarm(7));
    const a = await runInvariants(7);
    const b = await runInvariants(7);
    expect(a).toEqual(b);
  });

  for (const bug of ["uncounted-drop", "rmem-leak"] as const) {
    it(`finds the injected bug '${bug}' in a sweep, and each failing seed fails again alone`, async () => {
      const failing: Array<{ seed: number; error: string }> = [];
      for (let seed = 1; seed <= 60; seed++) {
        const r = await runInvariants(seed, { inject: bug });
        if (!r.ok) failing.push({ seed, error: r.error });
      }
      expect(failing.length).toBeGreaterThan(0);
      for (const f of failing.slice(0, 3)) {
        const again = await runInvariants(f.seed, { inject: bug });
        expect(again.ok).toBe(false);
        if (!again.ok) expect(again.error).toBe(f.error);
        expect((await runInvariants(f.seed)).ok).toBe(true);
      }
    }, 60_000);
  }
});
