// The kernel layer: the Netlink service over real AF_NETLINK sockets (native/), with exactly the
// contract of transport/netlink.ts.
//
// How blocking works without blocking Node
// - Every syscall reaches the kernel with MSG_DONTWAIT, so the event loop never sleeps in the
//   kernel. A call that could block (a blocking socket, no MSG_DONTWAIT) and got EAGAIN waits:
//   recvmsg on the socket's readiness (uv_poll, one Poller per fd shared by every waiting fiber),
//   up to SO_RCVTIMEO; sendto (a full receiver: netlink sockets have no writable event) by
//   retrying after short sleeps, up to SO_SNDTIMEO; then EAGAIN, as the kernel's timeout gives.
// - poll looks with poll(2) and a zero timeout (addon.pollNow), then waits on the readiness of
//   every socket at once until one is ready or the timeout passes.
// - Time is Effect's Clock (the real one unless a program provides another): deadlines are
//   Effect.sleep / Effect.timeoutOption, so interruption abandons a wait like a signal.
import { fstatSync, readFileSync } from "node:fs";
import { Data, Duration, Effect, Layer, Option } from "effect";
import {
  decodeSockFilters,
  encodeSockFilters,
  ownedCopy,
  SO_ATTACH_FILTER,
  SO_DETACH_FILTER,
  SO_GET_FILTER,
  SO_LOCK_FILTER,
  SOCK_FPROG_SIZE,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import {
  isErrno,
  type NativeErrno,
  type NativeRecv,
  type NetlinkAddon,
  nativeAvailability,
  nativeNetlink,
  POLL_READABLE,
  Poller,
  RECV_META,
  sockaddrNl,
} from "../native/index.js";
import { NetlinkError } from "./errors.js";
import { immediate, later } from "./immediate.js";
import {
  type Datagram,
  DEFAULT_SOCKET_TYPE,
  Netlink,
  type NetlinkService,
  type NetlinkSocket,
  optvalBytes,
  POLLNVAL,
  type PollRequest,
  type PollResult,
  type ProcNetlinkRow,
  type SendOptions,
  type SocketAddress,
  type SocketOptions,
} from "./netlink.js";

/** Building the kernel layer failed: the native addon cannot run here (`reason` says why). */
export class KernelUnavailable extends Data.TaggedError("KernelUnavailable")<{
  readonly reason: string;
  readonly message: string;
}> {}

// ---- readiness: one Poller per fd, shared by every fiber waiting on it ------------------------

interface Watch {
  poller: Poller;
  readonly waiters: Set<() => void>;
}

/** Readiness of the addon's sockets on Node's loop. */
export class Readiness {
  private readonly watches = new Map<number, Watch>();
  constructor(private readonly addon: NetlinkAddon) {}

  /** Calls `wake` once, the next time `fd` is readable (or has an error pending). Returns the cancel. */
  private subscribe(fd: number, wake: () => void): () => void {
    let w = this.watches.get(fd);
    if (w === undefined) {
      const waiters = new Set<() => void>();
      const p = Poller.watch(this.addon, fd, POLL_READABLE, () => this.fire(fd));
      if (isErrno(p)) {
        // cannot watch (a closed fd, say): let the caller retry the syscall soon, which reports it
        const t = setTimeout(wake, 1);
        return () => clearTimeout(t);
      }
      w = { poller: p, waiters };
      this.watches.set(fd, w);
    }
    const watch = w;
    watch.waiters.add(wake);
    return () => {
      watch.waiters.delete(wake);
      if (watch.waiters.size === 0 && this.watches.get(fd) === watch) {
        watch.poller.stop();
        this.watches.delete(fd);
      }
    };
  }

  private fire(fd: number): void {
    const w = this.watches.get(fd);
    if (w === undefined) return;
    this.watches.delete(fd);
    w.poller.stop();
    for (const wake of [...w.waiters]) wake();
  }

  /** Before close(fd): wakes whoever waits on it (their retry then sees EBADF). */
  closing(fd: number): void {
    this.fire(fd);
  }

  /** Waits until one of `fds` is readable (true) or `timeoutMs` passes (false; undefined = no limit). */
  waitAny(fds: ReadonlyArray<number>, timeoutMs: number | undefined): Effect.Effect<boolean> {
    const wait = Effect.callback<boolean>((resume) => {
      const cancels: Array<() => void> = [];
      let done = false;
      const wake = (): void => {
        if (done) return;
        done = true;
        for (const c of cancels) c();
        resume(Effect.succeed(true));
      };
      for (const fd of fds) cancels.push(this.subscribe(fd, wake));
      return Effect.sync(() => {
        done = true;
        for (const c of cancels) c();
      });
    });
    if (timeoutMs === undefined) return wait;
    return Effect.map(Effect.timeoutOption(wait, Duration.millis(Math.max(0, timeoutMs))), Option.isSome);
  }
}

// ---- the blocking primitives (errno as a value), shared with the scenario runner --------------

const TIMEVAL_SIZE = 16;

/** SO_RCVTIMEO / SO_SNDTIMEO in ms; undefined when 0 (no limit) or unreadable. */
export const socketTimeoutMs = (addon: NetlinkAddon, fd: number, opt: number): number | undefined => {
  const r = addon.getsockopt(fd, addon.constants.SOL_SOCKET, opt, TIMEVAL_SIZE);
  if (isErrno(r) || r.data.length < TIMEVAL_SIZE) return undefined;
  const v = new DataView(r.data.buffer, r.data.byteOffset, TIMEVAL_SIZE);
  const ms = Number(v.getBigInt64(0, true)) * 1000 + Number(v.getBigInt64(8, true)) / 1000;
  return ms > 0 ? ms : undefined;
};

/** What a blocking call does when the socket's timeout is unset: wait forever, or a hidden limit. */
export interface BlockingOptions {
  /** the socket was created with SOCK_NONBLOCK */
  readonly nonblock: boolean;
  /** used instead of "forever" when SO_*TIMEO is 0 (the scenario runner's hidden 1 s limit) */
  readonly unboundedLimitMs?: number;
}

const EAGAIN: NativeErrno = { errno: "EAGAIN", code: 11 };
/** The receive scratch buffer's first size, and the addon's cap on one recvmsg buffer. */
const SCRATCH_BYTES = 64 * 1024;
/** The largest scratch buffer the service keeps for later receives (a bigger one is used once). */
const SCRATCH_KEEP = 1024 * 1024;
const MAX_RECV = 64 * 1024 * 1024;

/** recvmsg as the kernel does it for this socket and these flags, without blocking Node. */
export const recvBlocking = (
  addon: NetlinkAddon,
  readiness: Readiness,
  fd: number,
  size: number,
  flags: number,
  opts: BlockingOptions,
): Effect.Effect<NativeRecv | NativeErrno> =>
  Effect.suspend(() => {
    const dontwait = addon.constants.MSG_DONTWAIT;
    const first = addon.recvmsg(fd, size, flags | dontwait);
    if (!isErrno(first) || first.errno !== "EAGAIN" || opts.nonblock || (flags & dontwait) !== 0) {
      return Effect.succeed(first);
    }
    const limit = socketTimeoutMs(addon, fd, addon.constants.SO_RCVTIMEO) ?? opts.unboundedLimitMs;
    return Effect.flatMap(
      Effect.clockWith((c) => c.currentTimeMillis),
      (start) => {
        const loop: Effect.Effect<NativeRecv | NativeErrno> = Effect.flatMap(
          Effect.clockWith((c) => c.currentTimeMillis),
          (now) => {
            const left = limit === undefined ? undefined : start + limit - now;
            if (left !== undefined && left <= 0) return Effect.succeed(EAGAIN);
            return Effect.flatMap(readiness.waitAny([fd], left), () => {
              const r = addon.recvmsg(fd, size, flags | dontwait);
              return isErrno(r) && r.errno === "EAGAIN" ? loop : Effect.succeed(r);
            });
          },
        );
        return loop;
      },
    );
  });

/** sendmsg as the kernel does it: a full receiver makes a blocking send retry until SO_SNDTIMEO. */
export const sendBlocking = (
  addon: NetlinkAddon,
  fd: number,
  data: Uint8Array,
  flags: number,
  addr: Uint8Array | undefined,
  opts: BlockingOptions,
): Effect.Effect<number | NativeErrno> =>
  Effect.suspend(() => {
    const dontwait = addon.constants.MSG_DONTWAIT;
    const first = addon.sendmsg(fd, data, flags | dontwait, addr ?? null);
    if (!isErrno(first) || first.errno !== "EAGAIN" || opts.nonblock || (flags & dontwait) !== 0) {
      return Effect.succeed(first);
    }
    const limit = socketTimeoutMs(addon, fd, addon.constants.SO_SNDTIMEO) ?? opts.unboundedLimitMs;
    return Effect.flatMap(
      Effect.clockWith((c) => c.currentTimeMillis),
      (start) => {
        // no readiness event for "the receiver has room": sleep 1, 2, 4 ... 16 ms between tries
        const loop = (pause: number): Effect.Effect<number | NativeErrno> =>
          Effect.flatMap(
            Effect.clockWith((c) => c.currentTimeMillis),
            (now) => {
              const left = limit === undefined ? pause : start + limit - now;
              if (left <= 0) return Effect.succeed(EAGAIN);
              return Effect.flatMap(Effect.sleep(Duration.millis(Math.min(pause, left))), () => {
                const r = addon.sendmsg(fd, data, flags | dontwait, addr ?? null);
                return isErrno(r) && r.errno === "EAGAIN" ? loop(Math.min(pause * 2, 16)) : Effect.succeed(r);
              });
            },
          );
        return loop(1);
      },
    );
  });

// ---- the service --------------------------------------------------------------------------------

/**
 * sendTo/recvInto over recvmsg/sendmsg, for an addon built before the fast path existed (a
 * binary shipped with an older package): the same results, one object per call.
 */
const slowPath = (addon: NetlinkAddon): Pick<NetlinkAddon, "sendTo" | "recvInto"> => ({
  sendTo: (fd, data, flags, pid, groups) => {
    const r = addon.sendmsg(fd, data, flags, pid === undefined ? null : sockaddrNl(pid, groups ?? 0));
    return isErrno(r) ? -r.code : r;
  },
  recvInto: (fd, buf, size, flags, meta) => {
    const r = addon.recvmsg(fd, size, flags);
    if (isErrno(r)) return -r.code;
    buf.set(r.data);
    meta[0] = r.flags;
    meta[1] = r.name?.len ?? 0;
    meta[2] = r.name?.pid ?? 0;
    meta[3] = r.name?.groups ?? 0;
    meta[4] = (r.pktinfo !== undefined ? 1 : 0) | (r.creds !== undefined ? 2 : 0);
    meta[5] = r.pktinfo?.group ?? 0;
    meta[6] = r.creds?.pid ?? 0;
    meta[7] = r.creds?.uid ?? 0;
    meta[8] = r.creds?.gid ?? 0;
    return r.ret;
  },
});

/** Marks the kernel layer's sockets: a property test is cheaper per call than `instanceof`. */
const KERNEL_SOCKET: unique symbol = Symbol("nlsim.KernelSocket");

/** The kernel layer's socket handle. */
class KernelSocket implements NetlinkSocket {
  readonly [KERNEL_SOCKET] = true;
  closed = false;
  /**
   * An error a recvmmsg met after it had read datagrams, in a syscall of its own (the kernel puts
   * such an error back in sk_err; this layer cannot): the socket's next receive reports it. 0: none.
   */
  deferredErrno = 0;
  private ino: number | undefined;
  constructor(
    readonly fd: number,
    readonly protocol: number,
    readonly nonblock: boolean,
  ) {}
  /** fstat's st_ino, read once (-1 when the fd cannot be read: closed) */
  get inode(): number {
    if (this.ino === undefined) {
      try {
        this.ino = fstatSync(this.fd).ino;
      } catch {
        return -1;
      }
    }
    return this.ino;
  }
}

/** /proc/net/netlink of this process's network namespace. */
export const readProcNetlink = (): ProcNetlinkRow[] => {
  const rows: ProcNetlinkRow[] = [];
  const lines = readFileSync("/proc/self/net/netlink", "utf8").split("\n").slice(1);
  for (const line of lines) {
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    rows.push({
      protocol: Number(f[1]),
      portid: Number(f[2]),
      groups: Number.parseInt(f[3]!, 16) >>> 0,
      rmem: Number(f[4]),
      dump: Number(f[6]),
      drops: Number(f[8]),
      inode: Number(f[9]),
    });
  }
  return rows;
};

const fail = (syscall: string, e: NativeErrno): NetlinkError => NetlinkError.fromErrno(syscall, e.code);
const ebadf = (syscall: string): Effect.Effect<never, NetlinkError> => Effect.fail(NetlinkError.fromErrno(syscall, 9));

/** The error a recvmmsg left for the socket's next receive, reported once. */
const deferred = (socket: KernelSocket, syscall: string): Effect.Effect<never, NetlinkError> => {
  const e = socket.deferredErrno;
  socket.deferredErrno = 0;
  return Effect.fail(NetlinkError.fromErrno(syscall, e));
};

const addrBytes = (a: SocketAddress): Uint8Array => (a instanceof Uint8Array ? a : sockaddrNl(a.pid, a.groups));

const open = (s: NetlinkSocket): s is KernelSocket =>
  (s as Partial<KernelSocket>)[KERNEL_SOCKET] === true && !(s as KernelSocket).closed;

/** One non-blocking syscall on an open socket: EBADF without reaching the kernel once closed. */
const call = <A>(
  syscall: string,
  socket: NetlinkSocket,
  f: (fd: number) => A | NativeErrno,
): Effect.Effect<A, NetlinkError> =>
  Effect.suspend(() => {
    if (!open(socket)) return ebadf(syscall);
    const r = f(socket.fd);
    return isErrno(r) ? Effect.fail(fail(syscall, r)) : Effect.succeed(r);
  });

/** recvmsg's result from the addon's blocking path as the program's Datagram. */
const toDatagram = (r: NativeRecv): Datagram => {
  const d: { -readonly [K in keyof Datagram]: Datagram[K] } = {
    data: r.data,
    length: r.ret,
    msgFlags: r.flags,
    from: r.name !== null ? { pid: r.name.pid, groups: r.name.groups } : { pid: 0, groups: 0 },
  };
  if (r.pktinfo !== undefined) d.pktinfo = r.pktinfo.group;
  if (r.creds !== undefined) d.creds = r.creds;
  if (r.cmsgs.length > 0) d.cmsgs = r.cmsgs;
  return d;
};

/**
 * A datagram the fast path received into `buf` at `off`: the syscall's `ret` (its length, more
 * than `size` with MSG_TRUNC), and its meta (see NetlinkAddon.recvInto) at `meta[m ...]`. The
 * bytes are copied into bytes of the datagram's own (ownedCopy: the scratch buffer is reused).
 */
const metaDatagram = (
  buf: Uint8Array,
  off: number,
  ret: number,
  size: number,
  meta: Uint32Array,
  m: number,
): Datagram => {
  const d: { -readonly [K in keyof Datagram]: Datagram[K] } = {
    data: ownedCopy(buf, off, off + Math.min(ret, size)),
    length: ret,
    msgFlags: meta[m]!,
    from: meta[m + 1] !== 0 ? { pid: meta[m + 2]!, groups: meta[m + 3]! } : { pid: 0, groups: 0 },
  };
  const cm = meta[m + 4]!;
  if ((cm & 1) !== 0) d.pktinfo = meta[m + 5]!;
  if ((cm & 2) !== 0) d.creds = { pid: meta[m + 6]! | 0, uid: meta[m + 7]!, gid: meta[m + 8]! };
  return d;
};

/** UIO_MAXIOV: the most datagrams one recvmmsg reads (a larger count is cut to it, as the kernel does). */
const UIO_MAXIOV = 1024;

/**
 * NetlinkService.recvmmsg over the addon: recvmmsgInto with MSG_DONTWAIT (one syscall for what is
 * queued), and, where the call must wait (the first datagram on a blocking socket; every one
 * without MSG_WAITFORONE), readiness and SO_RCVTIMEO as recvmsg waits. An addon built before
 * recvmmsgInto reads one datagram per syscall.
 */
const makeRecvmmsg = (addon: NetlinkAddon, readiness: Readiness): NetlinkService["recvmmsg"] => {
  const DONTWAIT = addon.constants.MSG_DONTWAIT;
  const WAITFORONE = addon.constants.MSG_WAITFORONE;
  const batched = typeof addon.recvmmsgInto === "function";
  let buf = new Uint8Array(0);
  let meta = new Uint32Array(0);
  const one = new Uint32Array(RECV_META);

  /** One non-blocking syscall of up to `want` datagrams appended to `out`: how many, or a negative errno. */
  const readSome = (fd: number, want: number, size: number, flags: number, out: Datagram[]): number => {
    if (!batched) {
      if (buf.length < size) buf = new Uint8Array(size);
      const ret = addon.recvInto(fd, buf, size, flags | DONTWAIT, one);
      if (ret >= 0) out.push(metaDatagram(buf, 0, ret, size, one, 0));
      return ret < 0 ? ret : 1;
    }
    const need = want * size;
    // the batch buffer is kept up to SCRATCH_KEEP; a bigger one serves one call
    const b = need <= buf.length ? buf : new Uint8Array(need);
    if (need > buf.length && need <= SCRATCH_KEEP) buf = b;
    if (meta.length < want * (RECV_META + 1)) meta = new Uint32Array(Math.max(want, 64) * (RECV_META + 1));
    const n = addon.recvmmsgInto(fd, b, want, size, flags | DONTWAIT, meta);
    for (let i = 0; i < n; i++) {
      const m = i * (RECV_META + 1);
      out.push(metaDatagram(b, i * size, meta[m]!, size, meta, m + 1));
    }
    return n;
  };

  return (socket, count, size, flags = 0) =>
    immediate(() => {
      if (!open(socket)) return later(ebadf("recvmmsg"));
      if (socket.deferredErrno !== 0) return later(deferred(socket, "recvmmsg"));
      if (!Number.isInteger(count) || count < 0 || !Number.isInteger(size) || size < 1 || size > MAX_RECV) {
        return later(Effect.fail(NetlinkError.fromErrno("recvmmsg", -22)));
      }
      const want = Math.min(count, UIO_MAXIOV);
      const out: Datagram[] = [];
      if (want === 0) return out;
      const mayWait = !socket.nonblock && (flags & DONTWAIT) === 0;
      const waitForAll = mayWait && (flags & WAITFORONE) === 0;
      const inner = flags & ~WAITFORONE;
      let limit: number | undefined;
      /** reads until the batch is full or must wait; the result, or undefined to wait for readiness */
      const read = (): Effect.Effect<ReadonlyArray<Datagram>, NetlinkError> | undefined => {
        for (;;) {
          const before = out.length;
          const r = readSome(socket.fd, want - out.length, size, inner, out);
          if (out.length >= want) return Effect.succeed(out);
          if (r < 0) {
            if (r === -EAGAIN.code && mayWait && (out.length === 0 || waitForAll)) return undefined;
            if (out.length === 0) return Effect.fail(NetlinkError.fromErrno("recvmmsg", r));
            // what the kernel would return on the next call
            if (r !== -EAGAIN.code) socket.deferredErrno = r;
            return Effect.succeed(out);
          }
          // a batch syscall that read fewer than asked emptied the queue: no need to ask again
          if (batched && out.length - before < want - before && !waitForAll) return Effect.succeed(out);
        }
      };
      const wait: Effect.Effect<ReadonlyArray<Datagram>, NetlinkError> = Effect.suspend(() => {
        // each datagram waits up to SO_RCVTIMEO (read once, at the first wait)
        limit ??= socketTimeoutMs(addon, socket.fd, addon.constants.SO_RCVTIMEO) ?? Number.POSITIVE_INFINITY;
        return Effect.flatMap(readiness.waitAny([socket.fd], Number.isFinite(limit) ? limit : undefined), (woke) => {
          if (!open(socket)) return ebadf("recvmmsg");
          if (woke) return loop;
          // SO_RCVTIMEO passed: what was read, or EAGAIN
          return out.length > 0 ? Effect.succeed(out) : Effect.fail(NetlinkError.fromErrno("recvmmsg", -EAGAIN.code));
        });
      });
      const loop: Effect.Effect<ReadonlyArray<Datagram>, NetlinkError> = Effect.suspend(() => read() ?? wait);
      return later(read() ?? wait);
    });
};

/** poll's first look: each open socket's revents now (POLLNVAL for a closed one). */
const look = (addon: NetlinkAddon, requests: ReadonlyArray<PollRequest>): Effect.Effect<PollResult[], NetlinkError> =>
  Effect.suspend(() => {
    const out: PollResult[] = [];
    for (const q of requests) {
      if (!open(q.socket)) {
        out.push({ socket: q.socket, revents: POLLNVAL });
        continue;
      }
      const r = addon.pollNow(q.socket.fd, q.events);
      if (isErrno(r)) return Effect.fail(fail("poll", r));
      out.push({ socket: q.socket, revents: r });
    }
    return Effect.succeed(out);
  });

/** poll(2) on real sockets: ready now, else wait for readiness on Node's loop until the timeout. */
const kernelPoll =
  (addon: NetlinkAddon, readiness: Readiness): NetlinkService["poll"] =>
  (requests, timeoutMs) =>
    Effect.flatMap(
      Effect.clockWith((c) => c.currentTimeMillis),
      (start) => {
        const loop: Effect.Effect<ReadonlyArray<PollResult>, NetlinkError> = Effect.flatMap(
          look(addon, requests),
          (r) => {
            if (r.some((x) => x.revents !== 0) || timeoutMs === 0) return Effect.succeed(r);
            return Effect.flatMap(
              Effect.clockWith((c) => c.currentTimeMillis),
              (now) => {
                const left = timeoutMs < 0 ? undefined : start + timeoutMs - now;
                if (left !== undefined && left <= 0) return Effect.succeed(r);
                const fds = requests.filter((q) => open(q.socket)).map((q) => q.socket.fd);
                return Effect.flatMap(readiness.waitAny(fds, left), () => loop);
              },
            );
          },
        );
        return loop;
      },
    );

/** The socket-option calls: setsockopt/getsockopt and the socket filter's. */
const kernelSockoptCalls = (
  addon: NetlinkAddon,
): Pick<
  NetlinkService,
  "setsockopt" | "getsockopt" | "attachFilter" | "detachFilter" | "lockFilter" | "getFilter" | "getsockoptWithLength"
> => ({
  setsockopt: (socket, level, name, value) =>
    Effect.asVoid(call("setsockopt", socket, (fd) => addon.setsockopt(fd, level, name, optvalBytes(value)))),
  getsockopt: (socket, level, name, length = 4) =>
    Effect.map(
      call("getsockopt", socket, (fd) => addon.getsockopt(fd, level, name, length)),
      (r) => r.data,
    ),
  attachFilter: (socket, program, options) =>
    Effect.asVoid(
      call("setsockopt", socket, (fd) =>
        addon.setsockoptFprog(
          fd,
          SOL_SOCKET,
          SO_ATTACH_FILTER,
          encodeSockFilters(program),
          options?.len ?? program.length,
          options?.optlen ?? SOCK_FPROG_SIZE,
        ),
      ),
    ),
  detachFilter: (socket) =>
    Effect.asVoid(
      call("setsockopt", socket, (fd) => addon.setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, optvalBytes(0))),
    ),
  lockFilter: (socket) =>
    Effect.asVoid(call("setsockopt", socket, (fd) => addon.setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, optvalBytes(1)))),
  getFilter: (socket) =>
    Effect.flatMap(
      // SO_GET_FILTER counts instructions: ask how many, then read that many
      call("getsockopt", socket, (fd) => addon.getsockoptFilter(fd, SOL_SOCKET, SO_GET_FILTER, 0)),
      (n) =>
        n.optlen === 0
          ? Effect.succeed([])
          : Effect.map(
              call("getsockopt", socket, (fd) => addon.getsockoptFilter(fd, SOL_SOCKET, SO_GET_FILTER, n.optlen)),
              (r) => decodeSockFilters(r.data),
            ),
    ),
  getsockoptWithLength: (socket, level, name, length) =>
    Effect.map(
      call("getsockopt", socket, (fd) => addon.getsockopt(fd, level, name, length)),
      (r) => ({ data: r.data, optlen: r.optlen }),
    ),
});

