// The record of a run: every syscall, delivery, drop, softirq run and printk, in order, stamped
// with virtual time. Encoded with msgpackr; the same seed gives the same bytes, so a hash of the
// encoding is the determinism check.
import { createHash } from "node:crypto";
import { Packr } from "msgpackr";

export type TraceValue = string | number | boolean | null | Uint8Array | TraceValue[] | { [k: string]: TraceValue };

/** One event. `t` is virtual time in nanoseconds; `kind` says what happened; the rest is the detail. */
export interface TraceEvent {
  readonly t: number;
  readonly kind: string;
  readonly [detail: string]: TraceValue;
}

export interface TraceHeader {
  readonly format: "nlsim-trace";
  readonly version: 1;
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
  if (t.header.version !== 1)
    throw new TraceFormatError(`trace version ${String(t.header.version)} is not supported (1 is)`);
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
