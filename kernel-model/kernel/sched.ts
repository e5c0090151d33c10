// include/linux/sched.h, kernel/sched/core.c, kernel/time/sleep_timeout.c and include/linux/wait.h:
// tasks, their state, sleeping (schedule, schedule_timeout, msleep) and waking (wake_up_process,
// wake_up on a wait queue head). Sleeping functions are async: a kthread body awaits them. Called
// where the task cannot sleep they do not: in atomic context they report "scheduling while atomic"
// and return at once; in a synchronous path of the model (a kernel socket's input running inside
// a sendmsg) they return at once and leave a "nosleep" trace event.
import { __schedule_bug, current_comm_pid } from "./bug.js";
import { need_kernel, this_kernel } from "./current.js";
import type { KernelWakeReason } from "./host.js";
import type { Kernel } from "./kernel.js";
import { KERN_ERR } from "./printk.js";
import { jiffies_to_msecs, MAX_SCHEDULE_TIMEOUT, msecs_to_jiffies, TICK_NSEC } from "./time.js";

// task states (include/linux/sched.h)
export const TASK_RUNNING = 0x0;
export const TASK_INTERRUPTIBLE = 0x1;
export const TASK_UNINTERRUPTIBLE = 0x2;
/** TASK_NORMAL: what wake_up wakes */
export const TASK_NORMAL = TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE;

/** PF_KTHREAD */
export const PF_KTHREAD = 0x00200000;
/** TASK_COMM_LEN: comm holds 15 characters and the NUL */
export const TASK_COMM_LEN = 16;

/** What kthread_create / kthread_stop keep for a kernel thread (struct kthread). */
export interface KthreadInfo {
  should_stop: boolean;
  exited: boolean;
  result: number;
  /** kthread_stop waits here for the exit (vfork_done) */
  readonly exited_wq: WaitQueueHead;
}

/** struct task_struct, as far as the model needs one. */
export class TaskStruct {
  state = TASK_RUNNING;
  flags = 0;
  readonly comm: string;
  kthread: KthreadInfo | null = null;
  /** the host can suspend it at an await (a simulated task); insmod's caller cannot */
  schedulable = true;
  constructor(
    comm: string,
    readonly pid: number,
  ) {
    this.comm = comm.slice(0, TASK_COMM_LEN - 1);
  }
}

/** wait_queue_head_t: an identity to wake; who sleeps on it is the host's business (in `sleepers`). */
export class WaitQueueHead {
  wakeups = 0;
  /** who sleeps on it (the head's list): kept by the host that runs the tasks, never read by the model */
  sleepers: unknown = undefined;
  constructor(readonly name = "wq") {}
}

/** init_waitqueue_head / DECLARE_WAIT_QUEUE_HEAD */
export const init_waitqueue_head = (name = "wq"): WaitQueueHead => new WaitQueueHead(name);

/** wake_up / wake_up_interruptible / wake_up_all: every task sleeping on `wq` becomes runnable. */
export const wake_up = (wq: WaitQueueHead): void => {
  wq.wakeups++;
  this_kernel()?.host.wake_up_queue(wq);
};
export const wake_up_interruptible = wake_up;
export const wake_up_all = wake_up;

/** `current` (get_current) */
export const get_current = (): TaskStruct | undefined => need_kernel("current").host.current();

/** set_current_state / __set_current_state */
export const set_current_state = (state: number): void => {
  const cur = get_current();
  if (cur !== undefined) cur.state = state;
};
export const __set_current_state = set_current_state;

/** wake_up_process: 1 if the task was asleep (or not yet started) and is now runnable, else 0. */
export const wake_up_process = (p: TaskStruct): number => {
  if (p.state === TASK_RUNNING) return 0;
  p.state = TASK_RUNNING;
  need_kernel("wake_up_process").host.wake_up_task(p);
  return 1;
};

/**
 * May the current task sleep here? Reports why not: in atomic context it is the kernel's
 * "scheduling while atomic"; in a synchronous path of the model it is a "nosleep" trace event.
 */
export const can_sleep = (k: Kernel, fn: string): boolean => {
  if (k.preempt_count !== 0) {
    __schedule_bug(k, fn);
    return false;
  }
  const cur = k.host.current();
  if (cur === undefined || !cur.schedulable || k.sync_depth > 0) {
    const { comm, pid } = current_comm_pid(k);
    k.host.record({ kind: "nosleep", fn, comm, pid, why: "synchronous path: the model cannot suspend here" });
    return false;
  }
  return true;
};

/** The common body: sleep on `queues` until woken or `timeout` jiffies (MAX_SCHEDULE_TIMEOUT: none). */
const sleep_jiffies = async (
  k: Kernel,
  cur: TaskStruct,
  queues: ReadonlyArray<WaitQueueHead>,
  timeout: number,
): Promise<KernelWakeReason> => {
  let ns = Number.POSITIVE_INFINITY;
  if (timeout !== MAX_SCHEDULE_TIMEOUT) {
    const expire = Math.floor(k.host.now() / TICK_NSEC) + timeout;
    ns = Math.max(0, expire * TICK_NSEC - k.host.now());
  }
  const why = await k.host.sleep(queues, ns);
  cur.state = TASK_RUNNING;
  return why;
};

