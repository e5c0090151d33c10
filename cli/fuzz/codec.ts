// `nlsim fuzz codec`: the decoder and the policy parser on random and mutated messages. Every
// input is drawn from the seed (input i of seed S is always the same bytes), so a failure replays.
// Malformed bytes must fail with the typed NetlinkDecodeError and nothing else; nla_parse returns
// an errno and an extended ACK, never throws; the CLI's renderers take whatever parses.
import {
  AttributeEncoder,
  concatBytes,
  encodeGenlmsghdr,
  encodeMessage,
  encodeNlmsgerr,
  isNetlinkDecodeError,
  NL_VALIDATE_LIBERAL,
  NL_VALIDATE_STRICT,
  NLA_BE16,
  NLA_BINARY,
  NLA_BITFIELD32,
  NLA_F_NESTED,
  NLA_FLAG,
  NLA_MSECS,
  NLA_NUL_STRING,
  NLA_POLICY_EXACT_LEN,
  NLA_POLICY_NESTED,
  NLA_POLICY_NESTED_ARRAY,
  NLA_POLICY_RANGE,
  NLA_REJECT,
  NLA_S8,
  NLA_S32,
  NLA_STRING,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLA_U64,
  NLA_UNSPEC,
  NLM_F_ACK,
  NLM_F_REQUEST,
  type NlaPolicySet,
  nlaParse,
  nlaPolicy,
  parseAttrTree,
  parseGenlmsghdr,
  parseMessages,
  parseNlmsgerr,
} from "../../kernel-model/uapi/index.js";
import { SeededPrng } from "../../sim/prng.js";
import { messagesToText } from "../../sim/walk/text.js";
import { messageToJson } from "../format/json.js";

const inner = nlaPolicy(4, {
  1: { type: NLA_U32 },
  2: { type: NLA_STRING, len: 8 },
  3: { type: NLA_FLAG },
  4: NLA_POLICY_RANGE(NLA_U16, 10, 1000),
});
/** Policies covering every validation path the model has (types, lengths, ranges, nests, reject). */
const POLICIES: ReadonlyArray<NlaPolicySet> = [
  nlaPolicy(12, {
    1: { type: NLA_U8 },
    2: { type: NLA_U16 },
    3: { type: NLA_U32 },
    4: { type: NLA_U64 },
    5: { type: NLA_STRING, len: 15 },
    6: { type: NLA_NUL_STRING, len: 10 },
    7: { type: NLA_BINARY, len: 6 },
    8: NLA_POLICY_NESTED(inner),
    9: NLA_POLICY_NESTED_ARRAY(inner),
    10: { type: NLA_BITFIELD32, bitfield32Valid: 0x0f },
    11: { type: NLA_REJECT, rejectMessage: "no" },
    12: NLA_POLICY_EXACT_LEN(4),
  }),
  nlaPolicy(
    6,
    {
      1: { type: NLA_S8 },
      2: NLA_POLICY_RANGE(NLA_S32, -5, 5),
      3: { type: NLA_MSECS },
      4: { type: NLA_BE16 },
      5: { type: NLA_UNSPEC, len: 2 },
      6: NLA_POLICY_NESTED(nlaPolicy(2, { 1: NLA_POLICY_NESTED(inner), 2: { type: NLA_FLAG } })),
    },
    3,
  ),
  inner,
];

const randomBytes = (rnd: SeededPrng, n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rnd.nextU32() & 0xff;
  return b;
};

