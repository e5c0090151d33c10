import { describe, expect, it } from "vitest";
import {
  ERRNO,
  MSG_DONTWAIT,
  MSG_OOB,
  MSG_PEEK,
  MSG_TRUNC,
  NETLINK_NO_ENOBUFS,
  NETLINK_PKTINFO,
  SO_ERROR,
  SO_PASSCRED,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_SNDBUF,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../../uapi/index.js";
import { MAX_SCHEDULE_TIMEOUT } from "../core/sock.js";
import {
  getsockopt,
  netlink_connect,
  netlink_recvmsg,
  netlink_release,
  netlink_sendmsg,
  netlink_sendmsg_interrupt,
  netlink_sendmsg_resume,
  setsockopt,
} from "./af_netlink.js";
import { skb_truesize, skb_truesize_large } from "./skb.js";
import { NETLINK_S_CONGESTED, WOULD_BLOCK } from "./sock.js";
import { datagram, newNet, nladdr, open, openBound, ROOT, USER, withTgid } from "./test-helpers.js";

const int = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
};
const timeval = (sec: number, usec: number): Uint8Array => {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(usec), true);
  return b;
};

describe("truesize (spec section 6)", () => {
  it("reproduces the measured table", () => {
    const rows: Array<[number, number]> = [
      [1, 832],
      [256, 832],
      [257, 1280],
      [704, 1280],
      [705, 2304],
      [1728, 2304],
      [1729, 4352],
      [3776, 4352],
      [3777, 8448],
      [7872, 8448],
      [16064, 16640],
      [16065, 33024],
      [32448, 33024],
    ];
    for (const [len, ts] of rows) expect([len, skb_truesize(len)]).toEqual([len, ts]);
  });

  it("a user unicast above 3776 bytes is vmalloc'd: align(len, 64) + 576 (4000 → 4608)", () => {
    expect(skb_truesize_large(4000)).toBe(4608);
    const net = newNet();
    const a = openBound(net, 1);
    const b = openBound(net, 2);
    expect(netlink_sendmsg(a, ROOT, datagram(4000), 0, nladdr(2))).toBe(4000);
    expect(b.sk_rmem_alloc).toBe(4608);
    expect(netlink_sendmsg(a, ROOT, datagram(3776), 0, nladdr(2))).toBe(3776);
    expect(b.sk_rmem_alloc).toBe(4608 + 4352);
  });
});

/** Multicast `len`-byte messages from a fresh sender to one listener until the first drop. */
const queuedBeforeFirstDrop = (rcvbuf: number | null, len: number): number => {
  const net = newNet();
  const tx = openBound(net, 1);
  const rx = openBound(net, 2, 0x1);
  if (rcvbuf !== null) expect(setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(rcvbuf / 2))).toBe(0);
  expect(rx.sk_rcvbuf).toBe(rcvbuf ?? 212992);
  for (let i = 0; i < 10000 && rx.sk_drops === 0; i++) {
    netlink_sendmsg(tx, ROOT, datagram(len), MSG_DONTWAIT, nladdr(0, 1));
  }
  return rx.sk_receive_queue.length;
};

