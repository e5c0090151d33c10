// include/linux/jiffies.h and include/linux/timekeeping.h: the model's time is the host's virtual
// clock; jiffies count its ticks. CONFIG_HZ=1000, and jiffies start at 0 (the kernel starts them
// at INITIAL_JIFFIES, five minutes before the wrap, to catch wrap bugs early; not modelled).
import { need_kernel } from "./current.js";

export const HZ = 1000;
export const NSEC_PER_SEC = 1_000_000_000;
export const NSEC_PER_MSEC = 1_000_000;
export const NSEC_PER_USEC = 1_000;
/** TICK_NSEC: the length of one jiffy */
export const TICK_NSEC = NSEC_PER_SEC / HZ;
/** MAX_SCHEDULE_TIMEOUT (LONG_MAX): sleep until woken */
export const MAX_SCHEDULE_TIMEOUT = Number.POSITIVE_INFINITY;

/** ktime_get_ns: nanoseconds of virtual time since boot */
export const ktime_get_ns = (): number => need_kernel("ktime_get_ns").host.now();
/** ktime_get (a ktime_t is nanoseconds) */
export const ktime_get = ktime_get_ns;
/** `jiffies` (a variable in C): ticks since boot */
export const jiffies = (): number => Math.floor(ktime_get_ns() / TICK_NSEC);
/** get_jiffies_64 */
export const get_jiffies_64 = jiffies;

/** msecs_to_jiffies: rounds up, as the kernel does */
export const msecs_to_jiffies = (m: number): number => Math.ceil((m * HZ) / 1000);
/** usecs_to_jiffies */
export const usecs_to_jiffies = (u: number): number => Math.ceil((u * HZ) / 1_000_000);
/** jiffies_to_msecs */
export const jiffies_to_msecs = (j: number): number => (j * 1000) / HZ;
/** time_after(a, b): a is later than b */
export const time_after = (a: number, b: number): boolean => a > b;
/** time_before(a, b) */
export const time_before = (a: number, b: number): boolean => a < b;
