// kernel/time/timer.c: timer_list timers. Expiry is in jiffies; a timer fires at the tick its
// expiry names (the next tick if that is already past). The tick is a hardware interrupt that
// moves the timer to the expired list and raises TIMER_SOFTIRQ; irq_exit then runs
// run_timer_softirq, so every callback runs in softirq context (in_atomic(), in_softirq()).
import { need_kernel } from "./current.js";
import { type Kernel, TIMER_SOFTIRQ } from "./kernel.js";
import { KERN_ERR, KERN_WARNING } from "./printk.js";
import { irq_enter, irq_exit, open_softirq_if_unset, raise_softirq } from "./softirq.js";
import { TICK_NSEC } from "./time.js";

/** TIMER_IRQSAFE and friends are accepted and ignored. */
export const TIMER_DEFERRABLE = 0x00080000;
export const TIMER_PINNED = 0x00100000;
export const TIMER_IRQSAFE = 0x00200000;

export type TimerFn = (t: TimerList) => void;

/** struct timer_list */
export class TimerList {
  function: TimerFn | null = null;
  /** in jiffies */
  expires = 0;
  flags = 0;
  /** the armed hardware timer's cancel function (timer_pending) */
  cancel: (() => void) | null = null;
  /** on the expired list, waiting for run_timer_softirq */
  expired = false;
}

/** DEFINE_TIMER / timer_setup on a fresh timer */
export const DEFINE_TIMER = (fn: TimerFn, flags = 0): TimerList => {
  const t = new TimerList();
  timer_setup(t, fn, flags);
  return t;
};

/** timer_setup(timer, callback, flags) */
export const timer_setup = (timer: TimerList, callback: TimerFn, flags: number): void => {
  timer.function = callback;
  timer.flags = flags;
  timer.expires = 0;
};

/** timer_pending: armed and not yet run */
export const timer_pending = (timer: TimerList): boolean => timer.cancel !== null || timer.expired;

/** detach_if_pending: 1 if the timer was pending */
const detach_if_pending = (k: Kernel, timer: TimerList): number => {
  if (timer.cancel !== null) {
    timer.cancel();
    timer.cancel = null;
    return 1;
  }
  if (timer.expired) {
    timer.expired = false;
    const i = k.timer_expired.indexOf(timer);
    if (i >= 0) k.timer_expired.splice(i, 1);
    return 1;
  }
  return 0;
};

/** run_timer_softirq: each expired timer's callback, in expiry order, in softirq context. */
const run_timer_softirq = (k: Kernel): void => {
  for (let t = k.timer_expired.shift(); t !== undefined; t = k.timer_expired.shift()) {
    t.expired = false;
    const fn = t.function;
    if (fn === null) continue;
    k.host.record({ kind: "softirq", vec: "TIMER", fn: fn.name || "timer" });
    try {
      fn(t);
    } catch (e) {
      k.printk(
        `${KERN_ERR}BUG: timer callback ${fn.name || "?"} oopsed: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
};

/** The tick interrupt for one timer (hardirq): queue it, raise TIMER_SOFTIRQ, irq_exit runs it. */
const timer_interrupt = (k: Kernel, timer: TimerList): void => {
  irq_enter(k);
  timer.cancel = null;
  timer.expired = true;
  k.timer_expired.push(timer);
  open_softirq_if_unset(k, TIMER_SOFTIRQ, run_timer_softirq);
  raise_softirq(TIMER_SOFTIRQ, k);
  irq_exit(k);
};

/** mod_timer(timer, expires): (re)arm; 1 if it was pending, else 0. */
export const mod_timer = (timer: TimerList, expires: number): number => {
  const k = need_kernel("mod_timer");
  if (timer.function === null) {
    k.printk(`${KERN_WARNING}WARNING: mod_timer on a timer without timer_setup`);
    return 0;
  }
  const was = detach_if_pending(k, timer);
  timer.expires = expires;
  const now = k.host.now();
  const tick = Math.max(expires, Math.floor(now / TICK_NSEC) + 1);
  timer.cancel = k.host.add_timer(tick * TICK_NSEC, () => timer_interrupt(k, timer));
  return was;
};

/** add_timer: arm at timer.expires */
export const add_timer = (timer: TimerList): void => {
  mod_timer(timer, timer.expires);
};

/** timer_delete / del_timer: disarm; 1 if it was pending. */
export const timer_delete = (timer: TimerList): number => detach_if_pending(need_kernel("timer_delete"), timer);
export const del_timer = timer_delete;

/**
 * timer_delete_sync / del_timer_sync: disarm and make sure the callback is not running. On one
 * CPU it can only be running if this is the callback itself, which would deadlock in the kernel.
 */
export const timer_delete_sync = (timer: TimerList): number => timer_delete(timer);
export const del_timer_sync = timer_delete_sync;
