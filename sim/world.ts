// The deterministic world around the kernel model: one seeded PRNG, a virtual clock, and a
// scheduler that runs exactly one simulated task at a time.
//
// Tasks are async functions. A task runs until it sleeps (sleepOn / msleep) or returns; only then
// does the world pick the next runnable task, in FIFO order of becoming runnable. Virtual time
// advances only when no task is runnable: the clock jumps to the earliest timer. A task must
// await nothing but world primitives: a real timer or real I/O inside a task would leave the
// world waiting for it, outside virtual time.
import { kernel_context_switch, kernel_enter, this_kernel } from "../kernel-model/kernel/current.js";
import type { KernelTraceEvent } from "../kernel-model/kernel/host.js";
import { Kernel, type NetlinkInputMode } from "../kernel-model/kernel/kernel.js";
import { load_module, type Module } from "../kernel-model/kernel/module.js";
import { SOFTIRQ_OFFSET } from "../kernel-model/kernel/preempt.js";
import { type DmesgOptions, dmesg } from "../kernel-model/kernel/printk.js";
import { TaskStruct, type WaitQueueHead } from "../kernel-model/kernel/sched.js";
import { do_softirq } from "../kernel-model/kernel/softirq.js";
import { net_boot } from "../kernel-model/net/boot.js";
import { Net, netlink_proc_init, type WaitQueue, WOULD_BLOCK } from "../kernel-model/net/netlink/index.js";
import type { KernelProfile } from "../kernel-model/net/profile.js";
import { errnoName } from "../kernel-model/uapi/index.js";
import { WorldKernelHost } from "./kernel-host.js";
import { SeededPrng } from "./prng.js";
import {
  TRACE_VERSION,
  type TraceContext,
  type TraceEvent,
  TraceRecorder,
  type TraceValue,
  type WorldTraceEvent,
} from "./trace.js";
import { WaitList } from "./wait-list.js";

export type WakeReason = "woken" | "timeout";

/** What a task can sleep on: a socket's wait queue or a kernel wait_queue_head_t. */
export type SleepQueue = WaitQueue | WaitQueueHead;

export type TaskKind = "process" | "kthread";
export type TaskState = "runnable" | "running" | "sleeping" | "exited";

const NO_SLEEP_QUEUES: ReadonlyArray<SleepQueue> = Object.freeze([]);

/**
 * What runs a task on when it wakes (sleepOnThen): a function, or an object whose resumeTask does
 * (a task's own state, with no closure to fetch when it wakes).
 */
export type TaskContinuation = ((why: WakeReason) => void) | { resumeTask(why: WakeReason): void };

export class Task {
  state: TaskState = "runnable";
  /** resolves the promise the task is sleeping on (sleepOn) */
  resume: ((r: WakeReason) => void) | undefined = undefined;
  /** or what runs the task on when it wakes (sleepOnThen): called in the world's loop, no promise between */
  continueWith: TaskContinuation | undefined = undefined;
  wakeReason: WakeReason = "woken";
  /** the queue it sleeps on, or the queues (poll), or none */
  sleepingOn: SleepQueue | ReadonlyArray<SleepQueue> = NO_SLEEP_QUEUES;
  /** the pid `current` shows for it (a process's pid, a kthread's) */
  pid = 0;
  timer: Timer | undefined = undefined;
  started = false;
  /** what the task's body threw, if it died */
  failure: unknown = undefined;
  /** called when the task exits (the process closes its files here) */
  onExit: (() => void) | undefined = undefined;
  /** the last warning its program logged: named if the task deadlocks (a dropped reply, say) */
  lastWarning: string | undefined = undefined;

  constructor(
    readonly id: number,
    readonly kind: TaskKind,
    readonly name: string,
    readonly body: () => Promise<void>,
  ) {}
}

