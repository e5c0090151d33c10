// Neighbour entries through rtnetlink: neigh_add / __neigh_update, neigh_delete, proxy entries,
// the dumps and their cursors, the flush of a device, and RTM_GETNEIGHTBL / RTM_SETNEIGHTBL.
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
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  parseMessages,
} from "../../uapi/index.js";
import { net_boot } from "../boot.js";
import { netlink_recvmsg, netlink_sendmsg } from "../netlink/af_netlink.js";
import { attr, cat, newNet, nladdr, openBound, ROOT, u32 } from "../netlink/test-helpers.js";
import {
  NTF_PROXY,
  NTF_ROUTER,
  NUD_DELAY,
  NUD_FAILED,
  NUD_NOARP,
  NUD_PERMANENT,
  NUD_STALE,
  RTM_DELNEIGH,
  RTM_GETNEIGHTBL,
  RTM_NEWNEIGH,
  RTM_NEWNEIGHTBL,
  RTM_SETNEIGHTBL,
} from "./neighbour.js";

const RTM_NEWLINK = 16;
const RTM_GETNEIGH = 30;
const NEW = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

const u64 = (v: number): Uint8Array => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
  return b;
};
const str = (s: string): Uint8Array => new TextEncoder().encode(`${s}\0`);
const v4 = (...b: number[]): Uint8Array => Uint8Array.from(b);
const v6 = (last: number): Uint8Array => Uint8Array.of(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, last);
const LL = Uint8Array.of(10, 11, 12, 13, 14, 15);
const LL2 = Uint8Array.of(10, 11, 12, 13, 14, 16);

/** struct ndmsg */
const ndmsg = (family: number, ifindex: number, state = 0, flags = 0): Uint8Array => {
  const b = new Uint8Array(12);
  const d = new DataView(b.buffer);
  b[0] = family;
  d.setInt32(4, ifindex, true);
  d.setUint16(8, state, true);
  b[10] = flags;
  return b;
};
const neigh = (family: number, ifindex: number, state: number, dst: Uint8Array, lladdr?: Uint8Array, flags = 0) =>
  cat(ndmsg(family, ifindex, state, flags), attr(1, dst), ...(lladdr ? [attr(2, lladdr)] : []));

interface Msg {
  readonly type: number;
  readonly flags: number;
  readonly payload: Uint8Array;
}
/** An entry as "family ifindex state flags type dst [lladdr]" */
const entry = (m: Msg): string => {
  const p = m.payload;
  const parts = [p[0], getS32(p, 4), getU16(p, 8).toString(16), p[10]!.toString(16), p[11]];
  for (let off = 12; off + 4 <= p.length; ) {
    const len = getU16(p, off);
    const type = getU16(p, off + 2);
    if (type === 1 || type === 2) parts.push(Buffer.from(p.subarray(off + 4, off + len)).toString("hex"));
    off += (len + 3) & ~3;
  }
  return parts.join(" ");
};

const setup = () => {
  const net = newNet();
  net_boot(net);
  const sk = openBound(net, 4242, 0, NETLINK_ROUTE);
  // a listener on RTNLGRP_NEIGH
  const mon = openBound(net, 4343, 1 << 2, NETLINK_ROUTE);
  let seq = 0;
  const recvAll = (s = sk): Msg[] => {
    const out: Msg[] = [];
    for (;;) {
      const r = netlink_recvmsg(s, 65536, MSG_DONTWAIT);
      if (r.ret < 0) return out;
      for (const m of parseMessages(r.data)) out.push({ type: m.type, flags: m.flags, payload: m.payload });
    }
  };
  /** a request; the errno of its ACK (0) */
  const send = (type: number, flags: number, payload: Uint8Array): number => {
    netlink_sendmsg(sk, ROOT, encodeMessage({ type, flags, seq: ++seq, pid: 4242, payload }), MSG_DONTWAIT, nladdr(0));
    const err = recvAll().find((m) => m.type === NLMSG_ERROR);
    return err === undefined ? Number.NaN : getS32(err.payload, 0);
  };
  /** a dump's messages (NLMSG_DONE left out) */
  const dump = (type: number, payload: Uint8Array): Msg[] => {
    netlink_sendmsg(
      sk,
      ROOT,
      encodeMessage({ type, flags: NLM_F_REQUEST | NLM_F_DUMP, seq: ++seq, pid: 4242, payload }),
      MSG_DONTWAIT,
      nladdr(0),
    );
    const out: Msg[] = [];
    for (let i = 0; i < 10000; i++) {
      const r = netlink_recvmsg(sk, 65536, MSG_DONTWAIT);
      if (r.ret < 0) break;
      for (const m of parseMessages(r.data)) {
        if (m.type === NLMSG_DONE) return out;
        out.push({ type: m.type, flags: m.flags, payload: m.payload });
      }
    }
    throw new Error("no NLMSG_DONE");
  };
  /** ifb<n> with a fixed address, down (or with a given MTU) */
  const ifb = (name: string, mtu = 1500): number =>
    send(
      RTM_NEWLINK,
      NEW,
      cat(
        new Uint8Array(16),
        attr(3, str(name)),
        attr(1, LL),
        attr(4, u32(mtu)),
        attr(18, attr(1, str("ifb").subarray(0, 3))),
      ),
    );
  const link = (ifindex: number, up: boolean): number => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setInt32(4, ifindex, true);
    b[8] = up ? 1 : 0;
    b[12] = 1;
    return send(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, b);
  };
  const events = (): string[] => recvAll(mon).map((m) => `${m.type === RTM_DELNEIGH ? "del" : "new"} ${entry(m)}`);
  return { net, send, dump, ifb, link, events };
};

