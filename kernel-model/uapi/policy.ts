// Attribute policies and validation, after lib/nlattr.c (__nla_validate_parse, validate_nla) and
// net/netlink/policy.c (netlink_policy_dump_write_attr). Failures carry the kernel's own wording,
// the errno and the offset of the bad attribute, so the simulated kernel answers with the same
// extended ACK as the real one.
import { AttributeEncoder, type NlAttr } from "./attr.js";
import { getU16, getU32 } from "./bytes.js";
import { ERRNO } from "./errno.js";
import {
  NL_ATTR_TYPE_BINARY,
  NL_ATTR_TYPE_BITFIELD32,
  NL_ATTR_TYPE_FLAG,
  NL_ATTR_TYPE_NESTED,
  NL_ATTR_TYPE_NESTED_ARRAY,
  NL_ATTR_TYPE_NUL_STRING,
  NL_ATTR_TYPE_S8,
  NL_ATTR_TYPE_S16,
  NL_ATTR_TYPE_S32,
  NL_ATTR_TYPE_S64,
  NL_ATTR_TYPE_STRING,
  NL_ATTR_TYPE_U8,
  NL_ATTR_TYPE_U16,
  NL_ATTR_TYPE_U32,
  NL_ATTR_TYPE_U64,
  NL_POLICY_TYPE_ATTR_BITFIELD32_MASK,
  NL_POLICY_TYPE_ATTR_MAX_LENGTH,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_S,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
  NL_POLICY_TYPE_ATTR_MIN_LENGTH,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_S,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
  NL_POLICY_TYPE_ATTR_TYPE,
  NLA_F_NESTED,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
} from "./netlink.js";

/** The kernel's policy types (enum in include/net/netlink.h), same numbers. */
export const NLA_UNSPEC = 0;
export const NLA_U8 = 1;
export const NLA_U16 = 2;
export const NLA_U32 = 3;
export const NLA_U64 = 4;
export const NLA_STRING = 5;
export const NLA_FLAG = 6;
export const NLA_MSECS = 7;
export const NLA_NESTED = 8;
export const NLA_NESTED_ARRAY = 9;
export const NLA_NUL_STRING = 10;
export const NLA_BINARY = 11;
export const NLA_S8 = 12;
export const NLA_S16 = 13;
export const NLA_S32 = 14;
export const NLA_S64 = 15;
export const NLA_BITFIELD32 = 16;
export const NLA_REJECT = 17;
export const NLA_BE16 = 18;
export const NLA_BE32 = 19;

export type NlaType =
  | typeof NLA_UNSPEC
  | typeof NLA_U8
  | typeof NLA_U16
  | typeof NLA_U32
  | typeof NLA_U64
  | typeof NLA_STRING
  | typeof NLA_FLAG
  | typeof NLA_MSECS
  | typeof NLA_NESTED
  | typeof NLA_NESTED_ARRAY
  | typeof NLA_NUL_STRING
  | typeof NLA_BINARY
  | typeof NLA_S8
  | typeof NLA_S16
  | typeof NLA_S32
  | typeof NLA_S64
  | typeof NLA_BITFIELD32
  | typeof NLA_REJECT
  | typeof NLA_BE16
  | typeof NLA_BE32;

/** One entry of a policy (struct nla_policy). */
export interface NlaPolicy {
  readonly type: NlaType;
  /** strings/binary: maximum length; NLA_UNSPEC and integer types: minimum length; nests: maxtype of `nested` */
  readonly len?: number;
  /** value range for integers, length range for NLA_BINARY (NLA_POLICY_RANGE/MIN/MAX, EXACT_LEN, MIN_LEN, MAX_LEN) */
  readonly min?: bigint;
  readonly max?: bigint;
  /** NLA_VALIDATE_RANGE_WARN_TOO_LONG: an over-long binary only fails under strict attribute checks */
  readonly warnTooLong?: boolean;
  /** policy of the attributes inside an NLA_NESTED / NLA_NESTED_ARRAY */
  readonly nested?: NlaPolicySet;
  /** the valid bits of an NLA_BITFIELD32 */
  readonly bitfield32Valid?: number;
  /** message for NLA_REJECT */
  readonly rejectMessage?: string;
}