describe("admission and overrun (6.18 rule)", () => {
  it("messages queued before the first drop match the measured counts", () => {
    expect(queuedBeforeFirstDrop(2304, 21)).toBe(2);
    expect(queuedBeforeFirstDrop(2304, 1024)).toBe(1);
    expect(queuedBeforeFirstDrop(null, 16)).toBe(256);
    expect(queuedBeforeFirstDrop(null, 21)).toBe(256);
    expect(queuedBeforeFirstDrop(null, 1024)).toBe(92);
    expect(queuedBeforeFirstDrop(null, 4000)).toBe(25);
  });

  it("an empty queue always accepts, whatever the size", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2, 1);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    expect(rx.sk_rcvbuf).toBe(2304);
    netlink_sendmsg(tx, ROOT, datagram(30000), 0, nladdr(0, 1));
    expect(rx.sk_receive_queue.length).toBe(1);
    expect(rx.sk_rmem_alloc).toBe(33024);
  });

  it("multicast overrun sets ENOBUFS once and counts every drop; sk_err comes before queued data", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2, 1);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    for (let i = 0; i < 5; i++) netlink_sendmsg(tx, ROOT, datagram(21), MSG_DONTWAIT, nladdr(0, 1));
    expect(rx.sk_receive_queue.length).toBe(2);
    expect(rx.sk_drops).toBe(3);
    expect(rx.sk_err).toBe(ERRNO.ENOBUFS);
    expect(rx.state & NETLINK_S_CONGESTED).toBeTruthy();
    expect(netlink_recvmsg(rx, 4096, MSG_DONTWAIT).ret).toBe(-ERRNO.ENOBUFS);
    expect(netlink_recvmsg(rx, 4096, MSG_DONTWAIT).ret).toBe(21);
    // still congested while data is queued: a broadcast is dropped without a new ENOBUFS
    netlink_sendmsg(tx, ROOT, datagram(21), MSG_DONTWAIT, nladdr(0, 1));
    expect(rx.sk_drops).toBe(4);
    expect(rx.sk_err).toBe(0);
    expect(netlink_recvmsg(rx, 4096, MSG_DONTWAIT).ret).toBe(21);
    expect(rx.state & NETLINK_S_CONGESTED).toBe(0); // the read emptied the queue
    expect(netlink_recvmsg(rx, 4096, MSG_DONTWAIT).ret).toBe(-ERRNO.EAGAIN);
    netlink_sendmsg(tx, ROOT, datagram(21), MSG_DONTWAIT, nladdr(0, 1));
    expect(rx.sk_receive_queue.length).toBe(1);
  });

  it("SO_ERROR returns and clears ENOBUFS but not the congestion", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2, 1);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    for (let i = 0; i < 3; i++) netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(0, 1));
    const e = getsockopt(rx, SOL_SOCKET, SO_ERROR, 4);
    expect(e.ret).toBe(0);
    expect(new DataView(e.optval.buffer).getInt32(0, true)).toBe(105);
    expect(rx.sk_err).toBe(0);
    expect(rx.state & NETLINK_S_CONGESTED).toBeTruthy();
    expect(netlink_recvmsg(rx, 100, 0).ret).toBe(21); // the data, not the error
    netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(0, 1));
    expect(rx.sk_drops).toBe(2);
  });

  it("NO_ENOBUFS: drops are counted but no error is raised; setting it clears CONGESTED", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2, 1);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    for (let i = 0; i < 3; i++) netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(0, 1));
    expect(rx.state & NETLINK_S_CONGESTED).toBeTruthy();
    expect(setsockopt(rx, ROOT, SOL_NETLINK, NETLINK_NO_ENOBUFS, int(1))).toBe(0);
    expect(rx.state & NETLINK_S_CONGESTED).toBe(0);
    rx.sk_err = 0;
    for (let i = 0; i < 3; i++) netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(0, 1));
    expect(rx.sk_err).toBe(0);
    expect(rx.sk_drops).toBe(4);
  });

  it("a user sender on a full queue gets EAGAIN, never ENOBUFS, and causes no drop", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    expect(netlink_sendmsg(tx, ROOT, datagram(21), MSG_DONTWAIT, nladdr(2))).toBe(21);
    expect(netlink_sendmsg(tx, ROOT, datagram(21), MSG_DONTWAIT, nladdr(2))).toBe(21);
    expect(netlink_sendmsg(tx, ROOT, datagram(21), MSG_DONTWAIT, nladdr(2))).toBe(-ERRNO.EAGAIN);
    expect(rx.sk_drops).toBe(0);
    expect(rx.sk_err).toBe(0);
  });
});

