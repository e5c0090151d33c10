import { describe, expect, it } from "vitest";
import {
  AF_UNSPEC,
  ERRNO,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_PACKET,
  SOCK_RAW,
  SOCK_STREAM,
} from "../../uapi/index.js";
import { netlink_bind, netlink_connect, netlink_create, netlink_getname, netlink_sendmsg } from "./af_netlink.js";
import { netlink_kernel_create } from "./kernel.js";
import { datagram, newNet, nladdr, open, openBound, ROOT, USER, withTgid } from "./test-helpers.js";

describe("socket()", () => {
  it("checks type ≥ SOCK_MAX, then type, then protocol range, then registration", () => {
    const net = newNet();
    expect(netlink_create(net, ROOT, 11, 99)).toBe(-ERRNO.EINVAL);
    expect(netlink_create(net, ROOT, SOCK_STREAM, 99)).toBe(-ERRNO.ESOCKTNOSUPPORT);
    expect(netlink_create(net, ROOT, SOCK_PACKET, NETLINK_USERSOCK)).toBe(-ERRNO.ESOCKTNOSUPPORT);
    expect(netlink_create(net, ROOT, SOCK_RAW, 32)).toBe(-ERRNO.EPROTONOSUPPORT);
    expect(netlink_create(net, ROOT, SOCK_RAW, -1)).toBe(-ERRNO.EPROTONOSUPPORT);
    expect(netlink_create(net, ROOT, SOCK_RAW, 17)).toBe(-ERRNO.EPROTONOSUPPORT);
    expect(netlink_create(net, ROOT, SOCK_RAW, NETLINK_ROUTE)).toBe(-ERRNO.EPROTONOSUPPORT);
  });

  it("accepts RAW and DGRAM with SOCK_NONBLOCK/SOCK_CLOEXEC on USERSOCK and on a unit a module created", () => {
    const net = newNet();
    expect(typeof netlink_create(net, USER, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_USERSOCK)).toBe("object");
    const nb = netlink_create(net, USER, SOCK_RAW | SOCK_NONBLOCK, NETLINK_USERSOCK);
    expect(typeof nb === "object" && nb.file_nonblock).toBe(true);
    expect(netlink_create(net, ROOT, SOCK_RAW | 0x1000, NETLINK_USERSOCK)).toBe(-ERRNO.EINVAL);
    netlink_kernel_create(net, 17, {});
    expect(typeof netlink_create(net, USER, SOCK_RAW, 17)).toBe("object");
  });
});

describe("bind()", () => {
  it("rejects short addresses and other families, without checking pad", () => {
    const net = newNet();
    const sk = open(net);
    expect(netlink_bind(sk, ROOT, nladdr(5), 11)).toBe(-ERRNO.EINVAL);
    const bad = nladdr(5);
    bad[0] = 2;
    expect(netlink_bind(sk, ROOT, bad)).toBe(-ERRNO.EINVAL);
    const padded = nladdr(5);
    padded[2] = 0xff;
    expect(netlink_bind(sk, ROOT, padded)).toBe(0);
    expect(sk.portid).toBe(5);
  });

  it("autobinds to the tgid first, then from the PRNG's negative start counting down", () => {
    // start = −2^31 + floor(x · (2^31 − 4096) / 2^32); x = 2^32 − 1 gives the top of the range, −4097
    const net = newNet(0xffffffff);
    const a = openBound(net, 0, 0, NETLINK_USERSOCK, withTgid(ROOT, 4242));
    expect(a.portid).toBe(4242);
    const b = openBound(net, 0, 0, NETLINK_USERSOCK, withTgid(ROOT, 4242));
    expect(b.portid | 0).toBe(-4097);
    const c = openBound(net, 0, 0, NETLINK_USERSOCK, withTgid(ROOT, 4242));
    // tgid taken → new random start (−4097 again, taken) → counts down to −4098
    expect(c.portid | 0).toBe(-4098);
    const d = open(net);
    netlink_bind(d, ROOT, nladdr(0));
    expect(d.portid).toBe(1000);
  });

  it("draws the negative start from the PRNG (x = 0 gives −2^31)", () => {
    const net = newNet(0);
    openBound(net, 77);
    const b = openBound(net, 0, 0, NETLINK_USERSOCK, withTgid(ROOT, 77));
    expect(b.portid | 0).toBe(-(2 ** 31));
  });

  it("port ids are unique per protocol, not across protocols", () => {
    const net = newNet();
    netlink_kernel_create(net, 17, {});
    openBound(net, 50);
    expect(openBound(net, 50, 0, 17).portid).toBe(50);
  });

  it("EADDRINUSE leaves the socket unbound but getsockname shows the refused pid", () => {
    const net = newNet();
    openBound(net, 50);
    const b = open(net);
    expect(netlink_bind(b, ROOT, nladdr(50))).toBe(-ERRNO.EADDRINUSE);
    expect(b.bound).toBe(false);
    expect(netlink_getname(b, false).pid).toBe(50);
    expect(netlink_bind(b, ROOT, nladdr(51))).toBe(0);
    expect(netlink_getname(b, false).pid).toBe(51);
  });

  it("rebinding: another pid (0 included) is EINVAL; the same pid replaces the low 32 group bits", () => {
    const net = newNet();
    const sk = openBound(net, 60, 0x3);
    expect(netlink_bind(sk, ROOT, nladdr(61))).toBe(-ERRNO.EINVAL);
    expect(netlink_bind(sk, ROOT, nladdr(0))).toBe(-ERRNO.EINVAL);
    expect(netlink_bind(sk, ROOT, nladdr(60, 0x4))).toBe(0);
    const name = netlink_getname(sk, false);
    expect(name).toMatchObject({ ret: 12, pid: 60, groups: 0x4 });
    expect(Array.from(name.addr)).toEqual([16, 0, 0, 0, 60, 0, 0, 0, 4, 0, 0, 0]);
  });

  it("groups need NONROOT_RECV or CAP_NET_ADMIN: USERSOCK refuses an unprivileged listener", () => {
    const net = newNet();
    const sk = open(net, NETLINK_USERSOCK, USER);
    expect(netlink_bind(sk, USER, nladdr(0, 1))).toBe(-ERRNO.EPERM);
    expect(netlink_bind(sk, USER, nladdr(0, 0))).toBe(0);
  });
});

