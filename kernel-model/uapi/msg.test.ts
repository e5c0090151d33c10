import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NLMSG_ALIGN } from "./align.js";
import { toHex } from "./bytes.js";
import { NetlinkDecodeError, type NetlinkDecodeProblem } from "./decode-error.js";
import {
  encodeMessage,
  encodeMessages,
  getNlmsghdr,
  parseMessage,
  parseMessages,
  putNlmsghdr,
  walkMessages,
} from "./msg.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

/** The NetlinkDecodeError `f` throws (fails the test if it throws nothing or something else). */
const decodeError = (f: () => unknown): NetlinkDecodeError => {
  try {
    f();
  } catch (e) {
    if (e instanceof NetlinkDecodeError) return e;
    throw e;
  }
  throw new Error("expected a NetlinkDecodeError, nothing was thrown");
};

const expectDecodeError = (f: () => unknown, problem: NetlinkDecodeProblem, offset: number): void => {
  const e = decodeError(f);
  expect({ problem: e.problem, offset: e.offset }).toEqual({ problem, offset });
};

describe("encoding messages", () => {
  it("encodeMessage writes the five header fields little-endian, then the payload, unpadded", () => {
    const b = encodeMessage({ type: 0x1234, flags: 0x0305, seq: 0xdeadbeef, pid: 0x80000001, payload: hex("aabbcc") });
    expect(toHex(b)).toBe("13000000" + "3412" + "0503" + "efbeadde" + "01000080" + "aabbcc");
  });

  it("encodeMessage defaults flags, seq and pid to 0 and len to 16 + payload", () => {
    expect(toHex(encodeMessage({ type: 3 }))).toBe("10000000030000000000000000000000");
  });

  it("an explicit len is written as given (for malformed requests)", () => {
    expect(getNlmsghdr(encodeMessage({ type: 1, len: 7 }), 0).len).toBe(7);
  });

  it("encodeMessages pads every message but the last to 4 bytes with zeros", () => {
    const b = encodeMessages([
      { type: 1, payload: hex("01") },
      { type: 2, payload: hex("0203") },
    ]);
    expect(b).toHaveLength(20 + 18);
    expect(toHex(b.subarray(17, 20))).toBe("000000");
    expect(getNlmsghdr(b, 20).type).toBe(2);
  });

  it("encodeMessages with padLast pads the last message too, as nlmsg_put does", () => {
    expect(encodeMessages([{ type: 1, payload: hex("01") }], true)).toHaveLength(20);
  });

  it("putNlmsghdr and getNlmsghdr round-trip u32 seq and pid above 2^31", () => {
    const b = new Uint8Array(20);
    const h = { len: 0xffffffff, type: 0xffff, flags: 0x8001, seq: 0x80000000, pid: 0xfffffffe };
    putNlmsghdr(b, 4, h);
    expect(getNlmsghdr(b, 4)).toEqual(h);
  });
});

