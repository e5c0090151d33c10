// A simulated process: a pid (its tgid), credentials, a file table of netlink sockets, and the
// system calls a program makes, each recorded in the trace. Calls that cannot sleep (or that
// carry MSG_DONTWAIT) run synchronously: the fast path. Calls that may sleep are async and park
// the process in the world until a wake-up or their timeout.
import { delete_module, find_module } from "../kernel-model/kernel/module.js";
import { USER_NULL, user_ptr } from "../kernel-model/lib/usercopy.js";
import type { Cred } from "../kernel-model/net/core/sock.js";
import {
  getsockopt,
  type NetlinkRecvResult,
  type NetlinkSock,
  netlink_bind,
  netlink_connect,
  netlink_create,
  netlink_getname,
  netlink_recvmsg,
  netlink_release,
  netlink_sendmsg,
  netlink_sendmsg_interrupt,
  netlink_sendmsg_resume,
  setsockopt,
  type WaitQueue,
  WOULD_BLOCK,
} from "../kernel-model/net/netlink/index.js";
import {
  CAP_LAST_CAP,
  ERRNO,
  MSG_DONTWAIT,
  MSG_WAITFORONE,
  O_NONBLOCK,
  ownedBytes,
  toHex,
} from "../kernel-model/uapi/index.js";
import { receivedDatagram, sentDatagram } from "./datagram.js";
import type { TraceValue } from "./trace.js";
import type { Task, World } from "./world.js";

export interface ProcessOptions {
  readonly name: string;
  readonly uid?: number;
  readonly gid?: number;
  /** effective capabilities (numbers); default: all for uid 0, none otherwise */
  readonly caps?: Iterable<number>;
  /** a fixed pid; default: the world's next */
  readonly pid?: number;
}

/** the detail of a syscall traced with tracing off (World.syscall does not read it) */
const NO_DETAIL: { readonly [k: string]: never } = Object.freeze({});

/** A socket timeout (µs, Infinity: none) in virtual ns. */
export const usToNs = (us: number): number => (Number.isFinite(us) ? us * 1000 : Number.POSITIVE_INFINITY);

/**
 * A blocking syscall the model parked (WOULD_BLOCK): the one state machine of a sleeping call. Its
 * driver sleeps on `wq()` until woken or `deadline` (virtual ns), then calls `resume` (timed out
 * or not), which runs the model again and gives the traced result, or undefined to sleep on; a
 * signal while it sleeps is `interrupt`. One object per parked call, its state in fields (a
 * world of thousands of blocked processes keeps one of these per process while they sleep).
 */
export abstract class Parked<R> {
  constructor(
    /** when the current sleep times out; a call that sleeps again (recvmmsg's next datagram) moves it */
    public deadline: number,
  ) {}
  /** the queue whose wake-up should resume the call */
  abstract wq(): WaitQueue;
  /** the call runs again: its result, or undefined when it must sleep on */
  abstract resume(timedOut: boolean): R | undefined;
  /** a signal while it sleeps (sock_intr_errno); a parked read has nothing to undo */
  interrupt(): void {}
}

/**
 * A recvmsg asleep in skb_recv_datagram on its socket's sk_wq. A process keeps the last one whose
 * call ended for its next read that must sleep (SimProcess.recvmsgCall): a world of thousands
 * of blocked readers then makes none per wait, and the young generation's collector has none to
 * copy.
 */
class RecvmsgParked extends Parked<NetlinkRecvResult> {
  constructor(
    private readonly proc: SimProcess,
    private sk: NetlinkSock,
    private fd: number,
    private size: number,
    private flags: number,
    deadline: number,
  ) {
    super(deadline);
  }
  /** The same object for another read (its last call has ended). */
  again(sk: NetlinkSock, fd: number, size: number, flags: number, deadline: number): this {
    this.sk = sk;
    this.fd = fd;
    this.size = size;
    this.flags = flags;
    this.deadline = deadline;
    return this;
  }
  wq(): WaitQueue {
    return this.sk.sk_wq;
  }
  resume(timedOut: boolean): NetlinkRecvResult | undefined {
    const r = this.proc.recvmsgAgain(this.sk, this.fd, this.size, this.flags, timedOut);
    // the call has ended: whoever drove it holds it no more, and the next read may take it
    if (r !== undefined) this.proc.spareRecv = this;
    return r;
  }
}

