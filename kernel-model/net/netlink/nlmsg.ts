// include/net/netlink.h: the message and attribute builders a kernel module writes replies with.
// Each writes into the skb's tailroom and fails (NULL / −EMSGSIZE) when it is short, as in C.

import { GFP_KERNEL, type gfp_t } from "../../kernel/gfp.js";
import {
  ERRNO,
  getS32,
  getU16,
  getU32,
  getU64,
  type NetlinkExtAck,
  NLA_ALIGN,
  NLA_F_NESTED,
  NLA_HDRLEN,
  NLMSG_ALIGN,
  NLMSG_HDRLEN,
  type NlAttr,
  parseAttrs,
  putU16,
  putU32,
  putU64,
  utf8Encode,
} from "../../uapi/index.js";
import { alloc_skb, type SkBuff, skb_put, skb_tailroom } from "./skb.js";

/**
 * nla_parse_nested(tb, maxtype, nla, NULL, extack) for a nest the request's policy has validated
 * already (the callers pass no policy): the nest's attributes by type up to `maxtype`, the last of
 * a type winning; offsets count from the message start, as the nest's own does.
 */
export const nla_parse_nested_validated = (nla: NlAttr, maxtype: number): Array<NlAttr | undefined> => {
  const tb: Array<NlAttr | undefined> = [];
  for (const a of parseAttrs(nla.data, nla.offset + NLA_HDRLEN)) if (a.type <= maxtype) tb[a.type] = a;
  return tb;
};

/** NL_SET_ERR_MSG_ATTR(extack, attr, msg) (include/linux/netlink.h): the message and the attribute's offset. */
export const NL_SET_ERR_MSG_ATTR = (extack: NetlinkExtAck | null, attr: NlAttr, msg: string): void => {
  if (extack === null) return;
  extack.msg = msg;
  extack.badAttr = attr.offset;
};

// nla_get_* (include/net/netlink.h): an attribute's value, host (little-endian) order; the policy
// that validated the attribute guarantees its length.
export const nla_get_u8 = (nla: NlAttr): number => nla.data[0]!;
export const nla_get_u16 = (nla: NlAttr): number => getU16(nla.data, 0);
export const nla_get_u32 = (nla: NlAttr): number => getU32(nla.data, 0);
export const nla_get_s32 = (nla: NlAttr): number => getS32(nla.data, 0);
export const nla_get_u64 = (nla: NlAttr): bigint => getU64(nla.data, 0);

/** nlmsg_total_size(payload) = NLMSG_ALIGN(NLMSG_HDRLEN + payload) */
export const nlmsg_total_size = (payload: number): number => NLMSG_ALIGN(NLMSG_HDRLEN + payload);
/** nla_total_size(payload) = NLA_ALIGN(NLA_HDRLEN + payload) */
export const nla_total_size = (payload: number): number => NLA_ALIGN(NLA_HDRLEN + payload);

/** nlmsg_new(payload, gfp): an skb with room for one message of `payload` bytes (gfp default GFP_KERNEL). */
export const nlmsg_new = (payload: number, gfp: gfp_t = GFP_KERNEL): SkBuff =>
  alloc_skb(nlmsg_total_size(payload), gfp);

/** A message header inside an skb: where it starts (offset in skb.head). Plain data, like struct nlmsghdr *. */
export interface NlmsghdrRef {
  readonly skb: SkBuff;
  readonly off: number;
}

/** __nlmsg_put: reserve header + `len` payload bytes (padding zeroed) and fill the header. */
export const __nlmsg_put = (
  skb: SkBuff,
  portid: number,
  seq: number,
  type: number,
  len: number,
  flags: number,
): NlmsghdrRef => {
  const size = NLMSG_HDRLEN + len;
  const off = skb_put(skb, NLMSG_ALIGN(size));
  const b = skb.head;
  b.fill(0, off, off + NLMSG_ALIGN(size));
  putU32(b, off, size);
  putU16(b, off + 4, type);
  putU16(b, off + 6, flags);
  putU32(b, off + 8, seq >>> 0);
  putU32(b, off + 12, portid >>> 0);
  return { skb, off };
};

/** nlmsg_put: NULL when the tailroom cannot hold the whole aligned message. */
export const nlmsg_put = (
  skb: SkBuff,
  portid: number,
  seq: number,
  type: number,
  payload: number,
  flags: number,
): NlmsghdrRef | null => {
  if (skb_tailroom(skb) < nlmsg_total_size(payload)) return null;
  return __nlmsg_put(skb, portid, seq, type, payload, flags);
};

/** nlmsg_data: offset (in skb.head) of the payload. */
export const nlmsg_data = (nlh: NlmsghdrRef): number => nlh.off + NLMSG_HDRLEN;

/** nlmsg_end: nlmsg_len = tail − start; returns skb->len. */
export const nlmsg_end = (skb: SkBuff, nlh: NlmsghdrRef): number => {
  putU32(skb.head, nlh.off, skb.tail - nlh.off);
  return skb.len;
};

/** nlmsg_trim / nlmsg_cancel: cut the skb back to `mark` (an offset in head). */
export const nlmsg_cancel = (skb: SkBuff, nlh: NlmsghdrRef): void => {
  if (nlh.off >= skb.data_off) skb.len = nlh.off - skb.data_off;
};