/** A policy array: entry i validates attribute type i, for 1 ≤ i ≤ maxtype. */
export interface NlaPolicySet {
  readonly maxtype: number;
  readonly policy: ReadonlyArray<NlaPolicy | undefined>;
  /** types at or above this are validated strictly even under liberal parsing (policy[0].strict_start_type) */
  readonly strictStartType?: number;
}

/** Builds a policy set from a sparse map { type: policy }. */
export const nlaPolicy = (
  maxtype: number,
  entries: Readonly<Record<number, NlaPolicy>>,
  strictStartType?: number,
): NlaPolicySet => {
  const policy: Array<NlaPolicy | undefined> = Array.from({ length: maxtype + 1 }, () => undefined);
  for (const [k, v] of Object.entries(entries)) {
    const t = Number(k);
    if (t < 0 || t > maxtype) throw new RangeError(`policy entry ${t} is outside 0..${maxtype}`);
    policy[t] = v;
  }
  return strictStartType === undefined ? { maxtype, policy } : { maxtype, policy, strictStartType };
};

// The helper macros of include/net/netlink.h.
export const NLA_POLICY_EXACT_LEN = (len: number): NlaPolicy => ({
  type: NLA_BINARY,
  min: BigInt(len),
  max: BigInt(len),
});
export const NLA_POLICY_MIN_LEN = (len: number): NlaPolicy => ({ type: NLA_BINARY, min: BigInt(len) });
export const NLA_POLICY_MAX_LEN = (len: number): NlaPolicy => ({ type: NLA_BINARY, max: BigInt(len) });
export const NLA_POLICY_RANGE = (type: NlaType, min: number | bigint, max: number | bigint): NlaPolicy => ({
  type,
  min: BigInt(min),
  max: BigInt(max),
});
export const NLA_POLICY_MIN = (type: NlaType, min: number | bigint): NlaPolicy => ({ type, min: BigInt(min) });
export const NLA_POLICY_MAX = (type: NlaType, max: number | bigint): NlaPolicy => ({ type, max: BigInt(max) });
export const NLA_POLICY_NESTED = (nested: NlaPolicySet): NlaPolicy => ({
  type: NLA_NESTED,
  len: nested.maxtype,
  nested,
});
export const NLA_POLICY_NESTED_ARRAY = (nested: NlaPolicySet): NlaPolicy => ({
  type: NLA_NESTED_ARRAY,
  len: nested.maxtype,
  nested,
});

/** Validation flags (enum netlink_validation). */
export const NL_VALIDATE_LIBERAL = 0;
export const NL_VALIDATE_TRAILING = 1 << 0;
export const NL_VALIDATE_MAXTYPE = 1 << 1;
export const NL_VALIDATE_UNSPEC = 1 << 2;
export const NL_VALIDATE_STRICT_ATTRS = 1 << 3;
export const NL_VALIDATE_NESTED = 1 << 4;
export const NL_VALIDATE_STRICT =
  NL_VALIDATE_TRAILING | NL_VALIDATE_MAXTYPE | NL_VALIDATE_UNSPEC | NL_VALIDATE_STRICT_ATTRS | NL_VALIDATE_NESTED;
/** What nla_parse_deprecated_strict checks. */
export const NL_VALIDATE_DEPRECATED_STRICT = NL_VALIDATE_TRAILING | NL_VALIDATE_MAXTYPE;

/** struct netlink_ext_ack, as the simulated kernel fills it. Offsets are from the message start. */
export interface NetlinkExtAck {
  msg?: string;
  /** offset of the bad attribute (NLMSGERR_ATTR_OFFS) */
  badAttr?: number;
  /** policy entry of the bad attribute (NLMSGERR_ATTR_POLICY) */
  policy?: NlaPolicy;
  /** a missing attribute's type (NLMSGERR_ATTR_MISS_TYPE) */
  missType?: number;
  /** offset of the nest the missing attribute belongs in (NLMSGERR_ATTR_MISS_NEST) */
  missNest?: number;
  cookie?: Uint8Array;
}