/** A sendto parked in netlink_attachskb on the receiver's nlk->wait (a full queue). */
class SendtoParked extends Parked<SysRet> {
  constructor(
    private readonly proc: SimProcess,
    private readonly sk: NetlinkSock,
    private readonly fd: number,
    private readonly data: Uint8Array,
    private readonly flags: number,
    private readonly addr: Uint8Array | undefined,
    deadline: number,
  ) {
    super(deadline);
  }
  wq(): WaitQueue {
    // the receiver's nlk->wait, as netlink_attachskb left it
    return this.sk.blocked!.wq;
  }
  resume(timedOut: boolean): SysRet | undefined {
    return this.proc.sendtoAgain(this.sk, this.fd, this.data, this.flags, this.addr, timedOut);
  }
  override interrupt(): void {
    this.proc.sendtoInterrupt(this.sk, this.fd, this.data, this.flags, this.addr);
  }
}

/** A recvmmsg asleep before one of its datagrams: `run` reads on from where the batch stopped. */
class RecvmmsgParked extends Parked<RecvmmsgResult> {
  constructor(
    private readonly sk: NetlinkSock,
    private readonly run: (timedOut: boolean) => RecvmmsgResult | undefined,
    deadline: number,
  ) {
    super(deadline);
  }
  wq(): WaitQueue {
    return this.sk.sk_wq;
  }
  resume(timedOut: boolean): RecvmmsgResult | undefined {
    return this.run(timedOut);
  }
}

/** A call's result, sleeping in this task while the model keeps it parked. */
const sleepThrough = async <R>(world: World, r: R | Parked<R>): Promise<R> => {
  if (!(r instanceof Parked)) return r;
  for (;;) {
    const why = await world.sleepOn(r.wq(), Math.max(0, r.deadline - world.now));
    const done = r.resume(why === "timeout" || world.now >= r.deadline);
    if (done !== undefined) return done;
  }
};

const ALL_CAPS: ReadonlySet<number> = new Set(Array.from({ length: CAP_LAST_CAP + 1 }, (_, i) => i));

/** Results of the raw calls: a value ≥ 0 or a negative errno, as the syscall returns. */
export type SysRet = number;

/** recvmmsg's return (how many datagrams, or a negative errno when none was read) and the datagrams. */
export interface RecvmmsgResult {
  readonly ret: SysRet;
  readonly datagrams: ReadonlyArray<NetlinkRecvResult>;
}

/** UIO_MAXIOV: the most datagrams one recvmmsg reads (a larger vlen is cut to it). */
export const UIO_MAXIOV = 1024;

export class SimProcess {
  readonly pid: number;
  cred: Cred;
  private readonly files = new Map<number, NetlinkSock>();
  /**
   * the last file looked up: most processes use one socket, and in a world of thousands of them
   * the Map and its table are two more lines of memory to fetch on every call
   */
  private lastFd = -1;
  private lastSk: NetlinkSock | undefined = undefined;
  private nextFd = 3;
  /** other file tables of this process (sim/files.ts: /proc files, inet sockets) close theirs here at exit */
  readonly exitHooks: Array<() => void> = [];
  task: Task | undefined = undefined;
  /** @internal a parked recvmsg whose call has ended, for the next read that must sleep */
  spareRecv: RecvmsgParked | undefined = undefined;

  constructor(
    readonly world: World,
    readonly name: string,
    pid: number,
    uid: number,
    gid: number,
    caps: ReadonlySet<number>,
  ) {
    this.pid = pid;
    this.cred = { tgid: pid, uid, gid, caps };
  }

