// The runtime of one simulated process that runs Effect programs: its fibers' Scheduler (a queue
// the process's task drains by hand), its waiters (every wait of a fiber: queues plus a deadline),
// its virtual Clock, its death (a planned kill), and the one loop that drives it (driveProcess),
// shared by runProcess (transport/sim.ts) and runPromiseProcess (transport/promise.ts).
import { type Clock, Duration, Effect, type Fiber, type Scheduler } from "effect";
import type { WaitQueue } from "../kernel-model/net/netlink/index.js";
import { faultPlanOf, type KillFault } from "../sim/faults.js";
import type { SimProcess } from "../sim/process.js";
import type { WakeReason, World } from "../sim/world.js";

/** One fiber's wait: resume it when one of `queues` is woken or at `deadline` (virtual ns). */
interface Waiter {
  readonly queues: ReadonlyArray<WaitQueue>;
  /** each queue's wake-up count when the wait began */
  readonly seen: ReadonlyArray<number>;
  readonly deadline: number;
  readonly resume: (why: WakeReason) => void;
}

/**
 * The runtime of one simulated process: the Scheduler its fibers run on (a queue drained by the
 * process's task), its waiters, its virtual Clock and its death.
 */
export class SimRuntime implements Scheduler.Scheduler {
  readonly executionMode = "async" as const;
  private tasks: Array<readonly [number, () => void]> = [];
  private readonly waiters = new Set<Waiter>();
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
        resume: (why) => resume(Effect.succeed(why)),
      };
      this.waiters.add(w);
      return Effect.sync(() => {
        this.waiters.delete(w);
      });
    });
  }

  /** Resumes the waiters that can go on now; returns how many. */
  dispatch(): number {
    let n = 0;
    const now = this.world.now;
    for (const w of [...this.waiters]) {
      let why: WakeReason | undefined;
      for (let i = 0; i < w.queues.length; i++) {
        if (w.queues[i]!.wakeups !== w.seen[i]) {
          why = "woken";
          break;
        }
      }
      if (why === undefined && w.deadline <= now) why = "timeout";
      if (why === undefined) continue;
      this.waiters.delete(w);
      n++;
      w.resume(why);
    }
    return n;
  }

  /** What the task sleeps on when every fiber waits: all queues, the earliest deadline. */
  sleepSet(): { readonly queues: WaitQueue[]; readonly timeoutNs: number } {
    const queues = new Set<WaitQueue>();
    let deadline = Number.POSITIVE_INFINITY;
    for (const w of this.waiters) {
      for (const q of w.queues) queues.add(q);
      if (w.deadline < deadline) deadline = w.deadline;
    }
    if (!this.killed && this.kill?.atNs !== undefined && this.kill.atNs < deadline) deadline = this.kill.atNs;
    return { queues: [...queues], timeoutNs: deadline - this.world.now };
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
 * nothing waits, `idle` decides (wait for the program's promises, stop, or fail). Returns when
 * `done()` (checked after each round of work) or the process is killed.
 */
export const driveProcess = async (rt: SimRuntime, done: () => boolean, idle: IdleAction): Promise<void> => {
  for (;;) {
    rt.drain();
    if (rt.killed || done()) return;
    if (rt.dispatch() > 0) continue;
    if (rt.killDue()) {
      rt.die(`time ${rt.kill!.atNs}`);
      continue;
    }
    const { queues, timeoutNs } = rt.sleepSet();
    if (queues.length > 0 || Number.isFinite(timeoutNs)) {
      await rt.world.sleepOn(queues, timeoutNs);
      continue;
    }
    if ((await idle()) === "stop") return;
  }
};
