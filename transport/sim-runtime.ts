// The runtime of one simulated process that runs Effect programs: its fibers' Scheduler (a queue
// the process's task drains by hand), its waiters (every wait of a fiber: queues plus a deadline),
// its virtual Clock, its death (a planned kill), and the one loop that drives it (driveProcess),
// shared by runProcess (transport/sim.ts) and runPromiseProcess (transport/promise.ts).
import { type Clock, Duration, Effect, type Fiber, type Scheduler } from "effect";
import type { WaitQueue } from "../kernel-model/net/netlink/index.js";
import { faultPlanOf, type KillFault } from "../sim/faults.js";
import type { Parked, SimProcess } from "../sim/process.js";
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

/** The wait of a parked syscall (SimRuntime.waitCall). */
class CallWaiter<R, A, E> implements Waiter {
  queues: ReadonlyArray<WaitQueue> = NO_QUEUES;
  seen: number[] = NO_COUNTS;
  deadline = 0;
  cancelled = false;

  constructor(
    readonly rt: SimRuntime,
    readonly call: Parked<R>,
    readonly done: (r: R) => Effect.Effect<A, E>,
    readonly resume: (effect: Effect.Effect<A, E>) => void,
  ) {}

  /** (Re)starts the wait: on the queue the call names now, until its deadline. */
  arm(): void {
    const q = this.call.wq();
    if (this.queues.length === 1 && this.queues[0] === q) this.seen[0] = q.wakeups;
    else {
      this.queues = [q];
      this.seen = [q.wakeups];
    }
    this.deadline = Math.max(this.rt.world.now, this.call.deadline);
    this.rt.add(this);
  }

  wake(why: WakeReason): void {
    if (this.cancelled) return;
    let r: R | undefined;
    try {
      r = this.call.resume(why === "timeout" || this.rt.world.now >= this.call.deadline);
    } catch (e) {
      this.resume(Effect.die(e));
      return;
    }
    if (r !== undefined) this.resume(this.done(r));
    else this.arm();
  }
}

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
  private waiters: Waiter[] = [];
  /** the root fiber (set by runProcess) */
  fiber: Fiber.Fiber<unknown, unknown> | undefined = undefined;
  /** syscalls made through the service */
  syscalls = 0;
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
    return Effect.callback<A, E>((resume) => {
      const w = new CallWaiter(this, call, done, resume);
      w.arm();
      return Effect.sync(() => {
        this.cancel(w);
        call.interrupt();
      });
    });
  }

  /** Puts a wait (back) at the end of the process's waits. */
  add(w: Waiter): void {
    this.waiters.push(w);
  }

  /** The fiber was interrupted: its wait ends without a wake-up. */
  cancel(w: Waiter): void {
    w.cancelled = true;
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
  }

  /** Resumes the waiters that can go on now; returns how many. */
  dispatch(): number {
    if (this.waiters.length === 0) return 0;
    let n = 0;
    const now = this.world.now;
    // the waits as they are now: those a wake-up begins (or arms again) are for the next round
    for (const w of this.waiters.slice()) {
      let why: WakeReason | undefined;
      for (let i = 0; i < w.queues.length; i++) {
        if (w.queues[i]!.wakeups !== w.seen[i]) {
          why = "woken";
          break;
        }
      }
      if (why === undefined && w.deadline <= now) why = "timeout";
      if (why === undefined) continue;
      const i = this.waiters.indexOf(w);
      if (i >= 0) this.waiters.splice(i, 1);
      n++;
      w.wake(why);
    }
    return n;
  }

  /** What the task sleeps on when every fiber waits: all queues, the earliest deadline. */
  sleepSet(): { readonly queues: ReadonlyArray<WaitQueue>; readonly timeoutNs: number } {
    let queues: ReadonlyArray<WaitQueue>;
    let deadline = Number.POSITIVE_INFINITY;
    if (this.waiters.length === 1) {
      // the common case: one fiber waits (nothing else reads or changes the array)
      const w = this.waiters[0]!;
      queues = w.queues;
      deadline = w.deadline;
    } else {
      const all = new Set<WaitQueue>();
      for (const w of this.waiters) {
        for (const q of w.queues) all.add(q);
        if (w.deadline < deadline) deadline = w.deadline;
      }
      queues = [...all];
    }
    if (!this.killed && this.kill?.atNs !== undefined && this.kill.atNs < deadline) deadline = this.kill.atNs;
    return { queues, timeoutNs: deadline - this.world.now };
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
    this.waiters = [];
    p.exitFiles();
  }

  /** One syscall of a service: counted (a planned kill may strike here, then it never returns), then run. */
  sys<A, E>(f: () => Effect.Effect<A, E>): Effect.Effect<A, E> {
    return Effect.suspend(() => (this.enter() ? f() : Effect.never));
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
