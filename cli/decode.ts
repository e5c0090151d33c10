// `nlsim decode`: bytes in (hex or a binary file), messages out (annotated text or JSON).
import {
  NETLINK_GENERIC,
  NETLINK_PROTOCOL_NAMES,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NetlinkDecodeError,
  parseMessages,
} from "../kernel-model/uapi/index.js";
import { messagesToText } from "../sim/walk/text.js";
import { messageToJson } from "./format/json.js";

/** Hex text to bytes: whitespace, `0x` prefixes and `:` separators are ignored; anything else is an error. */
export const parseHex = (text: string): Uint8Array => {
  const clean = text.replace(/0x/gi, "").replace(/[\s:]/g, "");
  const bad = clean.search(/[^0-9a-fA-F]/);
  if (bad >= 0) {
    throw new NetlinkDecodeError("bad-input", bad >> 1, `'${clean[bad]}' (hex digit ${bad + 1}) is not a hex digit`);
  }
  if (clean.length % 2 !== 0) {
    throw new NetlinkDecodeError("bad-input", clean.length >> 1, `odd number of hex digits (${clean.length})`);
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
};

const PROTO_ALIASES: Readonly<Record<string, number>> = {
  route: NETLINK_ROUTE,
  rtnetlink: NETLINK_ROUTE,
  usersock: NETLINK_USERSOCK,
  generic: NETLINK_GENERIC,
  genl: NETLINK_GENERIC,
};

/** A protocol given as a name (route, usersock, generic, NETLINK_*) or a number 0..31. */
export const parseProto = (s: string): number | undefined => {
  const lower = s.toLowerCase();
  if (PROTO_ALIASES[lower] !== undefined) return PROTO_ALIASES[lower];
  const byName = Object.entries(NETLINK_PROTOCOL_NAMES).find(([, n]) => n.toLowerCase() === lower);
  if (byName !== undefined) return Number(byName[0]);
  if (/^\d+$/.test(s) && Number(s) < 32) return Number(s);
  return undefined;
};

export interface DecodeOptions {
  readonly json: boolean;
  readonly protocol?: number | undefined;
}

/** Decodes a datagram and renders it; throws NetlinkDecodeError on malformed bytes. */
export const renderDecoded = (bytes: Uint8Array, opts: DecodeOptions): string => {
  const msgs = parseMessages(bytes);
  if (opts.json) return `${JSON.stringify(msgs.map((m) => messageToJson(m)))}\n`;
  return messagesToText(msgs, { protocol: opts.protocol });
};
