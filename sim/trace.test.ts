import { describe, expect, it } from "vitest";
import { decodeTrace, encodeTrace, firstDivergence, TraceFormatError, TraceRecorder, traceHash } from "./trace.js";

const header = { format: "nlsim-trace", version: 1, seed: 7, run: { name: "t" } } as const;

const sample = (): TraceRecorder => {
  const r = new TraceRecorder(header);
  r.record({ t: 0, kind: "syscall", task: 1, call: "socket", ret: 3 });
  r.record({ t: 1000, kind: "deliver", to: 4242, bytes: Uint8Array.of(1, 2, 3) });
  return r;
};

describe("traces", () => {
  it("round-trip through msgpack with bytes intact", () => {
    const t = sample().snapshot();
    const back = decodeTrace(encodeTrace(t));
    expect(back).toEqual(t);
    expect(back.events[1]!.bytes).toBeInstanceOf(Uint8Array);
  });

  it("hash equal for equal runs and different when one event differs", () => {
    expect(traceHash(sample().snapshot())).toBe(traceHash(sample().snapshot()));
    const other = sample();
    other.record({ t: 2000, kind: "printk", text: "x" });
    expect(traceHash(other.snapshot())).not.toBe(traceHash(sample().snapshot()));
  });

  it("firstDivergence names the first differing event", () => {
    const a = sample();
    const b = sample();
    a.record({ t: 5, kind: "drop", sock: 1 });
    b.record({ t: 5, kind: "drop", sock: 2 });
    const d = firstDivergence(a.snapshot(), b.snapshot());
    expect(d?.index).toBe(2);
    expect(d?.a).toMatchObject({ sock: 1 });
    expect(firstDivergence(sample().snapshot(), sample().snapshot())).toBeUndefined();
  });

  it("listeners see events as they are recorded", () => {
    const r = new TraceRecorder(header);
    const seen: string[] = [];
    r.onEvent((e) => seen.push(e.kind));
    r.record({ t: 0, kind: "softirq" });
    expect(seen).toEqual(["softirq"]);
  });

  it("rejects bytes that are not a trace with a clear error", () => {
    expect(() => decodeTrace(Uint8Array.of(0xc1))).toThrow(TraceFormatError);
    expect(() => decodeTrace(encodeTrace({ header: { ...header, format: "x" as "nlsim-trace" }, events: [] }))).toThrow(
      /not an nlsim trace/,
    );
  });
});
