// A YNL spec (the kernel's Documentation/netlink/specs/*.yaml, protocols genetlink, genetlink-c,
// genetlink-legacy and netlink-raw) checked and turned into a typed model: definitions (enums,
// flags, structs, constants), attribute sets with their numbering resolved, sub-messages,
// operations with their message ids and multicast groups. The numbering follows the kernel's
// tools/net/ynl/pyynl/lib/nlspec.py: attributes count from 1 (or the set's first `value`), each
// from the one before; enum entries from `value-start` (0), flags as bits; operations in the
// unified model from 1, each taking the next id unless it gives `value`.
//
// Everything a spec can get wrong is a YnlSpecError naming the file and the key path
// ("rt-link.yaml: attribute-sets[3].attributes[2].type: ...").

/** A spec that cannot be used: which file, which key, what is wrong. */
export class YnlSpecError extends Error {
  override readonly name = "YnlSpecError";
  constructor(
    /** the spec's file (or the name it was given under) */
    readonly file: string,
    /** the key path: "operations.list[2].do.request.attributes[0]" */
    readonly path: string,
    readonly detail: string,
  ) {
    super(`${file}: ${path === "" ? "" : `${path}: `}${detail}`);
  }
}

export type YnlProtocol = "genetlink" | "genetlink-c" | "genetlink-legacy" | "netlink-raw";

/** Scalar member and attribute types that have a fixed width. */
export type YnlIntType = "u8" | "u16" | "u32" | "u64" | "s8" | "s16" | "s32" | "s64";

export type YnlAttrType =
  | "unused"
  | "pad"
  | "flag"
  | "binary"
  | "bitfield32"
  | YnlIntType
  | "uint"
  | "sint"
  | "string"
  | "nest"
  | "indexed-array"
  | "nest-type-value"
  | "sub-message";

export type YnlByteOrder = "little-endian" | "big-endian";

/** An enum or a flags definition: entry names and their values (flags: the bit, 1 << position). */
export interface YnlEnum {
  readonly kind: "enum" | "flags";
  readonly name: string;
  readonly entries: ReadonlyArray<{ readonly name: string; readonly value: number }>;
  readonly byName: ReadonlyMap<string, number>;
  readonly byValue: ReadonlyMap<number, string>;
}

/** One member of a struct (a fixed header or a binary attribute's layout). */
export interface YnlMember {
  readonly name: string;
  readonly type: YnlIntType | "pad" | "binary" | "string";
  /** bytes: for pad, binary and string members */
  readonly len: number;
  readonly byteOrder: YnlByteOrder;
  readonly enum?: string;
  readonly enumAsFlags: boolean;
}

export interface YnlStruct {
  readonly kind: "struct";
  readonly name: string;
  readonly members: ReadonlyArray<YnlMember>;
  /** the packed size, in bytes */
  readonly size: number;
}

export interface YnlConst {
  readonly kind: "const";
  readonly name: string;
  readonly value: number;
}

export type YnlDefinition = YnlEnum | YnlStruct | YnlConst;

/** An attribute's `checks` (policy limits), resolved to numbers. */
export interface YnlChecks {
  readonly min?: bigint;
  readonly max?: bigint;
  readonly minLen?: number;
  readonly maxLen?: number;
  readonly exactLen?: number;
  readonly flagsMask?: bigint;
  readonly unterminatedOk?: boolean;
}

export interface YnlAttr {
  readonly name: string;
  /** the attribute's type number (nla_type) */
  readonly value: number;
  readonly type: YnlAttrType;
  readonly byteOrder: YnlByteOrder;
  readonly multiAttr: boolean;
  /** nest, indexed-array of nest, nest-type-value: the attribute set inside */
  readonly nestedAttributes?: string;
  /** indexed-array and binary arrays: the type of each element */
  readonly subType?: YnlAttrType;
  readonly enum?: string;
  readonly enumAsFlags: boolean;
  /** binary: the struct that lays it out */
  readonly struct?: string;
  /** sub-message: the sub-message definition and the sibling attribute that selects its format */
  readonly subMessage?: string;
  readonly selector?: string;
  /** nest-type-value: the names of the nesting levels */
  readonly typeValue?: ReadonlyArray<string>;
  readonly displayHint?: string;
  readonly checks: YnlChecks;
  readonly doc?: string;
}

export interface YnlAttrSet {
  readonly name: string;
  readonly attributes: ReadonlyArray<YnlAttr>;
  readonly byName: ReadonlyMap<string, YnlAttr>;
  readonly byValue: ReadonlyMap<number, YnlAttr>;
  /** the largest attribute number (the kernel's maxattr for a policy of this set) */
  readonly maxValue: number;
  readonly subsetOf?: string;
}

export interface YnlSubMessageFormat {
  /** the selector's value that picks this format */
  readonly value: string;
  readonly attributeSet?: string;
  readonly fixedHeader?: string;
}

