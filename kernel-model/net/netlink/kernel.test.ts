import { describe, expect, it } from "vitest";
import {
  ERRNO,
  encodeMessage,
  encodeMessages,
  extAckInfo,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseAttrs,
  parseMessage,
  parseNlmsgerr,
  SO_RCVBUF,
  SOL_NETLINK,
  SOL_SOCKET,
  toHex,
} from "../../uapi/index.js";
import { netlink_ack, netlink_rcv_skb, nlmsg_payload } from "./ack.js";
import { netlink_recvmsg, netlink_release, netlink_sendmsg, setsockopt } from "./af_netlink.js";
import { netlink_kernel_create, netlink_kernel_release } from "./kernel.js";
import {
  nla_nest_end,
  nla_nest_start,
  nla_put_string,
  nla_put_u8,
  nla_put_u16,
  nla_put_u32,
  nla_put_u64,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "./nlmsg.js";
import { netlink_proc_rows, netlink_seq_show, PROC_NET_NETLINK_HEADER } from "./proc.js";
import { NETLINK_CB, type SkBuff } from "./skb.js";
import type { NetlinkSock } from "./sock.js";
import { NETLINK_URELEASE, type Net, type NetlinkNotify, netlink_register_notifier } from "./table.js";
import { datagram, newNet, nladdr, open, openBound, ROOT } from "./test-helpers.js";
import { netlink_unicast, nlmsg_unicast } from "./unicast.js";

const UNIT = 17;
const int = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);

/** The echo module: type 0x20 is echoed back, 0x21 fails with an extack, anything else is EOPNOTSUPP. */
const loadEchoModule = (net: Net): { ksk: NetlinkSock; seen: number[] } => {
  const seen: number[] = [];
  const box: { ksk: NetlinkSock | null } = { ksk: null };
  const ksk = netlink_kernel_create(net, UNIT, {
    input: (skb: SkBuff) => {
      netlink_rcv_skb(skb, (in_skb, nlh, extack) => {
        seen.push(nlh.nlmsg_type);
        if (nlh.nlmsg_type === 0x20) {
          const body = nlmsg_payload(nlh);
          const out = nlmsg_new(body.length);
          const rep = nlmsg_put(out, NETLINK_CB(in_skb).portid, nlh.nlmsg_seq, 0x20, body.length, 0)!;
          out.head.set(body, rep.off + 16);
          nlmsg_end(out, rep);
          nlmsg_unicast(box.ksk!, out, NETLINK_CB(in_skb).portid);
          return 0;
        }
        if (nlh.nlmsg_type === 0x21) {
          extack.msg = "bad thing";
          extack.badAttr = 16;
          return -ERRNO.EINVAL;
        }
        return -ERRNO.EOPNOTSUPP;
      });
    },
  });
  box.ksk = ksk;
  return { ksk: ksk!, seen };
};

const recvHex = (sk: NetlinkSock): string => toHex(netlink_recvmsg(sk, 65536, 0).data);

describe("netlink_kernel_create", () => {
  it("claims a unit once: out of range or an owned unit gives null; release unregisters it", () => {
    const net = newNet();
    expect(netlink_kernel_create(net, 32, {})).toBeNull();
    expect(netlink_kernel_create(net, -1, {})).toBeNull();
    const ksk = netlink_kernel_create(net, UNIT, { groups: 8 })!;
    expect(net.nl_table[UNIT]!.groups).toBe(32); // at least 32
    expect(netlink_kernel_create(net, UNIT, {})).toBeNull();
    expect(typeof open(net, UNIT)).toBe("object");
    netlink_kernel_release(ksk);
    expect(net.nl_table[UNIT]!.registered).toBe(0);
    expect(netlink_kernel_create(net, UNIT, {})).not.toBeNull();
  });

  it("a kernel socket without input refuses unicast (ECONNREFUSED); so does USERSOCK port 0", () => {
    const net = newNet();
    netlink_kernel_create(net, UNIT, {});
    const sk = open(net, UNIT);
    expect(netlink_sendmsg(sk, ROOT, datagram(16), 0, nladdr(0))).toBe(-ERRNO.ECONNREFUSED);
    expect(netlink_sendmsg(open(net), ROOT, datagram(16), 0, nladdr(0))).toBe(-ERRNO.ECONNREFUSED);
  });
});

