// drivers/char/random.c, as far as modules use it: get_random_u32 and friends. The model has no
// entropy of its own; the host hands it the world's seeded PRNG (KernelHost.random_u32), so a
// module's "random" choices replay from the seed like everything else.
import { need_kernel } from "./current.js";

/** get_random_u32: a uniform 32-bit value from the host's PRNG. */
export const get_random_u32 = (): number => {
  const host = need_kernel("get_random_u32").host;
  if (host.random_u32 === undefined) throw new Error("get_random_u32: the kernel host has no random source");
  return host.random_u32() >>> 0;
};

/** get_random_u32_below(ceil) (6.2+): uniform in [0, ceil), by rejection like the kernel's. */
export const get_random_u32_below = (ceil: number): number => {
  if (!Number.isInteger(ceil) || ceil < 1 || ceil > 2 ** 32) throw new RangeError(`get_random_u32_below: ${ceil}`);
  const limit = 2 ** 32 - (2 ** 32 % ceil);
  for (;;) {
    const x = get_random_u32();
    if (x < limit) return x % ceil;
  }
};

/** get_random_bytes(buf, len): fills `buf` (the seed's imp uses one byte of it). */
export const get_random_bytes = (buf: Uint8Array, len: number = buf.length): void => {
  for (let i = 0; i < len; i += 4) {
    const v = get_random_u32();
    for (let j = 0; j < 4 && i + j < len; j++) buf[i + j] = (v >>> (8 * j)) & 0xff;
  }
};
