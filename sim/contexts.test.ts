// Execution contexts in a world: softirq-style input (a stricter model than any kernel), the
// 2.6.13–2.6.23 sk_data_ready input and 2.6.24+ synchronous input, sleeping in atomic context,
// kthreads, timers, determinism.
// The modules below use only the kernel-model's kernel API, as their C twins would.
import { describe, expect, it } from "vitest";
import {
  execution_context,
  GFP_ATOMIC,
  in_atomic,
  in_softirq,
  jiffies,
  kthread_create,
  kthread_should_stop,
  kthread_stop,
  mod_timer,
  msecs_to_jiffies,
  msleep,
  pr_info,
  printk,
  schedule_timeout_interruptible,
  type TaskStruct,
  TimerList,
  timer_delete,
  timer_pending,
  timer_setup,
  wake_up_process,
} from "../kernel-model/kernel/index.js";
import {
  kfree_skb,
  NETLINK_CB,
  type Net,
  type NetlinkSock,
  netlink_kernel_create,
  netlink_unicast,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  type SkBuff,
} from "../kernel-model/net/netlink/kernel-api.js";
import { encodeMessage, encodeSockaddrNl, getU16, getU32, SOCK_RAW } from "../kernel-model/uapi/index.js";
import { spawnProcess } from "./process.js";
import type { TraceEvent } from "./trace.js";
import { traceHash } from "./trace.js";
import { World, type WorldOptions } from "./world.js";

const NETLINK_TEST = 25;
const KERNEL = encodeSockaddrNl({ pid: 0, groups: 0 });

/** The echo module: every request comes back to its sender with the same type, seq and payload. */
const echo_module_init = (net: Net): void => {
  let nl_sk: NetlinkSock | null = null;
  const echo_input = (skb: SkBuff): void => {
    const d = skb.data;
    const len = getU32(d, 0);
    const portid = NETLINK_CB(skb).portid;
    pr_info(`echo: ${len} bytes from ${portid} in ${execution_context()} context, atomic ${in_atomic()}`);
    const out = nlmsg_new(len - 16, GFP_ATOMIC);
    const nlh = nlmsg_put(out, 0, getU32(d, 8), getU16(d, 4), len - 16, 0)!;
    out.head.set(d.subarray(16, len), nlh.off + 16);
    nlmsg_end(out, nlh);
    netlink_unicast(nl_sk!, out, portid, true);
  };
  nl_sk = netlink_kernel_create(net, NETLINK_TEST, { input: echo_input });
};

/** The module the seeds warn about: its input sleeps and allocates with GFP_KERNEL. */
const sleepy_module_init = (net: Net): void => {
  const sleepy_input = (skb: SkBuff): void => {
    void msleep(10);
    kfree_skb(nlmsg_new(100)); // GFP_KERNEL
    printk(`sleepy: done with ${skb.len} bytes`);
  };
  netlink_kernel_create(net, NETLINK_TEST, { input: sleepy_input });
};

const events = (w: World): ReadonlyArray<TraceEvent> => w.trace.snapshot().events;
/** kind, or kind:call for syscalls, kind:vec for softirqs */
const shape = (e: TraceEvent): string =>
  e.kind === "syscall" ? `syscall:${String(e.call)}` : e.kind === "softirq" ? `softirq:${String(e.vec)}` : e.kind;

const echoWorld = (opts: Omit<WorldOptions, "seed">) => {
  const w = new World({ seed: 1, ...opts });
  w.insmod(() => echo_module_init(w.net));
  const seen: { afterSend: string[]; reply: number; replyData: string } = { afterSend: [], reply: 0, replyData: "" };
  spawnProcess(w, { name: "sender", pid: 501 }, async (p) => {
    const fd = p.socket(SOCK_RAW, NETLINK_TEST);
    p.bind(fd, encodeSockaddrNl({ pid: 501, groups: 0 }));
    const msg = encodeMessage({ type: 0x30, seq: 7, payload: Uint8Array.of(1, 2, 3, 4) });
    expect(await p.sendto(fd, msg, 0, KERNEL)).toBe(20);
    seen.afterSend = w.dmesg();
    const r = p.recvmsgNow(fd, 4096, 0); // the reply is there at the next syscall, no sleep needed
    seen.reply = r.ret;
    seen.replyData = Buffer.from(r.data).toString("hex");
  });
  return { w, seen };
};

