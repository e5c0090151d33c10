// net/netlink/af_netlink.c, the unicast path: netlink_unicast → netlink_getsockbyportid →
// netlink_attachskb (admission) → netlink_sendskb, or netlink_unicast_kernel for a kernel socket;
// netlink_overrun and netlink_rcv_wake for the flow control around it.
import { __schedule_bug } from "../../kernel/bug.js";
import { SOFTIRQ_OFFSET } from "../../kernel/preempt.js";
import { ERRNO, NETLINK_CONNECTED } from "../../uapi/index.js";
import { sk_filter } from "../core/filter.js";
import { netlink_input_deliver } from "./input.js";
import { kfree_skb, NETLINK_CB, netlink_skb_set_owner_r, netlink_trim, type SkBuff, SkbUseAfterFree } from "./skb.js";
import {
  NETLINK_F_RECV_NO_ENOBUFS,
  NETLINK_S_CONGESTED,
  type NetlinkSock,
  netlink_group_mask,
  netlink_is_kernel,
  WOULD_BLOCK,
} from "./sock.js";
import { netlink_lookup } from "./table.js";

/** netlink_overrun: the first loss sets CONGESTED and sk_err = ENOBUFS (unless NO_ENOBUFS); every loss counts. */
export const netlink_overrun = (sk: NetlinkSock): void => {
  if (!(sk.flags & NETLINK_F_RECV_NO_ENOBUFS)) {
    if (!(sk.state & NETLINK_S_CONGESTED)) {
      sk.state |= NETLINK_S_CONGESTED;
      sk.sk_err = ERRNO.ENOBUFS;
      sk.sk_wq.wake_up(); // sk_error_report
    }
  }
  sk.sk_drops++;
};

/** netlink_rcv_wake: an emptied queue clears CONGESTED; an uncongested socket wakes waiting senders. */
export const netlink_rcv_wake = (sk: NetlinkSock): void => {
  if (sk.sk_receive_queue.length === 0) sk.state &= ~NETLINK_S_CONGESTED;
  if (!(sk.state & NETLINK_S_CONGESTED)) sk.wait.wake_up();
};

/**
 * netlink_deliver_tap: with a trace recording, one "tap" event for the skb delivered to `sk`, as
 * nlmon would capture it (no protocol filter: netlink_filter_tap lets only some protocols through).
 * Without a recording nothing is built or copied.
 */
export const netlink_deliver_tap = (
  sk: NetlinkSock,
  skb: SkBuff,
  fn: "__netlink_sendskb" | "netlink_unicast_kernel",
): void => {
  const k = sk.net.kernel;
  if (k === undefined || !k.host.tracing) return;
  const current = k.host.current();
  k.host.record({
    kind: "tap",
    fn,
    protocol: sk.sk_protocol,
    from: NETLINK_CB(skb).portid,
    to: sk.portid,
    groups: netlink_group_mask(NETLINK_CB(skb).dst_group),
    bytes: skb.data.slice(),
    ctx:
      (k.preempt_count & SOFTIRQ_OFFSET) !== 0
        ? "softirq"
        : current === undefined
          ? "idle"
          : current.kthread !== null
            ? "kthread"
            : "process",
    pid: current?.pid ?? 0,
    ino: sk.ino,
  });
};

/** __netlink_sendskb: tap, queue, wake readers, return the length. */
export const __netlink_sendskb = (sk: NetlinkSock, skb: SkBuff): number => {
  const len = skb.len;
  netlink_deliver_tap(sk, skb, "__netlink_sendskb");
  sk.sk_receive_queue.push(skb);
  sk.sk_wq.wake_up(); // sk_data_ready
  return len;
};
export const netlink_sendskb = __netlink_sendskb;

/** netlink_getsockbyportid: the destination, or ECONNREFUSED (none, or it is connected to someone else). */
export const netlink_getsockbyportid = (ssk: NetlinkSock, portid: number): NetlinkSock | number => {
  const sk = netlink_lookup(ssk.net, ssk.sk_protocol, portid);
  if (sk === undefined) return -ERRNO.ECONNREFUSED;
  if (sk.sk_state === NETLINK_CONNECTED && sk.dst_portid !== ssk.portid) return -ERRNO.ECONNREFUSED;
  return sk;
};

/**
 * The receive-buffer admission rule of netlink_attachskb and netlink_broadcast_deliver (6.18, written
 * inline in both there): with `rmem` = sk_rmem_alloc after charging `truesize`, the skb is admitted
 * when the queue was empty or rmem fits sk_rcvbuf, and the socket is not congested.
 */
export const netlink_rmem_admits = (sk: NetlinkSock, rmem: number, truesize: number): boolean =>
  (rmem === truesize || rmem <= sk.sk_rcvbuf) && !(sk.state & NETLINK_S_CONGESTED);

/** netlink_attachskb returns this when the sender has to sleep and retry (the C code returns 1). */
const ATTACH_SLEEP = 1;

/**
 * netlink_attachskb, 6.18 admission: charge first; accept if the queue was empty or the charge
 * fits rcvbuf, and the socket is not congested. A refused non-blocking send is EAGAIN, with an
 * overrun at the receiver only when the sender is the kernel.
 */