export interface YnlSubMessage {
  readonly name: string;
  readonly formats: ReadonlyArray<YnlSubMessageFormat>;
}

/** One direction of an operation's message: its id and the attributes it may carry. */
export interface YnlMessage {
  /** the message id: the genl command, or the nlmsg_type for netlink-raw */
  readonly value: number;
  readonly attributes: ReadonlyArray<string>;
}

export interface YnlOpMode {
  readonly request?: YnlMessage;
  readonly reply?: YnlMessage;
}

export interface YnlOperation {
  readonly name: string;
  /** the unified model's id (also each direction's id when the op does not give its own) */
  readonly value: number;
  readonly attributeSet?: string;
  /** the fixed header struct (netlink-raw, or a genetlink-legacy family header) */
  readonly fixedHeader?: string;
  /** admin-perm, uns-admin-perm */
  readonly flags: ReadonlyArray<string>;
  /** strict, dump, dump-strict */
  readonly dontValidate: ReadonlyArray<string>;
  readonly do?: YnlOpMode;
  readonly dump?: YnlOpMode;
  /** a notification: the op whose reply attributes it carries */
  readonly notify?: string;
  /** an event: its attributes */
  readonly event?: YnlMessage;
  readonly mcgrp?: string;
  readonly doc?: string;
}

export interface YnlMcastGroup {
  readonly name: string;
  /** netlink-raw: the group number (RTNLGRP_*); genetlink groups get theirs from the kernel */
  readonly value?: number;
  readonly flags: ReadonlyArray<string>;
}

/** A checked spec. */
export interface YnlSpec {
  readonly file: string;
  readonly name: string;
  readonly protocol: YnlProtocol;
  /** netlink-raw: the netlink protocol number (0 for NETLINK_ROUTE) */
  readonly protonum?: number;
  /** genetlink: the family version sent in genlmsghdr (default 1) */
  readonly version: number;
  readonly doc?: string;
  /** kernel-policy: split (default for genetlink), per-op or global */
  readonly kernelPolicy: "split" | "per-op" | "global";
  readonly enumModel: "unified" | "directional";
  readonly definitions: ReadonlyMap<string, YnlDefinition>;
  readonly attributeSets: ReadonlyMap<string, YnlAttrSet>;
  readonly subMessages: ReadonlyMap<string, YnlSubMessage>;
  readonly operations: ReadonlyArray<YnlOperation>;
  readonly operationsByName: ReadonlyMap<string, YnlOperation>;
  readonly mcastGroups: ReadonlyArray<YnlMcastGroup>;
}

// ---------------------------------------------------------------------------------------------
// Reading plain YAML values with a key path for every error

type Obj = Readonly<Record<string, unknown>>;

class Reader {
  constructor(readonly file: string) {}

  fail(path: string, detail: string): never {
    throw new YnlSpecError(this.file, path, detail);
  }

  obj(v: unknown, path: string): Obj {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(path, `must be a mapping, not ${show(v)}`);
    return v as Obj;
  }

  list(v: unknown, path: string): ReadonlyArray<unknown> {
    if (!Array.isArray(v)) this.fail(path, `must be a list, not ${show(v)}`);
    return v;
  }

  str(o: Obj, key: string, path: string): string {
    const v = o[key];
    if (typeof v !== "string" || v === "")
      this.fail(join(path, key), v === undefined ? "is required" : `must be a non-empty string, not ${show(v)}`);
    return v;
  }

  optStr(o: Obj, key: string, path: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string") this.fail(join(path, key), `must be a string, not ${show(v)}`);
    return v;
  }

  optInt(o: Obj, key: string, path: string): number | undefined {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isSafeInteger(v))
      this.fail(join(path, key), `must be an integer, not ${show(v)}`);
    return v;
  }

  /** An integer, or the name of a const definition read before (value-start, len). */
  optIntOrConst(o: Obj, key: string, path: string, defs: ReadonlyMap<string, YnlDefinition>): number | undefined {
    const v = o[key];
    if (typeof v === "string") {
      const d = defs.get(v);
      if (d?.kind !== "const") this.fail(join(path, key), `"${v}" is neither an integer nor a const definition`);
      return d.value;
    }
    return this.optInt(o, key, path);
  }

  optBool(o: Obj, key: string, path: string): boolean {
    const v = o[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== "boolean") this.fail(join(path, key), `must be true or false, not ${show(v)}`);
    return v;
  }

  oneOf<T extends string>(o: Obj, key: string, path: string, allowed: ReadonlyArray<T>, dflt?: T): T {
    const v = o[key];
    if ((v === undefined || v === null) && dflt !== undefined) return dflt;
    if (typeof v !== "string" || !allowed.includes(v as T)) {
      this.fail(
        join(path, key),
        `${v === undefined ? "is required" : `is ${show(v)}`}; expected one of ${allowed.join(", ")}`,
      );
    }
    return v as T;
  }

  strList(o: Obj, key: string, path: string): string[] {
    const v = o[key];
    if (v === undefined || v === null) return [];
    const l = this.list(v, join(path, key));
    return l.map((x, i) => {
      if (typeof x !== "string") this.fail(`${join(path, key)}[${i}]`, `must be a string, not ${show(x)}`);
      return x;
    });
  }

  /** Keys other than these are an error (a typo would otherwise be silently ignored). */
  known(o: Obj, path: string, keys: ReadonlyArray<string>): void {
    for (const k of Object.keys(o)) {
      if (!keys.includes(k)) this.fail(join(path, k), `unknown key; expected one of ${keys.join(", ")}`);
    }
  }
}

