// net/netlink/af_netlink.c, the socket operations user space reaches through syscalls:
// netlink_create, netlink_bind, netlink_connect, netlink_getname, netlink_sendmsg,
// netlink_recvmsg, netlink_setsockopt, netlink_getsockopt, netlink_release.
//
// Contract with the simulator and the transport
// - Every call takes the socket and, where the kernel consults `current`, the caller's Cred
//   (tgid for autobind and SCM credentials, uid/gid, effective capabilities).
// - Every call returns what the syscall returns: a non-negative result or a negative errno
//   (uapi ERRNO numbers). Nothing is thrown for a condition the kernel reports.
// - The model never sleeps. When a blocking call would sleep it returns WOULD_BLOCK (−4096, not an
//   errno) and sets `sk.blocked = {op, wq, timeo}`: the task must sleep on `wq` for at most `timeo`
//   microseconds (MAX_SCHEDULE_TIMEOUT = Infinity: forever). Wait queues call `wq.onwake` or
//   the namespace's `host.wake` on every wake-up. To resume:
//     recvmsg: call netlink_recvmsg again with the same arguments; after the timeout expired, call
//       it once more with MSG_DONTWAIT added (the kernel's last try) — it then returns data or EAGAIN.
//     sendmsg: call netlink_sendmsg_resume(sk, timedOut). The skb (and any broadcast already done)
//       stays as it was: only the unicast admission is retried, as in the kernel's `goto retry`.
//       A signal is netlink_sendmsg_interrupt(sk).
//   A wake-up is not a promise: the resumed call may return WOULD_BLOCK again; the simulator keeps
//   the deadline of the first sleep.
// - MSG_DONTWAIT, or O_NONBLOCK on the file (SOCK_NONBLOCK, sock_set_nonblock), make those calls
//   return −EAGAIN instead.
// - A kernel socket's input runs from a softirq after the syscall in a world (2.6-era, the default),
//   or synchronously inside the sender's sendmsg (2.6.24+, and with no kernel installed): input.ts.

