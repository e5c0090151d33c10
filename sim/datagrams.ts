// The datagrams of a trace, one per delivery, in order: what the pcap writer writes as frames and
// the viewer draws as arrows. The rule is nlmon's: a datagram is counted where the kernel taps it
// (netlink_deliver_tap), once per skb delivered — a unicast once, a broadcast once per listener
// that got a copy, a request to a kernel socket once at its input. A send and the receive that
// reads it are the same datagram, so sendto and recvmsg events only say who sent and who read it.
//
// A trace without taps (recorded from syscalls alone, e.g. a program on real sockets) falls back
// to its syscalls: every sendto that moved bytes is one datagram, and a recvmsg is a new one only
// when no earlier send of the trace matches it (same protocol, sender port and bytes): a reply
// from the kernel, or a message from a socket the trace does not see.
import { MSG_PEEK } from "../kernel-model/uapi/index.js";
import type { DatagramFields, SyscallEventOf, TraceContext, TraceEvent } from "./trace.js";

/** A process's socket: the syscall that sent or read a datagram. */
export interface DatagramEnd {
  readonly pid: number;
  readonly fd: number;
  /** when the call returned (virtual ns) */
  readonly t: number;
}

/** One datagram of a trace. */
export interface TraceDatagram extends DatagramFields {
  /** its position in the list (0-based) */
  readonly index: number;
  /** the index of the trace event it comes from (a tap, or a sendto/recvmsg without taps) */
  readonly event: number;
  /** when it was delivered (virtual ns; for a recorded kernel run, real ns since its start) */
  readonly t: number;
  /** the receiver is a kernel socket (a request to the kernel) or a user socket's queue */
  readonly toKernel: boolean;
  /** the receiving socket's inode, when the trace has taps */
  readonly ino: number | null;
  /** the process whose syscall sent it (null: the kernel sent it) */
  readonly senderPid: number | null;
  /** the sendto that sent it, when the trace shows one */
  readonly sentBy: DatagramEnd | null;
  /** the recvmsg that read it off the queue (null: a kernel socket, or nobody read it) */
  readonly readBy: DatagramEnd | null;
}

type Recv = SyscallEventOf<"recvmsg">;
type Send = SyscallEventOf<"sendto">;

/** A datagram being built: who sent and read it are filled in as later events show them. */
type Building = { -readonly [K in keyof TraceDatagram]: TraceDatagram[K] };

/** Does `read` (possibly truncated by a short buffer) come from `sent`? */
const sameBytes = (sent: Uint8Array, read: Uint8Array): boolean => {
  if (read.length > sent.length) return false;
  for (let i = 0; i < read.length; i++) if (read[i] !== sent[i]) return false;
  return true;
};

/** A recvmsg that took a datagram off its queue (not a peek, not a failure). */
const isRead = (e: Recv): boolean => e.ret >= 0 && e.bytes !== undefined && ((e.flags ?? 0) & MSG_PEEK) === 0;

const sendFields = (e: Send): DatagramFields | undefined =>
  e.bytes === undefined || e.protocol === undefined
    ? undefined
    : {
        protocol: e.protocol,
        from: e.from ?? 0,
        to: e.to ?? 0,
        groups: e.groups ?? 0,
        bytes: e.bytes,
        ctx: e.ctx ?? "process",
      };

/** The datagrams of `events` (a trace's events), in delivery order. */
export const traceDatagrams = (events: ReadonlyArray<TraceEvent>): TraceDatagram[] =>
  events.some((e) => e.kind === "tap") ? fromTaps(events) : fromSyscalls(events);

/** Keyed by protocol and port id: the datagrams queued at a user socket, not yet read. */
const portKey = (protocol: number, port: number): string => `${protocol}:${port >>> 0}`;

