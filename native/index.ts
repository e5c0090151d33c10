// The typed face of the AF_NETLINK addon (native/src/netlink.cc). Importing this module never
// throws: the addon is loaded on first use, and nativeAvailability() says why it cannot be.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** A failed syscall: the kernel's errno name ("EAGAIN", never "EWOULDBLOCK") and its number. */
export interface NativeErrno {
  readonly errno: string;
  readonly code: number;
}

/** A sockaddr as the kernel filled it (msg_name, getsockname, getpeername); `len` is its length. */
export interface NativeSockName {
  readonly family: number;
  readonly pid: number;
  readonly groups: number;
  readonly len: number;
}

/** A control message other than PKTINFO and SCM_CREDENTIALS. */
export interface NativeCmsg {
  readonly level: number;
  readonly type: number;
  readonly data: Uint8Array;
}

/** One received datagram. `ret` is recvmsg's return (the full length under MSG_TRUNC). */
export interface NativeRecv {
  readonly ret: number;
  /** The bytes copied: min(ret, size). */
  readonly data: Uint8Array;
  /** msg_flags: MSG_TRUNC, MSG_CTRUNC, ... */
  readonly flags: number;
  readonly name: NativeSockName | null;
  /** NETLINK_PKTINFO was on: the destination group of the datagram (0 for unicast). */
  readonly pktinfo?: { readonly group: number };
  /** SO_PASSCRED was on: the sender's credentials. */
  readonly creds?: { readonly pid: number; readonly uid: number; readonly gid: number };
  readonly cmsgs: readonly NativeCmsg[];
}

export interface NativeSockOpt {
  readonly ret: number;
  /** What the kernel wrote back into optlen (LIST_MEMBERSHIPS: the length it needs). */
  readonly optlen: number;
  /** min(optlen, size) bytes. */
  readonly data: Uint8Array;
}

export interface NativeResIds {
  readonly ruid: number;
  readonly euid: number;
  readonly suid: number;
  readonly rgid: number;
  readonly egid: number;
  readonly sgid: number;
}

export interface NativeCaps {
  readonly effective: bigint;
  readonly permitted: bigint;
  readonly inheritable: bigint;
}

/** Constants as compiled into the addon (the build machine's headers). */
export interface NativeConstants {
  readonly AF_NETLINK: number;
  readonly AF_UNSPEC: number;
  readonly SOCK_RAW: number;
  readonly SOCK_DGRAM: number;
  readonly SOCK_NONBLOCK: number;
  readonly SOCK_CLOEXEC: number;
  readonly SOL_SOCKET: number;
  readonly SOL_NETLINK: number;
  readonly SO_RCVBUF: number;
  readonly SO_SNDBUF: number;
  readonly SO_RCVBUFFORCE: number;
  readonly SO_SNDBUFFORCE: number;
  readonly SO_PASSCRED: number;
  readonly SO_ERROR: number;
  readonly SO_RCVTIMEO: number;
  readonly SO_SNDTIMEO: number;
  readonly SCM_CREDENTIALS: number;
  readonly MSG_PEEK: number;
  readonly MSG_TRUNC: number;
  readonly MSG_CTRUNC: number;
  readonly MSG_DONTWAIT: number;
  readonly MSG_WAITFORONE: number;
  readonly MSG_OOB: number;
  readonly MSG_ERRQUEUE: number;
  readonly NETLINK_ADD_MEMBERSHIP: number;
  readonly NETLINK_DROP_MEMBERSHIP: number;
  readonly NETLINK_PKTINFO: number;
  readonly NETLINK_BROADCAST_ERROR: number;
  readonly NETLINK_NO_ENOBUFS: number;
  readonly NETLINK_LISTEN_ALL_NSID: number;
  readonly NETLINK_LIST_MEMBERSHIPS: number;
  readonly NETLINK_CAP_ACK: number;
  readonly NETLINK_EXT_ACK: number;
  readonly NETLINK_GET_STRICT_CHK: number;
  readonly UV_READABLE: number;
  readonly UV_WRITABLE: number;
  readonly UV_DISCONNECT: number;
  readonly UV_PRIORITIZED: number;
  /** nlsim's bit: epoll reported POLLERR (a pending socket error such as ENOBUFS). */
  readonly POLL_ERROR: number;
}

/** Slots of one datagram's meta in recvInto / recvmmsgInto (see NetlinkAddon.recvInto). */
export const RECV_META = 9;

/** Readiness bits passed to watch() and reported to its callback. */
export const POLL_READABLE = 1;
export const POLL_WRITABLE = 2;
/** Reported (never requested): a socket error is pending; the next recvmsg returns it. */
export const POLL_ERROR = 16;

