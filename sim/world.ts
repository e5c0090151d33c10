// The deterministic world around the kernel model: one seeded PRNG, a virtual clock, and a
// scheduler that runs exactly one simulated task at a time.
//
// Tasks are async functions. A task runs until it sleeps (sleepOn / msleep) or returns; only then
// does the world pick the next runnable task, in FIFO order of becoming runnable. Virtual time
// advances only when no task is runnable: the clock jumps to the earliest timer. A task must
// await nothing but world primitives: a real timer or real I/O inside a task would leave the
// world waiting for it, outside virtual time.
import { Net, type WaitQueue } from "../kernel-model/net/netlink/index.js";
import { SeededPrng } from "./prng.js";
import { type TraceEvent, TraceRecorder, type TraceValue } from "./trace.js";

export type WakeReason = "woken" | "timeout";

export type TaskKind = "process" | "kthread";
export type TaskState = "runnable" | "running" | "sleeping" | "exited";

export class Task {
  state: TaskState = "runnable";
  /** resolves the promise the task is sleeping on */
  resume: ((r: WakeReason) => void) | undefined = undefined;
  wakeReason: WakeReason = "woken";
  sleepingOn: ReadonlyArray<WaitQueue> = [];
  timer: Timer | undefined = undefined;
  started = false;
  /** what the task's body threw, if it died */
  failure: unknown = undefined;
  /** called when the task exits (the process closes its files here) */
  onExit: (() => void) | undefined = undefined;

  constructor(
    readonly id: number,
    readonly kind: TaskKind,
    readonly name: string,
    readonly body: () => Promise<void>,
  ) {}
}

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
}

export interface RunResult {
  /** tasks still sleeping with no timer to wake them when the world ran out of work */
  readonly deadlocked: ReadonlyArray<string>;
  /** tasks whose body threw */
  readonly failed: ReadonlyArray<{ readonly task: string; readonly error: unknown }>;
  readonly switches: number;
}

export class WorldStalled extends Error {
  readonly _tag = "WorldStalled" as const;
}

export class World {
  readonly prng: SeededPrng;
  readonly net: Net;
  readonly trace: TraceRecorder;
  /** virtual time, nanoseconds since boot */
  now = 0;
  private readonly runq: Task[] = [];
  private readonly timers = new TimerHeap();
  private timerSeq = 0;
  private nextTaskId = 1;
  private nextPid = 1000;
  private readonly tasks: Task[] = [];
  private readonly sleepers = new Map<WaitQueue, Task[]>();
  private current: Task | undefined = undefined;
  private park: (() => void) | undefined = undefined;
  private switches = 0;
  private readonly maxSwitches: number;

  constructor(opts: WorldOptions) {
    this.prng = new SeededPrng(opts.seed);
    this.net = new Net({ prng: this.prng });
    this.trace = new TraceRecorder({ format: "nlsim-trace", version: 1, seed: opts.seed, run: opts.run ?? {} });
    this.maxSwitches = opts.maxSwitches ?? 10_000_000;
    this.net.onwake = (q) => this.wake_up(q);
    this.net.onreport = (r) => this.printk(`${r.level}: ${r.msg}`);
  }

  /** Appends a trace event stamped with the current virtual time. */
  record(kind: string, detail: { readonly [k: string]: TraceValue } = {}): void {
    const e: TraceEvent = { t: this.now, kind, ...detail };
    this.trace.record(e);
  }

  /** printk: a line in the kernel log (dmesg) and the trace. */
  readonly dmesg: Array<{ readonly t: number; readonly text: string }> = [];
  printk(text: string): void {
    this.dmesg.push({ t: this.now, text });
    this.record("printk", { text });
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
    this.record("spawn", { task: t.id, kind, name });
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
  sleepOn(wq: WaitQueue | ReadonlyArray<WaitQueue> | undefined, timeoutNs: number): Promise<WakeReason> {
    const t = this.current;
    if (t === undefined) throw new Error("sleepOn outside a task: only a simulated task can sleep");
    const queues: ReadonlyArray<WaitQueue> = wq === undefined ? [] : Array.isArray(wq) ? wq : [wq as WaitQueue];
    t.state = "sleeping";
    t.sleepingOn = queues;
    for (const q of queues) {
      const list = this.sleepers.get(q);
      if (list === undefined) this.sleepers.set(q, [t]);
      else if (!list.includes(t)) list.push(t);
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
    } else if (queues.length === 0) {
      throw new Error("sleepOn with neither a wait queue nor a timeout would sleep forever");
    }
    const p = new Promise<WakeReason>((resolve) => {
      t.resume = resolve;
    });
    this.yieldToWorld();
    return p;
  }

  /** msleep / schedule_timeout_uninterruptible for the running task. */
  msleep(ms: number): Promise<WakeReason> {
    return this.sleepOn(undefined, ms * 1_000_000);
  }

  /** wake_up on a wait queue: every task sleeping on it becomes runnable, in the order they slept. */
  wake_up(wq: WaitQueue): void {
    const list = this.sleepers.get(wq);
    if (list === undefined) return;
    this.sleepers.delete(wq);
    for (const t of list) this.makeRunnable(t, "woken");
  }

  private makeRunnable(t: Task, why: WakeReason): void {
    if (t.state !== "sleeping") return;
    if (t.timer !== undefined) {
      t.timer.cancelled = true;
      t.timer = undefined;
    }
    for (const q of t.sleepingOn) {
      const list = this.sleepers.get(q);
      if (list === undefined) continue;
      const i = list.indexOf(t);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.sleepers.delete(q);
    }
    t.sleepingOn = [];
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
    if (failure !== undefined) this.record("task-failed", { task: t.id, name: t.name, error: String(failure) });
    t.onExit?.();
    this.record("exit", { task: t.id });
    this.yieldToWorld();
  }

  /** Runs one task until it sleeps or exits. */
  private switchTo(t: Task): Promise<void> {
    return new Promise<void>((parked) => {
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
    for (;;) {
      const t = this.runq.shift();
      if (t !== undefined) {
        if (this.switches >= this.maxSwitches) {
          throw new WorldStalled(`more than ${this.maxSwitches} task switches: a livelock? (seed ${this.prng.seed})`);
        }
        await this.switchTo(t);
        continue;
      }
      const timer = this.timers.pop();
      if (timer === undefined) break;
      if (timer.at > this.now) this.now = timer.at;
      timer.fire();
    }
    const deadlocked = this.tasks.filter((t) => t.state === "sleeping").map((t) => `${t.name} (task ${t.id})`);
    if (deadlocked.length > 0) this.record("deadlock", { tasks: deadlocked });
    const failed = this.tasks.filter((t) => t.failure !== undefined).map((t) => ({ task: t.name, error: t.failure }));
    return { deadlocked, failed, switches: this.switches };
  }
}
