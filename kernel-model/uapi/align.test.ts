import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NLA_ALIGN, NLMSG_ALIGN, NLMSG_LENGTH, NLMSG_NEXT, NLMSG_OK, NLMSG_PAYLOAD, NLMSG_SPACE } from "./align.js";
import { encodeMessage, encodeMessages } from "./msg.js";
import { NLA_HDRLEN, NLMSG_HDRLEN } from "./netlink.js";

describe("NLMSG_* and NLA_* macros, against their C values", () => {
  it("NLMSG_ALIGN rounds up to 4", () => {
    expect([0, 1, 2, 3, 4, 5, 16, 17, 20, 21].map(NLMSG_ALIGN)).toEqual([0, 4, 4, 4, 4, 8, 16, 20, 20, 24]);
  });

  it("NLMSG_ALIGN computes in unsigned 32-bit arithmetic like the 4U macro", () => {
    expect(NLMSG_ALIGN(0x7ffffffe)).toBe(0x80000000);
    expect(NLMSG_ALIGN(0xfffffff0)).toBe(0xfffffff0);
    expect(NLMSG_ALIGN(0xfffffff1)).toBe(0xfffffff4);
    expect(NLMSG_ALIGN(0xfffffffd)).toBe(0); // wraps past 2^32
  });

  it("NLMSG_ALIGN(n) is (ceil(n / 4) * 4) mod 2^32 for every u32", () => {
    fc.assert(
      fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), (i) => {
        const n = i >>> 0;
        expect(NLMSG_ALIGN(n)).toBe((Math.ceil(n / 4) * 4) % 2 ** 32);
      }),
      { seed: 42, numRuns: 500 },
    );
  });

  it("NLMSG_HDRLEN is 16; NLMSG_LENGTH adds it; NLMSG_SPACE aligns that", () => {
    expect(NLMSG_HDRLEN).toBe(16);
    expect([0, 4, 5].map(NLMSG_LENGTH)).toEqual([16, 20, 21]);
    expect([0, 1, 4, 5].map(NLMSG_SPACE)).toEqual([16, 20, 20, 24]);
  });

  it("NLMSG_PAYLOAD is nlmsg_len minus NLMSG_SPACE(family header)", () => {
    expect(NLMSG_PAYLOAD(21, 0)).toBe(5);
    expect(NLMSG_PAYLOAD(36, 16)).toBe(4); // an ifinfomsg and 4 bytes of attributes
    expect(NLMSG_PAYLOAD(24, 5)).toBe(0); // a 5-byte header occupies 8
  });

  it("NLA_ALIGN rounds up to 4 and NLA_HDRLEN is 4", () => {
    expect([0, 1, 4, 5, 6, 7, 8].map(NLA_ALIGN)).toEqual([0, 4, 4, 8, 8, 8, 8]);
    expect(NLA_HDRLEN).toBe(4);
  });

  it("NLMSG_OK needs 16 bytes left, nlmsg_len ≥ 16 and nlmsg_len ≤ what is left", () => {
    const m = encodeMessage({ type: 1, payload: new Uint8Array(4) });
    expect(NLMSG_OK(m, 0, 20)).toBe(true);
    expect(NLMSG_OK(m, 0, 19)).toBe(false);
    expect(NLMSG_OK(m, 0, 15)).toBe(false);
    expect(NLMSG_OK(encodeMessage({ type: 1, len: 15 }), 0, 16)).toBe(false);
    expect(NLMSG_OK(encodeMessage({ type: 1 }), 0, 16)).toBe(true);
    expect(NLMSG_OK(m, 8, 20)).toBe(false); // no header fits at 8 in a 20-byte buffer
  });

  it("NLMSG_NEXT steps by NLMSG_ALIGN(nlmsg_len) and lets len go negative like the C loop", () => {
    const b = encodeMessages([
      { type: 1, payload: new Uint8Array(4) },
      { type: 2, payload: new Uint8Array(5) },
    ]);
    expect(b).toHaveLength(41);
    expect(NLMSG_NEXT(b, 0, 41)).toEqual([20, 21]);
    expect(NLMSG_OK(b, 20, 21)).toBe(true);
    const [off, len] = NLMSG_NEXT(b, 20, 21);
    expect([off, len]).toEqual([44, -3]);
    expect(NLMSG_OK(b, off, len)).toBe(false);
  });
});