const show = (v: unknown): string => {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return JSON.stringify(v);
};

const join = (path: string, key: string): string => (path === "" ? key : `${path}.${key}`);

// ---------------------------------------------------------------------------------------------
// The parts of a spec

const INT_TYPES: ReadonlyArray<YnlIntType> = ["u8", "u16", "u32", "u64", "s8", "s16", "s32", "s64"];
const ATTR_TYPES: ReadonlyArray<YnlAttrType> = [
  "unused",
  "pad",
  "flag",
  "binary",
  "bitfield32",
  ...INT_TYPES,
  "uint",
  "sint",
  "string",
  "nest",
  "indexed-array",
  "nest-type-value",
  "sub-message",
];

/** The width in bytes of a fixed-width integer type. */
export const intWidth = (t: YnlIntType): number => Number(t.slice(1)) / 8;

const ENUM_KEYS = [
  "name",
  "type",
  "doc",
  "header",
  "enum-name",
  "name-prefix",
  "entries",
  "value-start",
  "enum-cnt-name",
  "render-max",
];
const STRUCT_KEYS = ["name", "type", "doc", "header", "members"];
const CONST_KEYS = ["name", "type", "doc", "header", "value"];
const MEMBER_KEYS = ["name", "type", "doc", "len", "byte-order", "enum", "enum-as-flags", "display-hint", "struct"];

const readEnum = (
  r: Reader,
  d: Obj,
  path: string,
  kind: "enum" | "flags",
  defs: ReadonlyMap<string, YnlDefinition>,
): YnlEnum => {
  r.known(d, path, ENUM_KEYS);
  const name = r.str(d, "name", path);
  const entries: Array<{ name: string; value: number }> = [];
  let next = r.optIntOrConst(d, "value-start", path, defs) ?? 0;
  const list = r.list(d.entries ?? [], join(path, "entries"));
  list.forEach((e, i) => {
    const p = `${join(path, "entries")}[${i}]`;
    let entryName: string;
    let value: number | undefined;
    if (typeof e === "string") entryName = e;
    else {
      const o = r.obj(e, p);
      r.known(o, p, ["name", "value", "doc"]);
      entryName = typeof o.name === "number" ? String(o.name) : r.str(o, "name", p);
      value = r.optInt(o, "value", p);
    }
    // flags are bits: the position counts, an explicit value is the bit's value
    const v = value ?? (kind === "flags" ? 2 ** next : next);
    if (entries.some((x) => x.name === entryName)) r.fail(p, `entry "${entryName}" appears twice`);
    entries.push({ name: entryName, value: v });
    next = kind === "flags" ? (value === undefined ? next + 1 : Math.log2(value) + 1) : v + 1;
  });
  return {
    kind,
    name,
    entries,
    byName: new Map(entries.map((e) => [e.name, e.value])),
    byValue: new Map(entries.map((e) => [e.value, e.name])),
  };
};

const readStruct = (r: Reader, d: Obj, path: string, defs: ReadonlyMap<string, YnlDefinition>): YnlStruct => {
  r.known(d, path, STRUCT_KEYS);
  const name = r.str(d, "name", path);
  const members = r.list(d.members ?? [], join(path, "members")).map((m, i): YnlMember => {
    const p = `${join(path, "members")}[${i}]`;
    const o = r.obj(m, p);
    r.known(o, p, MEMBER_KEYS);
    const type = r.oneOf(o, "type", p, [...INT_TYPES, "pad", "binary", "string"] as const);
    const len = r.optIntOrConst(o, "len", p, defs);
    if ((type === "pad" || type === "binary" || type === "string") && len === undefined) {
      r.fail(join(p, "len"), `a ${type} member needs its length`);
    }
    const e = r.optStr(o, "enum", p);
    return {
      name: r.str(o, "name", p),
      type,
      len: len ?? intWidth(type as YnlIntType),
      byteOrder: r.oneOf(o, "byte-order", p, ["little-endian", "big-endian"] as const, "little-endian"),
      ...(e !== undefined ? { enum: e } : {}),
      enumAsFlags: r.optBool(o, "enum-as-flags", p),
    };
  });
  return { kind: "struct", name, members, size: members.reduce((n, m) => n + m.len, 0) };
};

