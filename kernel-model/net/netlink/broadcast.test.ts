import { describe, expect, it } from "vitest";
import {
  ERRNO,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_BROADCAST_ERROR,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_GENERIC,
  NETLINK_LIST_MEMBERSHIPS,
  NETLINK_PKTINFO,
  NETLINK_USERSOCK,
  NL_CFG_F_NONROOT_RECV,
  SO_RCVBUF,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../../uapi/index.js";
import {
  getsockopt,
  netlink_bind,
  netlink_getname,
  netlink_recvmsg,
  netlink_release,
  netlink_sendmsg,
  setsockopt,
} from "./af_netlink.js";
import { netlink_broadcast, netlink_has_listeners, netlink_set_err, nlmsg_multicast } from "./broadcast.js";
import { netlink_kernel_create } from "./kernel.js";
import { nla_put_u32, nlmsg_end, nlmsg_new, nlmsg_put } from "./nlmsg.js";
import { datagram, newNet, nladdr, open, openBound, ROOT, USER } from "./test-helpers.js";

const int = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);

const event = (): ReturnType<typeof nlmsg_new> => {
  const skb = nlmsg_new(8);
  const nlh = nlmsg_put(skb, 0, 0, 0x20, 0, 0)!;
  nla_put_u32(skb, 1, 7);
  nlmsg_end(skb, nlh);
  return skb;
};

describe("USERSOCK user multicast", () => {
  it("sending to {pid 0, groups g} delivers to the listeners, then returns ECONNREFUSED (no port 0)", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const l1 = openBound(net, 2, 0x1);
    const l2 = openBound(net, 3, 0x3);
    const other = openBound(net, 4, 0x2);
    expect(netlink_sendmsg(tx, ROOT, datagram(20), 0, nladdr(0, 1))).toBe(-ERRNO.ECONNREFUSED);
    expect([l1, l2, other].map((s) => s.sk_receive_queue.length)).toEqual([1, 1, 0]);
    expect(netlink_recvmsg(l1, 100, 0).name).toEqual({ pid: 1, groups: 1 });
  });

  it("a sender that is itself a member gets no copy (no self-delivery)", () => {
    const net = newNet();
    const tx = openBound(net, 1, 0x1);
    openBound(net, 2, 0x1);
    netlink_sendmsg(tx, ROOT, datagram(20), 0, nladdr(0, 1));
    expect(tx.sk_receive_queue.length).toBe(0);
  });

  it("a member with port id equal to the exclusion misses it: an unbound member (port 0) misses exclusion 0", () => {
    const net = newNet();
    const tx = openBound(net, 1);
    const unbound = open(net);
    expect(setsockopt(unbound, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(1))).toBe(0);
    expect(unbound.bound).toBe(false); // ADD_MEMBERSHIP does not autobind
    const l = openBound(net, 5, 0x1);
    netlink_sendmsg(tx, ROOT, datagram(20), 0, nladdr(0, 1));
    expect(unbound.sk_receive_queue.length).toBe(0);
    expect(l.sk_receive_queue.length).toBe(1);
    // sending to {pid 5, group 1}: 5 is excluded from the broadcast, then gets the unicast
    netlink_sendmsg(tx, ROOT, datagram(20), 0, nladdr(5, 1));
    expect(unbound.sk_receive_queue.length).toBe(1);
    expect(l.sk_receive_queue.length).toBe(2);
  });
});

