// Nexthop objects through rtnetlink: creation and its checks, ids, replace, groups shrinking, the
// device flush, RTNLGRP_NEXTHOP notifications, and the IPv4 routes that use a nexthop.
import { describe, expect, it } from "vitest";
import {
  ERRNO,
  encodeMessage,
  getS32,
  getU16,
  getU32,
  MSG_DONTWAIT,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
} from "../../uapi/index.js";
import { RTM_DELNEXTHOP, RTM_GETNEXTHOP, RTM_NEWNEXTHOP } from "../../uapi/rtnetlink.js";
import { net_boot } from "../boot.js";
import { netlink_recvmsg, netlink_sendmsg } from "../netlink/af_netlink.js";
import { attr, cat, newNet, nladdr, openBound, ROOT, u32 } from "../netlink/test-helpers.js";
import { fib_get_table } from "./fib_trie.js";
import {
  NHA_BLACKHOLE,
  NHA_FDB,
  NHA_GATEWAY,
  NHA_GROUP,
  NHA_GROUPS,
  NHA_ID,
  NHA_OIF,
  NHA_OP_FLAG_RESP_GRP_RESVD_0,
  NHA_OP_FLAGS,
} from "./nexthop.js";
import { nexthop_find_by_id } from "./nexthop_h.js";

const RTM_NEWLINK = 16;
const RTM_NEWROUTE = 24;
const RTNLGRP_NEXTHOP = 32;
const NEW = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

/** struct nhmsg */
const nhmsg = (family: number, o: { scope?: number; protocol?: number; flags?: number } = {}): Uint8Array =>
  cat(Uint8Array.of(family, o.scope ?? 0, o.protocol ?? 0, 0), u32(o.flags ?? 0));
/** NHA_GROUP of (id, weight) */
const group = (...entries: Array<readonly [number, number]>): Uint8Array =>
  attr(NHA_GROUP, cat(...entries.map(([id, w]) => cat(u32(id), Uint8Array.of((w - 1) & 0xff, (w - 1) >> 8, 0, 0)))));

/** A booted namespace, a socket that also listens to RTNLGRP_NEXTHOP, and what it reads */
const setup = () => {
  const net = newNet();
  net_boot(net);
  // bound to group 32 through the bind mask's bit 31
  const sk = openBound(net, 4242, 1 << (RTNLGRP_NEXTHOP - 1), NETLINK_ROUTE);
  let seq = 0;
  const notes: string[] = [];
  /** the messages read until the answer to `s`: notifications go to `notes`, the answer is returned */
  const answer = (s: number): { error: number; msgs: Uint8Array[] } => {
    const msgs: Uint8Array[] = [];
    for (;;) {
      const r = netlink_recvmsg(sk, 65536, MSG_DONTWAIT);
      if (r.ret < 0) throw new Error("no answer");
      for (let at = 0; at < r.data.length; ) {
        const len = getU32(r.data, at);
        const m = r.data.subarray(at, at + len);
        const type = getU16(m, 4);
        // a notification carries the request's sequence and flags; a dump's parts have NLM_F_MULTI
        if (getU32(m, 8) !== s || (type !== NLMSG_ERROR && type !== NLMSG_DONE && !(getU16(m, 6) & NLM_F_MULTI)))
          notes.push(describe_nh(m));
        else if (type === NLMSG_ERROR) return { error: getS32(m, 16), msgs };
        else if (type === NLMSG_DONE) return { error: getS32(m, 16), msgs };
        else msgs.push(m);
        at += (len + 3) & ~3;
      }
    }
  };
  const request = (type: number, flags: number, payload: Uint8Array) => {
    netlink_sendmsg(sk, ROOT, encodeMessage({ type, flags, seq: ++seq, pid: 4242, payload }), MSG_DONTWAIT, nladdr(0));
    return answer(seq);
  };
  const newnh = (family: number, attrs: Uint8Array[], flags = NEW, o = {}): number =>
    request(RTM_NEWNEXTHOP, flags, cat(nhmsg(family, o), ...attrs)).error;
  const delnh = (id: number): number =>
    request(RTM_DELNEXTHOP, NLM_F_REQUEST | NLM_F_ACK, cat(nhmsg(0), attr(NHA_ID, u32(id)))).error;
  const dump = (...attrs: Uint8Array[]): string[] =>
    request(RTM_GETNEXTHOP, NLM_F_REQUEST | NLM_F_DUMP, cat(nhmsg(0), ...attrs)).msgs.map(describe_nh);
  const link = (ifindex: number, up: boolean): number =>
    request(
      RTM_NEWLINK,
      NLM_F_REQUEST | NLM_F_ACK,
      cat(Uint8Array.of(0, 0, 0, 0), u32(ifindex), u32(up ? 1 : 0), u32(1)),
    ).error;
  return { net, request, newnh, delnh, dump, link, notes };
};

