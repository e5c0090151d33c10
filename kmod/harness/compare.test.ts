import { describe, expect, it } from "vitest";
import {
  captureNumbers,
  compareCounted,
  compareExact,
  compareShape,
  compareTotals,
  maskTranscript,
  normalize,
  parseSimRun,
  type Transcript,
} from "./compare.js";
import { MODULES, selectThroughputShape } from "./modules.js";

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

describe("compareShape's uncounted lines, maskTranscript, captureNumbers, compareTotals", () => {
  it("an uncounted line must be there, in its place, in any number", () => {
    const sim = t([], ["a", "fail 1", "fail 2", "b"]);
    const kern = t([], ["a", "fail 1", "b"]);
    expect(compareShape(sim, kern, 0, /^fail/)).toEqual([
      'dmesg, distinct line 3: sim "fail 2" ×1 / kernel "b" ×1',
      'dmesg, distinct line 4: sim "b" ×1 / kernel (none)',
    ]);
    const masked = (x: Transcript) => maskTranscript(x, [/(?<=^fail )\d+/]);
    expect(compareShape(masked(sim), masked(kern), 0, /^fail/)).toEqual([]);
    expect(compareShape(masked(sim), masked(t([], ["a", "b"])), 0, /^fail/)).toHaveLength(2);
  });
  it("captureNumbers takes the named groups of the one matching line, or says why not", () => {
    const x = t(["sent 3, got 2"], ["sent 4, got 1 (dmesg)"]);
    expect(captureNumbers(x, /^sent (?<s>\d+), got (?<g>\d+)\)?$/)).toEqual({ s: 3, g: 2 });
    expect(captureNumbers(x, /^sent (?<s>\d+)/)).toBe("2 lines match /^sent (?<s>\\d+)/");
    expect(captureNumbers(x, /^nothing/)).toBe("no line matches /^nothing/");
  });
  it("compareTotals runs the check on each side, then the masked shape", () => {
    const cmp = compareTotals({
      check: (x) => {
        const v = captureNumbers(x, /^sent (?<s>\d+), got (?<g>\d+)$/);
        if (typeof v === "string") return [v];
        return v.g! <= v.s! ? [] : [`got ${v.g} > sent ${v.s}`];
      },
      masks: [/\d+/],
    });
    expect(cmp(t(["sent 3, got 2"], []), t(["sent 9, got 9"], []))).toEqual([]);
    expect(cmp(t(["sent 3, got 2"], []), t(["sent 1, got 9"], []))).toEqual(["kernel: got 9 > sent 1"]);
    expect(cmp(t(["sent 3, got 2"], []), t(["sent 1, got 1", "extra"], []))).toEqual([
      'output, distinct line 2: sim (none) / kernel "extra" ×1',
    ]);
  });
});

