// A ROUTE or GENERIC message's payload as its fixed header and attribute list, for scenario
// traces that pin a family's content: each attribute printed as its type and bytes, and the ones
// whose bytes honestly differ between runs (a timestamp, a counter) masked — printed with their
// length only — so that two runs still compare byte for byte.
import {
  GENL_HDRLEN,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NLA_ALIGN,
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLMSG_MIN_TYPE,
  toHex,
} from "../../kernel-model/uapi/index.js";
import { rtmHeaderSize } from "../../sim/walk/rtnl-text.js";
import type { JsonValue, MsgJson } from "./json.js";

/** The fixed header before a message's attributes, or undefined when the format is not known. */
export const fixedHeaderSize = (protocol: number, type: number): number | undefined => {
  if (type < NLMSG_MIN_TYPE) return undefined;
  if (protocol === NETLINK_ROUTE) return rtmHeaderSize(type);
  // genlmsghdr; the families the kernel registers have no user header of their own (hdrsize 0)
  if (protocol === NETLINK_GENERIC) return GENL_HDRLEN;
  return undefined;
};

/** A mask: the path of attribute types from the top level down to the one whose bytes are hidden. */
export type AttrPath = ReadonlyArray<number>;

type AttrJson = { [key: string]: JsonValue };

/**
 * An attribute stream as JSON, or undefined when the bytes are not a well-formed stream (each
 * nla_len at least 4 and within the bytes, zero padding between). An attribute on a mask's
 * path is opened as a nest; the last attribute of a mask is printed as {type, len, masked}.
 */
const attrsJson = (bytes: Uint8Array, masks: ReadonlyArray<AttrPath>): AttrJson[] | undefined => {
  const out: AttrJson[] = [];
  let off = 0;
  while (off < bytes.length) {
    if (bytes.length - off < NLA_HDRLEN) return bytes.subarray(off).every((b) => b === 0) ? out : undefined;
    const len = bytes[off]! | (bytes[off + 1]! << 8);
    const type = bytes[off + 2]! | (bytes[off + 3]! << 8);
    if (len < NLA_HDRLEN || off + len > bytes.length) return undefined;
    const data = bytes.subarray(off + NLA_HDRLEN, off + len);
    const t = type & NLA_TYPE_MASK;
    const here = masks.filter((m) => m[0] === t);
    if (here.some((m) => m.length === 1)) out.push({ type, len, masked: true });
    else if (here.length > 0) {
      const inner = attrsJson(
        data,
        here.map((m) => m.slice(1)),
      );
      out.push(inner === undefined ? { type, hex: toHex(data) } : { type, attrs: inner });
    } else out.push({ type, hex: toHex(data) });
    const next = off + NLA_ALIGN(len);
    const pad = bytes.subarray(off + len, Math.min(next, bytes.length));
    if (!pad.every((b) => b === 0)) return undefined;
    off = next;
  }
  return out;
};

/**
 * A message's `payload` replaced by `hdr` (the fixed header's hex) and `attrs`, when its protocol
 * and type have a known header and the rest parses as attributes; otherwise the message as given.
 */
export const withAttrs = (
  msg: MsgJson,
  protocol: number,
  type: number,
  payload: Uint8Array,
  masks: ReadonlyArray<AttrPath>,
): MsgJson => {
  const hdr = fixedHeaderSize(protocol, type);
  if (hdr === undefined || payload.length < hdr) return msg;
  const attrs = attrsJson(payload.subarray(hdr), masks);
  if (attrs === undefined) return msg;
  const { payload: _hex, ...head } = msg;
  return { ...head, hdr: toHex(payload.subarray(0, hdr)), attrs };
};
