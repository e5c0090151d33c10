import { describe, expect, it } from "vitest";
import { SeededPrng } from "./prng.js";

const take = (p: SeededPrng, n: number): number[] => Array.from({ length: n }, () => p.nextU32());

describe("SeededPrng", () => {
  it("gives the same sequence for the same seed", () => {
    expect(take(new SeededPrng(42), 100)).toEqual(take(new SeededPrng(42), 100));
  });

  it("gives different sequences for different seeds, including seeds that differ above 2^32", () => {
    expect(take(new SeededPrng(1), 8)).not.toEqual(take(new SeededPrng(2), 8));
    expect(take(new SeededPrng(7), 8)).not.toEqual(take(new SeededPrng(7 + 2 ** 32), 8));
  });

  it("pins the sequence of seed 0 so a change of generator is a deliberate, visible break", () => {
    // traces recorded with one generator only replay with the same generator
    const p = new SeededPrng(0);
    expect(take(p, 4)).toEqual([3809008728, 1133695204, 53579671, 2891528803]);
    expect(p.draws).toBe(4);
  });

  it("nextInt stays in range and covers it", () => {
    const p = new SeededPrng(9);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const x = p.nextInt(7);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(7);
      seen.add(x);
    }
    expect(seen.size).toBe(7);
  });

  it("chance(p) lands near p over many draws", () => {
    const p = new SeededPrng(3);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (p.chance(0.25)) hits++;
    expect(hits).toBeGreaterThan(2300);
    expect(hits).toBeLessThan(2700);
    expect(new SeededPrng(3).chance(0)).toBe(false);
  });

  it("rejects a negative or fractional seed", () => {
    expect(() => new SeededPrng(-1)).toThrow(RangeError);
    expect(() => new SeededPrng(1.5)).toThrow(RangeError);
  });
});