  /** Switches credentials like setresuid/setresgid plus a capability set (the tgid stays). */
  setCreds(uid: number, gid: number, caps: Iterable<number> | undefined): void {
    this.cred = {
      tgid: this.pid,
      uid,
      gid,
      caps: caps === undefined ? (uid === 0 ? ALL_CAPS : new Set()) : new Set(caps),
    };
  }

  /** A fresh fd number: one sequence for every kind of file the process opens. */
  allocFd(): number {
    return this.nextFd++;
  }

  sock(fd: number): NetlinkSock | undefined {
    if (fd === this.lastFd) return this.lastSk;
    const sk = this.files.get(fd);
    if (sk !== undefined) {
      this.lastFd = fd;
      this.lastSk = sk;
    }
    return sk;
  }
  get fds(): ReadonlyArray<number> {
    return [...this.files.keys()];
  }

  private trace(call: string, detail: { readonly [k: string]: TraceValue }, ret: number): number {
    return this.world.syscall(this.pid, call, detail, ret);
  }

  private bad(call: string, fd: number): number {
    return this.trace(call, { fd }, -ERRNO.EBADF);
  }

  socket(type: number, protocol: number): SysRet {
    const r = netlink_create(this.world.net, this.cred, type, protocol);
    if (typeof r === "number") return this.trace("socket", { type, protocol }, r);
    const fd = this.nextFd++;
    this.files.set(fd, r);
    return this.trace("socket", { type, protocol }, fd);
  }

  /**
   * delete_module(2), rmmod's syscall: 0 when the module was unloaded (its exit ran inside the call,
   * in this process's context), -EAGAIN while anything holds a reference on it (its exit does not
   * run), -ENOENT, -EBUSY (kernel-model/kernel/module.ts). The trace shows the references it had.
   */
  delete_module(name: string, flags = O_NONBLOCK): SysRet {
    const mod = find_module(this.world.kernel, name);
    const refcnt = mod === undefined ? null : mod.refcnt;
    const ret = this.world.insmod(() => delete_module(this.world.kernel, name, flags), this.name);
    return this.trace("delete_module", { name, refcnt }, ret);
  }

  bind(fd: number, addr: Uint8Array): SysRet {
    const sk = this.sock(fd);
    if (sk === undefined) return this.bad("bind", fd);
    return this.trace("bind", { fd, addr: toHex(addr) }, netlink_bind(sk, this.cred, addr, addr.length));
  }

  connect(fd: number, addr: Uint8Array): SysRet {
    const sk = this.sock(fd);
    if (sk === undefined) return this.bad("connect", fd);
    return this.trace("connect", { fd, addr: toHex(addr) }, netlink_connect(sk, this.cred, addr, addr.length));
  }

  getsockname(fd: number): { ret: SysRet; pid: number; groups: number } {
    const sk = this.sock(fd);
    if (sk === undefined) return { ret: -ERRNO.EBADF, pid: 0, groups: 0 };
    const r = netlink_getname(sk, false);
    return { ret: 0, pid: r.pid, groups: r.groups };
  }

  getpeername(fd: number): { ret: SysRet; pid: number; groups: number } {
    const sk = this.sock(fd);
    if (sk === undefined) return { ret: -ERRNO.EBADF, pid: 0, groups: 0 };
    const r = netlink_getname(sk, true);
    return { ret: 0, pid: r.pid, groups: r.groups };
  }

  getsockopt(fd: number, level: number, name: number, len: number): { ret: SysRet; optlen: number; data: Uint8Array } {
    const sk = this.sock(fd);
    if (sk === undefined) return { ret: this.bad("getsockopt", fd), optlen: 0, data: new Uint8Array(0) };
    const r = getsockopt(sk, level, name, len);
    this.trace("getsockopt", { fd, level, name, len }, r.ret);
    return { ret: r.ret, optlen: r.optlen, data: r.optval };
  }

  setsockopt(fd: number, level: number, name: number, value: Uint8Array): SysRet {
    const sk = this.sock(fd);
    if (sk === undefined) return this.bad("setsockopt", fd);
    return this.trace(
      "setsockopt",
      { fd, level, name, value: toHex(value) },
      setsockopt(sk, this.cred, level, name, value, value.length),
    );
  }