const readDefinitions = (r: Reader, spec: Obj): Map<string, YnlDefinition> => {
  const out = new Map<string, YnlDefinition>();
  r.list(spec.definitions ?? [], "definitions").forEach((d, i) => {
    const path = `definitions[${i}]`;
    const o = r.obj(d, path);
    const type = r.oneOf(o, "type", path, ["enum", "flags", "struct", "const"] as const);
    let def: YnlDefinition;
    if (type === "struct") def = readStruct(r, o, path, out);
    else if (type === "const") {
      r.known(o, path, CONST_KEYS);
      const value = r.optInt(o, "value", path);
      if (value === undefined) r.fail(join(path, "value"), "a const needs its value");
      def = { kind: "const", name: r.str(o, "name", path), value };
    } else def = readEnum(r, o, path, type, out);
    if (out.has(def.name)) r.fail(join(path, "name"), `definition "${def.name}" appears twice`);
    out.set(def.name, def);
  });
  return out;
};

/** Named limits the kernel's specs use in checks (ynl_gen_c's limits). */
const NAMED_LIMITS: Readonly<Record<string, bigint>> = {
  "u8-min": 0n,
  "u16-min": 0n,
  "u32-min": 0n,
  "u64-min": 0n,
  "s8-min": -(2n ** 7n),
  "s16-min": -(2n ** 15n),
  "s32-min": -(2n ** 31n),
  "s64-min": -(2n ** 63n),
  "u8-max": 2n ** 8n - 1n,
  "u16-max": 2n ** 16n - 1n,
  "u32-max": 2n ** 32n - 1n,
  "u64-max": 2n ** 64n - 1n,
  "s8-max": 2n ** 7n - 1n,
  "s16-max": 2n ** 15n - 1n,
  "s32-max": 2n ** 31n - 1n,
  "s64-max": 2n ** 63n - 1n,
};

const CHECK_KEYS = [
  "min",
  "max",
  "min-len",
  "max-len",
  "exact-len",
  "flags-mask",
  "unterminated-ok",
  "sparse",
  "full-range",
];

const readChecks = (r: Reader, v: unknown, path: string, defs: ReadonlyMap<string, YnlDefinition>): YnlChecks => {
  if (v === undefined || v === null) return {};
  const o = r.obj(v, path);
  r.known(o, path, CHECK_KEYS);
  const limit = (key: string): bigint | undefined => {
    const x = o[key];
    if (x === undefined || x === null) return undefined;
    if (typeof x === "number" && Number.isSafeInteger(x)) return BigInt(x);
    if (typeof x === "string") {
      const named = NAMED_LIMITS[x];
      if (named !== undefined) return named;
      const d = defs.get(x);
      if (d?.kind === "const") return BigInt(d.value);
      r.fail(
        join(path, key),
        `"${x}" is neither a number, a named limit (u32-max, s16-min, ...) nor a const definition`,
      );
    }
    return r.fail(join(path, key), `must be an integer or a limit's name, not ${show(x)}`);
  };
  const num = (key: string): number | undefined => {
    const b = limit(key);
    return b === undefined ? undefined : Number(b);
  };
  const out: { -readonly [K in keyof YnlChecks]: YnlChecks[K] } = {};
  const min = limit("min");
  const max = limit("max");
  if (min !== undefined) out.min = min;
  if (max !== undefined) out.max = max;
  const minLen = num("min-len");
  const maxLen = num("max-len");
  const exactLen = num("exact-len");
  if (minLen !== undefined) out.minLen = minLen;
  if (maxLen !== undefined) out.maxLen = maxLen;
  if (exactLen !== undefined) out.exactLen = exactLen;
  const mask = o["flags-mask"];
  if (mask !== undefined && mask !== null) {
    if (typeof mask !== "string") r.fail(join(path, "flags-mask"), "must name a flags definition");
    const d = defs.get(mask);
    if (d === undefined || d.kind !== "flags") r.fail(join(path, "flags-mask"), `"${mask}" is not a flags definition`);
    out.flagsMask = d.entries.reduce((m, e) => m | BigInt(e.value), 0n);
  }
  if (r.optBool(o, "unterminated-ok", path)) out.unterminatedOk = true;
  if (min !== undefined && max !== undefined && min > max) r.fail(path, `min ${min} is above max ${max}`);
  return out;
};

const ATTR_KEYS = [
  "name",
  "type",
  "doc",
  "value",
  "byte-order",
  "multi-attr",
  "nested-attributes",
  "sub-type",
  "enum",
  "enum-as-flags",
  "struct",
  "sub-message",
  "selector",
  "type-value",
  "display-hint",
  "checks",
  "len",
  "header",
  "name-prefix",
];
const SET_KEYS = [
  "name",
  "name-prefix",
  "enum-name",
  "attr-cnt-name",
  "attr-max-name",
  "doc",
  "subset-of",
  "attributes",
  "header",
];

