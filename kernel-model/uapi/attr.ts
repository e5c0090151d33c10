// struct nlattr: parse, typed accessors, nested attributes, and a fluent encoder.
import { NLA_ALIGN } from "./align.js";
import {
  carveBytes,
  getBeU16,
  getBeU32,
  getBeU64,
  getU16,
  getU32,
  getU64,
  ownedBytes,
  putBeU16,
  putBeU32,
  putBeU64,
  putU16,
  putU32,
  putU64,
  utf8Decode,
  utf8Encode,
} from "./bytes.js";
import { NetlinkDecodeError } from "./decode-error.js";
import { NLMSG_HDRLEN } from "./netlink.js";

/** The header fields finishMessage() writes (nlmsg_len defaults to the message's length). */
export interface NlMsgHeaderInit {
  readonly type: number;
  readonly flags?: number;
  readonly seq?: number;
  readonly pid?: number;
  readonly len?: number;
}

import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLA_HDRLEN, NLA_TYPE_MASK } from "./netlink.js";

/** One attribute as parsed: its type without the flag bits, the flags, and its payload (a view). */
export interface NlAttr {
  /** nla_type & NLA_TYPE_MASK */
  readonly type: number;
  readonly nested: boolean;
  readonly netByteOrder: boolean;
  /** the payload, nla_len − 4 bytes */
  readonly data: Uint8Array;
  /** offset of the nlattr header, counted from the caller's base (e.g. the start of the message) */
  readonly offset: number;
}

/** An attribute whose nested content has been parsed too (see parseAttrTree). */
export interface NlAttrNode extends NlAttr {
  readonly children?: ReadonlyArray<NlAttrNode>;
}

/**
 * Parses a list of attributes that fills `data` exactly (the last may lack its padding).
 * `base` is added to every offset, so attributes of a message report offsets from the
 * message start (what NLMSGERR_ATTR_OFFS carries).
 */
export const parseAttrs = (data: Uint8Array, base = 0): NlAttr[] => {
  const out: NlAttr[] = [];
  let off = 0;
  while (off < data.length) {
    const rem = data.length - off;
    if (rem < NLA_HDRLEN) {
      throw new NetlinkDecodeError(
        "short-attribute",
        base + off,
        `${rem} byte${rem === 1 ? "" : "s"} left, too short for a 4-byte nlattr`,
      );
    }
    const len = getU16(data, off);
    const rawType = getU16(data, off + 2);
    if (len < NLA_HDRLEN) {
      throw new NetlinkDecodeError(
        "bad-nla-len",
        base + off,
        `nla_len ${len} is less than the 4-byte attribute header`,
      );
    }
    if (len > rem) {
      throw new NetlinkDecodeError(
        "attribute-past-parent",
        base + off,
        `nla_len ${len} of attribute type ${rawType & NLA_TYPE_MASK} runs past its parent (${rem} bytes left)`,
      );
    }
    out.push({
      type: rawType & NLA_TYPE_MASK,
      nested: (rawType & NLA_F_NESTED) !== 0,
      netByteOrder: (rawType & NLA_F_NET_BYTEORDER) !== 0,
      data: data.subarray(off + NLA_HDRLEN, off + len),
      offset: base + off,
    });
    off += NLA_ALIGN(len);
  }
  return out;
};

/** The attributes inside a nested attribute, offsets continuing from the parent's. */
export const parseNested = (a: NlAttr): NlAttr[] => {
  try {
    return parseAttrs(a.data, a.offset + NLA_HDRLEN);
  } catch (e) {
    throw asTruncatedNest(e, a);
  }
};

const asTruncatedNest = (e: unknown, a: NlAttr): unknown =>
  e instanceof NetlinkDecodeError && e.problem !== "truncated-nest"
    ? new NetlinkDecodeError(
        "truncated-nest",
        e.offset,
        `nested attribute type ${a.type} at offset ${a.offset} is truncated: ${e.message.replace(/ \(at byte offset \d+\)$/, "")}`,
      )
    : e;

/**
 * Parses attributes and, recursively, every attribute marked NLA_F_NESTED (or whose type
 * `isNested(type, depth)` says is a nest, for families that do not set the flag).
 */
