// NLMSG_ERROR: struct nlmsgerr, the echoed request (unless capped) and the extended-ACK TLVs.
import { NLMSG_ALIGN } from "./align.js";
import { AttributeEncoder, attrString, attrU32, type NlAttr } from "./attr.js";
import { getS32, getU16, putU32 } from "./bytes.js";
import { NetlinkDecodeError } from "./decode-error.js";
import { getNlmsghdr, type NlMsg, type NlMsgHdr, putNlmsghdr } from "./msg.js";
import {
  NLA_HDRLEN,
  NLA_TYPE_MASK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
  NLMSGERR_SIZE,
} from "./netlink.js";
import { encodePolicyAttr, type NetlinkExtAck } from "./policy.js";

/** A parsed NLMSG_ERROR payload. */
export interface NlMsgErr {
  /** 0 for an ACK, else a negative errno */
  readonly error: number;
  /** the echoed request header */
  readonly req: NlMsgHdr;
  /** the echoed request payload, present when NLM_F_CAPPED is clear */
  readonly reqPayload?: Uint8Array;
  /** the extended-ACK TLVs in wire order, present when NLM_F_ACK_TLVS is set */
  readonly tlvs?: ReadonlyArray<NlAttr>;
  /** bytes after everything understood (empty when the message is well formed) */
  readonly tail: Uint8Array;
}

/** The extended-ACK TLVs, typed. */
export interface ExtAckInfo {
  msg?: string;
  offs?: number;
  cookie?: Uint8Array;
  policy?: Uint8Array;
  missType?: number;
  missNest?: number;
}

/**
 * Parses the payload of an NLMSG_ERROR message. Throws NetlinkDecodeError when the payload is
 * shorter than struct nlmsgerr. The TLV area is read like libmnl does: attributes while they
 * are whole, anything after that goes to `tail`.
 */
export const parseNlmsgerr = (m: NlMsg): NlMsgErr => {
  const p = m.payload;
  if (p.length < NLMSGERR_SIZE) {
    throw new NetlinkDecodeError(
      "short-nlmsgerr",
      NLMSG_HDRLEN,
      `NLMSG_ERROR payload is ${p.length} bytes, struct nlmsgerr needs ${NLMSGERR_SIZE}`,
    );
  }
  const error = getS32(p, 0);
  const req = getNlmsghdr(p, 4);
  let off = NLMSGERR_SIZE;
  let reqPayload: Uint8Array | undefined;
  if (!(m.flags & NLM_F_CAPPED)) {
    const want = Math.max(0, req.len - NLMSG_HDRLEN);
    const end = Math.min(p.length, off + want);
    reqPayload = p.subarray(off, end);
    off = Math.min(p.length, off + NLMSG_ALIGN(want));
  }
  let tlvs: NlAttr[] | undefined;
  if (m.flags & NLM_F_ACK_TLVS) {
    tlvs = [];
    while (p.length - off >= NLA_HDRLEN) {
      const len = getU16(p, off);
      if (len < NLA_HDRLEN || len > p.length - off) break;
      const raw = getU16(p, off + 2);
      tlvs.push({
        type: raw & NLA_TYPE_MASK,
        nested: (raw & 0x8000) !== 0,
        netByteOrder: (raw & 0x4000) !== 0,
        data: p.subarray(off + NLA_HDRLEN, off + len),
        offset: NLMSG_HDRLEN + off,
      });
      off = Math.min(p.length, off + NLMSG_ALIGN(len));
    }
  }
  const tail = p.subarray(off);
  const out: { -readonly [K in keyof NlMsgErr]: NlMsgErr[K] } = { error, req, tail };
  if (reqPayload !== undefined) out.reqPayload = reqPayload;
  if (tlvs !== undefined) out.tlvs = tlvs;
  return out;
};

/** The typed view of the TLVs (unknown types are left out; a malformed known TLV throws). */
export const extAckInfo = (tlvs: ReadonlyArray<NlAttr>): ExtAckInfo => {
  const info: ExtAckInfo = {};
  for (const t of tlvs) {
    switch (t.type) {
      case NLMSGERR_ATTR_MSG:
        info.msg = attrString(t);
        break;
      case NLMSGERR_ATTR_OFFS:
        info.offs = attrU32(t);
        break;
      case NLMSGERR_ATTR_COOKIE:
        info.cookie = t.data;
        break;
      case NLMSGERR_ATTR_POLICY:
        info.policy = t.data;
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        info.missType = attrU32(t);
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        info.missNest = attrU32(t);
        break;
    }
  }
  return info;
};