/** schedule(): sleep until woken if the state says so; with TASK_RUNNING it only yields. */
export const schedule = async (): Promise<void> => {
  const k = need_kernel("schedule");
  if (!can_sleep(k, "schedule")) return;
  const cur = k.host.current()!;
  if (cur.state === TASK_RUNNING) {
    await k.host.sleep([], 0);
    return;
  }
  await sleep_jiffies(k, cur, [], MAX_SCHEDULE_TIMEOUT);
};

/**
 * schedule_timeout(timeout): sleep for `timeout` jiffies in the state set before; returns the
 * jiffies left (0 when it timed out). In TASK_RUNNING the kernel does not sleep at all: the
 * caller's loop spins on the CPU (the seed's SLEEP_MILLI_SEC macro). The model lets such a spin
 * burn one tick of virtual time per call, so the loop ends as it would on a real machine.
 */
export const schedule_timeout = async (timeout: number, queues: ReadonlyArray<WaitQueueHead> = []): Promise<number> => {
  const k = need_kernel("schedule_timeout");
  const cur = k.host.current();
  if (timeout < 0) {
    k.printk(`${KERN_ERR}schedule_timeout: wrong timeout value ${timeout}`);
    if (cur !== undefined) cur.state = TASK_RUNNING;
    return 0;
  }
  if (!can_sleep(k, "schedule_timeout")) {
    if (cur !== undefined) cur.state = TASK_RUNNING;
    return 0;
  }
  const task = cur!;
  if (timeout === MAX_SCHEDULE_TIMEOUT) {
    if (task.state === TASK_RUNNING) await k.host.sleep([], 0);
    else await sleep_jiffies(k, task, queues, timeout);
    return MAX_SCHEDULE_TIMEOUT;
  }
  const expire = Math.floor(k.host.now() / TICK_NSEC) + timeout;
  if (task.state === TASK_RUNNING) {
    k.host.record({ kind: "busy-wait", fn: "schedule_timeout", comm: task.comm, pid: task.pid });
    await k.host.sleep(queues, TICK_NSEC - (k.host.now() % TICK_NSEC));
  } else {
    await sleep_jiffies(k, task, queues, timeout);
  }
  return Math.max(0, expire - Math.floor(k.host.now() / TICK_NSEC));
};

/** schedule_timeout_interruptible */
export const schedule_timeout_interruptible = (timeout: number): Promise<number> => {
  set_current_state(TASK_INTERRUPTIBLE);
  return schedule_timeout(timeout);
};

/** schedule_timeout_uninterruptible */
export const schedule_timeout_uninterruptible = (timeout: number): Promise<number> => {
  set_current_state(TASK_UNINTERRUPTIBLE);
  return schedule_timeout(timeout);
};

/** msleep: at least `msecs` (one extra jiffy, as the kernel does), not woken early. */
export const msleep = async (msecs: number): Promise<void> => {
  let timeout = msecs_to_jiffies(msecs) + 1;
  while (timeout > 0) timeout = await schedule_timeout_uninterruptible(timeout);
};

/**
 * msleep_interruptible: like msleep, but a signal ends it early (returns the milliseconds left).
 * Signals are not modelled, so a wake_up_process does not end it either: it returns 0.
 */
export const msleep_interruptible = async (msecs: number): Promise<number> => {
  let timeout = msecs_to_jiffies(msecs) + 1;
  while (timeout > 0) timeout = await schedule_timeout_interruptible(timeout);
  return jiffies_to_msecs(timeout);
};

/** ssleep */
export const ssleep = (seconds: number): Promise<void> => msleep(seconds * 1000);

/**
 * wait_event_interruptible_timeout(wq, condition, timeout): 0 if the condition was still false
 * when the timeout passed, else the jiffies left (at least 1).
 */
export const wait_event_interruptible_timeout = async (
  wq: WaitQueueHead,
  condition: () => boolean,
  timeout: number,
): Promise<number> => {
  let left = timeout;
  for (;;) {
    if (condition()) return Math.max(1, left);
    if (left === 0) return 0;
    set_current_state(TASK_INTERRUPTIBLE);
    const k = need_kernel("wait_event_interruptible_timeout");
    if (!can_sleep(k, "wait_event_interruptible_timeout")) return condition() ? 1 : 0;
    left = await schedule_timeout(left, [wq]);
  }
};

/** wait_event_interruptible(wq, condition): sleeps until the condition holds; 0. */
export const wait_event_interruptible = async (wq: WaitQueueHead, condition: () => boolean): Promise<number> => {
  await wait_event_interruptible_timeout(wq, condition, MAX_SCHEDULE_TIMEOUT);
  return 0;
};

/**
 * interruptible_sleep_on_timeout(wq, timeout): the seed's kthreads use it; removed in 3.15 because
 * a wake-up between the caller's check and the sleep is lost. Returns the jiffies left.
 */
export const interruptible_sleep_on_timeout = (wq: WaitQueueHead, timeout: number): Promise<number> => {
  set_current_state(TASK_INTERRUPTIBLE);
  return schedule_timeout(timeout, [wq]);
};
