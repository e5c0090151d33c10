import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AttributeDecoder,
  AttributeEncodeError,
  AttributeEncoder,
  attrBe16,
  attrBe32,
  attrBinary,
  attrFlag,
  attrS8,
  attrS16,
  attrS32,
  attrS64,
  attrString,
  attrStrz,
  attrU8,
  attrU16,
  attrU32,
  attrU64,
  type NlAttr,
  type NlAttrNode,
  parseAttrs,
  parseAttrTree,
  parseNested,
} from "./attr.js";
import { getU16, toHex } from "./bytes.js";
import { NetlinkDecodeError, type NetlinkDecodeProblem } from "./decode-error.js";
import { encodeMessage } from "./msg.js";
import { NLA_F_NESTED, NLA_F_NET_BYTEORDER, NLMSG_HDRLEN } from "./netlink.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

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

/** The single attribute an encoder produced. */
const only = (e: AttributeEncoder): NlAttr => {
  const attrs = parseAttrs(e.finish());
  expect(attrs).toHaveLength(1);
  return attrs[0]!;
};

describe("typed accessors", () => {
  it("u8, u16, u32, u64 round-trip their extremes, little-endian on the wire", () => {
    expect(attrU8(only(new AttributeEncoder().u8(1, 0xff)))).toBe(0xff);
    expect(attrU16(only(new AttributeEncoder().u16(1, 0xfffe)))).toBe(0xfffe);
    expect(attrU32(only(new AttributeEncoder().u32(1, 0xfffffffe)))).toBe(0xfffffffe);
    expect(attrU64(only(new AttributeEncoder().u64(1, 0xfffffffffffffffen)))).toBe(0xfffffffffffffffen);
    expect(toHex(new AttributeEncoder().u32(7, 0x11223344).finish())).toBe("0800070044332211");
    expect(toHex(new AttributeEncoder().u64(7, 0x0102030405060708n).finish())).toBe("0c0007000807060504030201");
  });

  it("s8, s16, s32, s64 read negative values back", () => {
    expect(attrS8(only(new AttributeEncoder().s8(1, -1)))).toBe(-1);
    expect(attrS8(only(new AttributeEncoder().s8(1, -128)))).toBe(-128);
    expect(attrS16(only(new AttributeEncoder().s16(1, -2)))).toBe(-2);
    expect(attrS16(only(new AttributeEncoder().s16(1, -32768)))).toBe(-32768);
    expect(attrS32(only(new AttributeEncoder().s32(1, -3)))).toBe(-3);
    expect(attrS32(only(new AttributeEncoder().s32(1, -0x80000000)))).toBe(-0x80000000);
    expect(attrS64(only(new AttributeEncoder().s64(1, -4n)))).toBe(-4n);
    expect(attrS64(only(new AttributeEncoder().s64(1, -(2n ** 63n))))).toBe(-(2n ** 63n));
    expect(toHex(new AttributeEncoder().s32(1, -2).finish())).toBe("08000100feffffff");
  });

  it("the same bytes read unsigned and signed differ only in sign", () => {
    const a = only(new AttributeEncoder().u16(1, 0x8001));
    expect([attrU16(a), attrS16(a)]).toEqual([0x8001, -0x7fff]);
  });

  it("net16/net32/net64 write big-endian and set NLA_F_NET_BYTEORDER, which the reader honours", () => {
    const bytes = new AttributeEncoder().net16(2, 0x1234).net32(3, 0x11223344).net64(4, 0x0102030405060708n).finish();
    expect(toHex(bytes.subarray(0, 8))).toBe("0600024012340000");
    expect(getU16(bytes, 2) & NLA_F_NET_BYTEORDER).toBe(NLA_F_NET_BYTEORDER);
    const [a16, a32, a64] = parseAttrs(bytes);
    expect([a16!.type, a16!.netByteOrder, a16!.nested]).toEqual([2, true, false]);
    expect(attrU16(a16!)).toBe(0x1234);
    expect(attrU32(a32!)).toBe(0x11223344);
    expect(toHex(a32!.data)).toBe("11223344");
    expect(attrU64(a64!)).toBe(0x0102030405060708n);
  });

  it("be16/be32 write big-endian without the flag, so only attrBe16/attrBe32 read them right", () => {
    const [a16, a32] = parseAttrs(new AttributeEncoder().be16(1, 0x1234).be32(2, 0x11223344).finish());
    expect(a16!.netByteOrder).toBe(false);
    expect(attrBe16(a16!)).toBe(0x1234);
    expect(attrU16(a16!)).toBe(0x3412);
    expect(attrBe32(a32!)).toBe(0x11223344);
  });

  it("string writes a NUL; attrString stops at the first NUL or takes everything, attrStrz needs the NUL", () => {
    const s = only(new AttributeEncoder().string(1, "eth0"));
    expect(toHex(s.data)).toBe("6574683000");
    expect([attrString(s), attrStrz(s)]).toEqual(["eth0", "eth0"]);
    const raw = only(new AttributeEncoder().rawString(1, "eth0"));
    expect(raw.data).toHaveLength(4);
    expect(attrString(raw)).toBe("eth0");
    expectDecodeError(() => attrStrz(raw), "bad-attribute-value", 0);
    expect(attrString(only(new AttributeEncoder().binary(1, hex("61620063"))))).toBe("ab");
  });

  it("strings are UTF-8", () => {
    expect(attrStrz(only(new AttributeEncoder().string(1, "wlän0")))).toBe("wlän0");
  });

  it("binary keeps the bytes as a view; flag has no payload", () => {
    const bytes = new AttributeEncoder().binary(1, hex("0102030405")).flag(2).finish();
    const [b, f] = parseAttrs(bytes);
    expect(toHex(attrBinary(b!))).toBe("0102030405");
    expect(attrBinary(b!).buffer).toBe(bytes.buffer);
    expect(toHex(bytes.subarray(12))).toBe("04000200");
    expect(attrFlag(f!)).toBe(true);
  });

  it("a wrong-length attribute throws bad-attribute-value at the attribute's offset", () => {
    const attrs = parseAttrs(new AttributeEncoder().u32(1, 0).u16(2, 5).binary(3, hex("01")).finish(), 32);
    const [, short, one] = attrs;
    expect(short!.offset).toBe(40);
    expectDecodeError(() => attrU32(short!), "bad-attribute-value", 40);
    expectDecodeError(() => attrU8(short!), "bad-attribute-value", 40);
    expectDecodeError(() => attrU64(attrs[0]!), "bad-attribute-value", 32);
    expectDecodeError(() => attrS16(one!), "bad-attribute-value", 48);
    expectDecodeError(() => attrFlag(one!), "bad-attribute-value", 48);
    expectDecodeError(() => attrBe32(short!), "bad-attribute-value", 40);
  });
});