describe("parseMessages, strictly", () => {
  const one = encodeMessage({ type: 0x10, flags: 1, seq: 2, pid: 3, payload: hex("0102030405") });

  it("parses one message with its payload as a view into the buffer", () => {
    const [m] = parseMessages(one);
    expect(m).toMatchObject({ len: 21, type: 0x10, flags: 1, seq: 2, pid: 3 });
    expect(toHex(m!.payload)).toBe("0102030405");
    expect(m!.payload.buffer).toBe(one.buffer);
  });

  it("accepts the last message without its padding, and with it", () => {
    expect(parseMessages(one)).toHaveLength(1);
    const padded = new Uint8Array(24);
    padded.set(one);
    expect(parseMessages(padded)).toHaveLength(1);
  });

  it("an empty buffer is short-header at the base", () => {
    expectDecodeError(() => parseMessages(new Uint8Array(0)), "short-header", 0);
    expectDecodeError(() => parseMessages(new Uint8Array(0), { base: 7 }), "short-header", 7);
  });

  it("fewer than 16 bytes is short-header at the offset where the header would start", () => {
    expectDecodeError(() => parseMessages(one.subarray(0, 15)), "short-header", 0);
    const b = new Uint8Array(24 + 10);
    b.set(one);
    expectDecodeError(() => parseMessages(b), "short-header", 24);
    expectDecodeError(() => parseMessages(b, { base: 100 }), "short-header", 124);
  });

  it("nlmsg_len below 16 is bad-nlmsg-len", () => {
    expectDecodeError(() => parseMessages(encodeMessage({ type: 1, len: 15 })), "bad-nlmsg-len", 0);
    const b = encodeMessages([{ type: 1 }, { type: 1, len: 0 }]);
    expectDecodeError(() => parseMessages(b, { base: 32 }), "bad-nlmsg-len", 48);
  });

  it("nlmsg_len past the buffer is message-past-end", () => {
    expectDecodeError(() => parseMessages(one.subarray(0, 20)), "message-past-end", 0);
    const b = encodeMessages([{ type: 1 }, { type: 1, len: 17 }]);
    expectDecodeError(() => parseMessages(b), "message-past-end", 16);
  });

  it("a non-zero padding byte is nonzero-padding at that byte's own offset", () => {
    const b = encodeMessages([{ type: 1, payload: hex("01") }, { type: 2 }]);
    b[18] = 0x7f;
    expectDecodeError(() => parseMessages(b), "nonzero-padding", 18);
    expectDecodeError(() => parseMessages(b, { base: 1000 }), "nonzero-padding", 1018);
    expect(parseMessages(b, { zeroPadding: false }).map((m) => m.type)).toEqual([1, 2]);
  });

  it("parseMessage rejects a second message, pointing at it", () => {
    const two = encodeMessages([{ type: 1, payload: hex("01") }, { type: 2 }]);
    expectDecodeError(() => parseMessage(two), "message-past-end", 20);
    expect(parseMessage(one).type).toBe(0x10);
  });
});

describe("walkMessages, the kernel's netlink_rcv_skb loop", () => {
  it("visits whole messages and stops silently at the first one that is not", () => {
    const b = new Uint8Array(20 + 16 + 8);
    b.set(encodeMessages([{ type: 1, payload: hex("01") }, { type: 2 }]));
    b.set(encodeMessage({ type: 3, len: 200 }).subarray(0, 8), 36);
    const seen: Array<[number, number]> = [];
    expect(walkMessages(b, (off, len) => seen.push([off, len]))).toBe(36);
    expect(seen).toEqual([
      [0, 17],
      [20, 16],
    ]);
  });

  it("stops before a message whose nlmsg_len is under 16", () => {
    expect(walkMessages(encodeMessage({ type: 1, len: 8 }), () => undefined)).toBe(0);
  });
});

const u32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((v) => v >>> 0);
const u16 = fc.integer({ min: 0, max: 0xffff });
const message: fc.Arbitrary<{ type: number; flags: number; seq: number; pid: number; payload: Uint8Array }> = fc.record(
  {
    type: u16,
    flags: u16,
    seq: u32,
    pid: u32,
    payload: fc.uint8Array({ maxLength: 300 }),
  },
);

describe("property: datagrams round-trip", () => {
  it("encodeMessages → parseMessages gives back every message exactly, for 1..8 messages", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), fc.boolean(), (msgs, padLast) => {
        const bytes = encodeMessages(msgs, padLast);
        const expectedLength = msgs.reduce(
          (n, m, i) =>
            n + (i < msgs.length - 1 || padLast ? NLMSG_ALIGN(16 + m.payload.length) : 16 + m.payload.length),
          0,
        );
        expect(bytes).toHaveLength(expectedLength);
        const parsed = parseMessages(bytes);
        expect(parsed.map((m) => ({ ...m, payload: toHex(m.payload) }))).toEqual(
          msgs.map((m) => ({ ...m, len: 16 + m.payload.length, payload: toHex(m.payload) })),
        );
        expect(walkMessages(bytes, () => undefined)).toBe(bytes.length);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});
