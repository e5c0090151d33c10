// kernel-model/kernel: the core kernel a simulated module sees (sched, kthreads, timers, locks,
// softirqs, printk, GFP flags) and the host interface the simulator implements.
export * from "./bug.js";
export * from "./current.js";
export * from "./gfp.js";
export * from "./host.js";
export * from "./kernel.js";
export * from "./kthread.js";
export * from "./locking.js";
export * from "./module.js";
export * from "./preempt.js";
export * from "./printk.js";
export * from "./random.js";
export * from "./sched.js";
export * from "./softirq.js";
export * from "./time.js";
export * from "./timer.js";