export const netlink_attachskb = (sk: NetlinkSock, skb: SkBuff, timeo: number, ssk: NetlinkSock | null): number => {
  sk.sk_rmem_alloc += skb.truesize;
  if (netlink_rmem_admits(sk, sk.sk_rmem_alloc, skb.truesize)) {
    netlink_skb_set_owner_r(skb, sk);
    return 0;
  }
  sk.sk_rmem_alloc -= skb.truesize;
  if (timeo === 0) {
    if (ssk === null || netlink_is_kernel(ssk)) netlink_overrun(sk);
    kfree_skb(skb);
    return -ERRNO.EAGAIN;
  }
  return ATTACH_SLEEP;
};

/**
 * netlink_unicast_kernel: hand the skb to a kernel socket's input and return the length whatever
 * the input does with it. netlink_input_deliver (input.ts) decides when the input runs: from a
 * softirq after the syscall (2.6-era, the default in a world) or now, in the sender's context.
 */
export const netlink_unicast_kernel = (sk: NetlinkSock, skb: SkBuff, ssk: NetlinkSock): number => {
  const input = sk.netlink_rcv;
  if (input === null) {
    kfree_skb(skb);
    return -ERRNO.ECONNREFUSED;
  }
  const ret = skb.len;
  sk.sk_rmem_alloc += skb.truesize;
  netlink_skb_set_owner_r(skb, sk);
  skb.cb.sk = ssk;
  // netlink_deliver_tap_kernel: kernel to kernel is not tapped
  if (!netlink_is_kernel(ssk)) netlink_deliver_tap(sk, skb, "netlink_unicast_kernel");
  netlink_input_deliver(sk, skb);
  return ret;
};

/**
 * The body of netlink_unicast after netlink_trim (label `retry`): the receiver's socket filter
 * (sk_filter) may drop the skb, which still counts as sent, or trim it, which the sender then
 * sees as the length sent.
 */
export const netlink_unicast_retry = (ssk: NetlinkSock, skb: SkBuff, portid: number, timeo: number): number => {
  const sk = netlink_getsockbyportid(ssk, portid);
  if (typeof sk === "number") {
    kfree_skb(skb);
    return sk;
  }
  if (netlink_is_kernel(sk)) return netlink_unicast_kernel(sk, skb, ssk);
  // a filtered-out skb is freed silently: the sender sees its length, nothing is counted
  if (sk_filter(sk, skb)) {
    const len = skb.len;
    kfree_skb(skb);
    return len;
  }
  const err = netlink_attachskb(sk, skb, timeo, ssk);
  if (err === ATTACH_SLEEP) {
    // a user task sleeps on the receiver's nlk->wait until netlink_rcv_wake or its timeout
    ssk.pending_send = { skb, dst_portid: portid };
    ssk.blocked = { op: "sendmsg", wq: sk.wait, timeo };
    return WOULD_BLOCK;
  }
  if (err !== 0) return err;
  return netlink_sendskb(sk, skb);
};

/**
 * netlink_unicast(ssk, skb, portid, nonblock): length, −ECONNREFUSED or −EAGAIN; always consumes
 * the skb. A user sender that would sleep gets WOULD_BLOCK (resume with netlink_sendmsg_resume).
 * A kernel sender cannot sleep in this model: a blocking send from the kernel to a full queue is
 * reported as a WARNING and treated as non-blocking (overrun at the receiver).
 */
export const netlink_unicast = (ssk: NetlinkSock, skb: SkBuff, portid: number, nonblock: boolean): number => {
  if (skb.freed) {
    ssk.net.report("BUG", new SkbUseAfterFree(skb, "netlink_unicast").report(ssk.net));
    return -ERRNO.EINVAL;
  }
  skb = netlink_trim(skb);
  let timeo = nonblock ? 0 : ssk.sk_sndtimeo;
  if (timeo !== 0 && netlink_is_kernel(ssk)) {
    const sk = netlink_lookup(ssk.net, ssk.sk_protocol, portid);
    if (sk !== undefined && !netlink_is_kernel(sk)) timeo = 0;
    if (sk !== undefined && !netlink_is_kernel(sk) && wouldRefuse(sk, skb)) {
      // in atomic context that sleep is the kernel's "scheduling while atomic"
      const k = ssk.net.kernel;
      if (k !== undefined && k.preempt_count !== 0) __schedule_bug(k, "netlink_unicast");
      else ssk.net.report("WARNING", "netlink_unicast: a kernel sender would sleep on a full queue; sent non-blocking");
    }
  }
  return netlink_unicast_retry(ssk, skb, portid, timeo);
};

/** Would netlink_attachskb refuse this skb right now? */
const wouldRefuse = (sk: NetlinkSock, skb: SkBuff): boolean =>
  !netlink_rmem_admits(sk, sk.sk_rmem_alloc + skb.truesize, skb.truesize);

/** nlmsg_unicast: netlink_unicast with MSG_DONTWAIT, a positive result becoming 0. */
export const nlmsg_unicast = (sk: NetlinkSock, skb: SkBuff, portid: number): number => {
  const err = netlink_unicast(sk, skb, portid, true);
  return Math.min(err, 0);
};