import { module_put, try_module_get } from "../../kernel/module.js";
import {
  AF_NETLINK,
  AF_UNSPEC,
  ERRNO,
  encodeSockaddrNl,
  getU16,
  getU32,
  MSG_DONTWAIT,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_BROADCAST_ERROR,
  NETLINK_CAP_ACK,
  NETLINK_CONNECTED,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_LIST_MEMBERSHIPS,
  NETLINK_LISTEN_ALL_NSID,
  NETLINK_NO_ENOBUFS,
  NETLINK_PKTINFO,
  NETLINK_UNCONNECTED,
  NL_CFG_F_NONROOT_RECV,
  NL_CFG_F_NONROOT_SEND,
  putU32,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_MAX,
  SOCK_NONBLOCK,
  SOCK_RAW,
  SOCK_TYPE_MASK,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../../uapi/index.js";
import {
  CAP_NET_BROADCAST,
  type Cred,
  capable,
  type GetsockoptResult,
  type SockOptval,
  sock_error,
  sock_getsockopt,
  sock_setsockopt,
  sockoptval_bytes,
} from "../core/sock.js";
import { netlink_broadcast } from "./broadcast.js";
import { netlink_recvmsg_dump, netlink_sock_destruct_dump } from "./dump.js";
import {
  alloc_head,
  kfree_skb,
  NETLINK_MAX_RECVMSG_LEN,
  NETLINK_SKB_DST,
  NO_CREDS,
  netlink_alloc_large_skb,
  type ScmCreds,
  skb_get,
  skb_put,
} from "./skb.js";
import {
  ffs,
  NETLINK_F_BROADCAST_SEND_ERROR,
  NETLINK_F_CAP_ACK,
  NETLINK_F_EXT_ACK,
  NETLINK_F_LISTEN_ALL_NSID,
  NETLINK_F_RECV_NO_ENOBUFS,
  NETLINK_F_RECV_PKTINFO,
  NETLINK_F_STRICT_CHK,
  NETLINK_S_CONGESTED,
  NetlinkSock,
  netlink_group_mask,
  netlink_is_kernel,
  WOULD_BLOCK,
} from "./sock.js";
import {
  NETLINK_URELEASE,
  type Net,
  netlink_allowed,
  netlink_autobind,
  netlink_insert,
  netlink_realloc_groups,
  netlink_remove,
  netlink_set_bind_groups,
  netlink_update_listeners,
  netlink_update_socket_mc,
} from "./table.js";
import { netlink_rcv_wake, netlink_unicast, netlink_unicast_retry } from "./unicast.js";

/** sizeof(struct sockaddr_nl) */
const SOCKADDR_NL_SIZE = 12;
/** sizeof(struct sockaddr_storage): move_addr_to_kernel refuses longer addresses */
const SOCKADDR_STORAGE_SIZE = 128;

/**
 * A sockaddr as the kernel reads it: the first 12 bytes of what was copied in, zero-extended. One
 * record, written by each move_addr_to_kernel (the kernel's is on the caller's stack): a caller
 * reads what it needs before it calls anything else.
 */
const kaddr = { family: 0, pid: 0, groups: 0 };

/** move_addr_to_kernel: −EINVAL for a length outside [0, 128]; else 0 and the fields in kaddr (zero past the copy). */
const move_addr_to_kernel = (addr: Uint8Array, addrlen: number): number => {
  if (addrlen < 0 || addrlen > SOCKADDR_STORAGE_SIZE) return -ERRNO.EINVAL;
  const n = Math.min(addrlen, addr.length, SOCKADDR_NL_SIZE);
  let b = addr;
  if (n < SOCKADDR_NL_SIZE) {
    // a short copy: read through a zeroed sockaddr_nl (no subarray: that would give a small,
    // on-heap Uint8Array an off-heap backing store on every call)
    b = new Uint8Array(SOCKADDR_NL_SIZE);
    for (let i = 0; i < n; i++) b[i] = addr[i]!;
  }
  kaddr.family = getU16(b, 0);
  kaddr.pid = getU32(b, 4);
  kaddr.groups = getU32(b, 8);
  return 0;
};

// The SCM_CREDENTIALS a sender's messages carry, made once per credentials object (a Cred is
// immutable: changing credentials installs a new one), not once per message.
let lastCred: Cred | null = null;
let lastScmCreds: ScmCreds = NO_CREDS;
const scm_creds = (cred: Cred): ScmCreds => {
  if (cred !== lastCred) {
    lastScmCreds = { pid: cred.tgid, uid: cred.uid, gid: cred.gid };
    lastCred = cred;
  }
  return lastScmCreds;
};

/**
 * socket(AF_NETLINK, type, protocol): __sys_socket and __sock_create's checks, then netlink_create.
 * The socket takes a reference on the module that registered the unit (try_module_get; a module
 * on its way out gives EPROTONOSUPPORT, as an unregistered unit does). Returns the socket or a
 * negative errno. (The model is netlink-only: there is no family argument.)
 */
export const netlink_create = (net: Net, cred: Cred, type: number, protocol: number): NetlinkSock | number => {
  const sflags = type & ~SOCK_TYPE_MASK;
  if (sflags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK)) return -ERRNO.EINVAL;
  const stype = type & SOCK_TYPE_MASK;
  if (stype < 0 || stype >= SOCK_MAX) return -ERRNO.EINVAL;
  if (stype !== SOCK_RAW && stype !== SOCK_DGRAM) return -ERRNO.ESOCKTNOSUPPORT;
  if (protocol < 0 || protocol >= net.nl_table.length) return -ERRNO.EPROTONOSUPPORT;
  const tbl = net.nl_table[protocol]!;
  // (no request_module: the model loads no module on demand)
  // every user socket holds the unit's module: rmmod is refused until the last one is closed
  if (tbl.registered === 0 || !try_module_get(tbl.module)) return -ERRNO.EPROTONOSUPPORT;
  const sk = new NetlinkSock(net, stype, protocol, cred.uid);
  sk.module = tbl.module;
  sk.netlink_bind = tbl.bind;
  sk.netlink_unbind = tbl.unbind;
  sk.netlink_release = tbl.release;
  sk.file_nonblock = (sflags & SOCK_NONBLOCK) !== 0;
  net.sockets.push(sk);
  return sk;
};

