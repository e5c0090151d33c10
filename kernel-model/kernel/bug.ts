// The kernel's reports for sleeping where it must not: __schedule_bug (kernel/sched/core.c,
// "scheduling while atomic", when a task actually schedules with a non-zero preempt_count) and
// __might_resched (the might_sleep() check, "sleeping function called from invalid context",
// CONFIG_DEBUG_ATOMIC_SLEEP). Each is a printk at KERN_ERR and a "bug" trace event; the caller
// then carries on without sleeping, so the model never deadlocks.
import type { Kernel } from "./kernel.js";
import { execution_context, PREEMPT_OFFSET } from "./preempt.js";
import { KERN_ERR } from "./printk.js";
import { HZ, TICK_NSEC } from "./time.js";

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

/** comm and pid of `current`, or the idle task when none runs (a timer while everything sleeps). */
export const current_comm_pid = (k: Kernel): { comm: string; pid: number } => {
  const cur = k.host.current();
  return cur === undefined ? { comm: "swapper/0", pid: 0 } : { comm: cur.comm, pid: cur.pid };
};

/**
 * __schedule_bug: "BUG: scheduling while atomic: comm/pid/0x%08x". The count printed includes the
 * PREEMPT_OFFSET that schedule() itself adds before the check (softirq context shows 0x00000101).
 */
export const __schedule_bug = (k: Kernel, fn: string): void => {
  const { comm, pid } = current_comm_pid(k);
  const count = k.preempt_count + PREEMPT_OFFSET;
  const context = execution_context();
  k.printk(`${KERN_ERR}BUG: scheduling while atomic: ${comm}/${pid}/0x${hex8(count)}`);
  k.host.record({ kind: "bug", bug: "scheduling while atomic", fn, comm, pid, preempt_count: count, context });
};

/**
 * __might_resched: "BUG: sleeping function called from invalid context at file:line" and its
 * detail lines, when a function that may sleep is called in atomic context. Like the kernel it
 * reports at most once a second (and always while prev_jiffy is still 0).
 */
export const __might_sleep = (k: Kernel, file: string, line: number, fn: string): void => {
  if (k.preempt_count === 0) return;
  const j = Math.floor(k.host.now() / TICK_NSEC);
  if (k.might_sleep_prev_jiffy !== 0 && j < k.might_sleep_prev_jiffy + HZ) return;
  k.might_sleep_prev_jiffy = j;
  const { comm, pid } = current_comm_pid(k);
  const context = execution_context();
  k.printk(`${KERN_ERR}BUG: sleeping function called from invalid context at ${file}:${line}`);
  k.printk(`${KERN_ERR}in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: ${pid}, name: ${comm}`);
  k.printk(`${KERN_ERR}preempt_count: ${k.preempt_count.toString(16)}, expected: 0`);
  k.host.record({
    kind: "bug",
    bug: "sleeping function called from invalid context",
    fn,
    at: `${file}:${line}`,
    comm,
    pid,
    preempt_count: k.preempt_count,
    context,
  });
};
