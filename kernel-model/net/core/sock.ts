// net/core/sock.c: what every socket has (buffer limits, errors, timeouts, credentials) and the
// SOL_SOCKET options (sk_setsockopt / sk_getsockopt) as far as netlink programs use them.
import { UserPtr } from "../../lib/usercopy.js";
import {
  CAP_NET_ADMIN,
  ERRNO,
  encodeSockFilters,
  getU16,
  getU32,
  putU16,
  putU32,
  SO_ATTACH_FILTER,
  SO_DETACH_FILTER,
  SO_DOMAIN,
  SO_ERROR,
  SO_GET_FILTER,
  SO_LOCK_FILTER,
  SO_PASSCRED,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_RCVTIMEO,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_SNDTIMEO,
  SO_TYPE,
  SOCK_FPROG_SIZE,
} from "../../uapi/index.js";
import { type FilterSock, type SockFprog, sk_attach_filter, sk_detach_filter, sk_get_filter } from "./filter.js";

/** CAP_NET_BROADCAST (include/uapi/linux/capability.h); uapi only names the ones user code checks. */
export const CAP_NET_BROADCAST = 11;

/** SOCK_MIN_RCVBUF: 2048 + sizeof(struct sk_buff) rounded, on x86_64. */
export const SOCK_MIN_RCVBUF = 2304;
/** SOCK_MIN_SNDBUF = 2 * SOCK_MIN_RCVBUF. */
export const SOCK_MIN_SNDBUF = 4608;
/** MAX_SCHEDULE_TIMEOUT: a timeout that never expires. The model counts timeouts in microseconds. */
export const MAX_SCHEDULE_TIMEOUT = Number.POSITIVE_INFINITY;
const INT_MAX = 0x7fffffff;
const USEC_PER_SEC = 1_000_000;

/** net.core.{r,w}mem_{max,default}: the machine the spec was measured on (section 13). */
export interface SockSysctl {
  rmem_max: number;
  wmem_max: number;
  rmem_default: number;
  wmem_default: number;
}
export const defaultSockSysctl = (): SockSysctl => ({
  rmem_max: 4194304,
  wmem_max: 4194304,
  rmem_default: 212992,
  wmem_default: 212992,
});

/**
 * The calling task as a syscall sees it: current's tgid and credentials. Capabilities are the
 * effective set (ns_capable against the init user namespace; the model has one).
 */
export interface Cred {
  readonly tgid: number;
  readonly uid: number;
  readonly gid: number;
  readonly caps: ReadonlySet<number>;
}

/** capable() / ns_capable(): is `cap` in the caller's effective set? */
export const capable = (cred: Cred, cap: number): boolean => cred.caps.has(cap);

/** struct __kernel_old_timeval as SO_RCVTIMEO/SO_SNDTIMEO take it on x86_64 (two s64). */
export interface Timeval {
  readonly sec: number;
  readonly usec: number;
}

/** The struct sock fields the SOL_SOCKET options touch. NetlinkSock implements it. */
export interface SockCommon extends FilterSock {
  readonly sk_family: number;
  readonly sk_type: number;
  readonly sk_protocol: number;
  sk_rcvbuf: number;
  sk_sndbuf: number;
  sk_err: number;
  sk_err_soft: number;
  sk_userlocks: number;
  /** sk_rcvtimeo / sk_sndtimeo in microseconds; MAX_SCHEDULE_TIMEOUT (Infinity) = wait forever */
  sk_rcvtimeo: number;
  sk_sndtimeo: number;
  /** sock_flag(sk, SOCK_PASSCRED) */
  sock_passcred: boolean;
  readonly sysctl: SockSysctl;
}

export const SOCK_SNDBUF_LOCK = 1;
export const SOCK_RCVBUF_LOCK = 2;

/** sock_error(): returns −sk_err and clears it (xchg). */
export const sock_error = (sk: SockCommon): number => {
  const err = sk.sk_err;
  if (err === 0) return 0;
  sk.sk_err = 0;
  return -err;
};

/** __sock_set_rcvbuf: doubled on the way in, floored at SOCK_MIN_RCVBUF. */
const sock_set_rcvbuf = (sk: SockCommon, val: number): void => {
  val = Math.min(val, Math.floor(INT_MAX / 2));
  sk.sk_userlocks |= SOCK_RCVBUF_LOCK;
  sk.sk_rcvbuf = Math.max(val * 2, SOCK_MIN_RCVBUF);
};

