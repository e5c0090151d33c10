// The world's only source of randomness: xoshiro128** seeded through splitmix32.
// Same seed, same sequence, on every machine; no Math.random anywhere in a run.

/** What the kernel model asks of randomness (autobind's random start, fault draws). */
export interface Prng {
  /** a uniform 32-bit unsigned integer */
  nextU32(): number;
}

const splitmix32 = (state: number): [number, number] => {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
};

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

export class SeededPrng implements Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** how many numbers were drawn (traces record it so a replay can check it is in step) */
  draws = 0;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    // fold the high bits in so seeds above 2^32 differ
    let st = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x27d4eb2d);
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [next, z] = splitmix32(st);
      st = next;
      out.push(z);
    }
    [this.s0, this.s1, this.s2, this.s3] = out as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.draws++;
    return result;
  }

  /** uniform in [0, n) without modulo bias, for 1 ≤ n ≤ 2^32 */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32)
      throw new RangeError(`nextInt bound must be in 1..2^32, got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % n;
    }
  }

  /** uniform in [0, 1) with 32 bits of precision */
  nextFloat(): number {
    return this.nextU32() / 2 ** 32;
  }

  /** true with probability p */
  chance(p: number): boolean {
    return p > 0 && this.nextFloat() < p;
  }
}
