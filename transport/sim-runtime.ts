// The runtime of one simulated process that runs Effect programs: its fibers' Scheduler (a queue
// the process's task drains by hand), its waiters (every wait of a fiber: queues plus a deadline),
// its virtual Clock, its death (a planned kill), and the one loop that drives it (driveProcess),
// shared by runProcess (transport/sim.ts) and runPromiseProcess (transport/promise.ts).
import { type Clock, Duration, Effect, type Fiber, type Scheduler } from "effect";
import type { WaitQueue } from "../kernel-model/net/netlink/index.js";
import { faultPlanOf, type KillFault } from "../sim/faults.js";
import type { Parked, SimProcess } from "../sim/process.js";
import { WaitList } from "../sim/wait-list.js";
import type { WakeReason, World } from "../sim/world.js";

/**
 * One fiber's wait: it is over when one of its queues is woken (its wake-up count moved since the
 * wait began) or at `deadline` (virtual ns); then `wake` resumes the fiber, or (a parked call that
 * must sleep on) arms the waiter again and puts it back.
 */
interface Waiter {
  deadline: number;
  /** the fiber was interrupted (its cancel ran): a wake-up does nothing */
  cancelled: boolean;
  /** the queues it sleeps on: one (a parked call's), or an array (poll's, Effect.sleep's none) */
  sleepOn(): WaitQueue | ReadonlyArray<WaitQueue>;
  /** whether one of its queues was woken since the wait began */
  woken(): boolean;
  wake(why: WakeReason): void;
}

/** A wait on any of several queues (poll) or none (Effect.sleep): a fiber's resume on wake-up. */
class QueuesWaiter implements Waiter {
  cancelled = false;
  /** each queue's wake-up count when the wait began */
  private readonly seen: ReadonlyArray<number>;
  constructor(
    private readonly queues: ReadonlyArray<WaitQueue>,
    readonly deadline: number,
    private readonly resume: (effect: Effect.Effect<WakeReason>) => void,
  ) {
    this.seen = queues.map((q) => q.wakeups);
  }
  sleepOn(): ReadonlyArray<WaitQueue> {
    return this.queues;
  }
  woken(): boolean {
    for (let i = 0; i < this.queues.length; i++) if (this.queues[i]!.wakeups !== this.seen[i]) return true;
    return false;
  }
  wake(why: WakeReason): void {
    this.resume(Effect.succeed(why));
  }
}

/**
 * The wait of a parked syscall (SimRuntime.waitCall). A runtime keeps the ones that ended for the
 * next call: the effect a fiber suspends on and its cancel are built once per waiter, so a wait
 * allocates nothing of ours but the call's own Parked (a world of thousands of blocked processes
 * keeps everything a wait allocates alive until the process runs again, and the young
 * generation's collector copies it).
 */
class CallWaiter implements Waiter {
  /** the queue the call sleeps on, and its wake-up count when the wait began (one of each: no arrays to fetch) */
  private queue: WaitQueue | undefined = undefined;
  private seen = 0;
  deadline = 0;
  cancelled = false;
  /** the call this waiter drives, and what the fiber goes on with when it ends */
  call: Parked<unknown> | undefined = undefined;
  done: ((r: unknown) => Effect.Effect<unknown, unknown>) | undefined = undefined;
  /** Effect.callback's resume for the current wait */
  private resumeFiber: ((effect: Effect.Effect<unknown, unknown>) => void) | undefined = undefined;
  /** what the fiber suspends on: evaluated once for each call this waiter drives */
  readonly effect: Effect.Effect<unknown, unknown>;
  private readonly onCancel: Effect.Effect<void>;

  constructor(readonly rt: SimRuntime) {
    this.onCancel = Effect.sync(() => this.interrupted());
    this.effect = Effect.callback<unknown, unknown>((resume) => this.start(resume));
  }

  private start(resume: (effect: Effect.Effect<unknown, unknown>) => void): Effect.Effect<void> {
    this.resumeFiber = resume;
    this.cancelled = false;
    this.arm();
    return this.onCancel;
  }

  /** (Re)starts the wait: on the queue the call names now, until its deadline. */
  arm(): void {
    const call = this.call!;
    const q = call.wq();
    this.queue = q;
    this.seen = q.wakeups;
    this.deadline = Math.max(this.rt.world.now, call.deadline);
    this.rt.add(this);
  }

  sleepOn(): WaitQueue {
    return this.queue!;
  }

  woken(): boolean {
    return this.queue!.wakeups !== this.seen;
  }

  wake(why: WakeReason): void {
    if (this.cancelled) return;
    const call = this.call!;
    let r: unknown;
    try {
      r = call.resume(why === "timeout" || this.rt.world.now >= call.deadline);
    } catch (e) {
      this.end(Effect.die(e));
      return;
    }
    if (r !== undefined) this.end(this.done!(r));
    else this.arm();
  }