interface RawSet {
  readonly o: Obj;
  readonly path: string;
  readonly name: string;
}

const readAttr = (
  r: Reader,
  o: Obj,
  path: string,
  value: number,
  defs: ReadonlyMap<string, YnlDefinition>,
  base?: YnlAttr,
): YnlAttr => {
  r.known(o, path, ATTR_KEYS);
  // array-nest: the old name of an indexed-array of nests
  const arrayNest = o.type === "array-nest";
  const type: YnlAttrType = arrayNest
    ? "indexed-array"
    : base !== undefined && o.type === undefined
      ? base.type
      : r.oneOf(o, "type", path, ATTR_TYPES);
  const pick = (key: string, was: string | undefined): string | undefined => r.optStr(o, key, path) ?? was;
  const nestedAttributes = pick("nested-attributes", base?.nestedAttributes);
  const subTypeRaw = o["sub-type"];
  const subType: YnlAttrType | undefined = arrayNest
    ? "nest"
    : subTypeRaw === undefined
      ? base?.subType
      : r.oneOf(o, "sub-type", path, ATTR_TYPES);
  if ((type === "nest" || type === "nest-type-value") && nestedAttributes === undefined) {
    r.fail(join(path, "nested-attributes"), `a ${type} attribute needs the attribute set it nests`);
  }
  if (type === "indexed-array") {
    if (subType === undefined) r.fail(join(path, "sub-type"), "an indexed-array needs the type of its elements");
    if (subType === "nest" && nestedAttributes === undefined) {
      r.fail(join(path, "nested-attributes"), "an indexed-array of nests needs the attribute set of its elements");
    }
  }
  const subMessage = pick("sub-message", base?.subMessage);
  const selector = pick("selector", base?.selector);
  if (type === "sub-message" && (subMessage === undefined || selector === undefined)) {
    r.fail(path, "a sub-message attribute needs sub-message and selector");
  }
  const e = pick("enum", base?.enum);
  if (e !== undefined) {
    const d = defs.get(e);
    if (d === undefined || d.kind === "struct" || d.kind === "const") {
      r.fail(join(path, "enum"), `"${e}" is not an enum or flags definition`);
    }
  }
  const st = pick("struct", base?.struct);
  if (st !== undefined && defs.get(st)?.kind !== "struct")
    r.fail(join(path, "struct"), `"${st}" is not a struct definition`);
  const typeValue = o["type-value"] === undefined ? base?.typeValue : r.strList(o, "type-value", path);
  if (type === "nest-type-value" && (typeValue === undefined || typeValue.length === 0)) {
    r.fail(join(path, "type-value"), "a nest-type-value attribute needs the names of its levels");
  }
  const doc = pick("doc", base?.doc);
  const hint = pick("display-hint", base?.displayHint);
  return {
    name: base?.name ?? r.str(o, "name", path),
    value,
    type,
    byteOrder:
      o["byte-order"] === undefined && base !== undefined
        ? base.byteOrder
        : r.oneOf(o, "byte-order", path, ["little-endian", "big-endian"] as const, "little-endian"),
    multiAttr: o["multi-attr"] === undefined && base !== undefined ? base.multiAttr : r.optBool(o, "multi-attr", path),
    ...(nestedAttributes !== undefined ? { nestedAttributes } : {}),
    ...(subType !== undefined ? { subType } : {}),
    ...(e !== undefined ? { enum: e } : {}),
    enumAsFlags:
      o["enum-as-flags"] === undefined && base !== undefined ? base.enumAsFlags : r.optBool(o, "enum-as-flags", path),
    ...(st !== undefined ? { struct: st } : {}),
    ...(subMessage !== undefined ? { subMessage } : {}),
    ...(selector !== undefined ? { selector } : {}),
    ...(typeValue !== undefined ? { typeValue } : {}),
    ...(hint !== undefined ? { displayHint: hint } : {}),
    checks:
      o.checks === undefined && base !== undefined ? base.checks : readChecks(r, o.checks, join(path, "checks"), defs),
    ...(doc !== undefined ? { doc } : {}),
  };
};

const makeSet = (name: string, attributes: YnlAttr[], subsetOf?: string): YnlAttrSet => ({
  name,
  attributes,
  byName: new Map(attributes.map((a) => [a.name, a])),
  byValue: new Map(attributes.map((a) => [a.value, a])),
  maxValue: attributes.reduce((m, a) => Math.max(m, a.value), 0),
  ...(subsetOf !== undefined ? { subsetOf } : {}),
});