describe("AttributeEncoder", () => {
  it("pads every attribute, the last one too, with zeros, even when the buffer is reused", () => {
    const e = new AttributeEncoder(8);
    e.binary(1, hex("ffffffffffffffff")).reset();
    const b = e.u8(2, 0xab).finish();
    expect(toHex(b)).toBe("05000200ab000000");
  });

  it("keeps every value written while it grows past its initial capacity", () => {
    const e = new AttributeEncoder(4);
    for (let i = 1; i <= 100; i++) e.u32(i, 1000 + i);
    const attrs = parseAttrs(e.finish());
    expect(attrs.map(attrU32)).toEqual(Array.from({ length: 100 }, (_, i) => 1001 + i));
    const sizes = [1, 2, 4, 8, 8, 8, 300];
    const bytes = new AttributeEncoder(4)
      .u8(1, 0x11)
      .u16(2, 0x2222)
      .be32(3, 0x33333333)
      .u64(4, 0x4444n)
      .be64(5, 0x5555n)
      .s64(6, -6n)
      .binary(7, new Uint8Array(300).fill(0x77))
      .finish();
    const got = parseAttrs(bytes);
    expect(got.map((a) => a.data.length)).toEqual(sizes);
    expect([attrU8(got[0]!), attrU16(got[1]!), attrBe32(got[2]!), attrU64(got[3]!), attrS64(got[5]!)]).toEqual([
      0x11,
      0x2222,
      0x33333333,
      0x4444n,
      -6n,
    ]);
    expect(got[6]!.data.every((b) => b === 0x77)).toBe(true);
  });

  it("nested() sets NLA_F_NESTED and its nla_len covers the padded content", () => {
    const b = new AttributeEncoder()
      .nested(5, (n) => n.u8(1, 7).u8(2, 8))
      .u32(6, 1)
      .finish();
    expect(toHex(b.subarray(0, 4))).toBe("14000580");
    expect(getU16(b, 2)).toBe(5 | NLA_F_NESTED);
    const [nest, after] = parseAttrs(b);
    expect(nest!.nested).toBe(true);
    expect(nest!.type).toBe(5);
    expect(nest!.data).toHaveLength(16);
    expect(after!.offset).toBe(20);
    expect(parseNested(nest!).map((a) => [a.type, attrU8(a), a.offset])).toEqual([
      [1, 7, 4],
      [2, 8, 12],
    ]);
  });

  it("nested(…, false) leaves NLA_F_NESTED clear (nla_nest_start_noflag)", () => {
    const b = new AttributeEncoder().nested(5, (n) => n.flag(1), false).finish();
    expect(toHex(b)).toBe("0800050004000100");
  });

  it("an empty nest is a bare 4-byte header", () => {
    expect(toHex(new AttributeEncoder().nested(9, () => undefined).finish())).toBe("04000980");
  });

  it("raw() appends encoded attributes and refuses unaligned ones (at finish)", () => {
    const inner = new AttributeEncoder().u16(1, 2).finish();
    expect(toHex(new AttributeEncoder().raw(inner).finish())).toBe(toHex(inner));
    const e = new AttributeEncoder().raw(hex("050001"));
    expect(e.err?.call).toBe("raw");
    expect(() => e.finish()).toThrow(RangeError);
  });

  it("refuses a payload that does not fit the u16 nla_len", () => {
    expect(() => new AttributeEncoder().binary(1, new Uint8Array(0xfffc)).finish()).toThrow(RangeError);
    expect(new AttributeEncoder().binary(1, new Uint8Array(0xfffb)).length).toBe(0x10000);
  });

  it("a failing call does not throw mid-chain: the first error is kept, later calls ignored, finish() throws it", () => {
    const e = new AttributeEncoder()
      .u32(1, 5)
      .binary(2, new Uint8Array(0x10000)) // too big for nla_len
      .u16(70_000, 1) // a second error: not the one reported
      .string(3, "after");
    expect(e.length).toBe(8); // only the u32 went in
    expect(e.err).toBeInstanceOf(AttributeEncodeError);
    expect(e.err).toMatchObject({ type: 2, call: "binary" });
    expect(() => e.finish()).toThrow(/attribute type 2: 65536 payload bytes do not fit nla_len/);
    expect(() => e.finishMessage({ type: 16 })).toThrow(AttributeEncodeError);
    // reset() forgets it: the encoder is usable again
    expect(toHex(e.reset().u8(1, 7).finish())).toBe("0500010007000000");
  });

  it("a type outside 0..65535 is the chain's error; a nest that fails inside is not closed", () => {
    expect(new AttributeEncoder().u8(-1, 0).err).toMatchObject({ type: -1, call: "u8" });
    expect(new AttributeEncoder().flag(0x10000).err?.message).toMatch(/not a u16/);
    const e = new AttributeEncoder().nested(1, (n) => n.u32(2, 1).raw(hex("01")).u32(3, 1));
    expect(e.err).toMatchObject({ call: "raw" });
    expect(() => e.finish()).toThrow(AttributeEncodeError);
    const big = new AttributeEncoder().nested(1, (n) => {
      for (let i = 0; i < 3; i++) n.binary(2, new Uint8Array(0x8000));
    });
    expect(big.err).toMatchObject({ type: 1, call: "nested" });
  });

  it("finishMessage() is encodeMessage with finish() as the payload, in one copy", () => {
    const e = new AttributeEncoder().u32(1, 5).string(2, "eth0");
    const m = e.finishMessage({ type: 0x10, flags: 5, seq: 9, pid: 42 });
    expect(toHex(m)).toBe(toHex(encodeMessage({ type: 0x10, flags: 5, seq: 9, pid: 42, payload: e.finish() })));
    expect(e.finish().length).toBe(e.length);
  });

  it("a message over 64 bytes owns its bytes: unchanged by the encoder's next use (bytes.test.ts: no overlap)", () => {
    const e = new AttributeEncoder().binary(1, new Uint8Array(100).fill(0xaa));
    const m1 = e.finishMessage({ type: 0x10, seq: 1 });
    const a1 = e.finish();
    const before = toHex(m1);
    e.reset().binary(1, new Uint8Array(100).fill(0x55));
    const m2 = e.finishMessage({ type: 0x10, seq: 2 });
    expect(toHex(m1)).toBe(before);
    expect(a1.every((x, i) => i < 4 || x === 0xaa)).toBe(true);
    expect(m2[NLMSG_HDRLEN + 4]).toBe(0x55);
  });

  it("finishMessageInto() writes finishMessage()'s bytes into the caller's memory and refuses what does not fit", () => {
    const e = new AttributeEncoder().u32(1, 5).string(2, "eth0");
    const header = { type: 0x10, flags: 5, seq: 9, pid: 42 };
    const buf = new Uint8Array(64).fill(0xee);
    const n = e.finishMessageInto(buf, 8, header);
    expect(n).toBe(e.length + NLMSG_HDRLEN);
    expect(toHex(buf.subarray(8, 8 + n))).toBe(toHex(e.finishMessage(header)));
    expect(buf[7]).toBe(0xee);
    expect(buf[8 + n]).toBe(0xee);
    expect(() => e.finishMessageInto(buf, 64 - n + 1, header)).toThrow(/does not fit in 64 bytes from offset 29/);
    expect(() => e.finishMessageInto(buf, -1, header)).toThrow(RangeError);
    expect(() => new AttributeEncoder().u8(-1, 0).finishMessageInto(buf, 0, header)).toThrow(AttributeEncodeError);
  });
});

