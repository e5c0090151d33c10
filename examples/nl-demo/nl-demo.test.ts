// nl-demo's behaviour on the simulator: what the daemon receives and how, what the module does
// when the daemon closes, dies or the module goes away, and the article's bugs reproduced.

import { describe, expect, it } from "vitest";
import { isSyscall, traceHash } from "../../sim/trace.js";
import { runExampleOnSim } from "../runner.js";
import { nlDemoExample } from "./index.js";

const run = (mode: string, seed = 1) => runExampleOnSim(nlDemoExample, { seed, mode });
const recvs = (r: Awaited<ReturnType<typeof run>>) =>
  r.world.trace
    .snapshot()
    .events.filter((e) => isSyscall(e, "recvmsg"))
    .filter((e) => e.ret > 0);

describe("nl-demo on the simulator", () => {
  it("unicast: the daemon gets each K_EVT from port 0 by netlink_unicast, then CLOSE stops them", async () => {
    const r = await run("unicast");
    expect(r.failed).toEqual([]);
    expect(r.output).toEqual([
      "daemon: bound port 1001 on protocol 17",
      "daemon: sent NLDEMO_U_PID (unicast)",
      "daemon: event #1 (jiffies 100) via unicast from port 0",
      "daemon: event #2 (jiffies 200) via unicast from port 0",
      "daemon: event #3 (jiffies 300) via unicast from port 0",
      "daemon: sent NLDEMO_CLOSE",
      "daemon: no event for 300 ms after NLDEMO_CLOSE; closing",
    ]);
    // exactly three datagrams, all from the kernel; none after CLOSE
    expect(recvs(r).map((e) => [e.t, e.from])).toEqual([
      [100_000_000, 0],
      [200_000_000, 0],
      [300_000_000, 0],
    ]);
    const mod = r.details!;
    expect(mod.stats).toEqual({ events: 3, delivered: 3, refused: 0, no_listeners: 0 });
    expect(mod.user_proc).toEqual({ pid: 0, gid: 0 });
    expect(mod.nlfd()).toBeNull(); // rmmod released it
    // the timer fired once more after CLOSE, found nobody and stopped re-arming
    expect(r.world.dmesg().filter((l) => l.includes("K_EVT"))).toHaveLength(3);
  });

  it("multicast: the events come by netlink_broadcast to group 1 (msg_name groups, NETLINK_PKTINFO)", async () => {
    const r = await run("multicast");
    expect(r.failed).toEqual([]);
    const events = r.output.filter((l) => l.includes("event #"));
    expect(events).toEqual(
      [1, 2, 3].map(
        (n) => `daemon: event #${n} (jiffies ${n * 100}) via multicast, msg_name groups 0x1, pktinfo group 1`,
      ),
    );
    expect(r.world.dmesg().filter((l) => l.includes("netlink_broadcast(group 1, exclude port 0) = 0"))).toHaveLength(3);
    expect(r.details!.stats.delivered).toBe(3);
  });

  it("dies: a daemon that exits without CLOSE is unregistered by NETLINK_URELEASE; nothing more is sent", async () => {
    const r = await run("dies");
    expect(r.failed).toEqual([]);
    expect(r.output.at(-1)).toBe("daemon: exiting after 2 events without NLDEMO_CLOSE");
    const dmesg = r.world.dmesg();
    expect(dmesg).toContain(
      "[    0.200000] nl_demo: NETLINK_URELEASE: port 1001 closed without NLDEMO_CLOSE; unregistered",
    );
    expect(dmesg.some((l) => l.includes("ECONNREFUSED"))).toBe(false);
    const mod = r.details!;
    expect(mod.user_proc.pid).toBe(0);
    expect(mod.stats.events).toBe(2);
  });

  it("dies without the notifier: the module's next unicast gets ECONNREFUSED, it unregisters, no crash", async () => {
    const r = await run("dies-no-notifier");
    expect(r.failed).toEqual([]);
    expect(r.world.dmesg().slice(-3, -1)).toEqual([
      "[    0.300000] nl_demo: K_EVT #3 netlink_unicast(port 1001) = -111 (ECONNREFUSED)",
      "[    0.300000] nl_demo: port 1001 is gone (ECONNREFUSED); unregistered",
    ]);
    const mod = r.details!;
    expect(mod.stats).toEqual({ events: 3, delivered: 2, refused: 1, no_listeners: 0 });
    expect(r.world.dmesg().filter((l) => l.includes("BUG") || l.includes("WARNING"))).toEqual([]);
  });

  it("unload: rmmod is refused while the daemon's socket holds the module; it carries on; after it exits rmmod works", async () => {
    const r = await run("unload");
    expect(r.failed).toEqual([]);
    expect(r.output).toEqual([
      "daemon: bound port 1001 on protocol 17",
      "daemon: sent NLDEMO_U_PID (unicast)",
      "daemon: event #1 (jiffies 100) via unicast from port 0",
      "daemon: event #2 (jiffies 200) via unicast from port 0",
      "rmmod: ERROR: Module nl_demo is in use",
      "daemon: event #3 (jiffies 300) via unicast from port 0",
      "daemon: event #4 (jiffies 400) via unicast from port 0",
      "daemon: event #5 (jiffies 500) via unicast from port 0",
      "daemon: sent NLDEMO_CLOSE",
      "daemon: no event for 300 ms after NLDEMO_CLOSE; closing",
    ]);
    // the kernel's answers: EAGAIN with the daemon's reference, then 0 once its socket is closed
    const calls = r.world.trace.snapshot().events.filter((e) => e.kind === "syscall" && e.call === "delete_module");
    expect(calls.map((e) => [e.t, e.name, e.refcnt, e.ret, e.errno])).toEqual([
      [250_000_000, "nl_demo", 1, -11, "EAGAIN"],
      [1_000_000_000, "nl_demo", 0, 0, undefined],
    ]);
    // the refused rmmod did not run the exit: the module's one exit line is the second rmmod's
    expect(r.world.dmesg().filter((l) => l.includes("unloaded"))).toEqual([
      "[    1.000000] nl_demo: netlink_kernel_release done, unloaded",
    ]);
    const mod = r.details!;
    expect(mod.stats).toEqual({ events: 5, delivered: 5, refused: 0, no_listeners: 0 });
    expect(mod.nlfd()).toBeNull();
  });

  it("short: a header-only NLDEMO_U_PID is refused with NLMSG_ERROR EINVAL, nothing registered", async () => {
    const r = await run("short");
    expect(r.output).toEqual([
      "probe: sent a 16-byte NLDEMO_U_PID (no struct nldemo_krnl_msg)",
      'probe: the kernel refused request type 0x10: EINVAL ("nl_demo: payload shorter than struct nldemo_krnl_msg")',
    ]);
    expect(r.details!.stats.events).toBe(0);
  });

  it("buggy (the article's 2.6.32 module): the daemon never gets a broadcast; short message accepted; its mutex is legal", async () => {
    const r = await run("buggy");
    expect(r.failed).toEqual([]);
    expect(r.output.filter((l) => l.startsWith("daemon: event"))).toEqual([]);
    expect(r.output).toContain("daemon: no event for 300 ms; giving up after 0 of 3");
    expect(r.output).toContain("probe: no reply in 20 ms: the module accepted it");
    const dmesg = r.world.dmesg();
    expect(dmesg.filter((l) => l.includes("netlink_broadcast(exclude port 1002, group 1) = -3 (ESRCH)"))).toHaveLength(
      3,
    );
    // 2.6.32 ran input(skb) inside sendto, in process context: mutex_lock there is no BUG
    expect(dmesg.filter((l) => l.includes("BUG"))).toEqual([]);
    const events = r.world.trace.snapshot().events;
    expect(events.filter((e) => e.kind === "softirq" && e.vec === "NET_RX")).toEqual([]);
    const inputs = events.filter((e) => e.kind === "tap" && e.fn === "netlink_unicast_kernel");
    expect(inputs.map((e) => (e.kind === "tap" ? e.ctx : ""))).toEqual(["process", "process", "process"]);
    // nobody on the unit got a datagram from the kernel
    expect(recvs(r)).toEqual([]);
  });

  it("the same seed gives the same output and the same trace, byte for byte", async () => {
    for (const mode of ["unicast", "buggy"]) {
      const a = await run(mode, 7);
      const b = await run(mode, 7);
      expect(b.output).toEqual(a.output);
      expect(traceHash(b.world.trace.snapshot())).toBe(traceHash(a.world.trace.snapshot()));
    }
  });

  it("--set scale=N stretches the timeline: the same story at N times the times, only the printed waits differ", async () => {
    for (const mode of ["unicast", "dies-no-notifier", "unload", "short"]) {
      const a = await run(mode);
      const b = await runExampleOnSim(nlDemoExample, { seed: 1, mode, params: { scale: 3 } });
      // back to scale 1: the waits it prints ("no event for 900 ms") and the events' jiffies, divided by 3
      const unscaled = (l: string) =>
        l
          .replace(/\b(\d+) ms\b/g, (_m, n: string) => `${Number(n) / 3} ms`)
          .replace(/jiffies (\d+)/g, (_m, n: string) => `jiffies ${Number(n) / 3}`);
      expect(b.output.map(unscaled)).toEqual(a.output);
      const times = (r: typeof a) => recvs(r).map((e) => Number(e.t));
      expect(times(b)).toEqual(times(a).map((t) => t * 3));
      expect(b.world.dmesg().map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual(
        a.world.dmesg().map((l) => l.replace(/^\[[^\]]*\] /, "")),
      );
    }
  });
});
