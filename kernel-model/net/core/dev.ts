// net/core/dev.c, the receive half: a NIC interrupt hands a frame to netif_rx, which queues it on
// the CPU's backlog (softnet_data.input_pkt_queue) and raises NET_RX_SOFTIRQ; net_rx_action then
// runs __netif_receive_skb for each, in softirq context, which hands ETH_P_IP frames to ip_rcv.
// NET_RX_SOFTIRQ is shared with the 2.6-era netlink input queue (netlink/input.ts): net_rx_action
// runs that queue too, so whichever registers first, both run.
import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { type Kernel, NET_RX_SOFTIRQ } from "../../kernel/kernel.js";
import { raise_softirq } from "../../kernel/softirq.js";
import { ETH_P_IP } from "../../uapi/ip.js";
import { ip_rcv } from "../ipv4/ip_input.js";
import { netlink_rx_action } from "../netlink/input.js";
import { alloc_skb, kfree_skb, type SkBuff, skb_put } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { type NetDevice, skb_rx } from "./netdevice.js";

/** netdev_max_backlog: a full backlog drops (softnet_data.dropped). */
export const NETDEV_MAX_BACKLOG = 1000;

export interface SoftnetData {
  readonly input_pkt_queue: Array<{ readonly skb: SkBuff; readonly net: Net }>;
  processed: number;
  dropped: number;
}

const softnet = new WeakMap<Kernel, SoftnetData>();

/** this_cpu_ptr(&softnet_data) */
export const softnet_data = (k: Kernel): SoftnetData => {
  let sd = softnet.get(k);
  if (sd === undefined) {
    sd = { input_pkt_queue: [], processed: 0, dropped: 0 };
    softnet.set(k, sd);
  }
  return sd;
};

/** __netif_receive_skb: deliver by skb->protocol (only ETH_P_IP has a handler; others are freed). */
export const __netif_receive_skb = (skb: SkBuff, net: Net): number => {
  const f = skb_rx(skb);
  if (f.protocol === ETH_P_IP) return ip_rcv(skb, f.dev, net);
  kfree_skb(skb);
  return -1;
};

/** net_rx_action: the netlink input queue, then the backlog (process_backlog), in arrival order. */
export const net_rx_action = (k: Kernel): void => {
  netlink_rx_action(k);
  const sd = softnet_data(k);
  for (let e = sd.input_pkt_queue.shift(); e !== undefined; e = sd.input_pkt_queue.shift()) {
    const f = skb_rx(e.skb);
    k.host.record({
      kind: "softirq",
      vec: "NET_RX",
      fn: "__netif_receive_skb",
      dev: f.dev?.name ?? null,
      len: e.skb.len,
    });
    sd.processed++;
    __netif_receive_skb(e.skb, e.net);
  }
};

/** netif_rx(skb): queue for NET_RX_SOFTIRQ (called from the NIC's interrupt); 1 (NET_RX_DROP) when full. */
export const netif_rx = (k: Kernel, net: Net, skb: SkBuff): number => {
  const sd = softnet_data(k);
  if (sd.input_pkt_queue.length >= NETDEV_MAX_BACKLOG) {
    sd.dropped++;
    kfree_skb(skb);
    return 1;
  }
  sd.input_pkt_queue.push({ skb, net });
  k.softirq_vec[NET_RX_SOFTIRQ] = net_rx_action;
  raise_softirq(NET_RX_SOFTIRQ, k);
  return 0;
};

/** A driver's receive: an skb holding `frame` (from the IP header on), skb->dev and skb->protocol set. */
export const netdev_alloc_skb_frame = (dev: NetDevice, protocol: number, frame: Uint8Array): SkBuff => {
  const skb = alloc_skb(frame.length, GFP_ATOMIC);
  const off = skb_put(skb, frame.length);
  skb.head.set(frame, off);
  const f = skb_rx(skb);
  f.dev = dev;
  f.protocol = protocol;
  return skb;
};
