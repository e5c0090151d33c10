// net/netlink/af_netlink.c: netlink_rcv_skb (the usual kernel input loop) and netlink_ack (the
// NLMSG_ERROR reply), as spec section 7 and 13 describe them.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import {
  ERRNO,
  encodeNlmsgerr,
  getU16,
  getU32,
  type NetlinkExtAck,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_ALIGN,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
} from "../../uapi/index.js";
import { nlmsg_new } from "./nlmsg.js";
import { type SkBuff, skb_pull, skb_put } from "./skb.js";
import { NETLINK_F_CAP_ACK, NETLINK_F_EXT_ACK, type NetlinkSock } from "./sock.js";
import { nlmsg_unicast } from "./unicast.js";

/** struct nlmsghdr * as a handler sees it: the fields and the whole message (a view, nlmsg_len bytes). */
export interface Nlmsghdr {
  readonly nlmsg_len: number;
  readonly nlmsg_type: number;
  readonly nlmsg_flags: number;
  readonly nlmsg_seq: number;
  readonly nlmsg_pid: number;
  /** header + payload, nlmsg_len bytes; extack offsets count from its first byte */
  readonly msg: Uint8Array;
}

/** nlmsg_data / nlmsg_len: the payload after the 16-byte header. */
export const nlmsg_payload = (nlh: Nlmsghdr): Uint8Array => nlh.msg.subarray(NLMSG_HDRLEN);

/** The handler netlink_rcv_skb calls per request: 0, a negative errno, or −EINTR for "dump started". */
export type NetlinkRcvMsg = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck) => number;

/** nlmsg_hdr: the message at the start of `d`, `len` bytes long (its nlmsg_len, checked by the caller). */
export const nlmsg_hdr = (d: Uint8Array, len: number): Nlmsghdr => ({
  nlmsg_len: len,
  nlmsg_type: getU16(d, 4),
  nlmsg_flags: getU16(d, 6),
  nlmsg_seq: getU32(d, 8),
  nlmsg_pid: getU32(d, 12),
  msg: len === d.length ? d : d.subarray(0, len),
});

/**
 * netlink_rcv_skb(skb, cb): walk the datagram. Stops silently at a message that is not whole;
 * messages without NLM_F_REQUEST or of a control type (< 0x10) skip the handler (err 0); −EINTR
 * (a dump started) suppresses the ACK; otherwise an ACK goes back when NLM_F_ACK is set or err ≠ 0.
 */
export const netlink_rcv_skb = (skb: SkBuff, cb: NetlinkRcvMsg): number => {
  while (skb.len >= NLMSG_HDRLEN) {
    const d = skb.data;
    const len = getU32(d, 0);
    if (len < NLMSG_HDRLEN || skb.len < len) return 0;
    const nlh = nlmsg_hdr(d, len);
    const extack: NetlinkExtAck = {};
    let err = 0;
    let skip = false;
    // only requests are handled by the kernel; control messages are skipped
    if (nlh.nlmsg_flags & NLM_F_REQUEST && nlh.nlmsg_type >= NLMSG_MIN_TYPE) {
      err = cb(skb, nlh, extack);
      if (err === -ERRNO.EINTR) skip = true;
    }
    if (!skip && (nlh.nlmsg_flags & NLM_F_ACK || err)) netlink_ack(skb, nlh, err, extack);
    skb_pull(skb, Math.min(NLMSG_ALIGN(len), skb.len));
  }
  return 0;
};

/**
 * netlink_ack(in_skb, nlh, err, extack): NLMSG_ERROR to the requester. The request payload is
 * echoed on an error unless the requester set CAP_ACK (else NLM_F_CAPPED); extended-ACK TLVs only
 * when it set EXT_ACK and there is something to say (NLM_F_ACK_TLVS). Sent non-blocking from the
 * kernel socket, so a full receiver overruns.
 */
export const netlink_ack = (in_skb: SkBuff, nlh: Nlmsghdr, err: number, extack: NetlinkExtAck | null): void => {
  const requester = in_skb.cb.sk as NetlinkSock | null;
  const ksk = in_skb.owner as NetlinkSock | null;
  if (requester === null || ksk === null) return;
  const capped = !(err && !(requester.flags & NETLINK_F_CAP_ACK));
  const withTlvs = extack !== null && (requester.flags & NETLINK_F_EXT_ACK) !== 0;
  const bytes = encodeNlmsgerr(
    withTlvs
      ? { error: err, request: nlh.msg, pid: in_skb.cb.portid, capped, extack }
      : { error: err, request: nlh.msg, pid: in_skb.cb.portid, capped },
  );
  // nlmsg_new returned NULL (err_skb): the requester sees ENOBUFS
  if (ksk.net.host.allocFails(bytes.length, "netlink_ack")) {
    requester.sk_err = ERRNO.ENOBUFS;
    requester.sk_wq.wake_up(); // sk_error_report
    return;
  }
  // GFP_KERNEL in 6.x, where input runs in process context; atomic here so that the model's own
  // ACK is not reported as sleeping in a softirq-mode input (the module's allocations still are)
  const skb = nlmsg_new(bytes.length - NLMSG_HDRLEN, GFP_ATOMIC);
  skb.head.set(bytes, skb_put(skb, bytes.length));
  nlmsg_unicast(ksk, skb, in_skb.cb.portid);
};
