// Workloads through the sim layer without Effect: a simulated process's syscalls (SimProcess: the
// trace hook and softirq drain on each) and the packet path of the netfilter examples.
import { irq_enter, irq_exit } from "../kernel-model/kernel/softirq.js";
import { netdev_alloc_skb_frame, netif_rx } from "../kernel-model/net/core/dev.js";
import { ip_hdr } from "../kernel-model/net/ipv4/ip_input.js";
import {
  NF_ACCEPT,
  NF_INET_PRE_ROUTING,
  NFPROTO_IPV4,
  nf_register_net_hook,
} from "../kernel-model/net/netfilter/core.js";
import {
  netlink_kernel_create,
  netlink_unicast,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../kernel-model/net/netlink/kernel-api.js";
import { encodeMessage, encodeSockaddrNl, NETLINK_USERSOCK, SOCK_RAW } from "../kernel-model/uapi/index.js";
import { buildIcmpEcho, ETH_P_IP, IPPROTO_ICMP, in_aton } from "../kernel-model/uapi/ip.js";
import { spawnProcess } from "../sim/process.js";
import { World } from "../sim/world.js";
import type { Suite } from "./harness.js";

const BATCH = 64;
/** a fresh world every so many operations, so the (untraced) world's state stays small */
const WORLD_OPS = 100_000;

const check = (what: string, got: number, want: number): void => {
  if (got !== want) throw new Error(`bench setup: ${what} returned ${got}, expected ${want}`);
};

/** sim.unicast.oneway: SimProcess sendto + recvmsg of a 64-byte payload, user → user, untraced world. */
const unicastOneway = (): ((n: number) => number) => {
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(64).fill(0x61) });
  const to = encodeSockaddrNl({ pid: 200, groups: 0 });
  let left = 0;
  let send: () => number = () => 0;
  let recv: () => number = () => 0;
  const fresh = (): void => {
    const w = new World({ seed: 1, trace: false });
    const p = spawnProcess(w, { name: "bench", pid: 100 }, async () => {});
    const tx = p.socket(SOCK_RAW, NETLINK_USERSOCK);
    const rx = p.socket(SOCK_RAW, NETLINK_USERSOCK);
    check("bind", p.bind(rx, to), 0);
    send = () => p.sendtoNow(tx, msg, 0, to);
    recv = () => p.recvmsgNow(rx, 4096, 0).ret;
    left = WORLD_OPS;
  };
  return (n) => {
    let sum = 0;
    for (let done = 0; done < n; ) {
      if (left <= 0) fresh();
      const k = Math.min(BATCH, n - done, left);
      for (let i = 0; i < k; i++) sum += send();
      for (let i = 0; i < k; i++) sum += recv();
      done += k;
      left -= k;
    }
    return sum;
  };
};

/**
 * sim.netfilter.icmp: one ICMP packet through the NIC interrupt, NET_RX softirq, ip_rcv and a
 * PRE_ROUTING hook that unicasts its addresses to a user socket (imp2's path), then the read.
 */
const netfilterIcmp = (): ((n: number) => number) => {
  const frame = buildIcmpEcho(in_aton("10.0.0.2"), in_aton("10.0.0.1"), { id: 1, sequence: 1 });
  const dev = { name: "eth0", ifindex: 2 };
  let left = 0;
  let one: () => number = () => 0;
  const fresh = (): void => {
    const w = new World({ seed: 1, trace: false });
    const p = spawnProcess(w, { name: "bench", pid: 100 }, async () => {});
    w.insmod(() => {
      const nlfd = netlink_kernel_create(w.net, 23, {})!;
      nf_register_net_hook(w.net, {
        hook: (_priv, skb) => {
          const iph = ip_hdr(skb);
          if (iph.protocol !== IPPROTO_ICMP) return NF_ACCEPT;
          const out = nlmsg_new(8, 0x820);
          const nlh = nlmsg_put(out, 0, 0, 0x12, 8, 0)!;
          nlmsg_end(out, nlh);
          netlink_unicast(nlfd, out, 100, true);
          return NF_ACCEPT;
        },
        pf: NFPROTO_IPV4,
        hooknum: NF_INET_PRE_ROUTING,
        priority: -1,
      });
    });
    const fd = p.socket(SOCK_RAW, 23);
    check("bind", p.bind(fd, encodeSockaddrNl({ pid: 100, groups: 0 })), 0);
    const k = w.kernel;
    one = () => {
      irq_enter(k);
      netif_rx(k, w.net, netdev_alloc_skb_frame(dev, ETH_P_IP, frame));
      irq_exit(k);
      return p.recvmsgNow(fd, 4096, 0).ret;
    };
    left = WORLD_OPS;
  };
  return (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (left-- <= 0) fresh();
      sum += one();
    }
    return sum;
  };
};

export const registerSim = (suite: Suite): void => {
  suite.add("sim.unicast.oneway", unicastOneway());
  suite.add("sim.netfilter.icmp", netfilterIcmp(), "packets/s");
};
