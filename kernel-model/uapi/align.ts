// NLMSG_* and NLA_* alignment helpers, as in include/uapi/linux/netlink.h.
import { NLA_ALIGNTO, NLMSG_ALIGNTO, NLMSG_HDRLEN } from "./netlink.js";

// `>>> 0`: NLMSG_ALIGNTO is 4U in C, so the macros compute in unsigned 32-bit arithmetic.
export const NLMSG_ALIGN = (len: number): number => ((len + NLMSG_ALIGNTO - 1) & ~(NLMSG_ALIGNTO - 1)) >>> 0;
/** Value of nlmsg_len for a payload of `len` bytes. */
export const NLMSG_LENGTH = (len: number): number => len + NLMSG_HDRLEN;
/** Bytes a message with a `len`-byte payload occupies, padding included. */
export const NLMSG_SPACE = (len: number): number => NLMSG_ALIGN(NLMSG_LENGTH(len));
/** Payload bytes of a message of length `nlmsgLen` after a family header of `hdrLen` bytes. */
export const NLMSG_PAYLOAD = (nlmsgLen: number, hdrLen: number): number => nlmsgLen - NLMSG_SPACE(hdrLen);
export const NLA_ALIGN = (len: number): number => (len + NLA_ALIGNTO - 1) & ~(NLA_ALIGNTO - 1);

const readU32 = (buf: Uint8Array, off: number): number =>
  (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;

/**
 * NLMSG_OK: is there a whole message at `off`, with `len` bytes left in the buffer?
 * (len ≥ 16, nlmsg_len ≥ 16 and nlmsg_len ≤ len)
 */
export const NLMSG_OK = (buf: Uint8Array, off: number, len: number): boolean => {
  if (len < NLMSG_HDRLEN || off + NLMSG_HDRLEN > buf.length) return false;
  const nlmsgLen = readU32(buf, off);
  return nlmsgLen >= NLMSG_HDRLEN && nlmsgLen <= len;
};

/**
 * NLMSG_NEXT: the offset of the next message and the bytes left after it.
 * Like the C macro it trusts the current header; check NLMSG_OK first.
 */
export const NLMSG_NEXT = (buf: Uint8Array, off: number, len: number): readonly [off: number, len: number] => {
  const step = NLMSG_ALIGN(readU32(buf, off));
  return [off + step, len - step];
};
