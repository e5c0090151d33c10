// include/linux/preempt.h: the preempt_count layout and the context predicates built on it.
// The current execution context is exactly what these bits say: process (count 0, or only
// spinlocks/preempt_disable), softirq (SOFTIRQ bits) or hardirq (HARDIRQ bits).
import { this_kernel } from "./current.js";

export const PREEMPT_OFFSET = 1 << 0;
/** SOFTIRQ_OFFSET: serving a softirq */
export const SOFTIRQ_OFFSET = 1 << 8;
/** SOFTIRQ_DISABLE_OFFSET: local_bh_disable / spin_lock_bh */
export const SOFTIRQ_DISABLE_OFFSET = 2 * SOFTIRQ_OFFSET;
export const HARDIRQ_OFFSET = 1 << 16;
export const PREEMPT_MASK = 0xff;
export const SOFTIRQ_MASK = 0xff00;
export const HARDIRQ_MASK = 0xf0000;

export type ExecutionContext = "process" | "softirq" | "hardirq";

/** preempt_count(): 0 outside any kernel (a bare model, as in the model's unit tests). */
export const preempt_count = (): number => this_kernel()?.preempt_count ?? 0;
/** in_atomic(): sleeping here is a bug */
export const in_atomic = (): boolean => preempt_count() !== 0;
/** in_softirq(): serving a softirq or with bottom halves disabled */
export const in_softirq = (): boolean => (preempt_count() & SOFTIRQ_MASK) !== 0;
/** in_serving_softirq() */
export const in_serving_softirq = (): boolean => (preempt_count() & SOFTIRQ_OFFSET) !== 0;
/** in_hardirq() (in_irq() before 5.x) */
export const in_hardirq = (): boolean => (preempt_count() & HARDIRQ_MASK) !== 0;
export const in_irq = in_hardirq;
/** in_interrupt(): hardirq, softirq, or bottom halves disabled */
export const in_interrupt = (): boolean => (preempt_count() & (HARDIRQ_MASK | SOFTIRQ_MASK)) !== 0;
/** in_task(): process context (a user task's syscall or a kthread) */
export const in_task = (): boolean => (preempt_count() & (HARDIRQ_MASK | SOFTIRQ_OFFSET)) === 0;

/** The context the kernel is executing in now. */
export const execution_context = (): ExecutionContext =>
  in_hardirq() ? "hardirq" : in_serving_softirq() ? "softirq" : "process";

/** preempt_disable */
export const preempt_disable = (): void => {
  const k = this_kernel();
  if (k !== undefined) k.preempt_count += PREEMPT_OFFSET;
};
/** preempt_enable */
export const preempt_enable = (): void => {
  const k = this_kernel();
  if (k !== undefined) k.preempt_count -= PREEMPT_OFFSET;
};
