// net/ipv4/devinet.c (6.18): IPv4 addresses (RTM_NEWADDR / RTM_DELADDR: inet_rtm_newaddr,
// __inet_insert_ifa, inet_rtm_deladdr, __inet_del_ifa; primaries and secondaries; the inetaddr
// notifier chain that fib_frontend.ts listens on for the address routes), each announced to
// RTNLGRP_IPV4_IFADDR (rtmsg_ifa); a device's IPv4 life (inetdev_event: the netconf announcement at
// registration, lo's 127.0.0.1/8 and the 224.0.0.1 membership when a device comes up, announced to
// RTNLGRP_IPV4_MCADDR since 6.15, label changes on rename, everything going with the device); the
// address dumps (RTM_GETADDR, RTM_GETMULTICAST) with their request check
// (inet_valid_dump_ifaddr_req); netconf (RTM_GETNETCONF do and dump, inet_netconf_fill_devconf).
// Address lifetimes other than forever, promote_secondaries and IFA_F_MCAUTOJOIN are not modelled.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  getS32,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_S32,
  NLA_STRING,
  NLA_U8,
  NLA_U32,
  NLM_F_DUMP_FILTERED,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  NLMSG_ALIGN,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
  putU32,
} from "../../uapi/index.js";
import {
  AF_INET_RT,
  IFADDRMSG_SIZE,
  IFF_LOOPBACK,
  IFNAMSIZ,
  NETCONFMSG_SIZE,
  RTM_DELADDR,
  RTM_DELMULTICAST,
  RTM_DELNETCONF,
  RTM_GETADDR,
  RTM_GETMULTICAST,
  RTM_GETNETCONF,
  RTM_NEWADDR,
  RTM_NEWMULTICAST,
  RTM_NEWNETCONF,
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV4_MCADDR,
  RTNLGRP_IPV4_NETCONF,
} from "../../uapi/rtnetlink.js";
import {
  NETDEV_CHANGENAME,
  NETDEV_DOWN,
  NETDEV_REGISTER,
  NETDEV_UNREGISTER,
  NETDEV_UP,
  type NetdevNotifier,
  register_netdevice_notifier,
} from "../core/dev_api.js";
import { __dev_get_by_index, for_each_netdev, type LinkDevice } from "../core/loopback.js";
import {
  attr_name,
  netlink_strict_get_check,
  nlmsg_len,
  nlmsg_parse,
  RTNL_FLAG_DUMP_SPLIT_NLM_DONE,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_notify,
  rtnl_register,
  rtnl_unicast,
  skb_net,
  u32s,
} from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import {
  nla_put,
  nla_put_string,
  nla_put_u8,
  nla_put_u32,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

// include/uapi/linux/netconf.h
export const NETCONFA_IFINDEX = 1;
export const NETCONFA_FORWARDING = 2;
export const NETCONFA_RP_FILTER = 3;
export const NETCONFA_MC_FORWARDING = 4;
export const NETCONFA_PROXY_NEIGH = 5;
export const NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN = 6;
export const NETCONFA_INPUT = 7;
export const NETCONFA_BC_FORWARDING = 8;
export const NETCONFA_MAX = 9;
export const NETCONFA_IFINDEX_ALL = -1;
export const NETCONFA_IFINDEX_DEFAULT = -2;

// include/uapi/linux/if_addr.h
export const IFA_ADDRESS = 1;
export const IFA_LOCAL = 2;
export const IFA_LABEL = 3;
export const IFA_BROADCAST = 4;
export const IFA_CACHEINFO = 6;
export const IFA_MULTICAST = 7;
export const IFA_FLAGS = 8;
export const IFA_RT_PRIORITY = 9;
export const IFA_TARGET_NETNSID = 10;
export const IFA_PROTO = 11;
export const IFA_MAX = 11;

// IPV4_DEVCONF_* (1-based; in_dev->cnf.data[i − 1])
const IPV4_DEVCONF_FORWARDING = 1;
const IPV4_DEVCONF_MC_FORWARDING = 2;
const IPV4_DEVCONF_PROXY_ARP = 3;
const IPV4_DEVCONF_RP_FILTER = 8;
const IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN = 29;
const IPV4_DEVCONF_BC_FORWARDING = 32;

/** devconf_ipv4_policy */
const devconf_ipv4_policy: NlaPolicySet = nlaPolicy(NETCONFA_MAX, {
  [NETCONFA_IFINDEX]: { type: 0, len: 4 },
  [NETCONFA_FORWARDING]: { type: 0, len: 4 },
  [NETCONFA_RP_FILTER]: { type: 0, len: 4 },
  [NETCONFA_PROXY_NEIGH]: { type: 0, len: 4 },
  [NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN]: { type: 0, len: 4 },
});

/** ifa_ipv4_policy */
const ifa_ipv4_policy: NlaPolicySet = nlaPolicy(IFA_MAX, {
  [IFA_LOCAL]: { type: NLA_U32 },
  [IFA_ADDRESS]: { type: NLA_U32 },
  [IFA_BROADCAST]: { type: NLA_U32 },
  [IFA_LABEL]: { type: NLA_STRING, len: IFNAMSIZ - 1 },
  [IFA_CACHEINFO]: { type: 0, len: 16 },
  [IFA_FLAGS]: { type: NLA_U32 },
  [IFA_RT_PRIORITY]: { type: NLA_U32 },
  [IFA_TARGET_NETNSID]: { type: NLA_S32 },
  [IFA_PROTO]: { type: NLA_U8 },
});

/** struct ifaddrmsg of a request */
export interface Ifaddrmsg {
  readonly family: number;
  readonly prefixlen: number;
  readonly flags: number;
  readonly scope: number;
  readonly index: number;
}
export const ifaddrmsg = (msg: Uint8Array): Ifaddrmsg => {
  const b = new Uint8Array(IFADDRMSG_SIZE);
  b.set(msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + IFADDRMSG_SIZE));
  return { family: b[0]!, prefixlen: b[1]!, flags: b[2]!, scope: b[3]!, index: getS32(b, 4) };
};

