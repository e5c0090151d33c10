// include/linux/netdevice.h and the receive-side fields of include/linux/skbuff.h the model keeps
// beside the (netlink-shaped) SkBuff: skb->dev, skb->protocol and the network/transport header
// offsets, so ip_hdr(skb) and icmp_hdr(skb) read the bytes the way the kernel does.
import type { SkBuff } from "../netlink/skb.js";

/** struct net_device, as far as a hook looks at it (state->in->name). */
export interface NetDevice {
  readonly name: string;
  readonly ifindex: number;
}

/** The receive-path fields of struct sk_buff. */
export interface SkbRxFields {
  dev: NetDevice | null;
  /** skb->protocol (ETH_P_*) */
  protocol: number;
  /** offsets in skb.head */
  network_header: number;
  transport_header: number;
}

const rx = new WeakMap<SkBuff, SkbRxFields>();

/** The receive-path fields of `skb` (made on first use). */
export const skb_rx = (skb: SkBuff): SkbRxFields => {
  let f = rx.get(skb);
  if (f === undefined) {
    f = { dev: null, protocol: 0, network_header: skb.data_off, transport_header: skb.data_off };
    rx.set(skb, f);
  }
  return f;
};

/** skb_reset_network_header: the network header starts at skb->data. */
export const skb_reset_network_header = (skb: SkBuff): void => {
  skb_rx(skb).network_header = skb.data_off;
};
/** skb_set_transport_header(skb, offset): relative to skb->data. */
export const skb_set_transport_header = (skb: SkBuff, offset: number): void => {
  skb_rx(skb).transport_header = skb.data_off + offset;
};
/** skb_network_offset */
export const skb_network_header = (skb: SkBuff): number => skb_rx(skb).network_header;
export const skb_transport_header = (skb: SkBuff): number => skb_rx(skb).transport_header;
