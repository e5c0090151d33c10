// The boundary between the kernel model and whatever runs it. The model has no clock, no timers
// and no tasks of its own: the simulator implements this interface (sim/kernel-host.ts) and the
// kernel's own primitives (ktime_get_ns, mod_timer, schedule_timeout, kthread_create,
// raise_softirq, printk) are built on it in this folder.
import type { TaskStruct, WaitQueueHead } from "./sched.js";

/** A trace detail: plain data, a subset of the simulator's trace values. */
export type KernelTraceDetail = { readonly [k: string]: string | number | boolean | null };

export type KernelWakeReason = "woken" | "timeout";

export interface KernelHost {
  /** ktime_get_ns: virtual nanoseconds since boot */
  now(): number;
  /** `current`: the task kernel code runs on behalf of; undefined when idle (swapper/0) */
  current(): TaskStruct | undefined;
  /** a fresh pid for a kernel thread */
  alloc_pid(): number;
  /** arm a one-shot hardware timer at an absolute virtual time; returns its cancel function */
  add_timer(atNs: number, fire: () => void): () => void;
  /** make `body` a schedulable task for `task` (kthread_create); it runs when the scheduler reaches it */
  spawn_kthread(task: TaskStruct, body: () => Promise<void>): void;
  /**
   * Put the current task to sleep until one of `queues` is woken, wake_up_task(current) is
   * called, or `timeoutNs` passes (Infinity: no timeout). Only called when the current task may
   * really sleep (a kthread body at its own await points).
   */
  sleep(queues: ReadonlyArray<WaitQueueHead>, timeoutNs: number): Promise<KernelWakeReason>;
  /** wake one sleeping task (try_to_wake_up) */
  wake_up_task(task: TaskStruct): void;
  /** wake every task sleeping on `q` (__wake_up) */
  wake_up_queue(q: WaitQueueHead): void;
  /** a trace event (softirq runs, printk lines, BUG reports) */
  record(kind: string, detail: KernelTraceDetail): void;
  /** get_random_u32's source: the world's seeded PRNG (absent: modules cannot ask for randomness) */
  random_u32?(): number;
}