/**
 * inet_valid_dump_ifaddr_req (and inet6_valid_dump_ifaddr_req, with `mod` "ipv6: " and its own
 * policy): a clean ifaddrmsg whose ifa_index filters (NLM_F_DUMP_FILTERED), at most
 * IFA_TARGET_NETNSID. Returns the filter ifindex, or a negative errno.
 */
export const valid_dump_ifaddr_req = (cb: NetlinkCallback, mod: string, policy: NlaPolicySet): number => {
  const extack: NetlinkExtAck = cb.extack ?? {};
  const nlh = cb.nlh;
  if (nlmsg_len(nlh) < IFADDRMSG_SIZE) {
    extack.msg = `${mod}Invalid header for address dump request`;
    return -ERRNO.EINVAL;
  }
  const ifm = ifaddrmsg(nlh.msg);
  if (ifm.prefixlen || ifm.flags || ifm.scope) {
    extack.msg = `${mod}Invalid values in header for address dump request`;
    return -ERRNO.EINVAL;
  }
  if (ifm.index) cb.answer_flags |= NLM_F_DUMP_FILTERED;
  const tb = nlmsg_parse(nlh, IFADDRMSG_SIZE, policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= IFA_MAX; i++) {
    if (tb[i] === undefined) continue;
    if (i === IFA_TARGET_NETNSID) {
      // rtnl_get_net_ns_capable: the model has one namespace and no netnsids
      extack.msg = `${mod}Invalid target network namespace id`;
      return -ERRNO.EINVAL;
    }
    extack.msg = `${mod}Unsupported attribute in dump request`;
    return -ERRNO.EINVAL;
  }
  return ifm.index;
};

/**
 * inet_dump_addr for RTM_GETADDR and RTM_GETMULTICAST (inet_dump_ifmcaddr): a strict request's
 * unknown ifa_index is ENODEV. The addresses come from the address hooks (devinet_ifa.ts); the
 * groups are each device's joined ones. cb->args[0] is the next device, cb->args[1] its next entry.
 */
const inet_dump_addr =
  (type: number): RtnlDumpitFunc =>
  (skb, cb) => {
    const net = skb_net(cb.skb);
    if (net === undefined) return -ERRNO.EINVAL;
    let devs = for_each_netdev(net);
    let flags = NLM_F_MULTI;
    if (cb.strict_check) {
      const ifindex = valid_dump_ifaddr_req(cb, "ipv4: ", ifa_ipv4_policy);
      if (ifindex < 0) return ifindex;
      if (ifindex) {
        const dev = __dev_get_by_index(net, ifindex);
        if (dev === undefined) return -ERRNO.ENODEV;
        devs = [dev];
        flags |= NLM_F_DUMP_FILTERED;
      }
    }
    for (const dev of devs) {
      if (dev.ifindex < cb.args[0]!) continue;
      cb.args[0] = dev.ifindex;
      const in_dev = in_dev_get(dev);
      const n = type === RTM_GETMULTICAST ? in_dev.mc_list.length : in_dev.ifa_list.length;
      for (let i = cb.args[1]!; i < n; i++) {
        const err =
          type === RTM_GETMULTICAST
            ? inet_fill_ifmcaddr(skb, dev, in_dev.mc_list[i]!, cb.skb.cb.portid, cb.nlh.nlmsg_seq, type, flags)
            : inet_fill_ifaddr(skb, in_dev.ifa_list[i]!, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWADDR, flags);
        if (err < 0) return skb.len || err;
        cb.args[1] = i + 1;
      }
      cb.args[0] = dev.ifindex + 1;
      cb.args[1] = 0;
    }
    // finished: 0 (RTM_GETADDR's NLMSG_DONE still comes alone: RTNL_FLAG_DUMP_SPLIT_NLM_DONE)
    return 0;
  };

/** One netconf entry's values: in_dev->cnf for a device, net->ipv4.devconf_all / _dflt otherwise. */
const devconf_value = (cnf: ReadonlyArray<number>, i: number): number => cnf[i - 1] ?? 0;

/** The namespace's "all" and "default" IPv4 devconf: in a new namespace both start as lo's does. */
const devconf_all_default = (net: Net): ReadonlyArray<number> | undefined =>
  for_each_netdev(net).find((d) => d.ifindex === 1)?.ipv4_devconf;

/**
 * inet_netconf_fill_devconf(skb, ifindex, devconf, portid, seq, event, flags, type): NETCONFA_ALL
 * for RTM_NEWNETCONF, the index alone for RTM_DELNETCONF.
 */