/**
 * The Netlink service over the addon. Longer than most functions on purpose: the per-message
 * path (recvNow, sendto, recvmsg and the readiness they share) stays as closures over one
 * Readiness and the addon's fast calls, so that a message costs no lookups; everything else is a
 * module function above.
 */
export const makeKernelNetlink = (addon: NetlinkAddon): NetlinkService => {
  const readiness = new Readiness(addon);
  const C = addon.constants;

  // The fast path: one recvInto into a scratch buffer the service reuses, then a copy of the
  // bytes of the caller's own (ownedCopy).
  let scratch = new Uint8Array(SCRATCH_BYTES);
  const meta = new Uint32Array(RECV_META);
  const DONTWAIT = C.MSG_DONTWAIT;
  // the addon's exports object has dozens of properties (a slow-mode object): keep the two
  // per-message functions in a small object of their own so each call is a monomorphic load
  const fast =
    typeof addon.recvInto === "function" && typeof addon.sendTo === "function"
      ? { sendTo: addon.sendTo, recvInto: addon.recvInto }
      : slowPath(addon);

  /** recvmsg with MSG_DONTWAIT as a Datagram, or the negative errno. */
  const recvNow = (fd: number, size: number, flags: number): Datagram | number => {
    let buf = scratch;
    if (size > buf.length && size <= MAX_RECV) {
      // the service lives as long as the addon: keep a larger scratch only up to SCRATCH_KEEP
      buf = new Uint8Array(size);
      if (size <= SCRATCH_KEEP) scratch = buf;
    }
    const ret = fast.recvInto(fd, buf, size, flags | DONTWAIT, meta);
    return ret < 0 ? ret : metaDatagram(buf, 0, ret, size, meta, 0);
  };

  const recvmsg = (socket: NetlinkSocket, size: number, flags = 0): Effect.Effect<Datagram, NetlinkError> =>
    immediate(() => {
      if (!open(socket)) return later(ebadf("recvmsg"));
      if (socket.deferredErrno !== 0) return later(deferred(socket, "recvmsg"));
      const first = recvNow(socket.fd, size, flags);
      if (typeof first !== "number") return first;
      if (first !== -EAGAIN.code || socket.nonblock || (flags & DONTWAIT) !== 0) {
        return later(Effect.fail(NetlinkError.fromErrno("recvmsg", -first)));
      }
      // a blocking receive on an empty queue: wait for readiness (recvBlocking tries once more first)
      return later(
        Effect.flatMap(recvBlocking(addon, readiness, socket.fd, size, flags, { nonblock: socket.nonblock }), (r) =>
          isErrno(r) ? Effect.fail(fail("recvmsg", r)) : Effect.succeed(toDatagram(r)),
        ),
      );
    });

  const sendto = (
    socket: NetlinkSocket,
    data: Uint8Array,
    options?: SendOptions,
  ): Effect.Effect<number, NetlinkError> =>
    immediate(() => {
      if (!open(socket)) return later(ebadf("sendto"));
      const to = options?.to;
      const flags = options?.flags ?? 0;
      if (to instanceof Uint8Array) {
        // raw sockaddr bytes reach the kernel as given (their length included): the sendmsg path
        return later(
          Effect.flatMap(sendBlocking(addon, socket.fd, data, flags, to, { nonblock: socket.nonblock }), (r) =>
            isErrno(r) ? Effect.fail(fail("sendto", r)) : Effect.succeed(r),
          ),
        );
      }
      const first =
        to === undefined
          ? fast.sendTo(socket.fd, data, flags | DONTWAIT)
          : fast.sendTo(socket.fd, data, flags | DONTWAIT, to.pid >>> 0, to.groups >>> 0);
      if (first >= 0) return first;
      if (first !== -EAGAIN.code || socket.nonblock || (flags & DONTWAIT) !== 0) {
        return later(Effect.fail(NetlinkError.fromErrno("sendto", -first)));
      }
      // a blocking send to a full receiver: retry until SO_SNDTIMEO (sendBlocking tries once more first)
      const addr = to === undefined ? undefined : addrBytes(to);
      return later(
        Effect.flatMap(sendBlocking(addon, socket.fd, data, flags, addr, { nonblock: socket.nonblock }), (r) =>
          isErrno(r) ? Effect.fail(fail("sendto", r)) : Effect.succeed(r),
        ),
      );
    });

  const closeNow = (s: KernelSocket): 0 | NativeErrno => {
    s.closed = true;
    readiness.closing(s.fd);
    return addon.close(s.fd);
  };

  return {
    socket: (protocol: number, options?: SocketOptions) =>
      Effect.acquireRelease(
        Effect.suspend(() => {
          const nonblock = options?.nonblock === true;
          const type = (options?.type ?? DEFAULT_SOCKET_TYPE) | (nonblock ? C.SOCK_NONBLOCK : 0) | C.SOCK_CLOEXEC;
          const fd = addon.socket(type, protocol);
          return isErrno(fd)
            ? Effect.fail(fail("socket", fd))
            : Effect.succeed(new KernelSocket(fd, protocol, nonblock || (type & C.SOCK_NONBLOCK) !== 0));
        }),
        (s) =>
          Effect.sync(() => {
            if (!s.closed) closeNow(s);
          }),
      ),
    bind: (socket, address) => Effect.asVoid(call("bind", socket, (fd) => addon.bind(fd, addrBytes(address)))),
    connect: (socket, address) =>
      Effect.asVoid(
        call("connect", socket, (fd) =>
          addon.connect(fd, address === "unspec" ? sockaddrNl(0, 0, C.AF_UNSPEC) : addrBytes(address)),
        ),
      ),
    sendto,
    recvmsg,
    recvmmsg: makeRecvmmsg(addon, readiness),
    ...kernelSockoptCalls(addon),
    getsockname: (socket) =>
      Effect.map(
        call("getsockname", socket, (fd) => addon.getsockname(fd)),
        (r) => ({ pid: r.pid, groups: r.groups }),
      ),
    getpeername: (socket) =>
      Effect.map(
        call("getpeername", socket, (fd) => addon.getpeername(fd)),
        (r) => ({ pid: r.pid, groups: r.groups }),
      ),
    poll: kernelPoll(addon, readiness),
    close: (socket) =>
      Effect.suspend(() => {
        if (!open(socket)) return ebadf("close");
        const r = closeNow(socket);
        return isErrno(r) ? Effect.fail(fail("close", r)) : Effect.void;
      }),
    procNetlink: () =>
      Effect.try({
        try: readProcNetlink,
        // no /proc mounted, say: reading the file fails as open(2) would
        catch: (e) => NetlinkError.fromErrno("open", Math.abs((e as NodeJS.ErrnoException).errno ?? 2)),
      }),
  };
};

