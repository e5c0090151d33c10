// Codec workloads: one netlink message per operation, encoded or decoded, in three sizes.
//   header16  a bare 16-byte nlmsghdr
//   payload64 a header and a 64-byte opaque payload
//   attrs20   a header and 20 attributes (u8/u16/u32/u64/string/binary), 248 bytes
// Decode workloads parse a buffer encoded once up front; the attrs20 decoder also reads
// every attribute with its typed accessor, as a real consumer would.
import {
  AttributeEncoder,
  attrBinary,
  attrString,
  attrU8,
  attrU16,
  attrU32,
  attrU64,
  encodeMessage,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_REQUEST,
  parseAttrs,
  parseMessages,
  putMessage,
} from "../kernel-model/uapi/index.js";
import type { Suite } from "./harness.js";

const MSG_TYPE = 0x10; // RTM_NEWLINK
const FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE;
const PID = 4242;

const PAYLOAD64 = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff);

type AttrSpec =
  | { readonly kind: "u8" | "u16" | "u32"; readonly type: number; readonly value: number }
  | { readonly kind: "u64"; readonly type: number; readonly value: bigint }
  | { readonly kind: "string"; readonly type: number; readonly value: string }
  | { readonly kind: "binary"; readonly type: number; readonly value: Uint8Array };

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed + i * 13) & 0xff);
const BIN6 = bytes(6, 0x02);
const BIN16 = bytes(16, 0x20);
const BIN32 = bytes(32, 0x55);

/** The 20 attributes of the attrs20 message (3 u8, 3 u16, 5 u32, 3 u64, 3 strings, 3 binaries), for verification. */
const ATTRS20: ReadonlyArray<AttrSpec> = [
  { kind: "string", type: 1, value: "veth-bench0" },
  { kind: "u32", type: 2, value: 1500 },
  { kind: "u8", type: 3, value: 1 },
  { kind: "binary", type: 4, value: BIN6 },
  { kind: "u32", type: 5, value: 1000 },
  { kind: "u16", type: 6, value: 0x8100 },
  { kind: "u64", type: 7, value: 123_456_789_012n },
  { kind: "u8", type: 8, value: 6 },
  { kind: "string", type: 9, value: "noqueue" },
  { kind: "u32", type: 10, value: 0xdeadbeef },
  { kind: "u16", type: 11, value: 4096 },
  { kind: "binary", type: 12, value: BIN16 },
  { kind: "u64", type: 13, value: 0xffff_ffff_ffff_fff0n },
  { kind: "u32", type: 14, value: 7 },
  { kind: "u8", type: 15, value: 255 },
  { kind: "string", type: 16, value: "nlsim" },
  { kind: "u16", type: 17, value: 9000 },
  { kind: "binary", type: 18, value: BIN32 },
  { kind: "u64", type: 19, value: 42n },
  { kind: "u32", type: 20, value: 65_536 },
];

/**
 * Fills an encoder with the attrs20 attributes as a caller would, one fluent chain (values as in
 * ATTRS20); `seq` goes into attribute 14 so no two iterations encode the same bytes.
 */
const fillAttrs20 = (e: AttributeEncoder, seq: number): AttributeEncoder =>
  e
    .string(1, "veth-bench0")
    .u32(2, 1500)
    .u8(3, 1)
    .binary(4, BIN6)
    .u32(5, 1000)
    .u16(6, 0x8100)
    .u64(7, 123_456_789_012n)
    .u8(8, 6)
    .string(9, "noqueue")
    .u32(10, 0xdeadbeef)
    .u16(11, 4096)
    .binary(12, BIN16)
    .u64(13, 0xffff_ffff_ffff_fff0n)
    .u32(14, seq)
    .u8(15, 255)
    .string(16, "nlsim")
    .u16(17, 9000)
    .binary(18, BIN32)
    .u64(19, 42n)
    .u32(20, 65_536);