/** Takes the first pending datagram whose bytes match `read`, off `queue`. */
const takeMatching = (queue: Building[] | undefined, read: Uint8Array): Building | undefined => {
  if (queue === undefined) return undefined;
  const i = queue.findIndex((d) => sameBytes(d.bytes, read));
  return i < 0 ? undefined : queue.splice(i, 1)[0];
};

const fromTaps = (events: ReadonlyArray<TraceEvent>): TraceDatagram[] => {
  const out: Building[] = [];
  const queued = new Map<string, Building[]>();
  /** user-sent datagrams whose sendto has not returned yet, by sender port */
  const unsent = new Map<string, Building[]>();
  events.forEach((e, event) => {
    if (e.kind === "tap") {
      const d: Building = {
        index: out.length,
        event,
        t: e.t,
        protocol: e.protocol,
        from: e.from,
        to: e.to,
        groups: e.groups,
        bytes: e.bytes,
        ctx: e.ctx,
        toKernel: e.fn === "netlink_unicast_kernel",
        ino: e.ino,
        // a user socket's datagram is tapped inside its sender's sendmsg
        senderPid: e.from === 0 || e.ctx !== "process" ? null : e.pid,
        sentBy: null,
        readBy: null,
      };
      out.push(d);
      if (!d.toKernel) push(queued, portKey(d.protocol, d.to), d);
      if (d.senderPid !== null) push(unsent, portKey(d.protocol, d.from), d);
    } else if (e.kind === "syscall" && e.call === "sendto" && e.ret >= 0 && e.protocol !== undefined) {
      const key = portKey(e.protocol, e.from ?? 0);
      for (const d of unsent.get(key) ?? []) d.sentBy = { pid: e.pid, fd: e.fd, t: e.t };
      unsent.delete(key);
    } else if (e.kind === "syscall" && e.call === "recvmsg" && isRead(e) && e.protocol !== undefined) {
      const d = takeMatching(queued.get(portKey(e.protocol, e.to ?? 0)), e.bytes!);
      if (d !== undefined) d.readBy = { pid: e.pid, fd: e.fd, t: e.t };
    }
  });
  return out;
};

const fromSyscalls = (events: ReadonlyArray<TraceEvent>): TraceDatagram[] => {
  const out: Building[] = [];
  /** sent datagrams not read yet, by protocol and sender port */
  const sent = new Map<string, Building[]>();
  events.forEach((e, event) => {
    if (e.kind !== "syscall") return;
    if (e.call === "sendto") {
      const f = sendFields(e);
      // a broadcast happens before the unicast that may fail (ECONNREFUSED on USERSOCK's port 0)
      if (f === undefined || (e.ret < 0 && f.groups === 0)) return;
      const d: Building = {
        ...f,
        index: out.length,
        event,
        t: e.t,
        toKernel: f.to === 0 && f.groups === 0,
        ino: null,
        senderPid: e.pid,
        sentBy: { pid: e.pid, fd: e.fd, t: e.t },
        readBy: null,
      };
      out.push(d);
      push(sent, portKey(f.protocol, f.from), d);
    } else if (e.call === "recvmsg" && isRead(e) && e.protocol !== undefined) {
      const from = e.from ?? 0;
      const readBy = { pid: e.pid, fd: e.fd, t: e.t };
      const d = from === 0 ? undefined : takeMatching(sent.get(portKey(e.protocol, from)), e.bytes!);
      if (d !== undefined) {
        d.readBy ??= readBy;
        return;
      }
      out.push({
        index: out.length,
        event,
        t: e.t,
        protocol: e.protocol,
        from,
        to: e.to ?? 0,
        groups: e.groups ?? 0,
        bytes: e.bytes!,
        ctx: (e.ctx ?? "process") satisfies TraceContext,
        toKernel: false,
        ino: null,
        senderPid: null,
        sentBy: null,
        readBy,
      });
    }
  });
  return out;
};

const push = <T>(m: Map<string, T[]>, k: string, v: T): void => {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else l.push(v);
};