// Who sleeps on a queue is kept on the queue (its `sleepers`, as the kernel's wait_queue_head
// holds its list): nothing, one task, or, once two have slept on it at once, a list in the order
// they slept, which stays (empty) for the next sleeps. A process blocked on its own socket is the
// queue's one sleeper, and a wake-up reads no map and no list (in a world of thousands of blocked
// processes each would be a line of memory to fetch).

/** Puts `t` at the end of the queue's sleepers (once). */
const addSleeper = (q: SleepQueue, t: Task): void => {
  const s = q.sleepers;
  if (s === undefined) q.sleepers = t;
  else if (s instanceof Task) {
    if (s === t) return;
    const list = new WaitList<Task>();
    list.push(s);
    list.push(t);
    q.sleepers = list;
  } else {
    const list = s as WaitList<Task>;
    if (list.indexOf(t) < 0) list.push(t);
  }
};

/** Takes `t` off the queue's sleepers. */
const removeSleeper = (q: SleepQueue, t: Task): void => {
  const s = q.sleepers;
  if (s === t) q.sleepers = undefined;
  else if (s !== undefined && !(s instanceof Task)) (s as WaitList<Task>).remove(t);
};

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
  cancelled: boolean;
}

/** Timers ordered by (time, creation order): a binary heap. */
class TimerHeap {
  private readonly h: Timer[] = [];
  private readonly less = (a: Timer, b: Timer): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);
  push(t: Timer): void {
    const h = this.h;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Timer | undefined {
    const h = this.h;
    while (h.length > 0) {
      const top = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
          if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      if (!top.cancelled) return top;
    }
    return undefined;
  }
  get size(): number {
    return this.h.length;
  }
}

export interface WorldOptions {
  readonly seed: number;
  /** what ran, recorded in the trace header */
  readonly run?: { readonly [k: string]: TraceValue };
  /** stop a run after this many task switches (a livelock guard); default 10 million */
  readonly maxSwitches?: number;
  /**
   * how a kernel socket's input runs: "softirq" (default; a stricter model, atomic context),
   * "data_ready" (2.6.13–2.6.23, sk_data_ready drains the queue in the sender's context) or
   * "process" (2.6.24+, input(skb) synchronously in the sender's sendmsg)
   */
  readonly netlinkInput?: NetlinkInputMode;
  /**
   * keep the trace (default true). Off, nothing is stored or formatted per event — for long
   * runs and benchmarks; the run itself is unchanged.
   */
  readonly trace?: boolean;
  /**
   * which runnable task runs next: an index in [0, runnable) among the runnable tasks in FIFO
   * order, asked only when two or more are runnable. Default FIFO (always 0). Swarm worlds
   * (sim/swarm.ts) draw it from the seed so that sweeps explore interleavings.
   */
  readonly pickNext?: (runnable: number) => number;
  /** the kernel the world boots (units, generic netlink families, ...); default Linux 6.18 in a fresh namespace */
  readonly profile?: KernelProfile;
}

export interface RunResult {
  /** tasks still sleeping with no timer to wake them when the world ran out of work */
  readonly deadlocked: ReadonlyArray<string>;
  /** tasks whose body threw */
  readonly failed: ReadonlyArray<{ readonly task: string; readonly error: unknown }>;
  readonly switches: number;
}

/**
 * The run queue, first in first out (a `pickNext` world takes any place). A head index, not
 * Array.shift: a world of thousands of runnable tasks keeps a large array, which shift copies.
 */
class RunQueue {
  /** the queue is items[head .. tail); the array keeps its memory when the queue empties */
  private readonly items: Array<Task | undefined> = [];
  private head = 0;
  private tail = 0;

  get length(): number {
    return this.tail - this.head;
  }

  push(t: Task): void {
    this.items[this.tail++] = t;
  }

