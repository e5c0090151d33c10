// net/ipv6/ndisc.c (6.18), the neighbour table side of Neighbour Discovery: nd_tbl (its defaults
// are what RTM_GETNEIGHTBL reports on this host [live]), ndisc_constructor, pndisc_constructor,
// ndisc_allow_add, ndisc_mc_map, and the flush of a device's entries when it goes down
// (ndisc_netdev_event) or away (addrconf_ifdown → rt6_disable_ip → neigh_ifdown). ND packets
// (solicitations, advertisements) are not modelled, nor is the solicited-node multicast group a
// proxy entry joins on its device (pndisc_constructor → ipv6_dev_mc_inc): logged.

import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO } from "../../uapi/index.js";
import { ARPHRD_ETHER, IFF_LOOPBACK, IFF_NOARP, IFF_POINTOPOINT } from "../../uapi/rtnetlink.js";
import { NETDEV_DOWN, NETDEV_REGISTER, NETDEV_UNREGISTER, register_netdevice_notifier } from "../core/dev_api.js";
import { for_each_netdev, type LinkDevice } from "../core/loopback.js";
import {
  NEIGH_ND_TABLE,
  type Neighbour,
  type NeighParmsData,
  type NeighTable,
  NUD_NOARP,
  neigh_dev_parms,
  neigh_ifdown,
  neigh_parms_alloc,
  neigh_parms_release,
  neigh_table_init,
  type PneighEntry,
  RTN_LOCAL,
  RTN_MULTICAST,
  RTN_UNICAST,
} from "../core/neighbour.js";
import type { Net } from "../netlink/table.js";

/** DEVCONF_DISABLE_IPV6: the index of disable_ipv6 in the device's IPv6 devconf */
const DEVCONF_DISABLE_IPV6 = 26;

/** nd_tbl.parms: net.ipv6.neigh.default as RTM_GETNEIGHTBL reports it [live] */
const ND_PARMS: NeighParmsData = {
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
  locktime: 0,
  interval_probe_time_ms: 5000,
};

/** ndisc_mc_map(addr, buf, dev, dir): Ethernet's 33:33 mapping; other types the broadcast address */
const ndisc_mc_map = (addr: Uint8Array, dev: LinkDevice): Uint8Array => {
  if (dev.type !== ARPHRD_ETHER) return dev.broadcast.slice();
  // ipv6_eth_mc_map
  return Uint8Array.of(0x33, 0x33, addr[12]!, addr[13]!, addr[14]!, addr[15]!);
};

/**
 * ndisc_constructor: no inet6_dev, −EINVAL; the type is multicast or unicast (local on lo); a
 * multicast address, or any on a device without ARP or on lo, starts in NUD_NOARP.
 */
const ndisc_constructor = (net: Net, neigh: Neighbour): number => {
  const dev = neigh.dev;
  const addr = neigh.primary_key;
  const is_multicast = addr[0] === 0xff;
  const parms = dev.inet6 ? neigh_dev_parms(net, nd_tbl, dev) : undefined;
  if (parms === undefined) return -ERRNO.EINVAL;
  neigh.parms = parms;
  neigh.type = is_multicast ? RTN_MULTICAST : RTN_UNICAST;
  if (is_multicast) {
    neigh.nud_state = NUD_NOARP;
    neigh.ha = ndisc_mc_map(addr, dev);
  } else if (dev.flags & (IFF_NOARP | IFF_LOOPBACK)) {
    neigh.nud_state = NUD_NOARP;
    neigh.ha = dev.dev_addr.slice();
    if (dev.flags & IFF_LOOPBACK) neigh.type = RTN_LOCAL;
  } else if (dev.flags & IFF_POINTOPOINT) {
    neigh.nud_state = NUD_NOARP;
    neigh.ha = dev.broadcast.slice();
  }
  return 0;
};

/**
 * pndisc_constructor: a proxy entry needs a device, whose solicited-node group it joins
 * (ipv6_dev_mc_inc fails on a device without IPv6 [live: ENOBUFS from pneigh_create])
 */
const pndisc_constructor = (net: Net, n: PneighEntry): number => {
  if (n.dev === null) return -ERRNO.EINVAL;
  if (!n.dev.inet6) return -ERRNO.ENODEV;
  net.kernel?.printk(
    `${KERN_NOTICE}nlsim: ndisc: ${n.dev.name} joining the proxy entry's solicited-node multicast group is not modelled`,
  );
  return 0;
};

/** ndisc_allow_add: not on a device without IPv6 or with IPv6 disabled */
const ndisc_allow_add: NeighTable["allow_add"] = (dev, extack) => {
  if (!dev.inet6 || dev.ipv6_devconf[DEVCONF_DISABLE_IPV6]) {
    extack.msg = "IPv6 is disabled on this device";
    return false;
  }
  return true;
};

/** nd_tbl */
export const nd_tbl: NeighTable = {
  family: 10,
  key_len: 16,
  id: "ndisc_cache",
  entry_size: 344,
  constructor: ndisc_constructor,
  pconstructor: pndisc_constructor,
  allow_add: ndisc_allow_add,
  parms: { dev: null, refcnt: 1, reachable_time: ND_PARMS.base_reachable_time, data: ND_PARMS },
  gc_interval: 30000,
  gc_thresh1: 128,
  gc_thresh2: 512,
  gc_thresh3: 1024,
};

/**
 * ndisc_init for a namespace: the table, lo's parms (ipv6_add_dev made them with lo), and the
 * netdevice events: ipv6_add_dev / in6_dev_finish_destroy allocate and release a device's parms
 * (registered after addrconf's notifier, which attaches IPv6 to the device); NETDEV_DOWN
 * (ndisc_netdev_event) and NETDEV_UNREGISTER (addrconf_ifdown → rt6_disable_ip) flush its entries.
 */
export const ndisc_net_init = (net: Net): void => {
  neigh_table_init(NEIGH_ND_TABLE, nd_tbl);
  for (const dev of for_each_netdev(net)) if (dev.inet6) neigh_parms_alloc(net, dev, nd_tbl);
  register_netdevice_notifier(net, (event, dev) => {
    if (event === NETDEV_REGISTER && dev.inet6) neigh_parms_alloc(net, dev, nd_tbl);
    else if (event === NETDEV_DOWN) neigh_ifdown(net, nd_tbl, dev);
    else if (event === NETDEV_UNREGISTER) {
      neigh_ifdown(net, nd_tbl, dev);
      const p = neigh_dev_parms(net, nd_tbl, dev);
      if (p !== undefined) neigh_parms_release(net, nd_tbl, p);
    }
  });
};