describe("select-throughput's comparison (modules.ts)", () => {
  const cmp = selectThroughputShape({ n: 4, durationMs: 1000, wire: 784, failPrints: 5 });
  const run = (o: {
    sent: number;
    delivered: number;
    refused: number;
    read: number;
    ms: number;
    prints: number;
    order?: number[];
  }): Transcript => {
    const bytes = o.read * 784;
    const kb = Math.floor(bytes / 1024);
    return t(
      [
        "usr: 4 sockets registered",
        "/proc/net/netlink: Drops 0 over 4 sockets of protocol 24",
        `usr: read ${o.read} messages (${bytes} bytes), ENOBUFS 0`,
        `total: received ${kb} Kbytes, consumed time is: ${o.ms}ms, speed is: ${((kb * 1000) / o.ms).toFixed(3)}K/s, ${Math.floor((o.read * 1000) / o.ms).toFixed(2)}/s.`,
      ],
      [
        "net_link: create socket ok.",
        "net_link: 4 sockets registered, woke 4 threads",
        ...(o.order ?? [0, 1, 2, 3]).map((i) => `start thread [${i}].`),
        ...Array.from(
          { length: o.prints },
          (_, i) => `net_link: can not unicast skb: -111, a is: ${9979 - i}, peerpid is: ${3368553397 + i}`,
        ),
        ...[3, 2, 1, 0].map((i) => `thread ${i} exit!`),
        `net_link: remove ok (sent ${o.sent}, delivered ${o.delivered}, ${o.delivered * 784} bytes, EAGAIN 0, ECONNREFUSED ${o.refused}, other 0).`,
      ],
    );
  };
  // the simulator's run and the guest's of this worktree (numbers as they came out)
  const sim = run({ sent: 89, delivered: 81, refused: 8, read: 81, ms: 1000, prints: 5 });
  const guest = run({ sent: 108, delivered: 92, refused: 16, read: 88, ms: 1218, prints: 5, order: [1, 0, 3, 2] });
  it("accepts runs whose numbers differ but add up", () => {
    expect(cmp(sim, guest)).toEqual([]);
    // fewer failures than the printk budget: as many lines as failures
    expect(cmp(sim, run({ sent: 95, delivered: 92, refused: 3, read: 92, ms: 1001, prints: 3 }))).toEqual([]);
  });
  it("fails totals that do not add up, on the side where they do not", () => {
    const bad = run({ sent: 100, delivered: 92, refused: 16, read: 88, ms: 1218, prints: 5 });
    expect(cmp(sim, bad)).toEqual(["kernel: sent 100 ≠ delivered 92 + failures 16"]);
    expect(cmp(run({ sent: 89, delivered: 81, refused: 8, read: 82, ms: 1000, prints: 5 }), guest)).toEqual([
      "sim: usr read 82 messages, the module delivered 81",
    ]);
    expect(cmp(sim, run({ sent: 108, delivered: 92, refused: 16, read: 88, ms: 999, prints: 5 }))).toEqual([
      "kernel: usr read 999 ms, less than 1000",
    ]);
    expect(cmp(sim, run({ sent: 108, delivered: 92, refused: 16, read: 88, ms: 1218, prints: 4 }))).toEqual([
      'kernel: 4 "can not unicast" lines for 16 failures (the budget is 5)',
    ]);
  });
  it("fails a different shape: no refused sends on one side, or a line missing", () => {
    const noRefused = run({ sent: 92, delivered: 92, refused: 0, read: 92, ms: 1218, prints: 0 });
    expect(cmp(sim, noRefused)).toEqual([
      'dmesg, distinct line 4: sim "net_link: can not unicast skb: -111, a is: …, peerpid is: …" ×5 / kernel "thread … exit!" ×4',
      'dmesg, distinct line 5: sim "thread … exit!" ×4 / kernel "net_link: remove ok (sent …, delivered …, … bytes, EAGAIN …, ECONNREFUSED …, other …)." ×1',
      'dmesg, distinct line 6: sim "net_link: remove ok (sent …, delivered …, … bytes, EAGAIN …, ECONNREFUSED …, other …)." ×1 / kernel (none)',
    ]);
    const noProc = { ...guest, out: guest.out.filter((l) => !l.startsWith("/proc")) };
    expect(cmp(sim, noProc)[0]).toMatch(/^kernel: no line matches/);
  });
});

describe("nl-demo's dying-daemon cases", () => {
  const cmp = MODULES.find((m) => m.example === "nl-demo")!.cases.find((c) => c.mode === "dies-no-notifier")!.compare;
  const ev = (n: number, r: string) => `nl_demo: K_EVT #${n} netlink_unicast(port P1) = ${r}`;
  const sim = t(
    ["daemon: event 1", "daemon: event 2"],
    [ev(1, "24"), ev(2, "24"), ev(3, "-111 (ECONNREFUSED)"), "nl_demo: unloaded"],
  );
  it("allow one more event delivered before a slow guest tears the daemon down, and no more", () => {
    if (typeof cmp !== "function") throw new Error("expected a comparison function");
    expect(cmp(sim, sim)).toEqual([]);
    const slip = t(sim.out, [ev(1, "24"), ev(2, "24"), ev(3, "24"), ev(4, "-111 (ECONNREFUSED)"), "nl_demo: unloaded"]);
    expect(cmp(sim, slip)).toEqual([]);
    const two = t(sim.out, [
      ev(1, "24"),
      ev(2, "24"),
      ev(3, "24"),
      ev(4, "24"),
      ev(5, "-111 (ECONNREFUSED)"),
      "nl_demo: unloaded",
    ]);
    expect(cmp(sim, two)).not.toEqual([]);
    const missing = t(sim.out, [ev(1, "24"), ev(2, "24"), "nl_demo: unloaded"]);
    expect(cmp(sim, missing)).not.toEqual([]);
    expect(cmp(sim, t(["daemon: event 1"], sim.dmesg))).not.toEqual([]);
  });
});