/** The SO_SNDBUF tail of sk_setsockopt (label set_sndbuf). */
const sock_set_sndbuf = (sk: SockCommon, val: number): void => {
  val = Math.min(val, Math.floor(INT_MAX / 2));
  sk.sk_userlocks |= SOCK_SNDBUF_LOCK;
  sk.sk_sndbuf = Math.max(val * 2, SOCK_MIN_SNDBUF);
};

/** min_t(u32, val, max): a negative int is a huge u32, so it clamps to max. */
const minU32 = (val: number, max: number): number => Math.min(val >>> 0, max);

/** sock_copy_user_timeval + sock_set_timeout for the old (16-byte) timeval. */
const sock_set_timeout = (optval: Uint8Array, optlen: number): number | { timeo: number } => {
  if (optlen < 16 || optval.length < 16) return -ERRNO.EINVAL;
  const dv = new DataView(optval.buffer, optval.byteOffset, 16);
  const sec = dv.getBigInt64(0, true);
  const usec = dv.getBigInt64(8, true);
  if (usec < 0n || usec >= BigInt(USEC_PER_SEC)) return -ERRNO.EDOM;
  if (sec < 0n) return { timeo: 0 };
  if (sec === 0n && usec === 0n) return { timeo: MAX_SCHEDULE_TIMEOUT };
  return { timeo: Number(sec) * USEC_PER_SEC + Number(usec) };
};

/** sock_get_timeout: MAX_SCHEDULE_TIMEOUT reads back as {0, 0}. */
const sock_get_timeout = (timeo: number): Uint8Array => {
  const out = new Uint8Array(16);
  if (timeo === MAX_SCHEDULE_TIMEOUT) return out;
  const dv = new DataView(out.buffer);
  dv.setBigInt64(0, BigInt(Math.floor(timeo / USEC_PER_SEC)), true);
  dv.setBigInt64(8, BigInt(timeo % USEC_PER_SEC), true);
  return out;
};

/**
 * A setsockopt value: the bytes at optval, or (SO_ATTACH_FILTER) a struct sock_fprog whose
 * filter pointer is resolved to user memory, which the model cannot reach through bytes alone.
 */
export type SockOptval = Uint8Array | SockFprog;

const isFprog = (v: SockOptval): v is SockFprog => !(v instanceof Uint8Array);

/** The 16 bytes of a struct sock_fprog (len, padding, a non-zero pointer unless NULL). */
const fprogBytes = (f: SockFprog): Uint8Array => {
  const b = new Uint8Array(SOCK_FPROG_SIZE);
  putU16(b, 0, f.len & 0xffff);
  if (f.filter.mem !== null || f.filter.off !== 0) b[8] = 1;
  return b;
};

/** The bytes at optval: a sock_fprog's own 16 bytes for a program. */
export const sockoptval_bytes = (v: SockOptval): Uint8Array => (isFprog(v) ? fprogBytes(v) : v);

/** copy_bpf_fprog_from_user: optlen must be sizeof(struct sock_fprog); raw bytes carry no reachable program. */
const copy_bpf_fprog_from_user = (optval: SockOptval, optlen: number): SockFprog | number => {
  if (optlen !== SOCK_FPROG_SIZE) return -ERRNO.EINVAL;
  if (isFprog(optval)) return optval;
  if (optval.length < SOCK_FPROG_SIZE) return -ERRNO.EFAULT;
  const ptrSet = optval.subarray(8, 16).some((b) => b !== 0);
  // a pointer given as bytes points into nothing the model maps
  return { len: getU16(optval, 0), filter: ptrSet ? new UserPtr(null, 1) : new UserPtr(null, 0) };
};

/**
 * sk_setsockopt (level SOL_SOCKET). Returns 0 or a negative errno. Options the model does not
 * keep yet return −ENOPROTOOPT (the kernel accepts most of them): see the report's list.
 */
