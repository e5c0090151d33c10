import { describe, expect, it } from "vitest";
import {
  ERRNO,
  encodeMessage,
  getU32,
  MSG_DONTWAIT,
  MSG_TRUNC,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NlMsg,
  parseMessages,
  parseNlmsgerr,
  SO_RCVBUF,
  SOL_SOCKET,
} from "../../uapi/index.js";
import { netlink_rcv_skb } from "./ack.js";
import { netlink_recvmsg, netlink_release, netlink_sendmsg, setsockopt } from "./af_netlink.js";
import {
  type NetlinkCallback,
  type NetlinkDumpControl,
  netlink_dump_start,
  nl_dump_check_consistent,
  nlmsg_put_answer,
} from "./dump.js";
import { netlink_kernel_create } from "./kernel.js";
import { nlmsg_end } from "./nlmsg.js";
import { netlink_proc_rows } from "./proc.js";
import type { SkBuff } from "./skb.js";
import type { NetlinkSock } from "./sock.js";
import type { Net } from "./table.js";
import { datagram, newNet, nladdr, openBound, ROOT } from "./test-helpers.js";

const UNIT = 17;
const ITEM_TYPE = 0x30;

interface FakeDumper {
  ksk: NetlinkSock;
  /** how many items the dump has */
  items: number;
  /** each item's payload size (message = 16 + payload) */
  payload: number;
  /** rtnetlink style (return skb.len until a call puts nothing) or finish in the call that puts the last item */
  style: "rtnl" | "finish";
  /** the data's generation (cb.seq), bumped by tests to make a dump inconsistent */
  generation: number;
  /** extra control fields */
  control: Partial<NetlinkDumpControl>;
  calls: number;
  done: number;
  requestSkb: SkBuff | null;
}

/** A module whose type-0x30 request dumps `items` messages of 16 + `payload` bytes. */
const loadDumper = (net: Net, items: number, payload: number, style: FakeDumper["style"] = "rtnl"): FakeDumper => {
  const f: FakeDumper = {
    ksk: null as unknown as NetlinkSock,
    items,
    payload,
    style,
    generation: 1,
    control: {},
    calls: 0,
    done: 0,
    requestSkb: null,
  };
  const dump = (skb: SkBuff, cb: NetlinkCallback): number => {
    f.calls++;
    cb.seq = f.generation;
    let i = cb.args[0]!;
    for (; i < f.items; i++) {
      const nlh = nlmsg_put_answer(skb, cb, ITEM_TYPE, f.payload, NLM_F_MULTI);
      if (nlh === null) break;
      skb.head.fill(i & 0xff, nlh.off + 16, nlh.off + 16 + f.payload);
      nl_dump_check_consistent(cb, nlh);
      nlmsg_end(skb, nlh);
    }
    cb.args[0] = i;
    if (f.style === "finish") return i === f.items ? 0 : skb.len;
    return skb.len;
  };
  const ksk = netlink_kernel_create(net, UNIT, {
    input: (skb) =>
      netlink_rcv_skb(skb, (in_skb, nlh) => {
        if (nlh.nlmsg_type !== ITEM_TYPE) return -ERRNO.EOPNOTSUPP;
        f.requestSkb = in_skb;
        return netlink_dump_start(f.ksk, in_skb, nlh, {
          dump,
          done: () => {
            f.done++;
            return 0;
          },
          ...f.control,
        });
      }),
  });
  f.ksk = ksk!;
  return f;
};

const dumpRequest = (seq = 1, flags = NLM_F_REQUEST | NLM_F_DUMP): Uint8Array =>
  encodeMessage({ type: ITEM_TYPE, flags, seq, payload: new Uint8Array(4) });

const recv = (sk: NetlinkSock, size = 65536): { ret: number; msgs: NlMsg[]; flags: number } => {
  const r = netlink_recvmsg(sk, size, MSG_DONTWAIT);
  return { ret: r.ret, msgs: r.ret > 0 ? parseMessages(r.data) : [], flags: r.msg_flags };
};

const dumpRow = (net: Net, sk: NetlinkSock): number => netlink_proc_rows(net).find((r) => r.socket === sk)!.dump;

