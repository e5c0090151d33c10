// drivers/net/loopback.c and the lookups of net/core/dev.c, as far as rtnetlink needs them: a
// namespace's device list (dev_base_head, ordered by ifindex), __dev_get_by_index /
// __dev_get_by_name, and the loopback device every namespace gets at creation (loopback_net_init),
// down and without addresses. (The receive path, netif_rx, is dev.ts.)
//
// The values of `lo` are the ones a 6.18 kernel reports in a fresh network namespace, measured with
// RTM_GETLINK on this machine (x86_64). The IPv4/IPv6 devconf arrays follow the host's sysctls of
// the time (net.ipv4.conf.default / net.ipv6.conf.default as a new namespace inherits them), so
// another host may differ there; the IPv6 cacheinfo timestamp and reachable time are not fixed at
// all in the kernel (see `inet6_cacheinfo` below).
import { ERRNO } from "../../uapi/index.js";
import { ARPHRD_LOOPBACK, IF_OPER_DOWN, IFF_LOOPBACK } from "../../uapi/rtnetlink.js";
import type { Net } from "../netlink/table.js";
import type { NetDevice } from "./netdevice.js";

/** struct net_device, the fields rtnl_fill_ifinfo reports. */
/** struct ethtool_ops: the callbacks the model's ethtool netlink requests use */
export interface EthtoolOps {
  /** get_link: 1 when the link is up (ethtool_op_get_link, or lo's always_on) */
  readonly get_link?: (dev: LinkDevice) => number;
  // the callbacks of other GET requests (net/ethtool/driver_ops.ts): no device of the model has one
  readonly get_link_ksettings?: (dev: LinkDevice) => unknown;
  readonly get_msglevel?: (dev: LinkDevice) => unknown;
  readonly get_wol?: (dev: LinkDevice) => unknown;
  readonly get_priv_flags?: (dev: LinkDevice) => unknown;
  readonly get_ringparam?: (dev: LinkDevice) => unknown;
  readonly get_channels?: (dev: LinkDevice) => unknown;
  readonly get_coalesce?: (dev: LinkDevice) => unknown;
  readonly get_pauseparam?: (dev: LinkDevice) => unknown;
  readonly get_eee?: (dev: LinkDevice) => unknown;
}

/** loopback_ethtool_ops (drivers/net/loopback.c): get_link = always_on */
const loopback_ethtool_ops: EthtoolOps = { get_link: () => 1 };

export interface LinkDevice extends NetDevice {
  /** dev->name (dev_change_name renames) */
  name: string;
  /** dev->rtnl_link_ops->kind: null for lo (no rtnl_link_ops, so RTM_DELLINK cannot remove it) */
  kind: string | null;
  /** dev->ip6_ptr != NULL: ipv6_add_dev attached IPv6 at registration (it refuses an MTU below 1280) */
  inet6: boolean;
  /** dev->type (ARPHRD_*) */
  type: number;
  /** dev_get_flags(dev) */
  flags: number;
  tx_queue_len: number;
  operstate: number;
  link_mode: number;
  netns_immutable: boolean;
  mtu: number;
  min_mtu: number;
  max_mtu: number;
  group: number;
  promiscuity: number;
  allmulti: number;
  num_tx_queues: number;
  num_rx_queues: number;
  gso_max_segs: number;
  gso_max_size: number;
  gro_max_size: number;
  gso_ipv4_max_size: number;
  gro_ipv4_max_size: number;
  tso_max_size: number;
  tso_max_segs: number;
  max_pacing_offload_horizon: number;
  /** dev->ethtool_ops, the driver's (absent: the default, empty ethtool_ops; ifb's has no get_link) */
  readonly ethtool_ops?: EthtoolOps;
  /** dev->xdp_features (NETDEV_XDP_ACT_*): what the driver's XDP supports; neither lo nor ifb sets any */
  xdp_features: number;
  /** dev->xdp_zc_max_segs: 1 from alloc_netdev_mqs */
  xdp_zc_max_segs: number;
  /** netif_carrier_ok */
  carrier: boolean;
  carrier_up_count: number;
  carrier_down_count: number;
  needed_headroom: number;
  needed_tailroom: number;
  proto_down: boolean;
  /** dev->addr_len bytes */
  dev_addr: Uint8Array;
  broadcast: Uint8Array;
  /** dev->qdisc->ops->id: "noop" until the device is first brought up */
  qdisc: string;
  /** in_dev->cnf.data: IPV4_DEVCONF_MAX (33) values, IFLA_INET_CONF */
  ipv4_devconf: ReadonlyArray<number>;
  /** idev->cnf as ipv6_store_devconf writes it: DEVCONF_MAX (60) s32 values, IFLA_INET6_CONF */
  ipv6_devconf: ReadonlyArray<number>;
  /** idev->if_flags (IFLA_INET6_FLAGS) */
  inet6_flags: number;
  /** IFLA_INET6_CACHEINFO {max_reasm_len, tstamp, reachable_time, retrans_time} */
  inet6_cacheinfo: readonly [number, number, number, number];
  /**
   * dev->offload_xstats_l3 != NULL: L3 offload statistics were requested (RTM_SETSTATS with
   * IFLA_STATS_SET_OFFLOAD_XSTATS_L3_STATS); no driver of the model reports using them
   */
  offload_xstats_l3?: boolean;
}

