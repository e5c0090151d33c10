// RTM_GETSTATS / RTM_SETSTATS in a booted namespace: the message each filter bit asks for, the
// checks and their extack, the L3 offload statistics switched on and off with their notification,
// a dump split over rounds.
import { describe, expect, it } from "vitest";
import {
  encodeMessage,
  getS32,
  getU16,
  getU32,
  MSG_DONTWAIT,
  NETLINK_ROUTE,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseMessages,
} from "../../uapi/index.js";
import { RTM_GETSTATS, RTM_NEWSTATS, RTM_SETSTATS, RTNLGRP_STATS } from "../../uapi/rtnetlink.js";
import { net_boot } from "../boot.js";
import { netlink_recvmsg, netlink_sendmsg, netlink_setsockopt } from "../netlink/af_netlink.js";
import { attr, cat, newNet, nladdr, openBound, ROOT, USER } from "../netlink/test-helpers.js";

const SOL_NETLINK = 270;
const NETLINK_ADD_MEMBERSHIP = 1;

const ifsm = (ifindex: number, mask: number, family = 0, pad1 = 0): Uint8Array => {
  const b = new Uint8Array(12);
  const v = new DataView(b.buffer);
  v.setUint8(0, family);
  v.setUint8(1, pad1);
  v.setInt32(4, ifindex, true);
  v.setUint32(8, mask, true);
  return b;
};
/** a request header followed by one attribute */
const withAttr = (hdr: Uint8Array, type: number, data: Uint8Array): Uint8Array => cat(hdr, attr(type, data));

const setup = () => {
  const net = newNet();
  net_boot(net);
  const sk = openBound(net, 4242, 0, NETLINK_ROUTE);
  const send = (type: number, flags: number, payload: Uint8Array, cred = ROOT) =>
    netlink_sendmsg(sk, cred, encodeMessage({ type, flags, seq: 7, pid: 4242, payload }), MSG_DONTWAIT, nladdr(0));
  const read = () => netlink_recvmsg(sk, 65536, MSG_DONTWAIT);
  return { net, sk, send, read };
};
const errnoOf = (d: Uint8Array): number => (getU16(d, 4) === NLMSG_ERROR ? getS32(d, 16) : Number.NaN);
/** the attribute types after a RTM_NEWSTATS's if_stats_msg */
const attrTypes = (msg: Uint8Array): number[] => {
  const types: number[] = [];
  for (let o = 28; o + 4 <= getU32(msg, 0); ) {
    const len = getU16(msg, o);
    types.push(getU16(msg, o + 2));
    o += (len + 3) & ~3;
  }
  return types;
};

