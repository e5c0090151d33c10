// Assertions on what a run did: trace events by kind/call/pid (and any other field), an expected
// order, and the /proc/net/netlink rows.
import { netlink_proc_rows, netlink_seq_show, type ProcNetlinkRow } from "../../kernel-model/net/netlink/index.js";
import { toHex } from "../../kernel-model/uapi/index.js";
import type { SyscallEventOf, SyscallName, Trace, TraceEvent, TraceEventKind, TraceValue } from "../../sim/trace.js";
import type { World } from "../../sim/world.js";

/** Matches events: every given field must be equal (a predicate tests the value instead). */
export type EventMatch = {
  readonly kind?: TraceEventKind;
  readonly call?: SyscallName;
  readonly pid?: number;
} & {
  readonly [field: string]: TraceValue | ((value: TraceValue | undefined) => boolean) | undefined;
};

const eventsOf = (source: World | Trace | ReadonlyArray<TraceEvent>): ReadonlyArray<TraceEvent> =>
  Array.isArray(source)
    ? (source as ReadonlyArray<TraceEvent>)
    : "events" in source
      ? (source as Trace).events
      : (source as World).trace.snapshot().events;

const sameValue = (a: TraceValue | undefined, b: TraceValue): boolean =>
  a instanceof Uint8Array && b instanceof Uint8Array ? toHex(a) === toHex(b) : a === b;

/** Does `e` satisfy `m`? */
export const matchesEvent = (e: TraceEvent, m: EventMatch): boolean => {
  for (const [k, want] of Object.entries(m)) {
    if (want === undefined) continue;
    const got = (e as unknown as { readonly [field: string]: TraceValue | undefined })[k];
    if (typeof want === "function" ? !want(got) : !sameValue(got, want)) return false;
  }
  return true;
};

type Source = World | Trace | ReadonlyArray<TraceEvent>;
/** The events a match selects, typed by its call or kind when it names one. */
type Matched<M extends EventMatch> = M extends { readonly call: infer C extends SyscallName }
  ? SyscallEventOf<C>
  : M extends { readonly kind: infer K extends TraceEventKind }
    ? Extract<TraceEvent, { readonly kind: K }>
    : TraceEvent;

/** The events matching `m`, in order. */
export const traceEvents = <M extends EventMatch>(source: Source, m: M = {} as M): Matched<M>[] =>
  eventsOf(source).filter((e) => matchesEvent(e, m)) as Matched<M>[];

/** The first event matching `m`; throws (listing the event kinds seen) when there is none. */
export const traceEvent = <M extends EventMatch>(source: Source, m: M): Matched<M> => {
  const e = eventsOf(source).find((x) => matchesEvent(x, m));
  if (e === undefined) throw new Error(`no trace event matches ${describeMatch(m)}`);
  return e as Matched<M>;
};

/** One event on one line: "t=1000000 syscall pid=1000 call=recvmsg ret=-105 errno=ENOBUFS". */
export const describeEvent = (e: TraceEvent): string => {
  const parts = [`t=${e.t}`, e.kind];
  for (const [k, v] of Object.entries(e)) {
    if (k === "t" || k === "kind") continue;
    const s = v instanceof Uint8Array ? toHex(v) : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    parts.push(`${k}=${s.length > 48 ? `${s.slice(0, 45)}...` : s}`);
  }
  return parts.join(" ");
};

const describeMatch = (m: EventMatch): string =>
  `{${Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${typeof v === "function" ? "<predicate>" : JSON.stringify(v)}`)
    .join(", ")}}`;

/**
 * Asserts that events matching each of `steps` occur in this order (other events may come between);
 * returns the matched events. On failure it names the first step not found after the previous one,
 * and shows the events after it.
 */
export const expectTraceOrder = (
  source: World | Trace | ReadonlyArray<TraceEvent>,
  steps: ReadonlyArray<EventMatch>,
): TraceEvent[] => {
  const events = eventsOf(source);
  const found: TraceEvent[] = [];
  let from = 0;
  for (let s = 0; s < steps.length; s++) {
    const i = events.findIndex((e, j) => j >= from && matchesEvent(e, steps[s]!));
    if (i < 0) {
      const after = events.slice(from, from + 12).map((e) => `  ${describeEvent(e)}`);
      throw new Error(
        `trace order: step ${s + 1} ${describeMatch(steps[s]!)} not found` +
          (s > 0 ? ` after step ${s} (event ${from - 1})` : "") +
          `; the events from there:\n${after.join("\n")}${events.length - from > 12 ? "\n  ..." : ""}`,
      );
    }
    found.push(events[i]!);
    from = i + 1;
  }
  return found;
};

/** /proc/net/netlink rows, optionally only those of a protocol and/or port id. */
export const procRows = (
  world: World,
  filter: { readonly protocol?: number; readonly portid?: number } = {},
): ProcNetlinkRow[] =>
  netlink_proc_rows(world.net).filter(
    (r) =>
      (filter.protocol === undefined || r.protocol === filter.protocol) &&
      (filter.portid === undefined || r.portid === filter.portid),
  );

/** The row of one socket; throws (with the file's text) when it is not listed. */
export const procRow = (world: World, protocol: number, portid: number): ProcNetlinkRow => {
  const r = procRows(world, { protocol, portid })[0];
  if (r === undefined) {
    throw new Error(
      `/proc/net/netlink has no row for protocol ${protocol} port ${portid}:\n${netlink_seq_show(world.net)}`,
    );
  }
  return r;
};

/** The text of /proc/net/netlink. */
export const procNetNetlink = (world: World): string => netlink_seq_show(world.net);