/** The attrs20 payload alone (finish()). */
const encodeAttrs20 = (seq: number): Uint8Array => fillAttrs20(new AttributeEncoder(), seq).finish();

/** Decodes the whole attrs20 message: header, attribute list, and every value, dispatching on nla_type. */
const decodeAttrs20 = (buf: Uint8Array): number => {
  const m = parseMessages(buf)[0]!;
  let acc = m.len + m.seq;
  const attrs = parseAttrs(m.payload, 16);
  for (let j = 0; j < attrs.length; j++) {
    const a = attrs[j]!;
    switch (a.type) {
      case 3:
      case 8:
      case 15:
        acc += attrU8(a);
        break;
      case 6:
      case 11:
      case 17:
        acc += attrU16(a);
        break;
      case 2:
      case 5:
      case 10:
      case 14:
      case 20:
        acc += attrU32(a);
        break;
      case 7:
      case 13:
      case 19:
        acc += Number(attrU64(a) & 0xffffn);
        break;
      case 1:
      case 9:
      case 16:
        acc += attrString(a).length;
        break;
      case 4:
      case 12:
      case 18: {
        const b = attrBinary(a);
        acc += b.length + b[b.length - 1]!;
        break;
      }
    }
  }
  return acc;
};

/** Checks once, before any timing, that the pre-encoded attrs20 message decodes to what was encoded. */
const verifyAttrs20 = (buf: Uint8Array, seq: number): void => {
  const m = parseMessages(buf)[0]!;
  const attrs = parseAttrs(m.payload, 16);
  if (attrs.length !== ATTRS20.length) throw new Error(`attrs20: decoded ${attrs.length} attributes, not 20`);
  ATTRS20.forEach((spec, i) => {
    const a = attrs[i]!;
    let ok: boolean;
    switch (spec.kind) {
      case "u8":
        ok = attrU8(a) === spec.value;
        break;
      case "u16":
        ok = attrU16(a) === spec.value;
        break;
      case "u32":
        ok = attrU32(a) === (spec.type === 14 ? seq : spec.value);
        break;
      case "u64":
        ok = attrU64(a) === spec.value;
        break;
      case "string":
        ok = attrString(a) === spec.value;
        break;
      case "binary":
        ok = attrBinary(a).every((x, k) => x === spec.value[k]) && a.data.length === spec.value.length;
        break;
    }
    if (a.type !== spec.type || !ok)
      throw new Error(`attrs20: attribute #${i} (type ${spec.type}) does not round-trip`);
  });
};

/** Checks the header of a pre-encoded message (seq 1, payload of `payloadLen` bytes). */
const check = (what: string, buf: Uint8Array, payloadLen: number): void => {
  const msgs = parseMessages(buf);
  const m = msgs[0]!;
  const ok =
    msgs.length === 1 &&
    m.len === 16 + payloadLen &&
    m.type === MSG_TYPE &&
    m.flags === FLAGS &&
    m.seq === 1 &&
    m.pid === PID &&
    m.payload.length === payloadLen;
  if (!ok) throw new Error(`${what}: the pre-encoded message does not decode to what was encoded`);
};

