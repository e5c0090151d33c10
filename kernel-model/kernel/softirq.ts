// kernel/softirq.c: raising and running softirqs. The host runs pending softirqs at the points
// the kernel would: on return from a syscall or interrupt (irq_exit / local_bh_enable), in vector
// order, each in softirq context (SOFTIRQ_OFFSET in preempt_count: in_atomic() is true).
import { need_kernel } from "./current.js";
import type { Kernel, SoftirqAction } from "./kernel.js";
import {
  HARDIRQ_MASK,
  HARDIRQ_OFFSET,
  in_interrupt,
  SOFTIRQ_DISABLE_OFFSET,
  SOFTIRQ_MASK,
  SOFTIRQ_OFFSET,
} from "./preempt.js";
import { KERN_WARNING } from "./printk.js";

/** MAX_SOFTIRQ_RESTART: after this many rounds the kernel hands the rest to ksoftirqd; the model keeps going. */
export const MAX_SOFTIRQ_RESTART = 10;
/** A guard against a softirq that raises itself forever. */
const MAX_SOFTIRQ_ROUNDS = 100_000;

/** open_softirq(nr, action) */
export const open_softirq = (nr: number, action: SoftirqAction, k: Kernel = need_kernel("open_softirq")): void => {
  k.softirq_vec[nr] = action;
};

/** open_softirq once: the kernel registers its vectors at boot (softirq_init, net_dev_init); the model on first use. */
export const open_softirq_if_unset = (k: Kernel, nr: number, action: SoftirqAction): void => {
  if (k.softirq_vec[nr] === undefined) k.softirq_vec[nr] = action;
};

/** raise_softirq(nr): mark pending; it runs at the next irq_exit / local_bh_enable / syscall return. */
export const raise_softirq = (nr: number, k: Kernel = need_kernel("raise_softirq")): void => {
  k.softirq_pending |= 1 << nr;
};

/** __do_softirq: run every pending vector, lowest first, until none is pending. */
export const __do_softirq = (k: Kernel): void => {
  let rounds = 0;
  k.preempt_count += SOFTIRQ_OFFSET; // __local_bh_disable_ip(SOFTIRQ_OFFSET)
  try {
    while (k.softirq_pending !== 0) {
      if (++rounds > MAX_SOFTIRQ_ROUNDS) {
        k.printk(`${KERN_WARNING}softirq: ${rounds} rounds without draining; left pending`);
        break;
      }
      let pending = k.softirq_pending;
      k.softirq_pending = 0;
      for (let nr = 0; pending !== 0; nr++, pending >>>= 1) {
        if ((pending & 1) === 0) continue;
        const action = k.softirq_vec[nr];
        if (action !== undefined) action(k);
      }
    }
  } finally {
    k.preempt_count -= SOFTIRQ_OFFSET;
  }
};

/** do_softirq: run pending softirqs unless already in interrupt context (the outer level will). */
export const do_softirq = (k: Kernel): void => {
  if (k.softirq_pending === 0 || (k.preempt_count & (HARDIRQ_MASK | SOFTIRQ_MASK)) !== 0) return;
  __do_softirq(k);
};

/** local_bh_disable */
export const local_bh_disable = (k: Kernel = need_kernel("local_bh_disable")): void => {
  k.preempt_count += SOFTIRQ_DISABLE_OFFSET;
};

/** local_bh_enable: re-enabling bottom halves runs what was raised meanwhile. */
export const local_bh_enable = (k: Kernel = need_kernel("local_bh_enable")): void => {
  k.preempt_count -= SOFTIRQ_DISABLE_OFFSET;
  if (!in_interrupt()) do_softirq(k);
};

/** irq_enter: hardirq context */
export const irq_enter = (k: Kernel): void => {
  k.preempt_count += HARDIRQ_OFFSET;
};

/** irq_exit: leave hardirq context and run pending softirqs (invoke_softirq). */
export const irq_exit = (k: Kernel): void => {
  k.preempt_count -= HARDIRQ_OFFSET;
  do_softirq(k);
};