/** "NEW 3 [1/1,2/3]" / "DEL 7 oif 1": a nexthop message's type, id and what it holds */
const describe_nh = (m: Uint8Array): string => {
  const type = getU16(m, 4);
  const verb = type === RTM_NEWNEXTHOP ? "NEW" : type === RTM_DELNEXTHOP ? "DEL" : `type${type}`;
  const parts: string[] = [];
  let id = 0;
  for (let a = 24; a + 4 <= m.length; a += (getU16(m, a) + 3) & ~3) {
    const len = getU16(m, a);
    const t = getU16(m, a + 2);
    const d = m.subarray(a + 4, a + len);
    if (t === NHA_ID) id = getU32(d, 0);
    else if (t === NHA_OIF) parts.push(`oif ${getU32(d, 0)}`);
    else if (t === NHA_BLACKHOLE) parts.push("blackhole");
    else if (t === NHA_FDB) parts.push("fdb");
    else if (t === NHA_GATEWAY) parts.push(`gw ${[...d].join(".")}`);
    else if (t === NHA_GROUP) {
      const e: string[] = [];
      for (let i = 0; i < d.length; i += 8) e.push(`${getU32(d, i)}/${d[i + 4]! + (d[i + 5]! << 8) + 1}`);
      parts.push(`[${e.join(",")}]`);
    } else if (t === NHA_OP_FLAGS) expect(getU32(d, 0)).toBe(NHA_OP_FLAG_RESP_GRP_RESVD_0);
  }
  return [verb, String(id), ...parts].join(" ");
};

describe("rtm_new_nexthop", () => {
  it("refuses with the kernel's extack before taking an id; a failed creation still uses one up", () => {
    const { newnh, dump, link, request } = setup();
    // lo is down: the blackhole's fib_check_nh fails after nh_find_unused_id took id 1
    expect(newnh(2, [attr(NHA_BLACKHOLE)])).toBe(-ERRNO.ENETDOWN);
    // a device that is down fails in rtm_to_nh_config_rtnl, before an id is taken
    expect(newnh(2, [attr(NHA_OIF, u32(1))])).toBe(-ERRNO.ENETDOWN);
    expect(link(1, true)).toBe(0);
    expect(newnh(2, [attr(NHA_BLACKHOLE)])).toBe(0);
    expect(newnh(0, [attr(NHA_OIF, u32(1))])).toBe(-ERRNO.EINVAL);
    expect(newnh(2, [attr(NHA_ID, u32(3)), attr(NHA_OIF, u32(1))])).toBe(0);
    // the next free id after the last allocated (2) skips 3
    expect(newnh(2, [attr(NHA_OIF, u32(1))])).toBe(0);
    expect(dump()).toEqual(["NEW 2 blackhole", "NEW 3 oif 1", "NEW 4 oif 1"]);
    // a weight of 0xffff + 1 wraps to 0 in the kernel's u16
    const r = request(
      RTM_NEWNEXTHOP,
      NEW,
      cat(nhmsg(0), attr(NHA_GROUP, cat(u32(2), Uint8Array.of(0xff, 0xff, 0, 0)))),
    );
    expect(r.error).toBe(-ERRNO.EINVAL);
  });

  it("EEXIST for a taken id; NLM_F_REPLACE swaps the definition and announces it with the request's flags", () => {
    const { newnh, dump, link, notes } = setup();
    link(1, true);
    expect(newnh(2, [attr(NHA_ID, u32(10)), attr(NHA_OIF, u32(1))], NEW, { protocol: 4 })).toBe(0);
    expect(newnh(2, [attr(NHA_ID, u32(10)), attr(NHA_BLACKHOLE)])).toBe(-ERRNO.EEXIST);
    const replace = NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE;
    expect(newnh(2, [attr(NHA_ID, u32(11)), attr(NHA_BLACKHOLE)], replace)).toBe(-ERRNO.ENOENT);
    expect(newnh(2, [attr(NHA_ID, u32(10)), attr(NHA_BLACKHOLE)], replace)).toBe(0);
    expect(dump()).toEqual(["NEW 10 blackhole"]);
    expect(notes).toEqual(["NEW 10 oif 1", "NEW 10 blackhole"]);
  });
});