/** fcntl(F_SETFL, O_NONBLOCK) on the socket's file. */
export const sock_set_nonblock = (sk: NetlinkSock, on: boolean): void => {
  sk.file_nonblock = on;
};

/** netlink_undo_bind: unbind the groups of `groups` below `group` (0-based) after a failed bind. */
const netlink_undo_bind = (group: number, groups: number, sk: NetlinkSock): void => {
  const unbind = sk.netlink_unbind;
  if (unbind === null) return;
  for (let undo = 0; undo < group; undo++) {
    if ((groups >>> undo) & 1) unbind(sk.net, undo + 1);
  }
};

/** netlink_bind(sk, sockaddr_nl, addrlen) → 0 or a negative errno. */
export const netlink_bind = (sk: NetlinkSock, cred: Cred, addr: Uint8Array, addrlen = addr.length): number => {
  const moved = move_addr_to_kernel(addr, addrlen);
  if (moved) return moved;
  const { family, pid } = kaddr;
  if (addrlen < SOCKADDR_NL_SIZE) return -ERRNO.EINVAL;
  if (family !== AF_NETLINK) return -ERRNO.EINVAL;
  let groups = kaddr.groups;
  // only the superuser may listen to multicasts, unless the unit says otherwise
  if (groups) {
    if (!netlink_allowed(sk, cred, NL_CFG_F_NONROOT_RECV)) return -ERRNO.EPERM;
    const err = netlink_realloc_groups(sk);
    if (err) return err;
  }
  if (sk.ngroups < 32) groups = (groups & (2 ** sk.ngroups - 1)) >>> 0;
  const bound = sk.bound;
  if (bound && pid !== sk.portid) return -ERRNO.EINVAL;
  const bind = sk.netlink_bind;
  if (bind !== null && groups) {
    // nl_groups is a u32: the callback sees every group of the mask, joined before or not
    for (let group = 0; group < 32; group++) {
      if (!((groups >>> group) & 1)) continue;
      const err = bind(sk.net, group + 1, cred);
      if (!err) continue;
      netlink_undo_bind(group, groups, sk);
      return err;
    }
  }
  if (!bound) {
    const err = pid ? netlink_insert(sk, pid) : netlink_autobind(sk, cred);
    if (err) {
      netlink_undo_bind(32, groups, sk);
      return err;
    }
  }
  if (!groups && (sk.groups === null || sk.groups[0] === 0)) return 0;
  netlink_set_bind_groups(sk, groups);
  return 0;
};

/** netlink_connect(sk, sockaddr, addrlen) → 0 or a negative errno. */
export const netlink_connect = (sk: NetlinkSock, cred: Cred, addr: Uint8Array, addrlen = addr.length): number => {
  const moved = move_addr_to_kernel(addr, addrlen);
  if (moved) return moved;
  const { family, pid, groups } = kaddr;
  if (addrlen < 2) return -ERRNO.EINVAL;
  if (family === AF_UNSPEC) {
    sk.sk_state = NETLINK_UNCONNECTED;
    sk.dst_portid = 0;
    sk.dst_group = 0;
    return 0;
  }
  if (family !== AF_NETLINK) return -ERRNO.EINVAL;
  if (addrlen < SOCKADDR_NL_SIZE) return -ERRNO.EINVAL;
  if ((groups || pid) && !netlink_allowed(sk, cred, NL_CFG_F_NONROOT_SEND)) return -ERRNO.EPERM;
  let err = 0;
  if (!sk.bound) err = netlink_autobind(sk, cred);
  if (err === 0) {
    sk.sk_state = NETLINK_CONNECTED;
    sk.dst_portid = pid;
    sk.dst_group = ffs(groups);
  }
  return err;
};

/** What getsockname / getpeername return: the length and the struct sockaddr_nl, raw and parsed. */
export interface GetnameResult {
  readonly ret: number;
  readonly addr: Uint8Array;
  readonly pid: number;
  readonly groups: number;
}

