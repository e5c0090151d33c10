// include/linux/gfp_types.h: allocation flags, as far as the model cares (may the allocation
// sleep?). Values are 6.x's. An allocation that may sleep runs might_alloc's might_sleep check.
import { __might_sleep } from "./bug.js";
import { this_kernel } from "./current.js";

export type gfp_t = number;

export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
/** GFP_ATOMIC: may not sleep (0x820) */
export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
/** GFP_KERNEL: may sleep to reclaim memory (0xcc0) */
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
/** GFP_NOWAIT */
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;

/** gfpflags_allow_blocking */
export const gfpflags_allow_blocking = (gfp: gfp_t): boolean => (gfp & __GFP_DIRECT_RECLAIM) !== 0;

/**
 * might_alloc(gfp): a blocking allocation in atomic context is reported (the line number is
 * include/linux/sched/mm.h's might_alloc in 6.x; it moves between versions).
 */
export const might_alloc = (gfp: gfp_t): void => {
  if (!gfpflags_allow_blocking(gfp)) return;
  const k = this_kernel();
  if (k !== undefined && k.preempt_count !== 0) __might_sleep(k, "include/linux/sched/mm.h", 321, "might_alloc");
};

/** might_sleep(): report a call that may sleep made in atomic context. */
export const might_sleep = (file: string, line: number, fn: string): void => {
  const k = this_kernel();
  if (k !== undefined) __might_sleep(k, file, line, fn);
};
