import { describe, expect, it } from "vitest";
import { AttributeEncoder, attrS64, attrU32, attrU64, parseAttrs } from "./attr.js";
import { toHex } from "./bytes.js";
import { NLA_F_NESTED } from "./netlink.js";
import {
  encodePolicyAttr,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NL_VALIDATE_STRICT,
  NLA_BE16,
  NLA_BE32,
  NLA_BINARY,
  NLA_BITFIELD32,
  NLA_FLAG,
  NLA_MSECS,
  NLA_NESTED,
  NLA_NUL_STRING,
  NLA_POLICY_EXACT_LEN,
  NLA_POLICY_MAX,
  NLA_POLICY_MAX_LEN,
  NLA_POLICY_MIN,
  NLA_POLICY_MIN_LEN,
  NLA_POLICY_NESTED,
  NLA_POLICY_NESTED_ARRAY,
  NLA_POLICY_RANGE,
  NLA_REJECT,
  NLA_S8,
  NLA_S16,
  NLA_S32,
  NLA_S64,
  NLA_STRING,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLA_U64,
  NLA_UNSPEC,
  type NlaParseResult,
  type NlaPolicy,
  type NlaPolicySet,
  nlaParse,
  nlaPolicy,
} from "./policy.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const EINVAL = -22;
const ERANGE = -34;

/** Attributes after nlmsghdr + ifinfomsg start at byte 32 of the message. */
const BASE = 32;

// A cut-down ifla_policy: IFLA_IFNAME 3 is { NLA_STRING, len IFNAMSIZ - 1 }, IFLA_MTU 4 is NLA_U32.
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const ifname: NlaPolicy = { type: NLA_STRING, len: 15 };
const links = nlaPolicy(10, { [IFLA_IFNAME]: ifname, [IFLA_MTU]: { type: NLA_U32 } });

const failure = (r: NlaParseResult): Extract<NlaParseResult, { ok: false }> => {
  if (r.ok) throw new Error("expected nlaParse to fail");
  return r;
};
const success = (r: NlaParseResult): Extract<NlaParseResult, { ok: true }> => {
  if (!r.ok) throw new Error(`expected nlaParse to succeed, got ${r.error} "${r.extack.msg}"`);
  return r;
};