  /** The call ended: the waiter is free for the next one, then the fiber goes on (and may take it). */
  private end(next: Effect.Effect<unknown, unknown>): void {
    const resume = this.resumeFiber!;
    this.call = undefined;
    this.done = undefined;
    this.resumeFiber = undefined;
    this.rt.release(this);
    resume(next);
  }

  /**
   * The fiber was interrupted: the wait ends without a wake-up, and the call gets its signal. This
   * waiter is not reused: a dispatch that is going through the waits may still come to it.
   */
  private interrupted(): void {
    const call = this.call!;
    this.rt.cancel(this);
    this.call = undefined;
    this.done = undefined;
    this.resumeFiber = undefined;
    call.interrupt();
  }
}

/** calls a process takes on the spot between two yields (the fiber run loop's own default is 2048 operations) */
const FAIR_RUN = 2048;

const NO_QUEUES: ReadonlyArray<WaitQueue> = [];

/**
 * The runtime of one simulated process: the Scheduler its fibers run on (a queue drained by the
 * process's task), its waiters, its virtual Clock and its death.
 */
export class SimRuntime implements Scheduler.Scheduler {
  // The fields a switch reads come first (V8 lays an object's fields out in the order they are
  // made), and what most processes never use is made when first needed: in a world of thousands
  // of blocked processes each line of memory a switch reads is a fetch from memory.
  readonly world: World;
  readonly process: SimProcess;
  // The waits in the order they began: the first in a field of its own, the others (a process
  // whose fibers wait at once) in a list made when first needed.
  /** the first wait (undefined: none, and `moreWaiters` is empty) */
  private waiter: Waiter | undefined = undefined;
  private moreWaiters: WaitList<Waiter> | undefined = undefined;
  /** work the fibers scheduled (undefined: none; a fiber that only waits and wakes schedules none) */
  private tasks: Array<readonly [number, () => void]> | undefined = undefined;
  killed = false;
  /** the program has ended: the process loop stops (runProcess sets it when the root fiber exits) */
  finished = false;
  readonly kill: KillFault | undefined;
  /** syscalls made through the service */
  syscalls = 0;
  /** calls the service's fibers may still take on the spot before one yields (see fair) */
  private fairBudget = FAIR_RUN;
  /** a call waiter whose call ended, for the next parked call (and more of them, when fibers waited at once) */
  private spareWaiter: CallWaiter | undefined = undefined;
  private freeWaiters: WaitList<CallWaiter> | undefined = undefined;
  /** what the task sleeps on when every fiber waits (set by sleepSet): these queues, for at most sleepTimeoutNs */
  sleepQueues: WaitQueue | ReadonlyArray<WaitQueue> = NO_QUEUES;
  sleepTimeoutNs = 0;
  /** the root fiber (set by runProcess) */
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined;
  // the process loop's ends (driveProcess): in fields, so that a switch reads no closure
  private idleAction: IdleAction | undefined = undefined;
  private finishLoop: (() => void) | undefined = undefined;
  private failLoop: ((e: unknown) => void) | undefined = undefined;
  readonly executionMode = "async" as const;
  readonly clock: Clock.Clock;

  constructor(world: World, process: SimProcess) {
    this.world = world;
    this.process = process;
    this.kill = faultPlanOf(world)?.killFor(process.name);
    const nanos = (): bigint => BigInt(world.now);
    this.clock = {
      currentTimeMillisUnsafe: () => world.now / 1e6,
      currentTimeMillis: Effect.sync(() => world.now / 1e6),
      currentTimeNanosUnsafe: nanos,
      currentTimeNanos: Effect.sync(nanos),
      monotonicTimeNanosUnsafe: nanos,
      monotonicTimeNanos: Effect.sync(nanos),
      sleep: (d: Duration.Duration) =>
        Effect.asVoid(this.wait([], Duration.isFinite(d) ? Duration.toMillis(d) * 1e6 : Number.POSITIVE_INFINITY)),
    };
  }

  // Scheduler
  shouldYield(fiber: Fiber.Fiber<unknown, unknown>): boolean {
    return fiber.currentOpCount >= fiber.cache.maxOpsBeforeYield;
  }
  makeDispatcher(): Scheduler.SchedulerDispatcher {
    return {
      scheduleTask: (task, priority) => {
        if (this.tasks === undefined) this.tasks = [[priority, task]];
        else this.tasks.push([priority, task]);
      },
      flush: () => this.drain(),
    };
  }

