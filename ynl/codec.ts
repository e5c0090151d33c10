// Encoding and decoding by a spec: attribute sets to and from plain objects (keys in camelCase),
// structs (fixed headers and binary attributes laid out by a struct), enums by name, flags as
// lists of names, nests, multi-attr lists, indexed arrays, nest-type-value levels and
// sub-messages chosen by their selector — the semantics of the kernel's pyynl (ynl.py).
import {
  AttributeEncoder,
  getBeU16,
  getBeU32,
  getBeU64,
  getU16,
  getU32,
  getU64,
  type NlAttr,
  parseAttrs,
  putBeU16,
  putBeU32,
  putBeU64,
  putU16,
  putU32,
  putU64,
  utf8Decode,
  utf8Encode,
} from "../kernel-model/uapi/index.js";
import {
  camel,
  intWidth,
  specEnum,
  specSet,
  specStruct,
  type YnlAttr,
  type YnlAttrSet,
  type YnlAttrType,
  type YnlByteOrder,
  type YnlIntType,
  type YnlSpec,
  type YnlStruct,
} from "./spec.js";

/** A value the codec reads or writes. */
export type YnlValue =
  | number
  | bigint
  | string
  | boolean
  | Uint8Array
  | ReadonlyArray<YnlValue>
  | { readonly [key: string]: YnlValue | undefined };

/** A decoded (or to-be-encoded) attribute set: camelCase names to values. */
export type YnlObject = { readonly [key: string]: YnlValue | undefined };

