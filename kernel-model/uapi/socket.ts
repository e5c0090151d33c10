// The socket-layer numbers a netlink program uses (include/linux/socket.h, asm-generic/socket.h, x86_64).

export const AF_UNSPEC = 0;
export const AF_NETLINK = 16;
export const PF_NETLINK = AF_NETLINK;
export const AF_INET = 2;
export const PF_INET = AF_INET;

export const SOCK_STREAM = 1;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_RDM = 4;
export const SOCK_SEQPACKET = 5;
export const SOCK_DCCP = 6;
export const SOCK_PACKET = 10;
export const SOCK_MAX = 11;
export const SOCK_TYPE_MASK = 0xf;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

export const SOL_SOCKET = 1;
export const SO_DEBUG = 1;
export const SO_REUSEADDR = 2;
export const SO_TYPE = 3;
export const SO_ERROR = 4;
export const SO_DONTROUTE = 5;
export const SO_BROADCAST = 6;
export const SO_SNDBUF = 7;
export const SO_RCVBUF = 8;
export const SO_KEEPALIVE = 9;
export const SO_OOBINLINE = 10;
export const SO_NO_CHECK = 11;
export const SO_PRIORITY = 12;
export const SO_LINGER = 13;
export const SO_BSDCOMPAT = 14;
export const SO_REUSEPORT = 15;
export const SO_PASSCRED = 16;
export const SO_PEERCRED = 17;
export const SO_RCVLOWAT = 18;
export const SO_SNDLOWAT = 19;
export const SO_RCVTIMEO = 20;
export const SO_SNDTIMEO = 21;

/** struct timeval on x86_64 (two 64-bit longs), the SO_RCVTIMEO / SO_SNDTIMEO value. */
export const encodeTimeval = (sec: number, usec: number): Uint8Array => {
  const bytes = new Uint8Array(16);
  const dv = new DataView(bytes.buffer);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(usec), true);
  return bytes;
};

/** A timeout in milliseconds as a struct timeval. */
export const timevalMs = (ms: number): Uint8Array => encodeTimeval(Math.floor(ms / 1000), (ms % 1000) * 1000);
export const SO_ATTACH_FILTER = 26;
export const SO_DETACH_FILTER = 27;
/** getsockopt's name for SO_ATTACH_FILTER: the attached program */
export const SO_GET_FILTER = SO_ATTACH_FILTER;
export const SO_TIMESTAMP = 29;
export const SO_ACCEPTCONN = 30;
export const SO_SNDBUFFORCE = 32;
export const SO_RCVBUFFORCE = 33;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const SO_RXQ_OVFL = 40;
export const SO_LOCK_FILTER = 44;

export const SO_NAMES: Readonly<Record<number, string>> = {
  1: "SO_DEBUG",
  2: "SO_REUSEADDR",
  3: "SO_TYPE",
  4: "SO_ERROR",
  5: "SO_DONTROUTE",
  6: "SO_BROADCAST",
  7: "SO_SNDBUF",
  8: "SO_RCVBUF",
  9: "SO_KEEPALIVE",
  10: "SO_OOBINLINE",
  11: "SO_NO_CHECK",
  12: "SO_PRIORITY",
  13: "SO_LINGER",
  14: "SO_BSDCOMPAT",
  15: "SO_REUSEPORT",
  16: "SO_PASSCRED",
  17: "SO_PEERCRED",
  18: "SO_RCVLOWAT",
  19: "SO_SNDLOWAT",
  20: "SO_RCVTIMEO",
  21: "SO_SNDTIMEO",
  26: "SO_ATTACH_FILTER",
  27: "SO_DETACH_FILTER",
  29: "SO_TIMESTAMP",
  30: "SO_ACCEPTCONN",
  32: "SO_SNDBUFFORCE",
  33: "SO_RCVBUFFORCE",
  38: "SO_PROTOCOL",
  39: "SO_DOMAIN",
  40: "SO_RXQ_OVFL",
  44: "SO_LOCK_FILTER",
};

// sendmsg/recvmsg flags and msg_flags bits
export const MSG_OOB = 0x1;
export const MSG_PEEK = 0x2;
export const MSG_DONTROUTE = 0x4;
export const MSG_CTRUNC = 0x8;
export const MSG_PROBE = 0x10;
export const MSG_TRUNC = 0x20;
export const MSG_DONTWAIT = 0x40;
export const MSG_EOR = 0x80;
export const MSG_WAITALL = 0x100;
export const MSG_FIN = 0x200;
export const MSG_SYN = 0x400;
export const MSG_CONFIRM = 0x800;
export const MSG_RST = 0x1000;
export const MSG_ERRQUEUE = 0x2000;
export const MSG_NOSIGNAL = 0x4000;
export const MSG_MORE = 0x8000;
export const MSG_WAITFORONE = 0x10000;
export const MSG_CMSG_CLOEXEC = 0x40000000;

/** MSG_* names in bit order (how a trace prints msg_flags). */
export const MSG_FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [MSG_OOB, "MSG_OOB"],
  [MSG_PEEK, "MSG_PEEK"],
  [MSG_DONTROUTE, "MSG_DONTROUTE"],
  [MSG_CTRUNC, "MSG_CTRUNC"],
  [MSG_PROBE, "MSG_PROBE"],
  [MSG_TRUNC, "MSG_TRUNC"],
  [MSG_DONTWAIT, "MSG_DONTWAIT"],
  [MSG_EOR, "MSG_EOR"],
  [MSG_WAITALL, "MSG_WAITALL"],
  [MSG_FIN, "MSG_FIN"],
  [MSG_SYN, "MSG_SYN"],
  [MSG_CONFIRM, "MSG_CONFIRM"],
  [MSG_RST, "MSG_RST"],
  [MSG_ERRQUEUE, "MSG_ERRQUEUE"],
  [MSG_NOSIGNAL, "MSG_NOSIGNAL"],
  [MSG_MORE, "MSG_MORE"],
  [MSG_WAITFORONE, "MSG_WAITFORONE"],
  [MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"],
];

/** Control message types at SOL_SOCKET. */
export const SCM_RIGHTS = 1;
export const SCM_CREDENTIALS = 2;

/** Capabilities the netlink paths check (include/uapi/linux/capability.h). */
export const CAP_NET_ADMIN = 12;
export const CAP_NET_RAW = 13;
export const CAP_SYS_ADMIN = 21;
