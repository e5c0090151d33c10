// kernel/locking: mutexes and spinlocks as far as modules need them. One CPU and one task at a
// time means a lock is only ever contended when its holder slept while holding it. A mutex may
// sleep (might_sleep: reported in atomic context); a spinlock disables preemption and, in its _bh
// form, bottom halves, so sleeping while holding one is "scheduling while atomic".
import { __schedule_bug } from "./bug.js";
import { this_kernel } from "./current.js";
import { might_sleep } from "./gfp.js";
import { PREEMPT_OFFSET, SOFTIRQ_DISABLE_OFFSET } from "./preempt.js";
import { KERN_ERR, KERN_WARNING } from "./printk.js";
import type { TaskStruct } from "./sched.js";
import { local_bh_enable } from "./softirq.js";

/** struct mutex */
export class Mutex {
  locked = false;
  owner: TaskStruct | undefined = undefined;
  constructor(readonly name = "mutex") {}
}

/** DEFINE_MUTEX */
export const DEFINE_MUTEX = (name: string): Mutex => new Mutex(name);
/** mutex_init */
export const mutex_init = (m: Mutex): void => {
  m.locked = false;
  m.owner = undefined;
};
/** mutex_is_locked */
export const mutex_is_locked = (m: Mutex): boolean => m.locked;

/**
 * mutex_lock: may sleep (might_sleep, reported in atomic context). A contended mutex would put the
 * caller to sleep; in atomic context that is "scheduling while atomic"; in process context the
 * model cannot suspend a synchronous caller, so it warns and takes the lock anyway.
 */
export const mutex_lock = (m: Mutex): void => {
  const k = this_kernel();
  might_sleep("kernel/locking/mutex.c", 283, "mutex_lock");
  if (m.locked && k !== undefined) {
    if (k.preempt_count !== 0) __schedule_bug(k, "mutex_lock");
    else k.printk(`${KERN_WARNING}WARNING: mutex_lock(${m.name}): contended; sleeping on a mutex is not modelled`);
  }
  m.locked = true;
  m.owner = k?.host.current();
};

/** mutex_trylock: 1 if taken, 0 if it was locked (never sleeps). */
export const mutex_trylock = (m: Mutex): number => {
  if (m.locked) return 0;
  m.locked = true;
  m.owner = this_kernel()?.host.current();
  return 1;
};

/** mutex_unlock */
export const mutex_unlock = (m: Mutex): void => {
  if (!m.locked) this_kernel()?.printk(`${KERN_WARNING}WARNING: mutex_unlock(${m.name}): not locked`);
  m.locked = false;
  m.owner = undefined;
};

/** spinlock_t (and rwlock_t: one CPU makes readers and writers the same) */
export class Spinlock {
  locked = false;
  constructor(readonly name = "lock") {}
}
export type RwLock = Spinlock;

/** DEFINE_SPINLOCK / DEFINE_RWLOCK */
export const DEFINE_SPINLOCK = (name: string): Spinlock => new Spinlock(name);
export const DEFINE_RWLOCK = DEFINE_SPINLOCK;
/** spin_lock_init / rwlock_init */
export const spin_lock_init = (l: Spinlock): void => {
  l.locked = false;
};
export const rwlock_init = spin_lock_init;

const acquire = (l: Spinlock, offset: number): void => {
  const k = this_kernel();
  if (l.locked) k?.printk(`${KERN_ERR}BUG: spinlock recursion on CPU#0, ${l.name}`);
  l.locked = true;
  if (k !== undefined) k.preempt_count += offset;
};
const release = (l: Spinlock, offset: number): void => {
  l.locked = false;
  const k = this_kernel();
  if (k === undefined) return;
  if (offset === SOFTIRQ_DISABLE_OFFSET) local_bh_enable(k);
  else k.preempt_count -= offset;
};

/** spin_lock */
export const spin_lock = (l: Spinlock): void => acquire(l, PREEMPT_OFFSET);
/** spin_unlock */
export const spin_unlock = (l: Spinlock): void => release(l, PREEMPT_OFFSET);
/** spin_lock_bh: also keeps softirqs off this CPU */
export const spin_lock_bh = (l: Spinlock): void => acquire(l, SOFTIRQ_DISABLE_OFFSET);
/** spin_unlock_bh: runs softirqs raised meanwhile */
export const spin_unlock_bh = (l: Spinlock): void => release(l, SOFTIRQ_DISABLE_OFFSET);
/** read_lock_bh / write_lock_bh and their unlocks (rwlock_t on one CPU) */
export const read_lock_bh = spin_lock_bh;
export const read_unlock_bh = spin_unlock_bh;
export const write_lock_bh = spin_lock_bh;
export const write_unlock_bh = spin_unlock_bh;
export const read_lock = spin_lock;
export const read_unlock = spin_unlock;
export const write_lock = spin_lock;
export const write_unlock = spin_unlock;
