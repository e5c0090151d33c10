import { describe, expect, it } from "vitest";
import { buildIcmpEcho, buildIpv4Packet, IPPROTO_UDP, in_aton } from "../../uapi/ip.js";
import { netdev_alloc_skb_frame } from "../core/dev.js";
import { icmp_hdr, ip_hdr, ip_rcv, ip_statistics } from "../ipv4/ip_input.js";
import { newNet } from "../netlink/test-helpers.js";
import {
  NF_ACCEPT,
  NF_DROP,
  NF_INET_PRE_ROUTING,
  NF_STOLEN,
  NFPROTO_IPV4,
  type NfHookOps,
  nf_register_net_hook,
  nf_unregister_net_hook,
} from "./core.js";

const eth0 = { name: "eth0", ifindex: 2 };
const ping = () =>
  netdev_alloc_skb_frame(eth0, 0x0800, buildIcmpEcho(in_aton("10.0.0.2"), in_aton("10.0.0.1"), { id: 7, sequence: 3 }));

describe("netfilter hooks on the IPv4 receive path", () => {
  it("run in priority order (ties in registration order), see ip_hdr/icmp_hdr, and NF_DROP stops the walk", () => {
    const net = newNet();
    const seen: string[] = [];
    const mk = (name: string, priority: number, verdict: number): NfHookOps => ({
      hook: (_p, skb, st) => {
        const iph = ip_hdr(skb);
        const ic = icmp_hdr(skb);
        seen.push(`${name}:${st.in?.name}:${iph.protocol}:${iph.ttl}:${ic.id}/${ic.sequence}`);
        return verdict;
      },
      pf: NFPROTO_IPV4,
      hooknum: NF_INET_PRE_ROUTING,
      priority,
    });
    const ops = [mk("c", 10, NF_ACCEPT), mk("a", -5, NF_ACCEPT), mk("b", 10, NF_DROP), mk("d", 20, NF_ACCEPT)];
    for (const o of ops) expect(nf_register_net_hook(net, o)).toBe(0);
    expect(ip_rcv(ping(), eth0, net)).toBeLessThan(0);
    expect(seen).toEqual(["a:eth0:1:64:7/3", "c:eth0:1:64:7/3", "b:eth0:1:64:7/3"]);
    expect(ip_statistics(net)).toMatchObject({ InReceives: 1, InDiscards: 1, InDelivers: 0 });
    nf_unregister_net_hook(net, ops[2]!);
    seen.length = 0;
    expect(ip_rcv(ping(), eth0, net)).toBe(0);
    expect(seen.map((s) => s[0])).toEqual(["a", "c", "d"]);
    expect(ip_statistics(net).InDelivers).toBe(1);
  });

  it("NF_STOLEN hands the skb to the hook; a bad checksum never reaches a hook; a bad unregister WARNs", () => {
    const net = newNet();
    let stolen = 0;
    const o: NfHookOps = {
      hook: () => {
        stolen++;
        return NF_STOLEN;
      },
      pf: NFPROTO_IPV4,
      hooknum: NF_INET_PRE_ROUTING,
      priority: 0,
    };
    nf_register_net_hook(net, o);
    expect(ip_rcv(ping(), eth0, net)).toBe(0);
    const bad = buildIpv4Packet({ saddr: 1, daddr: 2, protocol: IPPROTO_UDP, payload: new Uint8Array(8) });
    bad[10] = (bad[10] ?? 0) ^ 0xff;
    expect(ip_rcv(netdev_alloc_skb_frame(eth0, 0x0800, bad), eth0, net)).toBeLessThan(0);
    expect(stolen).toBe(1);
    expect(ip_statistics(net)).toMatchObject({ InReceives: 2, InCsumErrors: 1, InDelivers: 0 });
    expect(nf_register_net_hook(net, { ...o, hooknum: 9 })).toBe(-22);
    nf_unregister_net_hook(net, { ...o });
    expect(net.reports.map((r) => r.msg)).toEqual(["nf_unregister_net_hook: hook not found, pf 2 num 0"]);
  });
});