/** nlmsg_append: extend the last message by NLMSG_ALIGN(size) zeroed bytes; returns the offset or null. */
export const nlmsg_append = (skb: SkBuff, size: number): number | null => {
  const plen = NLMSG_ALIGN(size);
  if (skb_tailroom(skb) < plen) return null;
  const off = skb_put(skb, plen);
  skb.head.fill(0, off, off + plen);
  return off;
};

/** __nla_reserve: header + `attrlen` bytes, padding zeroed; returns the offset of the nlattr. */
const __nla_reserve = (skb: SkBuff, attrtype: number, attrlen: number): number => {
  const total = nla_total_size(attrlen);
  const off = skb_put(skb, total);
  skb.head.fill(0, off, off + total);
  putU16(skb.head, off, NLA_HDRLEN + attrlen);
  putU16(skb.head, off + 2, attrtype);
  return off;
};

/** nla_reserve: the payload offset, or null when the tailroom is short. */
export const nla_reserve = (skb: SkBuff, attrtype: number, attrlen: number): number | null => {
  if (skb_tailroom(skb) < nla_total_size(attrlen)) return null;
  return __nla_reserve(skb, attrtype, attrlen) + NLA_HDRLEN;
};

/** nla_put: 0 or −EMSGSIZE. */
export const nla_put = (skb: SkBuff, attrtype: number, data: Uint8Array): number => {
  if (skb_tailroom(skb) < nla_total_size(data.length)) return -ERRNO.EMSGSIZE;
  const off = __nla_reserve(skb, attrtype, data.length);
  skb.head.set(data, off + NLA_HDRLEN);
  return 0;
};

/** nla_reserve for a fixed-size value: the payload offset, or −1 when the tailroom is short. */
const reserveFixed = (skb: SkBuff, attrtype: number, size: number): number =>
  skb_tailroom(skb) < nla_total_size(size) ? -1 : __nla_reserve(skb, attrtype, size) + NLA_HDRLEN;

/** an attribute without payload (shared: each `new Uint8Array(0)` costs V8 ~0.2 µs, measured) */
const NO_DATA = new Uint8Array(0);

export const nla_put_u8 = (skb: SkBuff, attrtype: number, v: number): number => {
  const o = reserveFixed(skb, attrtype, 1);
  if (o < 0) return -ERRNO.EMSGSIZE;
  skb.head[o] = v & 0xff;
  return 0;
};
export const nla_put_u16 = (skb: SkBuff, attrtype: number, v: number): number => {
  const o = reserveFixed(skb, attrtype, 2);
  if (o < 0) return -ERRNO.EMSGSIZE;
  putU16(skb.head, o, v);
  return 0;
};
export const nla_put_u32 = (skb: SkBuff, attrtype: number, v: number): number => {
  const o = reserveFixed(skb, attrtype, 4);
  if (o < 0) return -ERRNO.EMSGSIZE;
  putU32(skb.head, o, v >>> 0);
  return 0;
};
export const nla_put_u64 = (skb: SkBuff, attrtype: number, v: bigint): number => {
  const o = reserveFixed(skb, attrtype, 8);
  if (o < 0) return -ERRNO.EMSGSIZE;
  putU64(skb.head, o, v);
  return 0;
};
/**
 * nla_put_u64_64bit(skb, attrtype, value, padattr): on x86_64 (CONFIG_HAVE_EFFICIENT_UNALIGNED_ACCESS)
 * nla_need_padding_for_64bit is false, so no `padattr` attribute goes first: a plain u64.
 */
export const nla_put_u64_64bit = (skb: SkBuff, attrtype: number, v: bigint, _padattr: number): number =>
  nla_put_u64(skb, attrtype, v);
export const nla_put_s32 = nla_put_u32;
/** nla_put_flag: an attribute without payload. */
export const nla_put_flag = (skb: SkBuff, attrtype: number): number => nla_put(skb, attrtype, NO_DATA);
/** nla_put_string: the string and its NUL. */
export const nla_put_string = (skb: SkBuff, attrtype: number, s: string): number => {
  const b = utf8Encode(s);
  const z = new Uint8Array(b.length + 1);
  z.set(b);
  return nla_put(skb, attrtype, z);
};

/** A nest being filled: where its nlattr header sits (offset in skb.head). */
export interface NlattrRef {
  readonly skb: SkBuff;
  readonly off: number;
}

/** nla_nest_start: an empty attribute with NLA_F_NESTED set; null when the tailroom is short. */
export const nla_nest_start = (skb: SkBuff, attrtype: number): NlattrRef | null => {
  const off = skb.tail;
  if (nla_put(skb, attrtype | NLA_F_NESTED, NO_DATA) < 0) return null;
  return { skb, off };
};

/** nla_nest_start_noflag: the same without NLA_F_NESTED (old families). */
export const nla_nest_start_noflag = (skb: SkBuff, attrtype: number): NlattrRef | null => {
  const off = skb.tail;
  if (nla_put(skb, attrtype, NO_DATA) < 0) return null;
  return { skb, off };
};

/** nla_nest_end: nla_len = tail − start; returns skb->len. */
export const nla_nest_end = (skb: SkBuff, start: NlattrRef): number => {
  putU16(skb.head, start.off, skb.tail - start.off);
  return skb.len;
};

/** nla_nest_cancel: drop the nest and everything after it. */
export const nla_nest_cancel = (skb: SkBuff, start: NlattrRef): void => {
  if (start.off >= skb.data_off) skb.len = start.off - skb.data_off;
};