describe("netlink_dump_start / netlink_dump (spec section 8)", () => {
  it("reproduces the 251-address pattern: GOODSIZE first, then max_recvmsg_len, then DONE alone", () => {
    const net = newNet();
    loadDumper(net, 251, 60); // 76-byte messages, like RTM_NEWADDR for IPv4
    const sk = openBound(net, 100, 0, UNIT);
    expect(netlink_sendmsg(sk, ROOT, dumpRequest(7), 0, nladdr(0))).toBe(20);
    expect(sk.cb_running).toBe(true);
    expect(sk.sk_rmem_alloc).toBe(4352);

    const r1 = recv(sk, 32768);
    expect(r1.ret).toBe(3724);
    expect(r1.msgs).toHaveLength(49);
    for (const m of r1.msgs) expect([m.type, m.flags, m.seq, m.pid]).toEqual([ITEM_TYPE, NLM_F_MULTI, 7, 100]);
    // that read set max_recvmsg_len (capped at 32448) and ran the next round with it
    expect(sk.max_recvmsg_len).toBe(32448);
    expect(sk.sk_rmem_alloc).toBe(33024);

    const r2 = recv(sk, 32768);
    expect(r2.ret).toBe(15352);
    expect(r2.msgs).toHaveLength(202);

    const r3 = recv(sk, 32768);
    expect(r3.ret).toBe(20);
    expect(r3.msgs.map((m) => [m.type, m.flags, m.seq])).toEqual([[NLMSG_DONE, NLM_F_MULTI, 7]]);
    expect(getU32(r3.msgs[0]!.payload, 0)).toBe(0);
    expect(sk.cb_running).toBe(false);
    expect(recv(sk).ret).toBe(-ERRNO.EAGAIN);
  });

  it("appends DONE to the last skb when the callback returns 0 and 20 bytes fit", () => {
    const net = newNet();
    loadDumper(net, 3, 60, "finish");
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    expect(sk.cb_running).toBe(false);
    const r = recv(sk);
    expect(r.msgs.map((m) => m.type)).toEqual([ITEM_TYPE, ITEM_TYPE, ITEM_TYPE, NLMSG_DONE]);
    expect(r.ret).toBe(3 * 76 + 20);
  });

  it("sends DONE alone in the next round when it does not fit", () => {
    const net = newNet();
    loadDumper(net, 4, 944 - 16, "finish"); // 4 × 944 = 3776: the skb is exactly full
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    expect(sk.cb_running).toBe(true);
    const r1 = recv(sk, 4096);
    expect(r1.ret).toBe(3776);
    expect(r1.msgs.map((m) => m.type)).toEqual([ITEM_TYPE, ITEM_TYPE, ITEM_TYPE, ITEM_TYPE]);
    const r2 = recv(sk, 4096);
    expect(r2.msgs.map((m) => m.type)).toEqual([NLMSG_DONE]);
    expect(sk.cb_running).toBe(false);
  });

  it("an empty dump finishes in its first round with DONE alone", () => {
    const net = newNet();
    const f = loadDumper(net, 0, 60);
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    expect(sk.cb_running).toBe(false);
    expect(f.done).toBe(1);
    expect(sk.sk_rmem_alloc).toBe(4352);
    expect(recv(sk).msgs.map((m) => m.type)).toEqual([NLMSG_DONE]);
  });

  it("sends no ACK after a dump, even with NLM_F_ACK", () => {
    const net = newNet();
    loadDumper(net, 2, 60, "finish");
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(3, NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK), 0, nladdr(0));
    expect(recv(sk).msgs.map((m) => m.type)).toEqual([ITEM_TYPE, ITEM_TYPE, NLMSG_DONE]);
    expect(recv(sk).ret).toBe(-ERRNO.EAGAIN);
  });

  it("a second dump while one runs is EBUSY as an NLMSG_ERROR; dump skbs charge 4352, the error 832", () => {
    const net = newNet();
    loadDumper(net, 1, 60); // rtnl style: DONE always in a round of its own
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(1), 0, nladdr(0));
    expect(sk.cb_running).toBe(true);
    expect(dumpRow(net, sk)).toBe(1);
    expect(sk.sk_rmem_alloc).toBe(4352);
    expect(netlink_sendmsg(sk, ROOT, dumpRequest(2), 0, nladdr(0))).toBe(20);
    expect(sk.sk_rmem_alloc).toBe(4352 + 832);
    // recv with size 0 consumes the datagram (MSG_TRUNC) and drives the dump like any read
    const r0 = netlink_recvmsg(sk, 0, 0);
    expect([r0.ret, r0.msg_flags & MSG_TRUNC]).toEqual([0, MSG_TRUNC]);
    expect(sk.sk_rmem_alloc).toBe(832 + 4352); // the DONE-only skb
    expect(sk.cb_running).toBe(false);
    expect(dumpRow(net, sk)).toBe(0);
    const err = recv(sk);
    expect(err.msgs[0]!.type).toBe(NLMSG_ERROR);
    expect(parseNlmsgerr(err.msgs[0]!).error).toBe(-ERRNO.EBUSY);
    expect(err.msgs[0]!.seq).toBe(2);
    expect(recv(sk).msgs.map((m) => [m.type, m.seq])).toEqual([[NLMSG_DONE, 1]]);
  });

  it("sets NLM_F_DUMP_INTR on the first message after the data changed between rounds", () => {
    const net = newNet();
    const f = loadDumper(net, 60, 60); // 49 + 11
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    f.generation = 2;
    const r1 = recv(sk, 4096); // this read ran round 2 (generation 2)
    expect(r1.msgs.every((m) => !(m.flags & NLM_F_DUMP_INTR))).toBe(true);
    // the data changes again before round 3, which only has DONE: DONE carries the flag too
    f.generation = 3;
    const r2 = recv(sk, 4096);
    expect(r2.msgs.map((m) => m.flags)).toEqual([NLM_F_MULTI | NLM_F_DUMP_INTR, ...Array(10).fill(NLM_F_MULTI)]);
    const r3 = recv(sk, 4096);
    expect(r3.msgs.map((m) => [m.type, m.flags])).toEqual([[NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR]]);
  });

  it("continues from recvmsg only while rmem_alloc <= rcvbuf / 2", () => {
    const net = newNet();
    loadDumper(net, 200, 60);
    const sk = openBound(net, 100, 0, UNIT);
    const peer = openBound(net, 200, 0, UNIT);
    const v = new Uint8Array(4);
    new DataView(v.buffer).setUint32(0, 8000, true);
    setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, v);
    expect(sk.sk_rcvbuf).toBe(16000);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0)); // round 1: 4352
    const big = datagram(3000);
    expect(netlink_sendmsg(peer, ROOT, big, 0, nladdr(100))).toBe(3000); // 4352
    expect(netlink_sendmsg(peer, ROOT, big, 0, nladdr(100))).toBe(3000); // 4352
    expect(recv(sk, 4096).msgs[0]!.type).toBe(ITEM_TYPE);
    // 8704 > 8000 left: no round
    expect(sk.sk_receive_queue.length).toBe(2);
    expect(recv(sk, 4096).ret).toBe(3000);
    // 4352 <= 8000: one round
    expect(sk.sk_receive_queue.length).toBe(2);
    expect(recv(sk, 4096).ret).toBe(3000);
    expect(recv(sk, 4096).msgs[0]!.type).toBe(ITEM_TYPE);
  });

  it("skips a round while rmem_alloc >= rcvbuf: the first round's ENOBUFS is the request's error", () => {
    const net = newNet();
    loadDumper(net, 5, 60, "finish");
    const sk = openBound(net, 100, 0, UNIT);
    const peer = openBound(net, 200, 0, UNIT);
    const v = new Uint8Array(4); // SO_RCVBUF 0 → the 2304 minimum
    setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, v);
    expect(netlink_sendmsg(peer, ROOT, datagram(3000), 0, nladdr(100))).toBe(3000); // an empty queue accepts 4352
    expect(netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0))).toBe(20);
    // the dump is registered but its round was skipped; the ENOBUFS ACK itself overran the socket
    expect(sk.cb_running).toBe(true);
    expect(sk.sk_drops).toBe(1);
    expect(recv(sk).ret).toBe(-ERRNO.ENOBUFS);
    expect(recv(sk, 4096).ret).toBe(3000); // this read drives the dump
    expect(recv(sk).msgs.map((m) => m.type)).toEqual([...Array(5).fill(ITEM_TYPE), NLMSG_DONE]);
    expect(sk.cb_running).toBe(false);
  });

  it("refuses a round whose skb would take the queue to rcvbuf, but always admits one into an empty queue", () => {
    const net = newNet();
    loadDumper(net, 5, 60, "finish");
    const sk = openBound(net, 100, 0, UNIT);
    const peer = openBound(net, 200, 0, UNIT);
    const v = new Uint8Array(4); // SO_RCVBUF 0 → the 2304 minimum: less than one round's 4352
    setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, v);
    expect(sk.sk_rcvbuf).toBe(2304);
    // an empty queue: the round goes in although its skb alone is over rcvbuf
    expect(netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0))).toBe(20);
    expect(sk.sk_rmem_alloc).toBe(4352);
    expect(recv(sk).msgs.map((m) => m.type)).toEqual([...Array(5).fill(ITEM_TYPE), NLMSG_DONE]);
    // 200 bytes queued (well under rcvbuf) + a round's 4352 ≥ rcvbuf: refused, the request's error
    expect(netlink_sendmsg(peer, ROOT, datagram(100), 0, nladdr(100))).toBe(100);
    const queued = sk.sk_rmem_alloc;
    expect(queued).toBeLessThan(sk.sk_rcvbuf);
    expect(netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0))).toBe(20);
    expect(sk.cb_running).toBe(true);
    // the ENOBUFS ACK is queued; reading the datagram retries the round, refused again (the ACK is
    // still queued): the socket's error
    expect(recv(sk, 4096).ret).toBe(100);
    expect(recv(sk).ret).toBe(-ERRNO.ENOBUFS);
    const ack = recv(sk);
    expect(ack.msgs.map((m) => m.type)).toEqual([NLMSG_ERROR]);
    expect(parseNlmsgerr(ack.msgs[0]!).error).toBe(-ERRNO.ENOBUFS);
    // reading the ACK emptied the queue: the round goes in and the dump ends
    expect(recv(sk).msgs.map((m) => m.type)).toEqual([...Array(5).fill(ITEM_TYPE), NLMSG_DONE]);
    expect(sk.cb_running).toBe(false);
  });

  it("calls done() once when the socket closes mid-dump and drops the request", () => {
    const net = newNet();
    const f = loadDumper(net, 100, 60);
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    expect(f.done).toBe(0);
    expect(f.requestSkb!.freed).toBe(false);
    netlink_release(sk);
    expect(f.done).toBe(1);
    expect(f.requestSkb!.freed).toBe(true);
    expect(f.ksk.sk_rmem_alloc).toBe(0);
    expect(net.reports).toEqual([]);
  });

  it("a failing start() is the request's error; the dump does not run", () => {
    const net = newNet();
    const f = loadDumper(net, 10, 60);
    f.control = { start: () => -ERRNO.EINVAL };
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    expect(sk.cb_running).toBe(false);
    expect(f.calls).toBe(0);
    const r = recv(sk);
    expect(parseNlmsgerr(r.msgs[0]!).error).toBe(-ERRNO.EINVAL);
    expect(f.requestSkb!.freed).toBe(true);
  });

  it("min_dump_alloc raises the first round's size; max_recvmsg_len is capped at 32448", () => {
    const net = newNet();
    const f = loadDumper(net, 1000, 60);
    f.control = { min_dump_alloc: 8192 };
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    const r1 = recv(sk, 65536);
    expect(r1.ret).toBe(Math.floor(8192 / 76) * 76);
    const r2 = recv(sk, 65536);
    expect(r2.ret).toBe(Math.floor(32448 / 76) * 76);
  });

  it("a dump callback's negative return ends the dump with DONE carrying the error", () => {
    const net = newNet();
    const f = loadDumper(net, 10, 60);
    f.control = { dump: () => -ERRNO.EINVAL };
    const sk = openBound(net, 100, 0, UNIT);
    netlink_sendmsg(sk, ROOT, dumpRequest(), 0, nladdr(0));
    const r = recv(sk);
    expect(r.msgs.map((m) => m.type)).toEqual([NLMSG_DONE]);
    expect(getU32(r.msgs[0]!.payload, 0) | 0).toBe(-ERRNO.EINVAL);
  });
});
