// The record of a run: every syscall, delivery, drop, softirq run and printk, in order, stamped
// with virtual time. Encoded with msgpackr; the same seed gives the same bytes, so a hash of the
// encoding is the determinism check.
import { createHash } from "node:crypto";
import { Packr } from "msgpackr";

import type { KernelTraceEvent } from "../kernel-model/kernel/host.js";

export type TraceValue = string | number | boolean | null | Uint8Array | TraceValue[] | { [k: string]: TraceValue };

/** Where an event happened: a process (its syscall), a kthread, a softirq (on top of either), or the idle task. */
export type TraceContext = "process" | "kthread" | "softirq" | "idle";

/**
 * What every event that carries a datagram has (a tap, a sendto, a recvmsg, a kernel socket's input
 * run from NET_RX): what a pcap writer and a viewer need, beside the event's virtual time `t`.
 */
export interface DatagramFields {
  readonly protocol: number;
  /** the sender's port id (0: the kernel) */
  readonly from: number;
  /** the receiver's port id (0: the kernel; for a multicast send, the destination port given, often 0) */
  readonly to: number;
  /** the destination groups as a sockaddr_nl nl_groups mask (0: unicast) */
  readonly groups: number;
  /** the datagram's bytes (a copy) */
  readonly bytes: Uint8Array;
  readonly ctx: TraceContext;
}

type Fd = { readonly fd: number };

/**
 * A system call's return, by call: the arguments worth showing. A call on a bad fd shows only
 * `fd`, hence the optional fields. sendto and recvmsg that moved a datagram carry DatagramFields.
 */
export type SyscallDetail =
  | { readonly call: "socket"; readonly family?: number; readonly type: number; readonly protocol: number }
  | ({ readonly call: "bind" | "connect"; readonly addr?: string } & Fd)
  | ({
      readonly call: "getsockopt";
      readonly level?: number;
      readonly name?: number;
      readonly len?: number;
      readonly optlen?: number;
      readonly optlen_out?: number;
      readonly data?: string | null;
    } & Fd)
  | ({
      readonly call: "setsockopt";
      readonly level?: number;
      readonly name?: number;
      readonly optlen?: number;
      readonly value?: string | null;
    } & Fd)
  | ({ readonly call: "close" } & Fd)
  | ({ readonly call: "sendto"; readonly len?: number; readonly flags?: number } & Fd & Partial<DatagramFields>)
  | ({
      readonly call: "recvmsg";
      readonly size?: number;
      readonly flags?: number;
      /** the sender's port id (msg_name), null when nothing was read */
      readonly from?: number | null;
      /** the bytes read in hex, null when nothing was */
      readonly data?: string | null;
      /** the datagram's place in the batch of the recvmmsg that read it (absent: a recvmsg of its own) */
      readonly mmsg?: number;
    } & Fd &
      Partial<Omit<DatagramFields, "from">>)
  /** recvmmsg: `ret` datagrams read, each traced before it as a recvmsg with its `mmsg` index */
  | ({ readonly call: "recvmmsg"; readonly vlen?: number; readonly size?: number; readonly flags?: number } & Fd)
  /** the invariant program's sendmsg straight on the model (its worlds keep no trace) */
  | { readonly call: "sendmsg" }
  | { readonly call: "poll"; readonly fds: string; readonly timeout: number; readonly revents: string }
  | { readonly call: "open"; readonly path: string; readonly flags: number }
  | ({
      readonly call: "read" | "write";
      readonly count: number;
      /** the file position (*ppos) before and after the call */
      readonly pos?: number;
      readonly pos_out?: number;
      readonly data?: string | null;
    } & Fd)
  | ({ readonly call: "lseek"; readonly offset: number; readonly whence: number } & Fd)
  | { readonly call: "init_module"; readonly name: string }
  | { readonly call: "delete_module"; readonly name: string; readonly refcnt: number | null }
  | { readonly call: "setresuid"; readonly ruid: number; readonly euid: number; readonly suid: number }
  | { readonly call: "setresgid"; readonly rgid: number; readonly egid: number; readonly sgid: number };

