// Property: whatever bytes come in, the strict decoders either parse them or throw NetlinkDecodeError
// (with an offset inside the input), never anything else.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NLMSG_ALIGN } from "./align.js";
import { AttributeEncoder, type NlAttr, parseAttrs, parseAttrTree } from "./attr.js";
import { NetlinkDecodeError } from "./decode-error.js";
import { encodeMessage, type NlMsg, parseMessages } from "./msg.js";
import { NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSG_ERROR } from "./netlink.js";
import { encodeNlmsgerr, extAckInfo, parseNlmsgerr } from "./nlmsgerr.js";
import { type NetlinkExtAck, NLA_STRING, NLA_U32 } from "./policy.js";

const RUNS = { seed: 42, numRuns: 500 } as const;

/** Runs `f`; a NetlinkDecodeError must point inside [base, base + length]; anything else thrown fails. */
const decodesOrRejects = <T>(f: () => T, length: number, base = 0): T | undefined => {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof NetlinkDecodeError)) throw e;
    expect(Number.isInteger(e.offset)).toBe(true);
    expect(e.offset).toBeGreaterThanOrEqual(base);
    expect(e.offset).toBeLessThanOrEqual(base + length);
    return undefined;
  }
};

/** parseNlmsgerr's pieces account for the whole payload (checked when no TLVs are parsed). */
const checkNlmsgerr = (m: NlMsg): void => {
  const e = decodesOrRejects(() => parseNlmsgerr(m), m.len);
  if (e === undefined) return;
  expect(e.tail.length).toBeLessThanOrEqual(m.payload.length - 20);
  if (e.tlvs !== undefined) {
    decodesOrRejects(() => extAckInfo(e.tlvs!), m.len);
    for (const t of e.tlvs) expect(t.offset + 4 + t.data.length).toBeLessThanOrEqual(m.len);
    return;
  }
  const room = m.payload.length - 20;
  const echoed = m.flags & NLM_F_CAPPED ? 0 : Math.min(room, NLMSG_ALIGN(Math.max(0, e.req.len - 16)));
  expect(e.tail.length).toBe(room - echoed);
};

/** Everything a received datagram can be fed to. */
const feed = (bytes: Uint8Array): void => {
  const msgs = decodesOrRejects(() => parseMessages(bytes), bytes.length);
  decodesOrRejects(() => parseMessages(bytes, { base: 64, zeroPadding: false }), bytes.length, 64);
  decodesOrRejects(() => parseAttrs(bytes, 16), bytes.length, 16);
  decodesOrRejects(() => parseAttrTree(bytes, 16), bytes.length, 16);
  decodesOrRejects(() => parseAttrTree(bytes, 0, (_type, depth) => depth < 2), bytes.length);
  for (const m of msgs ?? []) {
    decodesOrRejects(() => parseAttrTree(m.payload, 16), m.payload.length, 16);
    if (m.type === NLMSG_ERROR) checkNlmsgerr(m);
  }
};

const u32 = fc.integer({ min: -0x80000000, max: 0x7fffffff }).map((v) => v >>> 0);
const flags = fc.oneof(
  fc.constantFrom(0, NLM_F_CAPPED, NLM_F_ACK_TLVS, NLM_F_CAPPED | NLM_F_ACK_TLVS),
  fc.integer({ min: 0, max: 0xffff }),
);

/** Valid encodings: attribute trees, messages carrying them, and NLMSG_ERROR replies with TLVs. */
const attrBlob = fc
  .array(
    fc.record({
      type: fc.integer({ min: 0, max: 0xffff }),
      data: fc.uint8Array({ maxLength: 16 }),
      nest: fc.boolean(),
    }),
    { maxLength: 6 },
  )
  .map((items) => {
    const e = new AttributeEncoder();
    for (const it of items) {
      if (it.nest) e.nested(it.type & 0x3fff, (n) => n.binary(1, it.data).u32(2, it.type));
      else e.binary(it.type, it.data);
    }
    return e.finish();
  });

const errorReply = fc
  .record({
    error: fc.integer({ min: -133, max: 0 }),
    capped: fc.boolean(),
    reqPayload: fc.uint8Array({ maxLength: 40 }),
    msg: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
    badAttr: fc.option(fc.integer({ min: 16, max: 60 }), { nil: undefined }),
    policy: fc.boolean(),
    cookie: fc.option(fc.uint8Array({ minLength: 1, maxLength: 20 }), { nil: undefined }),
  })
  .map((r) => {
    const request = encodeMessage({ type: 0x7fff, flags: 5, seq: 1, payload: r.reqPayload });
    const extack: NetlinkExtAck = {};
    if (r.msg !== undefined) extack.msg = r.msg;
    if (r.badAttr !== undefined) extack.badAttr = r.badAttr;
    if (r.cookie !== undefined) extack.cookie = r.cookie;
    if (r.policy) extack.policy = r.error % 2 === 0 ? { type: NLA_STRING, len: 15 } : { type: NLA_U32 };
    return encodeNlmsgerr({ error: r.error, request, pid: 77, capped: r.capped, extack });
  });

/** One to three whole messages back to back (every part is already a multiple of 4 bytes). */
const validDatagram = fc
  .array(
    fc.oneof(
      errorReply,
      attrBlob.map((payload) => encodeMessage({ type: 0x10, flags: 0, seq: 3, pid: 9, payload })),
    ),
    { minLength: 1, maxLength: 3 },
  )
  .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

/** A valid encoding with some bytes flipped and maybe cut short. */
const mutated = fc
  .tuple(
    fc.oneof(validDatagram, errorReply, attrBlob),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
    fc.option(fc.nat(), { nil: undefined }),
  )
  .map(([valid, flips, cut]) => {
    const b = valid.slice();
    if (b.length > 0) for (const [at, x] of flips) b[at % b.length]! ^= x;
    return cut === undefined ? b : b.subarray(0, cut % (b.length + 1));
  });

describe("property: malformed input only ever raises NetlinkDecodeError", () => {
  it("random byte arrays of 0..200 bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), feed), RUNS);
  });

  it("random NLMSG_ERROR messages (random flags and payload) parse or are rejected cleanly", () => {
    fc.assert(
      fc.property(flags, u32, fc.uint8Array({ maxLength: 120 }), (f, seq, payload) => {
        const [m] = parseMessages(encodeMessage({ type: NLMSG_ERROR, flags: f, seq, payload }));
        checkNlmsgerr(m!);
      }),
      RUNS,
    );
  });

  it("valid encodings with flipped bytes and truncation", () => {
    fc.assert(fc.property(mutated, feed), RUNS);
  });

  it("unmutated NLMSG_ERROR replies parse back whole, with no tail", () => {
    fc.assert(
      fc.property(errorReply, (bytes) => {
        const [m] = parseMessages(bytes);
        const e = parseNlmsgerr(m!);
        expect(e.tail).toHaveLength(0);
        const tlvs: readonly NlAttr[] = e.tlvs ?? [];
        expect((m!.flags & NLM_F_ACK_TLVS) !== 0).toBe(tlvs.length > 0);
        extAckInfo(tlvs);
      }),
      RUNS,
    );
  });
});
