// net/netlink/af_netlink.h: struct netlink_sock (with the struct sock fields it uses folded in,
// since nlk_sk(sk) and sk are the same object), its flag and state bits, and the wait queues.
import type { Module } from "../../kernel/module.js";
import { AF_NETLINK, NETLINK_UNCONNECTED, type SockFilter } from "../../uapi/index.js";
import { type Cred, MAX_SCHEDULE_TIMEOUT, type SockCommon, type SockSysctl } from "../core/sock.js";
import type { NetlinkCallback } from "./dump.js";
import type { SkBuff } from "./skb.js";
import type { Net } from "./table.js";

// nlk->flags bits (af_netlink.h, enum netlink_sock_flags as masks)
export const NETLINK_F_KERNEL_SOCKET = 1 << 0;
export const NETLINK_F_RECV_PKTINFO = 1 << 1;
export const NETLINK_F_BROADCAST_SEND_ERROR = 1 << 2;
export const NETLINK_F_RECV_NO_ENOBUFS = 1 << 3;
export const NETLINK_F_LISTEN_ALL_NSID = 1 << 4;
export const NETLINK_F_CAP_ACK = 1 << 5;
export const NETLINK_F_EXT_ACK = 1 << 6;
export const NETLINK_F_STRICT_CHK = 1 << 7;

// nlk->state bits
export const NETLINK_S_CONGESTED = 1 << 0;

/** A kernel module's input: netlink_kernel_cfg.input, run with the request skb. */
export type NetlinkInput = (skb: SkBuff) => void;
/** netlink_kernel_cfg.bind: 0 or a negative errno; `cred` is the caller's (current's) credentials. */
export type NetlinkBindFn = (net: Net, group: number, cred: Cred) => number;
export type NetlinkUnbindFn = (net: Net, group: number) => void;
/** netlink_kernel_cfg.release: told about each user socket of the unit as it closes, with its groups. */
export type NetlinkReleaseFn = (sk: NetlinkSock, groups: Uint32Array | null) => void;

/**
 * A wait queue head (wait_queue_head_t). The model never sleeps: a call that would sleep returns
 * WOULD_BLOCK and records the queue in `sk.blocked`; the simulator parks the task and, when this
 * queue is woken, resumes the call. `onwake` (per queue, for tests) or the namespace's host is
 * told; `wakeups` counts wake-ups for tests and traces.
 */
export class WaitQueue {
  wakeups = 0;
  onwake: ((q: WaitQueue) => void) | undefined = undefined;
  /**
   * Who sleeps on the queue (the kernel's wait_queue_head list): kept by the host that runs the
   * tasks (the world), never read by the model.
   */
  sleepers: unknown = undefined;
  constructor(
    readonly sk: NetlinkSock,
    /** "sk_wq": readers (data ready, error report); "nlk_wait": unicast senders waiting for room */
    readonly kind: "sk_wq" | "nlk_wait",
  ) {}
  /** wake_up_interruptible / sk_data_ready / sk_error_report */
  wake_up(): void {
    this.wakeups++;
    if (this.onwake !== undefined) this.onwake(this);
    else this.sk.net.host.wake(this);
  }
}

/** What a task sleeping in a netlink call waits for (see the contract in af_netlink.ts). */
export interface BlockedOn {
  readonly op: "recvmsg" | "sendmsg";
  /** the queue whose wake-up should resume the call */
  readonly wq: WaitQueue;
  /** how long the task may sleep, in microseconds (MAX_SCHEDULE_TIMEOUT = forever) */
  readonly timeo: number;
}

/** A user unicast parked in netlink_attachskb, resumed by netlink_sendmsg_resume. */
export interface PendingSend {
  readonly skb: SkBuff;
  readonly dst_portid: number;
}

/** The items of every SkbQueue that has never held an skb: read, never written. */
const NO_ITEMS: Array<SkBuff | undefined> = [];