describe("sendmsg() checks", () => {
  it("MSG_OOB, then length 0, then the address, then autobind, then EMSGSIZE", () => {
    const net = newNet();
    const sk = open(net);
    expect(netlink_sendmsg(sk, ROOT, new Uint8Array(0), MSG_OOB)).toBe(-ERRNO.EOPNOTSUPP);
    expect(netlink_sendmsg(sk, ROOT, new Uint8Array(0), 0, nladdr(1), 3)).toBe(-ERRNO.ENODATA);
    expect(netlink_sendmsg(sk, ROOT, datagram(16), 0, nladdr(1), 11)).toBe(-ERRNO.EINVAL);
    expect(sk.bound).toBe(false);
    expect(netlink_sendmsg(sk, ROOT, datagram(212961), 0, nladdr(1))).toBe(-ERRNO.EMSGSIZE);
    expect(sk.bound).toBe(true); // autobind happened before the size check
    const rx = openBound(net, 1);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(1 << 20));
    expect(netlink_sendmsg(sk, ROOT, datagram(212960), 0, nladdr(1))).toBe(212960);
    setsockopt(sk, ROOT, SOL_SOCKET, SO_SNDBUF, int(0));
    expect(sk.sk_sndbuf).toBe(4608);
    expect(netlink_sendmsg(sk, ROOT, datagram(4577), 0, nladdr(1))).toBe(-ERRNO.EMSGSIZE);
  });

  it("no socket at the port id → ECONNREFUSED; one's own port id is delivered", () => {
    const net = newNet();
    const sk = openBound(net, 7);
    expect(netlink_sendmsg(sk, ROOT, datagram(16), 0, nladdr(8))).toBe(-ERRNO.ECONNREFUSED);
    expect(netlink_sendmsg(sk, ROOT, datagram(16), 0, nladdr(7))).toBe(16);
    expect(netlink_recvmsg(sk, 100, 0).name).toEqual({ pid: 7, groups: 0 });
  });

  it("an unprivileged caller may not address a unit without NONROOT_SEND", async () => {
    const { netlink_kernel_create } = await import("./kernel.js");
    const net = newNet();
    netlink_kernel_create(net, 17, {});
    const sk = open(net, 17, USER);
    expect(netlink_sendmsg(sk, USER, datagram(16), 0, nladdr(5))).toBe(-ERRNO.EPERM);
    expect(netlink_sendmsg(sk, USER, datagram(16), 0, nladdr(0, 1))).toBe(-ERRNO.EPERM);
    expect(netlink_sendmsg(sk, ROOT, datagram(16), 0, nladdr(5))).toBe(-ERRNO.ECONNREFUSED);
  });

  it("NETLINK_CB carries the sender's port id, group and credentials (SO_PASSCRED, PKTINFO)", () => {
    const net = newNet();
    const tx = openBound(net, 0, 0, 2, withTgid(USER, 4321));
    const rx = openBound(net, 9, 0x2); // group 2: the lowest bit of 0x6
    setsockopt(rx, ROOT, SOL_SOCKET, SO_PASSCRED, int(1));
    setsockopt(rx, ROOT, SOL_NETLINK, NETLINK_PKTINFO, int(1));
    netlink_sendmsg(tx, withTgid(USER, 4321), datagram(20), 0, nladdr(0, 0x6));
    const r = netlink_recvmsg(rx, 100, 0);
    expect(r).toMatchObject({ ret: 20, name: { pid: 4321, groups: 0x2 }, pktinfo: 2 });
    expect(r.creds).toEqual({ pid: 4321, uid: 1000, gid: 1000 });
  });
});