/** The IPv4 devconf of lo in a fresh namespace (IFLA_INET_CONF, 33 × u32) [live, this host]. */
export const LO_IPV4_DEVCONF: ReadonlyArray<number> = [
  0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10000, 1000, 0, 0, 0, 0, 1,
];
/** The IPv6 devconf of lo in a fresh namespace (IFLA_INET6_CONF, 60 × s32) [live, this host]. */
export const LO_IPV6_DEVCONF: ReadonlyArray<number> = [
  0, 64, 65536, 1, 1, 1, 1, -1, 4000, 1000, -1, 604800, 86400, 3, 600, 16, 0, 1, 1, 1, 60000, 0, 0, 0, 0, 0, 0, -1, 0,
  0, 10000, 1000, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 3600000, 0, 0, 1, 0, 0, 0, 0, 0, 1024, 0, 65535, -1, 1, 0, 0, 0,
];

/**
 * The kernel draws lo's IPv6 reachable time at random in [15000, 45000) ms
 * (neigh_rand_reach_time(BASE_REACHABLE_TIME)) and stamps the inet6_dev with the boot-relative time
 * of its creation (hundredths of a second). The model reports BASE_REACHABLE_TIME (30000) itself and
 * a timestamp of 0: deterministic, and no conformance scenario reads those bytes (offsets 772..779
 * of the lo RTM_NEWLINK).
 */
const LO_INET6_CACHEINFO: readonly [number, number, number, number] = [65535, 0, 30000, 1000];

/**
 * What every device the model creates starts with (alloc_netdev_mqs, netdev's GSO/GRO/TSO
 * defaults, register_netdevice): the fields ifb and lo share; each setup sets the rest.
 */
export const ALLOC_NETDEV_DEFAULTS = {
  link_mode: 0,
  min_mtu: 0,
  max_mtu: 0,
  group: 0,
  promiscuity: 0,
  allmulti: 0,
  num_tx_queues: 1,
  num_rx_queues: 1,
  gso_max_segs: 65535,
  gso_max_size: 65536,
  gro_max_size: 65536,
  gso_ipv4_max_size: 65536,
  gro_ipv4_max_size: 65536,
  tso_max_size: 524280,
  tso_max_segs: 65535,
  max_pacing_offload_horizon: 0,
  xdp_features: 0,
  xdp_zc_max_segs: 1,
  carrier: true,
  carrier_up_count: 0,
  carrier_down_count: 0,
  needed_headroom: 0,
  needed_tailroom: 0,
  proto_down: false,
} as const;