describe("a kernel socket's input, softirq-style (the default, a strict model)", () => {
  it("sendto returns first, the input runs from a softirq right after, the reply is there at the next syscall", async () => {
    const { w, seen } = echoWorld({});
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(seen.reply).toBe(20);
    expect(seen.replyData).toBe(
      Buffer.from(encodeMessage({ type: 0x30, seq: 7, payload: Uint8Array.of(1, 2, 3, 4) })).toString("hex"),
    );
    expect(seen.afterSend).toEqual(["[    0.000000] echo: 20 bytes from 501 in softirq context, atomic true"]);
    const order = events(w)
      .map(shape)
      .filter((s) => s !== "spawn" && s !== "exit");
    expect(order).toEqual([
      "syscall:socket",
      "syscall:bind",
      "tap",
      "syscall:sendto",
      "softirq:NET_RX",
      "printk",
      "tap",
      "syscall:recvmsg",
      "syscall:close",
    ]);
    const sirq = events(w).find((e) => e.kind === "softirq")!;
    expect(sirq).toMatchObject({ fn: "echo_input", protocol: NETLINK_TEST, from: 501, len: 20 });
  });

  it("with netlinkInput 'process' (2.6.24+) the input runs inside sendto, in the sender's process context", async () => {
    const { w, seen } = echoWorld({ netlinkInput: "process" });
    await w.run();
    expect(seen.reply).toBe(20);
    expect(seen.afterSend).toEqual(["[    0.000000] echo: 20 bytes from 501 in process context, atomic false"]);
    const order = events(w)
      .map(shape)
      .filter((s) => s.startsWith("syscall:s") || s === "printk" || s.startsWith("softirq"));
    expect(order).toEqual(["syscall:socket", "printk", "syscall:sendto"]);
  });

  it("with netlinkInput 'data_ready' (2.6.13–2.6.23) sendto queues the skb and sk_data_ready drains the queue in the sender's context", async () => {
    const { w, seen } = echoWorld({ netlinkInput: "data_ready" });
    await w.run();
    expect(seen.reply).toBe(20);
    expect(seen.afterSend).toEqual(["[    0.000000] echo: 20 bytes from 501 in process context, atomic false"]);
    const order = events(w)
      .map(shape)
      .filter((s) => s.startsWith("syscall:s") || s === "printk" || s === "data_ready" || s.startsWith("softirq"));
    expect(order).toEqual(["syscall:socket", "data_ready", "printk", "syscall:sendto"]);
    const ready = events(w).find((e) => e.kind === "data_ready")!;
    expect(ready).toMatchObject({ fn: "echo_input", protocol: NETLINK_TEST, len: 20, queued: [501], ctx: "process" });
  });
});

describe("sleeping in atomic context", () => {
  const sleepyRun = async (opts: Omit<WorldOptions, "seed">) => {
    const w = new World({ seed: 2, ...opts });
    w.insmod(() => sleepy_module_init(w.net));
    spawnProcess(w, { name: "sender", pid: 501 }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_TEST);
      expect(p.sendtoNow(fd, encodeMessage({ type: 0x30 }), 0, KERNEL)).toBe(16);
    });
    const r = await w.run();
    expect(r.failed).toEqual([]);
    return w;
  };

  it("msleep and nlmsg_new(GFP_KERNEL) in a softirq input give the kernel's BUG lines, and the call goes on", async () => {
    const w = await sleepyRun({});
    expect(w.dmesg()).toEqual([
      "[    0.000000] BUG: scheduling while atomic: sender/501/0x00000101",
      "[    0.000000] BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321",
      "[    0.000000] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 501, name: sender",
      "[    0.000000] preempt_count: 100, expected: 0",
      "[    0.000000] sleepy: done with 16 bytes",
    ]);
    const bugs = events(w).filter((e) => e.kind === "bug");
    expect(bugs.map((e) => [e.bug, e.fn, e.context])).toEqual([
      ["scheduling while atomic", "schedule_timeout", "softirq"],
      ["sleeping function called from invalid context", "might_alloc", "softirq"],
    ]);
    expect(w.now).toBe(0); // nothing slept
  });

  it.each(["process", "data_ready"] as const)(
    "the same module with input in the sender's context (%s) reports nothing",
    async (netlinkInput) => {
      const w = await sleepyRun({ netlinkInput });
      expect(w.dmesg()).toEqual(["[    0.000000] sleepy: done with 16 bytes"]);
      expect(events(w).filter((e) => e.kind === "bug")).toEqual([]);
      // legal in the kernel, but the model cannot suspend a sendmsg: the skipped sleep is traced
      expect(events(w).find((e) => e.kind === "nosleep")).toMatchObject({ fn: "schedule_timeout", comm: "sender" });
    },
  );

  it("a blocking kernel unicast to a full queue from a softirq is scheduling while atomic", async () => {
    const w = new World({ seed: 3 });
    w.insmod(() => {
      let ksk: NetlinkSock | null = null;
      const flood_input = (skb: SkBuff): void => {
        const to = NETLINK_CB(skb).portid;
        for (let i = 0; i < 400; i++) {
          const out = nlmsg_new(1000, GFP_ATOMIC);
          nlmsg_end(out, nlmsg_put(out, 0, i, 0x31, 1000, 0)!);
          netlink_unicast(ksk!, out, to, false);
        }
      };
      ksk = netlink_kernel_create(w.net, NETLINK_TEST, { input: flood_input });
    });
    spawnProcess(w, { name: "victim", pid: 600 }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_TEST);
      p.sendtoNow(fd, encodeMessage({ type: 0x30 }), 0, KERNEL);
    });
    await w.run();
    expect(w.dmesg()[0]).toBe("[    0.000000] BUG: scheduling while atomic: victim/600/0x00000101");
  });
});

