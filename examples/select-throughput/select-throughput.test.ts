import { describe, expect, it } from "vitest";
import { traceHash } from "../../sim/trace.js";
import { runExampleOnSim } from "../runner.js";
import { selectThroughputExample } from "./index.js";
import { MAX_DATA_LEN } from "./proto.js";
import { RMMOD_AFTER_MS, type SelectThroughputOptions } from "./run.js";

const go = async (seed: number, options: SelectThroughputOptions) => {
  const run = await runExampleOnSim(selectThroughputExample, { seed, options });
  expect(run.failed, `seed ${seed}`).toEqual([]);
  expect(run.exitCode).toBe(0);
  const r = { lines: run.output, dmesg: run.dmesg, ...run.details! };
  return { w: run.world, r };
};

/** the message as it arrives: nlmsghdr + payload */
const wire = (size: number) => size + 16;

describe("select-throughput --mode article10 (the article's 10-thread run)", () => {
  it("reads within 10% of the article's 218 msg/s: 10 threads × 20 sends/s, the sleep sets the rate", async () => {
    // one statistics line (every 500 KB) needs about 3.3 s of reading
    const r = await runExampleOnSim(selectThroughputExample, {
      seed: 1,
      mode: "article10",
      params: { durationMs: 3500 },
    });
    const line = r.output.find((l) => l.startsWith("received 500 Kbytes"));
    expect(line).toBeDefined();
    const rate = Number(/, ([\d.]+)\/s\.$/.exec(line!)?.[1]);
    expect(Math.abs(rate - 218) / 218).toBeLessThan(0.1);
    expect(rate).toBeCloseTo(10 * 20, -1);
  });
});

describe("select-throughput (the 100-socket model)", () => {
  it("adds up: bytes = messages × size, delivered + failures = sent; the threads outlive usr: ECONNREFUSED until rmmod", async () => {
    const { r } = await go(1, { n: 20, durationMs: 500 });
    const refused = r.kernel.failed.ECONNREFUSED ?? 0;
    expect(Object.keys(r.kernel.failed)).toEqual(["ECONNREFUSED"]); // no loss while usr reads
    expect(r.kernel.delivered + refused).toBe(r.kernel.sent);
    // 20 threads: one send per 50 ms from 0 to 500 ms (the one at 500 lands before usr closes);
    // then each is refused at 500 and 650 ms (50 ms sleep + 100 ms back-off) before rmmod at 800
    expect(r.kernel.delivered).toBe(20 * 10 + 1);
    expect(refused).toBe(20 * 2);
    expect(r.userLeftMs).toBe(500);
    expect(r.virtualMs).toBe(500 + RMMOD_AFTER_MS);
    expect(r.user.messages).toBe(r.kernel.delivered); // everything delivered was read
    expect(r.user.bytes).toBe(r.user.messages * wire(MAX_DATA_LEN));
    expect(r.kernel.deliveredBytes).toBe(r.user.bytes);
    expect(r.procDrops).toBe(0);
    // every refused send comes after usr left, printk'd five times, then the totals
    const refusedLines = r.dmesg.filter((l) => l.includes("can not unicast skb: -111"));
    expect(refusedLines).toHaveLength(5);
    for (const l of refusedLines) expect(Number(/^\[\s*([\d.]+)\]/.exec(l)?.[1]) * 1000).toBeGreaterThanOrEqual(500);
    expect(r.dmesg.at(-1)).toMatch(
      /net_link: remove ok \(sent 241, delivered 201, 157584 bytes, EAGAIN 0, ECONNREFUSED 40, other 0\)\.$/,
    );
    expect(r.lines).toEqual([
      "usr: 20 sockets registered",
      "/proc/net/netlink: Drops 0 over 20 sockets of protocol 24",
      "usr: read 201 messages (157584 bytes), ENOBUFS 0",
      "total: received 153 Kbytes, consumed time is: 500ms, speed is: 306.000K/s, 402.00/s.",
    ]);
  });

  it("a small SO_RCVBUF and a slow reader make drops: EAGAIN at the threads = Drops in /proc, ENOBUFS at the reader", async () => {
    const { r } = await go(2, { n: 20, durationMs: 1000, rcvbuf: 1, workUs: 2500 });
    const eagain = r.kernel.failed.EAGAIN ?? 0;
    expect(eagain).toBeGreaterThan(0);
    expect(r.kernel.delivered + eagain + (r.kernel.failed.ECONNREFUSED ?? 0)).toBe(r.kernel.sent);
    // usr read /proc/net/netlink before it closed; no send is refused for room once the ports are gone
    expect(r.procDrops).toBe(eagain);
    expect(r.user.enobufs).toBeGreaterThan(0);
    expect(r.user.enobufs).toBeLessThanOrEqual(eagain); // one ENOBUFS per congestion episode
    expect(r.user.messages).toBeLessThan(r.kernel.delivered); // some were still queued when usr left
    expect(r.user.bytes).toBe(r.user.messages * wire(MAX_DATA_LEN));
    expect(r.kernel.deliveredBytes).toBe(r.kernel.delivered * wire(MAX_DATA_LEN));
    expect(r.lines).toContain(`/proc/net/netlink: Drops ${eagain} over 20 sockets of protocol 24`);
    expect(r.lines).toContain(
      `usr: read ${r.user.messages} messages (${r.user.bytes} bytes), ENOBUFS ${r.user.enobufs}`,
    );
  });

  it("N=1: one socket, one thread, still adds up", async () => {
    const { r } = await go(3, { n: 1, durationMs: 1000, size: 100 });
    expect(r.user.ports).toHaveLength(1);
    expect(r.kernel.delivered).toBe(21); // 0, 50, ..., 1000 ms
    expect(r.user.messages).toBe(21);
    expect(r.user.bytes).toBe(21 * wire(100));
    expect(r.kernel.failed).toEqual({ ECONNREFUSED: 2 }); // 1050 and 1200 ms; rmmod at 1300
  });

  it("is deterministic: same seed, same trace and the same random targets", async () => {
    const a = await go(9, { n: 10, durationMs: 300, rcvbuf: 1, workUs: 3000 });
    const b = await go(9, { n: 10, durationMs: 300, rcvbuf: 1, workUs: 3000 });
    expect(traceHash(a.w.trace.snapshot())).toBe(traceHash(b.w.trace.snapshot()));
    expect(a.r.kernel).toEqual(b.r.kernel);
  });
});