describe("groups", () => {
  it("a deleted member shrinks its groups (the newest first) and takes a group it was alone in", () => {
    const { newnh, delnh, dump, link, notes, net } = setup();
    link(1, true);
    for (const id of [1, 2, 3]) expect(newnh(2, [attr(NHA_ID, u32(id)), attr(NHA_OIF, u32(1))])).toBe(0);
    expect(newnh(0, [attr(NHA_ID, u32(100)), group([1, 1], [2, 3])])).toBe(0);
    expect(newnh(0, [attr(NHA_ID, u32(101)), group([3, 1], [1, 1])])).toBe(0);
    expect(newnh(0, [attr(NHA_ID, u32(102)), group([2, 1])])).toBe(0);
    // no group in a group, no unknown member
    expect(newnh(0, [attr(NHA_ID, u32(103)), group([100, 1])])).toBe(-ERRNO.EINVAL);
    expect(newnh(0, [attr(NHA_ID, u32(103)), group([9, 1])])).toBe(-ERRNO.EINVAL);
    expect(dump(attr(NHA_GROUPS))).toEqual(["NEW 100 [1/1,2/3]", "NEW 101 [3/1,1/1]", "NEW 102 [2/1]"]);
    notes.length = 0;
    expect(delnh(1)).toBe(0);
    expect(notes).toEqual(["DEL 1 oif 1", "NEW 101 [3/1]", "NEW 100 [2/3]"]);
    notes.length = 0;
    expect(delnh(2)).toBe(0);
    // 100's entry for 2 was rebuilt when 1 left, and went to the head of 2's grp_list (list_add)
    expect(notes).toEqual(["DEL 2 oif 1", "DEL 100 [2/3]", "DEL 102 [2/1]"]);
    expect(dump(attr(NHA_GROUPS))).toEqual(["NEW 101 [3/1]"]);
    // deleting the group leaves its member, which no longer lists it
    expect(delnh(101)).toBe(0);
    expect(nexthop_find_by_id(net, 3)?.grp_list).toEqual([]);
  });

  it("replaces a group by a group, but not by a nexthop, nor a member of two paths by a blackhole", () => {
    const { newnh, dump, link } = setup();
    link(1, true);
    for (const id of [1, 2]) newnh(2, [attr(NHA_ID, u32(id)), attr(NHA_OIF, u32(1))]);
    newnh(2, [attr(NHA_ID, u32(3)), attr(NHA_BLACKHOLE)]);
    newnh(0, [attr(NHA_ID, u32(100)), group([1, 1], [2, 1])]);
    const replace = NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE;
    expect(newnh(2, [attr(NHA_ID, u32(100)), attr(NHA_OIF, u32(1))], replace)).toBe(-ERRNO.EINVAL);
    expect(newnh(2, [attr(NHA_ID, u32(1)), attr(NHA_BLACKHOLE)], replace)).toBe(-ERRNO.EINVAL);
    expect(newnh(0, [attr(NHA_ID, u32(100)), group([2, 5])], replace)).toBe(0);
    expect(dump(attr(NHA_GROUPS))).toEqual(["NEW 100 [2/5]"]);
    // 1 left the group: it may become a blackhole now
    expect(newnh(2, [attr(NHA_ID, u32(1)), attr(NHA_BLACKHOLE)], replace)).toBe(0);
  });
});