const readAttrSets = (r: Reader, spec: Obj, defs: ReadonlyMap<string, YnlDefinition>): Map<string, YnlAttrSet> => {
  const raw: RawSet[] = r.list(spec["attribute-sets"] ?? [], "attribute-sets").map((s, i) => {
    const path = `attribute-sets[${i}]`;
    const o = r.obj(s, path);
    r.known(o, path, SET_KEYS);
    return { o, path, name: r.str(o, "name", path) };
  });
  const out = new Map<string, YnlAttrSet>();
  const full = (x: RawSet): void => {
    const attrs: YnlAttr[] = [];
    let next = 1;
    r.list(x.o.attributes ?? [], join(x.path, "attributes")).forEach((a, i) => {
      const p = `${join(x.path, "attributes")}[${i}]`;
      const o = r.obj(a, p);
      const value = r.optInt(o, "value", p) ?? next;
      const attr = readAttr(r, o, p, value, defs);
      if (attrs.some((b) => b.name === attr.name)) r.fail(join(p, "name"), `attribute "${attr.name}" appears twice`);
      if (attrs.some((b) => b.value === value)) r.fail(p, `attribute number ${value} is used twice`);
      attrs.push(attr);
      next = value + 1;
    });
    out.set(x.name, makeSet(x.name, attrs));
  };
  for (const x of raw) {
    if (out.has(x.name)) r.fail(join(x.path, "name"), `attribute set "${x.name}" appears twice`);
    if (x.o["subset-of"] === undefined) full(x);
  }
  for (const x of raw) {
    const of = r.optStr(x.o, "subset-of", x.path);
    if (of === undefined) continue;
    const sup = out.get(of);
    if (sup === undefined) r.fail(join(x.path, "subset-of"), `"${of}" is not a full attribute set of this spec`);
    const attrs = r.list(x.o.attributes ?? [], join(x.path, "attributes")).map((a, i) => {
      const p = `${join(x.path, "attributes")}[${i}]`;
      const o = r.obj(a, p);
      const name = r.str(o, "name", p);
      const b = sup.byName.get(name);
      if (b === undefined) r.fail(join(p, "name"), `"${name}" is not an attribute of "${of}"`);
      return readAttr(r, o, p, b.value, defs, b);
    });
    out.set(x.name, makeSet(x.name, attrs, of));
  }
  return out;
};

const readSubMessages = (
  r: Reader,
  spec: Obj,
  sets: ReadonlyMap<string, YnlAttrSet>,
  defs: ReadonlyMap<string, YnlDefinition>,
): Map<string, YnlSubMessage> => {
  const out = new Map<string, YnlSubMessage>();
  r.list(spec["sub-messages"] ?? [], "sub-messages").forEach((s, i) => {
    const path = `sub-messages[${i}]`;
    const o = r.obj(s, path);
    r.known(o, path, ["name", "doc", "formats"]);
    const name = r.str(o, "name", path);
    const formats = r.list(o.formats, join(path, "formats")).map((f, j): YnlSubMessageFormat => {
      const p = `${join(path, "formats")}[${j}]`;
      const fo = r.obj(f, p);
      r.known(fo, p, ["value", "attribute-set", "fixed-header"]);
      const set = r.optStr(fo, "attribute-set", p);
      const fixed = r.optStr(fo, "fixed-header", p);
      if (set !== undefined && !sets.has(set))
        r.fail(join(p, "attribute-set"), `"${set}" is not an attribute set of this spec`);
      if (fixed !== undefined && defs.get(fixed)?.kind !== "struct")
        r.fail(join(p, "fixed-header"), `"${fixed}" is not a struct definition`);
      return {
        value: r.str(fo, "value", p),
        ...(set !== undefined ? { attributeSet: set } : {}),
        ...(fixed !== undefined ? { fixedHeader: fixed } : {}),
      };
    });
    out.set(name, { name, formats });
  });
  return out;
};

const OP_KEYS = [
  "name",
  "doc",
  "value",
  "attribute-set",
  "fixed-header",
  "flags",
  "dont-validate",
  "config-cond",
  "do",
  "dump",
  "notify",
  "event",
  "mcgrp",
];

const readMessage = (
  r: Reader,
  v: unknown,
  path: string,
  dflt: number,
  directional: boolean,
  set: YnlAttrSet | undefined,
): YnlMessage => {
  const o = r.obj(v, path);
  r.known(o, path, ["value", "attributes"]);
  const value = r.optInt(o, "value", path);
  if (directional && value === undefined)
    r.fail(join(path, "value"), "the directional enum-model needs each message's id");
  const attributes = r.strList(o, "attributes", path);
  attributes.forEach((a, i) => {
    if (set === undefined)
      r.fail(`${join(path, "attributes")}[${i}]`, "the operation names attributes but no attribute-set");
    if (!set.byName.has(a)) r.fail(`${join(path, "attributes")}[${i}]`, `"${a}" is not an attribute of "${set.name}"`);
  });
  return { value: value ?? dflt, attributes };
};