describe("neigh_add / __neigh_update / neigh_delete", () => {
  it("creates with NLM_F_CREATE, refuses NLM_F_EXCL and a missing entry without it, announces each change", () => {
    const t = setup();
    expect(t.ifb("ifb0")).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 2), LL))).toBe(0);
    // no local table yet: __inet_dev_addr_type answers RTN_BROADCAST (3)
    expect(t.events()).toEqual(["new 2 2 80 0 3 0a000002 0a0b0c0d0e0f"]);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 2), LL))).toBe(-ERRNO.EEXIST);
    const noCreate = NLM_F_REQUEST | NLM_F_ACK;
    expect(t.send(RTM_NEWNEIGH, noCreate, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 3), LL))).toBe(-ERRNO.ENOENT);
    // another address without NLM_F_REPLACE: ignored, silently; with it: replaced
    expect(t.send(RTM_NEWNEIGH, noCreate, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 2), LL2))).toBe(0);
    expect(t.events()).toEqual([]);
    expect(
      t.send(RTM_NEWNEIGH, noCreate | NLM_F_REPLACE, neigh(2, 2, NUD_STALE, v4(10, 0, 0, 2), LL2, NTF_ROUTER)),
    ).toBe(0);
    expect(t.events()).toEqual(["new 2 2 4 80 3 0a000002 0a0b0c0d0e10"]);
    // delete: the FAILED state is announced with RTM_NEWNEIGH, then RTM_DELNEIGH
    expect(t.send(RTM_DELNEIGH, noCreate, neigh(2, 2, 0, v4(10, 0, 0, 2)))).toBe(0);
    expect(t.events()).toEqual([
      `new 2 2 ${NUD_FAILED.toString(16)} 80 3 0a000002`,
      `del 2 2 ${NUD_FAILED.toString(16)} 80 3 0a000002`,
    ]);
    expect(t.send(RTM_DELNEIGH, noCreate, neigh(2, 2, 0, v4(10, 0, 0, 2)))).toBe(-ERRNO.ENOENT);
  });

  it("files lo's IPv4 entries under 0.0.0.0 and its IPv6 ones as RTN_LOCAL, NOARP with lo's address", () => {
    const t = setup();
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 1, NUD_PERMANENT, v4(10, 9, 9, 1), LL))).toBe(0);
    // a second address with NLM_F_EXCL: the lookup by 10.9.9.2 misses, the constructed key finds 0.0.0.0
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 1, NUD_STALE, v4(10, 9, 9, 2), LL2))).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(10, 1, NUD_NOARP, v6(1)))).toBe(0);
    expect(t.dump(RTM_GETNEIGH, ndmsg(0, 0)).map(entry)).toEqual([
      "2 1 4 0 3 00000000 0a0b0c0d0e10",
      `10 1 ${NUD_NOARP.toString(16)} 0 2 20010db8000000000000000000000001 000000000000`,
    ]);
  });

  it("refuses what starts the timer or resolution: NUD_DELAY, NTF_MANAGED, NTF_USE on an entry not connected", () => {
    const t = setup();
    expect(t.ifb("ifb0")).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_DELAY, v4(10, 0, 0, 2), LL))).toBe(-ERRNO.EOPNOTSUPP);
    const managed = cat(neigh(2, 2, NUD_STALE, v4(10, 0, 0, 2), LL), attr(15, u32(1)));
    expect(t.send(RTM_NEWNEIGH, NEW, managed)).toBe(-ERRNO.EOPNOTSUPP);
    expect(t.dump(RTM_GETNEIGH, ndmsg(2, 0))).toEqual([]);
    // NTF_USE on ifb (NOARP from the constructor) changes nothing; on a permanent entry it would resolve
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_STALE, v4(10, 0, 0, 3), LL, 1))).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 4), LL))).toBe(0);
    const use = NLM_F_REQUEST | NLM_F_ACK;
    expect(t.send(RTM_NEWNEIGH, use, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 4), LL, 1))).toBe(-ERRNO.EOPNOTSUPP);
  });
});