describe("AttributeDecoder", () => {
  it("walks attributes with typed getters", () => {
    const d = new AttributeDecoder(new AttributeEncoder().u32(1, 5).string(2, "eth0").s8(3, -1).finish());
    const got: unknown[] = [];
    while (d.next()) got.push(d.type === 1 ? d.u32() : d.type === 2 ? d.strz() : d.s8());
    expect(got).toEqual([5, "eth0", -1]);
    expect(d.length).toBe(3);
    expect(d.err).toBeUndefined();
  });

  it("keeps the first error, then returns zero values and stops", () => {
    const d = new AttributeDecoder(new AttributeEncoder().u16(1, 5).rawString(2, "x").u32(3, 9).finish(), 16);
    expect(d.next()).toBe(true);
    expect(d.u32()).toBe(0);
    const first = d.err!;
    expect(first).toBeInstanceOf(NetlinkDecodeError);
    expect([first.problem, first.offset]).toEqual(["bad-attribute-value", 16]);
    expect(d.u16()).toBe(0);
    expect(d.string()).toBe("");
    expect(d.u64()).toBe(0n);
    expect(d.flag()).toBe(false);
    expect(d.next()).toBe(false);
    expect(d.err).toBe(first);
  });

  it("a malformed list is an error from the start", () => {
    const d = new AttributeDecoder(hex("0300 0100"), 20);
    expect(d.next()).toBe(false);
    expect([d.err?.problem, d.err?.offset]).toEqual(["bad-nla-len", 20]);
  });

  it("nested() passes an earlier error on", () => {
    const d = new AttributeDecoder(
      new AttributeEncoder()
        .u8(1, 1)
        .nested(2, (n) => n.u8(1, 2))
        .finish(),
    );
    d.next();
    d.u32();
    expect(d.nested().err).toBe(d.err);
  });
});

