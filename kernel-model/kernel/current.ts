// The kernel the running code belongs to: what `current` and the per-CPU variables are to C.
// The simulator installs its world's kernel whenever it runs kernel or task code (a task's turn,
// a softirq drain, a timer interrupt, insmod); with none installed (the model's own unit tests)
// every check is off and a kernel socket's input runs synchronously.
import type { Kernel } from "./kernel.js";

let current_kernel: Kernel | undefined;

/** The installed kernel, if any. */
export const this_kernel = (): Kernel | undefined => current_kernel;

/** Installs `k` and returns the previous one (to restore). */
export const kernel_switch = (k: Kernel | undefined): Kernel | undefined => {
  const prev = current_kernel;
  current_kernel = k;
  return prev;
};

/** The installed kernel, for primitives that make no sense without one (printk, kthreads, timers). */
export const need_kernel = (what: string): Kernel => {
  if (current_kernel === undefined) throw new Error(`${what}: no kernel installed (run it inside a simulated world)`);
  return current_kernel;
};
