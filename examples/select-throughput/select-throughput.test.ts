import { describe, expect, it } from "vitest";
import { traceHash } from "../../sim/trace.js";
import { World } from "../../sim/world.js";
import { MAX_DATA_LEN } from "./proto.js";
import { run, type SelectThroughputOptions } from "./run.js";

const go = async (seed: number, opts: SelectThroughputOptions) => {
  const w = new World({ seed, netlinkInput: "process" });
  const r = await run(w, opts);
  expect(r.failed, `seed ${seed}`).toEqual([]);
  return { w, r };
};

/** the message as it arrives: nlmsghdr + payload */
const wire = (size: number) => size + 16;

describe("select-throughput (the 100-socket model)", () => {
  it("adds up: bytes = messages × size, delivered + failures = sent, everything delivered is read", async () => {
    const { r } = await go(1, { n: 20, durationMs: 500 });
    expect(r.kernel.sent).toBe(20 * 10); // 20 threads, one send per 50 ms for 500 ms
    expect(r.kernel.failed).toEqual({});
    expect(r.kernel.delivered).toBe(r.kernel.sent);
    expect(r.user.messages).toBe(r.kernel.delivered);
    expect(r.user.bytes).toBe(r.user.messages * wire(MAX_DATA_LEN));
    expect(r.kernel.deliveredBytes).toBe(r.user.bytes);
    expect(r.procDrops).toBe(0);
    expect(r.lines.at(-1)).toMatch(
      /^total: received 153 Kbytes, consumed time is: 700ms, speed is: 218\.571K\/s, 285\.00\/s\.$/,
    );
  });

  it("a small SO_RCVBUF and a slow reader make drops: EAGAIN at the threads = Drops in /proc, ENOBUFS at the reader", async () => {
    const { r } = await go(2, { n: 20, durationMs: 1000, rcvbuf: 1, workUs: 2500 });
    const eagain = r.kernel.failed.EAGAIN ?? 0;
    expect(eagain).toBeGreaterThan(0);
    expect(r.kernel.delivered + eagain + (r.kernel.failed.ECONNREFUSED ?? 0)).toBe(r.kernel.sent);
    expect(r.procDrops).toBe(eagain);
    expect(r.user.enobufs).toBeGreaterThan(0);
    expect(r.user.enobufs).toBeLessThanOrEqual(eagain); // one ENOBUFS per congestion episode
    expect(r.user.messages + r.leftInQueues).toBe(r.kernel.delivered);
    expect(r.user.bytes).toBe(r.user.messages * wire(MAX_DATA_LEN));
    expect(r.lines).toContain(`/proc/net/netlink: Drops ${eagain} over 20 sockets of protocol 24`);
  });

  it("N=1: one socket, one thread, still adds up", async () => {
    const { r } = await go(3, { n: 1, durationMs: 1000, size: 100 });
    expect(r.user.ports).toHaveLength(1);
    expect(r.kernel.sent).toBe(20);
    expect(r.user.messages).toBe(20);
    expect(r.user.bytes).toBe(20 * wire(100));
  });

  it("is deterministic: same seed, same trace and the same random targets", async () => {
    const a = await go(9, { n: 10, durationMs: 300, rcvbuf: 1, workUs: 3000 });
    const b = await go(9, { n: 10, durationMs: 300, rcvbuf: 1, workUs: 3000 });
    expect(traceHash(a.w.trace.snapshot())).toBe(traceHash(b.w.trace.snapshot()));
    expect(a.r.kernel).toEqual(b.r.kernel);
  });
});
