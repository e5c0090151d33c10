// IPv6 addresses through rtnetlink: what inet6_rtm_newaddr, inet6_addr_modify, inet6_rtm_deladdr
// and the device's up and down announce, and in which order.
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
} from "../../uapi/index.js";
import { net_boot } from "../boot.js";
import { netlink_recvmsg, netlink_sendmsg } from "../netlink/af_netlink.js";
import { attr, cat as concat, newNet, nladdr, openBound, ROOT, u32 } from "../netlink/test-helpers.js";

const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const RTM_GETADDR = 22;
const RTM_NEWROUTE = 24;
/** RTNLGRP_IPV6_IFADDR (9) and RTNLGRP_IPV6_ROUTE (11) */
const GROUPS = (1 << 8) | (1 << 10);

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
/** 2001:db8:<w>::<h> */
const v6 = (w: number, h: number): Uint8Array =>
  Uint8Array.of(0x20, 0x01, 0x0d, 0xb8, w >> 8, w & 0xff, 0, 0, 0, 0, 0, 0, 0, 0, h >> 8, h & 0xff);
/** ifaddrmsg {AF_INET6, plen, flags, 0, ifindex} and IFA_ADDRESS, then more attributes */
const ifa = (addr: Uint8Array | null, plen: number, o: { flags?: number; index?: number; attrs?: Uint8Array[] } = {}) =>
  concat(
    Uint8Array.of(10, plen, o.flags ?? 0, 0),
    u32(o.index ?? 1),
    ...(addr === null ? [] : [attr(1, addr)]),
    ...(o.attrs ?? []),
  );

/** One message as a line: "+addr 2001:db8::1/64 c0", "-route 2001:db8::/64 t254 m256" */
const describeMsg = (m: Uint8Array): string => {
  const type = m[4]!;
  let dst = "";
  let metric = -1;
  for (let a = type === RTM_NEWADDR || type === RTM_DELADDR ? 24 : 28; a + 4 <= m.length; ) {
    const len = m[a]! | (m[a + 1]! << 8);
    if (m[a + 2] === 1) dst = hex(m.subarray(a + 4, a + 20));
    if (m[a + 2] === 6 && type >= RTM_NEWROUTE) metric = getU32(m, a + 4);
    a += (len + 3) & ~3;
  }
  if (type === RTM_NEWADDR || type === RTM_DELADDR)
    return `${type === RTM_NEWADDR ? "+" : "-"}addr ${dst}/${m[17]} ${m[18]!.toString(16)}`;
  return `${type === RTM_NEWROUTE ? "+" : "-"}route ${dst}/${m[17]} t${m[20]} m${metric}`;
};

const setup = () => {
  const net = newNet();
  net_boot(net);
  const sk = openBound(net, 4242, 0, NETLINK_ROUTE);
  const l = openBound(net, 4343, GROUPS, NETLINK_ROUTE);
  let seq = 0;
  const messages = (s: typeof sk, want: (m: Uint8Array) => boolean): Uint8Array[] => {
    const out: Uint8Array[] = [];
    for (let r = netlink_recvmsg(s, 65536, MSG_DONTWAIT); r.ret >= 0; r = netlink_recvmsg(s, 65536, MSG_DONTWAIT))
      for (let at = 0; at < r.data.length; at += (getU32(r.data, at) + 3) & ~3) {
        const m = r.data.subarray(at, at + getU32(r.data, at));
        if (want(m)) out.push(m);
      }
    return out;
  };
  /** the request's errno (0 for an ACK) */
  const send = (type: number, flags: number, payload: Uint8Array): number => {
    netlink_sendmsg(sk, ROOT, encodeMessage({ type, flags, seq: ++seq, pid: 4242, payload }), MSG_DONTWAIT, nladdr(0));
    const ack = messages(sk, (m) => m[4] === 2 && getU32(m, 8) === seq);
    if (ack.length !== 1) throw new Error("no answer");
    return getS32(ack[0]!, 16);
  };
  /** what the listener got since the last call */
  const heard = (): string[] => messages(l, () => true).map(describeMsg);
  const lo = (up: boolean) =>
    send(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, concat(u32(0), u32(1), u32(up ? 1 : 0), u32(1)));
  /** the addresses a dump lists, in its order */
  const dump = (): string[] => {
    netlink_sendmsg(
      sk,
      ROOT,
      encodeMessage({
        type: RTM_GETADDR,
        flags: NLM_F_REQUEST | NLM_F_DUMP,
        seq: ++seq,
        pid: 4242,
        payload: ifa(null, 0, { index: 0 }),
      }),
      MSG_DONTWAIT,
      nladdr(0),
    );
    return messages(sk, (m) => m[4] === RTM_NEWADDR).map(describeMsg);
  };
  expect(lo(true)).toBe(0);
  expect(heard()).toEqual([
    "+addr 00000000000000000000000000000001/128 80",
    "+route 00000000000000000000000000000001/128 t255 m0",
  ]);
  /** RTM_GETROUTE do: "oif <n> src <prefsrc>" of the reply, or the errno */
  const getroute = (dst: Uint8Array, attrs: Uint8Array[] = []): string | number => {
    const payload = concat(Uint8Array.of(10, 128, 0, 0, 0, 0, 0, 0), u32(0), attr(1, dst), ...attrs);
    netlink_sendmsg(
      sk,
      ROOT,
      encodeMessage({ type: 26, flags: NLM_F_REQUEST, seq: ++seq, pid: 4242, payload }),
      MSG_DONTWAIT,
      nladdr(0),
    );
    const [m] = messages(sk, (x) => getU32(x, 8) === seq);
    if (m === undefined) throw new Error("no answer");
    if (m[4] === 2) return getS32(m, 16);
    let oif = 0;
    let src = "";
    for (let a = 28; a + 4 <= m.length; a += ((m[a]! | (m[a + 1]! << 8)) + 3) & ~3) {
      if (m[a + 2] === 4) oif = getU32(m, a + 4);
      if (m[a + 2] === 7) src = hex(m.subarray(a + 4, a + 20));
    }
    return `oif ${oif} src ${src}`;
  };
  return { send, heard, lo, dump, getroute };
};