export const parseAttrTree = (
  data: Uint8Array,
  base = 0,
  isNested?: (type: number, depth: number, path: ReadonlyArray<number>) => boolean,
): NlAttrNode[] => {
  // An explicit stack, not recursion: a 64 KiB nest can hold 16383 levels, deeper than the JS call stack.
  interface Frame {
    readonly attrs: NlAttr[];
    i: number;
    readonly out: NlAttrNode[];
    readonly path: number[];
    readonly nest: NlAttr | undefined;
  }
  const root: Frame = { attrs: parseAttrs(data, base), i: 0, out: [], path: [], nest: undefined };
  const stack: Frame[] = [root];
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if (f.i === f.attrs.length) {
      stack.pop();
      if (f.nest !== undefined) stack[stack.length - 1]!.out.push({ ...f.nest, children: f.out });
      continue;
    }
    const a = f.attrs[f.i++]!;
    if (!a.nested && !(isNested?.(a.type, f.path.length, f.path) ?? false)) {
      f.out.push(a);
      continue;
    }
    let attrs: NlAttr[];
    try {
      attrs = parseAttrs(a.data, a.offset + NLA_HDRLEN);
    } catch (e) {
      throw asTruncatedNest(e, a);
    }
    stack.push({ attrs, i: 0, out: [], path: isNested === undefined ? f.path : [...f.path, a.type], nest: a });
  }
  return root.out;
};

const badValue = (a: NlAttr, what: string): NetlinkDecodeError =>
  new NetlinkDecodeError(
    "bad-attribute-value",
    a.offset,
    `attribute type ${a.type} has ${a.data.length} bytes, ${what}`,
  );

const need = (a: NlAttr, n: number, what: string): void => {
  if (a.data.length !== n) throw badValue(a, `${what} needs ${n}`);
};

// Typed accessors. Integers honour NLA_F_NET_BYTEORDER; each checks the exact length.
export const attrU8 = (a: NlAttr): number => {
  need(a, 1, "u8");
  return a.data[0]!;
};
export const attrU16 = (a: NlAttr): number => {
  need(a, 2, "u16");
  return a.netByteOrder ? getBeU16(a.data, 0) : getU16(a.data, 0);
};
export const attrU32 = (a: NlAttr): number => {
  need(a, 4, "u32");
  return a.netByteOrder ? getBeU32(a.data, 0) : getU32(a.data, 0);
};
export const attrU64 = (a: NlAttr): bigint => {
  need(a, 8, "u64");
  return a.netByteOrder ? getBeU64(a.data, 0) : getU64(a.data, 0);
};
export const attrS8 = (a: NlAttr): number => (attrU8(a) << 24) >> 24;
export const attrS16 = (a: NlAttr): number => (attrU16(a) << 16) >> 16;
export const attrS32 = (a: NlAttr): number => attrU32(a) | 0;
export const attrS64 = (a: NlAttr): bigint => BigInt.asIntN(64, attrU64(a));
/** Big-endian integers regardless of the flag (NLA_BE16/NLA_BE32 attributes). */
export const attrBe16 = (a: NlAttr): number => {
  need(a, 2, "be16");
  return getBeU16(a.data, 0);
};
export const attrBe32 = (a: NlAttr): number => {
  need(a, 4, "be32");
  return getBeU32(a.data, 0);
};
/** A string: the bytes up to the first NUL, or all of them (NLA_STRING). */
export const attrString = (a: NlAttr): string => {
  const nul = a.data.indexOf(0);
  return utf8Decode(nul < 0 ? a.data : a.data.subarray(0, nul));
};
/** A NUL-terminated string (NLA_NUL_STRING): fails if there is no NUL. */
export const attrStrz = (a: NlAttr): string => {
  const nul = a.data.indexOf(0);
  if (nul < 0) throw badValue(a, "a NUL-terminated string needs a NUL");
  return utf8Decode(a.data.subarray(0, nul));
};
export const attrBinary = (a: NlAttr): Uint8Array => a.data;
/** A flag attribute carries no payload; its presence is the value. */
export const attrFlag = (a: NlAttr): true => {
  need(a, 0, "a flag");
  return true;
};

