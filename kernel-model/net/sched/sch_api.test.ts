// tc's GET requests in a booted namespace: lo's root qdisc (noop, then noqueue), a get answered
// through RTNLGRP_TC, and the classless qdisc's answers to class, filter, chain and action gets.
import { describe, expect, it } from "vitest";
import {
  encodeMessage,
  getS32,
  getU16,
  getU32,
  MSG_DONTWAIT,
  NETLINK_ROUTE,
  NLM_F_DUMP,
  NLM_F_ECHO,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseMessages,
} from "../../uapi/index.js";
import { RTM_GETACTION, RTM_GETQDISC, RTM_GETTCLASS, RTM_GETTFILTER, RTM_NEWQDISC } from "../../uapi/rtnetlink.js";
import { net_boot } from "../boot.js";
import { netlink_recvmsg, netlink_sendmsg } from "../netlink/af_netlink.js";
import { newNet, nladdr, openBound, ROOT } from "../netlink/test-helpers.js";

const NLM_F_ACK = 4;
const tcmsg = (ifindex: number, parent = 0, handle = 0, info = 0): Uint8Array => {
  const b = new Uint8Array(20);
  const v = new DataView(b.buffer);
  v.setInt32(4, ifindex, true);
  v.setUint32(8, handle, true);
  v.setUint32(12, parent, true);
  v.setUint32(16, info, true);
  return b;
};

const setup = () => {
  const net = newNet();
  net_boot(net);
  const sk = openBound(net, 4242, 0, NETLINK_ROUTE);
  // a listener on RTNLGRP_TC (group 4: bit 8)
  const mon = openBound(net, 4343, 8, NETLINK_ROUTE);
  const send = (type: number, flags: number, payload: Uint8Array) =>
    netlink_sendmsg(sk, ROOT, encodeMessage({ type, flags, seq: 3, pid: 4242, payload }), MSG_DONTWAIT, nladdr(0));
  const read = (s = sk) => netlink_recvmsg(s, 65536, MSG_DONTWAIT);
  const loUp = () => {
    const ifi = new Uint8Array(16);
    const v = new DataView(ifi.buffer);
    v.setInt32(4, 1, true);
    v.setUint32(8, 1, true);
    v.setUint32(12, 1, true);
    send(16, NLM_F_REQUEST | NLM_F_ACK, ifi);
    read();
  };
  return { net, sk, mon, send, read, loUp };
};
const errnoOf = (d: Uint8Array): number => (getU16(d, 4) === NLMSG_ERROR ? getS32(d, 16) : Number.NaN);

describe("RTM_GETQDISC", () => {
  it("dumps nothing while lo has the built-in noop qdisc, then its noqueue root", () => {
    const t = setup();
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP, tcmsg(0));
    expect(parseMessages(t.read().data).map((m) => m.type)).toEqual([NLMSG_DONE]);
    t.loUp();
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_DUMP, tcmsg(0));
    const [q] = parseMessages(t.read().data);
    expect(q!.type).toBe(RTM_NEWQDISC);
    expect(getU32(q!.payload, 4)).toBe(1); // ifindex
    expect(getU32(q!.payload, 12)).toBe(0xffffffff); // parent TC_H_ROOT
    expect(new TextDecoder().decode(q!.payload.subarray(24, 31))).toBe("noqueue");
    expect(parseMessages(t.read().data).map((m) => m.type)).toEqual([NLMSG_DONE]);
  });

  it("answers a get through RTNLGRP_TC: the requester only with NLM_F_ECHO", () => {
    const t = setup();
    t.loUp();
    expect(t.read(t.mon).ret).toBe(-11); // lo's RTM_NEWLINK goes to group 1, not 4: nothing here
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_ACK, tcmsg(1, 0xffffffff));
    expect(errnoOf(t.read().data)).toBe(0);
    expect(getU16(t.read(t.mon).data, 4)).toBe(RTM_NEWQDISC);
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO, tcmsg(1, 0xffffffff));
    const echo = t.read();
    expect(getU16(echo.data, 4)).toBe(RTM_NEWQDISC);
    expect(echo.name?.groups).toBe(8);
    expect(errnoOf(t.read().data)).toBe(0);
  });

  it("refuses a handle, a parent or a kind that is not lo's root qdisc", () => {
    const t = setup();
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_ACK, tcmsg(1, 0xffffffff, 0x10000));
    expect(errnoOf(t.read().data)).toBe(-22);
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_ACK, tcmsg(1, 0x10001));
    expect(errnoOf(t.read().data)).toBe(-2);
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_ACK, tcmsg(1));
    expect(errnoOf(t.read().data)).toBe(-2);
    t.send(RTM_GETQDISC, NLM_F_REQUEST | NLM_F_ACK, tcmsg(7, 0xffffffff));
    expect(errnoOf(t.read().data)).toBe(-19);
  });
});

describe("classes, filters and actions of a classless qdisc", () => {
  it("answers ENOENT for a class, the filter and chain checks, the action table missing", () => {
    const t = setup();
    t.send(RTM_GETTCLASS, NLM_F_REQUEST | NLM_F_ACK, tcmsg(1, 0xffffffff));
    expect(errnoOf(t.read().data)).toBe(-2);
    t.send(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_ACK, tcmsg(1, 0xffffffff));
    expect(errnoOf(t.read().data)).toBe(-2); // priority 0
    t.send(RTM_GETTFILTER, NLM_F_REQUEST | NLM_F_ACK, tcmsg(1, 0, 0, 0x10300));
    expect(errnoOf(t.read().data)).toBe(-22); // the root is classless
    t.send(RTM_GETACTION, NLM_F_REQUEST | NLM_F_ACK, new Uint8Array(4));
    expect(errnoOf(t.read().data)).toBe(-22);
    t.send(RTM_GETTCLASS, NLM_F_REQUEST | NLM_F_DUMP, tcmsg(1));
    expect(parseMessages(t.read().data).map((m) => m.type)).toEqual([NLMSG_DONE]);
  });
});