/** The calls a syscall event can name. */
export type SyscallName = SyscallDetail["call"];

/** A system call returned: who (`pid`), the call and its detail, `ret`, and `errno`'s name when it failed. */
export type SyscallEvent = { readonly kind: "syscall"; readonly pid: number } & SyscallDetail & {
    readonly ret: number;
    readonly errno?: string | null;
  };

/** The world's own events (the scheduler, fault plans, traffic), beside the kernel's and the syscalls. */
export type WorldTraceEvent =
  | { readonly kind: "spawn"; readonly task: number; readonly taskKind: "process" | "kthread"; readonly name: string }
  | { readonly kind: "exit"; readonly task: number }
  | { readonly kind: "task-failed"; readonly task: number; readonly name: string; readonly error: string }
  | { readonly kind: "deadlock"; readonly tasks: ReadonlyArray<string> }
  /** a simulated process's program logged (Effect.log*, e.g. the client's warning for a dropped reply) */
  | { readonly kind: "log"; readonly pid: number; readonly level: string; readonly text: string }
  | { readonly kind: "fault"; readonly fault: "alloc"; readonly site: string; readonly size: number }
  | {
      readonly kind: "fault";
      readonly fault: "kill";
      readonly pid: number;
      readonly name: string;
      readonly reason: string;
      readonly syscalls: number;
    }
  | {
      readonly kind: "fault-plan";
      readonly allocFailure: number;
      readonly kills: ReadonlyArray<{
        readonly process: string;
        readonly atSyscall: number | null;
        readonly atNs: number | null;
      }>;
    }
  | { readonly kind: "traffic-plan"; readonly packets: number; readonly untilMs: number; readonly dev: string }
  | {
      readonly kind: "packet";
      readonly dev: string;
      readonly src: string;
      readonly dst: string;
      readonly protocol: number;
      readonly id: number;
      readonly seq: number;
      readonly len: number;
    };

/** An event without its time: what the kernel model, the world and the syscall layer record. */
export type TraceEventBody = KernelTraceEvent | WorldTraceEvent | SyscallEvent;

/** The kinds of event, for matching. */
export type TraceEventKind = TraceEventBody["kind"];

/** One event: `t` is virtual time in nanoseconds, `kind` says what happened, the rest is the detail. */
export type TraceEvent = TraceEventBody & { readonly t: number };

/** The syscall events of one call. */
export type SyscallEventOf<C extends SyscallName> = Extract<TraceEvent, { readonly call: C }>;

/** Is `e` the return of system call `call`? */
export const isSyscall = <C extends SyscallName>(e: TraceEvent, call: C): e is SyscallEventOf<C> =>
  e.kind === "syscall" && e.call === call;

/** For an exhaustive switch over a kind (or a call): a case left out stops the build here. */
export const unhandledEvent = (what: never): never => {
  throw new Error(`unhandled trace event: ${JSON.stringify(what)}`);
};

/**
 * The trace format's version: 3 has the typed events above, with a "tap" event for every datagram
 * delivered (2 had no taps, 1 no datagram fields); a trace of another version is refused rather
 * than misread.
 */
export const TRACE_VERSION = 3;

/** Every kind, once: a kind added to the union and missing here stops the build. */
const TRACE_EVENT_KINDS: { readonly [K in TraceEventKind]: true } = {
  syscall: true,
  softirq: true,
  data_ready: true,
  tap: true,
  printk: true,
  bug: true,
  nosleep: true,
  "busy-wait": true,
  spawn: true,
  exit: true,
  "task-failed": true,
  deadlock: true,
  log: true,
  fault: true,
  "fault-plan": true,
  "traffic-plan": true,
  packet: true,
};