describe("netlink_rcv_skb and netlink_ack (spec sections 7 and 13)", () => {
  it("an error reply echoes the request: the exact 40-byte EOPNOTSUPP reply", () => {
    const net = newNet();
    loadEchoModule(net);
    const sk = openBound(net, 0x1234, 0, UNIT);
    const req = encodeMessage({
      type: 0x7fff,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 1,
      payload: Uint8Array.of(0x11, 0x22, 0x33, 0x44),
    });
    expect(netlink_sendmsg(sk, ROOT, req, 0, nladdr(0))).toBe(20);
    expect(recvHex(sk)).toBe(
      "28000000" + "0200" + "0000" + "01000000" + "34120000" + "a1ffffff" + "14000000ff7f0500010000000000000011223344",
    );
  });

  it("a 5-byte payload gives a 44-byte reply (payload padded to 4)", () => {
    const net = newNet();
    loadEchoModule(net);
    const sk = openBound(net, 7, 0, UNIT);
    const req = encodeMessage({ type: 0x7fff, flags: NLM_F_REQUEST, seq: 2, payload: Uint8Array.of(1, 2, 3, 4, 5) });
    netlink_sendmsg(sk, ROOT, req, 0, nladdr(0));
    const r = netlink_recvmsg(sk, 65536, 0);
    expect(r.ret).toBe(44);
    expect(toHex(r.data.subarray(36))).toBe("0102030405000000");
    expect(r.name).toEqual({ pid: 0, groups: 0 });
  });

  it("unicast to a kernel socket returns the length even when the kernel rejects the message", () => {
    const net = newNet();
    const { seen } = loadEchoModule(net);
    const sk = openBound(net, 7, 0, UNIT);
    const req = encodeMessage({ type: 0x7000, flags: NLM_F_REQUEST, seq: 3 });
    expect(netlink_sendmsg(sk, ROOT, req, 0, nladdr(0))).toBe(16);
    expect(seen).toEqual([0x7000]);
  });

  it("a success ACK is capped; CAP_ACK caps error ACKs too", () => {
    const net = newNet();
    loadEchoModule(net);
    const sk = openBound(net, 7, 0, UNIT);
    netlink_sendmsg(sk, ROOT, encodeMessage({ type: 0x20, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 4 }), 0, nladdr(0));
    const echo = parseMessage(netlink_recvmsg(sk, 65536, 0).data);
    expect([echo.type, echo.seq, echo.pid]).toEqual([0x20, 4, 7]);
    const ack = parseMessage(netlink_recvmsg(sk, 65536, 0).data);
    expect([ack.len, ack.type, ack.flags]).toEqual([36, NLMSG_ERROR, NLM_F_CAPPED]);
    expect(parseNlmsgerr(ack).error).toBe(0);
    setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_CAP_ACK, int(1));
    const req = encodeMessage({ type: 0x7fff, flags: NLM_F_REQUEST, seq: 5, payload: new Uint8Array(8) });
    netlink_sendmsg(sk, ROOT, req, 0, nladdr(0));
    const e = parseMessage(netlink_recvmsg(sk, 65536, 0).data);
    expect([e.len, e.flags, parseNlmsgerr(e).error]).toEqual([36, NLM_F_CAPPED, -ERRNO.EOPNOTSUPP]);
  });

  it("EXT_ACK TLVs are sent only when the requester asked for them", () => {
    const net = newNet();
    loadEchoModule(net);
    const sk = openBound(net, 7, 0, UNIT);
    const req = encodeMessage({ type: 0x21, flags: NLM_F_REQUEST, seq: 6, payload: new Uint8Array(8) });
    netlink_sendmsg(sk, ROOT, req, 0, nladdr(0));
    const plain = parseMessage(netlink_recvmsg(sk, 65536, 0).data);
    expect([plain.len, plain.flags]).toEqual([44, 0]);
    setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_EXT_ACK, int(1));
    netlink_sendmsg(sk, ROOT, req, 0, nladdr(0));
    const ext = parseMessage(netlink_recvmsg(sk, 65536, 0).data);
    expect(ext.flags).toBe(NLM_F_ACK_TLVS);
    const err = parseNlmsgerr(ext);
    expect(err.error).toBe(-ERRNO.EINVAL);
    expect(extAckInfo(err.tlvs!)).toEqual({ msg: "bad thing", offs: 16 });
  });

  it("NLM_F_ACK without NLM_F_REQUEST, or a control type, gets a success ACK without reaching the handler", () => {
    const net = newNet();
    const { seen } = loadEchoModule(net);
    const sk = openBound(net, 7, 0, UNIT);
    netlink_sendmsg(sk, ROOT, encodeMessage({ type: 0x7fff, flags: NLM_F_ACK, seq: 8 }), 0, nladdr(0));
    netlink_sendmsg(sk, ROOT, encodeMessage({ type: NLMSG_DONE, flags: NLM_F_REQUEST | NLM_F_ACK }), 0, nladdr(0));
    netlink_sendmsg(sk, ROOT, encodeMessage({ type: 0x7fff, flags: 0, seq: 9 }), 0, nladdr(0)); // no ACK
    expect(seen).toEqual([]);
    const a = parseNlmsgerr(parseMessage(netlink_recvmsg(sk, 65536, 0).data));
    const b = parseNlmsgerr(parseMessage(netlink_recvmsg(sk, 65536, 0).data));
    expect([a.error, a.req.seq, b.error, b.req.type]).toEqual([0, 8, 0, NLMSG_DONE]);
    expect(netlink_recvmsg(sk, 65536, 0x40).ret).toBe(-ERRNO.EAGAIN);
  });

  it("walks a multi-message datagram and stops silently at a truncated message", () => {
    const net = newNet();
    const { seen } = loadEchoModule(net);
    const sk = openBound(net, 7, 0, UNIT);
    const two = encodeMessages([
      { type: 0x7001, flags: NLM_F_REQUEST, seq: 1 },
      { type: 0x7002, flags: NLM_F_REQUEST, seq: 2, payload: Uint8Array.of(9) },
    ]);
    const broken = new Uint8Array(two.length + 20);
    broken.set(two);
    broken.set(encodeMessage({ type: 0x7003, len: 64, flags: NLM_F_REQUEST }), two.length);
    netlink_sendmsg(sk, ROOT, broken, 0, nladdr(0));
    expect(seen).toEqual([0x7001, 0x7002]);
    expect(sk.sk_receive_queue.length).toBe(2);
  });

  it("a dump-started handler result (−EINTR) suppresses the ACK", () => {
    const net = newNet();
    netlink_kernel_create(net, UNIT, { input: (skb) => netlink_rcv_skb(skb, () => -ERRNO.EINTR) });
    const sk = openBound(net, 7, 0, UNIT);
    netlink_sendmsg(sk, ROOT, encodeMessage({ type: 0x20, flags: NLM_F_REQUEST | NLM_F_ACK }), 0, nladdr(0));
    expect(sk.sk_receive_queue.length).toBe(0);
  });

  it("netlink_ack is callable directly with a null extack", () => {
    const net = newNet();
    netlink_kernel_create(net, UNIT, {
      input: (skb) => {
        const d = skb.data;
        netlink_ack(
          skb,
          { nlmsg_len: 16, nlmsg_type: 0x20, nlmsg_flags: 1, nlmsg_seq: 3, nlmsg_pid: 0, msg: d },
          -1,
          null,
        );
      },
    });
    const sk = openBound(net, 7, 0, UNIT);
    netlink_sendmsg(sk, ROOT, encodeMessage({ type: 0x20, flags: NLM_F_REQUEST }), 0, nladdr(0));
    expect(parseNlmsgerr(parseMessage(netlink_recvmsg(sk, 65536, 0).data)).error).toBe(-1);
  });
});