/** netlink_getname(sk, peer): {port id, low 32 membership bits} or {dst port id, dst group mask}. */
export const netlink_getname = (sk: NetlinkSock, peer: boolean): GetnameResult => {
  const pid = peer ? sk.dst_portid : sk.portid;
  const groups = peer ? netlink_group_mask(sk.dst_group) : sk.groups !== null ? sk.groups[0]! : 0;
  return { ret: SOCKADDR_NL_SIZE, addr: encodeSockaddrNl({ pid, groups }), pid, groups };
};

/**
 * netlink_sendmsg(sk, data, flags, addr?, addrlen?) → bytes sent or a negative errno (or
 * WOULD_BLOCK). `addr` null (or addrlen 0) sends to the connected destination.
 */
export const netlink_sendmsg = (
  sk: NetlinkSock,
  cred: Cred,
  data: Uint8Array,
  flags = 0,
  addr: Uint8Array | null = null,
  addrlen: number = addr?.length ?? 0,
): number => {
  if (flags & MSG_OOB) return -ERRNO.EOPNOTSUPP;
  const len = data.length;
  if (len === 0) return -ERRNO.ENODATA;
  let dst_portid: number;
  let dst_group: number;
  let skb_flags = 0;
  if (addr !== null && addrlen) {
    const moved = move_addr_to_kernel(addr, addrlen);
    if (moved) return moved;
    if (addrlen < SOCKADDR_NL_SIZE) return -ERRNO.EINVAL;
    if (kaddr.family !== AF_NETLINK) return -ERRNO.EINVAL;
    dst_portid = kaddr.pid;
    dst_group = ffs(kaddr.groups);
    if ((dst_group || dst_portid) && !netlink_allowed(sk, cred, NL_CFG_F_NONROOT_SEND)) return -ERRNO.EPERM;
    skb_flags |= NETLINK_SKB_DST;
  } else {
    dst_portid = sk.dst_portid;
    dst_group = sk.dst_group;
  }
  if (!sk.bound) {
    const err = netlink_autobind(sk, cred);
    if (err) return err;
  }
  if (len > sk.sk_sndbuf - 32) return -ERRNO.EMSGSIZE;
  // netlink_alloc_large_skb returned NULL: err = -ENOBUFS
  if (sk.net.host.allocFails(len, "netlink_sendmsg")) return -ERRNO.ENOBUFS;
  const skb = netlink_alloc_large_skb(len, dst_group !== 0);
  const creds = scm_creds(cred);
  skb.cb.portid = sk.portid;
  skb.cb.dst_group = dst_group;
  skb.cb.creds = creds;
  skb.cb.cred = cred; // current, for netlink_capable in the receiving kernel code
  skb.cb.flags = skb_flags;
  skb.head.set(data, skb_put(skb, len));
  if (dst_group) {
    skb_get(skb);
    netlink_broadcast(sk, skb, dst_portid, dst_group);
  }
  const nonblock = (flags & MSG_DONTWAIT) !== 0 || sk.file_nonblock;
  return netlink_unicast(sk, skb, dst_portid, nonblock);
};

/** Resume a sendmsg that returned WOULD_BLOCK (see the contract at the top). */
export const netlink_sendmsg_resume = (sk: NetlinkSock, timedOut: boolean): number => {
  const p = sk.pending_send;
  if (p === null) return -ERRNO.EINVAL;
  sk.pending_send = null;
  sk.blocked = null;
  return netlink_unicast_retry(sk, p.skb, p.dst_portid, timedOut ? 0 : sk.sk_sndtimeo);
};

/** A signal woke a sender parked in netlink_attachskb: sock_intr_errno. */
export const netlink_sendmsg_interrupt = (sk: NetlinkSock): number => {
  const p = sk.pending_send;
  if (p === null) return -ERRNO.EINVAL;
  sk.pending_send = null;
  sk.blocked = null;
  kfree_skb(p.skb);
  return sk.sk_sndtimeo === Number.POSITIVE_INFINITY ? -ERRNO.ERESTARTSYS : -ERRNO.EINTR;
};