/** A well-formed attribute stream: mostly what the policies expect, nests included. */
const validAttrs = (rnd: SeededPrng, depth: number): Uint8Array => {
  const e = new AttributeEncoder();
  const n = rnd.nextInt(6);
  for (let i = 0; i < n; i++) {
    const type = 1 + rnd.nextInt(12);
    const k = rnd.nextInt(8);
    if (k === 0 && depth < 3) {
      e.binary((rnd.chance(0.5) ? NLA_F_NESTED : 0) | type, validAttrs(rnd, depth + 1));
    } else if (k === 1) e.string(type, "x".repeat(rnd.nextInt(20)));
    else if (k === 2) e.u32(type, rnd.nextU32());
    else if (k === 3) e.u16(type, rnd.nextInt(65536));
    else if (k === 4) e.u8(type, rnd.nextInt(256));
    else if (k === 5) e.u64(type, BigInt(rnd.nextU32()) << 16n);
    else e.binary(type, randomBytes(rnd, rnd.nextInt(12)));
  }
  return e.finish();
};

/** A well-formed datagram: requests, genl messages, NLMSG_ERROR with extended ACK, DONE. */
const validDatagram = (rnd: SeededPrng): Uint8Array => {
  const parts: Uint8Array[] = [];
  const n = 1 + rnd.nextInt(3);
  for (let i = 0; i < n; i++) {
    const k = rnd.nextInt(4);
    let m: Uint8Array;
    if (k === 0) {
      m = encodeMessage({ type: 16 + rnd.nextInt(40), flags: NLM_F_REQUEST, seq: i, payload: validAttrs(rnd, 0) });
    } else if (k === 1) {
      const payload = concatBytes([encodeGenlmsghdr({ cmd: rnd.nextInt(10), version: 1 }), validAttrs(rnd, 0)]);
      m = encodeMessage({ type: rnd.chance(0.5) ? 16 : 0x20, flags: NLM_F_REQUEST | NLM_F_ACK, seq: i, payload });
    } else if (k === 2) {
      const request = encodeMessage({
        type: 16,
        flags: NLM_F_REQUEST | NLM_F_ACK,
        seq: i,
        payload: validAttrs(rnd, 0),
      });
      m = encodeNlmsgerr({
        error: rnd.chance(0.3) ? 0 : -(1 + rnd.nextInt(130)),
        request,
        pid: rnd.nextU32(),
        capped: rnd.chance(0.5),
        ...(rnd.chance(0.6) ? { extack: { msg: "bad attribute", badAttr: 16 + rnd.nextInt(8) } } : {}),
      });
    } else m = encodeMessage({ type: 3, flags: 2, seq: i, payload: Uint8Array.of(0, 0, 0, 0) });
    parts.push(m);
    const pad = (4 - (m.length % 4)) % 4;
    if (i < n - 1 && pad > 0) parts.push(new Uint8Array(pad));
  }
  return concatBytes(parts);
};

/** Mutations: bit flips, byte sets to edge values, truncation, extension, splicing lengths. */
const mutate = (rnd: SeededPrng, b: Uint8Array): Uint8Array => {
  let out: Uint8Array = b.slice();
  const n = 1 + rnd.nextInt(4);
  for (let i = 0; i < n; i++) {
    const k = rnd.nextInt(6);
    if (out.length === 0) return randomBytes(rnd, rnd.nextInt(40));
    const at = rnd.nextInt(out.length);
    if (k === 0) out[at]! ^= 1 << rnd.nextInt(8);
    else if (k === 1) out[at] = [0, 1, 3, 4, 0x7f, 0x80, 0xff][rnd.nextInt(7)]!;
    else if (k === 2) out = out.slice(0, at);
    else if (k === 3) out = concatBytes([out, randomBytes(rnd, 1 + rnd.nextInt(16))]);
    else if (k === 4 && at + 2 <= out.length) {
      // a 16-bit length field (nla_len, or the low half of nlmsg_len) set to a boundary value
      const v = [0, 3, 4, 5, 16, 20, out.length, out.length + 4, 0xffff][rnd.nextInt(9)]!;
      out[at] = v & 0xff;
      out[at + 1] = (v >> 8) & 0xff;
    } else out[at] = rnd.nextU32() & 0xff;
  }
  return out;
};

