// The kernel the running code belongs to: what `current` and the per-CPU variables are to C, for
// the primitives a module calls without naming a kernel (printk, ktime_get_ns, in_atomic, mutexes,
// copy_to_user...). Code that holds a socket or a namespace never looks here: it reaches its
// kernel through its Net (net.kernel), so the input mode and context checks cannot depend on what
// happens to be installed. Only the simulator's scheduler installs a kernel: kernel_enter around
// kernel code it runs from outside (a softirq drain, a timer interrupt, insmod, a syscall made by a
// test outside any task), kernel_context_switch when one of its tasks gets the CPU. With none
// installed (the model's unit tests) every check is off.
import type { Kernel } from "./kernel.js";

let current_kernel: Kernel | undefined;

/** The installed kernel, if any. */
export const this_kernel = (): Kernel | undefined => current_kernel;

/** Runs `f` with `k` installed, then puts back whatever was installed before. */
export const kernel_enter = <T>(k: Kernel, f: () => T): T => {
  const prev = current_kernel;
  current_kernel = k;
  try {
    return f();
  } finally {
    current_kernel = prev;
  }
};

/**
 * context_switch: a task of `k` gets the CPU (it runs, or resumes after an await) and `k` stays
 * installed until the next switch. Only a scheduler calls it: its tasks' code runs in later
 * microtasks, where kernel_enter's restore would come too early.
 */
export const kernel_context_switch = (k: Kernel | undefined): void => {
  current_kernel = k;
};

/** The installed kernel, for primitives that make no sense without one (printk, kthreads, timers). */
export const need_kernel = (what: string): Kernel => {
  if (current_kernel === undefined) throw new Error(`${what}: no kernel installed (run it inside a simulated world)`);
  return current_kernel;
};