describe("strict attribute decoding", () => {
  it("offsets count from the base passed in", () => {
    const attrs = parseAttrs(new AttributeEncoder().u8(1, 1).u16(2, 2).finish(), 32);
    expect(attrs.map((a) => a.offset)).toEqual([32, 40]);
  });

  it("the last attribute may lack its padding", () => {
    const attrs = parseAttrs(hex("0500 0100 ab"));
    expect(attrs).toHaveLength(1);
    expect(toHex(attrs[0]!.data)).toBe("ab");
  });

  it("an empty list parses to nothing", () => {
    expect(parseAttrs(new Uint8Array(0))).toEqual([]);
  });

  it("nla_len below 4 is bad-nla-len at the attribute", () => {
    expectDecodeError(() => parseAttrs(hex("0800 0100 00000000 0300 0200"), 32), "bad-nla-len", 40);
    expectDecodeError(() => parseAttrs(hex("0000 0100")), "bad-nla-len", 0);
  });

  it("nla_len past the end is attribute-past-parent", () => {
    expectDecodeError(() => parseAttrs(hex("0900 0100 00000000"), 4), "attribute-past-parent", 4);
  });

  it("fewer than 4 trailing bytes is short-attribute where the next header would start", () => {
    expectDecodeError(() => parseAttrs(hex("0800 0100 00000000 0000"), 100), "short-attribute", 108);
    expectDecodeError(() => parseAttrs(hex("01")), "short-attribute", 0);
  });

  it("parseNested reports a broken nest as truncated-nest at the inner problem's offset", () => {
    // nest at 32 holding a u32 (36..43) then 2 stray bytes at 44
    const bytes = hex("0e00 0180 0800 0100 01000000 0000");
    const [nest] = parseAttrs(bytes, 32);
    const e = decodeError(() => parseNested(nest!));
    expect([e.problem, e.offset]).toEqual(["truncated-nest", 44]);
    expect(e.message).toContain("nested attribute type 1 at offset 32");
  });

  it("parseAttrTree reports a broken nest, however deep, as truncated-nest at the inner offset", () => {
    const inner = new AttributeEncoder().nested(1, (n) => n.nested(2, (m) => m.u32(3, 0))).finish();
    inner[8] = 0x20; // the u32's nla_len (its header is at 8) now runs past its parent
    expectDecodeError(() => parseAttrTree(inner, 16), "truncated-nest", 16 + 8);
    const shortInNest = new AttributeEncoder().nested(1, (n) => n.u16(1, 1)).finish();
    shortInNest[4] = 2; // nla_len 2 inside the nest
    expectDecodeError(() => parseAttrTree(shortInNest), "truncated-nest", 4);
  });

  it("parseAttrTree descends into flagged nests, and into others only when isNested says so", () => {
    const bytes = new AttributeEncoder()
      .nested(1, (n) => n.u8(1, 1))
      .nested(2, (n) => n.u8(1, 2), false)
      .u8(3, 3)
      .finish();
    const plain = parseAttrTree(bytes, 8);
    expect(plain.map((a) => a.children?.length)).toEqual([1, undefined, undefined]);
    expect(plain[0]!.children![0]!.offset).toBe(12);
    const paths: Array<[number, number, number[]]> = [];
    const told = parseAttrTree(bytes, 0, (type, depth, path) => {
      paths.push([type, depth, [...path]]);
      return type === 2 && depth === 0;
    });
    expect(told.map((a) => a.children?.length)).toEqual([1, 1, undefined]);
    expect(paths).toEqual([
      [1, 1, [1]],
      [2, 0, []],
      [1, 1, [2]],
      [3, 0, []],
    ]);
  });

  it("parseAttrTree handles the deepest nest a u16 nla_len allows (16383 levels)", () => {
    const levels = 16383;
    const bytes = new Uint8Array(levels * 4);
    for (let i = 0; i < levels; i++) {
      const len = bytes.length - i * 4;
      bytes[i * 4] = len & 0xff;
      bytes[i * 4 + 1] = len >>> 8;
      bytes[i * 4 + 2] = 1;
      bytes[i * 4 + 3] = 0x80;
    }
    let node: NlAttrNode | undefined = parseAttrTree(bytes)[0];
    let depth = 0;
    while (node?.children !== undefined) {
      depth++;
      node = node.children[0];
    }
    expect(depth).toBe(levels);
  });
});