const inet_netconf_fill_devconf = (
  skb: SkBuff,
  ifindex: number,
  cnf: ReadonlyArray<number>,
  portid: number,
  seq: number,
  flags: number,
  event = RTM_NEWNETCONF,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, NETCONFMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  skb.head[nlmsg_data(nlh)] = AF_INET_RT;
  const puts: ReadonlyArray<readonly [number, number]> =
    event !== RTM_NEWNETCONF
      ? [[NETCONFA_IFINDEX, ifindex]]
      : [
          [NETCONFA_IFINDEX, ifindex],
          [NETCONFA_FORWARDING, devconf_value(cnf, IPV4_DEVCONF_FORWARDING)],
          [NETCONFA_RP_FILTER, devconf_value(cnf, IPV4_DEVCONF_RP_FILTER)],
          [NETCONFA_MC_FORWARDING, devconf_value(cnf, IPV4_DEVCONF_MC_FORWARDING)],
          [NETCONFA_BC_FORWARDING, devconf_value(cnf, IPV4_DEVCONF_BC_FORWARDING)],
          [NETCONFA_PROXY_NEIGH, devconf_value(cnf, IPV4_DEVCONF_PROXY_ARP)],
          [NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, devconf_value(cnf, IPV4_DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN)],
        ];
  for (const [t, v] of puts) {
    if (nla_put_u32(skb, t, v >>> 0)) {
      nlmsg_cancel(skb, nlh);
      return -ERRNO.EMSGSIZE;
    }
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** The entries of a netconf dump, in order: each device, then "all", then "default". */
export const netconf_entries = <C>(
  devs: ReadonlyArray<LinkDevice>,
  cnf: (d: LinkDevice) => C,
  all: C,
): ReadonlyArray<readonly [number, C]> => [
  ...devs.map((d) => [d.ifindex, cnf(d)] as const),
  [NETCONFA_IFINDEX_ALL, all] as const,
  [NETCONFA_IFINDEX_DEFAULT, all] as const,
];

/**
 * The netconf dump loop (inet_netconf_dump_devconf, inet6_netconf_dump_devconf): cb->args[0] is
 * the next entry. 0 when all are in, the skb's length when it filled up.
 */
export const netconf_dump = <C>(
  skb: SkBuff,
  cb: NetlinkCallback,
  mod: string,
  entries: ReadonlyArray<readonly [number, C]>,
  fill: (skb: SkBuff, ifindex: number, cnf: C, portid: number, seq: number, flags: number) => number,
): number => {
  if (cb.strict_check) {
    const extack = cb.extack ?? {};
    if (cb.nlh.nlmsg_len < NLMSG_HDRLEN + NETCONFMSG_SIZE) {
      extack.msg = `${mod}Invalid header for netconf dump request`;
      return -ERRNO.EINVAL;
    }
    if (nlmsg_len(cb.nlh) !== NLMSG_ALIGN(NETCONFMSG_SIZE)) {
      extack.msg = `${mod}Invalid data after header in netconf dump request`;
      return -ERRNO.EINVAL;
    }
  }
  for (let i = cb.args[0]!; i < entries.length; i++) {
    const [ifindex, cnf] = entries[i]!;
    const err = fill(skb, ifindex, cnf, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI);
    if (err < 0) return skb.len || err;
    cb.args[0] = i + 1;
  }
  return 0;
};

const inet_netconf_dump_devconf: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  const all = net === undefined ? undefined : devconf_all_default(net);
  if (net === undefined || all === undefined) return 0;
  return netconf_dump(
    skb,
    cb,
    "ipv4: ",
    netconf_entries(for_each_netdev(net), (d) => d.ipv4_devconf, all),
    inet_netconf_fill_devconf,
  );
};

/**
 * The netconf get request check (inet_netconf_valid_get_req, inet6_netconf_valid_get_req): a
 * netconfmsg, and under strict checking no attribute but NETCONFA_IFINDEX. Returns the ifindex
 * asked for, or a negative errno (EINVAL without NETCONFA_IFINDEX).
 */
export const netconf_valid_get_req = (
  skb: SkBuff,
  nlh: Parameters<RtnlDoitFunc>[1],
  extack: NetlinkExtAck,
  mod: string,
  policy: NlaPolicySet,
): { ifindex: number } | number => {
  if (nlh.nlmsg_len < NLMSG_HDRLEN + NETCONFMSG_SIZE) {
    extack.msg = `${mod}Invalid header for netconf get request`;
    return -ERRNO.EINVAL;
  }
  const strict = netlink_strict_get_check(skb);
  const tb = nlmsg_parse(
    nlh,
    NETCONFMSG_SIZE,
    policy,
    strict ? NL_VALIDATE_DEPRECATED_STRICT : NL_VALIDATE_LIBERAL,
    extack,
  );
  if (typeof tb === "number") return tb;
  if (strict) {
    for (let i = 0; i <= NETCONFA_MAX; i++) {
      if (tb[i] === undefined || i === NETCONFA_IFINDEX) continue;
      extack.msg = `${mod}Unsupported attribute in netconf get request`;
      return -ERRNO.EINVAL;
    }
  }
  const a = tb[NETCONFA_IFINDEX];
  if (a === undefined) return -ERRNO.EINVAL;
  return { ifindex: getS32(a.data, 0) };
};

/** inet_netconf_get_devconf: RTM_GETNETCONF do for AF_INET */
const inet_netconf_get_devconf: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const req = netconf_valid_get_req(skb, nlh, extack, "ipv4: ", devconf_ipv4_policy);
  if (typeof req === "number") return req;
  let cnf: ReadonlyArray<number> | undefined;
  if (req.ifindex === NETCONFA_IFINDEX_ALL || req.ifindex === NETCONFA_IFINDEX_DEFAULT) cnf = devconf_all_default(net);
  else cnf = __dev_get_by_index(net, req.ifindex)?.ipv4_devconf;
  if (cnf === undefined) return -ERRNO.ENODEV;
  const nskb = nlmsg_new(128, GFP_ATOMIC);
  const err = inet_netconf_fill_devconf(nskb, req.ifindex, cnf, skb.cb.portid, nlh.nlmsg_seq, 0);
  if (err < 0) {
    kfree_skb(nskb);
    return err;
  }
  return rtnl_unicast(nskb, net, skb.cb.portid);
};