  /**
   * setsockopt with a struct sock_fprog (SO_ATTACH_FILTER): `len` and a pointer to `insns` in this
   * process's memory (an empty `insns` is a NULL pointer); `optlen` as passed (16 normally).
   */
  setsockoptFprog(fd: number, level: number, name: number, insns: Uint8Array, len: number, optlen: number): SysRet {
    const sk = this.sock(fd);
    if (sk === undefined) return this.bad("setsockopt", fd);
    const fprog = { len, filter: insns.length > 0 ? user_ptr(insns) : USER_NULL };
    return this.trace(
      "setsockopt",
      { fd, level, name, len, filter: toHex(insns), optlen },
      setsockopt(sk, this.cred, level, name, fprog, optlen),
    );
  }

  close(fd: number): SysRet {
    const sk = this.sock(fd);
    if (sk === undefined) return this.bad("close", fd);
    this.files.delete(fd);
    if (fd === this.lastFd) {
      this.lastFd = -1;
      this.lastSk = undefined;
    }
    return this.trace("close", { fd }, netlink_release(sk));
  }

  /** Process exit: every file closes (the kernel's exit_files), as when a daemon dies. */
  exitFiles(): void {
    for (const fd of [...this.files.keys()]) this.close(fd);
    for (const h of this.exitHooks) h();
  }

  /** sendto/sendmsg, non-blocking: with MSG_DONTWAIT or on a O_NONBLOCK socket it never sleeps. */
  sendtoNow(fd: number, data: Uint8Array, flags: number, addr: Uint8Array | undefined): SysRet {
    const sk = this.sock(fd);
    if (sk === undefined) return this.bad("sendto", fd);
    return this.traceSend(
      fd,
      sk,
      data,
      flags,
      addr,
      netlink_sendmsg(sk, this.cred, data, flags | MSG_DONTWAIT, addr, addr?.length ?? 0),
    );
  }

  /**
   * sendto/sendmsg as the kernel runs it: its result (traced), or, when the receiver's queue is
   * full on a blocking socket (netlink_attachskb parked it), the call parked until room or
   * SO_SNDTIMEO. A driver sleeps on the parked call's queue and resumes it (sim/process.ts's
   * `Parked`); transport/sim.ts drives it for every program.
   */
  sendtoCall(fd: number, data: Uint8Array, flags: number, addr: Uint8Array | undefined): SysRet | Parked<SysRet> {
    const sk = this.sock(fd);
    if (sk === undefined || (flags & MSG_DONTWAIT) !== 0 || sk.file_nonblock) {
      return this.sendtoNow(fd, data, flags, addr);
    }
    const first = netlink_sendmsg(sk, this.cred, data, flags, addr ?? null, addr?.length ?? 0);
    if (first !== WOULD_BLOCK) return this.traceSend(fd, sk, data, flags, addr, first);
    // the address was read when the call began; the trace of its end shows it as it was then
    // (the caller's bytes may be written again before the call ends)
    const to = addr?.slice();
    return new SendtoParked(this, sk, fd, data, flags, to, this.world.now + usToNs(sk.blocked?.timeo ?? 0));
  }

  /** @internal A parked sendto's next try (SendtoParked): its traced result, or undefined to sleep on. */
  sendtoAgain(
    sk: NetlinkSock,
    fd: number,
    data: Uint8Array,
    flags: number,
    addr: Uint8Array | undefined,
    timedOut: boolean,
  ): SysRet | undefined {
    const r = netlink_sendmsg_resume(sk, timedOut);
    return r === WOULD_BLOCK ? undefined : this.traceSend(fd, sk, data, flags, addr, r);
  }

  /** @internal A signal while a sendto is parked (sock_intr_errno): the message is freed. */
  sendtoInterrupt(sk: NetlinkSock, fd: number, data: Uint8Array, flags: number, addr: Uint8Array | undefined): void {
    if (sk.pending_send !== null) this.traceSend(fd, sk, data, flags, addr, netlink_sendmsg_interrupt(sk));
  }