describe("kernel → user unicast", () => {
  it("a kernel sender with nonblock on a full queue causes an overrun (ENOBUFS at the receiver)", () => {
    const net = newNet();
    const ksk = netlink_kernel_create(net, UNIT, {})!;
    const sk = openBound(net, 7, 0, UNIT);
    setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    const msg = (): SkBuff => {
      const skb = nlmsg_new(4);
      nlmsg_end(skb, nlmsg_put(skb, 0, 0, 0x20, 4, 0)!);
      return skb;
    };
    expect(netlink_unicast(ksk, msg(), 7, true)).toBe(20);
    expect(netlink_unicast(ksk, msg(), 7, true)).toBe(20);
    expect(netlink_unicast(ksk, msg(), 7, true)).toBe(-ERRNO.EAGAIN);
    expect([sk.sk_drops, sk.sk_err]).toEqual([1, ERRNO.ENOBUFS]);
    expect(netlink_unicast(ksk, msg(), 99, true)).toBe(-ERRNO.ECONNREFUSED);
  });

  it("a freed skb handed to netlink_unicast is reported as a BUG, not swallowed", () => {
    const net = newNet();
    const ksk = netlink_kernel_create(net, UNIT, {})!;
    openBound(net, 7, 0, UNIT);
    const skb = nlmsg_new(0);
    nlmsg_end(skb, nlmsg_put(skb, 0, 0, 0x20, 0, 0)!);
    expect(netlink_unicast(ksk, skb, 99, true)).toBe(-ERRNO.ECONNREFUSED); // consumed and freed
    expect(netlink_unicast(ksk, skb, 7, true)).toBeLessThan(0);
    expect(net.reports.map((r) => r.level)).toEqual(["BUG"]);
  });

  it("numbers freed skbs per namespace: two namespaces in one process both start at #1", () => {
    const bugLine = (): string => {
      const net = newNet();
      const ksk = netlink_kernel_create(net, UNIT, {})!;
      const skb = nlmsg_new(0);
      nlmsg_end(skb, nlmsg_put(skb, 0, 0, 0x20, 0, 0)!);
      netlink_unicast(ksk, skb, 99, true); // consumed and freed
      netlink_unicast(ksk, skb, 99, true);
      netlink_unicast(ksk, skb, 99, true);
      return net.reports.map((r) => r.msg).join("; ");
    };
    const first = bugLine();
    expect(first).toBe("BUG: netlink_unicast on freed skb #1; BUG: netlink_unicast on freed skb #1");
    expect(bugLine()).toBe(first);
  });
});