type Node =
  | { readonly kind: "leaf"; readonly type: number; readonly data: Uint8Array }
  | { readonly kind: "nest"; readonly type: number; readonly children: readonly Node[] };

const attrType = fc.integer({ min: 0, max: 0x3fff });
const { tree } = fc.letrec<{ leaf: Node; nest: Node; node: Node; tree: Node[] }>((tie) => ({
  leaf: fc.record({ kind: fc.constant("leaf" as const), type: attrType, data: fc.uint8Array({ maxLength: 24 }) }),
  nest: fc.record({
    kind: fc.constant("nest" as const),
    type: attrType,
    children: fc.array(tie("node"), { maxLength: 4 }),
  }),
  node: fc.oneof({ maxDepth: 3, depthIdentifier: "attr-tree" }, tie("leaf"), tie("nest")),
  tree: fc.array(tie("node"), { maxLength: 5 }),
}));

const encodeTree = (e: AttributeEncoder, nodes: readonly Node[]): AttributeEncoder => {
  for (const n of nodes) {
    if (n.kind === "leaf") e.binary(n.type, n.data);
    else e.nested(n.type, (inner) => encodeTree(inner, n.children));
  }
  return e;
};

type Shape = { type: number; nested: boolean; data?: string; children?: Shape[] };
const modelShape = (nodes: readonly Node[]): Shape[] =>
  nodes.map((n) =>
    n.kind === "leaf"
      ? { type: n.type, nested: false, data: toHex(n.data) }
      : { type: n.type, nested: true, children: modelShape(n.children) },
  );
