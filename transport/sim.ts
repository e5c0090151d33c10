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
import { Cause, Clock, Context, Effect, type Exit, type Fiber, Layer, Logger, Scheduler, type Scope } from "effect";
import { type NetlinkRecvResult, netlink_proc_rows, type WaitQueue } from "../kernel-model/net/netlink/index.js";
import {
  AF_UNSPEC,
  decodeSockFilters,
  encodeSockaddrNl,
  encodeSockFilters,
  putU32,
  SO_ATTACH_FILTER,
  SO_DETACH_FILTER,
  SO_GET_FILTER,
  SO_LOCK_FILTER,
  SOCK_FPROG_SIZE,
  SOCK_NONBLOCK,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import { Parked, type ProcessOptions, type RecvmmsgResult, type SimProcess, spawnProcess } from "../sim/process.js";
import type { World } from "../sim/world.js";
import { Creds } from "./creds.js";
import { NetlinkError } from "./errors.js";
import { ImmediateCall, immediateCall, type Later, later } from "./immediate.js";
import { InetRaw } from "./inet.js";
import {
  type Datagram,
  DEFAULT_SOCKET_TYPE,
  Netlink,
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
  type ProcNetlinkRow,
  type SendOptions,
  type SocketAddress,
  type SocketOptions,
} from "./netlink.js";
import { Procfs } from "./procfs.js";
import { makeSimCreds, makeSimInetRaw, makeSimProcfs, simFilesLayer } from "./sim-files.js";
import { driveProcess, SimRuntime } from "./sim-runtime.js";

/** The sim layer's socket handle. */
class SimSocket implements NetlinkSocket {
  closed = false;
  constructor(
    readonly fd: number,
    readonly protocol: number,
    readonly inode: number,
  ) {}
}

/**
 * An address (bind, connect, sendto) as the bytes of a sockaddr_nl, made when the call runs: a
 * program's own bytes as they are, a {pid, groups} written into one scratch sockaddr. The model
 * reads the address when the call begins (move_addr_to_kernel, and the trace) and keeps nothing
 * of it (a sendto that sleeps keeps a copy for the trace), so the next call may write the scratch
 * again: a server replying to one client after another makes no address per message.
 */
const SCRATCH_ADDR = encodeSockaddrNl({ pid: 0, groups: 0 });
const addrBytes = (a: SocketAddress): Uint8Array => {
  if (a instanceof Uint8Array) return a;
  putU32(SCRATCH_ADDR, 4, a.pid >>> 0);
  putU32(SCRATCH_ADDR, 8, a.groups >>> 0);
  return SCRATCH_ADDR;
};

const check = (syscall: string, ret: number): Effect.Effect<void, NetlinkError> =>
  ret < 0 ? Effect.fail(NetlinkError.fromErrno(syscall, ret)) : Effect.void;

/** recvmsg's result as the program's Datagram, or its errno as a NetlinkError. */
const toDatagram = (r: NetlinkRecvResult): Effect.Effect<Datagram, NetlinkError> =>
  r.ret < 0 ? Effect.fail(NetlinkError.fromErrno("recvmsg", r.ret)) : Effect.succeed(datagramOf(r));

type DatagramFields = { -readonly [K in keyof Datagram]: Datagram[K] };

/**
 * A plain object made by a constructor rather than an object literal. V8 tracks where each
 * literal is allocated, and a program holds its last datagram while it waits for the next: once
 * enough datagrams have outlived a young-generation collection, V8 allocates every later one in
 * the old generation. There each is garbage that only a full collection frees, and until then it
 * keeps its bytes alive through every scavenge (1,000 blocked processes: about 1.7 MB promoted
 * per scavenge, and the GC's share 3 % → 8 %). A constructor has no allocation site. Its
 * prototype is Object.prototype: to a program (and to a test's equality) it is a plain object.
 */
const PlainDatagram = function (this: DatagramFields, r: NetlinkRecvResult): void {
  // a process's recvmsg copies the datagram into bytes of the program's own (SimProcess passes
  // ownedBytes: no other message's view overlaps them, nothing writes them later)
  this.data = r.data;
  this.length = r.ret;
  this.msgFlags = r.msg_flags;
  this.from = r.name ?? { pid: 0, groups: 0 };
  if (r.pktinfo !== undefined) this.pktinfo = r.pktinfo;
  if (r.creds !== undefined) this.creds = r.creds;
} as unknown as new (
  r: NetlinkRecvResult,
) => DatagramFields;
PlainDatagram.prototype = Object.prototype;

/** A datagram the model read (ret ≥ 0) as the program's Datagram. */
const datagramOf = (r: NetlinkRecvResult): Datagram => new PlainDatagram(r);

/** recvmmsg's datagrams as the program's, or its errno (when it read none) as a NetlinkError. */
const toDatagrams = (r: RecvmmsgResult): Effect.Effect<ReadonlyArray<Datagram>, NetlinkError> =>
  r.ret < 0 ? Effect.fail(NetlinkError.fromErrno("recvmmsg", r.ret)) : Effect.succeed(r.datagrams.map(datagramOf));

/** datagram_poll for each requested socket now: the revents, and how many sockets are ready. */
const pollOnce = (p: SimProcess, requests: ReadonlyArray<PollRequest>): { results: PollResult[]; ready: number } => {
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

/** poll(2) on the model: ready sockets now, else wait on their queues until one is or the timeout passes. */
const simPoll =
  (rt: SimRuntime): NetlinkService["poll"] =>
  (requests, timeoutMs) =>
    rt.sys(() => {
      const { process: p, world } = rt;
      const deadline = timeoutMs < 0 ? Number.POSITIVE_INFINITY : world.now + timeoutMs * 1e6;
      const finish = (r: { results: PollResult[]; ready: number }): Effect.Effect<ReadonlyArray<PollResult>> => {
        world.syscall(
          p.pid,
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
        const r = pollOnce(p, requests);
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

/** The socket-option calls: setsockopt/getsockopt and the socket filter's. */
const simSockoptCalls = (
  rt: SimRuntime,
): Pick<
  NetlinkService,
  "setsockopt" | "getsockopt" | "attachFilter" | "detachFilter" | "lockFilter" | "getFilter" | "getsockoptWithLength"
> => {
  const p = rt.process;
  return {
    setsockopt: (socket, level, name, value) =>
      rt.sys(() => check("setsockopt", p.setsockopt(socket.fd, level, name, optvalBytes(value)))),
    getsockopt: (socket, level, name, length = 4) =>
      rt.sys(() => {
        const r = p.getsockopt(socket.fd, level, name, length);
        return r.ret < 0 ? Effect.fail(NetlinkError.fromErrno("getsockopt", r.ret)) : Effect.succeed(r.data);
      }),
    attachFilter: (socket, program, options) =>
      rt.sys(() =>
        check(
          "setsockopt",
          p.setsockoptFprog(
            socket.fd,
            SOL_SOCKET,
            SO_ATTACH_FILTER,
            encodeSockFilters(program),
            options?.len ?? program.length,
            options?.optlen ?? SOCK_FPROG_SIZE,
          ),
        ),
      ),
    detachFilter: (socket) =>
      rt.sys(() => check("setsockopt", p.setsockopt(socket.fd, SOL_SOCKET, SO_DETACH_FILTER, optvalBytes(0)))),
    lockFilter: (socket) =>
      rt.sys(() => check("setsockopt", p.setsockopt(socket.fd, SOL_SOCKET, SO_LOCK_FILTER, optvalBytes(1)))),
    getFilter: (socket) =>
      rt.sys(() => {
        // SO_GET_FILTER counts instructions: ask how many, then read that many
        const n = p.getsockopt(socket.fd, SOL_SOCKET, SO_GET_FILTER, 0);
        if (n.ret < 0) return Effect.fail(NetlinkError.fromErrno("getsockopt", n.ret));
        if (n.optlen === 0) return Effect.succeed([]);
        const r = p.getsockopt(socket.fd, SOL_SOCKET, SO_GET_FILTER, n.optlen);
        return r.ret < 0
          ? Effect.fail(NetlinkError.fromErrno("getsockopt", r.ret))
          : Effect.succeed(decodeSockFilters(r.data));
      }),
    getsockoptWithLength: (socket, level, name, length) =>
      rt.sys(() => {
        const r = p.getsockopt(socket.fd, level, name, length);
        return r.ret < 0
          ? Effect.fail(NetlinkError.fromErrno("getsockopt", r.ret))
          : Effect.succeed({ data: r.data, optlen: r.optlen });
      }),
  };
};

const sendResult = (r: number): Effect.Effect<number, NetlinkError> =>
  r < 0 ? Effect.fail(NetlinkError.fromErrno("sendto", r)) : Effect.succeed(r);

/** recvmsg(2) on the model: the datagram at once, its errno, or a wait of the fiber (Parked). */
class SimRecvmsg extends ImmediateCall<Datagram, NetlinkError> {
  constructor(
    private readonly rt: SimRuntime,
    private readonly fd: number,
    private readonly size: number,
    private readonly flags: number,
  ) {
    super();
  }
  /** Whether this call can be the effect of another recvmsg(fd, size, flags) (then it is rewound for it). */
  takeAgain(fd: number, size: number, flags: number): boolean {
    return this.fd === fd && this.size === size && this.flags === flags && this.rewind();
  }
  run(): Datagram | Later<Datagram, NetlinkError, never> {
    const rt = this.rt;
    if (!rt.enter()) return later(Effect.never);
    const r = rt.process.recvmsgCall(this.fd, this.size, this.flags);
    if (r instanceof Parked) return later(rt.waitCall(r, toDatagram));
    // an errno: the same failure as after a wait (toDatagram)
    return r.ret < 0 ? later(toDatagram(r)) : datagramOf(r);
  }
  override fair(): boolean {
    return this.rt.fair();
  }
}

/** recvmmsg(2) on the model. */
class SimRecvmmsg extends ImmediateCall<ReadonlyArray<Datagram>, NetlinkError> {
  constructor(
    private readonly rt: SimRuntime,
    private readonly fd: number,
    private readonly count: number,
    private readonly size: number,
    private readonly flags: number,
  ) {
    super();
  }
  run(): ReadonlyArray<Datagram> | Later<ReadonlyArray<Datagram>, NetlinkError, never> {
    const rt = this.rt;
    if (!rt.enter()) return later(Effect.never);
    const r = rt.process.recvmmsgCall(this.fd, this.count, this.size, this.flags);
    if (r instanceof Parked) return later(rt.waitCall(r, toDatagrams));
    return r.ret < 0 ? later(toDatagrams(r)) : r.datagrams.map(datagramOf);
  }
  override fair(): boolean {
    return this.rt.fair();
  }
}

/** sendto(2) on the model: its result at once, its errno, or a wait of the fiber on a full queue. */
class SimSendto extends ImmediateCall<number, NetlinkError> {
  constructor(
    private readonly rt: SimRuntime,
    private readonly fd: number,
    private readonly data: Uint8Array,
    private readonly flags: number,
    private readonly to: SocketAddress | undefined,
  ) {
    super();
  }
  run(): number | Later<number, NetlinkError, never> {
    const rt = this.rt;
    if (!rt.enter()) return later(Effect.never);
    const to = this.to;
    const r = rt.process.sendtoCall(this.fd, this.data, this.flags, to === undefined ? undefined : addrBytes(to));
    if (typeof r !== "number") return later(rt.waitCall(r, sendResult));
    return r < 0 ? later(sendResult(r)) : r;
  }
  override fair(): boolean {
    return this.rt.fair();
  }
}

/**
 * The Netlink service of one simulated process. The per-message calls (sendto, recvmsg, recvmmsg)
 * are the call classes above, the socket options and poll module functions; the rest are here.
 */
export const makeSimNetlink = (rt: SimRuntime): NetlinkService => {
  const p = rt.process;
  const world = rt.world;

  const sys = <A>(f: () => Effect.Effect<A, NetlinkError>): Effect.Effect<A, NetlinkError> => rt.sys(f);

  // sendto, recvmsg and recvmmsg, the per-message calls: one object per call (its arguments in
  // fields), whose yield* runs it on the spot (transport/immediate.ts), as the kernel layer's do
  // A program that reads in a loop asks for the same recvmsg each time: the call object of the
  // last one is handed out again once its yield* is over (a world of thousands of blocked
  // readers then makes none per wait, and the young generation's collector has none to copy).
  // Until then it still refers to the datagram it gave (its iterator's last value): one per
  // process at most.
  let lastRecvmsg: SimRecvmsg | undefined;
  const recvmsg = (socket: NetlinkSocket, size: number, flags = 0): Effect.Effect<Datagram, NetlinkError> => {
    const last = lastRecvmsg;
    if (last?.takeAgain(socket.fd, size, flags)) return immediateCall(last);
    const call = new SimRecvmsg(rt, socket.fd, size, flags);
    lastRecvmsg = call;
    return immediateCall(call);
  };

  const recvmmsg = (
    socket: NetlinkSocket,
    count: number,
    size: number,
    flags = 0,
  ): Effect.Effect<ReadonlyArray<Datagram>, NetlinkError> =>
    immediateCall(new SimRecvmmsg(rt, socket.fd, count, size, flags));

  const sendto = (
    socket: NetlinkSocket,
    data: Uint8Array,
    options?: SendOptions,
  ): Effect.Effect<number, NetlinkError> =>
    immediateCall(new SimSendto(rt, socket.fd, data, options?.flags ?? 0, options?.to));

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
            : Effect.succeed(new SimSocket(fd, protocol, p.sock(fd)!.ino));
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
    recvmmsg,
    ...simSockoptCalls(rt),
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
    poll: simPoll(rt),
    close,
    // reading /proc/net/netlink: the model's rows as netlink_seq_show walks them (not traced)
    procNetlink: () =>
      sys(() =>
        Effect.succeed(
          netlink_proc_rows(world.net).map(
            (r): ProcNetlinkRow => ({
              protocol: r.protocol,
              portid: r.portid,
              groups: r.groups,
              rmem: r.rmem,
              dump: r.dump,
              drops: r.drops,
              inode: r.inode,
            }),
          ),
        ),
      ),
  };
};

/**
 * The sim layer for a process's runtime: Netlink over the model. runProcess also installs the
 * runtime's virtual Clock and Scheduler; a program given only this layer must still run inside it.
 */
export const simLayer = (rt: SimRuntime): Layer.Layer<Netlink> => Layer.succeed(Netlink, makeSimNetlink(rt));

/** One logged value as text: JSON where it has one (a bigint or a cycle has not: String). */
const logValue = (m: unknown): string => {
  if (typeof m === "string") return m;
  if (m instanceof Error) return m.message;
  try {
    return JSON.stringify(m) ?? String(m);
  } catch {
    return String(m);
  }
};

const logText = (message: unknown): string => (Array.isArray(message) ? message : [message]).map(logValue).join(" ");

/**
 * The process's logger: what its program logs (Effect.log*, the client's warning for a reply it
 * dropped) goes into the world's trace as a `log` event, not to the console; a warning or worse
 * is the task's last warning, which a deadlock report names.
 */
const simLogger = (rt: SimRuntime): Logger.Logger<unknown, void> =>
  Logger.make(({ logLevel, message }) => {
    const task = rt.process.task;
    if (task === undefined) return;
    rt.world.log(task, logLevel, logText(message), logLevel === "Warn" || logLevel === "Error" || logLevel === "Fatal");
  });

/**
 * Everything a program of this process is given, as one layer: Netlink, Procfs, InetRaw and Creds
 * over the model, the virtual Clock, the process's Scheduler and its logger (into the trace).
 */
export const processLayer = (rt: SimRuntime): Layer.Layer<Netlink | Procfs | InetRaw | Creds> =>
  Layer.mergeAll(
    simLayer(rt),
    simFilesLayer(rt),
    Layer.succeed(Clock.Clock, rt.clock),
    Layer.succeed(Scheduler.Scheduler, rt as Scheduler.Scheduler),
    Logger.layer([simLogger(rt)]),
  );

/**
 * The process's context: what processLayer builds, made directly. Its layers acquire nothing, and
 * building them (a memo map, a scope and a context per layer) cost each process of a world about
 * as much as its program's set-up; a world of thousands of processes makes thousands of these.
 */
export const processContext = (rt: SimRuntime): Context.Context<Netlink | Procfs | InetRaw | Creds> =>
  Context.makeUnsafe(
    new Map<string, unknown>([
      [Netlink.key, makeSimNetlink(rt)],
      [Procfs.key, makeSimProcfs(rt)],
      [InetRaw.key, makeSimInetRaw(rt)],
      [Creds.key, makeSimCreds(rt)],
      [Clock.Clock.key, rt.clock],
      [Scheduler.Scheduler.key, rt],
      [Logger.CurrentLoggers.key, new Set([simLogger(rt)])],
    ]),
  );

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
    if (runtime.killDue()) {
      runtime.die(`time ${runtime.kill!.atNs}`);
      return;
    }
    const fiber = Effect.runForkWith(processContext(runtime))(Effect.scoped(program), { scheduler: runtime });
    runtime.fiber = fiber as Fiber.Fiber<unknown, unknown>;
    fiber.addObserver((e) => {
      exit = e;
      runtime.finished = true;
    });
    await driveProcess(runtime, async () => {
      // maybe a resolved promise (Effect.promise) is about to resume a fiber
      for (let i = 0; i < SETTLE_TURNS && runtime.idle && exit === undefined; i++) await Promise.resolve();
      if (!runtime.idle || exit !== undefined) return "again";
      runtime.sleepSet();
      if (!runtime.canSleep) {
        throw new Error(`${proc.name}: the program waits on nothing the world can wake (a real promise or timer?)`);
      }
      return "again";
    });
    const e = exit;
    if (e !== undefined && e._tag === "Failure") {
      throw new Error(`${proc.name}: ${Cause.pretty(e.cause)}`);
    }
  });
  rt = new SimRuntime(world, p);
  return { process: p, runtime: rt, exit: () => exit };
};