/**
 * Per-socket simple FIFO of skbs (sk_receive_queue) without O(n) shifts: `items[head..tail)` are
 * queued. A queue that empties starts again at slot 0, so a socket that reads what it receives
 * reuses the same slots and allocates nothing.
 */
export class SkbQueue {
  // an idle socket's queue shares one empty array (a socket that never receives allocates none)
  private items: Array<SkBuff | undefined> = NO_ITEMS;
  private head = 0;
  private tail = 0;
  get length(): number {
    return this.tail - this.head;
  }
  peek(): SkBuff | undefined {
    return this.head < this.tail ? this.items[this.head] : undefined;
  }
  push(skb: SkBuff): void {
    if (this.items === NO_ITEMS) this.items = [];
    this.items[this.tail++] = skb;
  }
  shift(): SkBuff | undefined {
    if (this.head === this.tail) return undefined;
    const s = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head > 64 && this.head * 2 > this.tail) {
      this.items = this.items.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    return s;
  }
  /** in queue order */
  toArray(): SkBuff[] {
    return this.items.slice(this.head, this.tail) as SkBuff[];
  }
}

/** NetlinkSock's fields that most sockets keep at their defaults (see NetlinkSock.cold). */
class NetlinkSockCold {
  sk_err_soft = 0;
  sk_userlocks = 0;
  rcvtimeo = -1;
  sndtimeo = -1;
  sock_filter_locked = false;
  wq_readers: WaitQueue | null = null;
  wq_senders: WaitQueue | null = null;
  module: Module | null = null;
  netlink_rcv: NetlinkInput | null = null;
  netlink_bind: NetlinkBindFn | null = null;
  netlink_unbind: NetlinkUnbindFn | null = null;
  netlink_release: NetlinkReleaseFn | null = null;
  cb: NetlinkCallback | null = null;
  dump_done_errno = 0;
  /** what a recvmsg that sleeps records in `blocked` (recvmsg_blocked) */
  recv_blocked: { readonly op: "recvmsg"; readonly wq: WaitQueue; timeo: number } | null = null;
}

/** struct netlink_sock + the struct sock fields netlink uses. Field names are the kernel's. */
export class NetlinkSock implements SockCommon {
  readonly sk_family = AF_NETLINK;
  sk_state = NETLINK_UNCONNECTED;
  portid = 0;
  dst_portid = 0;
  dst_group = 0;
  /** nlk->bound: set once netlink_insert succeeded for a user socket (kernel sockets stay 0, as in C) */
  bound = false;
  /** in nl_table[protocol].hash (what /proc/net/netlink walks) */
  hashed = false;
  flags = 0;
  state = 0;
  /** nlk->groups: bit g−1 is group g, in 32-bit words; null until netlink_realloc_groups */
  groups: Uint32Array | null = null;
  ngroups = 0;
  /** number of groups set (netlink_update_subscriptions); > 0 puts the socket on mc_list */
  subscriptions = 0;
  /** sk_bind_node: this socket's links in its unit's mc_list (an hlist; newest first) */
  mc_next: NetlinkSock | null = null;
  mc_prev: NetlinkSock | null = null;

