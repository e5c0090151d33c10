// struct nlmsghdr: build and parse single messages and multi-message datagrams.
import { NLMSG_ALIGN } from "./align.js";
import { getU16, getU32, ownedBytes, putU16, putU32 } from "./bytes.js";
import { NetlinkDecodeError } from "./decode-error.js";
import { NLMSG_HDRLEN } from "./netlink.js";

/** The five header fields of a netlink message. */
export interface NlMsgHdr {
  readonly len: number;
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
}

/** A parsed message: the header and the bytes after it up to nlmsg_len (a view into the parsed buffer). */
export interface NlMsg extends NlMsgHdr {
  readonly payload: Uint8Array;
}

/** What a sender supplies; `len` defaults to 16 + payload length and may be set to anything (for malformed tests). */
export interface NlMsgInit {
  readonly type: number;
  readonly flags?: number | undefined;
  readonly seq?: number | undefined;
  readonly pid?: number | undefined;
  readonly payload?: Uint8Array | undefined;
  readonly len?: number | undefined;
}

const EMPTY = new Uint8Array(0);

/** Writes the 16-byte header at `off`. */
export const putNlmsghdr = (buf: Uint8Array, off: number, h: NlMsgHdr): void => {
  putU32(buf, off, h.len);
  putU16(buf, off + 4, h.type);
  putU16(buf, off + 6, h.flags);
  putU32(buf, off + 8, h.seq);
  putU32(buf, off + 12, h.pid);
};

/** Reads the 16-byte header at `off`; the caller has checked that 16 bytes are there. */
export const getNlmsghdr = (buf: Uint8Array, off: number): NlMsgHdr => ({
  len: getU32(buf, off),
  type: getU16(buf, off + 4),
  flags: getU16(buf, off + 6),
  seq: getU32(buf, off + 8),
  pid: getU32(buf, off + 12),
});

/** Size of the message on the wire when it is not the last of a datagram (padding included). */
const messageSpace = (m: NlMsgInit): number => NLMSG_ALIGN(NLMSG_HDRLEN + (m.payload?.length ?? 0));

/** Writes one message at `off` and returns the bytes written (header + payload, no trailing padding). */
export const putMessage = (buf: Uint8Array, off: number, m: NlMsgInit): number => {
  const payload = m.payload ?? EMPTY;
  const size = NLMSG_HDRLEN + payload.length;
  putU32(buf, off, m.len ?? size);
  putU16(buf, off + 4, m.type);
  putU16(buf, off + 6, m.flags ?? 0);
  putU32(buf, off + 8, m.seq ?? 0);
  putU32(buf, off + 12, m.pid ?? 0);
  buf.set(payload, off + NLMSG_HDRLEN);
  return size;
};

/**
 * One message as bytes: exactly header + payload, unpadded, as a user program sends it. The
 * bytes are the caller's alone (see ownedBytes: `.buffer` may be a shared pool).
 */
export const encodeMessage = (m: NlMsgInit): Uint8Array => {
  const buf = ownedBytes(NLMSG_HDRLEN + (m.payload?.length ?? 0));
  putMessage(buf, 0, m);
  return buf;
};

/**
 * Several messages packed into one datagram, each but the last padded to 4 bytes with zeros
 * (`padLast` pads the last one too, as the kernel's nlmsg_put does).
 */
export const encodeMessages = (msgs: ReadonlyArray<NlMsgInit>, padLast = false): Uint8Array => {
  let total = 0;
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    total += i < msgs.length - 1 || padLast ? messageSpace(m) : NLMSG_HDRLEN + (m.payload?.length ?? 0);
  }
  const buf = ownedBytes(total);
  let off = 0;
  for (const m of msgs) off += NLMSG_ALIGN(putMessage(buf, off, m));
  return buf;
};

/** Strict checks of the header at `off` with `rem` bytes left; returns nlmsg_len. */
const checkHeader = (buf: Uint8Array, off: number, rem: number, base: number): number => {
  if (rem < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError(
      "short-header",
      base + off,
      `${rem} byte${rem === 1 ? "" : "s"} left, too short for a 16-byte nlmsghdr`,
    );
  }
  const len = getU32(buf, off);
  if (len < NLMSG_HDRLEN) {
    throw new NetlinkDecodeError("bad-nlmsg-len", base + off, `nlmsg_len ${len} is less than the 16-byte header`);
  }
  if (len > rem) {
    throw new NetlinkDecodeError(
      "message-past-end",
      base + off,
      `nlmsg_len ${len} runs past the end of the buffer (${rem} bytes left)`,
    );
  }
  return len;
};

export interface ParseOptions {
  /** Offset to add to every reported position (where `buf` sits in a larger buffer). Default 0. */
  readonly base?: number;
  /** Require zero padding between messages (default true; the kernel itself never checks). */
  readonly zeroPadding?: boolean;
}

/**
 * Parses a datagram of one or more messages, strictly: every message whole, nlmsg_len ≥ 16 and
 * within the buffer, padding zero, nothing left over. Payloads are views into `buf`.
 * Throws NetlinkDecodeError naming the problem and its offset.
 */
export const parseMessages = (buf: Uint8Array, opts?: ParseOptions): NlMsg[] => {
  const base = opts?.base ?? 0;
  const zeroPadding = opts?.zeroPadding ?? true;
  const out: NlMsg[] = [];
  let off = 0;
  if (buf.length === 0) throw new NetlinkDecodeError("short-header", base, "empty buffer, no nlmsghdr");
  while (off < buf.length) {
    const len = checkHeader(buf, off, buf.length - off, base);
    out.push({
      len,
      type: getU16(buf, off + 4),
      flags: getU16(buf, off + 6),
      seq: getU32(buf, off + 8),
      pid: getU32(buf, off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    const end = Math.min(off + NLMSG_ALIGN(len), buf.length);
    if (zeroPadding) {
      for (let i = off + len; i < end; i++) {
        if (buf[i] !== 0) {
          throw new NetlinkDecodeError(
            "nonzero-padding",
            base + i,
            `padding byte after message is 0x${buf[i]!.toString(16)}, not 0`,
          );
        }
      }
    }
    off = end;
  }
  return out;
};

/** Parses a buffer that holds exactly one message (trailing zero padding allowed). */
export const parseMessage = (buf: Uint8Array, opts?: ParseOptions): NlMsg => {
  const msgs = parseMessages(buf, opts);
  if (msgs.length !== 1) {
    const second = NLMSG_ALIGN(msgs[0]!.len);
    throw new NetlinkDecodeError(
      "message-past-end",
      (opts?.base ?? 0) + second,
      `expected one message, found ${msgs.length}`,
    );
  }
  return msgs[0]!;
};

/**
 * Walks a datagram the way the kernel's netlink_rcv_skb does: stops silently at the first
 * message that is not whole (fewer than 16 bytes left, nlmsg_len < 16 or past the end) and
 * reports how many bytes it consumed. Never throws.
 */
export const walkMessages = (buf: Uint8Array, visit: (off: number, len: number) => void): number => {
  let off = 0;
  while (buf.length - off >= NLMSG_HDRLEN) {
    const len = getU32(buf, off);
    if (len < NLMSG_HDRLEN || len > buf.length - off) break;
    visit(off, len);
    off = Math.min(off + NLMSG_ALIGN(len), buf.length);
  }
  return off;
};
