// net/ipv4/ip_input.c: ip_rcv, the IPv4 receive entry the NET_RX softirq calls for ETH_P_IP. It
// checks the header (version, ihl, lengths, checksum) as ip_rcv_core does, runs the
// NF_INET_PRE_ROUTING hooks, and ends in ip_rcv_finish. Routing and local delivery are not
// modelled: an accepted packet is counted as delivered and freed (an echo request gets no reply).
import {
  getIcmphdr,
  getIphdr,
  ICMPHDR_LEN,
  type Icmphdr,
  IPHDR_LEN,
  type Iphdr,
  ip_compute_csum,
} from "../../uapi/ip.js";
import {
  type NetDevice,
  skb_network_header,
  skb_reset_network_header,
  skb_rx,
  skb_set_transport_header,
  skb_transport_header,
} from "../core/netdevice.js";
import { NF_HOOK, NF_INET_PRE_ROUTING, NFPROTO_IPV4 } from "../netfilter/core.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

/** The /proc/net/snmp "Ip:" counters the receive path moves (IPSTATS_MIB_*). */
export interface IpStats {
  InReceives: number;
  InHdrErrors: number;
  InCsumErrors: number;
  InTruncatedPkts: number;
  /** dropped by a netfilter hook (NF_DROP) */
  InDiscards: number;
  InDelivers: number;
}

const stats = new WeakMap<Net, IpStats>();

/** net->mib.ip_statistics */
export const ip_statistics = (net: Net): IpStats => {
  let s = stats.get(net);
  if (s === undefined) {
    s = { InReceives: 0, InHdrErrors: 0, InCsumErrors: 0, InTruncatedPkts: 0, InDiscards: 0, InDelivers: 0 };
    stats.set(net, s);
  }
  return s;
};

/** ip_hdr(skb): struct iphdr at the network header. */
export const ip_hdr = (skb: SkBuff): Iphdr => getIphdr(skb.head, skb_network_header(skb));

/** icmp_hdr(skb): struct icmphdr at the transport header (set by ip_rcv_core). */
export const icmp_hdr = (skb: SkBuff): Icmphdr => getIcmphdr(skb.head, skb_transport_header(skb));

/** ip_rcv_finish: routing and local delivery are not modelled; the packet is counted and freed. */
const ip_rcv_finish = (net: Net, skb: SkBuff): number => {
  ip_statistics(net).InDelivers++;
  kfree_skb(skb);
  return 0;
};

/** ip_rcv_core: the header checks; the skb, or null when it was dropped (and freed). */
const ip_rcv_core = (skb: SkBuff, net: Net): SkBuff | null => {
  const st = ip_statistics(net);
  st.InReceives++;
  const drop = (counter: "InHdrErrors" | "InCsumErrors" | "InTruncatedPkts"): null => {
    st[counter]++;
    kfree_skb(skb);
    return null;
  };
  if (skb.len < IPHDR_LEN) return drop("InHdrErrors");
  skb_reset_network_header(skb);
  const iph = ip_hdr(skb);
  if (iph.ihl < 5 || iph.version !== 4) return drop("InHdrErrors");
  if (skb.len < iph.ihl * 4) return drop("InHdrErrors");
  if (ip_compute_csum(skb.head, skb.data_off, iph.ihl * 4) !== 0) return drop("InCsumErrors");
  if (skb.len < iph.tot_len) return drop("InTruncatedPkts");
  if (iph.tot_len < iph.ihl * 4) return drop("InHdrErrors");
  skb.len = iph.tot_len; // pskb_trim_rcsum: drop link-layer padding
  skb_set_transport_header(skb, iph.ihl * 4);
  return skb;
};

/** True when the transport header holds a whole struct icmphdr (what a careful hook checks first). */
export const skb_has_icmphdr = (skb: SkBuff): boolean =>
  skb_transport_header(skb) + ICMPHDR_LEN <= skb.data_off + skb.len;

/** ip_rcv(skb, dev, net): 0 or a negative errno (the packet was dropped). */
export const ip_rcv = (skb: SkBuff, dev: NetDevice | null, net: Net): number => {
  skb_rx(skb).dev = dev;
  const ok = ip_rcv_core(skb, net);
  if (ok === null) return -1;
  const ret = NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, net, ok, dev, null, ip_rcv_finish);
  if (ret < 0) ip_statistics(net).InDiscards++;
  return ret;
};
