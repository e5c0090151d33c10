import { describe, expect, it } from "vitest";
import { Progress } from "./progress.js";

const sink = (isTTY: boolean) => {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => void out.push(s) } };
};

describe("Progress", () => {
  it("piped: a line per 10 % of the work and none in between, the last one at 100 %", () => {
    const { out, stream } = sink(false);
    let t = 0;
    let failed = 0;
    const p = new Progress({
      total: 40,
      unit: "seeds",
      label: "sweep",
      detail: () => `${failed} failed`,
      stream,
      now: () => t,
    });
    for (let i = 0; i < 40; i++) {
      t += 250;
      if (i === 5) failed++;
      p.tick();
    }
    p.finish();
    expect(out.length).toBe(10);
    expect(out[0]).toBe("sweep: 4/40 seeds (10%), 0 failed, 4.0 seeds/s, 1.0 s\n");
    expect(out[9]).toBe("sweep: 40/40 seeds (100%), 1 failed, 4.0 seeds/s, 10.0 s\n");
  });

  it("piped: few items still print each step; finish adds nothing after the 100 % line", () => {
    const { out, stream } = sink(false);
    const p = new Progress({ total: 3, unit: "cases", stream, now: () => 0 });
    p.tick();
    p.tick();
    p.tick();
    p.finish();
    p.finish();
    expect(out.map((l) => l.split(",")[0])).toEqual(["1/3 cases (33%)", "2/3 cases (66%)", "3/3 cases (100%)"]);
  });

  it("on a terminal: one line redrawn in place (throttled), a log line above it, a newline at the end", () => {
    const { out, stream } = sink(true);
    let t = 0;
    const p = new Progress({ total: 100, unit: "inputs", stream, now: () => t });
    p.tick(); // t 0: first draw
    t = 50;
    p.tick(); // within 100 ms: not redrawn
    t = 200;
    p.log("FAIL seed 2");
    p.tick(98);
    p.finish();
    expect(out).toEqual([
      "\r\x1b[K1/100 inputs (1%), 0.0 inputs/s, 0.0 s",
      "\r\x1b[K",
      "FAIL seed 2\n",
      "\r\x1b[K2/100 inputs (2%), 10 inputs/s, 0.2 s",
      "\r\x1b[K100/100 inputs (100%), 500 inputs/s, 0.2 s",
      "\r\x1b[K100/100 inputs (100%), 500 inputs/s, 0.2 s",
      "\n",
    ]);
  });

  it("nothing to do still ends with one line; a bad total or share is refused", () => {
    const { out, stream } = sink(false);
    new Progress({ total: 0, unit: "scenarios", stream, now: () => 0 }).finish();
    expect(out).toEqual(["0/0 scenarios (100%), 0.0 scenarios/s, 0.0 s\n"]);
    expect(() => new Progress({ total: -1, unit: "x", stream })).toThrow(RangeError);
    expect(() => new Progress({ total: 1, unit: "x", everyPercent: 0, stream })).toThrow(/everyPercent/);
  });
});
