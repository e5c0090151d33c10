// net/ipv4/arp.c (6.18), the neighbour table side of ARP: arp_tbl (its defaults are what
// RTM_GETNEIGHTBL reports on this host [live]), arp_constructor (the entry's type and its state
// before the first update: NUD_NOARP on a device without ARP, on lo, for a multicast or broadcast
// address), arp_mc_map, and arp_ifdown, which fib_disable_ip calls when a device goes down or away
// or loses its last IPv4 address. ARP packets themselves (arp_solicit, arp_rcv) are not modelled.

import { ERRNO } from "../../uapi/index.js";
import { ARPHRD_ETHER, IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT } from "../../uapi/rtnetlink.js";
import { NETDEV_DOWN, NETDEV_REGISTER, NETDEV_UNREGISTER, register_netdevice_notifier } from "../core/dev_api.js";
import { for_each_netdev, type LinkDevice } from "../core/loopback.js";
import {
  NEIGH_ARP_TABLE,
  type Neighbour,
  type NeighParmsData,
  type NeighTable,
  NUD_NOARP,
  neigh_dev_parms,
  neigh_ifdown,
  neigh_parms_alloc,
  neigh_parms_release,
  neigh_table_init,
  RTN_BROADCAST,
  RTN_MULTICAST,
  RTN_UNICAST,
} from "../core/neighbour.js";
import type { Net } from "../netlink/table.js";
import { in_dev_get, register_inetaddr_notifier } from "./devinet.js";
import { flowi4, RT_TABLE_LOCAL } from "./fib_semantics.js";
import { fib_get_table, fib_table_lookup } from "./fib_trie.js";

/** arp_tbl.parms: net.ipv4.neigh.default as RTM_GETNEIGHTBL reports it [live] */
const ARP_PARMS: NeighParmsData = {
  queue_len_bytes: 212992,
  proxy_qlen: 64,
  app_probes: 0,
  ucast_probes: 3,
  mcast_probes: 3,
  mcast_reprobes: 0,
  base_reachable_time: 30000,
  gc_staletime: 60000,
  delay_probe_time: 5000,
  retrans_time: 1000,
  anycast_delay: 1000,
  proxy_delay: 800,
  locktime: 1000,
  interval_probe_time_ms: 5000,
};

const ipv4_is_zeronet = (addr: number): boolean => (addr & 0xff000000) === 0;
const ipv4_is_lbcast = (addr: number): boolean => addr === 0xffffffff;
const ipv4_is_multicast = (addr: number): boolean => (addr & 0xf0000000) >>> 0 === 0xe0000000;

/**
 * __inet_dev_addr_type(net, dev, addr, tb_id): what the local table makes of the address; a
 * namespace without a local table yet (no address ever) answers RTN_BROADCAST.
 */
const __inet_dev_addr_type = (net: Net, dev: LinkDevice | null, addr: number, tb_id: number): number => {
  if (ipv4_is_zeronet(addr) || ipv4_is_lbcast(addr)) return RTN_BROADCAST;
  if (ipv4_is_multicast(addr)) return RTN_MULTICAST;
  let ret = RTN_BROADCAST;
  const table = fib_get_table(net, tb_id);
  if (table !== undefined) {
    ret = RTN_UNICAST;
    const res = fib_table_lookup(net, table, flowi4({ daddr: addr, iif: 0 }));
    if (typeof res !== "number" && (dev === null || dev === res.dev)) ret = res.type;
  }
  return ret;
};

/**
 * inet_addr_type_dev_table(net, dev, addr): the device only picks the table (its l3mdev table, none
 * in the model, else local); the lookup is for any device [live: lo's 127.0.0.1 is RTN_LOCAL for
 * an entry on ifb0]
 */
export const inet_addr_type_dev_table = (net: Net, _dev: LinkDevice, addr: number): number =>
  __inet_dev_addr_type(net, null, addr, RT_TABLE_LOCAL);