/** The kernel's return: 0 and the attribute table, or a negative errno with the extack filled. */
export type NlaParseResult =
  | {
      readonly ok: true;
      readonly tb: ReadonlyArray<NlAttr | undefined>;
      /** what a liberal parse left in the extack without failing ("bytes leftover after parsing attributes") */
      readonly warning?: string;
    }
  | { readonly ok: false; readonly error: number; readonly extack: NetlinkExtAck };

const EINVAL = -ERRNO.EINVAL;
const ERANGE = -ERRNO.ERANGE;

/** nla_attr_len: exact lengths that strict attribute checking enforces. */
const ATTR_LEN: Readonly<Partial<Record<NlaType, number>>> = {
  [NLA_U8]: 1,
  [NLA_U16]: 2,
  [NLA_U32]: 4,
  [NLA_U64]: 8,
  [NLA_S8]: 1,
  [NLA_S16]: 2,
  [NLA_S32]: 4,
  [NLA_S64]: 8,
  [NLA_BE16]: 2,
  [NLA_BE32]: 4,
};
/** nla_attr_minlen: minimum lengths always enforced. */
const ATTR_MINLEN: Readonly<Partial<Record<NlaType, number>>> = {
  ...ATTR_LEN,
  [NLA_MSECS]: 8,
  [NLA_NESTED]: NLA_HDRLEN,
};

interface RawAttr {
  readonly rawType: number;
  readonly data: Uint8Array;
  readonly offset: number;
}

/** Walks attributes like nla_for_each_attr (stops at the first one that is not nla_ok); returns the rest. */
const forEachAttr = (data: Uint8Array, base: number, visit: (a: RawAttr) => number): { rem: number; err: number } => {
  let off = 0;
  while (data.length - off >= NLA_HDRLEN) {
    const len = getU16(data, off);
    if (len < NLA_HDRLEN || len > data.length - off) break;
    const err = visit({
      rawType: getU16(data, off + 2),
      data: data.subarray(off + NLA_HDRLEN, off + len),
      offset: base + off,
    });
    if (err < 0) return { rem: 0, err };
    off += (len + 3) & ~3;
  }
  return { rem: Math.max(0, data.length - off), err: 0 };
};

const toAttr = (a: RawAttr): NlAttr => ({
  type: a.rawType & NLA_TYPE_MASK,
  nested: (a.rawType & NLA_F_NESTED) !== 0,
  netByteOrder: (a.rawType & 0x4000) !== 0,
  data: a.data,
  offset: a.offset,
});

const failPolicy = (extack: NetlinkExtAck, a: RawAttr, pt: NlaPolicy, msg: string, err: number): number => {
  extack.msg = msg;
  extack.badAttr = a.offset;
  extack.policy = pt;
  return err;
};

/** Integer value of an attribute under its policy type (for range checks). */
const intValue = (pt: NlaPolicy, d: Uint8Array): bigint => {
  switch (pt.type) {
    case NLA_U8:
      return BigInt(d[0]!);
    case NLA_S8:
      return BigInt((d[0]! << 24) >> 24);
    case NLA_U16:
      return BigInt(getU16(d, 0));
    case NLA_S16:
      return BigInt((getU16(d, 0) << 16) >> 16);
    case NLA_BE16:
      return BigInt((d[0]! << 8) | d[1]!);
    case NLA_U32:
      return BigInt(getU32(d, 0));
    case NLA_S32:
      return BigInt(getU32(d, 0) | 0);
    case NLA_BE32:
      return BigInt(((d[0]! << 24) | (d[1]! << 16) | (d[2]! << 8) | d[3]!) >>> 0);
    case NLA_U64:
    case NLA_MSECS:
      return (BigInt(getU32(d, 4)) << 32n) | BigInt(getU32(d, 0));
    case NLA_S64:
      return BigInt.asIntN(64, (BigInt(getU32(d, 4)) << 32n) | BigInt(getU32(d, 0)));
    default:
      return BigInt(d.length);
  }
};