/**
 * The seed's 100-socket model, scaled down: a module with N kthreads, created asleep at init, woken
 * by the input once every user socket has registered, each sending to its socket with msleep(50)
 * in between until kthread_stop.
 */
const kthreadModule = (w: World, n: number, nap: "msleep" | "schedule_timeout_interruptible") => {
  const pids: number[] = [];
  const task_test: TaskStruct[] = [];
  let nl_sk: NetlinkSock | null = null;
  const childDataThread = async (index: number): Promise<number> => {
    printk(`start thread [${index}].`);
    let seq = 0;
    while (!kthread_should_stop()) {
      const skb = nlmsg_new(4, GFP_ATOMIC);
      const nlh = nlmsg_put(skb, 0, seq++, 0x40, 4, 0)!;
      skb.head[nlh.off + 16] = index;
      nlmsg_end(skb, nlh);
      netlink_unicast(nl_sk!, skb, pids[index]!, true);
      if (nap === "msleep") await msleep(50);
      else await schedule_timeout_interruptible(msecs_to_jiffies(50));
    }
    printk(`thread ${index} exit!`);
    return 0;
  };
  const nl_data_ready = (skb: SkBuff): void => {
    pids.push(NETLINK_CB(skb).portid);
    if (pids.length === n) for (const t of task_test) wake_up_process(t);
  };
  const knl_init = (): void => {
    nl_sk = netlink_kernel_create(w.net, NETLINK_TEST, { input: nl_data_ready });
    for (let i = 0; i < n; i++) task_test.push(kthread_create(childDataThread, i, `childDataThread-${i}`));
  };
  const knl_exit = async (): Promise<number[]> => {
    const codes: number[] = [];
    for (const t of task_test) codes.push(await kthread_stop(t));
    printk("net_link: remove ok.");
    return codes;
  };
  return { knl_init, knl_exit };
};

const kthreadWorld = (seed: number, nap: "msleep" | "schedule_timeout_interruptible" = "msleep") => {
  const w = new World({ seed });
  const mod = kthreadModule(w, 3, nap);
  w.insmod(mod.knl_init);
  const got: Array<Array<{ t: number; from: number }>> = [[], [], []];
  const stop: number[][] = [];
  for (let i = 0; i < 3; i++) {
    spawnProcess(w, { name: `usr-${i}`, pid: 700 + i }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_TEST);
      p.bind(fd, encodeSockaddrNl({ pid: 700 + i, groups: 0 }));
      p.sendtoNow(fd, encodeMessage({ type: 0x10 }), 0, KERNEL); // the handshake
      for (let m = 0; m < 3; m++) {
        const r = await p.recvmsg(fd, 4096, 0);
        got[i]!.push({ t: w.now, from: r.data[16]! });
      }
    });
  }
  spawnProcess(w, { name: "rmmod", pid: 900 }, async () => {
    await w.msleep(120);
    stop.push(await mod.knl_exit());
  });
  return { w, got, stop };
};

