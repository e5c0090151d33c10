// net/netlink/af_netlink.c, the dump path: __netlink_dump_start (EBUSY, the first round inside the
// requester's sendmsg, −EINTR so that netlink_rcv_skb sends no ACK), netlink_dump (one round: one
// skb sized by min_dump_alloc / NLMSG_GOODSIZE / max_recvmsg_len, the callback fills it, NLMSG_DONE
// when it says it is finished), netlink_dump_done, and the helpers of include/net/netlink.h that
// dump callbacks use (nlmsg_put_answer, nl_dump_check_consistent). Later rounds run from
// netlink_recvmsg; netlink_sock_destruct ends a dump cut short by close().

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import {
  ERRNO,
  encodeExtAckTlvs,
  type NetlinkExtAck,
  NLM_F_ACK_TLVS,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLMSG_DONE,
  putU16,
  putU32,
} from "../../uapi/index.js";
import { sk_filter } from "../core/filter.js";
import type { Nlmsghdr } from "./ack.js";
import { type NlmsghdrRef, nlmsg_append, nlmsg_data, nlmsg_end, nlmsg_put, nlmsg_total_size } from "./nlmsg.js";
import {
  alloc_skb,
  kfree_skb,
  NETLINK_MAX_RECVMSG_LEN,
  NLMSG_GOODSIZE,
  netlink_skb_set_owner_r,
  type SkBuff,
  skb_tailroom,
} from "./skb.js";
import { NETLINK_F_EXT_ACK, NETLINK_F_STRICT_CHK, type NetlinkSock } from "./sock.js";
import { netlink_lookup } from "./table.js";
import { __netlink_sendskb } from "./unicast.js";

/** A dump callback: fills `skb` and returns skb.len while more remains, 0 when finished, or −errno. */
export type NetlinkDumpFn = (skb: SkBuff, cb: NetlinkCallback) => number;
/** netlink_dump_control.start / .done */
export type NetlinkCbFn = (cb: NetlinkCallback) => number;

/** struct netlink_dump_control */
export interface NetlinkDumpControl {
  readonly dump: NetlinkDumpFn;
  readonly done?: NetlinkCbFn;
  readonly start?: NetlinkCbFn;
  readonly data?: unknown;
  readonly min_dump_alloc?: number;
  readonly flags?: number;
  /** the request's extack, which start() may fill (the ACK of a failed start carries it) */
  readonly extack?: NetlinkExtAck;
}

/** struct netlink_callback: nlk->cb, the running dump's state. */
export interface NetlinkCallback {
  /** the request skb (a reference held until the dump ends) */
  readonly skb: SkBuff;
  /** the request header */
  readonly nlh: Nlmsghdr;
  readonly dump: NetlinkDumpFn;
  readonly done: NetlinkCbFn | null;
  /** the caller's private pointer (genetlink replaces it with its dumpit info in genl_start) */
  data: unknown;
  readonly min_dump_alloc: number;
  readonly flags: number;
  /** nlk->flags & NETLINK_F_STRICT_CHK of the requester */
  readonly strict_check: boolean;
  /** cb->args[6]: the callback's cursor, zeroed at start */
  readonly args: number[];
  /** cb->seq / prev_seq: nl_dump_check_consistent's generation numbers */
  seq: number;
  prev_seq: number;
  /** flags added to every answer (e.g. NLM_F_DUMP_FILTERED) */
  answer_flags: number;
  /** the extack of the current start() or dump() call, null between calls */
  extack: NetlinkExtAck | null;
}

/**
 * __netlink_dump_start(ssk, skb, nlh, control): start a dump for the sender of `skb` and run its
 * first round. Returns −EINTR when the dump started (netlink_rcv_skb then sends no ACK, even with
 * NLM_F_ACK), or a negative errno for an NLMSG_ERROR: −ECONNREFUSED (requester gone), −EBUSY (a
 * dump already runs on that socket), start()'s error, or the first round's error.
 */
