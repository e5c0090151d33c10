import { describe, expect, it } from "vitest";
import { netlink_kernel_create, netlink_rcv_skb } from "../kernel-model/net/netlink/index.js";
import {
  encodeMessage,
  encodeSockaddrNl,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_BROADCAST_ERROR,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_REQUEST,
  SOCK_RAW,
  SOL_NETLINK,
} from "../kernel-model/uapi/index.js";
import { installFaults } from "./faults.js";
import { spawnProcess } from "./process.js";
import { traceHash } from "./trace.js";
import { World } from "./world.js";

const u32 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
const MSG = encodeMessage({ type: 0x10, payload: Uint8Array.of(1, 2, 3, 4) });

/** A process sending `n` messages to itself; returns the sendto results. */
const selfSends = async (seed: number, allocFailure: number, n = 64) => {
  const w = new World({ seed });
  installFaults(w, { allocFailure });
  const rets: number[] = [];
  spawnProcess(w, { name: "sender", pid: 300 }, async (p) => {
    const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
    p.bind(fd, encodeSockaddrNl({ pid: 300, groups: 0 }));
    for (let i = 0; i < n; i++) {
      rets.push(p.sendtoNow(fd, MSG, 0, encodeSockaddrNl({ pid: 300, groups: 0 })));
      p.recvmsgNow(fd, 100, 0);
    }
  });
  await w.run();
  return { w, rets };
};

describe("fault plans", () => {
  it("fails every sendmsg allocation with ENOBUFS at probability 1, and records each fault", async () => {
    const { w, rets } = await selfSends(1, 1, 8);
    expect(rets).toEqual(Array(8).fill(-105));
    const faults = w.trace.snapshot().events.filter((e) => e.kind === "fault");
    expect(faults).toHaveLength(8);
    expect(faults[0]).toMatchObject({ fault: "alloc", site: "netlink_sendmsg", size: 20 });
  });

  it("never fails at probability 0 and draws nothing", async () => {
    const { w, rets } = await selfSends(1, 0);
    expect(rets.every((r) => r === 20)).toBe(true);
    expect(w.trace.snapshot().events.filter((e) => e.kind === "fault")).toEqual([]);
  });

  it("fails a seed-determined subset at a mid-range probability, the same one for the same seed", async () => {
    const a = await selfSends(17, 0.3);
    const b = await selfSends(17, 0.3);
    const c = await selfSends(18, 0.3);
    const failed = (r: number[]) => r.map((x, i) => (x < 0 ? i : -1)).filter((i) => i >= 0);
    expect(failed(a.rets)).toEqual(failed(b.rets));
    expect(traceHash(a.w.trace.snapshot())).toBe(traceHash(b.w.trace.snapshot()));
    expect(failed(a.rets).length).toBeGreaterThan(5);
    expect(failed(a.rets).length).toBeLessThan(40);
    expect(failed(c.rets)).not.toEqual(failed(a.rets));
  });

  it("does not shift the world's own PRNG stream (autobind draws stay the same)", async () => {
    const autobound = async (faults: boolean): Promise<number> => {
      const w = new World({ seed: 5 });
      if (faults) installFaults(w, { allocFailure: 0.5 });
      let pid = 0;
      spawnProcess(w, { name: "a", pid: 100 }, async (p) => {
        p.bind(p.socket(SOCK_RAW, NETLINK_USERSOCK), encodeSockaddrNl({ pid: 100, groups: 0 }));
        const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
        p.sendtoNow(fd, MSG, 0, encodeSockaddrNl({ pid: 100, groups: 0 }));
        p.bind(fd, encodeSockaddrNl({ pid: 0, groups: 0 }));
        pid = p.getsockname(fd).pid;
      });
      await w.run();
      return pid;
    };
    expect(await autobound(true)).toBe(await autobound(false));
  });

  it("takes the broadcast clone-failure path: every listener overruns, BROADCAST_ERROR makes it ENOBUFS", async () => {
    const w = new World({ seed: 2 });
    installFaults(w, { allocFailure: 1, allocSites: ["skb_clone"] });
    const out: Record<string, number> = {};
    spawnProcess(w, { name: "mc", pid: 400 }, async (p) => {
      const l1 = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      const l2 = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      p.bind(l1, encodeSockaddrNl({ pid: 401, groups: 1 }));
      p.bind(l2, encodeSockaddrNl({ pid: 402, groups: 1 }));
      p.setsockopt(l2, SOL_NETLINK, NETLINK_BROADCAST_ERROR, u32(1));
      const tx = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      p.bind(tx, encodeSockaddrNl({ pid: 403, groups: 0 }));
      // to group 1 and to itself: the broadcast fails for both listeners, the unicast still lands
      out.send = p.sendtoNow(tx, MSG, 0, encodeSockaddrNl({ pid: 403, groups: 1 }));
      out.l1 = p.recvmsgNow(l1, 100, 0).ret; // the overrun's ENOBUFS, then nothing
      out.l1next = p.recvmsgNow(l1, 100, 0).ret;
      out.l2 = p.recvmsgNow(l2, 100, 0).ret;
      out.drops = p.sock(l2)!.sk_drops;
      out.self = p.recvmsgNow(tx, 100, 0).ret;
    });
    await w.run();
    expect(out).toEqual({ send: 20, l1: -105, l1next: -11, l2: -105, drops: 1, self: 20 });
    // only the first listener's clone was attempted: the rest follow the failure
    expect(w.trace.snapshot().events.filter((e) => e.kind === "fault")).toHaveLength(1);
  });

  it("turns a failed ACK allocation into ENOBUFS at the requester (netlink_ack's err_skb path)", async () => {
    const w = new World({ seed: 3 });
    const ksk = netlink_kernel_create(w.net, 24, { input: (skb) => netlink_rcv_skb(skb, () => 0) });
    expect(ksk).not.toBeNull();
    installFaults(w, { allocFailure: 1, allocSites: ["netlink_ack"] });
    let sent = 0;
    let recv = 0;
    spawnProcess(w, { name: "req" }, async (p) => {
      const fd = p.socket(SOCK_RAW, 24);
      sent = p.sendtoNow(fd, encodeMessage({ type: 0x10, flags: NLM_F_REQUEST | NLM_F_ACK }), 0, undefined);
      recv = p.recvmsgNow(fd, 100, 0).ret;
    });
    await w.run();
    expect(sent).toBe(16);
    expect(recv).toBe(-105);
  });

  it("keeps NETLINK_ADD_MEMBERSHIP and the rest untouched when no site is named", async () => {
    const w = new World({ seed: 4 });
    installFaults(w, { allocFailure: 1, allocSites: ["netlink_ack"] });
    let r = -1;
    spawnProcess(w, { name: "m" }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      r = p.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(3));
      r += p.sendtoNow(fd, MSG, 0, encodeSockaddrNl({ pid: 0, groups: 0 })) === -111 ? 0 : 100;
    });
    await w.run();
    expect(r).toBe(0);
  });
});
