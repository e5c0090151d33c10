import { describe, expect, it } from "vitest";
import { AttributeEncoder } from "./attr.js";
import { ownedBytes, ownedCopy } from "./bytes.js";
import { encodeMessage, encodeMessages } from "./msg.js";

/** True when the two views share no byte (they may share an ArrayBuffer). */
const disjoint = (a: Uint8Array, b: Uint8Array): boolean =>
  a.buffer !== b.buffer || a.byteOffset + a.byteLength <= b.byteOffset || b.byteOffset + b.byteLength <= a.byteOffset;

describe("ownedBytes: bytes handed to user code", () => {
  it("gives zeroed, pairwise disjoint, 8-byte aligned views, whatever the size", () => {
    const sizes = [0, 1, 36, 64, 65, 80, 100, 264, 1000, 4096, 4097, 9000];
    const got: Uint8Array[] = [];
    for (let round = 0; round < 200; round++) {
      for (const n of sizes) {
        const b = ownedBytes(n);
        expect(b.length).toBe(n);
        expect(b.every((x) => x === 0)).toBe(true);
        expect(b.byteOffset % 8).toBe(0);
        b.fill(round & 0xff);
        got.push(b);
      }
    }
    // every view still holds what its owner wrote: no later view overlapped it
    for (let i = 0; i < got.length; i++)
      expect(got[i]!.every((x) => x === (Math.floor(i / sizes.length) & 0xff))).toBe(true);
    const pooled = got.filter((b) => b.length > 0 && b.length <= 4096);
    for (let i = 1; i < pooled.length; i++) expect(disjoint(pooled[i - 1]!, pooled[i]!)).toBe(true);
  });

  it("shares a pool between views of 1 byte to 4 KiB; an empty array and larger ones own their ArrayBuffer", () => {
    for (const n of [0, 4097, 20000]) {
      const b = ownedBytes(n);
      expect(b.byteOffset).toBe(0);
      expect(b.buffer.byteLength).toBe(n);
    }
    for (const n of [1, 36, 64, 80, 4096]) {
      const a = ownedBytes(n);
      const b = ownedBytes(n);
      expect(a.buffer.byteLength).toBe(8192);
      expect(disjoint(a, b)).toBe(true);
    }
  });

  it("a pool is untransferable: a transfer copies instead of detaching other messages' bytes", () => {
    const a = ownedCopy(new Uint8Array(80).fill(1));
    const b = ownedCopy(new Uint8Array(80).fill(2));
    expect(a.buffer).toBe(b.buffer);
    const moved = structuredClone(a, { transfer: [a.buffer as ArrayBuffer] });
    expect(moved.every((x) => x === 1)).toBe(true);
    expect(a.length).toBe(80);
    expect(b.every((x) => x === 2)).toBe(true);
  });

  it("ownedCopy copies a range, and the copy does not follow later writes to the source", () => {
    const src = Uint8Array.from({ length: 200 }, (_, i) => i);
    const c = ownedCopy(src, 10, 110);
    expect([...c]).toEqual([...src.subarray(10, 110)]);
    src.fill(0);
    expect(c[0]).toBe(10);
    expect(ownedCopy(src, 5, 5).length).toBe(0);
  });

  it("refuses a size or a range that is not one, with a RangeError that says so", () => {
    expect(() => ownedBytes(-1)).toThrow(/size -1 is not a byte count/);
    expect(() => ownedBytes(70.5)).toThrow(RangeError);
    expect(() => ownedCopy(new Uint8Array(10), 4, 2)).toThrow(/\[4, 2\) is not a range of 10 bytes/);
    expect(() => ownedCopy(new Uint8Array(10), 0, 11)).toThrow(RangeError);
  });

  it("encoder outputs and encoded messages come from it and stay as they were when the encoder is reused", () => {
    const e = new AttributeEncoder().binary(1, new Uint8Array(100).fill(0xaa));
    const m1 = e.finishMessage({ type: 0x10, seq: 1 });
    const a1 = e.finish();
    const p1 = encodeMessage({ type: 0x11, payload: new Uint8Array(100).fill(0xbb) });
    const ps = encodeMessages([{ type: 1, payload: new Uint8Array(70) }, { type: 2 }]);
    const snap = [m1, a1, p1, ps].map((x) => Buffer.from(x).toString("hex"));
    e.reset().binary(1, new Uint8Array(100).fill(0x55));
    const m2 = e.finishMessage({ type: 0x10, seq: 2 });
    const a2 = e.finish();
    m2.fill(0xff);
    a2.fill(0xff);
    expect([m1, a1, p1, ps].map((x) => Buffer.from(x).toString("hex"))).toEqual(snap);
    const all = [m1, a1, p1, ps, m2, a2];
    for (let i = 0; i < all.length; i++)
      for (let j = i + 1; j < all.length; j++) expect(disjoint(all[i]!, all[j]!)).toBe(true);
  });
});
