// The addon against the real kernel (6.18 here): every call non-blocking or time-bounded.
import { afterEach, describe, expect, it } from "vitest";
import {
  capSetEffective,
  intOpt,
  isErrno,
  type NativeErrno,
  type NativeRecv,
  type NetlinkAddon,
  nativeAvailability,
  nativeNetlink,
  POLL_ERROR,
  POLL_READABLE,
  Poller,
  RECV_META,
  readIntOpt,
  sockaddrNl,
} from "./index.js";

const availability = nativeAvailability();
const skip = !availability.ok;
if (!availability.ok) console.warn(`native/native.test.ts skipped: ${availability.reason}`);

const NETLINK_ROUTE = 0;
const NETLINK_USERSOCK = 2;
const CAP_NET_ADMIN = 12;
const LIMIT = 3000; // ms per test

const addon = (): NetlinkAddon => nativeNetlink();

/** The value, or a test failure that names the errno. */
const ok = <T>(r: T | NativeErrno): T => {
  if (isErrno(r)) throw new Error(`unexpected ${r.errno}`);
  return r;
};

const errnoOf = (r: unknown): string | undefined => (isErrno(r) ? r.errno : undefined);

// Sockets opened by a test, closed after it whatever happened.
let opened: number[] = [];
afterEach(() => {
  if (skip) return;
  for (const fd of opened) addon().close(fd);
  opened = [];
});

const open = (protocol = NETLINK_USERSOCK, type?: number): number => {
  const n = addon();
  const fd = ok(n.socket(type ?? n.constants.SOCK_RAW | n.constants.SOCK_CLOEXEC, protocol));
  opened.push(fd);
  return fd;
};

/** A socket autobound (bind pid 0), with its port id. */
const bound = (protocol = NETLINK_USERSOCK): { fd: number; pid: number } => {
  const n = addon();
  const fd = open(protocol);
  ok(n.bind(fd, sockaddrNl(0)));
  return { fd, pid: ok(n.getsockname(fd)).pid };
};

const DONTWAIT = 0x40;