  /** Runs scheduled fiber work until none is left (lower priority first, FIFO within one). */
  drain(): void {
    while (this.tasks !== undefined && !this.killed) {
      const batch = this.tasks;
      this.tasks = undefined;
      if (batch.length > 1) batch.sort((a, b) => a[0] - b[0]); // stable: FIFO within a priority
      for (const [, task] of batch) {
        if (this.killed) break;
        task();
      }
    }
  }
  get idle(): boolean {
    return this.tasks === undefined;
  }

  /** Suspends the fiber until one of `queues` is woken or `timeoutNs` of virtual time passes. */
  wait(queues: ReadonlyArray<WaitQueue>, timeoutNs: number): Effect.Effect<WakeReason> {
    return Effect.callback<WakeReason>((resume) => {
      const w = new QueuesWaiter(queues, this.world.now + Math.max(0, timeoutNs), resume);
      this.add(w);
      return Effect.sync(() => this.cancel(w));
    });
  }

  /**
   * A parked syscall (sim/process.ts's Parked) driven to its end as one wait of the fiber: each
   * time its queue is woken or its deadline passes, the call resumes on the model (at the moment
   * the woken fiber would have resumed it), then either ends, and the fiber goes on with
   * `done(result)`, or waits again on the queue the call names. Interrupting the fiber is a
   * signal to the call.
   */
  waitCall<R, A, E>(call: Parked<R>, done: (r: R) => Effect.Effect<A, E>): Effect.Effect<A, E> {
    let w = this.spareWaiter;
    if (w !== undefined) this.spareWaiter = undefined;
    else w = this.freeWaiters?.pop() ?? new CallWaiter(this);
    w.call = call;
    w.done = done as (r: unknown) => Effect.Effect<unknown, unknown>;
    return w.effect as Effect.Effect<A, E>;
  }

  /** A call waiter whose call ended is kept for the next. */
  release(w: CallWaiter): void {
    if (this.spareWaiter === undefined) this.spareWaiter = w;
    else {
      if (this.freeWaiters === undefined) this.freeWaiters = new WaitList();
      this.freeWaiters.push(w);
    }
  }

  /** Puts a wait (back) at the end of the process's waits. */
  add(w: Waiter): void {
    if (this.waiter === undefined) this.waiter = w;
    else {
      if (this.moreWaiters === undefined) this.moreWaiters = new WaitList();
      this.moreWaiters.push(w);
    }
  }

  /** Takes a wait out of the process's waits (the others keep their order). */
  private remove(w: Waiter): void {
    if (this.waiter === w) {
      if (this.oneWaits()) this.waiter = undefined;
      else {
        const more = this.moreWaiters!;
        this.waiter = more.at(0);
        more.removeAt(0);
      }
    } else this.moreWaiters?.remove(w);
  }

  /** Whether the first wait is the only one (the process's other waits, if it ever had any, are over). */
  private oneWaits(): boolean {
    return this.moreWaiters === undefined || this.moreWaiters.size === 0;
  }

  /** The waits as they are now, the first one first (an array of their own: the waits may change). */
  private allWaiters(first: Waiter): Waiter[] {
    return this.moreWaiters === undefined ? [first] : [first, ...this.moreWaiters.toArray()];
  }

  /** The fiber was interrupted: its wait ends without a wake-up. */
  cancel(w: Waiter): void {
    w.cancelled = true;
    this.remove(w);
  }

  /** Resumes the waiters that can go on now; returns how many. */
  dispatch(): number {
    const first = this.waiter;
    if (first === undefined) return 0;
    if (this.oneWaits()) {
      // the common case: one fiber waits
      const why = this.due(first);
      if (why === undefined) return 0;
      this.waiter = undefined;
      first.wake(why);
      return 1;
    }
    let n = 0;
    // the waits as they are now: those a wake-up begins (or arms again) are for the next round
    for (const w of this.allWaiters(first)) {
      const why = this.due(w);
      if (why === undefined) continue;
      this.remove(w);
      n++;
      w.wake(why);
    }
    return n;
  }

  /** Why a wait is over now (a queue of its was woken, or its deadline passed), or undefined. */
  private due(w: Waiter): WakeReason | undefined {
    if (w.woken()) return "woken";
    return w.deadline <= this.world.now ? "timeout" : undefined;
  }

  /**
   * What the task sleeps on when every fiber waits: all queues, the earliest deadline. Sets
   * sleepQueues and sleepTimeoutNs (fields of the runtime: read them before the next call).
   */
  sleepSet(): void {
    let queues: WaitQueue | ReadonlyArray<WaitQueue>;
    let deadline = Number.POSITIVE_INFINITY;
    const first = this.waiter;
    if (first === undefined) queues = NO_QUEUES;
    else if (this.oneWaits()) {
      // the common case: one fiber waits
      queues = first.sleepOn();
      deadline = first.deadline;
    } else {
      const all = new Set<WaitQueue>();
      for (const w of this.allWaiters(first)) {
        const on = w.sleepOn();
        if (Array.isArray(on)) for (const q of on as ReadonlyArray<WaitQueue>) all.add(q);
        else all.add(on as WaitQueue);
        if (w.deadline < deadline) deadline = w.deadline;
      }
      queues = [...all];
    }
    if (!this.killed && this.kill?.atNs !== undefined && this.kill.atNs < deadline) deadline = this.kill.atNs;
    this.sleepQueues = queues;
    this.sleepTimeoutNs = deadline - this.world.now;
  }