/** What recvmsg returns besides its value. */
export interface NetlinkRecvResult {
  /** bytes (the full datagram length with MSG_TRUNC in the call's flags), a negative errno, or WOULD_BLOCK */
  readonly ret: number;
  /** the copied bytes: min(size, datagram length) */
  readonly data: Uint8Array;
  /** msg_flags (MSG_TRUNC when the datagram was longer than the buffer) */
  readonly msg_flags: number;
  /** msg_name: the sender's port id (0 for the kernel) and 1 << (dst_group − 1) (0 above 32) */
  readonly name?: { readonly pid: number; readonly groups: number };
  /** the NETLINK_PKTINFO control message (nl_pktinfo.group), when the socket asked for it */
  readonly pktinfo?: number;
  /** the SCM_CREDENTIALS control message, when SO_PASSCRED is on */
  readonly creds?: ScmCreds;
}

const EMPTY = new Uint8Array(0);
const recvError = (ret: number): NetlinkRecvResult => ({ ret, data: EMPTY, msg_flags: 0 });
/** a read that must sleep (one result for all: it holds nothing of the call's) */
const RECV_WOULD_BLOCK = recvError(WOULD_BLOCK);

/**
 * netlink_recvmsg(sk, size, flags, copyTo): one datagram per call. A pending sk_err is returned
 * (and cleared) before any queued data; MSG_PEEK leaves the datagram queued; after the read, a
 * running dump gets another round (netlink_recvmsg_dump), then netlink_rcv_wake. `copyTo(n)`
 * makes the buffer the datagram is copied into: by default a carve of the model's working memory
 * (a caller that keeps the bytes or hands them on copies them); the simulator's processes pass
 * ownedBytes, so that a program's datagrams are bytes of its own, copied once.
 */
export const netlink_recvmsg = (
  sk: NetlinkSock,
  size: number,
  flags = 0,
  copyTo: (size: number) => Uint8Array = alloc_head,
): NetlinkRecvResult => {
  if (flags & MSG_OOB) return recvError(-ERRNO.EOPNOTSUPP);
  const nonblock = (flags & MSG_DONTWAIT) !== 0 || sk.file_nonblock;
  // skb_recv_datagram: socket errors first, then the queue, then sleep or EAGAIN
  const err = sock_error(sk);
  if (err) {
    sk.blocked = null;
    netlink_rcv_wake(sk);
    return recvError(err);
  }
  const peek = (flags & MSG_PEEK) !== 0;
  const skb = peek ? sk.sk_receive_queue.peek() : sk.sk_receive_queue.shift();
  if (skb === undefined) {
    if (nonblock || sk.sk_rcvtimeo === 0) {
      sk.blocked = null;
      netlink_rcv_wake(sk);
      return recvError(-ERRNO.EAGAIN);
    }
    sk.blocked = sk.recvmsg_blocked(sk.sk_rcvtimeo);
    return RECV_WOULD_BLOCK;
  }
  sk.blocked = null;
  // record the largest read for future dump allocations
  sk.max_recvmsg_len = Math.min(Math.max(sk.max_recvmsg_len, size), NETLINK_MAX_RECVMSG_LEN);
  let copied = skb.len;
  let msg_flags = 0;
  if (size < copied) {
    msg_flags |= MSG_TRUNC;
    copied = size;
  }
  // skb_copy_datagram_msg: into the caller's buffer, which copyTo makes
  const data = copyTo(copied);
  const head = skb.head;
  // the whole head (the usual datagram) needs no subarray view to copy from
  if (skb.data_off === 0 && copied === head.length) data.set(head);
  else data.set(head.subarray(skb.data_off, skb.data_off + copied));
  const cb = skb.cb;
  const name = { pid: cb.portid, groups: netlink_group_mask(cb.dst_group) };
  if (flags & MSG_TRUNC) copied = skb.len;
  const out: { -readonly [K in keyof NetlinkRecvResult]: NetlinkRecvResult[K] } = {
    ret: copied,
    data,
    msg_flags,
    name,
  };
  if (sk.flags & NETLINK_F_RECV_PKTINFO) out.pktinfo = cb.dst_group;
  if (sk.sock_passcred) out.creds = cb.creds;
  if (!peek) kfree_skb(skb); // skb_free_datagram
  // a running dump gets one more round while rmem_alloc <= rcvbuf / 2 (an error becomes sk_err)
  netlink_recvmsg_dump(sk);
  netlink_rcv_wake(sk);
  return out;
};