/**
 * Reads attributes one by one with typed getters; the first problem is kept in `err` and
 * later reads return zero values, so a caller checks once at the end (like Go's
 * netlink.AttributeDecoder).
 */
export class AttributeDecoder {
  private readonly attrs: NlAttr[];
  private i = -1;
  err: NetlinkDecodeError | undefined;

  constructor(data: Uint8Array, base = 0) {
    try {
      this.attrs = parseAttrs(data, base);
    } catch (e) {
      this.attrs = [];
      this.err = e as NetlinkDecodeError;
    }
  }

  /** Advances to the next attribute; false at the end or after an error. */
  next(): boolean {
    if (this.err !== undefined) return false;
    this.i++;
    return this.i < this.attrs.length;
  }
  get attr(): NlAttr {
    return this.attrs[this.i]!;
  }
  get type(): number {
    return this.attrs[this.i]?.type ?? 0;
  }
  get length(): number {
    return this.attrs.length;
  }
  private read<T>(f: (a: NlAttr) => T, zero: T): T {
    if (this.err !== undefined) return zero;
    try {
      return f(this.attr);
    } catch (e) {
      this.err = e as NetlinkDecodeError;
      return zero;
    }
  }
  u8(): number {
    return this.read(attrU8, 0);
  }
  u16(): number {
    return this.read(attrU16, 0);
  }
  u32(): number {
    return this.read(attrU32, 0);
  }
  u64(): bigint {
    return this.read(attrU64, 0n);
  }
  s8(): number {
    return this.read(attrS8, 0);
  }
  s16(): number {
    return this.read(attrS16, 0);
  }
  s32(): number {
    return this.read(attrS32, 0);
  }
  s64(): bigint {
    return this.read(attrS64, 0n);
  }
  string(): string {
    return this.read(attrString, "");
  }
  strz(): string {
    return this.read(attrStrz, "");
  }
  bytes(): Uint8Array {
    return this.read(attrBinary, new Uint8Array(0));
  }
  flag(): boolean {
    return this.read(attrFlag, false);
  }
  /** A decoder over the current attribute's nested content. */
  nested(): AttributeDecoder {
    const a = this.attrs[this.i];
    const d = new AttributeDecoder(a?.data ?? new Uint8Array(0), (a?.offset ?? 0) + NLA_HDRLEN);
    if (this.err !== undefined) d.err = this.err;
    return d;
  }
}

/**
 * What went wrong in an AttributeEncoder chain: the first error, reported by finish() (and
 * readable as `encoder.err` before that). A RangeError, as the values it refuses are out of range.
 */
export class AttributeEncodeError extends RangeError {
  readonly _tag = "AttributeEncodeError" as const;
  constructor(
    /** the attribute type the failing call was given */
    readonly type: number,
    /** which call failed: "u32", "binary", "nested", "raw", ... */
    readonly call: string,
    detail: string,
  ) {
    super(detail);
    this.name = "AttributeEncodeError";
  }
}

/**
 * Builds a list of attributes: `new AttributeEncoder().u32(1, 5).string(2, "eth0").nested(3, (e) => e.flag(1)).finish()`.
 * Every attribute is padded to 4 bytes with zeros; the last one too (as the kernel's nla_put does).
 * A call that cannot be encoded (a payload too big for nla_len, an unaligned raw(), a type that
 * is not a u16) does not throw in the middle of the chain: the encoder keeps the first error,
 * ignores every later call, and finish() throws it (mdlayher/netlink's encoder does the same).
 */
export class AttributeEncoder {
  private buf: Uint8Array;
  private off = 0;
  private error: AttributeEncodeError | undefined = undefined;

  // the working buffer is carved from a shared chunk (carveBytes): growing it costs no off-heap
  // allocation; finish() and finishMessage() hand out a copy in bytes of the caller's own
  // (ownedBytes), finishMessageInto() writes into the caller's memory
  constructor(initialCapacity = 256) {
    this.buf = carveBytes(initialCapacity);
  }

  /** The first error of the chain so far (finish() throws it), or undefined. */
  get err(): AttributeEncodeError | undefined {
    return this.error;
  }

  private fail(type: number, call: string, detail: string): -1 {
    if (this.error === undefined) this.error = new AttributeEncodeError(type, call, detail);
    return -1;
  }