export const __netlink_dump_start = (
  ssk: NetlinkSock,
  skb: SkBuff,
  nlh: Nlmsghdr,
  control: NetlinkDumpControl,
): number => {
  skb.users++; // refcount_inc(&skb->users): the callback keeps the request
  const sk = netlink_lookup(ssk.net, ssk.sk_protocol, skb.cb.portid);
  if (sk === undefined) {
    kfree_skb(skb);
    return -ERRNO.ECONNREFUSED;
  }
  if (sk.cb_running) {
    kfree_skb(skb);
    return -ERRNO.EBUSY;
  }
  const requester = skb.cb.sk as NetlinkSock | null;
  const cb: NetlinkCallback = {
    skb,
    nlh,
    dump: control.dump,
    done: control.done ?? null,
    data: control.data,
    min_dump_alloc: control.min_dump_alloc ?? 0,
    flags: control.flags ?? 0,
    strict_check: requester !== null && (requester.flags & NETLINK_F_STRICT_CHK) !== 0,
    args: [0, 0, 0, 0, 0, 0],
    seq: 0,
    prev_seq: 0,
    answer_flags: 0,
    extack: null,
  };
  sk.cb = cb;
  if (control.start !== undefined) {
    cb.extack = control.extack ?? {};
    const ret = control.start(cb);
    cb.extack = null;
    if (ret) {
      kfree_skb(skb);
      return ret;
    }
  }
  sk.cb_running = true;
  sk.dump_done_errno = 0x7fffffff; // INT_MAX
  const ret = netlink_dump(sk);
  if (ret) return ret;
  // the dump started: −EINTR tells netlink_rcv_skb not to ACK
  return -ERRNO.EINTR;
};

/** netlink_dump_start: the inline wrapper (control->module = THIS_MODULE), same contract. */
export const netlink_dump_start = __netlink_dump_start;

/**
 * netlink_dump(sk): one round of the running dump. −ENOBUFS when its skb would take rmem_alloc to
 * rcvbuf or beyond while the queue holds anything; −EINVAL when no dump runs. Allocates max(min_dump_alloc, NLMSG_GOODSIZE) bytes, or
 * max_recvmsg_len when that is larger, with exactly that much tailroom (skb_reserve trims the slab's
 * excess); charges it to the socket; calls the dump callback unless it already reported the end;
 * queues the skb unless the socket's filter drops it, appending NLMSG_DONE (and ending the dump: done(), cb_running cleared) once the
 * callback returned ≤ 0 and the 20-byte DONE fits, else leaving DONE for the next round.
 */
export const netlink_dump = (sk: NetlinkSock): number => {
  const cb = sk.cb;
  if (!sk.cb_running || cb === null) return -ERRNO.EINVAL;
  const alloc_min_size = Math.max(cb.min_dump_alloc, NLMSG_GOODSIZE);
  const max_recvmsg_len = Math.min(sk.max_recvmsg_len, NETLINK_MAX_RECVMSG_LEN);
  // attempt the reader's larger buffer first (no retry in C), then the minimum; both failing is ENOBUFS
  let alloc_size = Math.max(alloc_min_size, max_recvmsg_len);
  const host = sk.net.host;
  if (alloc_size > alloc_min_size && host.allocFails(alloc_size, "netlink_dump")) alloc_size = alloc_min_size;
  if (alloc_size === alloc_min_size && host.allocFails(alloc_size, "netlink_dump")) return -ERRNO.ENOBUFS;
  // GFP_KERNEL in 6.x (process context); atomic here so that a first round run from a softirq-mode
  // input is not reported as the model's own sleeping allocation (as netlink_ack does)
  const skb = alloc_skb(alloc_size, GFP_ATOMIC);
  // the round's skb is charged first and refused when the queue would then reach sk_rcvbuf, unless
  // it is the only skb the socket holds: a dump always gets one round into an empty queue (6.15's
  // "Fix wraparounds of sk->sk_rmem_alloc" and 6.16's "make sure we allow at least one dump skb";
  // before them the check was rmem_alloc >= rcvbuf ahead of the allocation)
  const rmem = sk.sk_rmem_alloc + skb.truesize;
  if (rmem !== skb.truesize && rmem >= sk.sk_rcvbuf) {
    kfree_skb(skb);
    return -ERRNO.ENOBUFS;
  }
  // netlink_skb_set_owner_r charges the socket (the model's helper leaves the add to the caller)
  sk.sk_rmem_alloc = rmem;
  netlink_skb_set_owner_r(skb, sk);
  const extack: NetlinkExtAck = {};
  if (sk.dump_done_errno > 0) {
    cb.extack = extack;
    let r = cb.dump(skb, cb);
    // EMSGSIZE with something in the skb: the skb filled up, there is more to dump
    if (r === -ERRNO.EMSGSIZE && skb.len) r = skb.len;
    sk.dump_done_errno = r;
    cb.extack = null;
  }
  if (sk.dump_done_errno > 0 || skb_tailroom(skb) < nlmsg_total_size(4)) {
    if (sk_filter(sk, skb)) kfree_skb(skb);
    else __netlink_sendskb(sk, skb);
    return 0;
  }
  if (netlink_dump_done(sk, skb, cb, extack)) {
    kfree_skb(skb);
    return -ERRNO.ENOBUFS;
  }
  if (sk_filter(sk, skb)) kfree_skb(skb);
  else __netlink_sendskb(sk, skb);
  if (cb.done !== null) cb.done(cb);
  sk.cb_running = false;
  kfree_skb(cb.skb); // consume_skb(cb->skb): the request reference taken at start
  return 0;
};