describe("recvmsg()", () => {
  it("MSG_PEEK leaves it queued; MSG_TRUNC reports the full length; one datagram per call", () => {
    const net = newNet();
    const a = openBound(net, 1);
    netlink_sendmsg(a, ROOT, datagram(40), 0, nladdr(1));
    netlink_sendmsg(a, ROOT, datagram(24), 0, nladdr(1));
    const p = netlink_recvmsg(a, 10, MSG_PEEK);
    expect([p.ret, p.data.length, p.msg_flags]).toEqual([10, 10, MSG_TRUNC]);
    const t = netlink_recvmsg(a, 10, MSG_TRUNC);
    expect([t.ret, t.data.length, t.msg_flags]).toEqual([40, 10, MSG_TRUNC]);
    const r = netlink_recvmsg(a, 4096, 0);
    expect([r.ret, r.data.length, r.msg_flags]).toEqual([24, 24, 0]);
    expect(a.sk_rmem_alloc).toBe(0);
  });

  it("a read of size 0 consumes the datagram and reports MSG_TRUNC", () => {
    const net = newNet();
    const a = openBound(net, 1);
    netlink_sendmsg(a, ROOT, datagram(40), 0, nladdr(1));
    const r = netlink_recvmsg(a, 0, 0);
    expect([r.ret, r.msg_flags]).toEqual([0, MSG_TRUNC]);
    expect(a.sk_receive_queue.length).toBe(0);
    expect(netlink_recvmsg(a, 0, MSG_OOB).ret).toBe(-ERRNO.EOPNOTSUPP);
  });

  it("an empty queue: EAGAIN when non-blocking, else WOULD_BLOCK on sk_wq with SO_RCVTIMEO", () => {
    const net = newNet();
    const a = openBound(net, 1);
    expect(netlink_recvmsg(a, 10, MSG_DONTWAIT).ret).toBe(-ERRNO.EAGAIN);
    expect(netlink_recvmsg(a, 10, 0).ret).toBe(WOULD_BLOCK);
    expect(a.blocked).toEqual({ op: "recvmsg", wq: a.sk_wq, timeo: MAX_SCHEDULE_TIMEOUT });
    expect(setsockopt(a, ROOT, SOL_SOCKET, SO_RCVTIMEO, timeval(1, 500))).toBe(0);
    expect(netlink_recvmsg(a, 10, 0).ret).toBe(WOULD_BLOCK);
    expect(a.blocked?.timeo).toBe(1_000_500);
    const woken: string[] = [];
    a.sk_wq.onwake = (q) => woken.push(q.kind);
    netlink_sendmsg(a, ROOT, datagram(16), 0, nladdr(1));
    expect(woken).toEqual(["sk_wq"]);
    expect(netlink_recvmsg(a, 100, 0).ret).toBe(16);
    expect(a.blocked).toBeNull();
  });
});

describe("blocking unicast (sender sleeps on the receiver's nlk->wait)", () => {
  it("parks the skb, resumes after a read, and gives EAGAIN when the timeout ran out", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2));
    netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2));
    expect(netlink_sendmsg(tx, ROOT, datagram(22), 0, nladdr(2))).toBe(WOULD_BLOCK);
    expect(tx.blocked).toEqual({ op: "sendmsg", wq: rx.wait, timeo: MAX_SCHEDULE_TIMEOUT });
    expect(netlink_sendmsg_resume(tx, false)).toBe(WOULD_BLOCK); // still full
    const wakes = rx.wait.wakeups;
    netlink_recvmsg(rx, 100, 0);
    expect(rx.wait.wakeups).toBe(wakes + 1); // netlink_rcv_wake
    expect(netlink_sendmsg_resume(tx, false)).toBe(22);
    expect(tx.pending_send).toBeNull();
    netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2));
    expect(netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2))).toBe(WOULD_BLOCK);
    expect(netlink_sendmsg_resume(tx, true)).toBe(-ERRNO.EAGAIN);
    expect(rx.sk_drops).toBe(0);
  });

  it("the receiver's release wakes the sender, whose retry finds no socket (ECONNREFUSED)", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    netlink_sendmsg(tx, ROOT, datagram(2000), 0, nladdr(2));
    expect(netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2))).toBe(WOULD_BLOCK);
    const wakes = rx.wait.wakeups;
    netlink_release(rx);
    expect(rx.wait.wakeups).toBe(wakes + 1);
    expect(netlink_sendmsg_resume(tx, false)).toBe(-ERRNO.ECONNREFUSED);
    expect(netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2))).toBe(-ERRNO.ECONNREFUSED);
  });

  it("a signal gives ERESTARTSYS without a timeout; O_NONBLOCK gives EAGAIN", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const rx = openBound(net, 2);
    setsockopt(rx, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    netlink_sendmsg(tx, ROOT, datagram(2000), 0, nladdr(2));
    expect(netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2))).toBe(WOULD_BLOCK);
    expect(netlink_sendmsg_interrupt(tx)).toBe(-ERRNO.ERESTARTSYS);
    tx.file_nonblock = true;
    expect(netlink_sendmsg(tx, ROOT, datagram(21), 0, nladdr(2))).toBe(-ERRNO.EAGAIN);
  });

  it("connect() gives the default destination and a send without address uses it", () => {
    const net = newNet();
    const tx = open(net);
    const rx = openBound(net, 2);
    expect(netlink_connect(tx, ROOT, nladdr(2))).toBe(0);
    expect(netlink_sendmsg(tx, ROOT, datagram(16))).toBe(16);
    expect(netlink_recvmsg(rx, 100, 0).name?.pid).toBe(1000);
  });
});