describe("kthreads", () => {
  it("N kthreads send to registered sockets with msleep between sends; kthread_stop wakes and stops them", async () => {
    const { w, got, stop } = kthreadWorld(5);
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(r.deadlocked).toEqual([]);
    // msleep(50) sleeps 51 jiffies (msecs_to_jiffies + 1) at HZ=1000
    for (let i = 0; i < 3; i++) {
      expect(got[i]).toEqual([
        { t: 0, from: i },
        { t: 51_000_000, from: i },
        { t: 102_000_000, from: i },
      ]);
    }
    expect(stop).toEqual([[0, 0, 0]]);
    const spawns = events(w).filter((e) => e.kind === "spawn");
    expect(spawns.filter((e) => e.taskKind === "kthread").map((e) => e.name)).toEqual([
      "childDataThread",
      "childDataThread",
      "childDataThread",
    ]); // comm holds 15 characters
    expect(spawns.filter((e) => e.taskKind === "process")).toHaveLength(4);
    const lines = w.dmesg().map((l) => l.slice(15));
    expect(lines.filter((l) => l.startsWith("start thread"))).toEqual([
      "start thread [0].",
      "start thread [1].",
      "start thread [2].",
    ]);
    // kthread_stop at 120 ms wakes thread 0, but msleep is uninterruptible: it sleeps out the rest
    // (to 153 ms) before the loop sees should_stop; meanwhile thread 1 has sent again and slept on
    expect(w.dmesg().filter((l) => l.includes("exit!"))).toEqual([
      "[    0.153000] thread 0 exit!",
      "[    0.204000] thread 1 exit!",
      "[    0.255000] thread 2 exit!",
    ]);
    expect(w.dmesg().at(-1)).toBe("[    0.255000] net_link: remove ok.");
  });

  it("a thread in schedule_timeout_interruptible is cut short by kthread_stop's wake-up", async () => {
    const { w, stop } = kthreadWorld(5, "schedule_timeout_interruptible");
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(stop).toEqual([[0, 0, 0]]);
    // schedule_timeout(50 jiffies) from jiffy 100 wakes at 150; kthread_stop at 120 wakes each at once
    expect(w.dmesg().filter((l) => l.includes("exit!"))).toEqual([
      "[    0.120000] thread 0 exit!",
      "[    0.120000] thread 1 exit!",
      "[    0.120000] thread 2 exit!",
    ]);
  });

  it("a kthread stopped before it was ever woken never runs its function (-EINTR)", async () => {
    const w = new World({ seed: 6 });
    let ran = false;
    let t: TaskStruct | undefined;
    w.insmod(() => {
      t = kthread_create(
        async () => {
          ran = true;
          return 0;
        },
        null,
        "never",
      );
    });
    let code = 0;
    spawnProcess(w, { name: "rmmod" }, async () => {
      code = await kthread_stop(t!);
    });
    const r = await w.run();
    expect(r.deadlocked).toEqual([]);
    expect(ran).toBe(false);
    expect(code).toBe(-4);
  });

  it("gives the same trace, byte for byte, for the same seed", async () => {
    const a = kthreadWorld(9);
    const b = kthreadWorld(9);
    await a.w.run();
    await b.w.run();
    expect(traceHash(a.w.trace.snapshot())).toBe(traceHash(b.w.trace.snapshot()));
  });
});

describe("timers", () => {
  it("fire at their jiffy in softirq context, re-arm from the callback, and del_timer disarms", async () => {
    const w = new World({ seed: 4 });
    const fired: Array<{ t: number; j: number; ctx: string; softirq: boolean }> = [];
    let spare: TimerList | undefined;
    let spareWasPending = 0;
    w.insmod(() => {
      const tick = new TimerList();
      const heartbeat = (t: TimerList): void => {
        fired.push({ t: w.now, j: jiffies(), ctx: execution_context(), softirq: in_softirq() });
        if (fired.length === 2) kfree_skb(nlmsg_new(10)); // GFP_KERNEL in a timer: a BUG
        if (fired.length < 3) mod_timer(t, jiffies() + msecs_to_jiffies(100));
      };
      timer_setup(tick, heartbeat, 0);
      mod_timer(tick, jiffies() + msecs_to_jiffies(100));
      spare = new TimerList();
      timer_setup(spare, () => fired.push({ t: -1, j: -1, ctx: "spare", softirq: false }), 0);
      mod_timer(spare, jiffies() + 50);
    });
    spawnProcess(w, { name: "rmmod" }, async () => {
      await w.msleep(20);
      w.insmod(() => {
        spareWasPending = timer_pending(spare!) ? timer_delete(spare!) : -1;
      }, "rmmod");
    });
    await w.run();
    expect(spareWasPending).toBe(1);
    expect(fired).toEqual([
      { t: 100_000_000, j: 100, ctx: "softirq", softirq: true },
      { t: 200_000_000, j: 200, ctx: "softirq", softirq: true },
      { t: 300_000_000, j: 300, ctx: "softirq", softirq: true },
    ]);
    expect(
      events(w)
        .filter((e) => e.kind === "softirq")
        .map((e) => [e.t, e.vec, e.fn]),
    ).toEqual([
      [100_000_000, "TIMER", "heartbeat"],
      [200_000_000, "TIMER", "heartbeat"],
      [300_000_000, "TIMER", "heartbeat"],
    ]);
    // nothing runs at 200 ms but the idle task: the BUG names swapper/0
    expect(w.dmesg()[1]).toBe(
      "[    0.200000] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 0, name: swapper/0",
    );
  });
});