describe("nh_netdev_event", () => {
  it("lo going down flushes its nexthops silently but spares the blackhole", () => {
    const { newnh, dump, link, notes } = setup();
    link(1, true);
    newnh(2, [attr(NHA_ID, u32(1)), attr(NHA_OIF, u32(1))]);
    newnh(2, [attr(NHA_ID, u32(2)), attr(NHA_BLACKHOLE)]);
    newnh(0, [attr(NHA_ID, u32(100)), group([1, 1])]);
    notes.length = 0;
    expect(link(1, false)).toBe(0);
    expect(dump()).toEqual(["NEW 2 blackhole"]);
    expect(notes.filter((n) => n.startsWith("NEW") || n.startsWith("DEL"))).toEqual([]);
  });
});

describe("IPv4 routes through a nexthop", () => {
  const rt = (dst: number, plen: number, ...attrs: Uint8Array[]): Uint8Array =>
    cat(
      Uint8Array.of(2, plen, 0, 0, 254, 3, 0, 1),
      u32(0),
      attr(1, Uint8Array.of(dst >>> 24, (dst >> 16) & 255, 0, 0)),
      ...attrs,
    );

  it("a route takes RTA_NH_ID; deleting the nexthop flushes it", () => {
    const { newnh, delnh, link, request, net } = setup();
    link(1, true);
    newnh(2, [attr(NHA_ID, u32(7)), attr(NHA_BLACKHOLE)]);
    newnh(2, [attr(NHA_ID, u32(8)), attr(NHA_FDB)]);
    expect(request(RTM_NEWROUTE, NEW, rt(0xc0a80000, 16, attr(30, u32(7)))).error).toBe(0);
    expect(request(RTM_NEWROUTE, NEW, rt(0xc0a90000, 16, attr(30, u32(9)))).error).toBe(-ERRNO.EINVAL);
    expect(request(RTM_NEWROUTE, NEW, rt(0xc0a90000, 16, attr(30, u32(8)))).error).toBe(-ERRNO.EINVAL);
    expect(request(RTM_NEWROUTE, NEW, rt(0xc0a90000, 16, attr(30, u32(7)), attr(4, u32(1)))).error).toBe(-ERRNO.EINVAL);
    const main = fib_get_table(net, 254)!;
    expect(main.aliases.map((fa) => fa.fi.nh_obj?.id)).toEqual([7]);
    expect(nexthop_find_by_id(net, 7)!.fi_list).toHaveLength(1);
    expect(delnh(7)).toBe(0);
    expect(main.aliases).toEqual([]);
  });
});

describe("resilient groups", () => {
  const RES = 0x800c;
  const GET_BUCKET = 118;
  const u16 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, v >> 8);

  it("fill their buckets from the underweight list (the last entry first) and move a deleted member's at once", () => {
    const { newnh, delnh, link, request } = setup();
    link(1, true);
    for (const id of [1, 2, 3]) newnh(2, [attr(NHA_ID, u32(id)), attr(NHA_OIF, u32(1))]);
    const type_res = attr(3, u16(1));
    expect(newnh(0, [attr(NHA_ID, u32(100)), group([1, 1], [2, 3]), type_res])).toBe(-ERRNO.EINVAL);
    expect(newnh(0, [attr(NHA_ID, u32(100)), group([1, 1], [2, 3]), type_res, attr(RES, attr(1, u16(8)))])).toBe(0);
    const buckets = (id: number): number[] =>
      request(GET_BUCKET, NLM_F_REQUEST | NLM_F_DUMP, cat(nhmsg(0), attr(NHA_ID, u32(id)))).msgs.map((m) =>
        // the nest's NHA_RES_BUCKET_NH_ID: after NHA_ID (8), the nest header (4) and the index (8)
        getU32(m, 16 + 8 + 8 + 4 + 8 + 4),
      );
    expect(buckets(100)).toEqual([2, 2, 2, 2, 2, 2, 1, 1]);
    expect(
      newnh(0, [attr(NHA_ID, u32(101)), group([1, 1], [2, 1], [3, 1]), type_res, attr(RES, attr(1, u16(6)))]),
    ).toBe(0);
    expect(buckets(101)).toEqual([3, 3, 2, 2, 1, 1]);
    expect(delnh(3)).toBe(0);
    expect(buckets(101)).toEqual([2, 1, 2, 2, 1, 1]);
  });
});