/** SOL_NETLINK flag options and their nlk->flags bit. */
const FLAG_OPTIONS: Readonly<Record<number, number>> = {
  [NETLINK_PKTINFO]: NETLINK_F_RECV_PKTINFO,
  [NETLINK_BROADCAST_ERROR]: NETLINK_F_BROADCAST_SEND_ERROR,
  [NETLINK_NO_ENOBUFS]: NETLINK_F_RECV_NO_ENOBUFS,
  [NETLINK_LISTEN_ALL_NSID]: NETLINK_F_LISTEN_ALL_NSID,
  [NETLINK_CAP_ACK]: NETLINK_F_CAP_ACK,
  [NETLINK_EXT_ACK]: NETLINK_F_EXT_ACK,
  [NETLINK_GET_STRICT_CHK]: NETLINK_F_STRICT_CHK,
};

/**
 * netlink_setsockopt (level SOL_NETLINK): an optlen below 4 reads as value 0. ADD/DROP_MEMBERSHIP
 * take a 1-based group; RX_RING/TX_RING and unknown options are −ENOPROTOOPT.
 */
export const netlink_setsockopt = (
  sk: NetlinkSock,
  cred: Cred,
  level: number,
  optname: number,
  optval: Uint8Array,
  optlen: number = optval.length,
): number => {
  if (level !== SOL_NETLINK) return -ERRNO.ENOPROTOOPT;
  let val = 0;
  if (optlen >= 4) {
    if (optval.length < 4) return -ERRNO.EFAULT;
    val = getU32(optval, 0);
  }
  switch (optname) {
    case NETLINK_ADD_MEMBERSHIP:
    case NETLINK_DROP_MEMBERSHIP: {
      if (!netlink_allowed(sk, cred, NL_CFG_F_NONROOT_RECV)) return -ERRNO.EPERM;
      const err = netlink_realloc_groups(sk);
      if (err) return err;
      if (!val || val - 1 >= sk.ngroups) return -ERRNO.EINVAL;
      const add = optname === NETLINK_ADD_MEMBERSHIP;
      if (add && sk.netlink_bind !== null) {
        const e = sk.netlink_bind(sk.net, val, cred);
        if (e) return e;
      }
      netlink_update_socket_mc(sk, val, add);
      if (!add && sk.netlink_unbind !== null) sk.netlink_unbind(sk.net, val);
      return 0;
    }
    case NETLINK_NO_ENOBUFS:
      if (val) {
        sk.state &= ~NETLINK_S_CONGESTED;
        sk.wait.wake_up();
      }
      break;
    case NETLINK_LISTEN_ALL_NSID:
      if (!capable(cred, CAP_NET_BROADCAST)) return -ERRNO.EPERM;
      break;
    default:
      if (FLAG_OPTIONS[optname] === undefined) return -ERRNO.ENOPROTOOPT;
  }
  const nr = FLAG_OPTIONS[optname]!;
  sk.flags = val ? sk.flags | nr : sk.flags & ~nr;
  return 0;
};

const getsockoptError = (ret: number, len: number): GetsockoptResult => ({ ret, optlen: len, optval: EMPTY });

/**
 * netlink_getsockopt (level SOL_NETLINK), with `len` the optlen passed in. A flag needs len ≥ 4
 * and reports optlen 4; LIST_MEMBERSHIPS copies whole words that fit and reports
 * ALIGN(ceil(ngroups / 8), 4) (0 for a socket that never joined a group).
 */
