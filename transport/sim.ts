// The sim layer: the Netlink service over a simulated process, and `runProcess`, which runs an
// Effect program as a process of the world.
//
// How an Effect program lives inside one world task
// - The program's fibers run on a per-process Scheduler whose queue this file drains by hand:
//   nothing goes through setImmediate/setTimeout, so the world's "one task at a time" holds and
//   no real time passes inside a run.
// - Every wait (a blocking recvmsg or sendto, poll, Effect.sleep through the virtual Clock) is a
//   waiter: wait queues plus a deadline. When no fiber can run, the task sleeps in the world on
//   the union of all its waiters' queues until the earliest deadline (world.sleepOn([...])); on
//   waking, the waiters whose queue was woken (its wake-up counter moved) or whose deadline passed
//   resume. Several fibers of one process can therefore block at once, and interrupting one
//   (Effect.timeout) simply drops its waiter.
// - Calls that cannot sleep run synchronously on the model (SimProcess's fast path); only a call
//   that must wait suspends with Effect.callback.
import { Cause, Clock, Context, Duration, Effect, type Exit, type Fiber, Layer, Scheduler, type Scope } from "effect";
import {
  type NetlinkSock,
  netlink_sendmsg,
  netlink_sendmsg_interrupt,
  netlink_sendmsg_resume,
  type WaitQueue,
  WOULD_BLOCK,
} from "../kernel-model/net/netlink/index.js";
import {
  AF_UNSPEC,
  decodeSockFilters,
  encodeSockaddrNl,
  encodeSockFilters,
  MSG_DONTWAIT,
  SO_ATTACH_FILTER,
  SO_DETACH_FILTER,
  SO_GET_FILTER,
  SO_LOCK_FILTER,
  SOCK_FPROG_SIZE,
  SOCK_NONBLOCK,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import { faultPlanOf, type KillFault } from "../sim/faults.js";
import { type ProcessOptions, type SimProcess, spawnProcess } from "../sim/process.js";
import type { WakeReason, World } from "../sim/world.js";
import { Creds } from "./creds.js";
import { NetlinkError } from "./errors.js";
import { InetRaw } from "./inet.js";
import {
  type Datagram,
  DEFAULT_SOCKET_TYPE,
  Netlink,
  type NetlinkAddress,
  type NetlinkService,
  type NetlinkSocket,
  optvalBytes,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  type PollRequest,
  type PollResult,
  type SendOptions,
  type SocketOptions,
} from "./netlink.js";
import { Procfs } from "./procfs.js";
import { makeSimCreds, makeSimInetRaw, makeSimProcfs } from "./sim-files.js";

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
    this.world.record("fault", { fault: "kill", pid: p.pid, name: p.name, reason, syscalls: this.syscalls });
    this.tasks = [];
    this.waiters.clear();
    p.exitFiles();
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

/** The sim layer's socket handle. */
class SimSocket implements NetlinkSocket {
  closed = false;
  constructor(
    readonly fd: number,
    readonly protocol: number,
  ) {}
}

const addrBytes = (a: NetlinkAddress): Uint8Array => encodeSockaddrNl({ pid: a.pid, groups: a.groups });

/** the detail of a syscall traced with tracing off (World.syscall does not read it) */
const NO_DETAIL: { readonly [k: string]: never } = Object.freeze({});

const usToNs = (us: number): number => (Number.isFinite(us) ? us * 1000 : Number.POSITIVE_INFINITY);

/** The Netlink service of one simulated process. */
export const makeSimNetlink = (rt: SimRuntime): NetlinkService => {
  const p = rt.process;
  const world = rt.world;

  /** One syscall: counted (a planned kill may strike here), then run. */
  const sys = <A>(f: () => Effect.Effect<A, NetlinkError>): Effect.Effect<A, NetlinkError> =>
    Effect.suspend(() => (rt.enter() ? f() : Effect.never));

  const check = (syscall: string, ret: number): Effect.Effect<void, NetlinkError> =>
    ret < 0 ? Effect.fail(NetlinkError.fromErrno(syscall, ret)) : Effect.void;

  /** The same trace line SimProcess writes, for the calls this layer runs on the model itself. */
  const trace = (call: string, detail: Record<string, string | number | boolean | null>, ret: number): void => {
    world.syscall(p.pid, call, detail, ret);
  };

  const toDatagram = (r: {
    readonly ret: number;
    readonly data: Uint8Array;
    readonly msg_flags: number;
    readonly name?: { readonly pid: number; readonly groups: number };
    readonly pktinfo?: number;
    readonly creds?: { readonly pid: number; readonly uid: number; readonly gid: number };
  }): Effect.Effect<Datagram, NetlinkError> => {
    if (r.ret < 0) return Effect.fail(NetlinkError.fromErrno("recvmsg", r.ret));
    const d: { -readonly [K in keyof Datagram]: Datagram[K] } = {
      data: r.data,
      length: r.ret,
      msgFlags: r.msg_flags,
      from: r.name ?? { pid: 0, groups: 0 },
    };
    if (r.pktinfo !== undefined) d.pktinfo = r.pktinfo;
    if (r.creds !== undefined) d.creds = r.creds;
    return Effect.succeed(d);
  };

  const isNonblock = (sk: NetlinkSock | undefined, flags: number): boolean =>
    sk === undefined || (flags & MSG_DONTWAIT) !== 0 || sk.file_nonblock;

  /** skb_recv_datagram's wake condition: data queued or an error pending. */
  const readable = (sk: NetlinkSock): boolean => sk.sk_receive_queue.length > 0 || sk.sk_err !== 0;

  // sendto and recvmsg, the per-message calls, build one closure per call: sys's work inlined
  const recvmsg = (socket: NetlinkSocket, size: number, flags = 0): Effect.Effect<Datagram, NetlinkError> =>
    Effect.suspend(() => (rt.enter() ? recvmsgCall(socket, size, flags) : Effect.never));

  const recvmsgCall = (socket: NetlinkSocket, size: number, flags: number): Effect.Effect<Datagram, NetlinkError> => {
    const fd = socket.fd;
    const sk = p.sock(fd);
    if (isNonblock(sk, flags) || readable(sk!) || sk!.sk_rcvtimeo === 0) {
      return toDatagram(p.recvmsgNow(fd, size, flags));
    }
    // block until readable or SO_RCVTIMEO, then read (the last try after a timeout gives EAGAIN)
    const deadline = world.now + usToNs(sk!.sk_rcvtimeo);
    const loop: Effect.Effect<Datagram, NetlinkError> = Effect.suspend(() => {
      const cur = p.sock(fd);
      if (cur === undefined || readable(cur) || world.now >= deadline) return toDatagram(p.recvmsgNow(fd, size, flags));
      return Effect.flatMap(rt.wait([cur.sk_wq], deadline - world.now), () => loop);
    });
    return loop;
  };

  // the last destination's sockaddr_nl: a program sending to one address encodes it once (the
  // bytes depend on pid and groups only, and the model only reads them)
  let lastToPid = 0;
  let lastToGroups = 0;
  let lastToBytes: Uint8Array | undefined;
  const toBytes = (a: NetlinkAddress): Uint8Array => {
    if (lastToBytes === undefined || a.pid !== lastToPid || a.groups !== lastToGroups) {
      lastToBytes = addrBytes(a);
      lastToPid = a.pid;
      lastToGroups = a.groups;
    }
    return lastToBytes;
  };

  /** a blocking sendto's return: traced here (SimProcess did not run it), then its result */
  const sendtoDone = (fd: number, len: number, flags: number, r: number): Effect.Effect<number, NetlinkError> => {
    if (world.tracing) trace("sendto", { fd, len, flags }, r);
    else world.syscall(p.pid, "sendto", NO_DETAIL, r);
    return r < 0 ? Effect.fail(NetlinkError.fromErrno("sendto", r)) : Effect.succeed(r);
  };

  const sendto = (
    socket: NetlinkSocket,
    data: Uint8Array,
    options?: SendOptions,
  ): Effect.Effect<number, NetlinkError> =>
    Effect.suspend(() => (rt.enter() ? sendtoCall(socket, data, options) : Effect.never));

  const sendtoCall = (
    socket: NetlinkSocket,
    data: Uint8Array,
    options: SendOptions | undefined,
  ): Effect.Effect<number, NetlinkError> => {
    const fd = socket.fd;
    const flags = options?.flags ?? 0;
    const addr = options?.to === undefined ? undefined : toBytes(options.to);
    const sk = p.sock(fd);
    if (isNonblock(sk, flags)) {
      const r = p.sendtoNow(fd, data, flags, addr);
      return r < 0 ? Effect.fail(NetlinkError.fromErrno("sendto", r)) : Effect.succeed(r);
    }
    const first = netlink_sendmsg(sk!, p.cred, data, flags, addr ?? null, addr?.length ?? 0);
    if (first !== WOULD_BLOCK) return sendtoDone(fd, data.length, flags, first);
    // parked in netlink_attachskb: sleep on the receiver's nlk->wait until room or SO_SNDTIMEO
    const deadline = world.now + usToNs(sk!.blocked?.timeo ?? 0);
    const loop: Effect.Effect<number, NetlinkError> = Effect.suspend(() => {
      const wq = sk!.blocked!.wq;
      return Effect.flatMap(rt.wait([wq], Math.max(0, deadline - world.now)), (why) => {
        const r = netlink_sendmsg_resume(sk!, why === "timeout" || world.now >= deadline);
        return r === WOULD_BLOCK ? loop : sendtoDone(fd, data.length, flags, r);
      });
    });
    // interrupted while parked: a signal (sock_intr_errno), the message is freed
    return Effect.onInterrupt(loop, () =>
      Effect.sync(() => {
        if (sk!.pending_send !== null) trace("sendto", { fd, len: data.length, flags }, netlink_sendmsg_interrupt(sk!));
      }),
    );
  };

  const pollOnce = (requests: ReadonlyArray<PollRequest>): { results: PollResult[]; ready: number } => {
    let ready = 0;
    const results = requests.map((req): PollResult => {
      const sk = p.sock(req.socket.fd);
      let mask: number;
      if (sk === undefined) mask = POLLNVAL;
      else {
        // datagram_poll: a netlink socket's wmem stays near 0, so it is always writable
        mask = POLLOUT;
        if (sk.sk_err !== 0) mask |= POLLERR;
        if (sk.sk_receive_queue.length > 0) mask |= POLLIN;
      }
      const revents = mask & (req.events | POLLERR | POLLHUP | POLLNVAL);
      if (revents !== 0) ready++;
      return { socket: req.socket, revents };
    });
    return { results, ready };
  };

  const poll = (
    requests: ReadonlyArray<PollRequest>,
    timeoutMs: number,
  ): Effect.Effect<ReadonlyArray<PollResult>, NetlinkError> =>
    sys(() => {
      const deadline = timeoutMs < 0 ? Number.POSITIVE_INFINITY : world.now + timeoutMs * 1e6;
      const finish = (r: { results: PollResult[]; ready: number }): Effect.Effect<ReadonlyArray<PollResult>> => {
        trace(
          "poll",
          {
            fds: requests.map((q) => q.socket.fd).join(","),
            timeout: timeoutMs,
            revents: r.results.map((x) => x.revents).join(","),
          },
          r.ready,
        );
        return Effect.succeed(r.results);
      };
      const loop: Effect.Effect<ReadonlyArray<PollResult>, NetlinkError> = Effect.suspend(() => {
        const r = pollOnce(requests);
        if (r.ready > 0 || world.now >= deadline) return finish(r);
        const queues: WaitQueue[] = [];
        for (const q of requests) {
          const sk = p.sock(q.socket.fd);
          if (sk !== undefined) queues.push(sk.sk_wq);
        }
        return Effect.flatMap(rt.wait(queues, deadline - world.now), () => loop);
      });
      return loop;
    });

  const close = (socket: NetlinkSocket): Effect.Effect<void, NetlinkError> =>
    sys(() => {
      if (socket instanceof SimSocket) socket.closed = true;
      return check("close", p.close(socket.fd));
    });

  return {
    socket: (protocol: number, options?: SocketOptions) =>
      Effect.acquireRelease(
        sys(() => {
          const type = (options?.type ?? DEFAULT_SOCKET_TYPE) | (options?.nonblock ? SOCK_NONBLOCK : 0);
          const fd = p.socket(type, protocol);
          return fd < 0
            ? Effect.fail(NetlinkError.fromErrno("socket", fd))
            : Effect.succeed(new SimSocket(fd, protocol));
        }),
        (s) =>
          Effect.sync(() => {
            // a dead process's files were closed by its exit
            if (s.closed || rt.killed) return;
            s.closed = true;
            if (rt.enter()) p.close(s.fd);
          }),
      ),
    bind: (socket, address) => sys(() => check("bind", p.bind(socket.fd, addrBytes(address)))),
    connect: (socket, address) =>
      sys(() =>
        check(
          "connect",
          p.connect(
            socket.fd,
            address === "unspec" ? encodeSockaddrNl({ family: AF_UNSPEC, pid: 0, groups: 0 }) : addrBytes(address),
          ),
        ),
      ),
    sendto,
    recvmsg,
    setsockopt: (socket, level, name, value) =>
      sys(() => check("setsockopt", p.setsockopt(socket.fd, level, name, optvalBytes(value)))),
    getsockopt: (socket, level, name, length = 4) =>
      sys(() => {
        const r = p.getsockopt(socket.fd, level, name, length);
        return r.ret < 0 ? Effect.fail(NetlinkError.fromErrno("getsockopt", r.ret)) : Effect.succeed(r.data);
      }),
    attachFilter: (socket, program) =>
      sys(() =>
        check(
          "setsockopt",
          p.setsockoptFprog(
            socket.fd,
            SOL_SOCKET,
            SO_ATTACH_FILTER,
            encodeSockFilters(program),
            program.length,
            SOCK_FPROG_SIZE,
          ),
        ),
      ),
    detachFilter: (socket) =>
      sys(() => check("setsockopt", p.setsockopt(socket.fd, SOL_SOCKET, SO_DETACH_FILTER, optvalBytes(0)))),
    lockFilter: (socket) =>
      sys(() => check("setsockopt", p.setsockopt(socket.fd, SOL_SOCKET, SO_LOCK_FILTER, optvalBytes(1)))),
    getFilter: (socket) =>
      sys(() => {
        // SO_GET_FILTER counts instructions: ask how many, then read that many
        const n = p.getsockopt(socket.fd, SOL_SOCKET, SO_GET_FILTER, 0);
        if (n.ret < 0) return Effect.fail(NetlinkError.fromErrno("getsockopt", n.ret));
        if (n.optlen === 0) return Effect.succeed([]);
        const r = p.getsockopt(socket.fd, SOL_SOCKET, SO_GET_FILTER, n.optlen);
        return r.ret < 0
          ? Effect.fail(NetlinkError.fromErrno("getsockopt", r.ret))
          : Effect.succeed(decodeSockFilters(r.data));
      }),
    getsockname: (socket) =>
      sys(() => {
        const r = p.getsockname(socket.fd);
        return r.ret < 0
          ? Effect.fail(NetlinkError.fromErrno("getsockname", r.ret))
          : Effect.succeed({ pid: r.pid, groups: r.groups });
      }),
    getpeername: (socket) =>
      sys(() => {
        const r = p.getpeername(socket.fd);
        return r.ret < 0
          ? Effect.fail(NetlinkError.fromErrno("getpeername", r.ret))
          : Effect.succeed({ pid: r.pid, groups: r.groups });
      }),
    poll,
    close,
  };
};

/**
 * The sim layer for a process's runtime: Netlink over the model. runProcess also installs the
 * runtime's virtual Clock and Scheduler; a program given only this layer must still run inside it.
 */
export const simLayer = (rt: SimRuntime): Layer.Layer<Netlink> => Layer.succeed(Netlink, makeSimNetlink(rt));

/** A process running an Effect program. */
export interface EffectProcess<A, E> {
  readonly process: SimProcess;
  readonly runtime: SimRuntime;
  /** the program's exit, once it has finished (undefined before) */
  readonly exit: () => Exit.Exit<A, E> | undefined;
}

/** How many microtask turns to allow a program's promise-based bits to settle before the task sleeps. */
const SETTLE_TURNS = 8;

/**
 * Spawns a simulated process whose task runs `program` with the sim layer (Netlink, Procfs and
 * InetRaw, the virtual Clock, the process's Scheduler) and a Scope (sockets opened at the top level close at its end).
 * The program's failure is the task's failure (RunResult.failed); a planned kill ends the task
 * with the program abandoned mid-flight (`exit()` stays undefined).
 * The program must wait only on what the world can wake: sockets, Effect.sleep, its own fibers.
 */
export const runProcess = <A, E>(
  world: World,
  opts: ProcessOptions,
  program: Effect.Effect<A, E, Netlink | Procfs | InetRaw | Creds | Scope.Scope>,
): EffectProcess<A, E> => {
  let rt: SimRuntime | undefined;
  let exit: Exit.Exit<A, E> | undefined;
  const p = spawnProcess(world, opts, async (proc) => {
    const runtime = rt!;
    const context = Context.make(Netlink, makeSimNetlink(runtime)).pipe(
      Context.add(Procfs, makeSimProcfs(runtime)),
      Context.add(InetRaw, makeSimInetRaw(runtime)),
      Context.add(Creds, makeSimCreds(runtime)),
      Context.add(Clock.Clock, runtime.clock),
      Context.add(Scheduler.Scheduler, runtime as Scheduler.Scheduler),
    );
    if (runtime.killDue()) {
      runtime.die(`time ${runtime.kill!.atNs}`);
      return;
    }
    const fiber = Effect.runForkWith(context)(Effect.scoped(program), { scheduler: runtime });
    runtime.fiber = fiber as Fiber.Fiber<unknown, unknown>;
    fiber.addObserver((e) => {
      exit = e;
    });
    for (;;) {
      runtime.drain();
      if (exit !== undefined || runtime.killed) break;
      if (runtime.dispatch() > 0) continue;
      if (runtime.killDue()) {
        runtime.die(`time ${runtime.kill!.atNs}`);
        continue;
      }
      let { queues, timeoutNs } = runtime.sleepSet();
      if (queues.length === 0 && !Number.isFinite(timeoutNs)) {
        // maybe a resolved promise (Effect.promise) is about to resume a fiber
        for (let i = 0; i < SETTLE_TURNS && runtime.idle && exit === undefined; i++) await Promise.resolve();
        if (!runtime.idle || exit !== undefined) continue;
        ({ queues, timeoutNs } = runtime.sleepSet());
        if (queues.length === 0 && !Number.isFinite(timeoutNs)) {
          throw new Error(`${proc.name}: the program waits on nothing the world can wake (a real promise or timer?)`);
        }
      }
      await world.sleepOn(queues, timeoutNs);
    }
    const e = exit;
    if (e !== undefined && e._tag === "Failure") {
      throw new Error(`${proc.name}: ${Cause.pretty(e.cause)}`);
    }
  });
  rt = new SimRuntime(world, p);
  return { process: p, runtime: rt, exit: () => exit };
};
