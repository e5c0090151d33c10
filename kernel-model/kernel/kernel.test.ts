import { afterEach, describe, expect, it } from "vitest";
import { kernel_context_switch } from "./current.js";
import { GFP_ATOMIC, GFP_KERNEL, might_alloc } from "./gfp.js";
import type { KernelHost, KernelTraceEvent } from "./host.js";
import { Kernel } from "./kernel.js";
import { DEFINE_MUTEX, DEFINE_SPINLOCK, mutex_lock, mutex_unlock, spin_lock_bh, spin_unlock_bh } from "./locking.js";
import { execution_context, in_atomic, in_softirq, in_task } from "./preempt.js";
import { dmesg, KERN_CONT, KERN_ERR, KERN_INFO, pr_info, print_time, printk } from "./printk.js";
import { TaskStruct } from "./sched.js";
import { local_bh_disable, local_bh_enable, open_softirq, raise_softirq } from "./softirq.js";

/** A host with a hand-set clock and no tasks: enough for printk, contexts and the checks. */
const fakeHost = (): KernelHost & { t: number; events: KernelTraceEvent[] } => {
  const h = {
    t: 0,
    events: [] as KernelTraceEvent[],
    tracing: true,
    cur: new TaskStruct("sender", 501),
    now: () => h.t,
    current: () => h.cur,
    alloc_pid: () => 2000,
    add_timer: () => () => {},
    spawn_kthread: () => {},
    sleep: () => Promise.resolve("timeout" as const),
    wake_up_task: () => {},
    wake_up_queue: () => {},
    record: (e: KernelTraceEvent) => {
      h.events.push(e);
    },
  };
  return h;
};

const boot = () => {
  const host = fakeHost();
  const k = new Kernel(host);
  kernel_context_switch(k);
  return { host, k };
};

afterEach(() => {
  kernel_context_switch(undefined);
});

describe("printk and dmesg", () => {
  it("formats virtual-time stamps like the kernel's [%5lu.%06lu]", () => {
    expect(print_time(123_000)).toBe("[    0.000123]");
    expect(print_time(1_500_000_000)).toBe("[    1.500000]");
    expect(print_time(123_456_789_999_000)).toBe("[123456.789999]");
  });

  it("keeps levels (default 4), splits lines, appends KERN_CONT, and shows <level> with raw", () => {
    const { host, k } = boot();
    host.t = 123_000;
    printk("no level\n");
    pr_info("net_link: create socket ok.");
    host.t = 2_000_000_000;
    printk(`${KERN_ERR}first\nsecond`);
    printk(`${KERN_CONT} more`);
    expect(dmesg(k)).toEqual([
      "[    0.000123] no level",
      "[    0.000123] net_link: create socket ok.",
      "[    2.000000] first",
      "[    2.000000] second more",
    ]);
    expect(dmesg(k, { raw: true })[1]).toBe("<6>[    0.000123] net_link: create socket ok.");
    expect(dmesg(k, { maxLevel: 3 })).toEqual(["[    2.000000] first", "[    2.000000] second more"]);
    expect(host.events.filter((e) => e.kind === "printk").map((e) => e.level)).toEqual([4, 6, 3, 3, 3]);
    expect(printk(`${KERN_INFO}x`)).toBe(1);
  });
});

describe("execution contexts", () => {
  it("answers in_atomic/in_softirq from preempt_count: process, bh disabled, serving a softirq", () => {
    const { k } = boot();
    expect([execution_context(), in_atomic(), in_softirq(), in_task()]).toEqual(["process", false, false, true]);
    const seen: unknown[] = [];
    open_softirq(7, () => seen.push([execution_context(), in_atomic(), in_softirq(), in_task(), k.preempt_count]));
    local_bh_disable();
    raise_softirq(7);
    expect([in_atomic(), in_softirq(), in_task()]).toEqual([true, true, true]);
    expect(seen).toEqual([]); // bottom halves off: the raised softirq waits
    local_bh_enable();
    expect(seen).toEqual([["softirq", true, true, false, 0x100]]);
    expect(k.preempt_count).toBe(0);
  });

  it("reports a GFP_KERNEL allocation in atomic context, once a second, and never GFP_ATOMIC", () => {
    const { host, k } = boot();
    might_alloc(GFP_KERNEL);
    expect(dmesg(k)).toEqual([]);
    const l = DEFINE_SPINLOCK("user_proc.lock");
    spin_lock_bh(l);
    might_alloc(GFP_ATOMIC);
    host.t = 5_000_000; // jiffies 5: prev_jiffy becomes 5
    might_alloc(GFP_KERNEL);
    host.t = 6_000_000;
    might_alloc(GFP_KERNEL); // within HZ of the last report: rate-limited
    spin_unlock_bh(l);
    expect(dmesg(k)).toEqual([
      "[    0.005000] BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321",
      "[    0.005000] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 501, name: sender",
      "[    0.005000] preempt_count: 200, expected: 0",
    ]);
    expect(host.events.filter((e) => e.kind === "bug").map((e) => e.fn)).toEqual(["might_alloc"]);
  });

  it("mutex_lock is fine in process context and a might_sleep bug under a bh lock", () => {
    const { k } = boot();
    const m = DEFINE_MUTEX("nl_demo_mutex");
    mutex_lock(m);
    mutex_unlock(m);
    expect(dmesg(k)).toEqual([]);
    const l = DEFINE_SPINLOCK("l");
    spin_lock_bh(l);
    mutex_lock(m);
    mutex_unlock(m);
    spin_unlock_bh(l);
    expect(dmesg(k)[0]).toBe(
      "[    0.000000] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:283",
    );
  });
});
