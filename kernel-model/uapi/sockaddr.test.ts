import { describe, expect, it } from "vitest";
import { toHex } from "./bytes.js";
import { NetlinkDecodeError } from "./decode-error.js";
import { encodeNlPktinfo, encodeSockaddrNl, parseNlPktinfo, parseSockaddrNl } from "./sockaddr.js";
import { AF_NETLINK } from "./socket.js";

const decodeError = (f: () => unknown): NetlinkDecodeError => {
  try {
    f();
  } catch (e) {
    if (e instanceof NetlinkDecodeError) return e;
    throw e;
  }
  throw new Error("expected a NetlinkDecodeError, nothing was thrown");
};

describe("struct sockaddr_nl and struct nl_pktinfo", () => {
  it("sockaddr_nl is 12 bytes: family AF_NETLINK, pad, pid, groups, little-endian", () => {
    const b = encodeSockaddrNl({ pid: 0x12345678, groups: 0x80000001 });
    expect(toHex(b)).toBe("1000" + "0000" + "78563412" + "01000080");
    expect(parseSockaddrNl(b)).toEqual({ family: AF_NETLINK, pad: 0, pid: 0x12345678, groups: 0x80000001 });
  });

  it("a negative autobind port id is written and read back as its unsigned value", () => {
    expect(parseSockaddrNl(encodeSockaddrNl({ pid: -4097, groups: 0 })).pid).toBe(0xffffefff);
  });

  it("an address under 12 bytes throws short-struct", () => {
    const e = decodeError(() => parseSockaddrNl(new Uint8Array(11)));
    expect([e.problem, e.offset]).toEqual(["short-struct", 0]);
  });

  it("nl_pktinfo carries the group as a u32, groups above 32 included", () => {
    expect(parseNlPktinfo(encodeNlPktinfo(37))).toBe(37);
    expect(decodeError(() => parseNlPktinfo(new Uint8Array(3))).problem).toBe("short-struct");
  });
});
