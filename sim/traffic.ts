// A deterministic traffic source: the packets a plan says arrive on a simulated NIC, at virtual
// times. Pings (ICMP echo requests at a fixed interval, sequence numbers from 1) come from the
// plan as given; "noise" (TCP and UDP datagrams from random hosts at random times) is drawn from
// the world's PRNG when the plan is installed, so the same seed gives the same packets. Each
// arrival is a hardware interrupt: irq_enter, netif_rx, irq_exit, which runs NET_RX_SOFTIRQ
// (ip_rcv → NF_INET_PRE_ROUTING hooks) in softirq context before any task resumes.
import { irq_enter, irq_exit } from "../kernel-model/kernel/softirq.js";
import { netdev_alloc_skb_frame, netif_rx } from "../kernel-model/net/core/dev.js";
import type { NetDevice } from "../kernel-model/net/core/netdevice.js";
import {
  buildIcmpEcho,
  buildIpv4Packet,
  ETH_P_IP,
  IPPROTO_ICMP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  in_aton,
  ipv4_ntoa,
} from "../kernel-model/uapi/ip.js";
import type { World } from "./world.js";

/** `ping -i interval -c count src → dst`: echo requests every `intervalMs`, starting at `startMs`. */
export interface PingFlow {
  readonly src: string;
  readonly dst: string;
  readonly intervalMs: number;
  readonly count?: number;
  readonly startMs?: number;
  /** the echo id (default: 0x1000 + the flow's index) */
  readonly id?: number;
}

export interface TrafficPlan {
  readonly pings?: ReadonlyArray<PingFlow>;
  /** non-ICMP datagrams per second (Poisson arrivals), from random 192.168.x.y hosts to `noiseDst` */
  readonly noisePerSec?: number;
  readonly noiseDst?: string;
  /** no packet arrives at or after this time */
  readonly untilMs: number;
  /** the receiving interface (default eth0, ifindex 2) */
  readonly dev?: NetDevice;
}

/** One planned arrival (what the trace's "packet" event records). */
export interface PlannedPacket {
  readonly atNs: number;
  readonly src: number;
  readonly dst: number;
  readonly protocol: number;
  /** ICMP echo id/sequence, 0 for noise */
  readonly id: number;
  readonly seq: number;
  readonly frame: Uint8Array;
}

const MS = 1_000_000;

/** The packets of `plan`, in arrival order (ties: pings in flow order, then noise). Draws noise from the world's PRNG. */
export const planTraffic = (world: World, plan: TrafficPlan): PlannedPacket[] => {
  const untilNs = plan.untilMs * MS;
  const out: PlannedPacket[] = [];
  (plan.pings ?? []).forEach((f, i) => {
    if (!(f.intervalMs > 0)) throw new RangeError(`ping interval must be positive, got ${f.intervalMs}`);
    const src = in_aton(f.src);
    const dst = in_aton(f.dst);
    const id = f.id ?? 0x1000 + i;
    const count = f.count ?? Number.POSITIVE_INFINITY;
    for (let seq = 1; seq <= count; seq++) {
      const atNs = Math.round(((f.startMs ?? 0) + (seq - 1) * f.intervalMs) * MS);
      if (atNs >= untilNs) break;
      out.push({
        atNs,
        src,
        dst,
        protocol: IPPROTO_ICMP,
        id,
        seq,
        frame: buildIcmpEcho(src, dst, { id, sequence: seq & 0xffff }),
      });
    }
  });
  const rate = plan.noisePerSec ?? 0;
  if (rate > 0) {
    const dst = in_aton(plan.noiseDst ?? "10.0.0.1");
    let t = 0;
    for (;;) {
      t += Math.max(1, Math.round((-Math.log(1 - world.prng.nextFloat()) / rate) * 1e9));
      if (t >= untilNs) break;
      const src = (0xc0a80000 | (world.prng.nextU32() & 0xffff)) >>> 0;
      const protocol = world.prng.nextU32() & 1 ? IPPROTO_UDP : IPPROTO_TCP;
      const payload = new Uint8Array(protocol === IPPROTO_UDP ? 8 + 32 : 20);
      out.push({
        atNs: t,
        src,
        dst,
        protocol,
        id: 0,
        seq: 0,
        frame: buildIpv4Packet({ saddr: src, daddr: dst, protocol, payload }),
      });
    }
  }
  // stable: equal times keep pings before noise, flows in order
  return out
    .map((p, i) => [p, i] as const)
    .sort((a, b) => a[0].atNs - b[0].atNs || a[1] - b[1])
    .map(([p]) => p);
};

export const DEFAULT_DEV: NetDevice = { name: "eth0", ifindex: 2 };

/**
 * Installs the plan in the world: one timer per packet (a NIC interrupt at its time). Returns the
 * planned packets. Call before world.run().
 */
export const installTraffic = (world: World, plan: TrafficPlan): PlannedPacket[] => {
  const packets = planTraffic(world, plan);
  const dev = plan.dev ?? DEFAULT_DEV;
  world.record({ kind: "traffic-plan", packets: packets.length, untilMs: plan.untilMs, dev: dev.name });
  for (const p of packets) {
    world.addTimer(p.atNs - world.now, () => {
      const k = world.kernel;
      world.record({
        kind: "packet",
        dev: dev.name,
        src: ipv4_ntoa(p.src),
        dst: ipv4_ntoa(p.dst),
        protocol: p.protocol,
        id: p.id,
        seq: p.seq,
        len: p.frame.length,
      });
      irq_enter(k);
      netif_rx(k, world.net, netdev_alloc_skb_frame(dev, ETH_P_IP, p.frame));
      irq_exit(k);
    });
  }
  return packets;
};