export const sock_setsockopt = (
  sk: SockCommon,
  cred: Cred,
  optname: number,
  value: SockOptval,
  optlen: number = isFprog(value) ? SOCK_FPROG_SIZE : value.length,
): number => {
  const optval = sockoptval_bytes(value);
  if (optlen < 4) return -ERRNO.EINVAL;
  if (optval.length < 4) return -ERRNO.EFAULT;
  const val = getU32(optval, 0) | 0;
  switch (optname) {
    case SO_RCVBUF:
      // Don't error on this: BSD doesn't, and RCVBUF/SNDBUF are hints.
      sock_set_rcvbuf(sk, minU32(val, sk.sysctl.rmem_max));
      return 0;
    case SO_RCVBUFFORCE:
      if (!capable(cred, CAP_NET_ADMIN)) return -ERRNO.EPERM;
      sock_set_rcvbuf(sk, Math.max(val, 0));
      return 0;
    case SO_SNDBUF:
      sock_set_sndbuf(sk, minU32(val, sk.sysctl.wmem_max));
      return 0;
    case SO_SNDBUFFORCE:
      if (!capable(cred, CAP_NET_ADMIN)) return -ERRNO.EPERM;
      sock_set_sndbuf(sk, Math.max(val, 0));
      return 0;
    case SO_PASSCRED:
      sk.sock_passcred = val !== 0;
      return 0;
    case SO_RCVTIMEO:
    case SO_SNDTIMEO: {
      const r = sock_set_timeout(optval, optlen);
      if (typeof r === "number") return r;
      if (optname === SO_RCVTIMEO) sk.sk_rcvtimeo = r.timeo;
      else sk.sk_sndtimeo = r.timeo;
      return 0;
    }
    case SO_ATTACH_FILTER: {
      const fprog = copy_bpf_fprog_from_user(value, optlen);
      return typeof fprog === "number" ? fprog : sk_attach_filter(fprog, sk);
    }
    case SO_DETACH_FILTER:
      return sk_detach_filter(sk);
    case SO_LOCK_FILTER:
      if (sk.sock_filter_locked && !val) return -ERRNO.EPERM;
      sk.sock_filter_locked = val !== 0;
      return 0;
    default:
      return -ERRNO.ENOPROTOOPT;
  }
};

/** What getsockopt hands back: the return value, the optlen written back, and the bytes copied. */
export interface GetsockoptResult {
  readonly ret: number;
  readonly optlen: number;
  readonly optval: Uint8Array;
}

const intBytes = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  putU32(b, 0, v >>> 0);
  return b;
};

/**
 * sk_getsockopt (level SOL_SOCKET): copies min(len, size of the value) bytes and writes that
 * length back (so optlen 8 gives 4, optlen 2 gives the low 2 bytes).
 */
export const sock_getsockopt = (sk: SockCommon, optname: number, len: number): GetsockoptResult => {
  if (len < 0) return { ret: -ERRNO.EINVAL, optlen: len, optval: new Uint8Array(0) };
  let v: Uint8Array;
  switch (optname) {
    case SO_TYPE:
      v = intBytes(sk.sk_type);
      break;
    case SO_PROTOCOL:
      v = intBytes(sk.sk_protocol);
      break;
    case SO_DOMAIN:
      v = intBytes(sk.sk_family);
      break;
    case SO_RCVBUF:
      v = intBytes(sk.sk_rcvbuf);
      break;
    case SO_SNDBUF:
      v = intBytes(sk.sk_sndbuf);
      break;
    case SO_PASSCRED:
      v = intBytes(sk.sock_passcred ? 1 : 0);
      break;
    case SO_ERROR: {
      let e = -sock_error(sk);
      if (e === 0) {
        e = sk.sk_err_soft;
        sk.sk_err_soft = 0;
      }
      v = intBytes(e);
      break;
    }
    case SO_RCVTIMEO:
      v = sock_get_timeout(sk.sk_rcvtimeo);
      break;
    case SO_SNDTIMEO:
      v = sock_get_timeout(sk.sk_sndtimeo);
      break;
    case SO_LOCK_FILTER:
      v = intBytes(sk.sock_filter_locked ? 1 : 0);
      break;
    case SO_GET_FILTER: {
      // optlen counts instructions here, and what is written back is a count too
      const r = sk_get_filter(sk, len);
      if (r.ret < 0) return { ret: r.ret, optlen: len, optval: new Uint8Array(0) };
      return { ret: 0, optlen: r.ret, optval: encodeSockFilters(r.filter) };
    }
    default:
      return { ret: -ERRNO.ENOPROTOOPT, optlen: len, optval: new Uint8Array(0) };
  }
  const n = Math.min(len, v.length);
  return { ret: 0, optlen: n, optval: v.slice(0, n) };
};