describe("nlaParse: strings (the rtnetlink IFLA_IFNAME case of af_netlink.md §13)", () => {
  it("a 16-character name is -ERANGE, 'Attribute failed policy validation', offset 32 and the entry", () => {
    const r = failure(
      nlaParse(new AttributeEncoder().string(IFLA_IFNAME, "abcdefghijklmnop").finish(), links, { base: BASE }),
    );
    expect(r.error).toBe(ERANGE);
    expect(r.extack).toEqual({ msg: "Attribute failed policy validation", badAttr: 32, policy: ifname });
  });

  it("the offset is the bad attribute's own, after the ones before it", () => {
    const data = new AttributeEncoder().u32(IFLA_MTU, 1500).rawString(IFLA_IFNAME, "abcdefghijklmnop").finish();
    expect(failure(nlaParse(data, links, { base: BASE })).extack.badAttr).toBe(40);
  });

  it("15 characters pass with or without the NUL; 16 without it fail", () => {
    const tb = success(nlaParse(new AttributeEncoder().string(IFLA_IFNAME, "abcdefghijklmno").finish(), links)).tb;
    expect(tb[IFLA_IFNAME]?.data).toHaveLength(16);
    success(nlaParse(new AttributeEncoder().rawString(IFLA_IFNAME, "abcdefghijklmno").finish(), links));
    expect(
      failure(nlaParse(new AttributeEncoder().rawString(IFLA_IFNAME, "abcdefghijklmnop").finish(), links)).error,
    ).toBe(ERANGE);
  });

  it("an empty NLA_STRING is -ERANGE", () => {
    expect(failure(nlaParse(new AttributeEncoder().flag(IFLA_IFNAME).finish(), links)).error).toBe(ERANGE);
  });

  it("NLA_NUL_STRING without a NUL is -EINVAL; with one it passes; with len, the NUL must come by len + 1", () => {
    const set = nlaPolicy(2, { 1: { type: NLA_NUL_STRING }, 2: { type: NLA_NUL_STRING, len: 4 } });
    const r = failure(nlaParse(new AttributeEncoder().rawString(1, "abc").finish(), set, { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toMatchObject({ msg: "Attribute failed policy validation", badAttr: 32 });
    success(nlaParse(new AttributeEncoder().string(1, "abc").finish(), set));
    success(nlaParse(new AttributeEncoder().string(2, "abcd").finish(), set));
    expect(failure(nlaParse(new AttributeEncoder().string(2, "abcde").finish(), set)).error).toBe(EINVAL);
  });
});

describe("nlaParse: lengths, types and strictness", () => {
  it("an NLA_U32 of 2 bytes under strict validation is -EINVAL 'invalid attribute length'", () => {
    const r = failure(nlaParse(new AttributeEncoder().u16(IFLA_MTU, 1500).finish(), links, { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "invalid attribute length", badAttr: 32, policy: { type: NLA_U32 } });
  });

  it("liberally, a short NLA_U32 still fails its minimum length (-ERANGE) and a long one passes", () => {
    const short = failure(
      nlaParse(new AttributeEncoder().u16(IFLA_MTU, 1500).finish(), links, { validate: NL_VALIDATE_LIBERAL }),
    );
    expect([short.error, short.extack.msg]).toEqual([ERANGE, "Attribute failed policy validation"]);
    const long = success(
      nlaParse(new AttributeEncoder().u64(IFLA_MTU, 1500n).finish(), links, { validate: NL_VALIDATE_LIBERAL }),
    );
    expect(long.tb[IFLA_MTU]?.data).toHaveLength(8);
  });

  it("a type above maxtype (or 0) is -EINVAL 'Unknown attribute type' under strict validation", () => {
    for (const type of [11, 0]) {
      const data = new AttributeEncoder().u32(IFLA_MTU, 1).u32(type, 1).finish();
      const r = failure(nlaParse(data, links, { base: BASE }));
      expect(r.error).toBe(EINVAL);
      expect(r.extack).toEqual({ msg: "Unknown attribute type", badAttr: 40 });
    }
  });

  it("a type above maxtype is ignored under NL_VALIDATE_LIBERAL and left out of tb", () => {
    const r = success(
      nlaParse(new AttributeEncoder().u32(11, 1).u32(IFLA_MTU, 9).finish(), links, { validate: NL_VALIDATE_LIBERAL }),
    );
    expect(r.tb).toHaveLength(11);
    expect(attrU32(r.tb[IFLA_MTU]!)).toBe(9);
  });

  it("trailing bytes are 'bytes leftover after parsing attributes': -EINVAL strict, accepted liberally", () => {
    const data = new Uint8Array([...new AttributeEncoder().u32(IFLA_MTU, 1).finish(), 1, 2]);
    const r = failure(nlaParse(data, links, { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "bytes leftover after parsing attributes" });
    expect(attrU32(success(nlaParse(data, links, { validate: NL_VALIDATE_LIBERAL })).tb[IFLA_MTU]!)).toBe(1);
    // an attribute header whose nla_len runs past the end is leftover too
    const past = new Uint8Array([...new AttributeEncoder().u32(IFLA_MTU, 1).finish(), ...hex("2000 0400 0000")]);
    expect(failure(nlaParse(past, links)).extack.msg).toBe("bytes leftover after parsing attributes");
  });

  it("nla_parse_deprecated_strict checks trailing bytes and maxtype but not lengths", () => {
    const opts = { validate: NL_VALIDATE_DEPRECATED_STRICT };
    success(nlaParse(new AttributeEncoder().u64(IFLA_MTU, 1n).finish(), links, opts));
    expect(failure(nlaParse(new AttributeEncoder().u32(12, 1).finish(), links, opts)).extack.msg).toBe(
      "Unknown attribute type",
    );
  });

  it("an attribute with no policy entry is -EINVAL 'Unsupported attribute' under strict, fine liberally", () => {
    const data = new AttributeEncoder().u32(7, 1).finish();
    const r = failure(nlaParse(data, links, { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "Unsupported attribute", badAttr: 32 });
    success(nlaParse(data, links, { validate: NL_VALIDATE_LIBERAL }));
  });

  it("the tb table holds the last occurrence of a type", () => {
    const r = success(nlaParse(new AttributeEncoder().u32(IFLA_MTU, 1).u32(IFLA_MTU, 2).finish(), links, { base: 8 }));
    expect(attrU32(r.tb[IFLA_MTU]!)).toBe(2);
    expect(r.tb[IFLA_MTU]!.offset).toBe(16);
    expect(r.tb[IFLA_IFNAME]).toBeUndefined();
  });

  it("NLA_FLAG with a payload is -ERANGE; without one it passes", () => {
    const set = nlaPolicy(1, { 1: { type: NLA_FLAG } });
    const r = failure(nlaParse(new AttributeEncoder().u8(1, 1).finish(), set));
    expect([r.error, r.extack.msg]).toEqual([ERANGE, "Attribute failed policy validation"]);
    success(nlaParse(new AttributeEncoder().flag(1).finish(), set));
  });

  it("NLA_BITFIELD32 rejects bits outside the valid mask and values outside the selector", () => {
    const set = nlaPolicy(1, { 1: { type: NLA_BITFIELD32, bitfield32Valid: 0x3 } });
    const bf = (value: number, selector: number) =>
      nlaParse(new AttributeEncoder().binary(1, hex(`${le32(value)}${le32(selector)}`)).finish(), set);
    success(bf(0x1, 0x3));
    expect(failure(bf(0x4, 0x7)).error).toBe(EINVAL);
    expect(failure(bf(0x2, 0x1)).error).toBe(EINVAL);
    expect(failure(nlaParse(new AttributeEncoder().u32(1, 1).finish(), set)).error).toBe(ERANGE);
  });
});

const le32 = (v: number): string => Buffer.from(Uint32Array.of(v).buffer).toString("hex");

describe("nlaParse: NLA_REJECT", () => {
  it("with a reject message: -EINVAL, that message, the offset and no policy", () => {
    const set = nlaPolicy(2, { 2: { type: NLA_REJECT, rejectMessage: "IFLA_FOO is obsolete" } });
    const r = failure(nlaParse(new AttributeEncoder().u8(2, 0).finish(), set, { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "IFLA_FOO is obsolete", badAttr: 32 });
  });

  it("without one: -EINVAL 'Attribute failed policy validation' with the entry", () => {
    const reject: NlaPolicy = { type: NLA_REJECT };
    const r = failure(nlaParse(new AttributeEncoder().u8(2, 0).finish(), nlaPolicy(2, { 2: reject }), { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "Attribute failed policy validation", badAttr: 32, policy: reject });
  });
});

describe("nlaParse: nests", () => {
  const inner = nlaPolicy(3, { 1: { type: NLA_U32 }, 2: { type: NLA_STRING, len: 4 } });
  const outer = nlaPolicy(5, { 5: NLA_POLICY_NESTED(inner), 4: { type: NLA_U32 } });

  it("a nest without NLA_F_NESTED is -EINVAL 'NLA_F_NESTED is missing' under strict, fine liberally", () => {
    const data = new AttributeEncoder().nested(5, (n) => n.u32(1, 1), false).finish();
    const r = failure(nlaParse(data, outer, { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "NLA_F_NESTED is missing", badAttr: 32, policy: outer.policy[5] });
    expect(success(nlaParse(data, outer, { validate: NL_VALIDATE_LIBERAL })).tb[5]?.nested).toBe(false);
  });

  it("NLA_F_NESTED on a non-nest is -EINVAL 'NLA_F_NESTED not expected'", () => {
    const data = new AttributeEncoder().u32(4 | NLA_F_NESTED, 1).finish();
    const r = failure(nlaParse(data, outer, { base: BASE }));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "NLA_F_NESTED not expected", badAttr: 32, policy: { type: NLA_U32 } });
  });

  it("an error inside a nest keeps the inner attribute's offset, message and policy entry", () => {
    // nest header at 32, inner u32 at 36..43, inner over-long string at 44
    const data = new AttributeEncoder().nested(5, (n) => n.u32(1, 1).string(2, "abcde")).finish();
    const r = failure(nlaParse(data, outer, { base: BASE }));
    expect(r.error).toBe(ERANGE);
    expect(r.extack).toEqual({ msg: "Attribute failed policy validation", badAttr: 44, policy: inner.policy[2] });
  });

  it("the nest's own tb entry is filled; its content is validated but not returned", () => {
    const r = success(nlaParse(new AttributeEncoder().nested(5, (n) => n.u32(1, 7)).finish(), outer));
    expect(r.tb[5]?.data).toHaveLength(8);
    expect(r.tb[1]).toBeUndefined();
  });

  it("an empty nest passes; a 1..3-byte one is -ERANGE", () => {
    success(nlaParse(new AttributeEncoder().nested(5, () => undefined).finish(), outer));
    const r = failure(nlaParse(hex("0500 0580 00000000"), outer));
    expect([r.error, r.extack.badAttr]).toEqual([ERANGE, 0]);
  });

  it("a nested array validates each element; a too-short element is 'Array element too short' at its own offset", () => {
    const arr = nlaPolicy(1, { 1: NLA_POLICY_NESTED_ARRAY(inner) });
    success(
      nlaParse(
        new AttributeEncoder().nested(1, (a) => a.nested(1, (e) => e.u32(1, 1)).nested(2, (e) => e.u32(1, 2))).finish(),
        arr,
      ),
    );
    const bad = new AttributeEncoder()
      .nested(1, (a) => a.nested(1, (e) => e.u32(1, 1)).binary(2, hex("0102")))
      .finish();
    const r = failure(nlaParse(bad, arr, { base: BASE }));
    expect(r.error).toBe(ERANGE);
    expect(r.extack.msg).toBe("Array element too short");
    expect(r.extack.badAttr).toBe(32 + 4 + 12);
    const badInside = new AttributeEncoder().nested(1, (a) => a.nested(1, (e) => e.u16(1, 1))).finish();
    expect(failure(nlaParse(badInside, arr, { base: BASE })).extack).toMatchObject({
      msg: "invalid attribute length",
      badAttr: 40,
    });
  });

  it("nests deeper than MAX_POLICY_RECURSION_DEPTH (10) are -EINVAL 'allowed policy recursion depth exceeded'", () => {
    const entries: Array<NlaPolicy | undefined> = [undefined, undefined];
    const self: NlaPolicySet = { maxtype: 1, policy: entries };
    entries[1] = NLA_POLICY_NESTED(self);
    const nestN = (n: number): Uint8Array => {
      const e = new AttributeEncoder();
      const fill = (enc: AttributeEncoder, left: number): void => {
        if (left > 0) enc.nested(1, (inner) => fill(inner, left - 1));
      };
      fill(e, n);
      return e.finish();
    };
    // an empty nest is not descended into, so n nests parse lists down to depth n - 1
    success(nlaParse(nestN(10), self));
    const r = failure(nlaParse(nestN(11), self));
    expect(r.error).toBe(EINVAL);
    expect(r.extack).toEqual({ msg: "allowed policy recursion depth exceeded" });
  });
});

describe("nlaParse: NLA_POLICY_* range helpers", () => {
  const set = nlaPolicy(9, {
    1: NLA_POLICY_EXACT_LEN(6),
    2: NLA_POLICY_MIN_LEN(4),
    3: NLA_POLICY_MAX_LEN(4),
    4: NLA_POLICY_RANGE(NLA_U8, 1, 10),
    5: NLA_POLICY_RANGE(NLA_S32, -5, 5),
    6: NLA_POLICY_MIN(NLA_U16, 100),
    7: NLA_POLICY_MAX(NLA_U64, 1000n),
    8: { type: NLA_BINARY, len: 3 },
  });
  const bin = (type: number, n: number) => new AttributeEncoder().binary(type, new Uint8Array(n)).finish();

  it("EXACT_LEN, MIN_LEN and MAX_LEN failures are -ERANGE 'binary attribute size out of range'", () => {
    for (const [type, n] of [
      [1, 5],
      [1, 7],
      [2, 3],
      [3, 5],
    ] as const) {
      const r = failure(nlaParse(bin(type, n), set, { base: BASE }));
      expect(r.error).toBe(ERANGE);
      expect(r.extack).toEqual({ msg: "binary attribute size out of range", badAttr: 32, policy: set.policy[type] });
    }
    for (const [type, n] of [
      [1, 6],
      [2, 4],
      [2, 100],
      [3, 0],
      [3, 4],
    ] as const) {
      success(nlaParse(bin(type, n), set));
    }
  });

  it("a plain NLA_BINARY with len is -ERANGE 'Attribute failed policy validation' when longer", () => {
    success(nlaParse(bin(8, 3), set));
    expect(failure(nlaParse(bin(8, 4), set)).extack.msg).toBe("Attribute failed policy validation");
  });

  it("integers outside NLA_POLICY_RANGE / MIN / MAX are -ERANGE 'integer out of range'", () => {
    const cases: Array<[Uint8Array, boolean]> = [
      [new AttributeEncoder().u8(4, 0).finish(), false],
      [new AttributeEncoder().u8(4, 1).finish(), true],
      [new AttributeEncoder().u8(4, 10).finish(), true],
      [new AttributeEncoder().u8(4, 11).finish(), false],
      [new AttributeEncoder().s32(5, -6).finish(), false],
      [new AttributeEncoder().s32(5, -5).finish(), true],
      [new AttributeEncoder().s32(5, 6).finish(), false],
      [new AttributeEncoder().u16(6, 99).finish(), false],
      [new AttributeEncoder().u16(6, 0xffff).finish(), true],
      [new AttributeEncoder().u64(7, 1001n).finish(), false],
      [new AttributeEncoder().u64(7, 0n).finish(), true],
    ];
    for (const [data, ok] of cases) {
      const r = nlaParse(data, set, { base: BASE });
      expect(r.ok).toBe(ok);
      if (!r.ok) {
        expect(r.error).toBe(ERANGE);
        expect(r.extack.msg).toBe("integer out of range");
        expect(r.extack.badAttr).toBe(32);
      }
    }
  });

  it("a warn-too-long binary fails only under strict attribute checks", () => {
    const warn = nlaPolicy(1, { 1: { ...NLA_POLICY_EXACT_LEN(4), warnTooLong: true } });
    expect(failure(nlaParse(bin(1, 5), warn)).extack.msg).toBe("invalid attribute length");
    success(nlaParse(bin(1, 5), warn, { validate: NL_VALIDATE_LIBERAL }));
    expect(failure(nlaParse(bin(1, 3), warn)).extack.msg).toBe("binary attribute size out of range");
  });

  it("strictStartType makes later types strict under liberal parsing", () => {
    const s = nlaPolicy(4, { 1: { type: NLA_U32 }, 3: { type: NLA_U32 } }, 3);
    const liberal = { validate: NL_VALIDATE_LIBERAL };
    success(nlaParse(new AttributeEncoder().u64(1, 1n).finish(), s, liberal));
    expect(failure(nlaParse(new AttributeEncoder().u64(3, 1n).finish(), s, liberal)).extack.msg).toBe(
      "invalid attribute length",
    );
  });

  it("the default validation is NL_VALIDATE_STRICT", () => {
    const data = new AttributeEncoder().u16(IFLA_MTU, 1).finish();
    expect(nlaParse(data, links)).toEqual(nlaParse(data, links, { validate: NL_VALIDATE_STRICT }));
  });
});

/** The policy nest content as [type, value] pairs (u32 for 8-byte attributes, u64/s64 for 12-byte ones). */
const described = (pt: NlaPolicy, signed = false): Array<[number, number | bigint]> =>
  parseAttrs(encodePolicyAttr(pt)).map((a) => [
    a.type,
    a.data.length === 4 ? attrU32(a) : signed ? attrS64(a) : attrU64(a),
  ]);

describe("encodePolicyAttr: the kernel's netlink_policy_dump_write_attr", () => {
  it("NLA_STRING with len 15: MAX_LENGTH 15 then TYPE string, exactly", () => {
    expect(toHex(encodePolicyAttr({ type: NLA_STRING, len: 15 }))).toBe("080007000f000000080001000b000000");
    expect(described({ type: NLA_NUL_STRING })).toEqual([[1, 12]]);
  });

  it("unsigned integers always carry MIN_VALUE_U and MAX_VALUE_U, the type's range by default", () => {
    expect(described({ type: NLA_U8 })).toEqual([
      [4, 0n],
      [5, 0xffn],
      [1, 2],
    ]);
    expect(described({ type: NLA_U16 })).toEqual([
      [4, 0n],
      [5, 0xffffn],
      [1, 3],
    ]);
    expect(described({ type: NLA_U64 })).toEqual([
      [4, 0n],
      [5, 0xffffffffffffffffn],
      [1, 5],
    ]);
    expect(described({ type: NLA_MSECS })).toEqual(described({ type: NLA_U64 }));
    expect(described(NLA_POLICY_RANGE(NLA_U8, 1, 10))).toEqual([
      [4, 1n],
      [5, 10n],
      [1, 2],
    ]);
    expect(described(NLA_POLICY_MIN(NLA_U32, 7))).toEqual([
      [4, 7n],
      [5, 0xffffffffn],
      [1, 4],
    ]);
  });

  it("signed integers carry MIN_VALUE_S and MAX_VALUE_S as s64", () => {
    expect(described({ type: NLA_S8 }, true)).toEqual([
      [2, -128n],
      [3, 127n],
      [1, 6],
    ]);
    expect(described({ type: NLA_S16 }, true)).toEqual([
      [2, -32768n],
      [3, 32767n],
      [1, 7],
    ]);
    expect(described(NLA_POLICY_RANGE(NLA_S32, -5, 5), true)).toEqual([
      [2, -5n],
      [3, 5n],
      [1, 8],
    ]);
    expect(described({ type: NLA_S64 }, true)).toEqual([
      [2, -(2n ** 63n)],
      [3, 2n ** 63n - 1n],
      [1, 9],
    ]);
  });

  it("binary: EXACT_LEN gives MIN_LENGTH and MAX_LENGTH; MIN_LEN / MAX_LEN give only the type, as the kernel does", () => {
    expect(described(NLA_POLICY_EXACT_LEN(6))).toEqual([
      [6, 6],
      [7, 6],
      [1, 10],
    ]);
    expect(described(NLA_POLICY_MIN_LEN(4))).toEqual([[1, 10]]);
    expect(described(NLA_POLICY_MAX_LEN(4))).toEqual([[1, 10]]);
    expect(described(NLA_POLICY_RANGE(NLA_BINARY, 0, 0xffff))).toEqual([[1, 10]]);
    expect(described(NLA_POLICY_RANGE(NLA_BINARY, 0, 20))).toEqual([
      [7, 20],
      [1, 10],
    ]);
    expect(described({ type: NLA_BINARY, len: 16 })).toEqual([
      [7, 16],
      [1, 10],
    ]);
  });

  it("nests, flags and bitfields", () => {
    const inner = nlaPolicy(3, {});
    expect(described(NLA_POLICY_NESTED(inner))).toEqual([[1, 13]]);
    expect(described(NLA_POLICY_NESTED_ARRAY(inner))).toEqual([[1, 14]]);
    expect(described({ type: NLA_NESTED })).toEqual([[1, 13]]);
    expect(described({ type: NLA_FLAG })).toEqual([[1, 1]]);
    expect(described({ type: NLA_BITFIELD32, bitfield32Valid: 0x5 })).toEqual([
      [10, 5],
      [1, 15],
    ]);
  });

  it("types the kernel cannot describe give nothing (the nest is cancelled)", () => {
    for (const type of [NLA_UNSPEC, NLA_REJECT, NLA_BE16, NLA_BE32] as const) {
      expect(encodePolicyAttr({ type })).toHaveLength(0);
    }
  });
});