  /** Removes and returns the task at place `i` (0: the first), undefined when the queue is empty. */
  take(i: number): Task | undefined {
    const items = this.items;
    if (this.head >= this.tail) return undefined;
    let t: Task | undefined;
    if (i === 0) {
      t = items[this.head];
      items[this.head++] = undefined;
    } else {
      const at = this.head + i;
      t = items[at];
      items.copyWithin(at, at + 1, this.tail);
      items[--this.tail] = undefined;
    }
    if (this.head === this.tail) {
      // empty: start again at the front (a V8 array set to length 0 would give up its memory,
      // and the next round of wake-ups would grow a new one)
      this.head = 0;
      this.tail = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.tail) {
      items.copyWithin(0, this.head, this.tail);
      items.fill(undefined, this.tail - this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return t;
  }
}

export class WorldStalled extends Error {
  readonly _tag = "WorldStalled" as const;
}

export class World {
  readonly prng: SeededPrng;
  readonly net: Net;
  readonly trace: TraceRecorder;
  /** whether events are kept (WorldOptions.trace) */
  readonly tracing: boolean;
  /** the kernel's per-machine state (contexts, softirqs, timers, printk ring), hosted by this world */
  readonly kernel: Kernel;
  /** the world as the model's host: the kernel's and the namespace's one interface */
  readonly kernelHost: WorldKernelHost<Task>;
  /** virtual time, nanoseconds since boot */
  now = 0;
  private readonly runq = new RunQueue();
  private readonly timers = new TimerHeap();
  private timerSeq = 0;
  private nextTaskId = 1;
  private nextPid = 1000;
  private readonly tasks: Task[] = [];
  private current: Task | undefined = undefined;
  private park: (() => void) | undefined = undefined;
  private switches = 0;
  private readonly maxSwitches: number;
  private readonly pickNext: ((runnable: number) => number) | undefined;

  constructor(opts: WorldOptions) {
    this.prng = new SeededPrng(opts.seed);
    this.trace = new TraceRecorder({
      format: "nlsim-trace",
      version: TRACE_VERSION,
      seed: opts.seed,
      run: opts.run ?? {},
    });
    this.tracing = opts.trace ?? true;
    this.maxSwitches = opts.maxSwitches ?? 10_000_000;
    this.pickNext = opts.pickNext;
    this.kernelHost = new WorldKernelHost<Task>(this);
    this.kernel = new Kernel(
      this.kernelHost,
      opts.netlinkInput === undefined ? {} : { netlinkInput: opts.netlinkInput },
    );
    this.net = new Net({ host: this.kernelHost });
    net_boot(this.net, opts.profile); // what a stock kernel's fresh namespace has: ROUTE (lo), GENERIC, the other units
    this.inKernel(() => netlink_proc_init(this.net)); // /proc/net/netlink
  }

  /** Appends a trace event stamped with the current virtual time (syscalls go through `syscall`). */
  /** A task's program logged `text` (at a warning level or above, it is the task's last warning). */
  log(task: Task, level: string, text: string, warning: boolean): void {
    if (warning) task.lastWarning = text;
    this.record({ kind: "log", pid: task.pid, level, text });
  }

  record(e: KernelTraceEvent | WorldTraceEvent): void {
    if (this.tracing) this.trace.record({ t: this.now, ...e });
  }

  /** Where the code running now is: a softirq (on top of anything), a kthread, a process, or idle. */
  context(): TraceContext {
    if ((this.kernel.preempt_count & SOFTIRQ_OFFSET) !== 0) return "softirq";
    const t = this.current;
    if (t !== undefined) return t.kind;
    return this.kernelHost.outsideTask !== undefined ? "process" : "idle";
  }

  /**
   * The return from a system call: one "syscall" event (`pid`, `call`, the detail, `ret`, and the
   * errno's name when it failed), then the softirqs it raised run before the caller goes on. With
   * tracing off nothing is built or stored. Every layer that runs a syscall on the model ends here.
   */
  syscall(pid: number, call: string, detail: { readonly [k: string]: TraceValue }, ret: number): number {
    if (this.tracing) {
      const e: { [k: string]: TraceValue } = { t: this.now, kind: "syscall", pid, call, ...detail, ret };
      if (ret < 0 && ret !== WOULD_BLOCK) e.errno = errnoName(ret) ?? null;
      this.trace.record(e as TraceEvent); // the detail's shape per call: SyscallDetail (sim/trace.ts)
    }
    this.softirq();
    return ret;
  }

  /** printk: a line in the kernel log (dmesg) and the trace; `text` may start with a KERN_* level. */
  printk(text: string): void {
    this.kernel.printk(text);
  }

  /** dmesg: the kernel log as "[    0.000123] text" lines. */
  dmesg(opts: DmesgOptions = {}): string[] {
    return dmesg(this.kernel, opts);
  }

  /** Runs pending softirqs now (after a syscall, a task's turn, a timer interrupt) in softirq context. */
  softirq(): void {
    if (this.kernel.softirq_pending === 0) return;
    const k = this.kernel;
    kernel_enter(k, () => do_softirq(k));
  }

  /**
   * Runs kernel code from outside any task of this world (a test's body, a timer callback of the
   * test's own) with this world's kernel installed, then the softirqs it raised.
   */
  inKernel<T>(f: () => T): T {
    try {
      return kernel_enter(this.kernel, f);
    } finally {
      this.softirq();
    }
  }

  /**
   * insmod: runs a module's init function now, in process context with this world's kernel
   * installed (`current` is an "insmod" task that cannot sleep), then the softirqs it raised.
   */
  insmod<T>(init: () => T, comm = "insmod"): T {
    const host = this.kernelHost;
    const outer = host.outsideTask;
    const ts = new TaskStruct(comm, this.allocPid());
    ts.schedulable = false;
    host.outsideTask = ts;
    return this.inKernel(() => {
      try {
        return init();
      } finally {
        host.outsideTask = outer;
      }
    });
  }

  /**
   * insmod NAME.ko: init_module(2) from an "insmod" process (as `insmod` above): the module is
   * listed, its init runs with THIS_MODULE = `mod` (what netlink_kernel_create records as the
   * unit's owner), and it stays loaded on 0. Traced as a syscall; returns 0 or a negative errno.
   * Unloading is SimProcess.delete_module (rmmod is a process: examples/sim-user.ts rmmodAt).
   */
  init_module(mod: Module, comm = "insmod"): number {
    return this.insmod(
      () =>
        this.syscall(this.kernelHost.current()!.pid, "init_module", { name: mod.name }, load_module(this.kernel, mod)),
      comm,
    );
  }

  /** A fresh process id (pid_max wraps are not modelled: ids only grow). */
  allocPid(): number {
    return this.nextPid++;
  }

  /** The task now running (undefined between tasks, e.g. in a timer callback). */
  get currentTask(): Task | undefined {
    return this.current;
  }

  /** Creates a task; it first runs when the scheduler reaches it. */
  spawnTask(kind: TaskKind, name: string, body: () => Promise<void>): Task {
    const t = new Task(this.nextTaskId++, kind, name, body);
    this.tasks.push(t);
    this.runq.push(t);
    this.record({ kind: "spawn", task: t.id, taskKind: kind, name });
    return t;
  }

  /** A timer callback at now + delayNs (add_timer); returns a cancel function. */
  addTimer(delayNs: number, fire: () => void): () => void {
    const t: Timer = { at: this.now + Math.max(0, delayNs), seq: this.timerSeq++, fire, cancelled: false };
    this.timers.push(t);
    return () => {
      t.cancelled = true;
    };
  }

  /**
   * Puts the running task to sleep on `wq` — one queue, several (poll/select), or none for a
   * plain timed sleep — for at most `timeoutNs` (Infinity: until woken). The first wake-up of
   * any of the queues, or the timeout, makes it runnable. Resolves with why it woke.
   */
  sleepOn(
    wq: SleepQueue | ReadonlyArray<SleepQueue> | undefined,
    timeoutNs: number,
    /** wakeTask may end the sleep (a kernel task_struct's wake_up_process): no queue and no timeout is fine */
    byWakeTask = false,
  ): Promise<WakeReason> {
    const t = this.beginSleep(wq, timeoutNs, byWakeTask);
    const p = new Promise<WakeReason>((resolve) => {
      t.resume = resolve;
    });
    this.yieldToWorld();
    // the task resumes with this world's kernel installed, whatever ran in between
    return p.then((why) => {
      kernel_context_switch(this.kernel);
      return why;
    });
  }

  /**
   * sleepOn for a task driven by callbacks: when the task wakes, the world's loop calls `then(why)`
   * (or `then.resumeTask(why)`) to run it on, at once and with this world's kernel installed (no promise and no microtask turn
   * in between: a process of the sim layer switches this way). The caller must return to the world
   * without running anything more of the task; `then` sleeps again, or goes on asynchronously (the
   * world waits until the task sleeps or exits).
   */
  sleepOnThen(wq: SleepQueue | ReadonlyArray<SleepQueue> | undefined, timeoutNs: number, then: TaskContinuation): void {
    const t = this.beginSleep(wq, timeoutNs, false);
    t.continueWith = then;
    this.yieldToWorld();
  }

  /** The running task, put to sleep on `wq` until the first wake-up or `timeoutNs`. */
  private beginSleep(
    wq: SleepQueue | ReadonlyArray<SleepQueue> | undefined,
    timeoutNs: number,
    byWakeTask: boolean,
  ): Task {
    const t = this.current;
    if (t === undefined) throw new Error("sleepOn outside a task: only a simulated task can sleep");
    t.state = "sleeping";
    let none = false;
    if (wq === undefined) {
      t.sleepingOn = NO_SLEEP_QUEUES;
      none = true;
    } else if (Array.isArray(wq)) {
      const queues = wq as ReadonlyArray<SleepQueue>;
      t.sleepingOn = queues;
      for (const q of queues) addSleeper(q, t);
      none = queues.length === 0;
    } else {
      t.sleepingOn = wq as SleepQueue;
      addSleeper(wq as SleepQueue, t);
    }
    if (Number.isFinite(timeoutNs)) {
      const timer: Timer = {
        at: this.now + Math.max(0, timeoutNs),
        seq: this.timerSeq++,
        fire: () => this.makeRunnable(t, "timeout"),
        cancelled: false,
      };
      t.timer = timer;
      this.timers.push(timer);
    } else if (none && !byWakeTask) {
      throw new Error("sleepOn with neither a wait queue nor a timeout would sleep forever");
    }
    return t;
  }

  /** wake_up_process for a world task: a sleeping task becomes runnable (false if it was not asleep). */
  wakeTask(t: Task): boolean {
    if (t.state !== "sleeping") return false;
    this.makeRunnable(t, "woken");
    return true;
  }

  /** msleep / schedule_timeout_uninterruptible for the running task. */
  msleep(ms: number): Promise<WakeReason> {
    return this.sleepOn(undefined, ms * 1_000_000);
  }

  /** wake_up on a wait queue: every task sleeping on it becomes runnable, in the order they slept. */
  wake_up(wq: SleepQueue): void {
    const s = wq.sleepers;
    if (s === undefined) return;
    if (s instanceof Task) {
      // one sleeper (a process blocked on its own socket)
      this.makeRunnable(s, "woken");
      return;
    }
    const list = s as WaitList<Task>;
    if (list.size === 0) return;
    // makeRunnable takes each task off every queue it sleeps on, this one too: wake from a copy
    for (const t of list.toArray()) this.makeRunnable(t, "woken");
  }

  private makeRunnable(t: Task, why: WakeReason): void {
    if (t.state !== "sleeping") return;
    if (t.timer !== undefined) {
      t.timer.cancelled = true;
      t.timer = undefined;
    }
    const on = t.sleepingOn;
    if (Array.isArray(on)) for (const q of on as ReadonlyArray<SleepQueue>) removeSleeper(q, t);
    else removeSleeper(on as SleepQueue, t);
    t.sleepingOn = NO_SLEEP_QUEUES;
    t.state = "runnable";
    t.wakeReason = why;
    this.runq.push(t);
  }

  private yieldToWorld(): void {
    const park = this.park;
    this.current = undefined;
    this.park = undefined;
    park?.();
  }

  private exit(t: Task, failure: unknown): void {
    t.state = "exited";
    t.failure = failure;
    if (failure !== undefined) this.record({ kind: "task-failed", task: t.id, name: t.name, error: String(failure) });
    t.onExit?.();
    this.record({ kind: "exit", task: t.id });
    this.yieldToWorld();
  }

  /**
   * Runs one task until it sleeps or exits: undefined when it has done so by the time this returns
   * (a task woken through sleepOnThen usually has), else a promise of it.
   */
  private switchTo(t: Task): Promise<void> | undefined {
    const next = t.continueWith;
    if (next === undefined) return this.switchToAsync(t);
    t.continueWith = undefined;
    kernel_context_switch(this.kernel);
    this.current = t;
    this.park = undefined;
    t.state = "running";
    this.switches++;
    try {
      if (typeof next === "function") next(t.wakeReason);
      else next.resumeTask(t.wakeReason);
    } catch (e) {
      if ((t.state as TaskState) !== "exited") this.exit(t, e);
    }
    if (this.current !== t) return undefined;
    // it went on asynchronously: wait until it sleeps or exits
    return new Promise<void>((parked) => {
      this.park = parked;
    });
  }

  private switchToAsync(t: Task): Promise<void> {
    return new Promise<void>((parked) => {
      kernel_context_switch(this.kernel);
      this.current = t;
      this.park = parked;
      t.state = "running";
      this.switches++;
      if (!t.started) {
        t.started = true;
        let body: Promise<void>;
        try {
          body = t.body();
        } catch (e) {
          this.exit(t, e);
          return;
        }
        body.then(
          () => this.exit(t, undefined),
          (e: unknown) => this.exit(t, e ?? new Error("task rejected with undefined")),
        );
      } else {
        const r = t.resume!;
        t.resume = undefined;
        r(t.wakeReason);
      }
    });
  }

  /** Runs until every task has exited or sleeps with nothing left to wake it. */
  async run(): Promise<RunResult> {
    const prevKernel = this_kernel();
    for (;;) {
      const t = this.runq.take(
        this.pickNext === undefined || this.runq.length < 2 ? 0 : this.pickNext(this.runq.length),
      );
      if (t !== undefined) {
        if (this.switches >= this.maxSwitches) {
          throw new WorldStalled(`more than ${this.maxSwitches} task switches: a livelock? (seed ${this.prng.seed})`);
        }
        const parked = this.switchTo(t);
        if (parked !== undefined) await parked;
        this.softirq(); // anything a kthread raised runs before the next task
        continue;
      }
      const timer = this.timers.pop();
      if (timer === undefined) break;
      if (timer.at > this.now) this.now = timer.at;
      kernel_context_switch(this.kernel); // a timer interrupt: the world's CPU
      timer.fire();
      this.softirq();
    }
    kernel_context_switch(prevKernel);
    const deadlocked = this.tasks
      .filter((t) => t.state === "sleeping")
      .map((t) => `${t.name} (task ${t.id})${t.lastWarning === undefined ? "" : `, after: ${t.lastWarning}`}`);
    if (deadlocked.length > 0) this.record({ kind: "deadlock", tasks: deadlocked });
    const failed = this.tasks.filter((t) => t.failure !== undefined).map((t) => ({ task: t.name, error: t.failure }));
    return { deadlocked, failed, switches: this.switches };
  }
}