  /** Whether the task has anything to sleep on (after sleepSet): a queue, or a deadline. */
  get canSleep(): boolean {
    const q = this.sleepQueues;
    return !Array.isArray(q) || q.length > 0 || Number.isFinite(this.sleepTimeoutNs);
  }

  /** Runs the process loop (driveProcess) until `finished`, the process's death, or `idle` says stop. */
  drive(idle: IdleAction, finish: () => void, fail: (e: unknown) => void): void {
    this.idleAction = idle;
    this.finishLoop = finish;
    this.failLoop = fail;
    this.step();
  }

  /** The world woke the task (sleepOnThen): the process loop goes on. */
  resumeTask(_why: WakeReason): void {
    this.step();
  }

  /** One run of the process loop, until the task sleeps, waits for its idle action, or ends. */
  private step(): void {
    try {
      for (;;) {
        this.drain();
        if (this.killed || this.finished) {
          this.finishLoop!();
          return;
        }
        if (this.dispatch() > 0) continue;
        if (this.killDue()) {
          this.die(`time ${this.kill!.atNs}`);
          continue;
        }
        this.sleepSet();
        if (this.canSleep) {
          this.world.sleepOnThen(this.sleepQueues, this.sleepTimeoutNs, this);
          return;
        }
        this.idleAction!().then((r) => (r === "stop" ? this.finishLoop!() : this.step()), this.failLoop);
        return;
      }
    } catch (e) {
      this.failLoop!(e);
    }
  }

  /** A planned kill by time that is due. */
  killDue(): boolean {
    return !this.killed && this.kill?.atNs !== undefined && this.world.now >= this.kill.atNs;
  }

  /**
   * The process dies (SIGKILL): recorded as a fault, its files close (exit_files, so NETLINK_URELEASE
   * fires for bound sockets), and its fibers are abandoned, not interrupted: like a killed process,
   * the program runs no more code (no finalizers), and its task exits.
   */
  die(reason: string): void {
    if (this.killed) return;
    this.killed = true;
    const p = this.process;
    this.world.record({ kind: "fault", fault: "kill", pid: p.pid, name: p.name, reason, syscalls: this.syscalls });
    this.tasks = undefined;
    this.waiter = undefined;
    this.moreWaiters?.clear();
    p.exitFiles();
  }

  /** One syscall of a service: counted (a planned kill may strike here, then it never returns), then run. */
  sys<A, E>(f: () => Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.suspend(() => (this.enter() ? f() : Effect.never));
  }

  /**
   * Whether a call may end on the spot, out of Effect's run loop (transport/immediate.ts): every
   * FAIR_RUN such calls of this process, one yields first, so that a fiber looping on calls that
   * never wait (non-blocking reads, sends) still lets the process's other fibers run. Counted per
   * process: a world's runs do not depend on what else ran in the same Node process.
   */
  fair(): boolean {
    if (--this.fairBudget > 0) return true;
    this.fairBudget = FAIR_RUN;
    return false;
  }

  /** Counts a syscall; false when the process is (now) dead and the call must not happen. */
  enter(): boolean {
    if (this.killed) return false;
    this.syscalls++;
    if (this.kill?.atSyscall === this.syscalls) {
      this.die(`syscall ${this.syscalls}`);
      return false;
    }
    if (this.killDue()) {
      this.die(`time ${this.kill!.atNs}`);
      return false;
    }
    return true;
  }
}

/** What a process's loop does when no fiber can run and none waits on anything the world can wake. */
export type IdleAction = () => Promise<"stop" | "again">;

/**
 * The process loop: run the fibers' work, resume the waiters the world woke, die when a planned
 * kill is due, and sleep in the world on every waiter's queue until the earliest deadline. When
 * nothing waits, `idle` decides (wait for the program's promises, stop, or fail). Resolves when
 * the runtime is `finished` (checked after each round of work) or the process is killed. It
 * sleeps with world.sleepOnThen, the runtime itself the continuation: the world runs it on
 * directly when it wakes, with no promise and no closure per switch.
 */
export const driveProcess = (rt: SimRuntime, idle: IdleAction): Promise<void> =>
  new Promise<void>((finish, fail) => {
    rt.drive(idle, finish, fail);
  });