const recv = (fd: number, size = 4096, flags = 0): NativeRecv => ok(addon().recvmsg(fd, size, flags | DONTWAIT));

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe.skipIf(skip)("native AF_NETLINK binding (real kernel)", () => {
  it(
    "a USERSOCK pair exchanges a datagram with msg_name, PKTINFO and SO_PASSCRED credentials",
    () => {
      const n = addon();
      const c = n.constants;
      const a = bound();
      const b = bound();
      expect(a.pid).not.toBe(b.pid);
      ok(n.setsockopt(b.fd, c.SOL_NETLINK, c.NETLINK_PKTINFO, intOpt(1)));
      ok(n.setsockopt(b.fd, c.SOL_SOCKET, c.SO_PASSCRED, intOpt(1)));
      expect(n.sendmsg(a.fd, bytes(1, 2, 3, 4, 5), 0, sockaddrNl(b.pid))).toBe(5);
      const r = recv(b.fd);
      expect(r.ret).toBe(5);
      expect([...r.data]).toEqual([1, 2, 3, 4, 5]);
      expect(r.flags & c.MSG_TRUNC).toBe(0);
      expect(r.name).toEqual({ family: c.AF_NETLINK, pid: a.pid, groups: 0, len: 12 });
      expect(r.pktinfo).toEqual({ group: 0 });
      expect(r.creds).toEqual({ pid: process.pid, uid: 0, gid: 0 });
      expect(r.cmsgs).toEqual([]);
    },
    LIMIT,
  );

  it(
    "MSG_TRUNC: a short buffer gets the head and msg_flags MSG_TRUNC; the call flag returns the full length",
    () => {
      const n = addon();
      const { MSG_TRUNC } = n.constants;
      const a = bound();
      const b = bound();
      ok(n.sendmsg(a.fd, bytes(1, 2, 3, 4, 5, 6, 7, 8), 0, sockaddrNl(b.pid)));
      ok(n.sendmsg(a.fd, bytes(1, 2, 3, 4, 5, 6, 7, 8), 0, sockaddrNl(b.pid)));
      const short = recv(b.fd, 3);
      expect(short.ret).toBe(3);
      expect([...short.data]).toEqual([1, 2, 3]);
      expect(short.flags & MSG_TRUNC).toBe(MSG_TRUNC);
      const full = recv(b.fd, 3, MSG_TRUNC);
      expect(full.ret).toBe(8);
      expect(full.data.length).toBe(3);
      expect(full.flags & MSG_TRUNC).toBe(MSG_TRUNC);
      // the rest of each datagram was discarded: the queue is empty
      expect(errnoOf(n.recvmsg(b.fd, 64, DONTWAIT))).toBe("EAGAIN");
    },
    LIMIT,
  );

  it(
    "MSG_PEEK leaves the datagram queued; an empty queue with MSG_DONTWAIT is EAGAIN",
    () => {
      const n = addon();
      const a = bound();
      const b = bound();
      expect(errnoOf(n.recvmsg(b.fd, 64, DONTWAIT))).toBe("EAGAIN");
      ok(n.sendmsg(a.fd, bytes(9, 8, 7), 0, sockaddrNl(b.pid)));
      const peeked = recv(b.fd, 64, n.constants.MSG_PEEK);
      const read = recv(b.fd, 64);
      expect([...peeked.data]).toEqual([9, 8, 7]);
      expect([...read.data]).toEqual([9, 8, 7]);
      expect(errnoOf(n.recvmsg(b.fd, 64, DONTWAIT))).toBe("EAGAIN");
    },
    LIMIT,
  );

  it(
    "unicast to a port nobody holds (USERSOCK has no kernel socket at 0) is ECONNREFUSED",
    () => {
      const n = addon();
      const a = bound();
      expect(errnoOf(n.sendmsg(a.fd, bytes(1), DONTWAIT, sockaddrNl(0)))).toBe("ECONNREFUSED");
    },
    LIMIT,
  );

  it(
    "binding a taken port id is EADDRINUSE (and getsockname then shows the refused pid)",
    () => {
      const n = addon();
      const a = bound();
      const b = open();
      expect(errnoOf(n.bind(b, sockaddrNl(a.pid)))).toBe("EADDRINUSE");
      // the quirk the spec records: the refused pid shows although the socket stays unbound
      expect(ok(n.getsockname(b)).pid).toBe(a.pid);
      expect(n.bind(b, sockaddrNl(0))).toBe(0);
    },
    LIMIT,
  );

  it(
    "connect records the peer, filters other senders (ECONNREFUSED), and AF_UNSPEC with 2 bytes disconnects",
    () => {
      const n = addon();
      const a = bound();
      const b = bound();
      const other = bound();
      ok(n.connect(b.fd, sockaddrNl(a.pid)));
      expect(ok(n.getpeername(b.fd)).pid).toBe(a.pid);
      expect(errnoOf(n.sendmsg(other.fd, bytes(1), DONTWAIT, sockaddrNl(b.pid)))).toBe("ECONNREFUSED");
      expect(n.connect(b.fd, bytes(0, 0))).toBe(0); // AF_UNSPEC, 2-byte address
      expect(ok(n.getpeername(b.fd))).toMatchObject({ pid: 0, groups: 0 });
      expect(n.sendmsg(other.fd, bytes(1), DONTWAIT, sockaddrNl(b.pid))).toBe(1);
      expect(errnoOf(n.connect(b.fd, sockaddrNl(a.pid).subarray(0, 11)))).toBe("EINVAL");
    },
    LIMIT,
  );

  it(
    "LIST_MEMBERSHIPS reports joined groups and the length it needs",
    () => {
      const n = addon();
      const c = n.constants;
      const fd = open(NETLINK_ROUTE);
      ok(n.bind(fd, sockaddrNl(0)));
      // no membership yet: nothing allocated, the needed length is 0
      expect(ok(n.getsockopt(fd, c.SOL_NETLINK, c.NETLINK_LIST_MEMBERSHIPS, 16)).optlen).toBe(0);
      ok(n.setsockopt(fd, c.SOL_NETLINK, c.NETLINK_ADD_MEMBERSHIP, intOpt(1)));
      ok(n.setsockopt(fd, c.SOL_NETLINK, c.NETLINK_ADD_MEMBERSHIP, intOpt(3)));
      ok(n.setsockopt(fd, c.SOL_NETLINK, c.NETLINK_ADD_MEMBERSHIP, intOpt(37)));
      const all = ok(n.getsockopt(fd, c.SOL_NETLINK, c.NETLINK_LIST_MEMBERSHIPS, 16));
      expect(all.optlen).toBe(8); // ROUTE has 39 groups: ALIGN(ceil(39 / 8), 4)
      expect([...all.data]).toEqual([0b101, 0, 0, 0, 0b10000, 0, 0, 0]); // group 37 is bit 4 of the second u32
      const small = ok(n.getsockopt(fd, c.SOL_NETLINK, c.NETLINK_LIST_MEMBERSHIPS, 4));
      expect(small.optlen).toBe(8);
      expect([...small.data]).toEqual([0b101, 0, 0, 0]);
      expect(ok(n.getsockname(fd)).groups).toBe(0b101);
      expect(errnoOf(n.setsockopt(fd, c.SOL_NETLINK, c.NETLINK_ADD_MEMBERSHIP, intOpt(40)))).toBe("EINVAL");
    },
    LIMIT,
  );

  it(
    "SO_RCVBUF is doubled with a floor: 1024 reads back as 2304",
    () => {
      const n = addon();
      const c = n.constants;
      const fd = open();
      ok(n.setsockopt(fd, c.SOL_SOCKET, c.SO_RCVBUF, intOpt(1024)));
      expect(readIntOpt(ok(n.getsockopt(fd, c.SOL_SOCKET, c.SO_RCVBUF, 4)))).toBe(2304);
      ok(n.setsockopt(fd, c.SOL_SOCKET, c.SO_RCVBUF, intOpt(100_000)));
      expect(readIntOpt(ok(n.getsockopt(fd, c.SOL_SOCKET, c.SO_RCVBUF, 4)))).toBe(200_000);
      // a flag option with optlen 8 reports optlen 4
      expect(ok(n.getsockopt(fd, c.SOL_NETLINK, c.NETLINK_PKTINFO, 8)).optlen).toBe(4);
      expect(errnoOf(n.getsockopt(fd, c.SOL_NETLINK, c.NETLINK_PKTINFO, 2))).toBe("EINVAL");
      expect(errnoOf(n.getsockopt(fd, c.SOL_NETLINK, 6, 4))).toBe("ENOPROTOOPT"); // RX_RING is gone
    },
    LIMIT,
  );

  it(
    "a poller fires when data arrives while the event loop keeps running timers",
    async () => {
      const n = addon();
      const a = bound();
      const b = bound();
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 5);
      try {
        const got = await new Promise<{ data: number[]; ticks: number }>((resolve, reject) => {
          const p = Poller.watch(n, b.fd, POLL_READABLE, (err, events) => {
            if (err !== null) return reject(new Error(err.errno));
            expect(events & POLL_READABLE).toBe(POLL_READABLE);
            const r = recv(b.fd);
            (p as Poller).stop();
            resolve({ data: [...r.data], ticks });
          });
          if (isErrno(p)) return reject(new Error(p.errno));
          setTimeout(() => ok(n.sendmsg(a.fd, bytes(42), 0, sockaddrNl(b.pid))), 60);
        });
        expect(got.data).toEqual([42]);
        expect(got.ticks).toBeGreaterThan(3); // the loop was never blocked while waiting
      } finally {
        clearInterval(ticker);
      }
    },
    LIMIT,
  );

  it(
    "watching does not make a blocking socket non-blocking (SO_RCVTIMEO still applies)",
    () => {
      const n = addon();
      const b = bound();
      const p = ok(Poller.watch(n, b.fd, POLL_READABLE, () => {}));
      // struct timeval {sec 0, usec 30000}
      const tv = new Uint8Array(16);
      new DataView(tv.buffer).setBigInt64(8, 30_000n, true);
      ok(n.setsockopt(b.fd, n.constants.SOL_SOCKET, n.constants.SO_RCVTIMEO, tv));
      const t0 = performance.now();
      expect(errnoOf(n.recvmsg(b.fd, 64, 0))).toBe("EAGAIN");
      expect(performance.now() - t0).toBeGreaterThanOrEqual(20);
      expect(p.stop()).toBe(true);
    },
    LIMIT,
  );

  it(
    "a multicast overrun makes epoll report POLLERR: the poller reports POLL_ERROR, stays armed, recvmsg gives ENOBUFS",
    async () => {
      const n = addon();
      const c = n.constants;
      const listener = open();
      ok(n.setsockopt(listener, c.SOL_SOCKET, c.SO_RCVBUF, intOpt(0))); // 2304: two small skbs
      ok(n.bind(listener, sockaddrNl(0, 1))); // group 1 (root: CAP_NET_ADMIN)
      const sender = bound();
      for (let i = 0; i < 5; i++) {
        // broadcast to group 1, then unicast to port 0, which does not exist on USERSOCK
        expect(errnoOf(n.sendmsg(sender.fd, bytes(i), DONTWAIT, sockaddrNl(0, 1)))).toBe("ECONNREFUSED");
      }
      const seen: number[] = [];
      const events = await new Promise<number>((resolve, reject) => {
        const p = Poller.watch(n, listener, POLL_READABLE, (err, ev) => {
          if (err !== null) return reject(new Error(err.errno));
          seen.push(ev);
          if (seen.length === 1) {
            expect(errnoOf(n.recvmsg(listener, 64, DONTWAIT))).toBe("ENOBUFS");
            return; // stay armed: the queued datagrams make it fire again
          }
          const r = recv(listener);
          (p as Poller).stop();
          resolve(ev);
          expect(r.name?.groups).toBe(1);
        });
        if (isErrno(p)) reject(new Error(p.errno));
      });
      expect(seen[0]).toBe(POLL_READABLE | POLL_ERROR);
      expect(events).toBe(POLL_READABLE);
    },
    LIMIT,
  );

  it(
    "recvmmsg drains several queued datagrams in one call",
    () => {
      const n = addon();
      const a = bound();
      const b = bound();
      for (let i = 0; i < 5; i++) ok(n.sendmsg(a.fd, bytes(i, i, i), 0, sockaddrNl(b.pid)));
      const batch = ok(n.recvmmsg(b.fd, 8, 64, DONTWAIT));
      expect(batch.map((r) => [...r.data])).toEqual([0, 1, 2, 3, 4].map((i) => [i, i, i]));
      expect(batch.every((r) => r.name?.pid === a.pid && r.ret === 3)).toBe(true);
      expect(errnoOf(n.recvmmsg(b.fd, 8, 64, DONTWAIT))).toBe("EAGAIN");
      expect(ok(n.recvmmsg(b.fd, 0, 64, DONTWAIT))).toEqual([]);
    },
    LIMIT,
  );

  it(
    "NETLINK_ROUTE answers NLMSG_NOOP with NLM_F_ACK by a 36-byte capped success ACK",
    () => {
      const n = addon();
      const r = bound(NETLINK_ROUTE);
      const req = new Uint8Array(16);
      const v = new DataView(req.buffer);
      v.setUint32(0, 16, true); // nlmsg_len
      v.setUint16(4, 1, true); // NLMSG_NOOP
      v.setUint16(6, 0x5, true); // NLM_F_REQUEST | NLM_F_ACK
      v.setUint32(8, 77, true); // seq
      expect(n.sendmsg(r.fd, req, 0, sockaddrNl(0))).toBe(16);
      const ack = recv(r.fd, 8192); // the kernel input ran inside sendmsg: the ACK is queued
      const d = new DataView(ack.data.buffer, ack.data.byteOffset, ack.data.length);
      expect(ack.ret).toBe(36);
      expect(ack.name).toMatchObject({ pid: 0, groups: 0 });
      expect(d.getUint32(0, true)).toBe(36);
      expect(d.getUint16(4, true)).toBe(2); // NLMSG_ERROR
      expect(d.getUint16(6, true)).toBe(0x100); // NLM_F_CAPPED
      expect(d.getUint32(8, true)).toBe(77);
      expect(d.getUint32(12, true)).toBe(r.pid);
      expect(d.getInt32(16, true)).toBe(0);
      expect([...ack.data.subarray(20)]).toEqual([...req]);
    },
    LIMIT,
  );

  it(
    "dropping CAP_NET_ADMIN from the effective set (and a non-root euid) makes group bind EPERM; both restore",
    () => {
      const n = addon();
      const fd = open();
      try {
        ok(capSetEffective(n, CAP_NET_ADMIN, false));
        expect(errnoOf(n.bind(fd, sockaddrNl(0, 1)))).toBe("EPERM");
        ok(capSetEffective(n, CAP_NET_ADMIN, true));
        ok(n.setresuid(-1, 65534, -1)); // euid 65534 clears the effective set; suid stays 0
        expect(ok(n.getresids())).toMatchObject({ ruid: 0, euid: 65534, suid: 0 });
        expect(errnoOf(n.bind(fd, sockaddrNl(0, 1)))).toBe("EPERM");
      } finally {
        n.setresuid(-1, 0, -1); // euid 0 again: effective = permitted
        capSetEffective(n, CAP_NET_ADMIN, true);
      }
      expect(ok(n.getresids()).euid).toBe(0);
      expect(n.bind(fd, sockaddrNl(0, 1))).toBe(0);
      expect(n.getpid()).toBe(process.pid);
    },
    LIMIT,
  );

  it(
    "the fast path: sendTo/recvInto carry the same datagram, name, PKTINFO and credentials as sendmsg/recvmsg",
    () => {
      const n = addon();
      const c = n.constants;
      const a = bound();
      const b = bound();
      ok(n.setsockopt(b.fd, c.SOL_NETLINK, c.NETLINK_PKTINFO, intOpt(1)));
      ok(n.setsockopt(b.fd, c.SOL_SOCKET, c.SO_PASSCRED, intOpt(1)));
      expect(n.sendTo(a.fd, bytes(1, 2, 3, 4, 5), 0, b.pid, 0)).toBe(5);
      const buf = new Uint8Array(64);
      const meta = new Uint32Array(RECV_META);
      expect(n.recvInto(b.fd, buf, 64, DONTWAIT, meta)).toBe(5);
      expect([...buf.subarray(0, 5)]).toEqual([1, 2, 3, 4, 5]);
      expect(meta[0]! & c.MSG_TRUNC).toBe(0);
      expect([meta[1], meta[2], meta[3]]).toEqual([12, a.pid, 0]);
      expect(meta[4]).toBe(3); // pktinfo and creds
      expect([meta[5], meta[6], meta[7], meta[8]]).toEqual([0, process.pid, 0, 0]);
      // a short buffer: the head, MSG_TRUNC in msg_flags, the full length with the MSG_TRUNC flag
      ok(n.sendTo(a.fd, bytes(1, 2, 3, 4, 5, 6, 7, 8), 0, b.pid, 0));
      expect(n.recvInto(b.fd, buf, 3, DONTWAIT | c.MSG_TRUNC, meta)).toBe(8);
      expect(meta[0]! & c.MSG_TRUNC).toBe(c.MSG_TRUNC);
      // without an address: the connected destination (none here, so port 0: ECONNREFUSED)
      expect(n.sendTo(a.fd, bytes(1), 0)).toBe(-111);
      expect(n.recvInto(b.fd, buf, 64, DONTWAIT, meta)).toBe(-11); // EAGAIN, as a number
    },
    LIMIT,
  );

  it(
    "recvmmsgInto reads a batch in one call: each datagram at its slot, its length and name in meta",
    () => {
      const n = addon();
      const a = bound();
      const b = bound();
      for (let i = 1; i <= 3; i++) ok(n.sendTo(a.fd, new Uint8Array(i).fill(i), 0, b.pid, 0));
      const size = 16;
      const buf = new Uint8Array(4 * size);
      const meta = new Uint32Array(4 * (RECV_META + 1));
      expect(n.recvmmsgInto(b.fd, buf, 4, size, DONTWAIT, meta)).toBe(3);
      for (let i = 0; i < 3; i++) {
        const m = i * (RECV_META + 1);
        expect(meta[m]).toBe(i + 1);
        expect(meta[m + 3]).toBe(a.pid);
        expect([...buf.subarray(i * size, i * size + i + 1)]).toEqual(new Array(i + 1).fill(i + 1));
      }
      expect(n.recvmmsgInto(b.fd, buf, 4, size, DONTWAIT, meta)).toBe(-11);
    },
    LIMIT,
  );

  describe("misuse returns errors, never crashes", () => {
    it(
      "closed, foreign and made-up fds are EBADF; close twice is EBADF",
      () => {
        const n = addon();
        const fd = ok(n.socket(n.constants.SOCK_RAW, NETLINK_USERSOCK));
        expect(n.close(fd)).toBe(0);
        expect(errnoOf(n.close(fd))).toBe("EBADF");
        expect(errnoOf(n.recvmsg(fd, 16, DONTWAIT))).toBe("EBADF");
        expect(errnoOf(n.sendmsg(fd, bytes(1), 0))).toBe("EBADF");
        expect(errnoOf(n.getsockname(fd))).toBe("EBADF");
        expect(errnoOf(n.close(0))).toBe("EBADF"); // stdin is not ours to close
        expect(errnoOf(n.close(-1))).toBe("EBADF");
        expect(errnoOf(n.recvmsg(1.5, 16, 0))).toBe("EBADF");
        expect(errnoOf(n.pollStart(fd, POLL_READABLE, () => {}))).toBe("EBADF");
      },
      LIMIT,
    );

    it(
      "sizes: negative, fractional or huge is EINVAL; zero reaches the kernel (it consumes the datagram)",
      () => {
        const n = addon();
        const a = bound();
        const b = bound();
        expect(errnoOf(n.recvmsg(b.fd, -1, DONTWAIT))).toBe("EINVAL");
        expect(errnoOf(n.recvmsg(b.fd, 2.5, DONTWAIT))).toBe("EINVAL");
        expect(errnoOf(n.recvmsg(b.fd, 2 ** 40, DONTWAIT))).toBe("EINVAL");
        expect(errnoOf(n.recvmsg(b.fd, Number.NaN, DONTWAIT))).toBe("EINVAL");
        expect(errnoOf(n.recvmmsg(b.fd, 100_000, 16, DONTWAIT))).toBe("EINVAL");
        expect(errnoOf(n.getsockopt(b.fd, 1, 8, -4))).toBe("EINVAL");
        ok(n.sendmsg(a.fd, bytes(1, 2, 3), 0, sockaddrNl(b.pid)));
        const zero = recv(b.fd, 0);
        expect(zero.ret).toBe(0);
        expect(zero.data.length).toBe(0);
        expect(zero.flags & n.constants.MSG_TRUNC).toBe(n.constants.MSG_TRUNC);
        expect(errnoOf(n.recvmsg(b.fd, 16, DONTWAIT))).toBe("EAGAIN");
      },
      LIMIT,
    );

    it(
      "zero-length and odd buffers get the kernel's answer: ENODATA, EINVAL, EOPNOTSUPP",
      () => {
        const n = addon();
        const a = bound();
        expect(errnoOf(n.sendmsg(a.fd, new Uint8Array(0), 0, sockaddrNl(a.pid)))).toBe("ENODATA");
        expect(errnoOf(n.bind(a.fd, new Uint8Array(0)))).toBe("EINVAL");
        expect(errnoOf(n.bind(open(), bytes(16, 0)))).toBe("EINVAL"); // 2 bytes: shorter than sockaddr_nl
        expect(errnoOf(n.sendmsg(a.fd, bytes(1), n.constants.MSG_OOB, sockaddrNl(a.pid)))).toBe("EOPNOTSUPP");
        expect(errnoOf(n.recvmsg(a.fd, 16, n.constants.MSG_OOB | DONTWAIT))).toBe("EOPNOTSUPP");
        // a detached buffer behaves as an empty one
        const detached = new Uint8Array(new ArrayBuffer(4));
        structuredClone(detached.buffer, { transfer: [detached.buffer] });
        expect(errnoOf(n.sendmsg(a.fd, detached, 0, sockaddrNl(a.pid)))).toBe("ENODATA");
        expect(n.setsockopt(a.fd, 270, 3, new Uint8Array(0))).toBe(0); // optlen 0 on a flag: sets 0
        expect(errnoOf(n.socket(3, 32))).toBe("EPROTONOSUPPORT");
        expect(errnoOf(n.socket(1, 0))).toBe("ESOCKTNOSUPPORT");
      },
      LIMIT,
    );

    it(
      "the fast path's misuse is a negative errno: bad fd, size past the buffer, short meta, bad counts",
      () => {
        const n = addon();
        const a = bound();
        const buf = new Uint8Array(16);
        const meta = new Uint32Array(RECV_META);
        expect(n.sendTo(-1, bytes(1), 0, a.pid, 0)).toBe(-9);
        expect(n.recvInto(12345, buf, 16, DONTWAIT, meta)).toBe(-9);
        expect(n.recvInto(a.fd, buf, 17, DONTWAIT, meta)).toBe(-22);
        expect(n.recvInto(a.fd, buf, -1, DONTWAIT, meta)).toBe(-22);
        expect(n.recvInto(a.fd, buf, 16, DONTWAIT, new Uint32Array(RECV_META - 1))).toBe(-22);
        expect(n.sendTo(a.fd, bytes(1), 0, 2 ** 33, 0)).toBe(-22);
        expect(n.recvmmsgInto(a.fd, buf, 0, 16, DONTWAIT, meta)).toBe(-22);
        expect(n.recvmmsgInto(a.fd, buf, 2, 16, DONTWAIT, new Uint32Array(2 * (RECV_META + 1)))).toBe(-22);
        expect(n.recvmmsgInto(a.fd, buf, 5000, 1, DONTWAIT, new Uint32Array(4))).toBe(-22);
        expect(n.sendTo(a.fd, new Uint8Array(0), 0, a.pid, 0)).toBe(-61); // ENODATA from the kernel
        const m = n as unknown as Record<string, (...args: unknown[]) => unknown>;
        expect(() => m.recvInto!(a.fd, buf, 16, DONTWAIT, new Int32Array(RECV_META))).toThrow(TypeError);
        expect(() => m.recvInto!(a.fd, [0], 1, DONTWAIT, meta)).toThrow(TypeError);
        expect(() => m.sendTo!(a.fd, bytes(1), 0, "1", 0)).toThrow(TypeError);
        expect(() => m.sendTo!(a.fd, bytes(1), 0, a.pid, "0")).toThrow("groups must be a number");
        expect(() => m.sendTo!(a.fd, [1], 0, a.pid, 0)).toThrow("data must be a Uint8Array");
        expect(() => m.sendTo!("3", bytes(1), 0)).toThrow("fd must be a number");
        expect(() => m.recvInto!(a.fd, buf, "16", DONTWAIT, meta)).toThrow("size must be a number");
        expect(() => m.recvInto!(a.fd, buf, 16, "0", meta)).toThrow("flags must be a number");
        // a bad fd is found before a bad type, as in every other call
        expect(m.sendTo!(12345, [1], 0)).toBe(-9);
        expect(n.sendTo(a.fd, bytes(1), 1.5, a.pid, 0)).toBe(-22);
        expect(n.recvInto(a.fd, buf, 2.5, DONTWAIT, meta)).toBe(-22);
        // flags, pid and groups absent: 0, no address (ECONNREFUSED unconnected), groups 0
        expect(m.sendTo!(a.fd, bytes(1))).toBe(-111);
        expect(m.sendTo!(a.fd, bytes(1), undefined, null)).toBe(-111);
        expect(m.sendTo!(a.fd, bytes(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), 0, a.pid)).toBe(16);
        expect(n.recvInto(a.fd, buf, 16, DONTWAIT, meta)).toBe(16);
        expect([meta[2], meta[3]]).toEqual([a.pid, 0]);
      },
      LIMIT,
    );

    it(
      "wrong JS types throw TypeError",
      () => {
        const n = addon() as unknown as Record<string, (...args: unknown[]) => unknown>;
        const fd = open();
        expect(() => n.recvmsg!("3", 16, 0)).toThrow(TypeError);
        expect(() => n.recvmsg!(fd, "16", 0)).toThrow(TypeError);
        expect(() => n.sendmsg!(fd, [1, 2, 3], 0)).toThrow(TypeError);
        expect(() => n.sendmsg!(fd, new Uint16Array(2), 0)).toThrow(TypeError);
        expect(() => n.sendmsg!(fd, new Uint8Array(2).buffer, 0)).toThrow(TypeError);
        expect(() => n.sendmsg!(fd, bytes(1), 0, "addr")).toThrow(TypeError);
        expect(() => n.bind!(fd)).toThrow(TypeError);
        expect(() => n.setsockopt!(fd, 1, 8, 1024)).toThrow(TypeError);
        expect(() => n.pollStart!(fd, 1, "not a function")).toThrow(TypeError);
        expect(() => n.capSet!(1, 2, 3)).toThrow(TypeError);
        expect(() => n.socket!()).toThrow(TypeError);
      },
      LIMIT,
    );

    it(
      "one poller per fd (EBUSY); close() stops it and no callback follows",
      async () => {
        const n = addon();
        const a = bound();
        const b = bound();
        let calls = 0;
        const p = ok(Poller.watch(n, b.fd, POLL_READABLE, () => calls++));
        expect(errnoOf(Poller.watch(n, b.fd, POLL_READABLE, () => {}))).toBe("EBUSY");
        ok(n.sendmsg(a.fd, bytes(1), 0, sockaddrNl(b.pid)));
        expect(n.close(b.fd)).toBe(0);
        opened = opened.filter((fd) => fd !== b.fd);
        expect(p.active).toBe(false);
        expect(p.stop()).toBe(false);
        await new Promise((r) => setTimeout(r, 30));
        expect(calls).toBe(0);
        expect(errnoOf(p.update(POLL_READABLE))).toBe("EBADF");
      },
      LIMIT,
    );
  });
});
