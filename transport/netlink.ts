// The user-space socket API as an Effect service: the one swappable boundary of nlsim. Programs
// written against `Netlink` run on the simulator (transport/sim.ts) or, later, on real AF_NETLINK
// sockets (a kernel layer over native/), unchanged.
//
// Contract every layer implements
// - Each method is one syscall (poll included) with the kernel's semantics: the same return
//   values, the same errno in `NetlinkError` (name, number, syscall). No method retries, no
//   method hides an error; EINTR is never surfaced (the layer restarts the call).
// - `socket` is scoped: closing the scope closes the socket (an explicit `close` first is fine,
//   the release then does nothing). A closed socket's later calls fail with EBADF.
// - Blocking: `sendto` and `recvmsg` block when the kernel would (a blocking socket, no
//   MSG_DONTWAIT), honouring SO_SNDTIMEO / SO_RCVTIMEO (then EAGAIN). While one fiber blocks,
//   the other fibers of the program keep running; interrupting a blocked call abandons it as a
//   signal would (a parked send frees its message), and no data is lost from the queue.
// - A call that cannot block (MSG_DONTWAIT, a non-blocking socket, bind, setsockopt, ...) must
//   complete without suspending the fiber: that is the per-message fast path.
// - `poll` follows poll(2) over datagram_poll: POLLIN when the receive queue is non-empty, POLLERR
//   when sk_err is pending, POLLOUT when writable (a netlink socket always is); it waits on all the
//   sockets at once until one is ready or `timeoutMs` passes (negative: forever, 0: just look).
// - Time: Effect's Clock is the layer's clock. The sim layer's is virtual (Effect.sleep advances
//   virtual time); the kernel layer's is the real one.
// - Addresses are {pid, groups} (sockaddr_nl without family and pad); `groups` is the 32-bit bind
//   mask, not a group number.
import { Context, Effect, type Scope, Stream } from "effect";
import { MSG_DONTWAIT, SOCK_RAW, type SockFilter } from "../kernel-model/uapi/index.js";
import type { NetlinkError } from "./errors.js";
import type { SockoptValue } from "./inet.js";

/** struct sockaddr_nl, as programs write it. */
export interface NetlinkAddress {
  readonly pid: number;
  readonly groups: number;
}

/**
 * A socket address as bind, connect and sendto take it: a sockaddr_nl, or the raw bytes of one
 * (any family, pad and length: passed as they are with their length as addrlen, to reach the
 * kernel's checks of a malformed address).
 */
export type SocketAddress = NetlinkAddress | Uint8Array;

/** An open socket. Opaque: pass it back to the service's methods. */
export interface NetlinkSocket {
  /** the file descriptor (for traces and messages) */
  readonly fd: number;
  readonly protocol: number;
  /** the socket's inode: the `Inode` column of its /proc/net/netlink row (procNetlink) */
  readonly inode: number;
}

export interface SocketOptions {
  /** SOCK_RAW (default) or SOCK_DGRAM; other types fail as the kernel says */
  readonly type?: number;
  /** SOCK_NONBLOCK: every call on it acts as if MSG_DONTWAIT was given */
  readonly nonblock?: boolean;
}

export interface SendOptions {
  /** msg_name; without it the connected destination (or the kernel, pid 0) */
  readonly to?: SocketAddress;
  /** MSG_* flags (MSG_DONTWAIT, ...) */
  readonly flags?: number;
}