// ---------------------------------------------------------------------------------------------
// The device's IPv4 life (inetdev_event)

/** IGMP_ALL_HOSTS: 224.0.0.1, the group ip_mc_up joins on every device that comes up */
const IGMP_ALL_HOSTS = 0xe0000001;
/** IFA_F_PERMANENT */
export const IFA_F_PERMANENT = 0x80;
/** INFINITY_LIFE_TIME */
export const INFINITY_LIFE_TIME = 0xffffffff;

/** struct in_ifaddr: addresses in host byte order */
export interface InIfaddr {
  readonly dev: LinkDevice;
  readonly ifa_local: number;
  readonly ifa_address: number;
  readonly ifa_mask: number;
  readonly ifa_prefixlen: number;
  readonly ifa_broadcast: number;
  ifa_flags: number;
  readonly ifa_scope: number;
  ifa_label: string;
  ifa_rt_priority: number;
  ifa_proto: number;
}

/** struct in_device, the part the model keeps: the addresses (primaries first) and the joined groups */
export interface InDevice {
  ifa_list: InIfaddr[];
  mc_list: number[];
  dead: boolean;
}
const in_devices = new WeakMap<LinkDevice, InDevice>();

/** __in_dev_get_rtnl(dev) (made on first use: inetdev_init at registration) */
export const in_dev_get = (dev: LinkDevice): InDevice => {
  let d = in_devices.get(dev);
  if (d === undefined) {
    d = { ifa_list: [], mc_list: [], dead: false };
    in_devices.set(dev, d);
  }
  return d;
};

export const be32_bytes = (v: number): Uint8Array =>
  Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);