describe("nlmsg/nla builders", () => {
  it("nlmsg_new sizes the tailroom; puts fail with −EMSGSIZE / null when it is short", () => {
    const skb = nlmsg_new(16);
    expect(skb.end).toBe(32);
    const nlh = nlmsg_put(skb, 5, 6, 0x30, 0, 0)!;
    expect(nla_put_u32(skb, 1, 0xdeadbeef)).toBe(0);
    expect(nla_put_u8(skb, 2, 1)).toBe(0);
    expect(nla_put_u8(skb, 3, 1)).toBe(-ERRNO.EMSGSIZE);
    expect(nlmsg_end(skb, nlh)).toBe(32);
    expect(toHex(skb.data)).toBe("20000000300000000600000005000000" + "08000100efbeadde" + "05000200" + "01000000");
    expect(nlmsg_put(nlmsg_new(3), 0, 0, 0x30, 5, 0)).toBeNull(); // 20 bytes of room, 24 needed
  });

  it("nla_nest_start sets NLA_F_NESTED and nla_nest_end fixes its length", () => {
    const skb = nlmsg_new(64);
    const nlh = nlmsg_put(skb, 0, 0, 0x30, 0, 0)!;
    const nest = nla_nest_start(skb, 7)!;
    nla_put_string(skb, 1, "abc");
    nla_put_u16(skb, 2, 0x102);
    nla_put_u64(skb, 3, 1n);
    nla_nest_end(skb, nest);
    nlmsg_end(skb, nlh);
    const attrs = parseAttrs(skb.data.subarray(16));
    expect(attrs).toHaveLength(1);
    expect(attrs[0]).toMatchObject({ type: 7, nested: true });
    expect(attrs[0]!.data.length).toBe(8 + 8 + 12);
    expect(nla_nest_start(nlmsg_new(0), 1)).not.toBeNull();
  });
});

describe("release notifier and /proc/net/netlink", () => {
  it("NETLINK_URELEASE fires for a bound user socket only", () => {
    const net = newNet();
    const seen: Array<[number, number, number]> = [];
    netlink_register_notifier(net, (ev: number, n: NetlinkNotify) => seen.push([ev, n.protocol, n.portid]));
    const a = openBound(net, 42);
    const b = open(net);
    netlink_release(a);
    netlink_release(b);
    expect(seen).toEqual([[NETLINK_URELEASE, NETLINK_USERSOCK, 42]]);
  });

  it("lists bound sockets and kernel sockets (Pid 0) with rmem, drops and refcount", () => {
    const net = newNet();
    netlink_kernel_create(net, UNIT, {});
    const tx = openBound(net, 1);
    const rx = openBound(net, 2, 0x5);
    open(net); // unbound: not listed
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    for (let i = 0; i < 4; i++) netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(0, 1));
    const rows = netlink_proc_rows(net).map(({ protocol, portid, groups, rmem, dump, locks, drops }) => ({
      protocol,
      portid,
      groups,
      rmem,
      dump,
      locks,
      drops,
    }));
    expect(rows).toEqual([
      { protocol: 2, portid: 1, groups: 0, rmem: 0, dump: 0, locks: 2, drops: 0 },
      { protocol: 2, portid: 2, groups: 5, rmem: 1664, dump: 0, locks: 2, drops: 2 },
      { protocol: 17, portid: 0, groups: 0, rmem: 0, dump: 0, locks: 2, drops: 0 },
    ]);
    const text = netlink_seq_show(net).split("\n");
    expect(text[0]).toBe(PROC_NET_NETLINK_HEADER);
    expect(text[2]).toMatch(/^ffff8880[0-9a-f]{8} 2 {3}2 {10}00000005 1664 {5}0 {8}0 {5}2 {8}2 {8}\d+ *$/);
    expect(text).toHaveLength(5);
    netlink_release(rx);
    expect(netlink_proc_rows(net)).toHaveLength(2);
  });
});