/** netlink_dump_done: NLMSG_DONE {int dump_done_errno}, MULTI (| DUMP_INTR), extack message as a TLV. */
const netlink_dump_done = (sk: NetlinkSock, skb: SkBuff, cb: NetlinkCallback, extack: NetlinkExtAck): number => {
  const nlh = nlmsg_put_answer(skb, cb, NLMSG_DONE, 4, NLM_F_MULTI | cb.answer_flags);
  if (nlh === null) {
    sk.net.report("WARNING", "netlink_dump_done: no room for NLMSG_DONE");
    return -ERRNO.ENOBUFS;
  }
  nl_dump_check_consistent(cb, nlh);
  putU32(skb.head, nlmsg_data(nlh), sk.dump_done_errno >>> 0);
  // the extended-ACK TLVs as netlink_ack writes them: the message, and with an error the bad
  // attribute's offset in the request and its policy [live: a dump's policy failure carries both]
  if (sk.flags & NETLINK_F_EXT_ACK) {
    const tlvs = encodeExtAckTlvs(sk.dump_done_errno, extack);
    if (tlvs.length > 0) {
      nlmsg_set_flags(nlh, nlmsg_flags(nlh) | NLM_F_ACK_TLVS);
      const off = nlmsg_append(skb, tlvs.length);
      if (off !== null) {
        skb.head.set(tlvs, off);
        nlmsg_end(skb, nlh);
      }
    }
  }
  return 0;
};

/** nlh->nlmsg_flags of a message being built */
export const nlmsg_flags = (nlh: NlmsghdrRef): number => nlh.skb.head[nlh.off + 6]! | (nlh.skb.head[nlh.off + 7]! << 8);
/** nlh->nlmsg_flags = flags */
export const nlmsg_set_flags = (nlh: NlmsghdrRef, flags: number): void => putU16(nlh.skb.head, nlh.off + 6, flags);

/**
 * nlmsg_put_answer(skb, cb, type, payload, flags): a message to the dump's requester, with the
 * request's seq; null when the skb is full. Dump callbacks pass NLM_F_MULTI in `flags`.
 */
export const nlmsg_put_answer = (
  skb: SkBuff,
  cb: NetlinkCallback,
  type: number,
  payload: number,
  flags: number,
): NlmsghdrRef | null => nlmsg_put(skb, cb.skb.cb.portid, cb.nlh.nlmsg_seq, type, payload, flags);

/** nl_dump_check_consistent: NLM_F_DUMP_INTR when the data's generation changed since the last message. */
export const nl_dump_check_consistent = (cb: NetlinkCallback, nlh: NlmsghdrRef): void => {
  if (cb.prev_seq && cb.seq !== cb.prev_seq) nlmsg_set_flags(nlh, nlmsg_flags(nlh) | NLM_F_DUMP_INTR);
  cb.prev_seq = cb.seq;
};

/**
 * The dump hook of netlink_recvmsg: after a read, one more round when a dump runs and
 * rmem_alloc ≤ rcvbuf / 2; its error becomes sk_err (sk_error_report).
 */
export const netlink_recvmsg_dump = (sk: NetlinkSock): void => {
  if (!sk.cb_running || sk.sk_rmem_alloc > Math.floor(sk.sk_rcvbuf / 2)) return;
  const ret = netlink_dump(sk);
  if (ret) {
    sk.sk_err = -ret;
    sk.sk_wq.wake_up(); // sk_error_report
  }
};

/** The dump part of netlink_sock_destruct: a dump cut short by close() gets its done() and drops the request. */
export const netlink_sock_destruct_dump = (sk: NetlinkSock): void => {
  const cb = sk.cb;
  if (!sk.cb_running || cb === null) return;
  if (cb.done !== null) cb.done(cb);
  sk.cb_running = false;
  kfree_skb(cb.skb);
};