describe("RTM_GETSTATS", () => {
  it("answers lo with the attributes the filter mask asks for, LINK_64 as 25 zero counters", () => {
    const t = setup();
    t.send(RTM_GETSTATS, NLM_F_REQUEST, ifsm(1, 0x1f));
    const m = t.read().data;
    expect(getU16(m, 4)).toBe(RTM_NEWSTATS);
    expect(getU32(m, 20)).toBe(1); // ifindex
    expect(getU32(m, 24)).toBe(0x1f); // filter_mask echoed
    expect(attrTypes(m)).toEqual([1, 4, 5]); // LINK_64, OFFLOAD_XSTATS, AF_SPEC
    expect(getU16(m, 28)).toBe(204);
    expect(m.subarray(32, 232).every((b) => b === 0)).toBe(true);
    t.send(RTM_GETSTATS, NLM_F_REQUEST, ifsm(1, 0x6));
    expect(attrTypes(t.read().data)).toEqual([]);
  });

  it("refuses ifindex 0 (EINVAL), an unknown device (ENODEV), no filter mask, a short header", () => {
    const t = setup();
    t.send(RTM_GETSTATS, NLM_F_REQUEST, ifsm(0, 1));
    expect(errnoOf(t.read().data)).toBe(-22);
    t.send(RTM_GETSTATS, NLM_F_REQUEST, ifsm(9, 1));
    expect(errnoOf(t.read().data)).toBe(-19);
    t.send(RTM_GETSTATS, NLM_F_REQUEST, ifsm(1, 0));
    expect(errnoOf(t.read().data)).toBe(-22);
    t.send(RTM_GETSTATS, NLM_F_REQUEST, new Uint8Array(8));
    expect(errnoOf(t.read().data)).toBe(-22);
  });

  it("keeps only the offload parts the nested filter names, and refuses a sub-filter the mask does not ask for", () => {
    const t = setup();
    // IFLA_STATS_GET_FILTERS { IFLA_STATS_LINK_OFFLOAD_XSTATS: L3_STATS only }: lo has none, so no nest
    const sub = withAttr(new Uint8Array(0), 4, Uint8Array.of(4, 0, 0, 0));
    t.send(RTM_GETSTATS, NLM_F_REQUEST, withAttr(ifsm(1, 0x8), 0x8001, sub));
    expect(attrTypes(t.read().data)).toEqual([]);
    t.send(RTM_GETSTATS, NLM_F_REQUEST, withAttr(ifsm(1, 0x1), 0x8001, sub));
    expect(errnoOf(t.read().data)).toBe(-22);
  });

  it("dumps every device, going on from where a full round stopped", () => {
    const t = setup();
    // 24 ifb links beside lo (RTM_NEWLINK, kind ifb, left down): more than one round can hold
    for (let i = 0; i < 24; i++) {
      const name = new TextEncoder().encode(`ifb${i}\0`);
      const kind = withAttr(new Uint8Array(0), 1, new TextEncoder().encode("ifb\0"));
      const payload = withAttr(withAttr(new Uint8Array(16), 3, name), 0x12, kind);
      t.send(16, NLM_F_REQUEST | 0x400 | 0x200 | 4, payload);
      expect(errnoOf(t.read().data)).toBe(0);
    }
    // a socket that never read with a bigger buffer: each round fills an NLMSG_GOODSIZE skb
    const d = openBound(t.net, 4545, 0, NETLINK_ROUTE);
    const dump = encodeMessage({
      type: RTM_GETSTATS,
      flags: NLM_F_REQUEST | NLM_F_DUMP,
      seq: 1,
      pid: 4545,
      payload: ifsm(0, 0x1f),
    });
    netlink_sendmsg(d, ROOT, dump, MSG_DONTWAIT, nladdr(0));
    const rounds: number[][] = [];
    for (;;) {
      const r = netlink_recvmsg(d, 4096, MSG_DONTWAIT);
      if (r.ret < 0) break;
      rounds.push(parseMessages(r.data).map((m) => (m.type === NLMSG_DONE ? -1 : getU32(m.payload, 4))));
    }
    // every device once, in ifindex order, over more than one datagram, NLMSG_DONE last
    expect(rounds.length).toBeGreaterThan(1);
    expect(rounds.flat()).toEqual([...Array.from({ length: 25 }, (_, i) => i + 1), -1]);
  });
});

describe("RTM_SETSTATS", () => {
  it("turns lo's L3 offload statistics on and off, notifying RTNLGRP_STATS only on a change", () => {
    const t = setup();
    const mon = openBound(t.net, 4343, 0, NETLINK_ROUTE);
    const opt = new Uint8Array(4);
    new DataView(opt.buffer).setUint32(0, RTNLGRP_STATS, true);
    expect(netlink_setsockopt(mon, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, opt)).toBe(0);
    const l3 = (on: number) => withAttr(ifsm(1, 0), 2, Uint8Array.of(on));
    const notes = (): Uint8Array[] => {
      const out: Uint8Array[] = [];
      for (;;) {
        const r = netlink_recvmsg(mon, 4096, MSG_DONTWAIT);
        if (r.ret < 0) return out;
        out.push(r.data);
      }
    };
    // without CAP_NET_ADMIN: EPERM before the handler
    t.send(RTM_SETSTATS, NLM_F_REQUEST | 4, l3(1), USER);
    expect(errnoOf(t.read().data)).toBe(-1);
    t.send(RTM_SETSTATS, NLM_F_REQUEST | 4, l3(1));
    expect(errnoOf(t.read().data)).toBe(0);
    const on = notes();
    expect(on).toHaveLength(1);
    // HW_S_INFO { L3_STATS { REQUEST 1, USED 0 } }
    expect(Array.from(on[0]!.subarray(28))).toEqual([
      28, 0, 4, 0, 24, 0, 2, 0x80, 20, 0, 3, 0x80, 5, 0, 1, 0, 1, 0, 0, 0, 5, 0, 2, 0, 0, 0, 0, 0,
    ]);
    t.send(RTM_GETSTATS, NLM_F_REQUEST, ifsm(1, 0x8));
    const m = t.read().data;
    expect(getU16(m, 28)).toBe(4 + 24 + 76); // the offload nest now holds the 72-byte L3 counters
    t.send(RTM_SETSTATS, NLM_F_REQUEST | 4, l3(1));
    expect(errnoOf(t.read().data)).toBe(0);
    expect(notes()).toHaveLength(0);
    t.send(RTM_SETSTATS, NLM_F_REQUEST | 4, l3(0));
    t.read();
    expect(notes()).toHaveLength(1);
    t.send(RTM_SETSTATS, NLM_F_REQUEST | 4, l3(2));
    expect(errnoOf(t.read().data)).toBe(-34);
  });
});