/** loopback_setup + register_netdev in a fresh namespace: lo, ifindex 1, down, no addresses. */
const loopback_dev = (): LinkDevice => ({
  name: "lo",
  kind: null,
  inet6: true,
  ifindex: 1,
  type: ARPHRD_LOOPBACK,
  flags: IFF_LOOPBACK,
  tx_queue_len: 1000,
  operstate: IF_OPER_DOWN,
  netns_immutable: true,
  mtu: 65536,
  ...ALLOC_NETDEV_DEFAULTS,
  ethtool_ops: loopback_ethtool_ops,
  dev_addr: new Uint8Array(6),
  broadcast: new Uint8Array(6),
  qdisc: "noop",
  ipv4_devconf: LO_IPV4_DEVCONF,
  ipv6_devconf: LO_IPV6_DEVCONF,
  inet6_flags: 0,
  inet6_cacheinfo: LO_INET6_CACHEINFO,
});

/** A namespace's devices (net->dev_base_head), in ifindex order. */
const devices = new WeakMap<Net, LinkDevice[]>();
/** net->ifindex: the last index dev_index_reserve handed out by itself (xa_alloc_cyclic's cursor) */
const ifindex_cursor = new WeakMap<Net, number>();

/** for_each_netdev(net): the namespace's devices in ifindex order (empty before dev_net_init). */
export const for_each_netdev = (net: Net): ReadonlyArray<LinkDevice> => devices.get(net) ?? [];

/** netdev_init + loopback_net_init for a new namespace: registers lo. Idempotent. */
export const loopback_net_init = (net: Net): void => {
  if (devices.has(net)) return;
  devices.set(net, [loopback_dev()]);
};

/** __dev_get_by_index */
export const __dev_get_by_index = (net: Net, ifindex: number): LinkDevice | undefined =>
  for_each_netdev(net).find((d) => d.ifindex === ifindex);

/** __dev_get_by_name (and netdev_name_node_alt_lookup: lo has no alternative names) */
export const __dev_get_by_name = (net: Net, name: string): LinkDevice | undefined =>
  for_each_netdev(net).find((d) => d.name === name);

/** net->dev_base_seq: bumped whenever the device list changes (link dumps check it between rounds) */
const dev_base_seqs = new WeakMap<Net, number>();
export const dev_base_seq = (net: Net): number => dev_base_seqs.get(net) ?? 1;
/** dev_base_seq_inc: never 0 (nl_dump_check_consistent reads 0 as "not set") */
const dev_base_seq_inc = (net: Net): void => {
  dev_base_seqs.set(net, (dev_base_seq(net) + 1) >>> 0 || 1);
};

/** list_netdevice: the device joins the namespace's list, kept in ifindex order. */
export const list_netdevice = (net: Net, dev: LinkDevice): void => {
  const l = devices.get(net);
  if (l === undefined) return;
  l.push(dev);
  l.sort((a, b) => a.ifindex - b.ifindex);
  dev_base_seq_inc(net);
};

/** unlist_netdevice */
export const unlist_netdevice = (net: Net, dev: LinkDevice): void => {
  const l = devices.get(net);
  const i = l?.indexOf(dev) ?? -1;
  if (l !== undefined && i >= 0) l.splice(i, 1);
  dev_base_seq_inc(net);
};

/**
 * dev_index_reserve(net, ifindex): 0 asks for the next free index after the last one handed out
 * (cyclic, as xa_alloc_cyclic does; an index a caller chose does not move the cursor); a taken
 * index is −EBUSY. Returns the index or a negative errno.
 */
export const dev_index_reserve = (net: Net, ifindex: number): number => {
  const taken = (i: number): boolean => __dev_get_by_index(net, i) !== undefined;
  if (ifindex > 0) return taken(ifindex) ? -ERRNO.EBUSY : ifindex;
  let i = (ifindex_cursor.get(net) ?? 1) + 1;
  while (taken(i)) i++;
  ifindex_cursor.set(net, i);
  return i;
};
