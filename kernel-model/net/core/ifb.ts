// drivers/net/ifb.c (6.18): the Intermediate Functional Block device, the one link kind a stock
// kernel creates in any network namespace without extra modules or hardware (ifb_link_ops: kind
// "ifb", ifb_setup, ifb_validate). Its defaults are what `ip link add ifb0 type ifb` reports on
// 6.18 [live]: an Ethernet device (ether_setup) without ARP and multicast, tx queue length 32, no
// MTU bounds, a random locally administered address (eth_hw_addr_random).
import { ERRNO, type NetlinkExtAck } from "../../uapi/index.js";
import { ARPHRD_ETHER, IF_OPER_DOWN, IFF_BROADCAST, IFF_NOARP, IFLA_ADDRESS } from "../../uapi/rtnetlink.js";
import type { Net } from "../netlink/table.js";
import { ALLOC_NETDEV_DEFAULTS, type LinkDevice, LO_IPV4_DEVCONF, LO_IPV6_DEVCONF } from "./loopback.js";
import { type IflaTb, rtnl_link_register } from "./rtnetlink.js";

const ETH_ALEN = 6;
/** TX_Q_LIMIT */
const TX_Q_LIMIT = 32;

/** net.ipv4.conf.default of a new namespace, as a new device inherits it: lo's without NOXFRM/NOPOLICY [live] */
const IFB_IPV4_DEVCONF: ReadonlyArray<number> = LO_IPV4_DEVCONF.map((v, i) => (i === 14 || i === 15 ? 0 : v));

/** net.ipv6.conf.default for a new device: lo's with use_tempaddr 0; mtu6 follows the device's MTU [live] */
const ifb_ipv6_devconf = (mtu: number): number[] => LO_IPV6_DEVCONF.map((v, i) => (i === 2 ? mtu : i === 10 ? 0 : v));

/** eth_hw_addr_random: random bytes, the multicast bit cleared and the locally administered bit set */
const eth_random_addr = (net: Net): Uint8Array => {
  const a = new Uint8Array(ETH_ALEN);
  const r1 = net.host.random_u32() >>> 0;
  const r2 = net.host.random_u32() >>> 0;
  for (let i = 0; i < 4; i++) a[i] = (r1 >>> (8 * i)) & 0xff;
  a[4] = r2 & 0xff;
  a[5] = (r2 >>> 8) & 0xff;
  a[0] = (a[0]! & 0xfe) | 0x02;
  return a;
};

/** ifb_setup (after alloc_netdev_mqs): the device's defaults */
const ifb_setup = (net: Net, name: string): LinkDevice => ({
  name,
  ifindex: 0,
  kind: "ifb",
  inet6: true,
  type: ARPHRD_ETHER,
  flags: IFF_BROADCAST | IFF_NOARP,
  tx_queue_len: TX_Q_LIMIT,
  operstate: IF_OPER_DOWN,
  netns_immutable: false,
  mtu: 1500,
  ...ALLOC_NETDEV_DEFAULTS,
  dev_addr: eth_random_addr(net),
  broadcast: new Uint8Array(ETH_ALEN).fill(0xff),
  qdisc: "noop",
  ipv4_devconf: IFB_IPV4_DEVCONF,
  ipv6_devconf: ifb_ipv6_devconf(1500),
  inet6_flags: 0,
  // the kernel's timestamp and random reachable time are not reproducible; see loopback.ts
  inet6_cacheinfo: [65535, 0, 30000, 1000],
});

/** ifb_validate: an address must be 6 bytes (−EINVAL) and a valid unicast one (−EADDRNOTAVAIL) */
const ifb_validate = (tb: IflaTb, _extack: NetlinkExtAck): number => {
  const a = tb[IFLA_ADDRESS];
  if (a === undefined) return 0;
  if (a.data.length !== ETH_ALEN) return -ERRNO.EINVAL;
  // is_valid_ether_addr: not multicast, not all zeros
  if (a.data[0]! & 1 || a.data.every((b) => b === 0)) return -ERRNO.EADDRNOTAVAIL;
  return 0;
};

/** ifb_init_module: registers the link kind (the module's numifbs default devices are not created in a new namespace) */
export const ifb_init_module = (net: Net): void => {
  rtnl_link_register(net, {
    kind: "ifb",
    setup: ifb_setup,
    validate: ifb_validate,
  });
};