const NEW = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
const DEL = NLM_F_REQUEST | NLM_F_ACK;
const IFA_CACHEINFO = 6;
const IFA_FLAGS = 8;
const IFA_RT_PRIORITY = 9;
const A1 = hex(v6(0, 1));
const P0 = hex(v6(0, 0));

describe("inet6_rtm_newaddr / inet6_rtm_deladdr on lo", () => {
  it("announces the prefix route, the tentative address, then (DAD done) the address and its local route", () => {
    const { send, heard } = setup();
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 64))).toBe(0);
    expect(heard()).toEqual([
      `+route ${P0}/64 t254 m256`,
      `+addr ${A1}/64 c0`,
      `+addr ${A1}/64 80`,
      `+route ${A1}/128 t255 m0`,
    ]);
    // a second address of the prefix: the prefix route is there already
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 2), 64, { flags: 0x02 /* NODAD */ }))).toBe(0);
    expect(heard()).toEqual([`+addr ${hex(v6(0, 2))}/64 82`, `+route ${hex(v6(0, 2))}/128 t255 m0`]);
    // the prefix route stays while a permanent address of the prefix is left
    expect(send(RTM_DELADDR, DEL, ifa(v6(0, 1), 64))).toBe(0);
    expect(heard()).toEqual([`-addr ${A1}/64 80`, `-route ${A1}/128 t255 m0`]);
    expect(send(RTM_DELADDR, DEL, ifa(v6(0, 2), 64))).toBe(0);
    expect(heard()).toEqual([
      `-addr ${hex(v6(0, 2))}/64 82`,
      `-route ${hex(v6(0, 2))}/128 t255 m0`,
      `-route ${P0}/64 t254 m256`,
    ]);
  });

  it("refuses in the kernel's order: the address, the lifetimes, the device, then the prefix length", () => {
    const { send, heard } = setup();
    expect(send(RTM_NEWADDR, NEW, ifa(null, 129, { index: 77 }))).toBe(-ERRNO.EINVAL);
    const lifetime0 = attr(IFA_CACHEINFO, concat(u32(0xffffffff), u32(0), u32(0), u32(0)));
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 129, { index: 77, attrs: [lifetime0] }))).toBe(-ERRNO.EINVAL);
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 129, { index: 77 }))).toBe(-ERRNO.ENODEV);
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 129))).toBe(-ERRNO.EINVAL);
    expect(send(RTM_NEWADDR, NEW, ifa(new Uint8Array(16), 64))).toBe(-ERRNO.EADDRNOTAVAIL);
    expect(send(RTM_DELADDR, DEL, ifa(v6(0, 1), 129, { index: 77 }))).toBe(-ERRNO.EINVAL);
    expect(send(RTM_DELADDR, DEL, ifa(v6(0, 1), 64, { index: 77 }))).toBe(-ERRNO.ENODEV);
    expect(send(RTM_DELADDR, DEL, ifa(v6(0, 1), 64))).toBe(-ERRNO.EADDRNOTAVAIL);
    expect(heard()).toEqual([]);
  });

  it("an address that expires is refused as not modelled; preferred lifetime 0 only deprecates", () => {
    const { send, heard } = setup();
    const ci = (pref: number, valid: number) => attr(IFA_CACHEINFO, concat(u32(pref), u32(valid), u32(0), u32(0)));
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 64, { attrs: [ci(100, 200)] }))).toBe(-ERRNO.EOPNOTSUPP);
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 64, { flags: 0x02, attrs: [ci(0, 0xffffffff)] }))).toBe(0);
    expect(heard()).toEqual([`+route ${P0}/64 t254 m256`, `+addr ${A1}/64 a2`, `+route ${A1}/128 t255 m0`]);
  });
});