describe("netlink_broadcast from a kernel socket", () => {
  it("returns 0 when delivered, −ESRCH to nobody, −ENOBUFS on a BROADCAST_ERROR listener's failure", () => {
    const net = newNet();
    const ksk = netlink_kernel_create(net, 17, { groups: 40 })!;
    expect(netlink_broadcast(ksk, event(), 0, 3)).toBe(-ERRNO.ESRCH);
    expect(netlink_has_listeners(ksk, 3)).toBe(false);
    const a = openBound(net, 10, 0x4, 17);
    expect(netlink_has_listeners(ksk, 3)).toBe(true);
    expect(netlink_broadcast(ksk, event(), 0, 3)).toBe(0);
    setsockopt(a, ROOT, SOL_SOCKET, SO_RCVBUF, int(0));
    for (let i = 0; i < 3; i++) netlink_broadcast(ksk, event(), 0, 3);
    expect(a.sk_drops).toBeGreaterThan(0);
    expect(netlink_broadcast(ksk, event(), 0, 3)).toBe(-ERRNO.ESRCH); // failure without BROADCAST_ERROR
    setsockopt(a, ROOT, SOL_NETLINK, NETLINK_BROADCAST_ERROR, int(1));
    expect(netlink_broadcast(ksk, event(), 0, 3)).toBe(-ERRNO.ENOBUFS);
    openBound(net, 11, 0x4, 17);
    expect(netlink_broadcast(ksk, event(), 0, 3)).toBe(-ERRNO.ENOBUFS); // delivered to 11, failed at 10
    expect(netlink_broadcast(ksk, event(), 11, 3)).toBe(-ERRNO.ENOBUFS); // 11 excluded by port id
  });

  it("groups above 32 are joined with ADD_MEMBERSHIP and reported by PKTINFO, with msg_name groups 0", () => {
    const net = newNet();
    const ksk = netlink_kernel_create(net, 17, { groups: 40 })!;
    const a = openBound(net, 10, 0, 17);
    expect(setsockopt(a, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(37))).toBe(0);
    setsockopt(a, ROOT, SOL_NETLINK, NETLINK_PKTINFO, int(1));
    expect(nlmsg_multicast(ksk, event(), 0, 37)).toBe(0);
    expect(netlink_recvmsg(a, 100, 0)).toMatchObject({ name: { pid: 0, groups: 0 }, pktinfo: 37 });
    // raw netlink_broadcast does not set NETLINK_CB(skb).dst_group: the receiver sees group 0
    expect(netlink_broadcast(ksk, event(), 0, 37)).toBe(0);
    expect(netlink_recvmsg(a, 100, 0)).toMatchObject({ name: { pid: 0, groups: 0 }, pktinfo: 0 });
    // rebinding replaces the low 32 bits and keeps 37
    expect(netlink_bind(a, ROOT, nladdr(10, 0x1))).toBe(0);
    expect(netlink_broadcast(ksk, event(), 0, 37)).toBe(0);
    expect(setsockopt(a, ROOT, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, int(37))).toBe(0);
    expect(netlink_broadcast(ksk, event(), 0, 37)).toBe(-ERRNO.ESRCH);
    expect(setsockopt(a, ROOT, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, int(38))).toBe(0); // non-member: fine
    expect(setsockopt(a, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(41))).toBe(-ERRNO.EINVAL);
    expect(setsockopt(a, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(0))).toBe(-ERRNO.EINVAL);
  });

  it("netlink_set_err sets sk_err on members, skipping NO_ENOBUFS for ENOBUFS", () => {
    const net = newNet();
    const ksk = netlink_kernel_create(net, 17, {})!;
    const a = openBound(net, 10, 0x1, 17);
    const b = openBound(net, 11, 0x1, 17);
    setsockopt(b, ROOT, SOL_NETLINK, 5, int(1));
    expect(netlink_set_err(ksk, 0, 1, -ERRNO.ENOBUFS)).toBe(1);
    expect([a.sk_err, b.sk_err]).toEqual([ERRNO.ENOBUFS, 0]);
  });
});

describe("memberships and permissions", () => {
  it("LIST_MEMBERSHIPS copies the words that fit and reports ALIGN(ceil(groups/8), 4)", () => {
    const net = newNet();
    netlink_kernel_create(net, NETLINK_GENERIC, { groups: 64 });
    const a = openBound(net, 10, 0, NETLINK_GENERIC);
    expect(getsockopt(a, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 16)).toMatchObject({ ret: 0, optlen: 0 });
    setsockopt(a, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(2));
    setsockopt(a, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(40));
    const all = getsockopt(a, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 16);
    expect(all.optlen).toBe(8);
    expect(Array.from(all.optval)).toEqual([2, 0, 0, 0, 0x80, 0, 0, 0]);
    const part = getsockopt(a, SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS, 6);
    expect([part.optlen, part.optval.length]).toEqual([8, 4]);
    expect(netlink_getname(a, false).groups).toBe(2);
  });

  it("an unprivileged caller cannot join groups of USERSOCK (no NONROOT_RECV), a NONROOT_RECV unit allows it", () => {
    const net = newNet();
    const u = open(net, NETLINK_USERSOCK, USER);
    expect(setsockopt(u, USER, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(1))).toBe(-ERRNO.EPERM);
    expect(setsockopt(u, USER, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, int(1))).toBe(-ERRNO.EPERM);
    netlink_kernel_create(net, 18, { flags: NL_CFG_F_NONROOT_RECV });
    const v = open(net, 18, USER);
    expect(netlink_bind(v, USER, nladdr(0, 1))).toBe(0);
    expect(setsockopt(v, USER, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(5))).toBe(0);
  });

  it("the unit's bind callback runs per group of the mask and is undone on failure", () => {
    const net = newNet();
    const log: string[] = [];
    netlink_kernel_create(net, 17, {
      bind: (_n, g) => {
        log.push(`bind ${g}`);
        return g === 3 ? -ERRNO.EACCES : 0;
      },
      unbind: (_n, g) => {
        log.push(`unbind ${g}`);
      },
    });
    const a = open(net, 17);
    expect(netlink_bind(a, ROOT, nladdr(0, 0x7))).toBe(-ERRNO.EACCES);
    expect(log).toEqual(["bind 1", "bind 2", "bind 3", "unbind 1", "unbind 2"]);
    expect(a.bound).toBe(false);
    log.length = 0;
    expect(netlink_bind(a, ROOT, nladdr(0, 0x3))).toBe(0);
    expect(setsockopt(a, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, int(3))).toBe(-ERRNO.EACCES);
    expect(setsockopt(a, ROOT, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, int(2))).toBe(0);
    expect(log).toEqual(["bind 1", "bind 2", "bind 3", "unbind 2"]);
    // a refused insert undoes every group of the mask
    openBound(net, 99, 0, 17);
    const b = open(net, 17);
    log.length = 0;
    expect(netlink_bind(b, ROOT, nladdr(99, 0x1))).toBe(-ERRNO.EADDRINUSE);
    expect(log).toEqual(["bind 1", "unbind 1"]);
  });
});