  sk_rcvbuf: number;
  sk_sndbuf: number;
  sk_rmem_alloc = 0;
  sk_err = 0;
  sk_drops = 0;
  // Fields an idle user socket leaves at their defaults live in `cold` (NetlinkSockCold), made
  // when one is first set to anything else; the accessors below keep the kernel's names. A
  // namespace of 100,000 sockets then holds 15 fields fewer per socket (docs/performance.md).
  private cold: NetlinkSockCold | null = null;
  private get c(): NetlinkSockCold {
    if (this.cold === null) this.cold = new NetlinkSockCold();
    return this.cold;
  }
  get sk_err_soft(): number {
    return this.cold === null ? 0 : this.cold.sk_err_soft;
  }
  set sk_err_soft(v: number) {
    if (this.cold !== null || v !== 0) this.c.sk_err_soft = v;
  }
  get sk_userlocks(): number {
    return this.cold === null ? 0 : this.cold.sk_userlocks;
  }
  set sk_userlocks(v: number) {
    if (this.cold !== null || v !== 0) this.c.sk_userlocks = v;
  }
  // sk_rcvtimeo/sk_sndtimeo (µs, MAX_SCHEDULE_TIMEOUT = Infinity) are stored with −1 for Infinity:
  // a double in a field is a heap number of each socket's own in V8, two more objects per socket
  get sk_rcvtimeo(): number {
    return this.cold === null || this.cold.rcvtimeo < 0 ? MAX_SCHEDULE_TIMEOUT : this.cold.rcvtimeo;
  }
  set sk_rcvtimeo(timeo: number) {
    if (this.cold !== null || timeo !== MAX_SCHEDULE_TIMEOUT)
      this.c.rcvtimeo = timeo === MAX_SCHEDULE_TIMEOUT ? -1 : timeo;
  }
  get sk_sndtimeo(): number {
    return this.cold === null || this.cold.sndtimeo < 0 ? MAX_SCHEDULE_TIMEOUT : this.cold.sndtimeo;
  }
  set sk_sndtimeo(timeo: number) {
    if (this.cold !== null || timeo !== MAX_SCHEDULE_TIMEOUT)
      this.c.sndtimeo = timeo === MAX_SCHEDULE_TIMEOUT ? -1 : timeo;
  }
  sock_passcred = false;
  /** sk->sk_filter: the classic BPF program attached with SO_ATTACH_FILTER (net/core/filter.ts) */
  sk_filter: ReadonlyArray<SockFilter> | null = null;
  /** sock_flag(sk, SOCK_FILTER_LOCKED) */
  get sock_filter_locked(): boolean {
    return this.cold === null ? false : this.cold.sock_filter_locked;
  }
  set sock_filter_locked(v: boolean) {
    if (this.cold !== null || v) this.c.sock_filter_locked = v;
  }
  /** refcount: 1 for the socket, +1 while hashed (the /proc Locks column) */
  sk_refcnt = 1;
  /** SOCK_DEAD: released */
  dead = false;
  /** O_NONBLOCK on the file (SOCK_NONBLOCK at socket(), or fcntl) */
  file_nonblock = false;
  readonly sk_receive_queue = new SkbQueue();
  // the two wait queues are made on first use: most sockets of a large namespace never wait
  /** sk_sleep(sk): readers */
  get sk_wq(): WaitQueue {
    const c = this.c;
    if (c.wq_readers === null) c.wq_readers = new WaitQueue(this, "sk_wq");
    return c.wq_readers;
  }
  /**
   * What a recvmsg that must sleep puts in `blocked`: one record per socket, kept beside its wait
   * queue and written at each such read (a world of thousands of blocked readers would otherwise
   * keep one per wait).
   */
  recvmsg_blocked(timeo: number): BlockedOn {
    const c = this.c;
    let b = c.recv_blocked;
    if (b === null) b = c.recv_blocked = { op: "recvmsg", wq: this.sk_wq, timeo };
    else b.timeo = timeo;
    return b;
  }
  /** nlk->wait: unicast senders waiting for this socket to drain */
  get wait(): WaitQueue {
    const c = this.c;
    if (c.wq_senders === null) c.wq_senders = new WaitQueue(this, "nlk_wait");
    return c.wq_senders;
  }

  /** nlk->module: the unit's module a user socket holds a reference on (null: built-in, or a kernel socket) */
  get module(): Module | null {
    return this.cold === null ? null : this.cold.module;
  }
  set module(v: Module | null) {
    if (this.cold !== null || v !== null) this.c.module = v;
  }
  /** nlk->netlink_rcv: a kernel socket's input */
  get netlink_rcv(): NetlinkInput | null {
    return this.cold === null ? null : this.cold.netlink_rcv;
  }
  set netlink_rcv(v: NetlinkInput | null) {
    if (this.cold !== null || v !== null) this.c.netlink_rcv = v;
  }
  get netlink_bind(): NetlinkBindFn | null {
    return this.cold === null ? null : this.cold.netlink_bind;
  }
  set netlink_bind(v: NetlinkBindFn | null) {
    if (this.cold !== null || v !== null) this.c.netlink_bind = v;
  }
  get netlink_unbind(): NetlinkUnbindFn | null {
    return this.cold === null ? null : this.cold.netlink_unbind;
  }
  set netlink_unbind(v: NetlinkUnbindFn | null) {
    if (this.cold !== null || v !== null) this.c.netlink_unbind = v;
  }
  get netlink_release(): NetlinkReleaseFn | null {
    return this.cold === null ? null : this.cold.netlink_release;
  }
  set netlink_release(v: NetlinkReleaseFn | null) {
    if (this.cold !== null || v !== null) this.c.netlink_release = v;
  }