describe("inet6_addr_modify (NLM_F_REPLACE)", () => {
  it("is EEXIST without NLM_F_REPLACE or with NLM_F_EXCL; moves or drops the prefix route", () => {
    const { send, heard } = setup();
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 64, { flags: 0x02 }))).toBe(0);
    heard();
    const REPLACE = NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE;
    expect(send(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE, ifa(v6(0, 1), 64))).toBe(-ERRNO.EEXIST);
    expect(send(RTM_NEWADDR, REPLACE | NLM_F_EXCL, ifa(v6(0, 1), 64))).toBe(-ERRNO.EEXIST);
    // another metric: the prefix route is deleted and added again
    expect(send(RTM_NEWADDR, REPLACE, ifa(v6(0, 1), 64, { attrs: [attr(IFA_RT_PRIORITY, u32(300))] }))).toBe(0);
    expect(heard()).toEqual([`+addr ${A1}/64 80`, `-route ${P0}/64 t254 m256`, `+route ${P0}/64 t254 m300`]);
    // IFA_F_NOPREFIXROUTE takes it away, its absence brings it back (at the address's metric)
    expect(send(RTM_NEWADDR, REPLACE, ifa(v6(0, 1), 64, { attrs: [attr(IFA_FLAGS, u32(0x200))] }))).toBe(0);
    expect(heard()).toEqual([`+addr ${A1}/64 80`, `-route ${P0}/64 t254 m300`]);
    expect(send(RTM_NEWADDR, REPLACE, ifa(v6(0, 1), 64))).toBe(0);
    expect(heard()).toEqual([`+addr ${A1}/64 80`, `+route ${P0}/64 t254 m300`]);
    // IFA_F_MANAGETEMPADDR needs a /64
    expect(send(RTM_NEWADDR, NEW, ifa(v6(1, 1), 80, { flags: 0x02 }))).toBe(0);
    heard();
    expect(send(RTM_NEWADDR, REPLACE, ifa(v6(1, 1), 80, { attrs: [attr(IFA_FLAGS, u32(0x100))] }))).toBe(-ERRNO.EINVAL);
    expect(heard()).toEqual([]);
  });
});

describe("the address list and the device's state", () => {
  it("lists addresses by scope, the newest first within one", () => {
    const { send, dump } = setup();
    const ll = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    for (const a of [v6(0, 1), ll, v6(0, 2)]) expect(send(RTM_NEWADDR, NEW, ifa(a, 64, { flags: 0x02 }))).toBe(0);
    expect(dump().map((s) => s.split(" ")[1])).toEqual([
      `${hex(v6(0, 2))}/64`,
      `${A1}/64`,
      `${hex(ll)}/64`,
      "00000000000000000000000000000001/128",
    ]);
  });

  it("lo down takes every route through it, then every address; up brings ::1 back alone", () => {
    const { send, heard, lo, dump } = setup();
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 64, { flags: 0x02 }))).toBe(0);
    heard();
    expect(lo(false)).toBe(0);
    expect(heard()).toEqual([
      `-route ${P0}/64 t254 m256`,
      "-route 00000000000000000000000000000001/128 t255 m0",
      `-route ${A1}/128 t255 m0`,
      `-addr ${A1}/64 82`,
      "-addr 00000000000000000000000000000001/128 80",
    ]);
    expect(dump()).toEqual([]);
    expect(lo(true)).toBe(0);
    expect(heard()).toEqual([
      "+addr 00000000000000000000000000000001/128 80",
      "+route 00000000000000000000000000000001/128 t255 m0",
    ]);
    expect(dump()).toEqual(["+addr 00000000000000000000000000000001/128 80"]);
  });
});

