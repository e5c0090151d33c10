// net/netlink/af_netlink.c, the multicast path: netlink_broadcast → do_one_broadcast →
// netlink_broadcast_deliver, plus netlink_has_listeners and netlink_set_err.
import { ERRNO } from "../../uapi/index.js";
import { sk_filter } from "../core/filter.js";
import {
  consume_skb,
  kfree_skb,
  netlink_skb_set_owner_r,
  netlink_trim,
  type SkBuff,
  skb_clone,
  skb_shared,
} from "./skb.js";
import {
  NETLINK_F_BROADCAST_SEND_ERROR,
  NETLINK_F_RECV_NO_ENOBUFS,
  type NetlinkSock,
  netlink_is_kernel,
  nlk_test_group,
} from "./sock.js";
import { __netlink_sendskb, netlink_overrun, netlink_rmem_admits } from "./unicast.js";

/** struct netlink_broadcast_data, reused across one netlink_broadcast call. */
interface BroadcastData {
  exclude_sk: NetlinkSock;
  portid: number;
  group: number;
  skb: SkBuff;
  delivery_failure: boolean;
  /** a clone failed: every later member overruns too ("Clone failed. Notify ALL listeners.") */
  failure: boolean;
  congested: boolean;
  delivered: boolean;
}

/**
 * netlink_broadcast_deliver: the same admission rule as unicast; returns −1 when refused, else
 * whether the receiver is now more than half full.
 */
const netlink_broadcast_deliver = (sk: NetlinkSock, skb: SkBuff): number => {
  sk.sk_rmem_alloc += skb.truesize;
  const rmem = sk.sk_rmem_alloc;
  if (netlink_rmem_admits(sk, rmem, skb.truesize)) {
    netlink_skb_set_owner_r(skb, sk);
    __netlink_sendskb(sk, skb);
    return rmem > sk.sk_rcvbuf >> 1 ? 1 : 0;
  }
  sk.sk_rmem_alloc -= skb.truesize;
  return -1;
};

/**
 * do_one_broadcast: skip the sender, a socket whose port id equals the exclusion port id (an
 * unbound member has port id 0), and non-members; then the listener's filter (sk_filter), then
 * deliver a clone or overrun.
 */
const do_one_broadcast = (sk: NetlinkSock, p: BroadcastData): void => {
  if (p.exclude_sk === sk) return;
  if (sk.portid === p.portid >>> 0 || !nlk_test_group(sk, p.group)) return;
  if (p.failure) {
    netlink_overrun(sk);
    return;
  }
  // skb_clone (GFP) fails only for a shared skb; an unshared one is taken with skb_get
  if (skb_shared(p.skb) && sk.net.host.allocFails(p.skb.len, "skb_clone")) {
    netlink_overrun(sk);
    p.failure = true;
    if (sk.flags & NETLINK_F_BROADCAST_SEND_ERROR) p.delivery_failure = true;
    return;
  }
  const shared = skb_shared(p.skb);
  const skb2 = skb_clone(p.skb);
  // the listener's socket filter: a dropped copy is neither delivered nor an overrun
  if (sk_filter(sk, skb2)) {
    kfree_skb(skb2);
    return;
  }
  // an unshared skb is delivered itself (skb_get), so a filter's trim holds for later listeners too
  if (!shared) p.skb.len = skb2.len;
  const val = netlink_broadcast_deliver(sk, skb2);
  if (val < 0) {
    netlink_overrun(sk);
    if (sk.flags & NETLINK_F_BROADCAST_SEND_ERROR) p.delivery_failure = true;
    kfree_skb(skb2);
  } else {
    p.congested ||= val > 0;
    p.delivered = true;
  }
};

/**
 * netlink_broadcast(ssk, skb, portid, group, allocation): 0 if delivered to anyone, −ENOBUFS on a
 * delivery failure at a BROADCAST_ERROR listener, else −ESRCH. Consumes the skb. Never delivers to
 * the sender itself. `allocation` (gfp flags) is accepted for the C signature and ignored.
 */
export const netlink_broadcast = (
  ssk: NetlinkSock,
  skb: SkBuff,
  portid: number,
  group: number,
  _allocation = 0,
): number => {
  skb = netlink_trim(skb);
  const info: BroadcastData = {
    exclude_sk: ssk,
    portid,
    group,
    skb,
    delivery_failure: false,
    failure: false,
    congested: false,
    delivered: false,
  };
  // iterate a snapshot: delivery never changes mc_list, but a wake hook might
  const list = ssk.net.nl_table[ssk.sk_protocol]!.mc_list.slice();
  for (const sk of list) do_one_broadcast(sk, info);
  consume_skb(skb);
  if (info.delivery_failure) return -ERRNO.ENOBUFS;
  return info.delivered ? 0 : -ERRNO.ESRCH;
};

/** netlink_has_listeners(sk, group): is any socket of the unit a member of `group`? (kernel sockets only) */
export const netlink_has_listeners = (sk: NetlinkSock, group: number): boolean => {
  if (!netlink_is_kernel(sk)) {
    sk.net.report("BUG", "netlink_has_listeners called on a user socket");
    return false;
  }
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  const g = group - 1;
  if (tbl.listeners === null || g < 0 || g >= tbl.groups) return false;
  return ((tbl.listeners[g >>> 5]! >>> (g & 31)) & 1) === 1;
};

/**
 * netlink_set_err(ssk, portid, group, code): set sk_err = −code on every member of `group` but the
 * sender and `portid`; returns how many members skipped it because of NO_ENOBUFS (code −ENOBUFS).
 */
export const netlink_set_err = (ssk: NetlinkSock, portid: number, group: number, code: number): number => {
  let ret = 0;
  const err = -code;
  for (const sk of ssk.net.nl_table[ssk.sk_protocol]!.mc_list) {
    if (sk === ssk) continue;
    if (sk.portid === portid >>> 0 || !nlk_test_group(sk, group)) continue;
    if (err === ERRNO.ENOBUFS && sk.flags & NETLINK_F_RECV_NO_ENOBUFS) {
      ret++;
      continue;
    }
    sk.sk_err = err;
    sk.sk_wq.wake_up();
  }
  return ret;
};

/**
 * nlmsg_multicast(sk, skb, portid, group, flags): sets NETLINK_CB(skb).dst_group (which raw
 * netlink_broadcast leaves alone, so its receivers see group 0) and broadcasts; 0 or −errno.
 */
export const nlmsg_multicast = (sk: NetlinkSock, skb: SkBuff, portid: number, group: number, flags = 0): number => {
  skb.cb.dst_group = group;
  const err = netlink_broadcast(sk, skb, portid, group, flags);
  return Math.min(err, 0);
};