export const netlink_getsockopt = (sk: NetlinkSock, level: number, optname: number, len: number): GetsockoptResult => {
  if (level !== SOL_NETLINK) return getsockoptError(-ERRNO.ENOPROTOOPT, len);
  if (len < 0) return getsockoptError(-ERRNO.EINVAL, len);
  if (optname === NETLINK_LIST_MEMBERSHIPS) {
    const words: number[] = [];
    for (let pos = 0; pos * 8 < sk.ngroups; pos += 4) {
      if (len - pos < 4) break;
      words.push(sk.groups![pos >>> 2]!);
    }
    const optval = new Uint8Array(words.length * 4);
    for (let i = 0; i < words.length; i++) putU32(optval, i * 4, words[i]!);
    const need = (Math.ceil(sk.ngroups / 8) + 3) & ~3;
    return { ret: 0, optlen: need, optval };
  }
  const flag = FLAG_OPTIONS[optname];
  if (flag === undefined) return getsockoptError(-ERRNO.ENOPROTOOPT, len);
  if (len < 4) return getsockoptError(-ERRNO.EINVAL, len);
  const optval = new Uint8Array(4);
  putU32(optval, 0, sk.flags & flag ? 1 : 0);
  return { ret: 0, optlen: 4, optval };
};

/**
 * setsockopt(2): SOL_SOCKET goes to the socket layer, anything else to netlink_setsockopt. The
 * value is the optval bytes or, for SO_ATTACH_FILTER, a struct sock_fprog with its program.
 */
export const setsockopt = (
  sk: NetlinkSock,
  cred: Cred,
  level: number,
  optname: number,
  optval: SockOptval,
  optlen?: number,
): number => {
  if (level === SOL_SOCKET) return sock_setsockopt(sk, cred, optname, optval, optlen);
  const bytes = sockoptval_bytes(optval);
  return netlink_setsockopt(sk, cred, level, optname, bytes, optlen ?? bytes.length);
};

/** getsockopt(2): SOL_SOCKET goes to the socket layer, anything else to netlink_getsockopt. */
export const getsockopt = (sk: NetlinkSock, level: number, optname: number, len: number): GetsockoptResult =>
  level === SOL_SOCKET ? sock_getsockopt(sk, optname, len) : netlink_getsockopt(sk, level, optname, len);

/**
 * netlink_release: unhash, tell the unit (release callback, unbind per group), wake senders
 * waiting on it, send NETLINK_URELEASE for a bound socket, drop the module reference netlink_create
 * took (module_put), unregister a kernel socket's unit when
 * its last kernel socket goes, and purge the queue (netlink_sock_destruct).
 */
export const netlink_release = (sk: NetlinkSock): number => {
  if (sk.dead) return 0;
  const net = sk.net;
  if (sk.pending_send !== null) {
    kfree_skb(sk.pending_send.skb);
    sk.pending_send = null;
  }
  sk.blocked = null;
  netlink_remove(sk);
  sk.dead = true; // sock_orphan
  if (sk.netlink_release !== null) sk.netlink_release(sk, sk.groups);
  const unbind = sk.netlink_unbind;
  if (unbind !== null && sk.groups !== null) {
    for (let i = 0; i < sk.ngroups; i++) {
      if ((sk.groups[i >>> 5]! >>> (i & 31)) & 1) unbind(net, i + 1);
    }
  }
  sk.wait.wake_up(); // wake_up_interruptible_all(&nlk->wait)
  if (sk.portid && sk.bound) {
    const n = { net, protocol: sk.sk_protocol, portid: sk.portid };
    for (const nb of net.netlink_chain.slice()) nb(NETLINK_URELEASE, n);
  }
  module_put(sk.module);
  sk.module = null;
  if (netlink_is_kernel(sk)) {
    const tbl = net.nl_table[sk.sk_protocol]!;
    if (tbl.registered === 0) net.report("BUG", "netlink_release: kernel socket of an unregistered unit");
    else if (--tbl.registered === 0) {
      tbl.listeners = null;
      tbl.module = null;
      tbl.bind = null;
      tbl.unbind = null;
      tbl.release = null;
      tbl.flags = 0;
    }
  }
  netlink_sock_destruct_dump(sk); // a dump cut short by close() gets its done()
  for (let skb = sk.sk_receive_queue.shift(); skb !== undefined; skb = sk.sk_receive_queue.shift()) kfree_skb(skb);
  sk.sk_refcnt--;
  netlink_update_listeners(net, sk.sk_protocol);
  return 0;
};
