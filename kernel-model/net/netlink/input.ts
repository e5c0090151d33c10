// How a kernel socket's input callback runs, the one switch between the kernel's eras and a
// stricter model:
// - "data_ready" (2.6.13–2.6.23): netlink_unicast → netlink_sendskb queues the skb on the kernel
//   socket's sk_receive_queue and calls sk->sk_data_ready, i.e. netlink_data_ready →
//   nlk->data_ready(sk, len), the module's input, synchronously in the sender's process context.
//   That input drained the whole queue (skb_dequeue, later netlink_run_queue), so on SMP it could
//   process skbs that another sender had queued; modelled here as the drain calling input(skb)
//   once per dequeued skb.
// - "process" (2.6.24+, netlink_unicast_kernel): input(skb) runs inside the sender's sendmsg, in
//   its process context, one skb per call.
// - "softirq": not an era but a stricter model. The skb is queued and NET_RX_SOFTIRQ raised; the
//   sender's sendmsg returns its length at once and the input runs when softirqs next run (right
//   after the syscall), in atomic context, so a handler that sleeps is reported as a BUG — as it
//   would be if the same code were called from a timer or a netfilter hook.
// A bare namespace (no kernel: the model's unit tests) runs the input synchronously.
import { type Kernel, NET_RX_SOFTIRQ } from "../../kernel/kernel.js";
import { SOFTIRQ_OFFSET } from "../../kernel/preempt.js";
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
 * netlink_data_ready(sk, len) (2.6.13–2.6.23, af_netlink.c): the kernel socket's sk_data_ready,
 * called by netlink_sendskb after queueing, in whatever context the sender runs. It calls
 * nlk->data_ready, the module's input, which empties sk_receive_queue: every skb queued there,
 * whoever sent it, is processed now, in this sender's context.
 */
const netlink_data_ready = (sk: NetlinkSock, len: number, k: Kernel): void => {
  const input = sk.netlink_rcv;
  if (input === null) return;
  if (k.host.tracing) {
    const current = k.host.current();
    k.host.record({
      kind: "data_ready",
      fn: input.name || "netlink_rcv",
      protocol: sk.sk_protocol,
      len,
      queued: sk.sk_receive_queue.toArray().map((q) => NETLINK_CB(q).portid),
      ctx:
        (k.preempt_count & SOFTIRQ_OFFSET) !== 0
          ? "softirq"
          : current === undefined
            ? "idle"
            : current.kthread !== null
              ? "kthread"
              : "process",
      pid: current?.pid ?? 0,
    });
  }
  k.sync_depth++;
  try {
    // while ((skb = skb_dequeue(&sk->sk_receive_queue)) != NULL) { ... }
    for (let skb = sk.sk_receive_queue.shift(); skb !== undefined; skb = sk.sk_receive_queue.shift()) {
      if (sk.dead || sk.netlink_rcv === null) {
        consume_skb(skb);
        continue;
      }
      netlink_input_run(sk, skb);
    }
  } finally {
    k.sync_depth--;
  }
};

/**
 * netlink_unicast_kernel's hand-off, after the skb is charged to the kernel socket: run the input
 * now (2.6.24+), queue it and call sk_data_ready (2.6.13–2.6.23), or queue it for the softirq, as
 * the namespace's kernel's netlink input mode says.
 */
export const netlink_input_deliver = (sk: NetlinkSock, skb: SkBuff): void => {
  const k = sk.net.kernel;
  if (k === undefined || k.netlink_input === "process") {
    netlink_input_sync(sk, skb, k);
    return;
  }
  if (k.netlink_input === "data_ready") {
    // netlink_sendskb: skb_queue_tail(&sk->sk_receive_queue, skb); sk->sk_data_ready(sk, len)
    const len = skb.len;
    sk.sk_receive_queue.push(skb);
    netlink_data_ready(sk, len, k);
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