  /** nlk->max_recvmsg_len: largest recent read, capped at SKB_WITH_OVERHEAD(32768); sizes dump skbs */
  max_recvmsg_len = 0;
  /** nlk->cb_running: a dump is in progress (dump.ts: netlink_dump_start sets it, the last round clears it) */
  cb_running = false;
  /** nlk->cb: the running (or last) dump's state */
  get cb(): NetlinkCallback | null {
    return this.cold === null ? null : this.cold.cb;
  }
  set cb(v: NetlinkCallback | null) {
    if (this.cold !== null || v !== null) this.c.cb = v;
  }
  /** nlk->dump_done_errno: the dump callback's last return (> 0: more to come) */
  get dump_done_errno(): number {
    return this.cold === null ? 0 : this.cold.dump_done_errno;
  }
  set dump_done_errno(v: number) {
    if (this.cold !== null || v !== 0) this.c.dump_done_errno = v;
  }

  /** what the task in a blocking call waits for; null when no call is parked */
  blocked: BlockedOn | null = null;
  pending_send: PendingSend | null = null;

  /** sock_i_ino and a stable pseudo address for /proc */
  readonly ino: number;
  readonly sk_index: number;

  constructor(
    readonly net: Net,
    readonly sk_type: number,
    readonly sk_protocol: number,
    /** the uid that created it (sock_i_uid) */
    readonly sk_uid: number,
  ) {
    this.sk_rcvbuf = net.sysctl.rmem_default;
    this.sk_sndbuf = net.sysctl.wmem_default;
    this.ino = net.alloc_ino();
    this.sk_index = net.alloc_sk_index();
  }

  get sysctl(): SockSysctl {
    return this.net.sysctl;
  }
}

/** netlink_is_kernel */
export const netlink_is_kernel = (sk: NetlinkSock): boolean => (sk.flags & NETLINK_F_KERNEL_SOCKET) !== 0;

/** test_bit(group − 1, nlk->groups) for a 1-based group */
export const nlk_test_group = (nlk: NetlinkSock, group: number): boolean => {
  const g = group - 1;
  if (g < 0 || g >= nlk.ngroups || nlk.groups === null) return false;
  return ((nlk.groups[g >>> 5]! >>> (g & 31)) & 1) === 1;
};

/** Words of a group bitmap: NLGRPSZ(groups) = ALIGN(groups, 64) / 8 bytes, kept as u32 words. */
export const NLGRPWORDS = (groups: number): number => Math.ceil(groups / 64) * 2;

/** hweight32 */
export const hweight32 = (v: number): number => {
  v >>>= 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
};

/** ffs: 1-based index of the lowest set bit, 0 for 0. */
export const ffs = (v: number): number => {
  v >>>= 0;
  if (v === 0) return 0;
  return 32 - Math.clz32(v & -v);
};

/** netlink_group_mask: 1 << (group − 1), or 0 for group 0 or above 32. */
export const netlink_group_mask = (group: number): number => (group === 0 || group > 32 ? 0 : (1 << (group - 1)) >>> 0);

/**
 * Not an errno (below −4095, outside the kernel's error range): the call would sleep. The socket's
 * `blocked` field says on which wait queue and for how long; see the contract in af_netlink.ts.
 */
export const WOULD_BLOCK = -4096;