const readMode = (
  r: Reader,
  v: unknown,
  path: string,
  dflt: number,
  directional: boolean,
  set: YnlAttrSet | undefined,
): YnlOpMode => {
  const o = r.obj(v, path);
  r.known(o, path, ["request", "reply", "pre", "post"]);
  return {
    ...(o.request !== undefined
      ? { request: readMessage(r, o.request, join(path, "request"), dflt, directional, set) }
      : {}),
    ...(o.reply !== undefined ? { reply: readMessage(r, o.reply, join(path, "reply"), dflt, directional, set) } : {}),
  };
};

const readOperations = (
  r: Reader,
  spec: Obj,
  sets: ReadonlyMap<string, YnlAttrSet>,
  defs: ReadonlyMap<string, YnlDefinition>,
): { ops: YnlOperation[]; enumModel: "unified" | "directional" } => {
  const ops = spec.operations === undefined ? {} : r.obj(spec.operations, "operations");
  r.known(ops, "operations", [
    "enum-model",
    "name-prefix",
    "async-prefix",
    "async-enum",
    "enum-name",
    "fixed-header",
    "list",
  ]);
  const enumModel = r.oneOf(ops, "enum-model", "operations", ["unified", "directional"] as const, "unified");
  const directional = enumModel === "directional";
  const defaultFixed = r.optStr(ops, "fixed-header", "operations");
  const out: YnlOperation[] = [];
  let next = 1;
  r.list(ops.list ?? [], "operations.list").forEach((x, i) => {
    const path = `operations.list[${i}]`;
    const o = r.obj(x, path);
    r.known(o, path, OP_KEYS);
    const name = r.str(o, "name", path);
    if (out.some((p) => p.name === name)) r.fail(join(path, "name"), `operation "${name}" appears twice`);
    const value = r.optInt(o, "value", path) ?? next;
    next = value + 1;
    const setName = r.optStr(o, "attribute-set", path);
    const set = setName === undefined ? undefined : sets.get(setName);
    if (setName !== undefined && set === undefined)
      r.fail(join(path, "attribute-set"), `"${setName}" is not an attribute set of this spec`);
    const fixed = r.optStr(o, "fixed-header", path) ?? defaultFixed;
    if (fixed !== undefined && defs.get(fixed)?.kind !== "struct")
      r.fail(join(path, "fixed-header"), `"${fixed}" is not a struct definition`);
    const flags = r.strList(o, "flags", path);
    flags.forEach((f, j) => {
      if (f !== "admin-perm" && f !== "uns-admin-perm")
        r.fail(`${join(path, "flags")}[${j}]`, `"${f}": expected admin-perm or uns-admin-perm`);
    });
    const dontValidate = r.strList(o, "dont-validate", path);
    dontValidate.forEach((f, j) => {
      if (!["strict", "dump", "dump-strict"].includes(f))
        r.fail(`${join(path, "dont-validate")}[${j}]`, `"${f}": expected strict, dump or dump-strict`);
    });
    const doc = r.optStr(o, "doc", path);
    const notify = r.optStr(o, "notify", path);
    const mcgrp = r.optStr(o, "mcgrp", path);
    out.push({
      name,
      value,
      ...(setName !== undefined ? { attributeSet: setName } : {}),
      ...(fixed !== undefined ? { fixedHeader: fixed } : {}),
      flags,
      dontValidate,
      ...(o.do !== undefined ? { do: readMode(r, o.do, join(path, "do"), value, directional, set) } : {}),
      ...(o.dump !== undefined ? { dump: readMode(r, o.dump, join(path, "dump"), value, directional, set) } : {}),
      ...(notify !== undefined ? { notify } : {}),
      ...(o.event !== undefined ? { event: readMessage(r, o.event, join(path, "event"), value, false, set) } : {}),
      ...(mcgrp !== undefined ? { mcgrp } : {}),
      ...(doc !== undefined ? { doc } : {}),
    });
  });
  // a notification names the op whose reply it mirrors
  out.forEach((op, i) => {
    if (op.notify !== undefined && !out.some((p) => p.name === op.notify)) {
      r.fail(`operations.list[${i}].notify`, `"${op.notify}" is not an operation of this spec`);
    }
  });
  return { ops: out, enumModel };
};

const readMcastGroups = (r: Reader, spec: Obj): YnlMcastGroup[] => {
  if (spec["mcast-groups"] === undefined) return [];
  const o = r.obj(spec["mcast-groups"], "mcast-groups");
  r.known(o, "mcast-groups", ["list"]);
  return r.list(o.list ?? [], "mcast-groups.list").map((g, i) => {
    const path = `mcast-groups.list[${i}]`;
    const go = r.obj(g, path);
    r.known(go, path, ["name", "value", "flags", "doc", "c-define-name"]);
    const value = r.optInt(go, "value", path);
    return {
      name: r.str(go, "name", path),
      ...(value !== undefined ? { value } : {}),
      flags: r.strList(go, "flags", path),
    };
  });
};