/** inet_fill_ifmcaddr: {32, IFA_F_PERMANENT, RT_SCOPE_UNIVERSE, ifindex}, IFA_MULTICAST, IFA_CACHEINFO */
const inet_fill_ifmcaddr = (
  skb: SkBuff,
  dev: LinkDevice,
  group: number,
  portid: number,
  seq: number,
  event: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, IFADDRMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ifm = nlmsg_data(nlh);
  skb.head[ifm] = AF_INET_RT;
  skb.head[ifm + 1] = 32;
  skb.head[ifm + 2] = IFA_F_PERMANENT;
  skb.head[ifm + 3] = 0;
  putU32(skb.head, ifm + 4, dev.ifindex);
  // put_cacheinfo(mca_cstamp, mca_tstamp, INFINITY, INFINITY): the kernel's stamps are jiffies since boot; 0 here
  if (
    nla_put(skb, IFA_MULTICAST, be32_bytes(group)) ||
    nla_put(skb, IFA_CACHEINFO, u32s([INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, 0, 0]))
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** inet_ifmcaddr_notify(dev, im, event): to RTNLGRP_IPV4_MCADDR (since 6.15) */
const inet_ifmcaddr_notify = (net: Net, dev: LinkDevice, group: number, event: number): void => {
  const skb = nlmsg_new(128, GFP_ATOMIC);
  if (inet_fill_ifmcaddr(skb, dev, group, 0, 0, event, 0) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV4_MCADDR, null);
};

/** inet_netconf_notify_devconf(net, event, NETCONFA_ALL, ifindex, devconf): to RTNLGRP_IPV4_NETCONF */
const inet_netconf_notify_devconf = (net: Net, event: number, dev: LinkDevice): void => {
  const skb = nlmsg_new(128, GFP_ATOMIC);
  if (inet_netconf_fill_devconf(skb, dev.ifindex, dev.ipv4_devconf, 0, 0, 0, event) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV4_NETCONF, null);
};

/** ip_mc_up: join 224.0.0.1 (and announce it) */
const ip_mc_up = (net: Net, dev: LinkDevice): void => {
  const in_dev = in_dev_get(dev);
  if (in_dev.mc_list.includes(IGMP_ALL_HOSTS)) return;
  in_dev.mc_list.unshift(IGMP_ALL_HOSTS);
  inet_ifmcaddr_notify(net, dev, IGMP_ALL_HOSTS, RTM_NEWMULTICAST);
};

/** ip_mc_down: leave the groups (each announced) */
const ip_mc_down = (net: Net, dev: LinkDevice): void => {
  const in_dev = in_dev_get(dev);
  for (const g of in_dev.mc_list) inet_ifmcaddr_notify(net, dev, g, RTM_DELMULTICAST);
  in_dev.mc_list = [];
};

/**
 * inetdev_event: NETDEV_REGISTER (inetdev_init: the netconf announcement), NETDEV_UP (lo's
 * 127.0.0.1, ip_mc_up), NETDEV_DOWN (ip_mc_down), NETDEV_CHANGENAME (the addresses' labels,
 * RTM_DELNETCONF + RTM_NEWNETCONF), NETDEV_UNREGISTER (inetdev_destroy: the addresses, then
 * RTM_DELNETCONF).
 */
const inetdev_event: NetdevNotifier = (event, dev, net) => {
  switch (event) {
    case NETDEV_REGISTER:
      in_dev_get(dev);
      inet_netconf_notify_devconf(net, RTM_NEWNETCONF, dev);
      return;
    case NETDEV_UP:
      if (dev.flags & IFF_LOOPBACK) inet_insert_loopback(net, dev);
      ip_mc_up(net, dev);
      return;
    case NETDEV_DOWN:
      ip_mc_down(net, dev);
      return;
    case NETDEV_CHANGENAME:
      inetdev_changename(net, dev);
      inet_netconf_notify_devconf(net, RTM_DELNETCONF, dev);
      inet_netconf_notify_devconf(net, RTM_NEWNETCONF, dev);
      return;
    case NETDEV_UNREGISTER: {
      // inetdev_destroy: the device is dead (no promotions), every address goes
      const in_dev = in_dev_get(dev);
      in_dev.dead = true;
      while (in_dev.ifa_list.length > 0) __inet_del_ifa(net, in_dev, 0, null, 0);
      in_dev.mc_list = [];
      inet_netconf_notify_devconf(net, RTM_DELNETCONF, dev);
      return;
    }
  }
};

// ---------------------------------------------------------------------------------------------
// Addresses

const IFA_F_SECONDARY = 0x01;
/** IFA_F_NODAD | OPTIMISTIC | DADFAILED | HOMEADDRESS | TENTATIVE | MANAGETEMPADDR | STABLE_PRIVACY */
const IPV6ONLY_FLAGS = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x100 | 0x800;
const INADDR_LOOPBACK = 0x7f000001;
const RT_SCOPE_HOST = 254;
const RT_SCOPE_LINK = 253;

/** inet_make_mask */
export const inet_make_mask = (plen: number): number => (plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0);
/** inet_ifa_match(addr, ifa): addr is in ifa's subnet */
export const inet_ifa_match = (addr: number, ifa: InIfaddr): boolean =>
  ((addr ^ ifa.ifa_address) & ifa.ifa_mask) >>> 0 === 0;
/** inet_ifa_byprefix(in_dev, prefix, mask): the primary address of that subnet */
export const inet_ifa_byprefix = (in_dev: InDevice, prefix: number, mask: number): InIfaddr | undefined =>
  in_dev.ifa_list.find((i) => i.ifa_mask === mask && inet_ifa_match(prefix, i) && !(i.ifa_flags & IFA_F_SECONDARY));

/** IPV4_DEVCONF_* indexes the route lookups read (include/uapi/linux/ip.h) */
export const IPV4_DEVCONF = {
  FORWARDING: 1,
  RP_FILTER: 8,
  ACCEPT_LOCAL: 23,
  SRC_VMARK: 24,
  ROUTE_LOCALNET: 26,
  BC_FORWARDING: 32,
} as const;

/** IN_DEV_CONF_GET(in_dev, attr): the device's own value */
export const in_dev_conf_get = (dev: LinkDevice, attr: number): number => devconf_value(dev.ipv4_devconf, attr);
/** IPV4_DEVCONF_ALL(net, attr): the namespace's "all" value */
const devconf_all_get = (net: Net, attr: number): number => devconf_value(devconf_all_default(net) ?? [], attr);
/** IN_DEV_ORCONF(in_dev, attr): the device's or "all" */
export const in_dev_orconf = (net: Net, dev: LinkDevice, attr: number): number =>
  devconf_all_get(net, attr) || in_dev_conf_get(dev, attr);
/** IN_DEV_MAXCONF(in_dev, attr): the larger of the device's and "all" */
export const in_dev_maxconf = (net: Net, dev: LinkDevice, attr: number): number =>
  Math.max(devconf_all_get(net, attr), in_dev_conf_get(dev, attr));

/** in_dev_select_addr(in_dev, scope): the first primary of scope ≤ `scope` that is not link scope */
const in_dev_select_addr = (in_dev: InDevice, scope: number): number =>
  in_dev.ifa_list.find((i) => !(i.ifa_flags & IFA_F_SECONDARY) && i.ifa_scope !== RT_SCOPE_LINK && i.ifa_scope <= scope)
    ?.ifa_local ?? 0;

/**
 * inet_select_addr(dev, dst, scope): the device's first primary address of scope ≤ `scope` (host
 * scope counts as link with route_localnet) in dst's subnet, else its first such address; without
 * one, the first usable address of any device, lo first.
 */
export const inet_select_addr = (net: Net, dev: LinkDevice, dst: number, scope: number): number => {
  const in_dev = in_dev_get(dev);
  const localnet_scope = in_dev_conf_get(dev, IPV4_DEVCONF.ROUTE_LOCALNET) ? RT_SCOPE_LINK : RT_SCOPE_HOST;
  let addr = 0;
  for (const ifa of in_dev.ifa_list) {
    if (ifa.ifa_flags & IFA_F_SECONDARY) continue;
    if (Math.min(ifa.ifa_scope, localnet_scope) > scope) continue;
    if (!dst || inet_ifa_match(dst, ifa)) return ifa.ifa_local;
    if (!addr) addr = ifa.ifa_local;
  }
  if (addr) return addr;
  for (const d of for_each_netdev(net)) {
    addr = in_dev_select_addr(in_dev_get(d), scope);
    if (addr) return addr;
  }
  return 0;
};

/** inet_lookup_ifaddr_rcu(net, addr): the address of the namespace whose local address is `addr` */
export const inet_lookup_ifaddr = (net: Net, addr: number): InIfaddr | undefined => {
  for (const d of for_each_netdev(net)) {
    const ifa = in_dev_get(d).ifa_list.find((i) => i.ifa_local === addr);
    if (ifa !== undefined) return ifa;
  }
  return undefined;
};

/** The inetaddr notifier chain (register_inetaddr_notifier): fib_inetaddr_event listens */
export type InetaddrNotifier = (event: number, ifa: InIfaddr, net: Net) => void;
const inetaddr_chains = new WeakMap<Net, InetaddrNotifier[]>();
export const register_inetaddr_notifier = (net: Net, nb: InetaddrNotifier): void => {
  const c = inetaddr_chains.get(net);
  if (c === undefined) inetaddr_chains.set(net, [nb]);
  else c.push(nb);
};
const inetaddr_chain_call = (event: number, ifa: InIfaddr, net: Net): void => {
  for (const nb of inetaddr_chains.get(net) ?? []) nb(event, ifa, net);
};

/**
 * inet_fill_ifaddr(skb, ifa, args): ifaddrmsg (ifa_flags cut to 8 bits), IFA_ADDRESS, IFA_LOCAL,
 * IFA_BROADCAST, IFA_LABEL, IFA_PROTO, IFA_FLAGS, IFA_RT_PRIORITY, IFA_CACHEINFO (infinite
 * lifetimes; the kernel's creation and update stamps are jiffies since boot, 0 here).
 */
const inet_fill_ifaddr = (
  skb: SkBuff,
  ifa: InIfaddr,
  portid: number,
  seq: number,
  event: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, IFADDRMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ifm = nlmsg_data(nlh);
  skb.head[ifm] = AF_INET_RT;
  skb.head[ifm + 1] = ifa.ifa_prefixlen;
  skb.head[ifm + 2] = ifa.ifa_flags & 0xff;
  skb.head[ifm + 3] = ifa.ifa_scope;
  putU32(skb.head, ifm + 4, ifa.dev.ifindex);
  if (
    (ifa.ifa_address && nla_put(skb, IFA_ADDRESS, be32_bytes(ifa.ifa_address))) ||
    (ifa.ifa_local && nla_put(skb, IFA_LOCAL, be32_bytes(ifa.ifa_local))) ||
    (ifa.ifa_broadcast && nla_put(skb, IFA_BROADCAST, be32_bytes(ifa.ifa_broadcast))) ||
    (ifa.ifa_label.length > 0 && nla_put_string(skb, IFA_LABEL, ifa.ifa_label)) ||
    (ifa.ifa_proto && nla_put_u8(skb, IFA_PROTO, ifa.ifa_proto)) ||
    nla_put_u32(skb, IFA_FLAGS, ifa.ifa_flags) ||
    (ifa.ifa_rt_priority && nla_put_u32(skb, IFA_RT_PRIORITY, ifa.ifa_rt_priority)) ||
    nla_put(skb, IFA_CACHEINFO, u32s([INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, 0, 0]))
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** inet_nlmsg_size */
const INET_NLMSG_SIZE = 8 + 4 * 8 + 20 + 8 + 8 + 8 + 20;

/** rtmsg_ifa(event, ifa, nlh, portid): to RTNLGRP_IPV4_IFADDR, with the request's seq */
const rtmsg_ifa = (net: Net, event: number, ifa: InIfaddr, nlh: Nlmsghdr | null, portid: number): void => {
  const skb = nlmsg_new(INET_NLMSG_SIZE, GFP_ATOMIC);
  if (inet_fill_ifaddr(skb, ifa, portid, nlh?.nlmsg_seq ?? 0, event, 0) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, portid, RTNLGRP_IPV4_IFADDR, nlh);
};

/**
 * __inet_insert_ifa(ifa, nlh, portid, extack): an address of a subnet the device already has is a
 * secondary (the same local address again is −EEXIST, another scope "ipv4: Invalid scope value");
 * a primary goes after the last primary of no narrower scope. Announced (RTM_NEWADDR), then the
 * inetaddr chain adds its routes.
 */
const __inet_insert_ifa = (
  net: Net,
  ifa: InIfaddr,
  nlh: Nlmsghdr | null,
  portid: number,
  extack: NetlinkExtAck,
): number => {
  const in_dev = in_dev_get(ifa.dev);
  ifa.ifa_flags &= ~IFA_F_SECONDARY & ~IPV6ONLY_FLAGS;
  let last_primary = 0;
  for (let i = 0; i < in_dev.ifa_list.length; i++) {
    const ifa1 = in_dev.ifa_list[i]!;
    if (!(ifa1.ifa_flags & IFA_F_SECONDARY) && ifa.ifa_scope <= ifa1.ifa_scope) last_primary = i + 1;
    if (ifa1.ifa_mask === ifa.ifa_mask && inet_ifa_match(ifa1.ifa_address, ifa)) {
      if (ifa1.ifa_local === ifa.ifa_local) return -ERRNO.EEXIST;
      if (ifa1.ifa_scope !== ifa.ifa_scope) {
        extack.msg = "ipv4: Invalid scope value";
        return -ERRNO.EINVAL;
      }
      ifa.ifa_flags |= IFA_F_SECONDARY;
    }
  }
  if (ifa.ifa_flags & IFA_F_SECONDARY) in_dev.ifa_list.push(ifa);
  else in_dev.ifa_list.splice(last_primary, 0, ifa);
  rtmsg_ifa(net, RTM_NEWADDR, ifa, nlh, portid);
  inetaddr_chain_call(NETDEV_UP, ifa, net);
  return 0;
};

/**
 * __inet_del_ifa(in_dev, ifap, destroy, nlh, portid): deleting a primary deletes its subnet's
 * secondaries first (promote_secondaries is off in a new namespace), each announced and unrouted;
 * then the address itself: RTM_DELADDR, then the inetaddr chain removes its routes.
 */
const __inet_del_ifa = (net: Net, in_dev: InDevice, at: number, nlh: Nlmsghdr | null, portid: number): void => {
  const ifa1 = in_dev.ifa_list[at]!;
  if (!in_dev.dead && !(ifa1.ifa_flags & IFA_F_SECONDARY)) {
    for (let i = at + 1; i < in_dev.ifa_list.length; ) {
      const ifa = in_dev.ifa_list[i]!;
      if (
        !(ifa.ifa_flags & IFA_F_SECONDARY) ||
        ifa1.ifa_mask !== ifa.ifa_mask ||
        !inet_ifa_match(ifa1.ifa_address, ifa)
      ) {
        i++;
        continue;
      }
      in_dev.ifa_list.splice(i, 1);
      rtmsg_ifa(net, RTM_DELADDR, ifa, nlh, portid);
      inetaddr_chain_call(NETDEV_DOWN, ifa, net);
    }
  }
  in_dev.ifa_list.splice(in_dev.ifa_list.indexOf(ifa1), 1);
  rtmsg_ifa(net, RTM_DELADDR, ifa1, nlh, portid);
  inetaddr_chain_call(NETDEV_DOWN, ifa1, net);
};

/** inetdev_event's NETDEV_UP for a loopback device: 127.0.0.1/8, scope host (EEXIST, silently, the second time) */
const inet_insert_loopback = (net: Net, dev: LinkDevice): void => {
  const ifa: InIfaddr = {
    dev,
    ifa_local: INADDR_LOOPBACK,
    ifa_address: INADDR_LOOPBACK,
    ifa_mask: inet_make_mask(8),
    ifa_prefixlen: 8,
    ifa_broadcast: 0,
    ifa_flags: IFA_F_PERMANENT,
    ifa_scope: RT_SCOPE_HOST,
    ifa_label: dev.name,
    ifa_rt_priority: 0,
    ifa_proto: 0,
  };
  __inet_insert_ifa(net, ifa, null, 0, {});
};

/** inetdev_changename: every label follows the device's name (the second and later keep ":N"), each announced */
const inetdev_changename = (net: Net, dev: LinkDevice): void => {
  let named = 0;
  for (const ifa of in_dev_get(dev).ifa_list) {
    const old = ifa.ifa_label;
    ifa.ifa_label = dev.name;
    if (named++ > 0) {
      const colon = old.indexOf(":");
      const dot = colon >= 0 ? old.slice(colon) : `:${named}`;
      ifa.ifa_label =
        dot.length + dev.name.length < IFNAMSIZ ? dev.name + dot : dev.name.slice(0, IFNAMSIZ - dot.length - 1) + dot;
    }
    rtmsg_ifa(net, RTM_NEWADDR, ifa, null, 0);
  }
};

/** The namespace's IPv4 addresses on every device (inet_lookup_ifaddr_rcu) */
export const inet_addr_local = (net: Net, addr: number): boolean => inet_lookup_ifaddr(net, addr) !== undefined;

const ipv4_addr_attr = (a: { data: Uint8Array } | undefined): number =>
  a === undefined ? 0 : ((a.data[0]! << 24) | (a.data[1]! << 16) | (a.data[2]! << 8) | a.data[3]!) >>> 0;

/**
 * rtm_to_ifaddr + inet_rtm_newaddr: RTM_NEWADDR. A new address is inserted (NLM_F_CREATE is not
 * required, as userspace relies on); an existing one is −EEXIST "ipv4: Address already assigned"
 * unless NLM_F_REPLACE without NLM_F_EXCL, which updates its metric and protocol and announces it
 * again. Finite lifetimes (IFA_CACHEINFO) are not modelled.
 */
const inet_rtm_newaddr: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, IFADDRMSG_SIZE, ifa_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const ifm = ifaddrmsg(nlh.msg);
  if (ifm.prefixlen > 32) {
    extack.msg = "ipv4: Invalid prefix length";
    return -ERRNO.EINVAL;
  }
  if (tb[IFA_LOCAL] === undefined) {
    extack.msg = "ipv4: Local address is not supplied";
    return -ERRNO.EINVAL;
  }
  const dev = __dev_get_by_index(net, ifm.index);
  if (dev === undefined) {
    extack.msg = "ipv4: Device not found";
    return -ERRNO.ENODEV;
  }
  const ci = tb[IFA_CACHEINFO];
  if (ci !== undefined) {
    const prefered = getU32(ci.data, 0);
    const valid = getU32(ci.data, 4);
    if (!valid || prefered > valid) {
      extack.msg = "ipv4: address lifetime invalid";
      return -ERRNO.EINVAL;
    }
    if (valid !== INFINITY_LIFE_TIME || prefered !== INFINITY_LIFE_TIME) {
      net.kernel?.printk(`${KERN_NOTICE}nlsim: IPv4 address lifetimes are not modelled (EOPNOTSUPP)`);
      return -ERRNO.EOPNOTSUPP;
    }
  }
  const local = ipv4_addr_attr(tb[IFA_LOCAL]);
  const ifa: InIfaddr = {
    dev,
    ifa_local: local,
    ifa_address: tb[IFA_ADDRESS] !== undefined ? ipv4_addr_attr(tb[IFA_ADDRESS]) : local,
    ifa_mask: inet_make_mask(ifm.prefixlen),
    ifa_prefixlen: ifm.prefixlen,
    ifa_broadcast: ipv4_addr_attr(tb[IFA_BROADCAST]),
    // set_ifa_lifetime: infinite lifetimes make the address permanent
    ifa_flags: ((tb[IFA_FLAGS] !== undefined ? getU32(tb[IFA_FLAGS]!.data, 0) : ifm.flags) & ~0x20) | IFA_F_PERMANENT,
    ifa_scope: ifm.scope,
    ifa_label: tb[IFA_LABEL] !== undefined ? attr_name(tb[IFA_LABEL]!) : dev.name,
    ifa_rt_priority: tb[IFA_RT_PRIORITY] !== undefined ? getU32(tb[IFA_RT_PRIORITY]!.data, 0) : 0,
    ifa_proto: tb[IFA_PROTO] !== undefined ? tb[IFA_PROTO]!.data[0]! : 0,
  };
  const in_dev = in_dev_get(dev);
  // find_matching_ifa
  const existing = in_dev.ifa_list.find(
    (i) => i.ifa_mask === ifa.ifa_mask && inet_ifa_match(i.ifa_address, ifa) && i.ifa_local === ifa.ifa_local,
  );
  if (existing === undefined) return __inet_insert_ifa(net, ifa, nlh, skb.cb.portid, extack);
  if (nlh.nlmsg_flags & NLM_F_EXCL || !(nlh.nlmsg_flags & NLM_F_REPLACE)) {
    extack.msg = "ipv4: Address already assigned";
    return -ERRNO.EEXIST;
  }
  if (existing.ifa_rt_priority !== ifa.ifa_rt_priority) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: changing an IPv4 prefix route's metric is not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  existing.ifa_proto = ifa.ifa_proto;
  rtmsg_ifa(net, RTM_NEWADDR, existing, nlh, skb.cb.portid);
  return 0;
};

/**
 * inet_rtm_deladdr: RTM_DELADDR. The first address of the device matching every given part
 * (IFA_LOCAL, IFA_LABEL, IFA_ADDRESS with the prefix length); "ipv4: Address not found" otherwise.
 */
const inet_rtm_deladdr: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, IFADDRMSG_SIZE, ifa_ipv4_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const ifm = ifaddrmsg(nlh.msg);
  const dev = __dev_get_by_index(net, ifm.index);
  if (dev === undefined) {
    extack.msg = "ipv4: Device not found";
    return -ERRNO.ENODEV;
  }
  const in_dev = in_dev_get(dev);
  for (let i = 0; i < in_dev.ifa_list.length; i++) {
    const ifa = in_dev.ifa_list[i]!;
    if (tb[IFA_LOCAL] !== undefined && ifa.ifa_local !== ipv4_addr_attr(tb[IFA_LOCAL])) continue;
    if (tb[IFA_LABEL] !== undefined && attr_name(tb[IFA_LABEL]!) !== ifa.ifa_label) continue;
    if (
      tb[IFA_ADDRESS] !== undefined &&
      (ifm.prefixlen !== ifa.ifa_prefixlen || !inet_ifa_match(ipv4_addr_attr(tb[IFA_ADDRESS]), ifa))
    )
      continue;
    __inet_del_ifa(net, in_dev, i, nlh, skb.cb.portid);
    return 0;
  }
  extack.msg = "ipv4: Address not found";
  return -ERRNO.EADDRNOTAVAIL;
};

/** devinet_init's handlers */
export const devinet_net_init = (net: Net): void => {
  register_netdevice_notifier(net, inetdev_event);
  rtnl_register(net, AF_INET_RT, RTM_NEWADDR, inet_rtm_newaddr, null);
  rtnl_register(net, AF_INET_RT, RTM_DELADDR, inet_rtm_deladdr, null);
  rtnl_register(net, AF_INET_RT, RTM_GETADDR, null, inet_dump_addr(RTM_GETADDR), RTNL_FLAG_DUMP_SPLIT_NLM_DONE);
  rtnl_register(net, AF_INET_RT, RTM_GETMULTICAST, null, inet_dump_addr(RTM_GETMULTICAST));
  rtnl_register(net, AF_INET_RT, RTM_GETNETCONF, inet_netconf_get_devconf, inet_netconf_dump_devconf);
};