/** SCM_CREDENTIALS as received (SO_PASSCRED). */
export interface Credentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** A control message recvmsg got that the service does not decode (cmsg_level, cmsg_type, data). */
export interface ControlMessage {
  readonly level: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** What one recvmsg returns. */
export interface Datagram {
  /**
   * the bytes copied: at most `size`. They are the program's alone (no other datagram's view
   * overlaps them and nlsim never writes them again), but like a small Node Buffer they may be a
   * view into a shared pool: use `.byteOffset` and `.byteLength` with `.buffer`. A pool is marked
   * untransferable, so a transfer list that names it copies instead of detaching other bytes. A
   * small datagram kept for long keeps its 8 KiB pool alive: keep `data.slice()` instead when a
   * program stores many.
   */
  readonly data: Uint8Array;
  /** the syscall's return value: data.length, or the full datagram length with MSG_TRUNC in the flags */
  readonly length: number;
  /** msg_flags (MSG_TRUNC when the datagram was longer than the buffer) */
  readonly msgFlags: number;
  /** msg_name: the sender's port id (0: the kernel) and its group as a mask (0 above 32) */
  readonly from: NetlinkAddress;
  /** NETLINK_PKTINFO's nl_pktinfo.group, when the socket asked for it */
  readonly pktinfo?: number;
  /** SCM_CREDENTIALS, when SO_PASSCRED is on */
  readonly creds?: Credentials;
  /** any other control message, in the order they came (absent when none came) */
  readonly cmsgs?: ReadonlyArray<ControlMessage>;
}

/** One row of /proc/net/netlink (netlink_seq_show): a socket in a protocol's hash. */
export interface ProcNetlinkRow {
  readonly protocol: number;
  readonly portid: number;
  /** the first 32 groups, as a mask */
  readonly groups: number;
  readonly rmem: number;
  /** 1 while a dump runs */
  readonly dump: number;
  readonly drops: number;
  readonly inode: number;
}

// poll(2) event bits (include/uapi/asm-generic/poll.h)
export const POLLIN = 0x0001;
export const POLLOUT = 0x0004;
export const POLLERR = 0x0008;
export const POLLHUP = 0x0010;
export const POLLNVAL = 0x0020;

/** struct pollfd without the fd number: which socket, which events. */
export interface PollRequest {
  readonly socket: NetlinkSocket;
  /** POLLIN | POLLOUT (POLLERR, POLLHUP and POLLNVAL are always reported) */
  readonly events: number;
}

/** struct pollfd after the call. */
export interface PollResult {
  readonly socket: NetlinkSocket;
  readonly revents: number;
}

/**
 * What attachFilter passes besides the program, to reproduce the kernel's refusals: the length
 * the struct sock_fprog claims (default: the program's) and the optlen (default 16).
 */
export interface AttachFilterOptions {
  readonly len?: number;
  readonly optlen?: number;
}

export interface NetlinkService {
  /** socket(AF_NETLINK, type, protocol), closed when the scope closes. */
  readonly socket: (
    protocol: number,
    options?: SocketOptions,
  ) => Effect.Effect<NetlinkSocket, NetlinkError, Scope.Scope>;
  /** bind(2): a port id (0: autobind) and a group mask. */
  readonly bind: (socket: NetlinkSocket, address: SocketAddress) => Effect.Effect<void, NetlinkError>;
  /** connect(2) to an address, or "unspec" (AF_UNSPEC) to disconnect. */
  readonly connect: (socket: NetlinkSocket, address: SocketAddress | "unspec") => Effect.Effect<void, NetlinkError>;
  /** sendto/sendmsg: the bytes sent. */
  readonly sendto: (
    socket: NetlinkSocket,
    data: Uint8Array,
    options?: SendOptions,
  ) => Effect.Effect<number, NetlinkError>;
  /** recvmsg with a buffer of `size` bytes and MSG_* flags (MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT). */
  readonly recvmsg: (socket: NetlinkSocket, size: number, flags?: number) => Effect.Effect<Datagram, NetlinkError>;
  /**
   * recvmmsg(2): up to `count` datagrams (at most 1024) in one call, each into a buffer of `size`
   * bytes (at least 1), with MSG_* flags; a count or size that is not a whole number fails EINVAL. Pass MSG_WAITFORONE to wait (as recvmsg does) for the first datagram
   * only and take what is queued after it; without it a blocking socket waits for all `count`.
   * Fails only when no datagram was read; an error after the first ends the batch and, unless it
   * is EAGAIN, is returned by the socket's next receive (the kernel keeps it in sk_err).
   */
  readonly recvmmsg: (
    socket: NetlinkSocket,
    count: number,
    size: number,
    flags?: number,
  ) => Effect.Effect<ReadonlyArray<Datagram>, NetlinkError>;
  /** setsockopt(2); a number is passed as a 4-byte int. */
  readonly setsockopt: (
    socket: NetlinkSocket,
    level: number,
    name: number,
    value: number | Uint8Array,
  ) => Effect.Effect<void, NetlinkError>;
  /** getsockopt(2) with an optlen of `length` (default 4): the bytes the kernel wrote. */
  readonly getsockopt: (
    socket: NetlinkSocket,
    level: number,
    name: number,
    length?: number,
  ) => Effect.Effect<Uint8Array, NetlinkError>;
  /**
   * SO_ATTACH_FILTER: a classic BPF program (build it with BPF_STMT / BPF_JUMP from nlsim's uapi)
   * runs on every datagram delivered to the socket: 0 drops it, a shorter length trims it. EINVAL
   * for a program the kernel's checker refuses, EPERM once the filter is locked.
   */
  readonly attachFilter: (
    socket: NetlinkSocket,
    program: ReadonlyArray<SockFilter>,
    options?: AttachFilterOptions,
  ) => Effect.Effect<void, NetlinkError>;
  /** SO_DETACH_FILTER: ENOENT without a filter, EPERM once locked. */
  readonly detachFilter: (socket: NetlinkSocket) => Effect.Effect<void, NetlinkError>;
  /** SO_LOCK_FILTER: the filter can no longer be replaced or removed (nor the lock lifted). */
  readonly lockFilter: (socket: NetlinkSocket) => Effect.Effect<void, NetlinkError>;
  /** SO_GET_FILTER: the program attached (empty without one). */
  readonly getFilter: (socket: NetlinkSocket) => Effect.Effect<ReadonlyArray<SockFilter>, NetlinkError>;
  /**
   * getsockopt(2) with an optlen of `length`: the bytes written and the optlen the kernel set
   * (NETLINK_LIST_MEMBERSHIPS sets the length its whole answer needs).
   */
  readonly getsockoptWithLength: (
    socket: NetlinkSocket,
    level: number,
    name: number,
    length: number,
  ) => Effect.Effect<SockoptValue, NetlinkError>;
  readonly getsockname: (socket: NetlinkSocket) => Effect.Effect<NetlinkAddress, NetlinkError>;
  readonly getpeername: (socket: NetlinkSocket) => Effect.Effect<NetlinkAddress, NetlinkError>;
  /** poll(2): one result per request, in order; all revents 0 on timeout. */
  readonly poll: (
    requests: ReadonlyArray<PollRequest>,
    timeoutMs: number,
  ) => Effect.Effect<ReadonlyArray<PollResult>, NetlinkError>;
  /** close(2) before the scope ends. */
  readonly close: (socket: NetlinkSocket) => Effect.Effect<void, NetlinkError>;
  /** The rows of /proc/net/netlink (every hashed socket of the namespace), in the file's order. */
  readonly procNetlink: () => Effect.Effect<ReadonlyArray<ProcNetlinkRow>, NetlinkError>;
}

/** The socket API service. */
export class Netlink extends Context.Service<Netlink, NetlinkService>()("nlsim/transport/Netlink") {}

/** The default socket type. */
export const DEFAULT_SOCKET_TYPE = SOCK_RAW;

/**
 * The datagrams arriving on `socket`, in order, each read with a buffer of `size` bytes (blocking
 * reads). The stream fails with the first error (an ENOBUFS overrun included); it never ends by
 * itself: take what you need or interrupt it.
 */
export const recvStream = (
  socket: NetlinkSocket,
  size = 32768,
  flags = 0,
): Stream.Stream<Datagram, NetlinkError, Netlink> =>
  Stream.unwrap(Netlink.use((nl) => Effect.succeed(Stream.fromEffectRepeat(nl.recvmsg(socket, size, flags)))));

/** Non-blocking recvmsg: MSG_DONTWAIT added (EAGAIN when the queue is empty). */
export const recvNow = (
  socket: NetlinkSocket,
  size: number,
  flags = 0,
): Effect.Effect<Datagram, NetlinkError, Netlink> =>
  Netlink.use((nl) => nl.recvmsg(socket, size, flags | MSG_DONTWAIT));

/**
 * A setsockopt value as the services take it: a number is a 4-byte int (little-endian), bytes
 * (or a NULL optval, where a service allows one) go as they are.
 */
export function optvalBytes(value: number | Uint8Array): Uint8Array;
export function optvalBytes(value: number | Uint8Array | null): Uint8Array | null;
export function optvalBytes(value: number | Uint8Array | null): Uint8Array | null {
  if (typeof value !== "number") return value;
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value | 0, true);
  return b;
}