  private traceSend(
    fd: number,
    sk: NetlinkSock,
    data: Uint8Array,
    flags: number,
    addr: Uint8Array | undefined,
    r: number,
  ): SysRet {
    // tracing off, the detail is not read: build none
    if (!this.world.tracing) return this.world.syscall(this.pid, "sendto", NO_DETAIL, r);
    return this.trace("sendto", { fd, len: data.length, flags, ...sentDatagram(this.world, sk, data, addr) }, r);
  }

  /** recvmsg without sleeping (MSG_DONTWAIT added). */
  recvmsgNow(fd: number, size: number, flags: number): NetlinkRecvResult {
    const sk = this.sock(fd);
    if (sk === undefined) return { ret: this.bad("recvmsg", fd), data: new Uint8Array(0), msg_flags: 0 };
    return this.traceRecv(sk, fd, size, flags, netlink_recvmsg(sk, size, flags | MSG_DONTWAIT, ownedBytes));
  }

  /**
   * recvmsg as the kernel runs it: its result (traced), or, on a blocking socket with an empty
   * queue (skb_recv_datagram's sleep), the call parked until data, an error or SO_RCVTIMEO (then
   * one last try with MSG_DONTWAIT, the kernel's, which gives data or EAGAIN).
   */
  recvmsgCall(fd: number, size: number, flags: number): NetlinkRecvResult | Parked<NetlinkRecvResult> {
    const sk = this.sock(fd);
    if (sk === undefined) return { ret: this.bad("recvmsg", fd), data: new Uint8Array(0), msg_flags: 0 };
    const r = netlink_recvmsg(sk, size, flags, ownedBytes);
    if (r.ret !== WOULD_BLOCK) return this.traceRecv(sk, fd, size, flags, r);
    const deadline = this.world.now + usToNs(sk.blocked?.timeo ?? 0);
    const spare = this.spareRecv;
    if (spare === undefined) return new RecvmsgParked(this, sk, fd, size, flags, deadline);
    this.spareRecv = undefined;
    return spare.again(sk, fd, size, flags, deadline);
  }

  /** @internal A parked recvmsg's next try (RecvmsgParked): its traced result, or undefined to sleep on. */
  recvmsgAgain(
    sk: NetlinkSock,
    fd: number,
    size: number,
    flags: number,
    timedOut: boolean,
  ): NetlinkRecvResult | undefined {
    // closed while it slept: the last try reports EBADF
    if (this.sock(fd) !== sk) return this.recvmsgNow(fd, size, flags);
    const again = netlink_recvmsg(sk, size, timedOut ? flags | MSG_DONTWAIT : flags, ownedBytes);
    return again.ret === WOULD_BLOCK ? undefined : this.traceRecv(sk, fd, size, flags, again);
  }