const parsedShape = (nodes: readonly NlAttrNode[]): Shape[] =>
  nodes.map((n) =>
    n.children === undefined
      ? { type: n.type, nested: n.nested, data: toHex(n.data) }
      : { type: n.type, nested: n.nested, children: parsedShape(n.children) },
  );
const depthOf = (nodes: readonly Node[]): number =>
  Math.max(0, ...nodes.map((n) => (n.kind === "nest" ? 1 + depthOf(n.children) : 0)));

describe("property: attribute trees round-trip", () => {
  it("AttributeEncoder.nested → finish → parseAttrTree gives the same types, data and nesting", () => {
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 1000 }), (nodes, base) => {
        expect(depthOf(nodes)).toBeLessThanOrEqual(3);
        const bytes = encodeTree(new AttributeEncoder(16), nodes).finish();
        expect(bytes.length % 4).toBe(0);
        const parsed = parseAttrTree(bytes, base);
        expect(parsedShape(parsed)).toEqual(modelShape(nodes));
        // every offset points at its own header and payload
        const check = (ns: readonly NlAttrNode[]): void => {
          for (const n of ns) {
            const at = n.offset - base;
            expect(getU16(bytes, at)).toBe(n.data.length + 4);
            expect(n.data.byteOffset - bytes.byteOffset).toBe(at + 4);
            if (n.children !== undefined) check(n.children);
          }
        };
        check(parsed);
      }),
      { seed: 42, numRuns: 500 },
    );
  });
});

describe("AttributeEncoder growth", () => {
  it("grows from a zero-capacity start and encodes non-ASCII strings as UTF-8", () => {
    const e = new AttributeEncoder(0).string(1, "naïve").string(2, "ascii");
    const attrs = parseAttrs(e.finish());
    expect(attrs.map((a) => attrString(a))).toEqual(["naïve", "ascii"]);
    // 'ï' is two bytes in UTF-8: 6 bytes + NUL
    expect(attrs[0]!.data.length).toBe(7);
  });
});