  private reserve(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let cap = Math.max(64, this.buf.length * 2);
    while (cap < this.off + n) cap *= 2;
    const next = carveBytes(cap);
    next.set(this.buf);
    this.buf = next;
  }

  /**
   * Appends an attribute header for `size` payload bytes and returns the payload offset, or −1
   * when the chain has failed (now or before): the caller then writes nothing. It may replace
   * `this.buf`: callers must call it before reading `this.buf`.
   */
  private put(type: number, size: number, call: string): number {
    if (this.error !== undefined) return -1;
    if (!(type >= 0 && type <= 0xffff && Number.isInteger(type))) {
      return this.fail(type, call, `attribute type ${type} is not a u16 (0..65535)`);
    }
    const total = NLA_HDRLEN + size;
    if (total > 0xffff) {
      return this.fail(type, call, `attribute type ${type}: ${size} payload bytes do not fit nla_len (u16)`);
    }
    const padded = NLA_ALIGN(total);
    this.reserve(padded);
    const buf = this.buf;
    const off = this.off;
    buf[off] = total & 0xff;
    buf[off + 1] = total >>> 8;
    buf[off + 2] = type & 0xff;
    buf[off + 3] = type >>> 8;
    for (let i = off + total; i < off + padded; i++) buf[i] = 0;
    this.off = off + padded;
    return off + NLA_HDRLEN;
  }

