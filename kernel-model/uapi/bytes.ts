import { markAsUntransferable } from "node:worker_threads";

// Little-endian field access on Uint8Array (netlink is host order; the model is x86_64, little-endian).
// Plain index arithmetic: no DataView per call, so the per-message path allocates nothing.

export const getU16 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
export const getU32 = (b: Uint8Array, o: number): number =>
  (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
export const getS32 = (b: Uint8Array, o: number): number =>
  b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
export const getU64 = (b: Uint8Array, o: number): bigint => (BigInt(getU32(b, o + 4)) << 32n) | BigInt(getU32(b, o));
export const getBeU16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const getBeU32 = (b: Uint8Array, o: number): number =>
  ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
export const getBeU64 = (b: Uint8Array, o: number): bigint =>
  (BigInt(getBeU32(b, o)) << 32n) | BigInt(getBeU32(b, o + 4));

export const putU16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
};
export const putU32 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = v & 0xff;
  b[o + 1] = (v >>> 8) & 0xff;
  b[o + 2] = (v >>> 16) & 0xff;
  b[o + 3] = (v >>> 24) & 0xff;
};
// a u64 goes through one BigUint64Array slot (its store wraps modulo 2^64 like BigInt.asUintN)
// and is copied out byte by byte: no BigInt arithmetic, no BigInt allocated per value
const u64Slot = new BigUint64Array(1);
const u64SlotBytes = new Uint8Array(u64Slot.buffer);
const HOST_LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
export const putU64 = (b: Uint8Array, o: number, v: bigint): void => {
  if (typeof v !== "bigint") throw new TypeError(`a u64 must be a bigint, not ${typeof v}`);
  u64Slot[0] = v;
  const s = u64SlotBytes;
  if (HOST_LITTLE_ENDIAN) {
    b[o] = s[0]!;
    b[o + 1] = s[1]!;
    b[o + 2] = s[2]!;
    b[o + 3] = s[3]!;
    b[o + 4] = s[4]!;
    b[o + 5] = s[5]!;
    b[o + 6] = s[6]!;
    b[o + 7] = s[7]!;
  } else {
    for (let i = 0; i < 8; i++) b[o + i] = s[7 - i]!;
  }
};
export const putBeU16 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = (v >>> 8) & 0xff;
  b[o + 1] = v & 0xff;
};
export const putBeU32 = (b: Uint8Array, o: number, v: number): void => {
  b[o] = (v >>> 24) & 0xff;
  b[o + 1] = (v >>> 16) & 0xff;
  b[o + 2] = (v >>> 8) & 0xff;
  b[o + 3] = v & 0xff;
};
export const putBeU64 = (b: Uint8Array, o: number, v: bigint): void => {
  const x = BigInt.asUintN(64, v);
  putBeU32(b, o, Number(x >> 32n));
  putBeU32(b, o + 4, Number(x & 0xffffffffn));
};

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Lower-case hex of the bytes, no separators. */
export const toHex = (b: Uint8Array): string => {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!];
  return s;
};

const utf8Decoder = new TextDecoder("utf-8", { fatal: false });
const utf8Encoder = new TextEncoder();
export const utf8Decode = (b: Uint8Array): string => utf8Decoder.decode(b);
export const utf8Encode = (s: string): Uint8Array => utf8Encoder.encode(s);

export const concatBytes = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

// Fresh byte arrays carved from shared 64 KiB chunks: a view on an existing ArrayBuffer costs a
// small heap object, where a fresh Uint8Array above 64 bytes costs V8 an off-heap allocation
// (~1 µs) and GC work. A chunk is freed by the GC once no view in it is referenced. Each carve is
// zeroed (a chunk's bytes are handed out once). The view's buffer is shared and its byteOffset is
// not 0: keep carves internal (skb heads, scratch) or hand out a copy where a caller may use .buffer.
const CHUNK = 64 * 1024;
let chunk = new ArrayBuffer(CHUNK);
let chunkOff = 0;
export const carveBytes = (size: number): Uint8Array => {
  if (size > CHUNK / 4) return new Uint8Array(size);
  const aligned = (size + 7) & ~7;
  if (chunkOff + aligned > CHUNK) {
    chunk = new ArrayBuffer(CHUNK);
    chunkOff = 0;
  }
  const view = new Uint8Array(chunk, chunkOff, size);
  chunkOff += aligned;
  return view;
};

// Bytes handed to user code (encoder output, received datagrams) come from pools of their own, as
// Node's Buffer.allocUnsafe does: a view into an 8 KiB ArrayBuffer costs a small heap object,
// where an ArrayBuffer of its own above 64 bytes costs V8 an off-heap allocation and its sweeping
// (about 2 µs for 80 bytes on the project's machine, against 0.05 µs for the view). Up to 64
// bytes V8 would keep the bytes on its heap, which is as fast to make but 2.5 times the size of a
// view (233 bytes against 95 for 32 bytes), and a world of thousands of processes keeps each
// one's last datagram while it waits: small sizes come from the pool too. What a user gets is
// still theirs alone: no other message's view overlaps it and nothing in nlsim writes to it after
// handing it out (a pool holds only such bytes, never the library's working memory). What is
// shared is the ArrayBuffer behind it: read .buffer with .byteOffset and .byteLength. Pools are
// marked untransferable, so a postMessage or structuredClone that lists one in its transfer list
// copies instead of detaching other messages' bytes. Sizes above OWNED_POOL / 2 (where a pool
// would save little and hold much) get an ArrayBuffer of their own, as does an empty array.
const OWNED_POOL = 8 * 1024;
let ownedPool = new ArrayBuffer(0);
let ownedOff = OWNED_POOL; // full: the first call makes a pool
/** `size` zeroed bytes for user code: theirs alone, though `.buffer` may be a shared, untransferable pool. */
export const ownedBytes = (size: number): Uint8Array => {
  if (!(Number.isInteger(size) && size >= 0)) throw new RangeError(`ownedBytes: size ${size} is not a byte count`);
  if (size === 0 || size > OWNED_POOL / 2) return new Uint8Array(size);
  if (ownedOff + size > OWNED_POOL) {
    ownedPool = new ArrayBuffer(OWNED_POOL);
    markAsUntransferable(ownedPool);
    ownedOff = 0;
  }
  // a view made on the buffer, not subarray of a pool-wide view (which goes through the species
  // lookup and takes longer)
  const view = new Uint8Array(ownedPool, ownedOff, size);
  // 8-byte aligned, so a DataView or a BigUint64Array over a message's own bytes reads aligned
  ownedOff = (ownedOff + size + 7) & ~7;
  return view;
};
/** A copy of `src[start, end)` in bytes of the user's own (see ownedBytes). */
export const ownedCopy = (src: Uint8Array, start = 0, end = src.length): Uint8Array => {
  if (!(start >= 0 && end >= start && end <= src.length)) {
    throw new RangeError(`ownedCopy: [${start}, ${end}) is not a range of ${src.length} bytes`);
  }
  const out = ownedBytes(end - start);
  out.set(start === 0 && end === src.length ? src : src.subarray(start, end));
  return out;
};
