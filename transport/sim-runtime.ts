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
 * One fiber's wait: it is over when one of `queues` is woken (its wake-up count moved from `seen`)
 * or at `deadline` (virtual ns); then `wake` resumes the fiber, or (a parked call that must sleep
 * on) arms the waiter again and puts it back.
 */
interface Waiter {
  queues: ReadonlyArray<WaitQueue>;
  /** each queue's wake-up count when the wait began */
  seen: ReadonlyArray<number>;
  deadline: number;
  /** the fiber was interrupted (its cancel ran): a wake-up does nothing */
  cancelled: boolean;
  wake(why: WakeReason): void;
}

/**
 * The wait of a parked syscall (SimRuntime.waitCall). A runtime keeps the ones that ended for the
 * next call: the effect a fiber suspends on and its cancel are built once per waiter, so a wait
 * allocates nothing of ours but the call's own Parked (a world of thousands of blocked processes
 * keeps everything a wait allocates alive until the process runs again, and the young
 * generation's collector copies it).
 */
class CallWaiter implements Waiter {
  queues: ReadonlyArray<WaitQueue> = NO_QUEUES;
  seen: number[] = NO_COUNTS;
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
    if (this.queues.length === 1 && this.queues[0] === q) this.seen[0] = q.wakeups;
    else {
      this.queues = [q];
      this.seen = [q.wakeups];
    }
    this.deadline = Math.max(this.rt.world.now, call.deadline);
    this.rt.add(this);
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

/** What a process's task sleeps on: these queues, for at most timeoutNs (Infinity: until woken). */
export interface SleepSet {
  readonly queues: ReadonlyArray<WaitQueue>;
  readonly timeoutNs: number;
}

/** calls a process takes on the spot between two yields (the fiber run loop's own default is 2048 operations) */
const FAIR_RUN = 2048;

const NO_QUEUES: ReadonlyArray<WaitQueue> = [];
const NO_COUNTS: number[] = [];

/**
 * The runtime of one simulated process: the Scheduler its fibers run on (a queue drained by the
 * process's task), its waiters, its virtual Clock and its death.
 */
export class SimRuntime implements Scheduler.Scheduler {
  readonly executionMode = "async" as const;
  private tasks: Array<readonly [number, () => void]> = [];
  /** the waits in the order they began (an array: most processes have one wait at a time) */
  private readonly waiters = new WaitList<Waiter>();
  /** call waiters whose call ended, for the next parked call */
  private readonly freeWaiters = new WaitList<CallWaiter>();
  /** the root fiber (set by runProcess) */
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined;
  /** syscalls made through the service */
  syscalls = 0;
  /** what sleepSet gives */
  private readonly sleeping: { queues: ReadonlyArray<WaitQueue>; timeoutNs: number } = {
    queues: NO_QUEUES,
    timeoutNs: 0,
  };
  /** calls the service's fibers may still take on the spot before one yields (see fair) */
  private fairBudget = FAIR_RUN;
  killed = false;
  readonly kill: KillFault | undefined;
  readonly clock: Clock.Clock;

