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
export const putU64 = (b: Uint8Array, o: number, v: bigint): void => {
  const x = BigInt.asUintN(64, v);
  putU32(b, o, Number(x & 0xffffffffn));
  putU32(b, o + 4, Number(x >> 32n));
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