export const registerCodec = (suite: Suite): void => {
  // The decode workloads' input, encoded once and checked before anything is timed.
  const header16 = encodeMessage({ type: MSG_TYPE, flags: FLAGS, seq: 1, pid: PID });
  const payload64 = encodeMessage({ type: MSG_TYPE, flags: FLAGS, seq: 1, pid: PID, payload: PAYLOAD64 });
  const attrs20 = encodeMessage({ type: MSG_TYPE, flags: FLAGS, seq: 1, pid: PID, payload: encodeAttrs20(1) });
  check("header16", header16, 0);
  check("payload64", payload64, 64);
  check("attrs20", attrs20, attrs20.length - 16);
  verifyAttrs20(attrs20, 1);

  // (1) a bare 16-byte header
  suite.add("codec.encode.header16", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const b = encodeMessage({ type: MSG_TYPE, flags: FLAGS, seq: i, pid: PID });
      acc = (acc + b.length + b[8]!) | 0;
    }
    return acc;
  });
  suite.add("codec.decode.header16", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const m = parseMessages(header16)[0]!;
      acc = (acc + m.len + m.type + m.flags + m.seq + m.pid + m.payload.length) | 0;
    }
    return acc;
  });

  // (2) a header and a 64-byte payload
  suite.add("codec.encode.payload64", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const b = encodeMessage({ type: MSG_TYPE, flags: FLAGS, seq: i, pid: PID, payload: PAYLOAD64 });
      acc = (acc + b.length + b[8]! + b[79]!) | 0;
    }
    return acc;
  });
  // the same message written into memory the caller reuses (putMessage into one buffer, as a
  // sender that hands each message to sendto before writing the next one would)
  const into = new Uint8Array(16 + 64);
  suite.add("codec.encode.payload64.into", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      putMessage(into, 0, { type: MSG_TYPE, flags: FLAGS, seq: i, pid: PID, payload: PAYLOAD64 });
      acc = (acc + into.length + into[8]! + into[79]!) | 0;
    }
    return acc;
  });
  suite.add("codec.decode.payload64", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const m = parseMessages(payload64)[0]!;
      acc = (acc + m.len + m.type + m.flags + m.seq + m.pid + m.payload[63]!) | 0;
    }
    return acc;
  });

  // (3) a header and 20 attributes
  // the whole message from one encoder (finishMessage: header and attributes in one buffer of its
  // own); codec.encode.attrs20.concat is the two-step way, encodeMessage over finish()
  if (
    fillAttrs20(new AttributeEncoder(), 1)
      .finishMessage({ type: MSG_TYPE, flags: FLAGS, seq: 1, pid: PID })
      .some((x, k) => x !== attrs20[k])
  ) {
    throw new Error("attrs20: finishMessage does not encode what encodeMessage does");
  }
  {
    const into = new Uint8Array(512);
    const len = fillAttrs20(new AttributeEncoder(), 1).finishMessageInto(into, 0, {
      type: MSG_TYPE,
      flags: FLAGS,
      seq: 1,
      pid: PID,
    });
    if (len !== attrs20.length || into.subarray(0, len).some((x, k) => x !== attrs20[k])) {
      throw new Error("attrs20: finishMessageInto does not encode what encodeMessage does");
    }
  }
  suite.add("codec.encode.attrs20", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const b = fillAttrs20(new AttributeEncoder(), i).finishMessage({
        type: MSG_TYPE,
        flags: FLAGS,
        seq: i,
        pid: PID,
      });
      acc = (acc + b.length + b[8]!) | 0;
    }
    return acc;
  });
  // the same message written into memory the caller reuses: one encoder (reset()) and one buffer,
  // finishMessageInto, as a sender that hands each message to sendto before encoding the next
  const attrsEncoder = new AttributeEncoder();
  const attrsInto = new Uint8Array(512);
  suite.add("codec.encode.attrs20.into", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const len = fillAttrs20(attrsEncoder.reset(), i).finishMessageInto(attrsInto, 0, {
        type: MSG_TYPE,
        flags: FLAGS,
        seq: i,
        pid: PID,
      });
      acc = (acc + len + attrsInto[8]!) | 0;
    }
    return acc;
  });
  suite.add("codec.encode.attrs20.concat", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const b = encodeMessage({ type: MSG_TYPE, flags: FLAGS, seq: i, pid: PID, payload: encodeAttrs20(i) });
      acc = (acc + b.length + b[8]!) | 0;
    }
    return acc;
  });
  suite.add("codec.decode.attrs20", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc = (acc + decodeAttrs20(attrs20)) | 0;
    return acc;
  });
};
