// IPv6 routes through rtnetlink: fib6_add_rt2node's flags, the walk order of the dump, deletion.
import { describe, expect, it } from "vitest";
import {
  ERRNO,
  encodeMessage,
  getS32,
  getU32,
  MSG_DONTWAIT,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NLMSG_DONE,
} from "../../uapi/index.js";
import { net_boot } from "../boot.js";
import { netlink_recvmsg, netlink_sendmsg } from "../netlink/af_netlink.js";
import { attr, cat as concat, newNet, nladdr, openBound, ROOT, u32 } from "../netlink/test-helpers.js";
import { ipv6_addr_prefix } from "./route.js";

const RTM_NEWROUTE = 24;
const RTM_DELROUTE = 25;
const RTM_GETROUTE = 26;

const v6 = (...words: number[]): Uint8Array => {
  const b = new Uint8Array(16);
  words.forEach((w, i) => {
    b[2 * i] = w >> 8;
    b[2 * i + 1] = w & 0xff;
  });
  return b;
};
const route = (dst: Uint8Array, plen: number, o: { table?: number; type?: number; metric?: number } = {}) => {
  const hdr = Uint8Array.of(10, plen, 0, 0, o.table ?? 254, 3, 0, o.type ?? 6, 0, 0, 0, 0);
  const parts = [hdr, attr(1, dst), ...(o.metric ? [attr(6, u32(o.metric))] : [])];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const setup = () => {
  const net = newNet();
  net_boot(net);
  const sk = openBound(net, 4242, 1 << 10, NETLINK_ROUTE);
  let seq = 0;
  const send = (type: number, flags: number, payload: Uint8Array): number => {
    netlink_sendmsg(sk, ROOT, encodeMessage({ type, flags, seq: ++seq, pid: 4242, payload }), MSG_DONTWAIT, nladdr(0));
    // the ACK (or error) comes after the notification, if any: read until the NLMSG_ERROR
    for (;;) {
      const r = netlink_recvmsg(sk, 65536, MSG_DONTWAIT);
      if (r.ret < 0) throw new Error("no answer");
      if (getU32(r.data, 4) % 65536 === 2 && getU32(r.data, 8) === seq) return getS32(r.data, 16);
    }
  };
  /** the dump's routes as "dst/len metric" */
  const dump = (): string[] => {
    netlink_sendmsg(
      sk,
      ROOT,
      encodeMessage({
        type: RTM_GETROUTE,
        flags: NLM_F_REQUEST | NLM_F_DUMP,
        seq: ++seq,
        pid: 4242,
        payload: Uint8Array.of(10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      }),
      MSG_DONTWAIT,
      nladdr(0),
    );
    const out: string[] = [];
    for (;;) {
      const r = netlink_recvmsg(sk, 65536, MSG_DONTWAIT);
      if (r.ret < 0) return out;
      for (let at = 0; at < r.data.length; ) {
        const len = getU32(r.data, at);
        const type = r.data[at + 4]!;
        if (type === NLMSG_DONE) return out;
        if (type === RTM_NEWROUTE && getU32(r.data, at + 8) === seq) {
          const m = r.data.subarray(at, at + len);
          let dst = "::";
          let metric = -1;
          for (let a = 28; a < len; a += ((m[a]! | (m[a + 1]! << 8)) + 3) & ~3) {
            const t = m[a + 2]!;
            if (t === 1) dst = [...m.subarray(a + 4, a + 20)].map((x) => x.toString(16).padStart(2, "0")).join("");
            if (t === 6) metric = getU32(m, a + 4);
          }
          out.push(`${m[23]} ${dst}/${m[17]} ${metric}`);
        }
        at += (len + 3) & ~3;
      }
    }
  };
  return { send, dump };
};

const NEW = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;

describe("ipv6_addr_prefix", () => {
  it("clears the host bits, partial bytes included", () => {
    expect(ipv6_addr_prefix(v6(0x2001, 0xdb8, 0xffff), 36)).toEqual(v6(0x2001, 0xdb8, 0xf000));
    expect(ipv6_addr_prefix(v6(0xffff), 0)).toEqual(new Uint8Array(16));
  });
});

describe("inet6_rtm_newroute / inet6_rtm_delroute", () => {
  it("EXCL refuses a second route of that metric; REPLACE replaces; the same nexthop again is EEXIST", () => {
    const { send, dump } = setup();
    expect(send(RTM_NEWROUTE, NEW | NLM_F_EXCL, route(v6(0x2001, 0xdb8), 32, { metric: 10 }))).toBe(0);
    expect(send(RTM_NEWROUTE, NEW | NLM_F_EXCL, route(v6(0x2001, 0xdb8), 32, { metric: 10 }))).toBe(-ERRNO.EEXIST);
    expect(send(RTM_NEWROUTE, NEW, route(v6(0x2001, 0xdb8), 32, { metric: 10, type: 7 }))).toBe(-ERRNO.EEXIST);
    expect(send(RTM_NEWROUTE, NEW | NLM_F_REPLACE, route(v6(0x2001, 0xdb8), 32, { metric: 10, type: 7 }))).toBe(0);
    expect(dump()).toEqual(["7 20010db8000000000000000000000000/32 10"]);
  });

  it("dumps in fib6_walk's post-order: more specific first, 0 bits before 1 bits, lower metric first", () => {
    const { send, dump } = setup();
    for (const [dst, plen, metric] of [
      [v6(), 0, 0],
      [v6(0x2001, 0xdb8), 32, 0],
      [v6(0x2001, 0xdb8, 1), 48, 0],
      [v6(0x2001, 0xdb8), 64, 0],
      [v6(0x2001, 0xdb8, 1), 48, 5],
    ] as const)
      expect(send(RTM_NEWROUTE, NEW, route(dst, plen, { metric }))).toBe(0);
    expect(dump().map((s) => s.slice(s.indexOf(" ") + 1))).toEqual([
      "20010db8000000000000000000000000/64 1024",
      "20010db8000100000000000000000000/48 5",
      "20010db8000100000000000000000000/48 1024",
      "20010db8000000000000000000000000/32 1024",
      "::/0 1024",
    ]);
    // delete without a metric: the first route of the node
    expect(send(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, route(v6(0x2001, 0xdb8, 1), 48))).toBe(0);
    expect(dump()).toContain("6 20010db8000100000000000000000000/48 1024");
    expect(send(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, route(v6(0x2001, 0xdb8, 9), 48))).toBe(-ERRNO.ESRCH);
    expect(send(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, route(v6(0x2001, 0xdb8, 1), 48, { table: 77 }))).toBe(
      -ERRNO.ESRCH,
    );
  });

  it("a route through lo is promoted to a reject only once lo is up: down, it is ENETDOWN", () => {
    const { send } = setup();
    const via_lo = concat(route(v6(0x2001, 0xdb8, 9), 64, { type: 1 }), attr(4, u32(1)));
    expect(send(RTM_NEWROUTE, NEW, via_lo)).toBe(-ERRNO.ENETDOWN);
    // an explicit reject goes through lo, up or not
    expect(send(RTM_NEWROUTE, NEW, route(v6(0x2001, 0xdb8, 9), 64, { type: 7 }))).toBe(0);
  });

  it("refuses a tos, a prefix above 128 and a type above RTN_MAX", () => {
    const { send } = setup();
    const bad = route(v6(0x2001), 16);
    bad[3] = 4;
    expect(send(RTM_NEWROUTE, NEW, bad)).toBe(-ERRNO.EINVAL);
    expect(send(RTM_NEWROUTE, NEW, route(v6(0x2001), 129))).toBe(-ERRNO.EINVAL);
    expect(send(RTM_NEWROUTE, NEW, route(v6(0x2001), 16, { type: 12 }))).toBe(-ERRNO.EINVAL);
  });
});