  /**
   * recvmmsg(2) as do_recvmmsg (net/socket.c) runs it, with no timeout argument: ___sys_recvmsg
   * for each of up to `vlen` datagrams (at most UIO_MAXIOV), each read traced as a recvmsg with
   * its place in the batch (`mmsg`), then the call (`recvmmsg`, ret: how many were read). Every
   * read may sleep as recvmsg does (the socket's SO_RCVTIMEO each time) unless MSG_DONTWAIT; with
   * MSG_WAITFORONE only the first may. An error after the first datagram ends the batch and,
   * unless it is EAGAIN, is put back in sk_err for the next call, as the kernel does.
   */
  recvmmsgCall(fd: number, vlen: number, size: number, flags: number): RecvmmsgResult | Parked<RecvmmsgResult> {
    const sk = this.sock(fd);
    if (sk === undefined) return { ret: this.bad("recvmmsg", fd), datagrams: [] };
    // vlen is an unsigned int and each buffer at least a byte here (the kernel layer's addon asks as much)
    if (!Number.isInteger(vlen) || vlen < 0 || !Number.isInteger(size) || size < 1) {
      return { ret: this.trace("recvmmsg", { fd, vlen, size, flags }, -ERRNO.EINVAL), datagrams: [] };
    }
    const n = Math.min(vlen, UIO_MAXIOV);
    const datagrams: NetlinkRecvResult[] = [];
    let inner = flags & ~MSG_WAITFORONE;
    const end = (err: number): RecvmmsgResult => {
      let ret = datagrams.length;
      if (err < 0 && ret === 0) ret = err;
      // the kernel's "record the error to return on the next call"
      else if (err < 0 && err !== -ERRNO.EAGAIN) sk.sk_err = -err;
      this.trace("recvmmsg", { fd, vlen, size, flags }, ret);
      return { ret, datagrams };
    };
    /** reads until the batch is full, an error, or a read that must sleep (WOULD_BLOCK) */
    const run = (timedOut: boolean): RecvmmsgResult | typeof WOULD_BLOCK => {
      while (datagrams.length < n) {
        // closed while it slept: the last try reports EBADF
        if (this.sock(fd) !== sk) return end(-ERRNO.EBADF);
        const r = netlink_recvmsg(sk, size, timedOut ? inner | MSG_DONTWAIT : inner, ownedBytes);
        timedOut = false;
        if (r.ret === WOULD_BLOCK) return WOULD_BLOCK;
        if (r.ret < 0) return end(r.ret);
        this.traceRecv(sk, fd, size, inner, r, datagrams.length);
        datagrams.push(r);
        // MSG_WAITFORONE turns on MSG_DONTWAIT after one packet
        if (flags & MSG_WAITFORONE) inner |= MSG_DONTWAIT;
      }
      return end(0);
    };
    const first = run(false);
    if (first !== WOULD_BLOCK) return first;
    const parked = new RecvmmsgParked(
      sk,
      (timedOut) => {
        const r = run(timedOut);
        if (r !== WOULD_BLOCK) return r;
        // the next datagram sleeps with a timeout of its own
        parked.deadline = this.world.now + usToNs(sk.blocked?.timeo ?? 0);
        return undefined;
      },
      this.world.now + usToNs(sk.blocked?.timeo ?? 0),
    );
    return parked;
  }

  /** sendto that may sleep, driven here by world.sleepOn (programs use transport/sim.ts's driver). */
  sendto(fd: number, data: Uint8Array, flags: number, addr: Uint8Array | undefined): Promise<SysRet> {
    return sleepThrough(this.world, this.sendtoCall(fd, data, flags, addr));
  }

  /** recvmsg that may sleep, driven here by world.sleepOn (programs use transport/sim.ts's driver). */
  recvmsg(fd: number, size: number, flags: number): Promise<NetlinkRecvResult> {
    return sleepThrough(this.world, this.recvmsgCall(fd, size, flags));
  }

  private traceRecv(
    sk: NetlinkSock,
    fd: number,
    size: number,
    flags: number,
    r: NetlinkRecvResult,
    mmsg?: number,
  ): NetlinkRecvResult {
    if (!this.world.tracing) {
      this.world.syscall(this.pid, "recvmsg", NO_DETAIL, r.ret);
      return r;
    }
    this.trace(
      "recvmsg",
      {
        fd,
        size,
        flags,
        from: r.name?.pid ?? null,
        data: r.ret >= 0 ? toHex(r.data) : null,
        ...receivedDatagram(this.world, sk, r),
        ...(mmsg === undefined ? {} : { mmsg }),
      },
      r.ret,
    );
    return r;
  }
}

/** Creates a process in the world; `main` runs as its task, and its files close when it returns. */
export const spawnProcess = (
  world: World,
  opts: ProcessOptions,
  main: (p: SimProcess) => Promise<void>,
): SimProcess => {
  const uid = opts.uid ?? 0;
  const caps = opts.caps === undefined ? (uid === 0 ? ALL_CAPS : new Set<number>()) : new Set(opts.caps);
  const p = new SimProcess(world, opts.name, opts.pid ?? world.allocPid(), uid, opts.gid ?? uid, caps);
  const task = world.spawnTask("process", opts.name, () => main(p));
  task.onExit = () => p.exitFiles();
  task.pid = p.pid;
  p.task = task;
  return p;
};
