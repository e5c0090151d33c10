import { describe, expect, it } from "vitest";
import { compareCounted, compareExact, compareShape, normalize, parseSimRun, type Transcript } from "./compare.js";

const t = (out: string[], dmesg: string[]): Transcript => ({ out, dmesg });

describe("normalize", () => {
  it("numbers port ids by first appearance across output and dmesg, and masks jiffies", () => {
    const n = normalize(t(["bound port 4242"], ["event (jiffies 4294937) to port 4242", "from port 0"]));
    expect(n).toEqual({ out: ["bound port P1"], dmesg: ["event (jiffies J) to port P1", "from port 0"] });
  });
});

describe("compareExact / compareShape", () => {
  it("exact reports each differing line", () => {
    expect(compareExact(t(["a", "b"], []), t(["a", "c"], []))).toEqual(['output line 2: sim "b" / kernel "c"']);
  });
  it("shape ignores interleaving but not counts, unless within the slack", () => {
    const sim = t(["x", "y", "x", "y"], []);
    const kern = t(["x", "x", "y", "y", "y"], []);
    expect(compareShape(sim, kern)).toEqual(['output, distinct line 2: sim "y" ×2 / kernel "y" ×3']);
    expect(compareShape(sim, kern, 1)).toEqual([]);
    expect(compareShape(sim, t(["y", "x"], []), 5)).toHaveLength(2);
  });
});

describe("compareCounted", () => {
  const pings = compareCounted({ total: /(\d+) sent\)/, counted: /^ICMP /, slack: 2 });
  const run = (a: number, b: number, sent = a + b): Transcript =>
    t(
      ["registered", ...Array.from({ length: a }, () => "ICMP a"), ...Array.from({ length: b }, () => "ICMP b")],
      ["hooked", `unloaded (… ICMP packets seen, ${sent} sent)`],
    );
  it("accepts counts within the slack when each side's total equals what its program printed", () => {
    expect(pings(run(5, 10), run(4, 8))).toEqual([]);
  });
  it("fails a count beyond the slack", () => {
    expect(pings(run(5, 10), run(5, 7))).toEqual(['output, distinct line 3: sim "ICMP b" ×10 / kernel "ICMP b" ×7']);
  });
  it("fails when the module sent more than the program printed", () => {
    expect(pings(run(5, 10), run(5, 10, 16))).toEqual([
      "kernel: the module's total is 16, the program printed 15 (/^ICMP /)",
    ]);
  });
  it("fails when the total line is missing", () => {
    expect(pings(run(1, 1), t(["registered", "ICMP a", "ICMP b"], ["hooked"]))[0]).toMatch(/kernel: no dmesg line/);
  });
});

describe("harness transcripts", () => {
  it("a refused rmmod's complaint is compared after the program's lines, wherever it fell among them", () => {
    const sim = parseSimRun(
      ["daemon: event #2", "rmmod: ERROR: Module nl_demo is in use", "daemon: event #3", "--- dmesg (x) ---"].join(
        "\n",
      ),
      "nl_demo:",
    );
    const guestEarly = {
      out: ["rmmod: ERROR: Module nl_demo is in use", "daemon: event #2", "daemon: event #3"],
      dmesg: [],
    };
    expect(normalize(sim).out).toEqual([
      "daemon: event #2",
      "daemon: event #3",
      "rmmod: ERROR: Module nl_demo is in use",
    ]);
    expect(compareExact(normalize(sim), normalize(guestEarly))).toEqual([]);
    // a guest rmmod that said something else, or nothing, still differs
    const guestQuiet = { out: ["daemon: event #2", "daemon: event #3"], dmesg: [] };
    expect(compareExact(normalize(sim), normalize(guestQuiet))).toEqual([
      'output line 3: sim "rmmod: ERROR: Module nl_demo is in use" / kernel "(none)"',
    ]);
  });
});