export interface TraceHeader {
  readonly format: "nlsim-trace";
  readonly version: typeof TRACE_VERSION;
  /** the seed the world was built from */
  readonly seed: number;
  /** what ran (an example or scenario name) and its options, enough to run it again */
  readonly run: { readonly [k: string]: TraceValue };
}

export interface Trace {
  readonly header: TraceHeader;
  readonly events: ReadonlyArray<TraceEvent>;
}

// Records and structures off: plain maps and arrays, so a trace decodes the same without our types.
const packr = new Packr({ useRecords: false, structuredClone: false, mapsAsObjects: true, variableMapSize: true });

export class TraceRecorder {
  private readonly events: TraceEvent[] = [];
  /** listeners see each event as it is recorded (walkthroughs narrate from here) */
  private readonly listeners: Array<(e: TraceEvent) => void> = [];

  constructor(readonly header: TraceHeader) {}

  record(e: TraceEvent): void {
    this.events.push(e);
    for (const l of this.listeners) l(e);
  }

  onEvent(listener: (e: TraceEvent) => void): void {
    this.listeners.push(listener);
  }

  get length(): number {
    return this.events.length;
  }

  snapshot(): Trace {
    return { header: this.header, events: this.events.slice() };
  }
}

export const encodeTrace = (trace: Trace): Uint8Array => packr.pack({ header: trace.header, events: trace.events });

export class TraceFormatError extends Error {
  readonly _tag = "TraceFormatError" as const;
}

export const decodeTrace = (bytes: Uint8Array): Trace => {
  let v: unknown;
  try {
    v = packr.unpack(bytes);
  } catch (e) {
    throw new TraceFormatError(`not a msgpack trace: ${(e as Error).message}`);
  }
  const t = v as Partial<Trace> | null;
  if (t === null || typeof t !== "object" || t.header?.format !== "nlsim-trace" || !Array.isArray(t.events)) {
    throw new TraceFormatError("not an nlsim trace (missing header.format 'nlsim-trace' or events)");
  }
  if (t.header.version !== TRACE_VERSION)
    throw new TraceFormatError(`trace version ${String(t.header.version)} is not supported (${TRACE_VERSION} is)`);
  for (const [i, e] of (t.events as unknown[]).entries()) {
    const kind = (e as { kind?: unknown } | null)?.kind;
    const t_ = (e as { t?: unknown } | null)?.t;
    if (typeof kind !== "string" || !Object.hasOwn(TRACE_EVENT_KINDS, kind) || typeof t_ !== "number") {
      throw new TraceFormatError(
        `event ${i} is not a trace event (kind ${JSON.stringify(kind)}, t ${JSON.stringify(t_)})`,
      );
    }
  }
  return plainBytes(t) as Trace;
};

/** msgpackr hands back Node Buffers for binary; traces hold plain Uint8Arrays. */
const plainBytes = (v: unknown): unknown => {
  if (v instanceof Uint8Array) return Buffer.isBuffer(v) ? new Uint8Array(v) : v;
  if (Array.isArray(v)) return v.map(plainBytes);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plainBytes(x);
    return out;
  }
  return v;
};

/** sha256 of the encoded trace, hex: equal hashes mean byte-identical runs. */
export const traceHash = (trace: Trace): string => createHash("sha256").update(encodeTrace(trace)).digest("hex");

const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? `hex:${Buffer.from(x).toString("hex")}` : x));

/** Where two traces first differ, or undefined when they are the same. */
export const firstDivergence = (
  a: Trace,
  b: Trace,
): { readonly index: number; readonly a: TraceEvent | undefined; readonly b: TraceEvent | undefined } | undefined => {
  const n = Math.max(a.events.length, b.events.length);
  for (let i = 0; i < n; i++) {
    const x = a.events[i];
    const y = b.events[i];
    if (x === undefined || y === undefined || canon(x) !== canon(y)) return { index: i, a: x, b: y };
  }
  return undefined;
};