/** arp_mc_map(addr, haddr, dev, dir): Ethernet's 01:00:5e mapping; other types the broadcast address */
const arp_mc_map = (addr: number, dev: LinkDevice): Uint8Array => {
  if (dev.type !== ARPHRD_ETHER) return dev.broadcast.slice();
  // ip_eth_mc_map
  return Uint8Array.of(0x01, 0x00, 0x5e, (addr >>> 16) & 0x7f, (addr >>> 8) & 0xff, addr & 0xff);
};

/**
 * arp_constructor: lo (and point-to-point links) keep every entry under 0.0.0.0; the type is the
 * local table's; a device with header_ops (lo, ifb) starts a multicast address, an address on a
 * device without ARP (IFF_NOARP, lo) or a broadcast one in NUD_NOARP with the mapped, own or
 * broadcast link-layer address.
 */
const arp_constructor = (net: Net, neigh: Neighbour): number => {
  const dev = neigh.dev;
  if (dev.flags & (IFF_LOOPBACK | IFF_POINTOPOINT)) neigh.primary_key = new Uint8Array(4);
  const k = neigh.primary_key;
  const addr = ((k[0]! << 24) | (k[1]! << 16) | (k[2]! << 8) | k[3]!) >>> 0;
  // __in_dev_get_rcu(dev): every device of the model has one until it is unregistered
  if (in_dev_get(dev).dead) return -ERRNO.EINVAL;
  neigh.type = inet_addr_type_dev_table(net, dev, addr);
  const parms = neigh_dev_parms(net, arp_tbl, dev);
  if (parms === undefined) return -ERRNO.EINVAL;
  neigh.parms = parms;
  if (neigh.type === RTN_MULTICAST) {
    neigh.nud_state = NUD_NOARP;
    neigh.ha = arp_mc_map(addr, dev);
  } else if (dev.flags & (IFF_NOARP | IFF_LOOPBACK)) {
    neigh.nud_state = NUD_NOARP;
    neigh.ha = dev.dev_addr.slice();
  } else if (neigh.type === RTN_BROADCAST || dev.flags & IFF_POINTOPOINT) {
    neigh.nud_state = NUD_NOARP;
    neigh.ha = dev.broadcast.slice();
  }
  return 0;
};

/** arp_tbl */
export const arp_tbl: NeighTable = {
  family: 2,
  key_len: 4,
  id: "arp_cache",
  entry_size: 336,
  constructor: arp_constructor,
  parms: { dev: null, refcnt: 1, reachable_time: ARP_PARMS.base_reachable_time, data: ARP_PARMS },
  gc_interval: 30000,
  gc_thresh1: 128,
  gc_thresh2: 512,
  gc_thresh3: 1024,
};

/** arp_ifdown(dev) */
export const arp_ifdown = (net: Net, dev: LinkDevice): void => neigh_ifdown(net, arp_tbl, dev);

/**
 * arp_init for a namespace: the table, lo's parms (inetdev_init made them with lo), and the calls
 * the kernel makes from elsewhere: inetdev_init / inetdev_destroy allocate and release a device's
 * parms; fib_disable_ip (fib_netdev_event on NETDEV_DOWN and NETDEV_UNREGISTER, fib_inetaddr_event
 * when the last address goes) calls arp_ifdown. Registered right after fib_frontend's notifiers,
 * where fib_disable_ip runs.
 */
export const arp_net_init = (net: Net): void => {
  neigh_table_init(NEIGH_ARP_TABLE, arp_tbl);
  for (const dev of for_each_netdev(net)) neigh_parms_alloc(net, dev, arp_tbl);
  register_netdevice_notifier(net, (event, dev) => {
    if (event === NETDEV_REGISTER) neigh_parms_alloc(net, dev, arp_tbl);
    else if (event === NETDEV_DOWN) arp_ifdown(net, dev);
    else if (event === NETDEV_UNREGISTER) {
      arp_ifdown(net, dev);
      const p = neigh_dev_parms(net, arp_tbl, dev);
      if (p !== undefined) neigh_parms_release(net, arp_tbl, p);
    }
  });
  register_inetaddr_notifier(net, (event, ifa) => {
    if (event === NETDEV_DOWN && in_dev_get(ifa.dev).ifa_list.length === 0) arp_ifdown(net, ifa.dev);
  });
};