/**
 * Called on the event loop while the socket is ready (level-triggered: again and again until
 * the condition is consumed). `err` is set only if libuv failed to watch the fd.
 */
export type PollCallback = (err: NativeErrno | null, events: number) => void;

/** The raw addon, exactly as netlink.cc exports it. */
export interface NetlinkAddon {
  readonly platformSupported: boolean;
  readonly constants: NativeConstants;
  socket(type: number, protocol: number): number | NativeErrno;
  bind(fd: number, addr: Uint8Array): 0 | NativeErrno;
  connect(fd: number, addr: Uint8Array): 0 | NativeErrno;
  sendmsg(fd: number, data: Uint8Array, flags: number, addr?: Uint8Array | null): number | NativeErrno;
  recvmsg(fd: number, size: number, flags: number): NativeRecv | NativeErrno;
  recvmmsg(fd: number, count: number, size: number, flags: number): NativeRecv[] | NativeErrno;
  /**
   * The per-message fast path: sendmsg to sockaddr_nl {pid, groups} (no msg_name when pid is
   * absent). Returns the bytes sent, or a negative errno (no object is made on failure).
   */
  sendTo(fd: number, data: Uint8Array, flags: number, pid?: number, groups?: number): number;
  /**
   * recvmsg with a `size`-byte buffer (size <= buf.length) into `buf`: returns the syscall's
   * return (min(ret, size) bytes landed in buf) or a negative errno; on success `meta` (at least
   * RECV_META slots) holds msg_flags, msg_namelen, nl_pid, nl_groups, a bit set (1 pktinfo,
   * 2 creds), the pktinfo group, and the creds' pid, uid, gid.
   */
  recvInto(fd: number, buf: Uint8Array, size: number, flags: number, meta: Uint32Array): number;
  /**
   * recvmmsg of up to `count` datagrams, datagram i into buf[i * size ...], its return in
   * meta[i * (RECV_META + 1)] and its recvInto meta right after. Returns how many, or a negative errno.
   */
  recvmmsgInto(fd: number, buf: Uint8Array, count: number, size: number, flags: number, meta: Uint32Array): number;
  setsockopt(fd: number, level: number, name: number, value: Uint8Array): 0 | NativeErrno;
  getsockopt(fd: number, level: number, name: number, size: number): NativeSockOpt | NativeErrno;
  /**
   * setsockopt(2) with a struct sock_fprog (SO_ATTACH_FILTER): `len` and a pointer to `insns` (8-byte
   * struct sock_filter entries; empty: a NULL pointer); `optlen` is the length passed (16 normally).
   */
  setsockoptFprog(
    fd: number,
    level: number,
    name: number,
    insns: Uint8Array,
    len: number,
    optlen: number,
  ): 0 | NativeErrno;
  /** getsockopt(2) of SO_GET_FILTER: optlen counts instructions; data holds min(optlen, count) of them. */
  getsockoptFilter(fd: number, level: number, name: number, count: number): NativeSockOpt | NativeErrno;
  getsockname(fd: number): NativeSockName | NativeErrno;
  getpeername(fd: number): NativeSockName | NativeErrno;
  close(fd: number): 0 | NativeErrno;
  /** socket(AF_INET, type, protocol): for the InetRaw kernel layer (SOCK_RAW needs CAP_NET_RAW). */
  inetSocket(type: number, protocol: number): number | NativeErrno;
  /**
   * setsockopt(2) with optlen `optlen`: the value's bytes, then (optlen > value.length) an unmapped
   * page; null: a NULL optval. Returns the syscall's value (a handler's positive return passes through).
   */
  setsockoptBuf(
    fd: number,
    level: number,
    name: number,
    value: Uint8Array | null,
    optlen: number,
  ): number | NativeErrno;
  /** getsockopt(2) with optlen `length`, of which the first `mapped` bytes are mapped (0: a NULL optval). */
  getsockoptBuf(fd: number, level: number, name: number, length: number, mapped: number): NativeSockOpt | NativeErrno;
  /** open(2) (O_CLOEXEC added): for the Procfs kernel layer. */
  fileOpen(path: string, flags: number): number | NativeErrno;
  /** read(2) with a `count`-byte buffer whose first `mapped` bytes are mapped (0: NULL): the bytes read. */
  fileRead(fd: number, count: number, mapped: number): Uint8Array | NativeErrno;
  /** write(2) of `count` bytes: data's, then an unmapped page; null: a NULL buffer. */
  fileWrite(fd: number, data: Uint8Array | null, count: number): number | NativeErrno;
  /** lseek(2): the new offset. */
  lseek(fd: number, offset: number, whence: number): number | NativeErrno;
  /** poll(2) on one socket with timeout 0: the revents (POLLIN 1, POLLOUT 4, POLLERR 8, ...). */
  pollNow(fd: number, events: number): number | NativeErrno;
  pollStart(fd: number, events: number, callback: PollCallback): number | NativeErrno;
  pollStop(id: number): boolean;
  pollActive(id: number): boolean;
  pollUpdate(id: number, events: number): 0 | NativeErrno;
  pollRef(id: number, keepAlive: boolean): 0 | NativeErrno;
  setresuid(ruid: number, euid: number, suid: number): 0 | NativeErrno;
  setresgid(rgid: number, egid: number, sgid: number): 0 | NativeErrno;
  getresids(): NativeResIds | NativeErrno;
  capGet(): NativeCaps | NativeErrno;
  capSet(effective: bigint, permitted: bigint, inheritable: bigint): 0 | NativeErrno;
  getpid(): number;
  gettid(): number;
  errnoName(code: number): string | null;
}

