import { describe, expect, it } from "vitest";
import { traceHash } from "../../sim/trace.js";
import { runExampleOnSim } from "../runner.js";
import { icmpLoggerExample } from "./index.js";
import type { IcmpLoggerOptions } from "./run.js";

const go = async (seed: number, options: IcmpLoggerOptions) => {
  const run = await runExampleOnSim(icmpLoggerExample, { seed, options });
  expect(run.failed, `seed ${seed}`).toEqual([]);
  expect(run.exitCode).toBe(0);
  const r = { lines: run.output, dmesg: run.dmesg, ...run.details! };
  return { w: run.world, r };
};

const pings = [
  { src: "10.0.0.2", dst: "10.0.0.1", intervalMs: 100, startMs: 5 },
  { src: "10.0.0.3", dst: "10.0.0.1", intervalMs: 100, startMs: 55 },
];

describe("icmp-logger (imp2)", () => {
  it("prints every ICMP packet in arrival order with its addresses, and ignores the non-ICMP noise", async () => {
    const { r } = await go(1, { durationMs: 300, tailMs: 0, pings, noisePerSec: 50 });
    expect(r.lines).toEqual([
      "imp2_u: registered port 1001",
      "ICMP 10.0.0.2 -> 10.0.0.1",
      "ICMP 10.0.0.3 -> 10.0.0.1",
      "ICMP 10.0.0.2 -> 10.0.0.1",
      "ICMP 10.0.0.3 -> 10.0.0.1",
      "ICMP 10.0.0.2 -> 10.0.0.1",
      "ICMP 10.0.0.3 -> 10.0.0.1",
    ]);
    expect(r.planned.icmp).toBe(6);
    expect(r.planned.other).toBeGreaterThan(5);
    expect(r.module).toEqual({ icmp: 6, sent: 6, failed: {} });
    expect(r.ip.InReceives).toBe(r.planned.icmp + r.planned.other);
    expect(r.ip.InDelivers).toBe(r.ip.InReceives); // the hook only watches: NF_ACCEPT
  });

  it("stops logging after IMP2_CLOSE: later pings reach the hook but nothing is sent", async () => {
    const { r } = await go(2, { durationMs: 250, tailMs: 500, pings, noisePerSec: 0 });
    expect(r.lines.filter((l) => l.startsWith("ICMP"))).toHaveLength(5);
    expect(r.module.sent).toBe(5);
    expect(r.module.icmp).toBe(15);
    expect(r.dmesg.some((l) => l.includes("imp2: user port 1001 closed"))).toBe(true);
  });

  it("a killed imp2_u (Ctrl-C, no CLOSE) is forgotten through NETLINK_URELEASE: no more sends, no errors, no crash", async () => {
    const { r } = await go(3, { durationMs: 1000, tailMs: 500, pings, noisePerSec: 10, killAtMs: 260 });
    expect(r.lines.filter((l) => l.startsWith("ICMP"))).toHaveLength(6);
    expect(r.module.sent).toBe(6);
    expect(r.module.failed).toEqual({}); // never a send to the dead port (no ECONNREFUSED)
    expect(r.module.icmp).toBe(30);
    expect(r.dmesg).toContain("[    0.260000] imp2: user port 1001 released, no more sends");
    expect(r.dmesg.join("\n")).not.toMatch(/BUG|WARNING/);
  });

  it("the GFP_KERNEL variant prints the kernel's BUG line from the softirq hook (rate-limited to once a second)", async () => {
    const { r } = await go(4, { durationMs: 1500, tailMs: 0, pings, noisePerSec: 0, gfpKernel: true });
    const bug = r.dmesg.filter((l) => l.includes("BUG: sleeping function called from invalid context"));
    expect(bug).toEqual([
      "[    0.005000] BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321",
      "[    1.005000] BUG: sleeping function called from invalid context at include/linux/sched/mm.h:321",
    ]);
    expect(r.dmesg).toContain(
      "[    0.005000] in_atomic(): 1, irqs_disabled(): 0, non_block: 0, pid: 0, name: swapper/0",
    );
    expect(r.dmesg).toContain("[    0.005000] preempt_count: 100, expected: 0");
    // the model reports and carries on: the messages still arrive
    expect(r.module.sent).toBe(r.module.icmp);
    const fixed = await go(4, { durationMs: 1500, tailMs: 0, pings, noisePerSec: 0 });
    expect(fixed.r.dmesg.join("\n")).not.toContain("BUG");
  });

  it("the article's module: write_lock_bh(&user_proc.pid) registers 1001 as 768, every send is refused, CLOSE locks up", async () => {
    const { r } = await go(4, { durationMs: 1500, tailMs: 0, pings, noisePerSec: 0, buggy: true });
    expect(r.dmesg).toContain(
      "[    0.000000] imp2(article): IMP2_U_PID from 1001: user_proc.pid is 768 after write_unlock_bh(&user_proc.pid)",
    );
    expect(r.module.sent).toBe(0);
    expect(r.module.failed).toEqual({ ECONNREFUSED: r.module.icmp });
    expect(r.dmesg.filter((l) => l.includes("netlink_unicast(nlfd, skb, 768, MSG_DONTWAIT) = -111"))).toHaveLength(3);
    expect(r.dmesg.some((l) => l.includes("watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [imp2_u:1001]"))).toBe(
      true,
    );
    expect(r.lines.filter((l) => l.startsWith("ICMP"))).toEqual([]);
  });

  it("is deterministic: the same seed gives the same trace, another seed other noise", async () => {
    const opts = { durationMs: 400, tailMs: 100, pings, noisePerSec: 40 };
    const a = await go(7, opts);
    const b = await go(7, opts);
    const c = await go(8, opts);
    expect(traceHash(a.w.trace.snapshot())).toBe(traceHash(b.w.trace.snapshot()));
    expect(a.r.lines).toEqual(b.r.lines);
    expect(traceHash(a.w.trace.snapshot())).not.toBe(traceHash(c.w.trace.snapshot()));
  });
});
