import { describe, expect, it } from "vitest";
import {
  decodeTrace,
  encodeTrace,
  firstDivergence,
  TRACE_VERSION,
  type TraceEvent,
  TraceFormatError,
  TraceRecorder,
  traceHash,
} from "./trace.js";

const header = { format: "nlsim-trace", version: TRACE_VERSION, seed: 7, run: { name: "t" } } as const;

const sample = (): TraceRecorder => {
  const r = new TraceRecorder(header);
  r.record({ t: 0, kind: "syscall", pid: 1, call: "socket", type: 3, protocol: 2, ret: 3 });
  r.record({
    t: 1000,
    kind: "syscall",
    pid: 1,
    call: "sendto",
    fd: 3,
    len: 3,
    flags: 0,
    protocol: 2,
    from: 1,
    to: 4242,
    groups: 0,
    bytes: Uint8Array.of(1, 2, 3),
    ctx: "process",
    ret: 3,
  });
  return r;
};

describe("traces", () => {
  it("round-trip through msgpack with bytes intact", () => {
    const t = sample().snapshot();
    const back = decodeTrace(encodeTrace(t));
    expect(back).toEqual(t);
    const sent = back.events[1]!;
    expect(sent.kind === "syscall" && sent.call === "sendto" ? sent.bytes : undefined).toBeInstanceOf(Uint8Array);
  });

  it("hash equal for equal runs and different when one event differs", () => {
    expect(traceHash(sample().snapshot())).toBe(traceHash(sample().snapshot()));
    const other = sample();
    other.record({ t: 2000, kind: "printk", level: 6, text: "x" });
    expect(traceHash(other.snapshot())).not.toBe(traceHash(sample().snapshot()));
  });

  it("firstDivergence names the first differing event", () => {
    const a = sample();
    const b = sample();
    a.record({ t: 5, kind: "exit", task: 1 });
    b.record({ t: 5, kind: "exit", task: 2 });
    const d = firstDivergence(a.snapshot(), b.snapshot());
    expect(d?.index).toBe(2);
    expect(d?.a).toMatchObject({ task: 1 });
    expect(firstDivergence(sample().snapshot(), sample().snapshot())).toBeUndefined();
  });

  it("listeners see events as they are recorded", () => {
    const r = new TraceRecorder(header);
    const seen: string[] = [];
    r.onEvent((e) => seen.push(e.kind));
    r.record({ t: 0, kind: "softirq", vec: "TIMER", fn: "tick" });
    expect(seen).toEqual(["softirq"]);
  });

  it("rejects bytes that are not a trace with a clear error", () => {
    expect(() => decodeTrace(Uint8Array.of(0xc1))).toThrow(TraceFormatError);
    expect(() => decodeTrace(encodeTrace({ header: { ...header, format: "x" as "nlsim-trace" }, events: [] }))).toThrow(
      /not an nlsim trace/,
    );
    expect(() =>
      decodeTrace(encodeTrace({ header: { ...header, version: 2 as typeof TRACE_VERSION }, events: [] })),
    ).toThrow(/trace version 2 is not supported \(3 is\)/);
    const unknownKind = { t: 0, kind: "deliver" } as unknown as TraceEvent;
    expect(() => decodeTrace(encodeTrace({ header, events: [unknownKind] }))).toThrow(/event 0 is not a trace event/);
  });
});
