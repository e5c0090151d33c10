import { describe, expect, it } from "vitest";
import { user_ptr } from "../../lib/usercopy.js";
import {
  BPF_A,
  BPF_K,
  BPF_LD,
  BPF_LEN,
  BPF_RET,
  BPF_STMT,
  BPF_W,
  ERRNO,
  encodeSockFilters,
  MSG_DONTWAIT,
  SO_ATTACH_FILTER,
  SO_DETACH_FILTER,
  SO_GET_FILTER,
  SO_LOCK_FILTER,
  SOL_SOCKET,
  type SockFilter,
} from "../../uapi/index.js";
import { getsockopt, netlink_recvmsg, netlink_sendmsg, setsockopt } from "./af_netlink.js";
import { datagram, newNet, nladdr, openBound, ROOT } from "./test-helpers.js";

const RET = (k: number): SockFilter => BPF_STMT(BPF_RET | BPF_K, k);
const prog = (p: SockFilter[]) => ({ len: p.length, filter: user_ptr(encodeSockFilters(p)) });
const int = (v: number): Uint8Array => Uint8Array.of(v, 0, 0, 0);

describe("socket filters at delivery (sk_filter in netlink_unicast and do_one_broadcast)", () => {
  it("a unicast the receiver's filter drops counts as sent, is not queued and not counted as a drop", () => {
    const net = newNet();
    const rx = openBound(net, 1);
    const tx = openBound(net, 2);
    expect(setsockopt(rx, ROOT, SOL_SOCKET, SO_ATTACH_FILTER, prog([RET(0)]))).toBe(0);
    expect(netlink_sendmsg(tx, ROOT, datagram(40), MSG_DONTWAIT, nladdr(1))).toBe(40);
    expect(rx.sk_receive_queue.length).toBe(0);
    expect([rx.sk_drops, rx.sk_rmem_alloc]).toEqual([0, 0]);
  });
  it("a filter's shorter answer trims the datagram, and the sender sees the trimmed length", () => {
    const net = newNet();
    const rx = openBound(net, 1);
    const tx = openBound(net, 2);
    expect(setsockopt(rx, ROOT, SOL_SOCKET, SO_ATTACH_FILTER, prog([RET(20)]))).toBe(0);
    expect(netlink_sendmsg(tx, ROOT, datagram(40), MSG_DONTWAIT, nladdr(1))).toBe(20);
    const r = netlink_recvmsg(rx, 100, MSG_DONTWAIT);
    expect([r.ret, r.msg_flags]).toEqual([20, 0]);
  });
  it("a broadcast copy the filter drops is neither delivered nor an overrun", () => {
    const net = newNet();
    const a = openBound(net, 1, 1);
    const b = openBound(net, 2, 1);
    const tx = openBound(net, 3);
    const lenIs40 = [
      BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
      { code: 0x15, jt: 0, jf: 1, k: 40 },
      RET(0),
      BPF_STMT(BPF_RET | BPF_A, 0),
    ];
    expect(setsockopt(a, ROOT, SOL_SOCKET, SO_ATTACH_FILTER, prog(lenIs40))).toBe(0);
    netlink_sendmsg(tx, ROOT, datagram(40), MSG_DONTWAIT, nladdr(0, 1));
    netlink_sendmsg(tx, ROOT, datagram(44), MSG_DONTWAIT, nladdr(0, 1));
    expect(a.sk_receive_queue.toArray().map((s) => s.len)).toEqual([44]);
    expect(b.sk_receive_queue.toArray().map((s) => s.len)).toEqual([40, 44]);
    expect([a.sk_drops, b.sk_drops]).toEqual([0, 0]);
  });
  it("SO_LOCK_FILTER: attach and detach are EPERM once locked, unlocking too; SO_GET_FILTER counts instructions", () => {
    const net = newNet();
    const sk = openBound(net, 1);
    expect(getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, 0).optlen).toBe(0);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_DETACH_FILTER, int(0))).toBe(-ERRNO.ENOENT);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_ATTACH_FILTER, prog([BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0)]))).toBe(
      -ERRNO.EINVAL,
    );
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_ATTACH_FILTER, prog([RET(7)]), 8)).toBe(-ERRNO.EINVAL);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_ATTACH_FILTER, prog([RET(7)]))).toBe(0);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_LOCK_FILTER, int(1))).toBe(0);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_ATTACH_FILTER, prog([RET(9)]))).toBe(-ERRNO.EPERM);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_DETACH_FILTER, int(0))).toBe(-ERRNO.EPERM);
    expect(setsockopt(sk, ROOT, SOL_SOCKET, SO_LOCK_FILTER, int(0))).toBe(-ERRNO.EPERM);
    expect(getsockopt(sk, SOL_SOCKET, SO_LOCK_FILTER, 4).optval).toEqual(int(1));
    const got = getsockopt(sk, SOL_SOCKET, SO_GET_FILTER, 4);
    expect([got.ret, got.optlen]).toEqual([0, 1]);
    expect(got.optval).toEqual(encodeSockFilters([RET(7)]));
  });
});