/** Nested sets, structs, enums and sub-messages that attributes name must exist. */
const checkReferences = (
  r: Reader,
  sets: ReadonlyMap<string, YnlAttrSet>,
  subs: ReadonlyMap<string, YnlSubMessage>,
  raw: Obj,
): void => {
  const rawSets = r.list(raw["attribute-sets"] ?? [], "attribute-sets");
  rawSets.forEach((_, i) => {
    const name = (rawSets[i] as Obj).name as string;
    const set = sets.get(name)!;
    set.attributes.forEach((a) => {
      const rawAttrs = r.list((rawSets[i] as Obj).attributes ?? [], "");
      const j = rawAttrs.findIndex((x) => (x as Obj).name === a.name);
      const p = `attribute-sets[${i}].attributes[${j}]`;
      if (a.nestedAttributes !== undefined && !sets.has(a.nestedAttributes)) {
        r.fail(join(p, "nested-attributes"), `"${a.nestedAttributes}" is not an attribute set of this spec`);
      }
      if (a.subMessage !== undefined && !subs.has(a.subMessage)) {
        r.fail(join(p, "sub-message"), `"${a.subMessage}" is not a sub-message of this spec`);
      }
      if (a.selector !== undefined && !set.byName.has(a.selector)) {
        r.fail(join(p, "selector"), `"${a.selector}" is not an attribute of "${set.name}"`);
      }
    });
  });
};

const TOP_KEYS = [
  "name",
  "protocol",
  "protonum",
  "doc",
  "uapi-header",
  "c-family-name",
  "c-version-name",
  "max-by-define",
  "cmd-max-name",
  "cmd-cnt-name",
  "kernel-policy",
  "version",
  "definitions",
  "attribute-sets",
  "sub-messages",
  "operations",
  "mcast-groups",
  "kernel-family",
];

/**
 * Checks a parsed YAML document (a plain object) and returns the spec's model. `file` names the
 * spec in errors. Throws YnlSpecError.
 */
export const parseSpec = (doc: unknown, file: string): YnlSpec => {
  const r = new Reader(file);
  const spec = r.obj(doc, "");
  r.known(spec, "", TOP_KEYS);
  const name = r.str(spec, "name", "");
  const protocol = r.oneOf(
    spec,
    "protocol",
    "",
    ["genetlink", "genetlink-c", "genetlink-legacy", "netlink-raw"] as const,
    "genetlink",
  );
  const protonum = r.optInt(spec, "protonum", "");
  if (protocol === "netlink-raw" && protonum === undefined)
    r.fail("protonum", "a netlink-raw spec needs its netlink protocol number");
  const definitions = readDefinitions(r, spec);
  const attributeSets = readAttrSets(r, spec, definitions);
  const subMessages = readSubMessages(r, spec, attributeSets, definitions);
  checkReferences(r, attributeSets, subMessages, spec);
  const { ops, enumModel } = readOperations(r, spec, attributeSets, definitions);
  const doc2 = r.optStr(spec, "doc", "");
  return {
    file,
    name,
    protocol,
    ...(protonum !== undefined ? { protonum } : {}),
    version: r.optInt(spec, "version", "") ?? 1,
    ...(doc2 !== undefined ? { doc: doc2 } : {}),
    kernelPolicy: r.oneOf(spec, "kernel-policy", "", ["split", "per-op", "global"] as const, "split"),
    enumModel,
    definitions,
    attributeSets,
    subMessages,
    operations: ops,
    operationsByName: new Map(ops.map((o) => [o.name, o])),
    mcastGroups: readMcastGroups(r, spec),
  };
};

/** The definition `name` as an enum or flags, or undefined. */
export const specEnum = (spec: YnlSpec, name: string | undefined): YnlEnum | undefined => {
  if (name === undefined) return undefined;
  const d = spec.definitions.get(name);
  return d !== undefined && (d.kind === "enum" || d.kind === "flags") ? d : undefined;
};

/** The struct definition `name` (the loader checked it exists). */
export const specStruct = (spec: YnlSpec, name: string): YnlStruct => {
  const d = spec.definitions.get(name);
  if (d === undefined || d.kind !== "struct")
    throw new YnlSpecError(spec.file, "", `"${name}" is not a struct definition`);
  return d;
};

/** The attribute set `name` (the loader checked it exists). */
export const specSet = (spec: YnlSpec, name: string): YnlAttrSet => {
  const s = spec.attributeSets.get(name);
  if (s === undefined) throw new YnlSpecError(spec.file, "", `"${name}" is not an attribute set`);
  return s;
};

/** kebab-case → camelCase: the key a spec name has in the objects the client reads and writes. */
export const camel = (name: string): string => {
  let c = camelCache.get(name);
  if (c === undefined) {
    c = name.replace(/-([a-z0-9])/g, (_, x: string) => x.toUpperCase());
    camelCache.set(name, c);
  }
  return c;
};
// the codec asks for the same few hundred names on every message
const camelCache = new Map<string, string>();
