// net/ipv4/devinet.c (6.18), the part a fresh network namespace answers: the AF_INET address dumps
// (RTM_GETADDR, and RTM_GETMULTICAST since 6.15) with their request check
// (inet_valid_dump_ifaddr_req), and netconf (RTM_GETNETCONF do and dump,
// inet_netconf_fill_devconf) for lo, "all" and "default". lo is down, so it has no IPv4 address
// and has joined no group (ip_mc_up runs when a device comes up): both dumps are empty.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import {
  ERRNO,
  getS32,
  type NetlinkExtAck,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_S32,
  NLA_STRING,
  NLA_U8,
  NLA_U32,
  NLM_F_DUMP_FILTERED,
  NLM_F_MULTI,
  NLMSG_ALIGN,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
  putU32,
} from "../../uapi/index.js";
import {
  AF_INET_RT,
  IFADDRMSG_SIZE,
  IFNAMSIZ,
  NETCONFMSG_SIZE,
  RTM_DELMULTICAST,
  RTM_DELNETCONF,
  RTM_GETADDR,
  RTM_GETMULTICAST,
  RTM_GETNETCONF,
  RTM_NEWMULTICAST,
  RTM_NEWNETCONF,
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
import type { NetlinkCallback } from "../netlink/dump.js";
import { nla_put, nla_put_u32, nlmsg_cancel, nlmsg_data, nlmsg_end, nlmsg_new, nlmsg_put } from "../netlink/nlmsg.js";
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
      const n = type === RTM_GETMULTICAST ? in_dev_get(dev).mc_list.length : (inetdev_hooks.count?.(dev) ?? 0);
      for (let i = cb.args[1]!; i < n; i++) {
        const err =
          type === RTM_GETMULTICAST
            ? inet_fill_ifmcaddr(skb, dev, in_dev_get(dev).mc_list[i]!, cb.skb.cb.portid, cb.nlh.nlmsg_seq, type, flags)
            : inetdev_hooks.fill!(skb, dev, i, cb.skb.cb.portid, cb.nlh.nlmsg_seq, flags);
        if (err < 0) return skb.len || err;
        cb.args[1] = i + 1;
      }
      cb.args[0] = dev.ifindex + 1;
      cb.args[1] = 0;
    }
    return skb.len;
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

/** struct in_device, the part the model keeps: the joined groups (ip_mc_up / ip_mc_down) */
interface InDevice {
  mc_list: number[];
}
const in_devices = new WeakMap<LinkDevice, InDevice>();

/** __in_dev_get_rtnl(dev) (made on first use: inetdev_init at registration) */
export const in_dev_get = (dev: LinkDevice): InDevice => {
  let d = in_devices.get(dev);
  if (d === undefined) {
    d = { mc_list: [] };
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

/** The hooks the address part of this file (devinet_ifa.ts) adds to inetdev_event. */
export interface InetdevHooks {
  /** NETDEV_UP before ip_mc_up (lo gets 127.0.0.1/8) */
  up?: (net: Net, dev: LinkDevice) => void;
  /** NETDEV_CHANGENAME before the sysctls are re-registered (inetdev_changename) */
  changename?: (net: Net, dev: LinkDevice) => void;
  /** NETDEV_UNREGISTER before the sysctls go (inetdev_destroy's address removal) */
  unregister?: (net: Net, dev: LinkDevice) => void;
  /** the device's address count, and inet_fill_ifaddr of the i-th (RTM_GETADDR dumps) */
  count?: (dev: LinkDevice) => number;
  fill?: (skb: SkBuff, dev: LinkDevice, i: number, portid: number, seq: number, flags: number) => number;
}
export const inetdev_hooks: InetdevHooks = {};

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
      inetdev_hooks.up?.(net, dev);
      ip_mc_up(net, dev);
      return;
    case NETDEV_DOWN:
      ip_mc_down(net, dev);
      return;
    case NETDEV_CHANGENAME:
      inetdev_hooks.changename?.(net, dev);
      inet_netconf_notify_devconf(net, RTM_DELNETCONF, dev);
      inet_netconf_notify_devconf(net, RTM_NEWNETCONF, dev);
      return;
    case NETDEV_UNREGISTER:
      inetdev_hooks.unregister?.(net, dev);
      in_dev_get(dev).mc_list = [];
      inet_netconf_notify_devconf(net, RTM_DELNETCONF, dev);
      return;
  }
};

/** devinet_init's handlers */
export const devinet_net_init = (net: Net): void => {
  register_netdevice_notifier(net, inetdev_event);
  rtnl_register(net, AF_INET_RT, RTM_GETADDR, null, inet_dump_addr(RTM_GETADDR), RTNL_FLAG_DUMP_SPLIT_NLM_DONE);
  rtnl_register(net, AF_INET_RT, RTM_GETMULTICAST, null, inet_dump_addr(RTM_GETMULTICAST));
  rtnl_register(net, AF_INET_RT, RTM_GETNETCONF, inet_netconf_get_devconf, inet_netconf_dump_devconf);
};
