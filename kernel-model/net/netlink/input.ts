// How a kernel socket's input callback runs, the one switch between the two eras:
// - "softirq" (up to 2.6.23, what the seed articles describe): netlink_unicast_kernel queues the
//   skb on the kernel socket's sk_receive_queue and raises NET_RX_SOFTIRQ; the sender's sendmsg
//   returns its length at once; the input runs when softirqs next run (right after the syscall),
//   in atomic context, one skb per call (the modern input(skb) signature).
// - "process" (2.6.24+): the input runs inside the sender's sendmsg, in its process context.
// A bare namespace (no kernel: the model's unit tests) runs the input synchronously.
import { type Kernel, NET_RX_SOFTIRQ } from "../../kernel/kernel.js";
import { open_softirq_if_unset, raise_softirq } from "../../kernel/softirq.js";
import { consume_skb, NETLINK_CB, type SkBuff, SkbUseAfterFree } from "./skb.js";
import type { NetlinkSock } from "./sock.js";

/** Kernel sockets with queued input, in the order they first got some (per kernel). */
const backlogs = new WeakMap<Kernel, NetlinkSock[]>();

/** Calls the input with `skb` and consumes it; a throw is a bug in simulated kernel code (an oops). */
export const netlink_input_run = (sk: NetlinkSock, skb: SkBuff): void => {
  try {
    sk.netlink_rcv!(skb);
    consume_skb(skb);
  } catch (e) {
    // a bug in simulated kernel code: reported like an oops, the syscall still returns
    sk.net.report("BUG", e instanceof SkbUseAfterFree ? e.report(sk.net) : e instanceof Error ? e.message : String(e));
  }
};

/** The input in the sender's context (2.6.24+): synchronous, so a sleep inside cannot suspend. */
const netlink_input_sync = (sk: NetlinkSock, skb: SkBuff, k: Kernel | undefined): void => {
  if (k === undefined) {
    netlink_input_run(sk, skb);
    return;
  }
  k.sync_depth++;
  try {
    netlink_input_run(sk, skb);
  } finally {
    k.sync_depth--;
  }
};

/** NET_RX_SOFTIRQ's netlink part: drain every kernel socket's queue, sockets in FIFO order. */
export const netlink_rx_action = (k: Kernel): void => {
  const list = backlogs.get(k);
  if (list === undefined) return;
  while (list.length > 0) {
    const sk = list.shift()!;
    for (let skb = sk.sk_receive_queue.shift(); skb !== undefined; skb = sk.sk_receive_queue.shift()) {
      if (sk.dead || sk.netlink_rcv === null) {
        consume_skb(skb);
        continue;
      }
      const input = sk.netlink_rcv;
      if (k.host.tracing) {
        k.host.record({
          kind: "softirq",
          vec: "NET_RX",
          fn: input.name || "netlink_rcv",
          protocol: sk.sk_protocol,
          from: NETLINK_CB(skb).portid,
          len: skb.len,
          to: sk.portid,
          groups: NETLINK_CB(skb).dst_group === 0 ? 0 : 1 << (NETLINK_CB(skb).dst_group - 1),
          bytes: skb.data.slice(),
          ctx: "softirq",
        });
      }
      netlink_input_run(sk, skb);
    }
  }
};

/**
 * netlink_unicast_kernel's hand-off, after the skb is charged to the kernel socket: queue it for
 * the softirq or run the input now, as the namespace's kernel's netlink input mode says.
 */
export const netlink_input_deliver = (sk: NetlinkSock, skb: SkBuff): void => {
  const k = sk.net.kernel;
  if (k === undefined || k.netlink_input !== "softirq") {
    netlink_input_sync(sk, skb, k);
    return;
  }
  // from inside a softirq (an input sending to another kernel socket) it runs in this same drain
  sk.sk_receive_queue.push(skb);
  let list = backlogs.get(k);
  if (list === undefined) {
    list = [];
    backlogs.set(k, list);
  }
  if (!list.includes(sk)) list.push(sk);
  open_softirq_if_unset(k, NET_RX_SOFTIRQ, netlink_rx_action);
  raise_softirq(NET_RX_SOFTIRQ, k);
};
