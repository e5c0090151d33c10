import { describe, expect, it } from "vitest";
import {
  AF_NETLINK,
  ERRNO,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_CAP_ACK,
  NETLINK_EXT_ACK,
  NETLINK_GET_STRICT_CHK,
  NETLINK_LISTEN_ALL_NSID,
  NETLINK_NO_ENOBUFS,
  NETLINK_PKTINFO,
  NETLINK_RX_RING,
  NETLINK_TX_RING,
  NETLINK_USERSOCK,
  SO_DOMAIN,
  SO_PROTOCOL,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_RCVTIMEO,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SO_TYPE,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../../uapi/index.js";
import { getsockopt, setsockopt } from "./af_netlink.js";
import { NETLINK_F_CAP_ACK, NETLINK_F_EXT_ACK, NETLINK_F_STRICT_CHK } from "./sock.js";
import { newNet, open, ROOT, USER } from "./test-helpers.js";

const int = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
};
const val = (r: { optval: Uint8Array }): number => new DataView(r.optval.buffer).getInt32(0, true);

describe("SOL_SOCKET buffer sizes", () => {
  it("SO_RCVBUF v → max(2·min(v, rmem_max), 2304); SO_RCVBUFFORCE ignores rmem_max and needs CAP_NET_ADMIN", () => {
    const net = newNet();
    const sk = open(net);
    expect(sk.sk_rcvbuf).toBe(212992);
    setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, int(1000));
    expect(sk.sk_rcvbuf).toBe(2304);
    setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, int(10_000_000));
    expect(val(getsockopt(sk, SOL_SOCKET, SO_RCVBUF, 4))).toBe(8388608);
    setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, int(-1));
    expect(sk.sk_rcvbuf).toBe(8388608); // a negative int is a huge u32, clamped to rmem_max
    expect(setsockopt(sk, USER, SOL_SOCKET, SO_RCVBUFFORCE, int(10_000_000))).toBe(-ERRNO.EPERM);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUFFORCE, int(10_000_000))).toBe(0);
    expect(sk.sk_rcvbuf).toBe(20_000_000);
    setsockopt(sk, ROOT, SOL_SOCKET, SO_SNDBUF, int(100));
    expect(sk.sk_sndbuf).toBe(4608);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_SNDBUFFORCE, int(-5))).toBe(0);
    expect(sk.sk_sndbuf).toBe(4608);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, int(1), 2)).toBe(-ERRNO.EINVAL);
  });

  it("SO_TYPE, SO_PROTOCOL, SO_DOMAIN; getsockopt copies min(len, 4) and writes that length back", () => {
    const net = newNet();
    const sk = open(net);
    expect(val(getsockopt(sk, SOL_SOCKET, SO_TYPE, 4))).toBe(SOCK_RAW);
    expect(val(getsockopt(sk, SOL_SOCKET, SO_PROTOCOL, 4))).toBe(NETLINK_USERSOCK);
    expect(val(getsockopt(sk, SOL_SOCKET, SO_DOMAIN, 8))).toBe(AF_NETLINK);
    expect(getsockopt(sk, SOL_SOCKET, SO_DOMAIN, 8).optlen).toBe(4);
    expect(getsockopt(sk, SOL_SOCKET, SO_RCVBUF, 2)).toMatchObject({ ret: 0, optlen: 2 });
    expect(getsockopt(sk, SOL_SOCKET, SO_RCVBUFFORCE, 4).ret).toBe(-ERRNO.ENOPROTOOPT);
  });

  it("SO_RCVTIMEO stores a timeval: bad usec is EDOM, {0,0} means forever", () => {
    const net = newNet();
    const sk = open(net);
    const tv = (sec: number, usec: number): Uint8Array => {
      const b = new Uint8Array(16);
      const dv = new DataView(b.buffer);
      dv.setBigInt64(0, BigInt(sec), true);
      dv.setBigInt64(8, BigInt(usec), true);
      return b;
    };
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVTIMEO, tv(0, 1_000_000))).toBe(-ERRNO.EDOM);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVTIMEO, tv(2, 5), 8)).toBe(-ERRNO.EINVAL);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVTIMEO, tv(2, 5))).toBe(0);
    const r = getsockopt(sk, SOL_SOCKET, SO_RCVTIMEO, 16);
    expect(Array.from(r.optval)).toEqual(Array.from(tv(2, 5)));
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVTIMEO, tv(0, 0))).toBe(0);
    expect(sk.sk_rcvtimeo).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("SOL_NETLINK options", () => {
  it("flags set and read back; getsockopt with optlen 8 returns optlen 4; < 4 is EINVAL", () => {
    const net = newNet();
    const sk = open(net);
    for (const [opt, bit] of [
      [NETLINK_CAP_ACK, NETLINK_F_CAP_ACK],
      [NETLINK_EXT_ACK, NETLINK_F_EXT_ACK],
      [NETLINK_GET_STRICT_CHK, NETLINK_F_STRICT_CHK],
    ] as const) {
      expect(setsockopt(sk, USER, SOL_NETLINK, opt, int(7))).toBe(0);
      expect(sk.flags & bit).toBeTruthy();
      const r = getsockopt(sk, SOL_NETLINK, opt, 8);
      expect([r.ret, r.optlen, val(r)]).toEqual([0, 4, 1]);
    }
    expect(getsockopt(sk, SOL_NETLINK, NETLINK_PKTINFO, 3).ret).toBe(-ERRNO.EINVAL);
  });

  it("optlen < 4 reads as value 0: a flag is cleared, ADD_MEMBERSHIP is group 0 → EINVAL", () => {
    const net = newNet();
    const sk = open(net);
    setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_PKTINFO, int(1));
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_PKTINFO, int(1), 2)).toBe(0);
    expect(val(getsockopt(sk, SOL_NETLINK, NETLINK_PKTINFO, 4))).toBe(0);
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(1), 2)).toBe(-ERRNO.EINVAL);
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_NO_ENOBUFS, new Uint8Array(0), 0)).toBe(0);
  });

  it("RX_RING/TX_RING, unknown options and other levels are ENOPROTOOPT; LISTEN_ALL_NSID needs CAP_NET_BROADCAST", () => {
    const net = newNet();
    const sk = open(net);
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_RX_RING, int(1))).toBe(-ERRNO.ENOPROTOOPT);
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_TX_RING, int(1))).toBe(-ERRNO.ENOPROTOOPT);
    expect(setsockopt(sk, ROOT, SOL_NETLINK, 99, int(1))).toBe(-ERRNO.ENOPROTOOPT);
    expect(setsockopt(sk, ROOT, 271, NETLINK_PKTINFO, int(1))).toBe(-ERRNO.ENOPROTOOPT);
    expect(getsockopt(sk, SOL_NETLINK, NETLINK_RX_RING, 4).ret).toBe(-ERRNO.ENOPROTOOPT);
    expect(getsockopt(sk, 271, NETLINK_PKTINFO, 4).ret).toBe(-ERRNO.ENOPROTOOPT);
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, int(1))).toBe(-ERRNO.EPERM);
    expect(setsockopt(sk, { ...ROOT, caps: new Set([11]) }, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, int(1))).toBe(0);
  });
});