  constructor(
    readonly world: World,
    readonly process: SimProcess,
  ) {
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
        this.tasks.push([priority, task]);
      },
      flush: () => this.drain(),
    };
  }

  /** Runs scheduled fiber work until none is left (lower priority first, FIFO within one). */
  drain(): void {
    while (this.tasks.length > 0 && !this.killed) {
      const batch = this.tasks;
      this.tasks = [];
      if (batch.length > 1) batch.sort((a, b) => a[0] - b[0]); // stable: FIFO within a priority
      for (const [, task] of batch) {
        if (this.killed) break;
        task();
      }
    }
  }
  get idle(): boolean {
    return this.tasks.length === 0;
  }

  /** Suspends the fiber until one of `queues` is woken or `timeoutNs` of virtual time passes. */
  wait(queues: ReadonlyArray<WaitQueue>, timeoutNs: number): Effect.Effect<WakeReason> {
    return Effect.callback<WakeReason>((resume) => {
      const w: Waiter = {
        queues,
        seen: queues.map((q) => q.wakeups),
        deadline: this.world.now + Math.max(0, timeoutNs),
        cancelled: false,
        wake: (why) => resume(Effect.succeed(why)),
      };
      this.waiters.push(w);
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
    const w = this.freeWaiters.pop() ?? new CallWaiter(this);
    w.call = call;
    w.done = done as (r: unknown) => Effect.Effect<unknown, unknown>;
    return w.effect as Effect.Effect<A, E>;
  }

  /** A call waiter whose call ended is kept for the next. */
  release(w: CallWaiter): void {
    this.freeWaiters.push(w);
  }

  /** Puts a wait (back) at the end of the process's waits. */
  add(w: Waiter): void {
    this.waiters.push(w);
  }

  /** The fiber was interrupted: its wait ends without a wake-up. */
  cancel(w: Waiter): void {
    w.cancelled = true;
    this.waiters.remove(w);
  }

  /** Resumes the waiters that can go on now; returns how many. */
  dispatch(): number {
    const waiters = this.waiters;
    if (waiters.size === 0) return 0;
    if (waiters.size === 1) {
      // the common case: one fiber waits
      const w = waiters.at(0);
      const why = this.due(w);
      if (why === undefined) return 0;
      waiters.removeAt(0);
      w.wake(why);
      return 1;
    }
    let n = 0;
    // the waits as they are now: those a wake-up begins (or arms again) are for the next round
    for (const w of waiters.toArray()) {
      const why = this.due(w);
      if (why === undefined) continue;
      waiters.remove(w);
      n++;
      w.wake(why);
    }
    return n;
  }

  /** Why a wait is over now (a queue of its was woken, or its deadline passed), or undefined. */
  private due(w: Waiter): WakeReason | undefined {
    for (let i = 0; i < w.queues.length; i++) {
      if (w.queues[i]!.wakeups !== w.seen[i]) return "woken";
    }
    return w.deadline <= this.world.now ? "timeout" : undefined;
  }

  /**
   * What the task sleeps on when every fiber waits: all queues, the earliest deadline. One record
   * per runtime, written by each call: read it before the next.
   */
  sleepSet(): SleepSet {
    let queues: ReadonlyArray<WaitQueue>;
    let deadline = Number.POSITIVE_INFINITY;
    if (this.waiters.size === 1) {
      // the common case: one fiber waits (nothing else reads or changes the list)
      const w = this.waiters.at(0);
      queues = w.queues;
      deadline = w.deadline;
    } else {
      const all = new Set<WaitQueue>();
      for (let i = 0; i < this.waiters.size; i++) {
        const w = this.waiters.at(i);
        for (const q of w.queues) all.add(q);
        if (w.deadline < deadline) deadline = w.deadline;
      }
      queues = [...all];
    }
    if (!this.killed && this.kill?.atNs !== undefined && this.kill.atNs < deadline) deadline = this.kill.atNs;
    const set = this.sleeping;
    set.queues = queues;
    set.timeoutNs = deadline - this.world.now;
    return set;
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
    this.tasks = [];
    this.waiters.clear();
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
 * `done()` (checked after each round of work) or the process is killed. It sleeps with
 * world.sleepOnThen: the world runs it on directly when it wakes, with no promise per switch.
 */
export const driveProcess = (rt: SimRuntime, done: () => boolean, idle: IdleAction): Promise<void> =>
  new Promise<void>((finish, fail) => {
    const step = (): void => {
      try {
        for (;;) {
          rt.drain();
          if (rt.killed || done()) {
            finish();
            return;
          }
          if (rt.dispatch() > 0) continue;
          if (rt.killDue()) {
            rt.die(`time ${rt.kill!.atNs}`);
            continue;
          }
          const { queues, timeoutNs } = rt.sleepSet();
          if (queues.length > 0 || Number.isFinite(timeoutNs)) {
            rt.world.sleepOnThen(queues, timeoutNs, step);
            return;
          }
          idle().then((r) => (r === "stop" ? finish() : step()), fail);
          return;
        }
      } catch (e) {
        fail(e);
      }
    };
    step();
  });