describe("connect() and getpeername", () => {
  it("AF_UNSPEC with 2 bytes disconnects; short or foreign addresses are EINVAL", () => {
    const net = newNet();
    const sk = open(net);
    expect(netlink_connect(sk, ROOT, nladdr(9), 1)).toBe(-ERRNO.EINVAL);
    expect(netlink_connect(sk, ROOT, nladdr(9), 8)).toBe(-ERRNO.EINVAL);
    expect(netlink_connect(sk, ROOT, nladdr(9, 0x6))).toBe(0);
    expect(sk.bound).toBe(true); // connect autobinds
    expect(netlink_getname(sk, true)).toMatchObject({ pid: 9, groups: 0x2 }); // lowest group: 2
    expect(netlink_connect(sk, ROOT, Uint8Array.of(AF_UNSPEC, 0), 2)).toBe(0);
    expect(netlink_getname(sk, true)).toMatchObject({ pid: 0, groups: 0 });
    const other = nladdr(9);
    other[0] = 2;
    expect(netlink_connect(sk, ROOT, other)).toBe(-ERRNO.EINVAL);
  });

  it("a destination needs NONROOT_SEND or CAP_NET_ADMIN", () => {
    const net = newNet();
    netlink_kernel_create(net, 17, {});
    const sk = open(net, 17, USER);
    expect(netlink_connect(sk, USER, nladdr(9))).toBe(-ERRNO.EPERM);
    expect(netlink_connect(sk, USER, nladdr(0, 1))).toBe(-ERRNO.EPERM);
    expect(netlink_connect(sk, USER, nladdr(0, 0))).toBe(0);
    // USERSOCK has NONROOT_SEND
    expect(netlink_connect(open(net, NETLINK_USERSOCK, USER), USER, nladdr(9))).toBe(0);
  });

  it("a connected socket accepts unicast only from its peer: others get ECONNREFUSED", () => {
    const net = newNet();
    const a = openBound(net, 100);
    const b = openBound(net, 200);
    const c = openBound(net, 300);
    expect(netlink_connect(a, ROOT, nladdr(200))).toBe(0);
    expect(netlink_sendmsg(c, ROOT, datagram(20), 0, nladdr(100))).toBe(-ERRNO.ECONNREFUSED);
    expect(netlink_sendmsg(b, ROOT, datagram(20), 0, nladdr(100))).toBe(20);
    expect(netlink_sendmsg(a, ROOT, datagram(20))).toBe(20); // to the connected peer
    expect(b.sk_receive_queue.length).toBe(1);
  });

  it("getpeername of a group above 32 shows groups 0", () => {
    const net = newNet();
    netlink_kernel_create(net, NETLINK_GENERIC, { groups: 64 });
    const sk = open(net, NETLINK_GENERIC);
    sk.dst_group = 40;
    expect(netlink_getname(sk, true).groups).toBe(0);
  });
});