/** Input `i` of seed `seed`: the same bytes on every machine. */
export const codecInput = (seed: number, i: number): Uint8Array => {
  const rnd = new SeededPrng(seed * 4_294_967 + i);
  const k = rnd.nextInt(10);
  if (k < 2) return randomBytes(rnd, rnd.nextInt(k === 0 ? 24 : 200));
  if (k < 4) return validDatagram(rnd);
  return mutate(rnd, validDatagram(rnd));
};

export interface CodecFinding {
  readonly input: number;
  readonly hex: string;
  readonly where: string;
  readonly error: string;
}

export interface CodecStats {
  inputs: number;
  /** inputs the strict datagram parser accepted */
  parsed: number;
  /** NetlinkDecodeError thrown (the expected way to fail) */
  typed: number;
  /** nla_parse calls, and how many were refused with an errno */
  nlaParses: number;
  nlaRefused: number;
  /** anything else thrown: must be 0 */
  untyped: number;
  readonly findings: CodecFinding[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Runs every decoder on one input; returns where an untyped failure happened, if one did. */
const fuzzOne = (bytes: Uint8Array, stats: CodecStats): { where: string; error: unknown } | undefined => {
  let where = "parseMessages";
  try {
    let msgs: ReturnType<typeof parseMessages>;
    try {
      msgs = parseMessages(bytes);
      stats.parsed++;
    } catch (e) {
      if (!isNetlinkDecodeError(e)) throw e;
      stats.typed++;
      where = "parseMessages(zeroPadding: false)";
      try {
        msgs = parseMessages(bytes, { zeroPadding: false });
      } catch (e2) {
        if (!isNetlinkDecodeError(e2)) throw e2;
        msgs = [];
      }
    }
    for (const m of msgs) {
      const typedStep = (name: string, f: () => unknown): void => {
        where = name;
        try {
          f();
        } catch (e) {
          if (!isNetlinkDecodeError(e)) throw e;
          stats.typed++;
        }
      };
      typedStep("parseAttrTree", () => parseAttrTree(m.payload, 16));
      typedStep("parseAttrTree(genl)", () => {
        parseGenlmsghdr(m.payload);
        parseAttrTree(m.payload.subarray(4), 20);
      });
      if (m.type === 2) typedStep("parseNlmsgerr", () => parseNlmsgerr(m));
      typedStep("messageToJson", () => messageToJson(m));
      for (const policy of POLICIES) {
        for (const validate of [NL_VALIDATE_STRICT, NL_VALIDATE_LIBERAL]) {
          where = "nlaParse";
          stats.nlaParses++;
          const r = nlaParse(m.payload, policy, { validate, base: 16 });
          if (!r.ok) {
            stats.nlaRefused++;
            if (!(r.error < 0)) throw new Error(`nlaParse refused with error ${r.error}, not a negative errno`);
          }
        }
      }
    }
    if (msgs.length > 0) {
      for (const protocol of [0, 2, 16]) {
        where = `messagesToText(protocol ${protocol})`;
        try {
          messagesToText(msgs, { protocol });
        } catch (e) {
          if (!isNetlinkDecodeError(e)) throw e;
          stats.typed++;
        }
      }
    }
    return undefined;
  } catch (error) {
    return { where, error };
  }
};

/** Runs inputs [from, to) of a seed; findings keep at most `keep` examples. */
export const fuzzCodec = (seed: number, from: number, to: number, stats: CodecStats, keep = 20): void => {
  for (let i = from; i < to; i++) {
    const bytes = codecInput(seed, i);
    stats.inputs++;
    const bad = fuzzOne(bytes, stats);
    if (bad !== undefined) {
      stats.untyped++;
      if (stats.findings.length < keep) {
        const e = bad.error;
        stats.findings.push({
          input: i,
          hex: hex(bytes),
          where: bad.where,
          error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
        });
      }
    }
  }
};

export const newCodecStats = (): CodecStats => ({
  inputs: 0,
  parsed: 0,
  typed: 0,
  nlaParses: 0,
  nlaRefused: 0,
  untyped: 0,
  findings: [],
});