describe("addresses on an ifb device (IFF_NOARP)", () => {
  it("down: DAD completes at once, the local route but no prefix route; up: addrconf_permanent_addr and the EUI-64 link-local address", () => {
    const { send, heard } = setup();
    const name = attr(3, new TextEncoder().encode("ifb0\0"));
    const mac = attr(1, Uint8Array.of(2, 0, 0, 0, 0, 1));
    const kind = attr(18, attr(1, new TextEncoder().encode("ifb")));
    const create = concat(new Uint8Array(16), name, mac, kind);
    expect(send(RTM_NEWLINK, NEW, create)).toBe(0);
    heard();
    expect(send(RTM_NEWADDR, NEW, ifa(v6(0, 1), 64, { index: 2 }))).toBe(0);
    expect(heard()).toEqual([`+addr ${A1}/64 c0`, `+addr ${A1}/64 80`, `+route ${A1}/128 t255 m0`]);
    expect(send(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, concat(u32(0), u32(2), u32(1), u32(1)))).toBe(0);
    const ll = "fe80000000000000000000fffe000001";
    expect(heard()).toEqual([
      `+route ${P0}/64 t254 m256`,
      "+route ff000000000000000000000000000000/8 t255 m256",
      "+route fe800000000000000000000000000000/64 t254 m256",
      `+addr ${ll}/64 80`,
      `+route ${ll}/128 t255 m0`,
    ]);
  });
});

describe("inet6_rtm_getroute and ipv6_dev_get_saddr", () => {
  it("chooses the source by the same address, then scope, deprecation, label and prefix length", () => {
    const { send, getroute } = setup();
    const ula = Uint8Array.of(0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    const deprecated = attr(IFA_CACHEINFO, concat(u32(0), u32(0xffffffff), u32(0), u32(0)));
    expect(send(RTM_NEWADDR, NEW, ifa(v6(1, 1), 64, { flags: 0x02 }))).toBe(0);
    expect(send(RTM_NEWADDR, NEW, ifa(ula, 64, { flags: 0x02 }))).toBe(0);
    expect(send(RTM_NEWADDR, NEW, ifa(v6(2, 1), 64, { flags: 0x02, attrs: [deprecated] }))).toBe(0);
    // the prefix routes through lo are rejects of type unicast: no error, the route answers
    expect(getroute(v6(1, 5))).toBe(`oif 1 src ${hex(v6(1, 1))}`);
    // fd00::/7 has label 5 like fd00::1; 2001:db8::/32 shares ::/0's label 1 with 2001:db8:1::1
    expect(getroute(Uint8Array.of(0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7))).toBe(`oif 1 src ${hex(ula)}`);
    // the deprecated address loses to the other one of its scope, but is its own source
    expect(getroute(v6(2, 5))).toBe(`oif 1 src ${hex(v6(1, 1))}`);
    expect(getroute(v6(2, 1))).toBe(`oif 1 src ${hex(v6(2, 1))}`);
    expect(getroute(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe(
      "oif 1 src 00000000000000000000000000000001",
    );
  });

  it("answers a reject route's error, and ENETUNREACH without a route or off the flow's device", () => {
    const { send, getroute } = setup();
    const reject = (type: number, w: number) =>
      concat(Uint8Array.of(10, 48, 0, 0, 254, 3, 0, type), u32(0), attr(1, v6(w, 0)));
    expect(send(RTM_NEWROUTE, NEW, reject(7, 5))).toBe(0);
    expect(send(RTM_NEWROUTE, NEW, reject(6, 6))).toBe(0);
    expect(send(RTM_NEWROUTE, NEW, reject(8, 7))).toBe(0);
    expect(getroute(v6(5, 1))).toBe(-ERRNO.EHOSTUNREACH);
    expect(getroute(v6(6, 1))).toBe(-ERRNO.EINVAL);
    expect(getroute(v6(7, 1))).toBe(-ERRNO.EACCES);
    expect(getroute(v6(9, 1))).toBe(-ERRNO.ENETUNREACH);
    // ::1 through device 2 (none): RT6_LOOKUP_F_IFACE, so the local route through lo does not do
    expect(getroute(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), [attr(4, u32(2))])).toBe(
      -ERRNO.ENETUNREACH,
    );
  });
});