/** What netlink_ack needs to build an NLMSG_ERROR reply. */
export interface NlmsgerrInit {
  /** 0 for success, else a negative errno */
  readonly error: number;
  /** the request message as received (header and payload, nlmsg_len bytes) */
  readonly request: Uint8Array;
  /** port id of the requester (nlmsg_pid of the reply) */
  readonly pid: number;
  /** leave the request payload out (NETLINK_CAP_ACK, or a success ACK); sets NLM_F_CAPPED */
  readonly capped: boolean;
  /** TLVs to append (sets NLM_F_ACK_TLVS when any is written) */
  readonly extack?: NetlinkExtAck;
}

/** Encodes the extack TLVs in the order the kernel's netlink_ack_tlv_fill writes them. */
export const encodeExtAckTlvs = (error: number, ext: NetlinkExtAck): Uint8Array => {
  const e = new AttributeEncoder(128);
  if (ext.msg !== undefined) e.string(NLMSGERR_ATTR_MSG, ext.msg);
  // since 6.0 the cookie goes out whatever the error; the rest only with an error
  if (ext.cookie !== undefined && ext.cookie.length > 0) e.binary(NLMSGERR_ATTR_COOKIE, ext.cookie);
  if (error !== 0) {
    if (ext.badAttr !== undefined) e.u32(NLMSGERR_ATTR_OFFS, ext.badAttr);
    if (ext.policy !== undefined) {
      const nest = encodePolicyAttr(ext.policy);
      // an empty description (NLA_UNSPEC, NLA_REJECT...) is cancelled: no POLICY TLV at all
      if (nest.length > 0) e.nested(NLMSGERR_ATTR_POLICY, (inner) => inner.raw(nest));
    }
    if (ext.missType !== undefined) e.u32(NLMSGERR_ATTR_MISS_TYPE, ext.missType);
    if (ext.missNest !== undefined) e.u32(NLMSGERR_ATTR_MISS_NEST, ext.missNest);
  }
  return e.finish();
};

/** no extack TLVs (one shared empty array: each `new Uint8Array(0)` costs V8 ~0.2 µs, measured) */
const NO_TLVS = new Uint8Array(0);

/** Builds the whole NLMSG_ERROR message as the kernel's netlink_ack does (length padded to 4). */
export const encodeNlmsgerr = (init: NlmsgerrInit): Uint8Array => {
  const req = getNlmsghdr(init.request, 0);
  const reqPayloadLen = init.capped ? 0 : Math.max(0, Math.min(req.len, init.request.length) - NLMSG_HDRLEN);
  const tlvs = init.extack !== undefined ? encodeExtAckTlvs(init.error, init.extack) : NO_TLVS;
  let flags = init.capped ? NLM_F_CAPPED : 0;
  if (tlvs.length > 0) flags |= NLM_F_ACK_TLVS;
  const len = NLMSG_HDRLEN + NLMSGERR_SIZE + NLMSG_ALIGN(reqPayloadLen) + tlvs.length;
  const buf = new Uint8Array(len);
  putNlmsghdr(buf, 0, { len, type: NLMSG_ERROR, flags, seq: req.seq, pid: init.pid });
  putU32(buf, NLMSG_HDRLEN, init.error >>> 0);
  // the request's header, then its payload (unless capped) and the TLVs; the 16 header bytes
  // copied one by one, and empty parts skipped: each subarray view and set() costs more
  const hdr = Math.min(NLMSG_HDRLEN, init.request.length);
  for (let i = 0; i < hdr; i++) buf[NLMSG_HDRLEN + 4 + i] = init.request[i]!;
  if (reqPayloadLen > 0) {
    buf.set(init.request.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + reqPayloadLen), NLMSG_HDRLEN + NLMSGERR_SIZE);
  }
  if (tlvs.length > 0) buf.set(tlvs, NLMSG_HDRLEN + NLMSGERR_SIZE + NLMSG_ALIGN(reqPayloadLen));
  return buf;
};