export type NativeAvailability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export const BUILD_COMMAND =
  "npm run build:native in a checkout of nlsim (node-gyp rebuild --directory=native); " +
  "in a project that installed nlsim: cd node_modules/nlsim/native && npx node-gyp rebuild";

/** Is this result an errno? Works for every addon result. */
export const isErrno = (r: unknown): r is NativeErrno =>
  typeof r === "object" && r !== null && typeof (r as { errno?: unknown }).errno === "string";

/** struct sockaddr_nl as 12 bytes (family AF_NETLINK unless told otherwise), for bind/connect/sendmsg. */
export const sockaddrNl = (pid: number, groups = 0, family = 16): Uint8Array => {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint16(0, family, true);
  v.setUint32(4, pid >>> 0, true);
  v.setUint32(8, groups >>> 0, true);
  return b;
};

/** A native-endian int (setsockopt of flags, SO_RCVBUF, ...). */
export const intOpt = (value: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  return b;
};

/** Read the int a getsockopt returned (0 when fewer than 4 bytes came back). */
export const readIntOpt = (o: NativeSockOpt): number =>
  o.data.length >= 4 ? new DataView(o.data.buffer, o.data.byteOffset, 4).getInt32(0, true) : 0;

// ---- loading -----------------------------------------------------------------------------------

const ADDON_FILE = "nlsim_netlink.node";

/**
 * Where the addon may be: built here (build/), else the binary the package ships for this
 * platform (prebuilds/linux-x64/); beside this file (native/), or from dist/native/ and the CLI
 * bundle in dist/bin/ back to native/.
 */
const candidatePaths = (): string[] => {
  const fromEnv = process.env.NLSIM_NATIVE_ADDON;
  const prebuilt = `prebuilds/${process.platform}-${process.arch}/${ADDON_FILE}`;
  const rel = [
    `./build/Release/${ADDON_FILE}`,
    `./build/Debug/${ADDON_FILE}`,
    `./${prebuilt}`,
    `../../native/build/Release/${ADDON_FILE}`,
    `../../native/build/Debug/${ADDON_FILE}`,
    `../../native/${prebuilt}`,
  ];
  const paths = rel.map((r) => fileURLToPath(new URL(r, import.meta.url)));
  return fromEnv !== undefined && fromEnv !== "" ? [fromEnv, ...paths] : paths;
};

type LoadResult = { readonly addon: NetlinkAddon } | { readonly reason: string };

let loaded: LoadResult | undefined;
let availability: NativeAvailability | undefined;

const describe = (e: unknown): string => (e instanceof Error ? e.message : String(e));

const load = (): LoadResult => {
  if (loaded !== undefined) return loaded;
  if (process.platform !== "linux") {
    loaded = {
      reason: `not Linux: this is ${process.platform}, and AF_NETLINK sockets exist only on Linux; use the simulator transport`,
    };
    return loaded;
  }
  const path = candidatePaths().find((p) => existsSync(p));
  if (path === undefined) {
    loaded = {
      reason:
        `the native addon is not built (no ${ADDON_FILE} under native/build/Release). ` +
        `Build it with: ${BUILD_COMMAND}. It needs python3, make and a C++17 compiler.`,
    };
    return loaded;
  }
  try {
    const require = createRequire(import.meta.url);
    const addon = require(path) as NetlinkAddon;
    if (addon.platformSupported !== true) {
      loaded = { reason: `the native addon at ${path} was built without AF_NETLINK support (non-Linux headers)` };
    } else {
      loaded = { addon };
    }
  } catch (e) {
    loaded = {
      reason:
        `the native addon at ${path} failed to load (${describe(e)}); ` +
        `rebuild it for this Node (${process.version}) with: ${BUILD_COMMAND}`,
    };
  }
  return loaded;
};