describe("dumps", () => {
  it("resume where a full datagram stopped: 300 entries, each once, newest first", () => {
    const t = setup();
    expect(t.ifb("ifb0")).toBe(0);
    for (let i = 0; i < 300; i++)
      expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_PERMANENT, v4(10, 1, i >> 8, i & 255), LL))).toBe(0);
    const got = t.dump(RTM_GETNEIGH, ndmsg(2, 0)).map((m) => getU32(m.payload, 16));
    expect(got.length).toBe(300);
    expect(new Set(got).size).toBe(300);
    expect(got[0]).toBe(getU32(v4(10, 1, 1, 43), 0));
  });

  it("lists proxy entries in pneigh_hash bucket order, newest first in a bucket", () => {
    const t = setup();
    expect(t.ifb("ifb0")).toBe(0);
    // buckets (the key's last four bytes, little-endian, folded): 10.0.0.5 and 10.0.0.20 → 15,
    // 10.0.0.6 → 12, 10.0.1.0 → 11, 10.0.16.5 → 14
    for (const d of [v4(10, 0, 0, 5), v4(10, 0, 0, 6), v4(10, 0, 1, 0), v4(10, 0, 16, 5), v4(10, 0, 0, 20)])
      expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 0, 0, d, undefined, NTF_PROXY))).toBe(0);
    expect(t.dump(RTM_GETNEIGH, ndmsg(2, 0, 0, NTF_PROXY)).map((m) => entry(m).split(" ")[5])).toEqual([
      "0a000100",
      "0a000006",
      "0a001005",
      "0a000014",
      "0a000005",
    ]);
  });
});

describe("neigh_ifdown", () => {
  it("takes a device's entries on down, newest first, permanent ones too, and its proxies; lo's stay", () => {
    const t = setup();
    expect(t.ifb("ifb0", 1200)).toBe(0);
    expect(t.link(2, true)).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 2), LL))).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_STALE, v4(10, 0, 0, 3), LL))).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, 0, v4(10, 0, 0, 6), undefined, NTF_PROXY))).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(10, 1, NUD_PERMANENT, v6(2), LL))).toBe(0);
    t.events();
    expect(t.link(2, false)).toBe(0);
    expect(t.events()).toEqual(["del 2 2 4 0 3 0a000003 0a0b0c0d0e0f", "del 2 2 80 0 3 0a000002 0a0b0c0d0e0f"]);
    expect(t.dump(RTM_GETNEIGH, ndmsg(0, 0, 0, NTF_PROXY))).toEqual([]);
    expect(t.dump(RTM_GETNEIGH, ndmsg(0, 0)).map(entry)).toEqual([
      "10 1 80 0 2 20010db8000000000000000000000002 0a0b0c0d0e0f",
    ]);
  });
});

describe("RTM_GETNEIGHTBL / RTM_SETNEIGHTBL", () => {
  /** NDTA_PARMS of a message: "ifindex refcnt ucast_probes" */
  const parms = (m: Msg): string => {
    const p = m.payload;
    for (let off = 4; off + 4 <= p.length; off += (getU16(p, off) + 3) & ~3) {
      if (getU16(p, off + 2) !== 6) continue;
      const vals: Record<number, number> = {};
      for (let o = off + 4; o < off + getU16(p, off); o += (getU16(p, o) + 3) & ~3)
        vals[getU16(p, o + 2)] = getU32(p, o + 4);
      return `${vals[1] ?? "-"} ${vals[2]} ${vals[10]}`;
    }
    return "";
  };

  it("per table its defaults, then the devices' parms newest first, NDTPA_REFCNT counting their entries", () => {
    const t = setup();
    expect(t.ifb("ifb0")).toBe(0);
    expect(t.send(RTM_NEWNEIGH, NEW, neigh(2, 2, NUD_PERMANENT, v4(10, 0, 0, 2), LL))).toBe(0);
    const msgs = t.dump(RTM_GETNEIGHTBL, Uint8Array.of(0, 0, 0, 0));
    expect(msgs.every((m) => m.type === RTM_NEWNEIGHTBL)).toBe(true);
    expect(msgs.map((m) => `${m.payload[0]} ${parms(m)}`)).toEqual([
      "2 - 1 3",
      "2 2 2 3",
      "2 1 1 3",
      "10 - 1 3",
      "10 2 1 3",
      "10 1 1 3",
    ]);
    // a device's parms can be set; the defaults (no NDTPA_IFINDEX) are init_net's
    const set = (p: Uint8Array) =>
      t.send(RTM_SETNEIGHTBL, NLM_F_REQUEST | NLM_F_ACK, cat(Uint8Array.of(2, 0, 0, 0), attr(1, str("arp_cache")), p));
    expect(set(attr(6, cat(attr(1, u32(2)), attr(10, u32(7)), attr(6, u64(120000)))))).toBe(0);
    expect(set(attr(6, attr(10, u32(7))))).toBe(-ERRNO.ENOENT);
    expect(set(attr(2, u32(64)))).toBe(-ERRNO.ENOENT);
    expect(t.dump(RTM_GETNEIGHTBL, Uint8Array.of(2, 0, 0, 0)).map(parms)).toEqual(["- 1 3", "2 2 7", "1 1 3"]);
  });
});