/** The addon, or KernelUnavailable with nativeAvailability()'s reason. */
export const loadKernelAddon: Effect.Effect<NetlinkAddon, KernelUnavailable> = Effect.suspend(() => {
  const av = nativeAvailability();
  if (!av.ok) {
    return Effect.fail(
      new KernelUnavailable({ reason: av.reason, message: `the kernel transport is unavailable: ${av.reason}` }),
    );
  }
  const addon = nativeNetlink();
  // an addon built from older sources (an upgrade without a rebuild) lacks newer calls: say so
  // here rather than fail with "is not a function" in the middle of a program
  const stale = (["pollNow", "setsockoptFprog", "getsockoptFilter"] as const).find(
    (f) => typeof addon[f] !== "function",
  );
  if (stale !== undefined) {
    const reason = `the native addon predates ${stale}(): rebuild it with npm run build:native`;
    return Effect.fail(new KernelUnavailable({ reason, message: `the kernel transport is unavailable: ${reason}` }));
  }
  return Effect.succeed(addon);
});

/**
 * One service per addon, made on the layer's first build. Every build hands out the same
 * functions, so code the JIT optimised around them (it inlines a program's `nl.sendto`) stays
 * valid when an earlier build's scope is gone; a program that provides kernelLayer again and
 * again (runPromiseKernel per call, a benchmark's batches) does not pay for deoptimisation and
 * recompilation each time. The service holds no per-build state: sockets belong to the scope
 * that opened them, and its readiness watches are per fd, which the process owns once.
 */
const services = new WeakMap<NetlinkAddon, NetlinkService>();

const serviceFor = (addon: NetlinkAddon): NetlinkService => {
  let service = services.get(addon);
  if (service === undefined) {
    service = makeKernelNetlink(addon);
    services.set(addon, service);
  }
  return service;
};

/** The kernel layer: Netlink over real AF_NETLINK sockets. Fails to build with KernelUnavailable. */
export const kernelLayer: Layer.Layer<Netlink, KernelUnavailable> = Layer.effect(
  Netlink,
  Effect.map(loadKernelAddon, serviceFor),
);
