import { describe, expect, it } from "vitest";
import {
  NETLINK_CB,
  type Net,
  type NetlinkSock,
  netlink_kernel_create,
  netlink_unicast,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  type SkBuff,
} from "../kernel-model/net/netlink/kernel-api.js";
import {
  encodeMessage,
  encodeSockaddrNl,
  getU16,
  getU32,
  MSG_PEEK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_USERSOCK,
  SOCK_RAW,
  SOL_NETLINK,
} from "../kernel-model/uapi/index.js";
import { traceDatagrams } from "./datagrams.js";
import { spawnProcess } from "./process.js";
import type { TraceEvent } from "./trace.js";
import { World, type WorldOptions } from "./world.js";

const NETLINK_TEST = 25;
const u32 = (n: number): Uint8Array => Uint8Array.of(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);

/** The echo module: each request comes back to its sender with the same type, seq and payload. */
const echo_init = (net: Net): void => {
  let nl_sk: NetlinkSock | null = null;
  const echo_input = (skb: SkBuff): void => {
    const d = skb.data;
    const len = getU32(d, 0);
    const out = nlmsg_new(len - 16);
    const nlh = nlmsg_put(out, 0, getU32(d, 8), getU16(d, 4), len - 16, 0)!;
    out.head.set(d.subarray(16, len), nlh.off + 16);
    nlmsg_end(out, nlh);
    netlink_unicast(nl_sk!, out, NETLINK_CB(skb).portid, true);
  };
  nl_sk = netlink_kernel_create(net, NETLINK_TEST, { input: echo_input });
};

const echoWorld = async (opts: Omit<WorldOptions, "seed">): Promise<ReadonlyArray<TraceEvent>> => {
  const w = new World({ seed: 1, ...opts });
  w.insmod(() => echo_init(w.net));
  spawnProcess(w, { name: "client", pid: 501 }, async (p) => {
    const fd = p.socket(SOCK_RAW, NETLINK_TEST);
    await p.sendto(
      fd,
      encodeMessage({ type: 0x30, seq: 7, payload: u32(1) }),
      0,
      encodeSockaddrNl({ pid: 0, groups: 0 }),
    );
    await p.recvmsg(fd, 4096, 0);
  });
  const r = await w.run();
  expect(r.failed).toEqual([]);
  return w.trace.snapshot().events;
};

describe("traceDatagrams", () => {
  it("a request to a kernel socket and its reply: two datagrams, tapped at the kernel's input and at the user's queue", async () => {
    const events = await echoWorld({});
    const taps = events.filter((e) => e.kind === "tap");
    expect(taps.map((e) => e.fn)).toEqual(["netlink_unicast_kernel", "__netlink_sendskb"]);
    // the request is tapped in the sender's syscall, the reply from the softirq that ran the input
    expect(taps.map((e) => e.ctx)).toEqual(["process", "softirq"]);
    const ds = traceDatagrams(events);
    expect(ds.map((d) => [d.from, d.to, d.toKernel, d.senderPid, d.readBy?.pid ?? null])).toEqual([
      [501, 0, true, 501, null],
      [0, 501, false, null, 501],
    ]);
    expect(ds[0]!.sentBy).toMatchObject({ pid: 501, fd: 3 });
    expect(ds[1]!.bytes).toEqual(encodeMessage({ type: 0x30, seq: 7, payload: u32(1) }));
  });

  it("with the input run in the sender's process (2.6.24+), both taps are in process context", async () => {
    const events = await echoWorld({ netlinkInput: "process" });
    expect(events.filter((e) => e.kind === "tap").map((e) => e.ctx)).toEqual(["process", "process"]);
    expect(traceDatagrams(events)).toHaveLength(2);
  });

  it("a broadcast is one datagram per listener that got a copy, read or not; a peek does not read it", async () => {
    const w = new World({ seed: 3 });
    spawnProcess(w, { name: "a", pid: 600 }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      p.bind(fd, encodeSockaddrNl({ pid: 600, groups: 0 }));
      p.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(3));
      await p.recvmsg(fd, 4096, MSG_PEEK);
      await p.recvmsg(fd, 4096, 0);
    });
    spawnProcess(w, { name: "b", pid: 601 }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      p.bind(fd, encodeSockaddrNl({ pid: 601, groups: 0 }));
      p.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, u32(3));
      await w.msleep(1); // still open when the copy comes, never read
    });
    spawnProcess(w, { name: "sender", pid: 602 }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      const msg = encodeMessage({ type: 0x20, seq: 1, payload: u32(9) });
      // USERSOCK has no kernel socket: the copies go out, then the unicast to port 0 is refused
      await p.sendto(fd, msg, 0, encodeSockaddrNl({ pid: 0, groups: 1 << 2 }));
    });
    const r = await w.run();
    expect(r.failed).toEqual([]);
    const ds = traceDatagrams(w.trace.snapshot().events);
    // mc_list order: the last member to join first (sk_add_node_rcu puts it at the head)
    expect(ds.map((d) => [d.to, d.groups, d.senderPid, d.readBy?.pid ?? null])).toEqual([
      [601, 4, 602, null],
      [600, 4, 602, 600],
    ]);
  });

  it("without taps, falls back to the syscalls: a send, and a received datagram no send of the trace explains", () => {
    const bytes = encodeMessage({ type: 0x10, seq: 1 });
    const reply = encodeMessage({ type: 2, seq: 1, payload: u32(0) });
    const base = { kind: "syscall", pid: 9, fd: 3, ctx: "process", groups: 0 } as const;
    const events: TraceEvent[] = [
      { ...base, t: 1, call: "sendto", ret: 16, protocol: 0, from: 9, to: 0, bytes },
      { ...base, t: 2, call: "recvmsg", ret: reply.length, protocol: 0, from: 0, to: 9, bytes: reply },
      { ...base, t: 3, call: "sendto", ret: 16, protocol: 2, from: 9, to: 10, bytes },
      { ...base, t: 4, pid: 10, call: "recvmsg", ret: 16, protocol: 2, from: 9, to: 10, bytes },
    ];
    const ds = traceDatagrams(events);
    expect(ds.map((d) => [d.t, d.toKernel, d.senderPid, d.readBy?.pid ?? null])).toEqual([
      [1, true, 9, null],
      [2, false, null, 9],
      [3, false, 9, 10],
    ]);
  });
});
