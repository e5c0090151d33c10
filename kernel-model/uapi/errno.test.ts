import { describe, expect, it } from "vitest";
import { ERRNO, type ErrnoName, errnoName, errnoNumber } from "./errno.js";

describe("errno names", () => {
  it("errnoName takes negative kernel returns: -95 is EOPNOTSUPP", () => {
    expect(errnoName(-95)).toBe("EOPNOTSUPP");
  });

  it("errnoName takes positive errno values: 11 is EAGAIN, never EWOULDBLOCK", () => {
    expect(errnoName(11)).toBe("EAGAIN");
    expect(errnoName(-11)).toBe("EAGAIN");
  });

  it("errnoNumber accepts the aliases EWOULDBLOCK, ENOTSUP and EDEADLOCK", () => {
    expect(errnoNumber("EWOULDBLOCK")).toBe(11);
    expect(errnoNumber("ENOTSUP")).toBe(95);
    expect(errnoNumber("EDEADLOCK")).toBe(35);
    expect(errnoNumber("ENOBUFS")).toBe(105);
  });

  it("unknown numbers and names are undefined", () => {
    expect(errnoName(0)).toBeUndefined();
    expect(errnoName(41)).toBeUndefined(); // Linux leaves 41 unused
    expect(errnoName(9999)).toBeUndefined();
    expect(errnoNumber("ENOTANERRNO")).toBeUndefined();
    expect(errnoNumber("eagain")).toBeUndefined();
  });

  it("names inherited from Object.prototype are not errnos", () => {
    for (const name of ["toString", "constructor", "__proto__", "hasOwnProperty"]) {
      expect(errnoNumber(name)).toBeUndefined();
    }
  });

  it("every errno number maps to one name and back", () => {
    const entries = Object.entries(ERRNO) as Array<[ErrnoName, number]>;
    expect(new Set(entries.map(([, n]) => n)).size).toBe(entries.length);
    for (const [name, n] of entries) {
      expect(errnoName(-n)).toBe(name);
      expect(errnoNumber(name)).toBe(n);
    }
  });

  it("the netlink errnos have their Linux numbers", () => {
    expect(ERRNO).toMatchObject({
      EPERM: 1,
      ENOENT: 2,
      ESRCH: 3,
      EBADF: 9,
      EBUSY: 16,
      ENODEV: 19,
      EINVAL: 22,
      ERANGE: 34,
      ENODATA: 61,
      EMSGSIZE: 90,
      ENOPROTOOPT: 92,
      EPROTONOSUPPORT: 93,
      ESOCKTNOSUPPORT: 94,
      EADDRINUSE: 98,
      ECONNREFUSED: 111,
    });
  });
});
