// nf_sockopt registration and the AF_INET setsockopt/getsockopt path down to it.
import { describe, expect, it } from "vitest";
import { SimFiles } from "../../../sim/files.js";
import { spawnProcess } from "../../../sim/process.js";
import { World } from "../../../sim/world.js";
import { copy_from_user, copy_to_user } from "../../lib/usercopy.js";
import {
  AF_INET,
  ERRNO,
  IP_TTL,
  IPPROTO_ICMP,
  IPPROTO_IP,
  IPPROTO_RAW,
  IPPROTO_UDP,
  PF_INET,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
} from "../../uapi/index.js";
import { type NfSockoptOps, nf_register_sockopt, nf_unregister_sockopt } from "./nf_sockopt.js";

const ops = (over: Partial<NfSockoptOps> = {}): NfSockoptOps => ({
  pf: PF_INET,
  set_optmin: 200 + 1000,
  set_optmax: 1202,
  get_optmin: 1200,
  get_optmax: 1202,
  set: (_sk, val, user, len) => {
    const b = new Uint8Array(len);
    return copy_from_user(b, user, len) === 0 ? val + len : -ERRNO.EFAULT;
  },
  get: (_sk, _val, user, len) => {
    if (copy_to_user(user, Uint8Array.of(7, 8), 2) !== 0) return -ERRNO.EFAULT;
    len.value = 2;
    return 5; // a positive return: getsockopt still returns 0
  },
  ...over,
});

const setup = (caps?: number[]) => {
  const w = new World({ seed: 1 });
  const reg = ops();
  expect(w.insmod(() => nf_register_sockopt(reg))).toBe(0);
  const p = spawnProcess(
    w,
    { name: "t", uid: caps === undefined ? 0 : 1000, ...(caps ? { caps } : {}) },
    async () => {},
  );
  return { w, reg, f: SimFiles.of(p) };
};

describe("nf_register_sockopt", () => {
  it("refuses an overlapping set or get range on the same pf with EBUSY, not on another pf", () => {
    const { w, reg } = setup();
    expect(
      w.insmod(() => nf_register_sockopt(ops({ set_optmin: 1201, set_optmax: 1205, get_optmin: 0, get_optmax: 0 }))),
    ).toBe(-ERRNO.EBUSY);
    expect(
      w.insmod(() => nf_register_sockopt(ops({ set_optmin: 0, set_optmax: 0, get_optmin: 1190, get_optmax: 1201 }))),
    ).toBe(-ERRNO.EBUSY);
    expect(
      w.insmod(() =>
        nf_register_sockopt(ops({ set_optmin: 1202, set_optmax: 1203, get_optmin: 1202, get_optmax: 1203 })),
      ),
    ).toBe(0);
    expect(w.insmod(() => nf_register_sockopt(ops({ pf: 10 })))).toBe(0);
    w.insmod(() => nf_unregister_sockopt(reg));
    expect(w.insmod(() => nf_register_sockopt(ops()))).toBe(0);
  });
});

describe("AF_INET sockets and the netfilter fall-through", () => {
  it("needs CAP_NET_RAW for SOCK_RAW (EPERM), checks the protocol first", () => {
    const { f } = setup([]);
    expect(f.socket(AF_INET, SOCK_RAW, IPPROTO_RAW)).toBe(-ERRNO.EPERM);
    expect(f.socket(AF_INET, SOCK_RAW, IPPROTO_IP)).toBe(-ERRNO.EPROTONOSUPPORT);
    expect(f.socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)).toBe(-ERRNO.EPROTONOSUPPORT);
    expect(f.socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)).toBe(-ERRNO.EACCES);
    expect(f.socket(AF_INET, SOCK_DGRAM, 0)).toBeGreaterThan(0);
    expect(setup([13]).f.socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)).toBeGreaterThan(0);
  });

  it("passes a set handler's return back, ENOPROTOOPT outside every range, EFAULT from the handler", () => {
    const { f } = setup();
    const fd = f.socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    expect(f.setsockopt(fd, IPPROTO_IP, 1200, new Uint8Array(3))).toBe(1203);
    expect(f.setsockopt(fd, IPPROTO_IP, 1202, new Uint8Array(3))).toBe(-ERRNO.ENOPROTOOPT);
    expect(f.setsockopt(fd, IPPROTO_IP, 1201, null, 4)).toBe(-ERRNO.EFAULT);
    // do_ip_setsockopt answers ENOPROTOOPT for any level but SOL_IP, so netfilter still sees it
    expect(f.setsockopt(fd, 6, 1200, new Uint8Array(1))).toBe(1201);
    expect(f.setsockopt(fd, IPPROTO_IP, IP_TTL, Uint8Array.of(0, 1, 0, 0))).toBe(-ERRNO.EINVAL);
  });

  it("getsockopt: the handler's *len comes back, 0 for a positive return, EOPNOTSUPP for another level, EINVAL for a negative optlen", () => {
    const { f } = setup();
    const fd = f.socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    expect(f.getsockopt(fd, IPPROTO_IP, 1201, 16)).toMatchObject({ ret: 0, optlen: 2, data: Uint8Array.of(7, 8) });
    expect(f.getsockopt(fd, IPPROTO_IP, 1201, 16, 0).ret).toBe(-ERRNO.EFAULT);
    expect(f.getsockopt(fd, IPPROTO_IP, 1300, 16).ret).toBe(-ERRNO.ENOPROTOOPT);
    expect(f.getsockopt(fd, 6, 1201, 16).ret).toBe(-ERRNO.EOPNOTSUPP);
    expect(f.getsockopt(fd, IPPROTO_IP, 1201, -1).ret).toBe(-ERRNO.EINVAL);
    expect(f.getsockopt(fd, IPPROTO_IP, IP_TTL, 4)).toMatchObject({
      ret: 0,
      optlen: 4,
      data: Uint8Array.of(64, 0, 0, 0),
    });
  });
});