/** validate_nla: one attribute against its policy entry. */
const validateNla = (a: RawAttr, set: NlaPolicySet, validate: number, extack: NetlinkExtAck, depth: number): number => {
  const type = a.rawType & NLA_TYPE_MASK;
  if (set.strictStartType !== undefined && set.strictStartType > 0 && type >= set.strictStartType) {
    validate |= NL_VALIDATE_STRICT;
  }
  if (type <= 0 || type > set.maxtype) return 0;
  const pt = set.policy[type];
  if (pt === undefined) {
    if (validate & NL_VALIDATE_UNSPEC) {
      extack.msg = "Unsupported attribute";
      extack.badAttr = a.offset;
      return EINVAL;
    }
    return 0;
  }
  const attrlen = a.data.length;
  const exact = ATTR_LEN[pt.type];
  if (exact !== undefined && attrlen !== exact && validate & NL_VALIDATE_STRICT_ATTRS) {
    return failPolicy(extack, a, pt, "invalid attribute length", EINVAL);
  }
  const isNest = pt.type === NLA_NESTED || pt.type === NLA_NESTED_ARRAY;
  if (validate & NL_VALIDATE_NESTED) {
    if (isNest && !(a.rawType & NLA_F_NESTED)) return failPolicy(extack, a, pt, "NLA_F_NESTED is missing", EINVAL);
    if (!isNest && pt.type !== NLA_UNSPEC && a.rawType & NLA_F_NESTED) {
      return failPolicy(extack, a, pt, "NLA_F_NESTED not expected", EINVAL);
    }
  }
  const bad = (err = ERANGE): number => failPolicy(extack, a, pt, "Attribute failed policy validation", err);
  switch (pt.type) {
    case NLA_REJECT:
      if (pt.rejectMessage !== undefined) {
        extack.msg = pt.rejectMessage;
        extack.badAttr = a.offset;
        return EINVAL;
      }
      return bad(EINVAL);
    case NLA_FLAG:
      if (attrlen > 0) return bad();
      break;
    case NLA_BITFIELD32: {
      if (attrlen !== 8) return bad();
      const value = getU32(a.data, 0);
      const selector = getU32(a.data, 4);
      const valid = pt.bitfield32Valid ?? 0;
      // validate_nla_bitfield32: no valid bits, an invalid selector bit, or an invalid value bit
      if (valid === 0 || (selector & ~valid) >>> 0 !== 0) return bad(EINVAL);
      if ((value & ~valid) >>> 0 !== 0) return bad(EINVAL);
      if ((value & ~selector) >>> 0 !== 0) return bad(EINVAL);
      break;
    }
    case NLA_NUL_STRING:
    case NLA_STRING: {
      if (pt.type === NLA_NUL_STRING) {
        const minlen = pt.len ? Math.min(attrlen, pt.len + 1) : attrlen;
        if (minlen === 0 || a.data.subarray(0, minlen).indexOf(0) < 0) return bad(EINVAL);
      }
      if (attrlen < 1) return bad();
      if (pt.len) {
        const n = a.data[attrlen - 1] === 0 ? attrlen - 1 : attrlen;
        if (n > pt.len) return bad();
      }
      break;
    }
    case NLA_BINARY:
      if (pt.len && attrlen > pt.len) return bad();
      break;
    case NLA_NESTED:
    case NLA_NESTED_ARRAY: {
      if (attrlen === 0) break;
      if (attrlen < NLA_HDRLEN) return bad();
      if (pt.nested === undefined) break;
      if (pt.type === NLA_NESTED) {
        // errors inside keep their own message and attribute
        const err = validateParse(a.data, a.offset + NLA_HDRLEN, pt.nested, validate, extack, undefined, depth + 1);
        if (err < 0) return err;
      } else {
        const inner = pt.nested;
        const r = forEachAttr(a.data, a.offset + NLA_HDRLEN, (entry) => {
          if (entry.data.length === 0) return 0;
          if (entry.data.length < NLA_HDRLEN) {
            // nla_validate_array: the element's own offset, and `policy` (the nested array, so its entry 0)
            return failPolicy(
              extack,
              entry,
              inner.policy[0] ?? { type: NLA_UNSPEC },
              "Array element too short",
              ERANGE,
            );
          }
          return validateParse(entry.data, entry.offset + NLA_HDRLEN, inner, validate, extack, undefined, depth + 1);
        });
        if (r.err < 0) return r.err;
      }
      break;
    }
    case NLA_UNSPEC:
      if (validate & NL_VALIDATE_UNSPEC) {
        extack.msg = "Unsupported attribute";
        extack.badAttr = a.offset;
        return EINVAL;
      }
      if (attrlen < (pt.len ?? 0)) return bad();
      break;
    default: {
      const minlen = pt.len ? pt.len : (ATTR_MINLEN[pt.type] ?? 0);
      if (attrlen < minlen) return bad();
    }
  }
  if (pt.min !== undefined || pt.max !== undefined) {
    const value = intValue(pt, a.data);
    const isBinary = pt.type === NLA_BINARY;
    if (isBinary && pt.warnTooLong && pt.max !== undefined && value > pt.max) {
      if (validate & NL_VALIDATE_STRICT_ATTRS) return failPolicy(extack, a, pt, "invalid attribute length", EINVAL);
      return 0;
    }
    if ((pt.min !== undefined && value < pt.min) || (pt.max !== undefined && value > pt.max)) {
      return failPolicy(
        extack,
        a,
        pt,
        isBinary ? "binary attribute size out of range" : "integer out of range",
        ERANGE,
      );
    }
  }
  return 0;
};