/** A value that cannot be encoded: where (the key path) and why. */
export class YnlEncodeError extends Error {
  override readonly name = "YnlEncodeError";
  /** for Effect.catchTag when a client request fails with it */
  readonly _tag = "YnlEncodeError" as const;
  constructor(
    readonly spec: string,
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${spec}: ${path}: ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Scalars

const readInt = (b: Uint8Array, off: number, t: YnlIntType, order: YnlByteOrder): number | bigint => {
  const be = order === "big-endian";
  switch (t) {
    case "u8":
      return b[off]!;
    case "s8":
      return (b[off]! << 24) >> 24;
    case "u16":
      return be ? getBeU16(b, off) : getU16(b, off);
    case "s16":
      return ((be ? getBeU16(b, off) : getU16(b, off)) << 16) >> 16;
    case "u32":
      return be ? getBeU32(b, off) : getU32(b, off);
    case "s32":
      return (be ? getBeU32(b, off) : getU32(b, off)) | 0;
    case "u64":
      return be ? getBeU64(b, off) : getU64(b, off);
    case "s64":
      return BigInt.asIntN(64, be ? getBeU64(b, off) : getU64(b, off));
  }
};

const writeInt = (b: Uint8Array, off: number, t: YnlIntType, order: YnlByteOrder, v: bigint): void => {
  const be = order === "big-endian";
  const w = intWidth(t);
  const u = BigInt.asUintN(w * 8, v);
  if (w === 1) b[off] = Number(u);
  else if (w === 2) (be ? putBeU16 : putU16)(b, off, Number(u));
  else if (w === 4) (be ? putBeU32 : putU32)(b, off, Number(u));
  else (be ? putBeU64 : putU64)(b, off, u);
};

const range = (t: YnlIntType): readonly [bigint, bigint] => {
  const bits = BigInt(intWidth(t) * 8);
  return t.startsWith("s") ? [-(2n ** (bits - 1n)), 2n ** (bits - 1n) - 1n] : [0n, 2n ** bits - 1n];
};

/** An integer from a number, a bigint, or an enum entry's name (flags: a list of names). */
const toInt = (spec: YnlSpec, path: string, v: YnlValue | undefined, enumName: string | undefined): bigint => {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new YnlEncodeError(spec.file, path, `${v} is not an integer`);
    return BigInt(v);
  }
  if (typeof v === "bigint") return v;
  const e = specEnum(spec, enumName);
  if (e !== undefined && typeof v === "string") {
    const n = e.byName.get(v);
    if (n === undefined)
      throw new YnlEncodeError(
        spec.file,
        path,
        `"${v}" is not an entry of ${e.kind} ${e.name} (${[...e.byName.keys()].join(", ")})`,
      );
    return BigInt(n);
  }
  if (e !== undefined && e.kind === "flags" && Array.isArray(v)) {
    let m = 0n;
    for (const x of v) m |= toInt(spec, path, x, enumName);
    return m;
  }
  throw new YnlEncodeError(
    spec.file,
    path,
    `expected an integer${e !== undefined ? ` or a name from ${e.name}` : ""}, got ${typeof v}`,
  );
};

/** An integer as the client returns it: the enum entry's name, the flags' names, or the number. */
const fromInt = (spec: YnlSpec, n: number | bigint, enumName: string | undefined, asFlags: boolean): YnlValue => {
  const e = specEnum(spec, enumName);
  if (e === undefined) return n;
  if (e.kind === "flags" || asFlags) {
    const names: YnlValue[] = [];
    let rest = BigInt(n);
    for (const x of e.entries) {
      if (BigInt(x.value) & rest) {
        names.push(x.name);
        rest &= ~BigInt(x.value);
      }
    }
    // bits the spec does not name stay visible as a number
    if (rest !== 0n) names.push(typeof n === "bigint" ? rest : Number(rest));
    return names;
  }
  return e.byValue.get(Number(n)) ?? n;
};

// ---------------------------------------------------------------------------------------------
// Structs

/** Decodes a struct (a fixed header, or a binary attribute's layout) into an object. */
export const decodeStruct = (spec: YnlSpec, st: YnlStruct, b: Uint8Array): Record<string, YnlValue> => {
  const out: Record<string, YnlValue> = {};
  let off = 0;
  for (const m of st.members) {
    if (m.type === "pad") {
      off += m.len;
      continue;
    }
    if (off + m.len > b.length) break;
    if (m.type === "binary") out[camel(m.name)] = b.slice(off, off + m.len);
    else if (m.type === "string") out[camel(m.name)] = cString(b.subarray(off, off + m.len));
    else out[camel(m.name)] = fromInt(spec, readInt(b, off, m.type, m.byteOrder), m.enum, m.enumAsFlags);
    off += m.len;
  }
  return out;
};

/** Encodes a struct from an object; members not given are 0. */
export const encodeStruct = (spec: YnlSpec, st: YnlStruct, v: YnlObject, path: string): Uint8Array => {
  const b = new Uint8Array(st.size);
  let off = 0;
  const names = new Set(st.members.map((m) => camel(m.name)));
  for (const k of Object.keys(v)) {
    if (!names.has(k)) {
      throw new YnlEncodeError(
        spec.file,
        `${path}.${k}`,
        `struct ${st.name} has no member "${k}" (${[...names].join(", ")})`,
      );
    }
  }
  for (const m of st.members) {
    const x = v[camel(m.name)];
    const p = `${path}.${camel(m.name)}`;
    if (m.type === "pad" || x === undefined) {
      off += m.len;
      continue;
    }
    if (m.type === "binary" || m.type === "string") {
      const bytes = m.type === "string" && typeof x === "string" ? utf8Encode(x) : x;
      if (!(bytes instanceof Uint8Array))
        throw new YnlEncodeError(spec.file, p, `expected bytes for a ${m.len}-byte member`);
      if (bytes.length > m.len)
        throw new YnlEncodeError(spec.file, p, `${bytes.length} bytes do not fit a ${m.len}-byte member`);
      b.set(bytes, off);
    } else {
      const n = toInt(spec, p, x, m.enum);
      const [lo, hi] = range(m.type);
      if (n < lo || n > hi) throw new YnlEncodeError(spec.file, p, `${n} is outside ${m.type} (${lo}..${hi})`);
      writeInt(b, off, m.type, m.byteOrder, n);
    }
    off += m.len;
  }
  return b;
};

const cString = (b: Uint8Array): string => {
  const z = b.indexOf(0);
  return utf8Decode(z < 0 ? b : b.subarray(0, z));
};

// ---------------------------------------------------------------------------------------------
// Decoding attributes

const decodeScalar = (spec: YnlSpec, a: YnlAttr, type: YnlAttrType, data: Uint8Array): YnlValue => {
  switch (type) {
    case "flag":
      return true;
    case "string":
      return cString(data);
    case "uint":
    case "sint": {
      // 4 or 8 bytes (nla_get_uint)
      if (data.length === 4) {
        const v = readInt(data, 0, type === "uint" ? "u32" : "s32", a.byteOrder);
        return fromInt(spec, BigInt(v), a.enum, a.enumAsFlags);
      }
      if (data.length >= 8)
        return fromInt(spec, readInt(data, 0, type === "uint" ? "u64" : "s64", a.byteOrder), a.enum, a.enumAsFlags);
      return data.slice();
    }
    case "bitfield32":
      return data.length >= 8 ? { value: getU32(data, 0), selector: getU32(data, 4) } : data.slice();
    case "u8":
    case "u16":
    case "u32":
    case "u64":
    case "s8":
    case "s16":
    case "s32":
    case "s64":
      // a short payload stays raw rather than reading past it
      if (data.length < intWidth(type)) return data.slice();
      return fromInt(spec, readInt(data, 0, type, a.byteOrder), a.enum, a.enumAsFlags);
    default:
      return data.slice();
  }
};

const decodeBinary = (spec: YnlSpec, a: YnlAttr, data: Uint8Array): YnlValue => {
  if (a.struct !== undefined) {
    const st = specStruct(spec, a.struct);
    return data.length >= st.size ? decodeStruct(spec, st, data) : data.slice();
  }
  if (a.subType !== undefined && (a.subType as string) in WIDTHS) {
    const t = a.subType as YnlIntType;
    const w = intWidth(t);
    const out: Array<number | bigint> = [];
    for (let off = 0; off + w <= data.length; off += w) out.push(readInt(data, off, t, a.byteOrder));
    return out;
  }
  return data.slice();
};

const WIDTHS: Readonly<Record<YnlIntType, true>> = {
  u8: true,
  u16: true,
  u32: true,
  u64: true,
  s8: true,
  s16: true,
  s32: true,
  s64: true,
};

const decodeOne = (spec: YnlSpec, a: YnlAttr, na: NlAttr, siblings: Record<string, YnlValue>): YnlValue => {
  switch (a.type) {
    case "nest":
      return decodeAttrs(spec, specSet(spec, a.nestedAttributes!), parseAttrs(na.data, na.offset + 4));
    case "indexed-array":
      return parseAttrs(na.data, na.offset + 4).map((el) =>
        a.subType === "nest"
          ? decodeAttrs(spec, specSet(spec, a.nestedAttributes!), parseAttrs(el.data, el.offset + 4))
          : a.subType === "binary"
            ? decodeBinary(spec, a, el.data)
            : decodeScalar(spec, a, a.subType!, el.data),
      );
    case "nest-type-value":
      return decodeTypeValue(spec, a, na, a.typeValue!.length);
    case "sub-message":
      return decodeSubMessage(spec, a, na, siblings);
    case "binary":
      return decodeBinary(spec, a, na.data);
    default:
      return decodeScalar(spec, a, a.type, na.data);
  }
};

const decodeTypeValue = (spec: YnlSpec, a: YnlAttr, na: NlAttr, levels: number): YnlValue => {
  const out: Record<string, YnlValue> = {};
  for (const inner of parseAttrs(na.data, na.offset + 4)) {
    out[String(inner.type)] =
      levels > 1
        ? decodeTypeValue(spec, a, inner, levels - 1)
        : decodeAttrs(spec, specSet(spec, a.nestedAttributes!), parseAttrs(inner.data, inner.offset + 4));
  }
  return out;
};

const decodeSubMessage = (spec: YnlSpec, a: YnlAttr, na: NlAttr, siblings: Record<string, YnlValue>): YnlValue => {
  const sel = siblings[camel(a.selector!)];
  const sub = spec.subMessages.get(a.subMessage!)!;
  const fmt = sub.formats.find((f) => f.value === sel);
  // a kind the spec does not describe stays raw bytes
  if (fmt === undefined) return na.data.slice();
  let out: Record<string, YnlValue> = {};
  let data = na.data;
  let base = na.offset + 4;
  if (fmt.fixedHeader !== undefined) {
    const st = specStruct(spec, fmt.fixedHeader);
    out = decodeStruct(spec, st, data);
    data = data.subarray(st.size);
    base += st.size;
  }
  if (fmt.attributeSet !== undefined)
    Object.assign(out, decodeAttrs(spec, specSet(spec, fmt.attributeSet), parseAttrs(data, base)));
  return out;
};

/**
 * Decodes a list of attributes by an attribute set. Attributes the set does not know (a newer
 * kernel's) are left out; multi-attr attributes become lists; pads are skipped.
 */
export const decodeAttrs = (spec: YnlSpec, set: YnlAttrSet, attrs: ReadonlyArray<NlAttr>): Record<string, YnlValue> => {
  const out: Record<string, YnlValue> = {};
  const later: Array<readonly [YnlAttr, NlAttr]> = [];
  for (const na of attrs) {
    const a = set.byValue.get(na.type);
    if (a === undefined || a.type === "pad" || a.type === "unused") continue;
    // sub-messages read their selector, which may come after them
    if (a.type === "sub-message") {
      later.push([a, na]);
      continue;
    }
    put(out, a, decodeOne(spec, a, na, out));
  }
  for (const [a, na] of later) put(out, a, decodeOne(spec, a, na, out));
  return out;
};

const put = (out: Record<string, YnlValue>, a: YnlAttr, v: YnlValue): void => {
  const k = camel(a.name);
  if (a.multiAttr) out[k] = [...((out[k] as YnlValue[] | undefined) ?? []), v];
  else out[k] = v;
};

// ---------------------------------------------------------------------------------------------
// Encoding attributes

const encodeScalar = (
  spec: YnlSpec,
  e: AttributeEncoder,
  a: YnlAttr,
  type: YnlAttrType,
  nlaType: number,
  v: YnlValue,
  path: string,
): void => {
  switch (type) {
    case "flag":
      if (v !== true) throw new YnlEncodeError(spec.file, path, "a flag is true or left out");
      e.flag(nlaType);
      return;
    case "string":
      if (typeof v !== "string") throw new YnlEncodeError(spec.file, path, `expected a string, got ${typeof v}`);
      e.string(nlaType, v);
      return;
    case "binary":
      encodeBinary(spec, e, a, nlaType, v, path);
      return;
    case "bitfield32": {
      const o = v as YnlObject;
      if (typeof o !== "object" || o === null)
        throw new YnlEncodeError(spec.file, path, "expected { value, selector }");
      const b = new Uint8Array(8);
      putU32(b, 0, Number(toInt(spec, `${path}.value`, o.value, a.enum)));
      putU32(b, 4, Number(toInt(spec, `${path}.selector`, o.selector, a.enum)));
      e.binary(nlaType, b);
      return;
    }
    case "uint":
    case "sint": {
      const n = toInt(spec, path, v, a.enum);
      // nla_put_uint: 4 bytes when the value fits, else 8
      const fits = type === "uint" ? n >= 0n && n <= 0xffffffffn : n >= -(2n ** 31n) && n < 2n ** 31n;
      const t: YnlIntType = fits ? (type === "uint" ? "u32" : "s32") : type === "uint" ? "u64" : "s64";
      const b = new Uint8Array(intWidth(t));
      writeInt(b, 0, t, a.byteOrder, n);
      e.binary(nlaType, b);
      return;
    }
    case "u8":
    case "u16":
    case "u32":
    case "u64":
    case "s8":
    case "s16":
    case "s32":
    case "s64": {
      const n = toInt(spec, path, v, a.enum);
      const [lo, hi] = range(type);
      if (n < lo || n > hi) throw new YnlEncodeError(spec.file, path, `${n} is outside ${type} (${lo}..${hi})`);
      const b = new Uint8Array(intWidth(type));
      writeInt(b, 0, type, a.byteOrder, n);
      e.binary(nlaType, b);
      return;
    }
    default:
      throw new YnlEncodeError(spec.file, path, `a ${type} attribute cannot be sent`);
  }
};

const encodeBinary = (
  spec: YnlSpec,
  e: AttributeEncoder,
  a: YnlAttr,
  nlaType: number,
  v: YnlValue,
  path: string,
): void => {
  if (v instanceof Uint8Array) {
    e.binary(nlaType, v);
    return;
  }
  if (a.struct !== undefined && typeof v === "object" && !Array.isArray(v)) {
    e.binary(nlaType, encodeStruct(spec, specStruct(spec, a.struct), v as YnlObject, path));
    return;
  }
  if (a.subType !== undefined && (a.subType as string) in WIDTHS && Array.isArray(v)) {
    const t = a.subType as YnlIntType;
    const w = intWidth(t);
    const b = new Uint8Array(w * v.length);
    v.forEach((x, i) => {
      writeInt(b, i * w, t, a.byteOrder, toInt(spec, `${path}[${i}]`, x, undefined));
    });
    e.binary(nlaType, b);
    return;
  }
  throw new YnlEncodeError(
    spec.file,
    path,
    `expected bytes (Uint8Array)${a.struct !== undefined ? ` or a ${a.struct} object` : ""}`,
  );
};

const encodeOne = (spec: YnlSpec, e: AttributeEncoder, a: YnlAttr, v: YnlValue, path: string, obj: YnlObject): void => {
  switch (a.type) {
    case "nest":
      e.nested(a.value, (n) => encodeInto(spec, n, specSet(spec, a.nestedAttributes!), v as YnlObject, path));
      return;
    case "indexed-array": {
      if (!Array.isArray(v)) throw new YnlEncodeError(spec.file, path, "an indexed-array is a list");
      e.nested(a.value, (n) => {
        v.forEach((x, i) => {
          if (a.subType === "nest")
            n.nested(i + 1, (m) =>
              encodeInto(spec, m, specSet(spec, a.nestedAttributes!), x as YnlObject, `${path}[${i}]`),
            );
          else encodeScalar(spec, n, a, a.subType!, i + 1, x, `${path}[${i}]`);
        });
      });
      return;
    }
    case "nest-type-value":
      e.nested(a.value, (n) => encodeTypeValue(spec, n, a, v as YnlObject, a.typeValue!.length, path));
      return;
    case "sub-message": {
      const sel = obj[camel(a.selector!)];
      const sub = spec.subMessages.get(a.subMessage!)!;
      const fmt = sub.formats.find((f) => f.value === sel);
      if (fmt === undefined) {
        throw new YnlEncodeError(
          spec.file,
          path,
          `the selector ${camel(a.selector!)} is ${JSON.stringify(sel)}, which sub-message ${sub.name} has no format for`,
        );
      }
      const o = v as YnlObject;
      let head: Uint8Array = new Uint8Array(0);
      let rest: YnlObject = o;
      if (fmt.fixedHeader !== undefined) {
        const st = specStruct(spec, fmt.fixedHeader);
        const members = new Set(st.members.map((m) => camel(m.name)));
        head = encodeStruct(spec, st, Object.fromEntries(Object.entries(o).filter(([k]) => members.has(k))), path);
        rest = Object.fromEntries(Object.entries(o).filter(([k]) => !members.has(k)));
      }
      const inner = new AttributeEncoder();
      if (fmt.attributeSet !== undefined) encodeInto(spec, inner, specSet(spec, fmt.attributeSet), rest, path);
      const body = inner.finish();
      const b = new Uint8Array(head.length + body.length);
      b.set(head);
      b.set(body, head.length);
      e.nested(a.value, (n) => n.raw(padded(b)));
      return;
    }
    default:
      encodeScalar(spec, e, a, a.type, a.value, v, path);
  }
};

const padded = (b: Uint8Array): Uint8Array => {
  if (b.length % 4 === 0) return b;
  const out = new Uint8Array(b.length + (4 - (b.length % 4)));
  out.set(b);
  return out;
};

const encodeTypeValue = (
  spec: YnlSpec,
  e: AttributeEncoder,
  a: YnlAttr,
  v: YnlObject,
  levels: number,
  path: string,
): void => {
  for (const [k, x] of Object.entries(v)) {
    const t = Number(k);
    if (!Number.isInteger(t)) throw new YnlEncodeError(spec.file, `${path}.${k}`, "nest-type-value keys are numbers");
    e.nested(t, (n) =>
      levels > 1
        ? encodeTypeValue(spec, n, a, x as YnlObject, levels - 1, `${path}.${k}`)
        : encodeInto(spec, n, specSet(spec, a.nestedAttributes!), x as YnlObject, `${path}.${k}`),
    );
  }
};

const camelKeys = new WeakMap<YnlAttrSet, ReadonlyMap<string, YnlAttr>>();
/** A set's attributes by their camelCase key, built once per set. */
const byCamel = (set: YnlAttrSet): ReadonlyMap<string, YnlAttr> => {
  let m = camelKeys.get(set);
  if (m === undefined) {
    m = new Map(set.attributes.map((a) => [camel(a.name), a]));
    camelKeys.set(set, m);
  }
  return m;
};

/** Encodes `obj` by `set` into an encoder, in the set's attribute order. Unknown keys are errors. */
export const encodeInto = (spec: YnlSpec, e: AttributeEncoder, set: YnlAttrSet, obj: YnlObject, path: string): void => {
  if (typeof obj !== "object" || obj === null || Array.isArray(obj) || obj instanceof Uint8Array) {
    throw new YnlEncodeError(spec.file, path, `expected an object of ${set.name} attributes`);
  }
  const keys = byCamel(set);
  for (const k of Object.keys(obj)) {
    if (!keys.has(k)) {
      throw new YnlEncodeError(spec.file, `${path}.${k}`, `attribute set ${set.name} has no attribute "${k}"`);
    }
  }
  for (const a of set.attributes) {
    const k = camel(a.name);
    const v = obj[k];
    if (v === undefined) continue;
    const p = `${path}.${k}`;
    if (a.multiAttr) {
      if (!Array.isArray(v)) throw new YnlEncodeError(spec.file, p, "a multi-attr attribute is a list");
      v.forEach((x, i) => {
        encodeOne(spec, e, a, x, `${p}[${i}]`, obj);
      });
    } else encodeOne(spec, e, a, v, p, obj);
  }
};

/** The attributes of `obj` encoded by `set`. Throws YnlEncodeError or AttributeEncodeError. */
export const encodeAttrs = (spec: YnlSpec, set: YnlAttrSet, obj: YnlObject, path = set.name): Uint8Array => {
  const e = new AttributeEncoder();
  encodeInto(spec, e, set, obj, path);
  return e.finish();
};