const NETLINK_ROUTE = 0;

/**
 * Can the kernel transport run here? Loads the addon once and opens (then closes) a NETLINK_ROUTE
 * socket; the answer is cached. Never throws.
 */
export const nativeAvailability = (): NativeAvailability => {
  if (availability !== undefined) return availability;
  const l = load();
  if (!("addon" in l)) {
    availability = { ok: false, reason: l.reason };
    return availability;
  }
  const a = l.addon;
  let fd: number | NativeErrno;
  try {
    fd = a.socket(a.constants.SOCK_RAW | a.constants.SOCK_CLOEXEC, NETLINK_ROUTE);
  } catch (e) {
    availability = { ok: false, reason: `the native addon misbehaved on socket(): ${describe(e)}` };
    return availability;
  }
  if (isErrno(fd)) {
    const why: Record<string, string> = {
      EAFNOSUPPORT:
        "the OS refused AF_NETLINK: socket(AF_NETLINK) → EAFNOSUPPORT (a kernel without CONFIG_NETLINK, or a sandbox such as gVisor or a seccomp profile that filters the family)",
      EPERM: "the OS refused AF_NETLINK: socket(AF_NETLINK) → EPERM (blocked by a seccomp/LSM policy)",
      EACCES: "the OS refused AF_NETLINK: socket(AF_NETLINK) → EACCES (blocked by a security module)",
      EPROTONOSUPPORT: "the kernel has AF_NETLINK but not NETLINK_ROUTE: socket() → EPROTONOSUPPORT",
      EMFILE: "socket(AF_NETLINK) → EMFILE: this process is out of file descriptors",
      ENFILE: "socket(AF_NETLINK) → ENFILE: the system is out of file descriptors",
    };
    availability = { ok: false, reason: why[fd.errno] ?? `socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) → ${fd.errno}` };
    return availability;
  }
  a.close(fd);
  availability = { ok: true };
  return availability;
};

/** Thrown by nativeNetlink() when the addon cannot be used; `reason` is nativeAvailability's. */
export class NativeUnavailableError extends Error {
  override readonly name = "NativeUnavailableError";
  constructor(readonly reason: string) {
    super(`the kernel transport is unavailable: ${reason}`);
  }
}

/** The addon, or a NativeUnavailableError that says why not. Check nativeAvailability() first to avoid the throw. */
export const nativeNetlink = (): NetlinkAddon => {
  const av = nativeAvailability();
  const l = load();
  if (!av.ok) throw new NativeUnavailableError(av.reason);
  if (!("addon" in l)) throw new NativeUnavailableError(l.reason);
  return l.addon;
};

// ---- readiness ---------------------------------------------------------------------------------

/** A uv_poll_t watching one socket on Node's loop. Stopped by stop(), or by closing the fd. */
export class Poller {
  private constructor(
    private readonly addon: NetlinkAddon,
    readonly id: number,
    readonly fd: number,
  ) {}

  /**
   * Watch `fd` for `events` (POLL_READABLE | POLL_WRITABLE). One poller per fd (else EBUSY).
   * The callback never runs after stop() or close(fd) returned.
   */
  static watch(addon: NetlinkAddon, fd: number, events: number, callback: PollCallback): Poller | NativeErrno {
    const id = addon.pollStart(fd, events, callback);
    if (isErrno(id)) return id;
    return new Poller(addon, id, fd);
  }

  /** False once stopped, or once its fd was closed. */
  get active(): boolean {
    return this.addon.pollActive(this.id);
  }

  update(events: number): 0 | NativeErrno {
    return this.addon.pollUpdate(this.id, events);
  }

  /** Whether this poller keeps the process alive (it does by default, like a socket). */
  ref(keepAlive = true): this {
    this.addon.pollRef(this.id, keepAlive);
    return this;
  }

  /** Returns false if it was already stopped (or its fd closed). */
  stop(): boolean {
    return this.addon.pollStop(this.id);
  }
}

/** watch(fd, events, callback) with the loaded addon. */
export const watch = (fd: number, events: number, callback: PollCallback): Poller | NativeErrno =>
  Poller.watch(nativeNetlink(), fd, events, callback);

// ---- capabilities, for scenarios that run "as an unprivileged process" ---------------------------

/** Drop (on = false) or raise again (on = true) one capability in this thread's effective set. */
export const capSetEffective = (addon: NetlinkAddon, cap: number, on: boolean): 0 | NativeErrno => {
  const c = addon.capGet();
  if (isErrno(c)) return c;
  const bit = 1n << BigInt(cap);
  const effective = on ? c.effective | bit : c.effective & ~bit;
  return addon.capSet(effective, c.permitted, c.inheritable);
};