const MAX_POLICY_RECURSION_DEPTH = 10;

/** __nla_validate_parse: walks the attributes, validates each, fills `tb` when given. */
const validateParse = (
  data: Uint8Array,
  base: number,
  set: NlaPolicySet,
  validate: number,
  extack: NetlinkExtAck,
  tb: Array<NlAttr | undefined> | undefined,
  depth: number,
): number => {
  if (depth >= MAX_POLICY_RECURSION_DEPTH) {
    extack.msg = "allowed policy recursion depth exceeded";
    return EINVAL;
  }
  const r = forEachAttr(data, base, (a) => {
    const type = a.rawType & NLA_TYPE_MASK;
    if (type === 0 || type > set.maxtype) {
      if (validate & NL_VALIDATE_MAXTYPE) {
        extack.msg = "Unknown attribute type";
        extack.badAttr = a.offset;
        return EINVAL;
      }
      return 0;
    }
    const err = validateNla(a, set, validate, extack, depth);
    if (err < 0) return err;
    if (tb !== undefined) tb[type] = toAttr(a);
    return 0;
  });
  if (r.err < 0) return r.err;
  if (r.rem > 0) {
    extack.msg = "bytes leftover after parsing attributes";
    if (validate & NL_VALIDATE_TRAILING) return EINVAL;
  }
  return 0;
};

export interface NlaParseOptions {
  /** NL_VALIDATE_* bits; default NL_VALIDATE_STRICT (nla_parse); NL_VALIDATE_LIBERAL is nla_parse_deprecated */
  readonly validate?: number;
  /** offset of `data` within the message, so offsets in the extack count from the message start */
  readonly base?: number;
}

/**
 * nla_parse: validates `data` against `policy` and returns the attribute table (index = type,
 * the last occurrence wins), or the negative errno and the extended ACK the kernel would send.
 */
export const nlaParse = (data: Uint8Array, policy: NlaPolicySet, opts?: NlaParseOptions): NlaParseResult => {
  const tb: Array<NlAttr | undefined> = Array.from({ length: policy.maxtype + 1 }, () => undefined);
  const extack: NetlinkExtAck = {};
  const err = validateParse(data, opts?.base ?? 0, policy, opts?.validate ?? NL_VALIDATE_STRICT, extack, tb, 0);
  if (err < 0) return { ok: false, error: err, extack };
  return extack.msg === undefined ? { ok: true, tb } : { ok: true, tb, warning: extack.msg };
};

/** Default range of an integer policy type (nla_get_range_unsigned / nla_get_range_signed). */
const INT_RANGE: Readonly<Partial<Record<NlaType, readonly [bigint, bigint]>>> = {
  [NLA_U8]: [0n, 0xffn],
  [NLA_U16]: [0n, 0xffffn],
  [NLA_U32]: [0n, 0xffffffffn],
  [NLA_U64]: [0n, 0xffffffffffffffffn],
  [NLA_MSECS]: [0n, 0xffffffffffffffffn],
  [NLA_S8]: [-0x80n, 0x7fn],
  [NLA_S16]: [-0x8000n, 0x7fffn],
  [NLA_S32]: [-0x80000000n, 0x7fffffffn],
  [NLA_S64]: [-0x8000000000000000n, 0x7fffffffffffffffn],
};