  u8(type: number, v: number): this {
    const at = this.put(type, 1, "u8");
    if (at < 0) return this;
    this.buf[at] = v & 0xff;
    return this;
  }
  u16(type: number, v: number): this {
    const at = this.put(type, 2, "u16");
    if (at < 0) return this;
    putU16(this.buf, at, v);
    return this;
  }
  u32(type: number, v: number): this {
    const at = this.put(type, 4, "u32");
    if (at < 0) return this;
    putU32(this.buf, at, v >>> 0);
    return this;
  }
  u64(type: number, v: bigint): this {
    const at = this.put(type, 8, "u64");
    if (at < 0) return this;
    putU64(this.buf, at, v);
    return this;
  }
  s8(type: number, v: number): this {
    return this.u8(type, v);
  }
  s16(type: number, v: number): this {
    return this.u16(type, v & 0xffff);
  }
  s32(type: number, v: number): this {
    return this.u32(type, v);
  }
  s64(type: number, v: bigint): this {
    return this.u64(type, v);
  }
  /** Big-endian, type flags untouched (nla_put_be16/be32/be64). */
  be16(type: number, v: number): this {
    const at = this.put(type, 2, "be16");
    if (at < 0) return this;
    putBeU16(this.buf, at, v);
    return this;
  }
  be32(type: number, v: number): this {
    const at = this.put(type, 4, "be32");
    if (at < 0) return this;
    putBeU32(this.buf, at, v >>> 0);
    return this;
  }
  be64(type: number, v: bigint): this {
    const at = this.put(type, 8, "be64");
    if (at < 0) return this;
    putBeU64(this.buf, at, v);
    return this;
  }
  /** Big-endian with NLA_F_NET_BYTEORDER set (nla_put_net16/net32/net64). */
  net16(type: number, v: number): this {
    return this.be16(type | NLA_F_NET_BYTEORDER, v);
  }
  net32(type: number, v: number): this {
    return this.be32(type | NLA_F_NET_BYTEORDER, v);
  }
  net64(type: number, v: bigint): this {
    return this.be64(type | NLA_F_NET_BYTEORDER, v);
  }
  /** A NUL-terminated string (nla_put_string). */
  string(type: number, s: string): this {
    // ASCII, the common case, is copied straight into the buffer; anything else goes through UTF-8
    let ascii = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0x7f) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const b = utf8Encode(s);
      const at = this.put(type, b.length + 1, "string");
      if (at < 0) return this;
      this.buf.set(b, at);
      this.buf[at + b.length] = 0;
      return this;
    }
    const at = this.put(type, s.length + 1, "string");
    if (at < 0) return this;
    const buf = this.buf;
    for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
    buf[at + s.length] = 0;
    return this;
  }
  /** A string without its terminating NUL. */
  rawString(type: number, s: string): this {
    return this.binary(type, utf8Encode(s));
  }
  binary(type: number, data: Uint8Array): this {
    const at = this.put(type, data.length, "binary");
    if (at < 0) return this;
    this.buf.set(data, at);
    return this;
  }
  /** Appends already-encoded attributes (their length must be a multiple of 4). */
  raw(attrs: Uint8Array): this {
    if (this.error !== undefined) return this;
    if (attrs.length % 4 !== 0) {
      this.fail(-1, "raw", `raw attributes of ${attrs.length} bytes are not 4-byte aligned`);
      return this;
    }
    this.reserve(attrs.length);
    this.buf.set(attrs, this.off);
    this.off += attrs.length;
    return this;
  }
  flag(type: number): this {
    this.put(type, 0, "flag");
    return this;
  }
  /** A nest: NLA_F_NESTED is set unless `setNestedFlag` is false (old families did not set it). */
  nested(type: number, fill: (e: AttributeEncoder) => unknown, setNestedFlag = true): this {
    // the header is put first (checks the type), its length written once the content is in
    const start = this.off;
    if (this.put(type, 0, "nested") < 0) return this;
    fill(this);
    if (this.error !== undefined) return this;
    const len = this.off - start;
    if (len > 0xffff) {
      this.fail(type, "nested", `nest type ${type}: ${len} bytes do not fit nla_len (u16)`);
      return this;
    }
    putU16(this.buf, start, len);
    putU16(this.buf, start + 2, setNestedFlag ? type | NLA_F_NESTED : type);
    return this;
  }
  /** Bytes written so far. */
  get length(): number {
    return this.off;
  }
  /**
   * The encoded attributes, in bytes of the caller's own (see ownedBytes: `.buffer` may be a
   * shared pool; the encoder may be reused after reset()). Throws the chain's first error, if any.
   */
  finish(): Uint8Array {
    if (this.error !== undefined) throw this.error;
    const out = ownedBytes(this.off);
    out.set(this.off === this.buf.length ? this.buf : this.buf.subarray(0, this.off));
    return out;
  }

  /**
   * One whole message, header and these attributes as its payload, in bytes of the caller's own:
   * what encodeMessage({ ...header, payload: finish() }) gives, with one copy instead of two.
   * Throws the chain's first error, if any.
   */
  finishMessage(header: NlMsgHeaderInit): Uint8Array {
    if (this.error !== undefined) throw this.error;
    const len = NLMSG_HDRLEN + this.off;
    const out = ownedBytes(len);
    putU32(out, 0, header.len ?? len);
    putU16(out, 4, header.type);
    putU16(out, 6, header.flags ?? 0);
    putU32(out, 8, header.seq ?? 0);
    putU32(out, 12, header.pid ?? 0);
    out.set(this.buf.subarray(0, this.off), NLMSG_HDRLEN);
    return out;
  }

  /**
   * The same message written into the caller's memory at `off` (nothing allocated): its length,
   * header included. For a sender that encodes into one buffer, hands it to sendto, and reuses it
   * (the kernel copies what is sent). Throws the chain's first error, or a RangeError when the
   * message does not fit in `buf` from `off`.
   */
  finishMessageInto(buf: Uint8Array, off: number, header: NlMsgHeaderInit): number {
    if (this.error !== undefined) throw this.error;
    const len = NLMSG_HDRLEN + this.off;
    if (!(Number.isInteger(off) && off >= 0 && off + len <= buf.length)) {
      throw new RangeError(`a ${len}-byte message does not fit in ${buf.length} bytes from offset ${off}`);
    }
    putU32(buf, off, header.len ?? len);
    putU16(buf, off + 4, header.type);
    putU16(buf, off + 6, header.flags ?? 0);
    putU32(buf, off + 8, header.seq ?? 0);
    putU32(buf, off + 12, header.pid ?? 0);
    buf.set(this.buf.subarray(0, this.off), off + NLMSG_HDRLEN);
    return len;
  }

  /** Empties the encoder (and forgets its error) for the next list. */
  reset(): this {
    this.off = 0;
    this.error = undefined;
    return this;
  }
}