describe("mc_list and the listener mask at O(1) per change", () => {
  it("after any sequence of binds, joins, leaves and closes: mc_list is newest-first and the mask is the OR of its members", () => {
    const net = newNet();
    const ksk = netlink_kernel_create(net, 25, { groups: 64, flags: NL_CFG_F_NONROOT_RECV });
    expect(ksk).not.toBeNull();
    const socks = Array.from({ length: 12 }, (_, i) => openBound(net, 100 + i, 0, 25));
    const live = new Set(socks);
    // the kernel's way: an array, sk_add_bind_node = unshift, leaving = filter, mask = OR of all
    let ref: typeof socks = [];
    const bits = (s: (typeof socks)[number]): number =>
      s.groups === null ? 0 : s.groups.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0);
    const sync = (): void => {
      for (const s of socks) {
        const on = live.has(s) && bits(s) > 0;
        if (on && !ref.includes(s)) ref.unshift(s);
        if (!on && ref.includes(s)) ref = ref.filter((x) => x !== s);
      }
    };
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const tbl = net.nl_table[25]!;
    for (let step = 0; step < 1000; step++) {
      const s = socks[rnd(socks.length)]!;
      if (!live.has(s)) continue;
      const op = rnd(10);
      if (op < 4) {
        setsockopt(s, ROOT, SOL_NETLINK, op < 2 ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP, int(1 + rnd(64)));
      } else if (op < 8) {
        expect(netlink_bind(s, ROOT, nladdr(s.portid, rnd(4) === 0 ? 0 : 1 << rnd(32)))).toBe(0);
      } else if (op === 8 && rnd(20) === 0) {
        netlink_release(s);
        live.delete(s);
      }
      sync();
      expect(tbl.mc_list).toEqual(ref);
      const mask = new Uint32Array(2);
      for (const m of ref) for (let w = 0; w < 2; w++) mask[w]! |= m.groups![w]!;
      expect([...tbl.listeners!]).toEqual([...mask]);
      const has = Array.from({ length: 64 }, (_, g) => netlink_has_listeners(ksk!, g + 1));
      expect(has).toEqual(Array.from({ length: 64 }, (_, g) => ((mask[g >>> 5]! >>> (g & 31)) & 1) === 1));
    }
  });

  it("a broadcast reaches the members in mc_list order, newest first", () => {
    const net = newNet();
    const ksk = netlink_kernel_create(net, 25, { groups: 32 });
    const order: number[] = [];
    const socks = [101, 102, 103, 104].map((pid) => openBound(net, pid, 1, 25));
    netlink_bind(socks[1]!, ROOT, nladdr(102, 0)); // 102 leaves ...
    netlink_bind(socks[1]!, ROOT, nladdr(102, 1)); // ... and comes back at the head
    for (const s of socks) {
      s.sk_wq.onwake = () => order.push(s.portid);
    }
    expect(net.nl_table[25]!.mc_list.map((s) => s.portid)).toEqual([102, 104, 103, 101]);
    expect(netlink_broadcast(ksk!, event(), 0, 1)).toBe(0);
    expect(order).toEqual([102, 104, 103, 101]);
  });
});