/**
 * The nest content the kernel writes for a policy entry (netlink_policy_dump_write_attr, i.e. without
 * dump state), e.g. for NLMSGERR_ATTR_POLICY. Empty when the kernel cancels the nest (NLA_UNSPEC,
 * NLA_REJECT, and the types its switch does not list: NLA_BE16, NLA_BE32).
 */
export const encodePolicyAttr = (pt: NlaPolicy): Uint8Array => {
  const e = new AttributeEncoder(64);
  let type: number;
  switch (pt.type) {
    case NLA_NESTED:
    case NLA_NESTED_ARRAY:
      // POLICY_IDX and POLICY_MAXTYPE are only written in a policy dump (state != NULL)
      type = pt.type === NLA_NESTED ? NL_ATTR_TYPE_NESTED : NL_ATTR_TYPE_NESTED_ARRAY;
      break;
    case NLA_U8:
    case NLA_U16:
    case NLA_U32:
    case NLA_U64:
    case NLA_MSECS: {
      type =
        pt.type === NLA_U8
          ? NL_ATTR_TYPE_U8
          : pt.type === NLA_U16
            ? NL_ATTR_TYPE_U16
            : pt.type === NLA_U32
              ? NL_ATTR_TYPE_U32
              : NL_ATTR_TYPE_U64;
      // always both bounds, the type's own when the policy sets none
      const [min, max] = INT_RANGE[pt.type]!;
      e.u64(NL_POLICY_TYPE_ATTR_MIN_VALUE_U, pt.min ?? min);
      e.u64(NL_POLICY_TYPE_ATTR_MAX_VALUE_U, pt.max ?? max);
      break;
    }
    case NLA_S8:
    case NLA_S16:
    case NLA_S32:
    case NLA_S64: {
      type =
        pt.type === NLA_S8
          ? NL_ATTR_TYPE_S8
          : pt.type === NLA_S16
            ? NL_ATTR_TYPE_S16
            : pt.type === NLA_S32
              ? NL_ATTR_TYPE_S32
              : NL_ATTR_TYPE_S64;
      const [min, max] = INT_RANGE[pt.type]!;
      e.s64(NL_POLICY_TYPE_ATTR_MIN_VALUE_S, pt.min ?? min);
      e.s64(NL_POLICY_TYPE_ATTR_MAX_VALUE_S, pt.max ?? max);
      break;
    }
    case NLA_BITFIELD32:
      type = NL_ATTR_TYPE_BITFIELD32;
      e.u32(NL_POLICY_TYPE_ATTR_BITFIELD32_MASK, pt.bitfield32Valid ?? 0);
      break;
    case NLA_STRING:
    case NLA_NUL_STRING:
    case NLA_BINARY:
      type =
        pt.type === NLA_STRING
          ? NL_ATTR_TYPE_STRING
          : pt.type === NLA_NUL_STRING
            ? NL_ATTR_TYPE_NUL_STRING
            : NL_ATTR_TYPE_BINARY;
      if (pt.min !== undefined && pt.max !== undefined) {
        // NLA_VALIDATE_RANGE (EXACT_LEN, RANGE): a zero minimum and a maximum of U16_MAX are left out
        if (pt.min !== 0n) e.u32(NL_POLICY_TYPE_ATTR_MIN_LENGTH, Number(pt.min));
        if (pt.max < 0xffffn) e.u32(NL_POLICY_TYPE_ATTR_MAX_LENGTH, Number(pt.max));
      } else if (pt.len) {
        // only .len: a MIN_LEN or MAX_LEN policy (NLA_VALIDATE_MIN / _MAX) writes no length at all
        e.u32(NL_POLICY_TYPE_ATTR_MAX_LENGTH, pt.len);
      }
      break;
    case NLA_FLAG:
      type = NL_ATTR_TYPE_FLAG;
      break;
    default:
      // NLA_UNSPEC, NLA_REJECT, NLA_BE16, NLA_BE32: the kernel cancels the nest
      return new Uint8Array(0);
  }
  e.u32(NL_POLICY_TYPE_ATTR_TYPE, type);
  return e.finish();
};
