// net/ipv6/addrconf.c (6.18), the part a fresh network namespace answers: the AF_INET6 address
// dumps (inet6_dump_addr for RTM_GETADDR, RTM_GETMULTICAST and RTM_GETANYCAST, with
// inet6_valid_dump_ifaddr_req), netconf (RTM_GETNETCONF do and dump), and the AF_INET6 link dump
// (inet6_dump_ifinfo, inet6_fill_ifinfo). lo is down: no unicast or anycast address, and the two
// groups ipv6_add_dev joins at registration, ff02::1 and ff01::1.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  NLA_S32,
  NLA_U8,
  NLA_U32,
  NLM_F_DUMP_FILTERED,
  NLM_F_MULTI,
  type NlaPolicySet,
  nlaPolicy,
  putU16,
  putU32,
} from "../../uapi/index.js";
import {
  AF_INET6,
  IF_OPER_DOWN,
  IFADDRMSG_SIZE,
  IFF_LOOPBACK,
  IFINFOMSG_SIZE,
  IFLA_ADDRESS,
  IFLA_IFNAME,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_PROTINFO,
  RTM_DELADDR,
  RTM_DELMULTICAST,
  RTM_DELNETCONF,
  RTM_GETADDR,
  RTM_GETANYCAST,
  RTM_GETLINK,
  RTM_GETMULTICAST,
  RTM_GETNETCONF,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWMULTICAST,
  RTM_NEWNETCONF,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_IPV6_IFINFO,
  RTNLGRP_IPV6_MCADDR,
  RTNLGRP_IPV6_NETCONF,
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
  inet6_fill_link_af,
  nlmsg_len,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_notify,
  rtnl_register,
  rtnl_unicast,
  skb_net,
  u32s,
} from "../core/rtnetlink.js";
import {
  IFA_ADDRESS,
  IFA_CACHEINFO,
  IFA_FLAGS,
  IFA_LOCAL,
  IFA_MAX,
  IFA_MULTICAST,
  IFA_PROTO,
  IFA_RT_PRIORITY,
  IFA_TARGET_NETNSID,
  NETCONFA_FORWARDING,
  NETCONFA_IFINDEX,
  NETCONFA_IFINDEX_ALL,
  NETCONFA_IFINDEX_DEFAULT,
  NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN,
  NETCONFA_MAX,
  NETCONFA_PROXY_NEIGH,
  netconf_dump,
  netconf_entries,
  netconf_valid_get_req,
  valid_dump_ifaddr_req,
} from "../ipv4/devinet.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import {
  nla_nest_end,
  nla_nest_start_noflag,
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
import {
  ip6_del_rt,
  ip6_ins_rt,
  RTF_LOCAL,
  RTF_NONEXTHOP,
  RTF_UP,
  type Rt6Info,
  rt6_set_chk_addr,
  rt6_sync_down_dev,
} from "./route.js";

/** IFA_F_PERMANENT */
const IFA_F_PERMANENT = 0x80;
/** INFINITY_LIFE_TIME */
const INFINITY_LIFE_TIME = 0xffffffff;

// DEVCONF_* indices into idev->cnf (ipv6_store_devconf order)
const DEVCONF_FORWARDING = 0;
const DEVCONF_MTU6 = 2;
const DEVCONF_PROXY_NDP = 22;
const DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN = 39;

/** ifa_ipv6_policy */
const ifa_ipv6_policy: NlaPolicySet = nlaPolicy(IFA_MAX, {
  [IFA_ADDRESS]: { type: 0, len: 16 },
  [IFA_LOCAL]: { type: 0, len: 16 },
  [IFA_CACHEINFO]: { type: 0, len: 16 },
  [IFA_FLAGS]: { type: NLA_U32 },
  [IFA_RT_PRIORITY]: { type: NLA_U32 },
  [IFA_TARGET_NETNSID]: { type: NLA_S32 },
  [IFA_PROTO]: { type: NLA_U8 },
});

/** devconf_ipv6_policy */
const devconf_ipv6_policy: NlaPolicySet = nlaPolicy(NETCONFA_MAX, {
  [NETCONFA_IFINDEX]: { type: 0, len: 4 },
  [NETCONFA_FORWARDING]: { type: 0, len: 4 },
  [NETCONFA_PROXY_NEIGH]: { type: 0, len: 4 },
  [NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN]: { type: 0, len: 4 },
});

/** ff02::1 (all nodes, link-local) and ff01::1 (interface-local): idev->mc_list of a new device */
const LO_MC_LIST: ReadonlyArray<Uint8Array> = [
  Uint8Array.of(0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
  Uint8Array.of(0xff, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
];

/** inet6_fill_ifmcaddr: {128, IFA_F_PERMANENT, RT_SCOPE_UNIVERSE, ifindex}, IFA_MULTICAST, IFA_CACHEINFO */
const inet6_fill_ifmcaddr = (
  skb: SkBuff,
  dev: LinkDevice,
  addr: Uint8Array,
  portid: number,
  seq: number,
  event: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, IFADDRMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ifm = nlmsg_data(nlh);
  skb.head[ifm] = AF_INET6;
  skb.head[ifm + 1] = 128;
  skb.head[ifm + 2] = IFA_F_PERMANENT;
  skb.head[ifm + 3] = 0;
  putU32(skb.head, ifm + 4, dev.ifindex);
  // put_cacheinfo(mca_cstamp, mca_tstamp, INFINITY, INFINITY): the group was joined when the
  // device registered, the time IFLA_INET6_CACHEINFO reports
  const stamp = dev.inet6_cacheinfo[1];
  if (
    nla_put(skb, IFA_MULTICAST, addr) ||
    nla_put(skb, IFA_CACHEINFO, u32s([INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, stamp, stamp]))
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/**
 * inet6_dump_addr(skb, cb, type): lo has no unicast or anycast address; its multicast list is
 * LO_MC_LIST. cb->args[0] is the next device, cb->args[1] the next entry of it. 0 when all are in.
 */
const inet6_dump_addr =
  (type: number): RtnlDumpitFunc =>
  (skb, cb) => {
    const net = skb_net(cb.skb);
    if (net === undefined) return -ERRNO.EINVAL;
    let flags = NLM_F_MULTI;
    let devs = for_each_netdev(net);
    if (cb.strict_check) {
      const ifindex = valid_dump_ifaddr_req(cb, "ipv6: ", ifa_ipv6_policy);
      if (ifindex < 0) return ifindex;
      if (ifindex) {
        const dev = __dev_get_by_index(net, ifindex);
        if (dev === undefined) return -ERRNO.ENODEV;
        flags |= NLM_F_DUMP_FILTERED;
        devs = [dev];
      }
    }
    if (type === RTM_GETANYCAST) return 0;
    for (const dev of devs) {
      if (type === RTM_GETADDR) {
        if (dev.ifindex < cb.args[0]!) continue;
        cb.args[0] = dev.ifindex;
        const addrs = inet6_addrs.get(dev) ?? [];
        for (let i = cb.args[1]!; i < addrs.length; i++) {
          const err = inet6_fill_ifaddr(skb, addrs[i]!, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWADDR, flags);
          if (err < 0) return skb.len || err;
          cb.args[1] = i + 1;
        }
        cb.args[0] = dev.ifindex + 1;
        cb.args[1] = 0;
        continue;
      }
      if (dev.ifindex < cb.args[0]!) continue;
      cb.args[0] = dev.ifindex;
      const list = dev.inet6 ? LO_MC_LIST : [];
      for (let i = cb.args[1]!; i < list.length; i++) {
        const err = inet6_fill_ifmcaddr(
          skb,
          dev,
          list[i]!,
          cb.skb.cb.portid,
          cb.nlh.nlmsg_seq,
          RTM_GETMULTICAST,
          flags,
        );
        if (err < 0) return skb.len || err;
        cb.args[1] = i + 1;
      }
      cb.args[0] = dev.ifindex + 1;
      cb.args[1] = 0;
    }
    return 0;
  };

/**
 * inet6_netconf_fill_devconf(..., NETCONFA_ALL): no NETCONFA_MC_FORWARDING without
 * CONFIG_IPV6_MROUTE. RTM_DELNETCONF (type 0) carries the index alone.
 */
const inet6_netconf_fill_devconf = (
  skb: SkBuff,
  ifindex: number,
  cnf: ReadonlyArray<number>,
  portid: number,
  seq: number,
  flags: number,
  event = RTM_NEWNETCONF,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, 1, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  skb.head[nlmsg_data(nlh)] = AF_INET6;
  const puts: ReadonlyArray<readonly [number, number]> =
    event !== RTM_NEWNETCONF
      ? [[NETCONFA_IFINDEX, ifindex]]
      : [
          [NETCONFA_IFINDEX, ifindex],
          [NETCONFA_FORWARDING, cnf[DEVCONF_FORWARDING] ?? 0],
          [NETCONFA_PROXY_NEIGH, cnf[DEVCONF_PROXY_NDP] ?? 0],
          [NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, cnf[DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN] ?? 0],
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

/** net->ipv6.devconf_all / devconf_dflt: in a new namespace both start as lo's does */
const devconf6_all_default = (net: Net): ReadonlyArray<number> | undefined => __dev_get_by_index(net, 1)?.ipv6_devconf;

const inet6_netconf_dump_devconf: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  const all = net === undefined ? undefined : devconf6_all_default(net);
  if (net === undefined || all === undefined) return 0;
  return netconf_dump(
    skb,
    cb,
    "ipv6: ",
    netconf_entries(
      for_each_netdev(net).filter((d) => d.inet6),
      (d) => d.ipv6_devconf,
      all,
    ),
    inet6_netconf_fill_devconf,
  );
};

/** inet6_netconf_get_devconf: RTM_GETNETCONF do for AF_INET6 */
const inet6_netconf_get_devconf: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const req = netconf_valid_get_req(skb, nlh, extack, "ipv6: ", devconf_ipv6_policy);
  if (typeof req === "number") return req;
  const cnf =
    req.ifindex === NETCONFA_IFINDEX_ALL || req.ifindex === NETCONFA_IFINDEX_DEFAULT
      ? devconf6_all_default(net)
      : __dev_get_by_index(net, req.ifindex)?.ipv6_devconf;
  // a device without IPv6 (registered with an MTU below 1280) has no inet6_dev: ENODEV too
  if (cnf === undefined) return -ERRNO.ENODEV;
  const nskb = nlmsg_new(128, GFP_ATOMIC);
  const err = inet6_netconf_fill_devconf(nskb, req.ifindex, cnf, skb.cb.portid, nlh.nlmsg_seq, 0);
  if (err < 0) {
    kfree_skb(nskb);
    return err;
  }
  return rtnl_unicast(nskb, net, skb.cb.portid);
};

/** inet6_fill_ifinfo: RTM_NEWLINK (AF_INET6) with IFLA_PROTINFO holding the inet6 link attributes */
const inet6_fill_ifinfo = (skb: SkBuff, dev: LinkDevice, portid: number, seq: number, flags: number): number => {
  const nlh = nlmsg_put(skb, portid, seq, RTM_NEWLINK, IFINFOMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const h = nlmsg_data(nlh);
  const b = skb.head;
  b[h] = AF_INET6;
  b[h + 1] = 0;
  putU16(b, h + 2, dev.type);
  putU32(b, h + 4, dev.ifindex);
  putU32(b, h + 8, dev.flags);
  putU32(b, h + 12, 0);
  const fail = (): number => {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  };
  // IFLA_MTU is idev->cnf.mtu6; IFLA_OPERSTATE is IF_OPER_DOWN while the device is not running
  const mtu6 = dev.ipv6_devconf[2] ?? dev.mtu;
  if (
    nla_put_string(skb, IFLA_IFNAME, dev.name) ||
    (dev.dev_addr.length > 0 && nla_put(skb, IFLA_ADDRESS, dev.dev_addr)) ||
    nla_put_u32(skb, IFLA_MTU, mtu6 >>> 0) ||
    nla_put_u8(skb, IFLA_OPERSTATE, dev.flags & 1 /* IFF_UP */ ? dev.operstate : IF_OPER_DOWN)
  )
    return fail();
  const protoinfo = nla_nest_start_noflag(skb, IFLA_PROTINFO);
  if (protoinfo === null) return fail();
  if (inet6_fill_link_af(skb, dev) < 0) return fail();
  nla_nest_end(skb, protoinfo);
  nlmsg_end(skb, nlh);
  return 0;
};

/** inet6_valid_dump_ifinfo: a strict AF_INET6 link dump is a bare, all-zero ifinfomsg */
const inet6_valid_dump_ifinfo = (cb: NetlinkCallback): number => {
  const extack = cb.extack ?? {};
  const len = nlmsg_len(cb.nlh);
  if (len < IFINFOMSG_SIZE) {
    extack.msg = "ipv6: Invalid header for link dump request";
    return -ERRNO.EINVAL;
  }
  if (len > IFINFOMSG_SIZE) {
    extack.msg = "ipv6: Invalid data after header";
    return -ERRNO.EINVAL;
  }
  // __ifi_pad, ifi_type, ifi_index, ifi_flags, ifi_change
  if (cb.nlh.msg.subarray(17, 32).some((x) => x !== 0)) {
    extack.msg = "ipv6: Invalid values in header for dump request";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/** inet6_dump_ifinfo: RTM_GETLINK dump for AF_INET6, cb->args[0] the next ifindex */
const inet6_dump_ifinfo: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  if (cb.strict_check) {
    const err = inet6_valid_dump_ifinfo(cb);
    if (err < 0) return err;
  }
  for (const dev of for_each_netdev(net)) {
    if (dev.ifindex < cb.args[0]! || !dev.inet6) continue;
    const err = inet6_fill_ifinfo(skb, dev, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI);
    if (err < 0) return skb.len || err;
    cb.args[0] = dev.ifindex + 1;
  }
  return 0;
};

/** struct inet6_ifaddr, the kernel's own one for lo (::1) */
interface Inet6Ifaddr {
  readonly dev: LinkDevice;
  readonly addr: Uint8Array;
  readonly prefix_len: number;
  readonly flags: number;
  /** the rtnetlink scope (rt_scope(ifa->scope)) */
  readonly scope: number;
  readonly proto: number;
  /** its local route (ifp->rt) */
  readonly rt: Rt6Info;
}
/** idev->addr_list */
const inet6_addrs = new WeakMap<LinkDevice, Inet6Ifaddr[]>();

/** IF_READY in idev->if_flags */
const IF_READY = 0x80000000;
/** IFAPROT_KERNEL_LO: the address init_loopback adds */
const IFAPROT_KERNEL_LO = 1;

/** inet6_fill_ifaddr: ifaddrmsg, IFA_ADDRESS, IFA_CACHEINFO (forever; stamps 0 here), IFA_FLAGS, IFA_PROTO */
const inet6_fill_ifaddr = (
  skb: SkBuff,
  ifa: Inet6Ifaddr,
  portid: number,
  seq: number,
  event: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, IFADDRMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ifm = nlmsg_data(nlh);
  skb.head[ifm] = AF_INET6;
  skb.head[ifm + 1] = ifa.prefix_len;
  skb.head[ifm + 2] = ifa.flags & 0xff;
  skb.head[ifm + 3] = ifa.scope;
  putU32(skb.head, ifm + 4, ifa.dev.ifindex);
  if (
    nla_put(skb, IFA_ADDRESS, ifa.addr) ||
    nla_put(skb, IFA_CACHEINFO, u32s([INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, 0, 0])) ||
    nla_put_u32(skb, IFA_FLAGS, ifa.flags) ||
    (ifa.proto && nla_put_u8(skb, IFA_PROTO, ifa.proto))
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** inet6_ifa_notify(event, ifa): to RTNLGRP_IPV6_IFADDR */
const inet6_ifa_notify = (net: Net, event: number, ifa: Inet6Ifaddr): void => {
  const skb = nlmsg_new(128, GFP_ATOMIC);
  if (inet6_fill_ifaddr(skb, ifa, 0, 0, event, 0) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV6_IFADDR, null);
};

/** inet6_ifinfo_notify(RTM_NEWLINK, idev): to RTNLGRP_IPV6_IFINFO */
const inet6_ifinfo_notify = (net: Net, dev: LinkDevice): void => {
  const skb = nlmsg_new(1024, GFP_ATOMIC);
  if (inet6_fill_ifinfo(skb, dev, 0, 0, 0) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV6_IFINFO, null);
};

/**
 * addrconf_notify's NETDEV_UP: the device is IF_READY; lo gets ::1/128 (init_loopback → add_addr:
 * RTM_NEWADDR, then its local route, ip6_ins_rt), then RTM_NEWLINK to RTNLGRP_IPV6_IFINFO. Other
 * devices' autoconfiguration (link-local address, DAD, router solicitation, MLD) is not modelled.
 */
const addrconf_dev_up = (net: Net, dev: LinkDevice): void => {
  if (!dev.inet6 || dev.inet6_flags & IF_READY) return;
  dev.inet6_flags |= IF_READY;
  if (!(dev.flags & IFF_LOOPBACK)) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: IPv6 autoconfiguration of ${dev.name} is not modelled`);
    return;
  }
  const addr = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
  const rt: Rt6Info = {
    dst: addr,
    dst_len: 128,
    table: 255,
    protocol: 2,
    type: 2,
    metric: 0,
    dev,
    flags: RTF_UP | RTF_NONEXTHOP | RTF_LOCAL,
    prefsrc: null,
  };
  const ifa: Inet6Ifaddr = {
    dev,
    addr,
    prefix_len: 128,
    flags: IFA_F_PERMANENT,
    scope: 254,
    proto: IFAPROT_KERNEL_LO,
    rt,
  };
  inet6_addrs.set(dev, [ifa]);
  inet6_ifa_notify(net, RTM_NEWADDR, ifa);
  ip6_ins_rt(net, rt);
  inet6_ifinfo_notify(net, dev);
};

/** addrconf_ifdown(dev, false) on NETDEV_DOWN: each address's route, then the address, leave; IF_READY clears */
const addrconf_ifdown = (net: Net, dev: LinkDevice): void => {
  if (!dev.inet6) return;
  rt6_sync_down_dev(net, dev);
  for (const ifa of inet6_addrs.get(dev) ?? []) {
    ip6_del_rt(net, ifa.rt);
    inet6_ifa_notify(net, RTM_DELADDR, ifa);
  }
  inet6_addrs.delete(dev);
  dev.inet6_flags &= ~IF_READY;
};

/** IPV6_MIN_MTU: ipv6_add_dev refuses a device with a smaller MTU (it gets no inet6_dev) */
const IPV6_MIN_MTU = 1280;

/** inet6_netconf_notify_devconf(net, event, NETCONFA_ALL, ifindex, devconf): to RTNLGRP_IPV6_NETCONF */
const inet6_netconf_notify_devconf = (net: Net, event: number, dev: LinkDevice): void => {
  const skb = nlmsg_new(128, GFP_ATOMIC);
  if (inet6_netconf_fill_devconf(skb, dev.ifindex, dev.ipv6_devconf, 0, 0, 0, event) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV6_NETCONF, null);
};

/** inet6_ifmcaddr_notify(dev, ifmca, event): to RTNLGRP_IPV6_MCADDR */
const inet6_ifmcaddr_notify = (net: Net, dev: LinkDevice, addr: Uint8Array, event: number): void => {
  const skb = nlmsg_new(128, GFP_ATOMIC);
  if (inet6_fill_ifmcaddr(skb, dev, addr, 0, 0, event, 0) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV6_MCADDR, null);
};

/**
 * addrconf_notify, the device's life: NETDEV_REGISTER attaches IPv6 (ipv6_add_dev: the netconf
 * announcement, then ff01::1 and ff02::1 joined, each announced) unless the MTU is below 1280;
 * NETDEV_CHANGENAME re-registers the sysctls (RTM_DELNETCONF, RTM_NEWNETCONF); NETDEV_UNREGISTER
 * (addrconf_ifdown, ipv6_mc_destroy_dev) announces leaving ff02::1 — not ff01::1, as 6.18 does
 * [live] — then RTM_DELNETCONF.
 */
const addrconf_notify: NetdevNotifier = (event, dev, net) => {
  switch (event) {
    case NETDEV_REGISTER:
      if (dev.mtu < IPV6_MIN_MTU) {
        dev.inet6 = false;
        return;
      }
      dev.inet6 = true;
      dev.ipv6_devconf = dev.ipv6_devconf.map((v, i) => (i === DEVCONF_MTU6 ? dev.mtu : v));
      inet6_netconf_notify_devconf(net, RTM_NEWNETCONF, dev);
      inet6_ifmcaddr_notify(net, dev, LO_MC_LIST[1]!, RTM_NEWMULTICAST);
      inet6_ifmcaddr_notify(net, dev, LO_MC_LIST[0]!, RTM_NEWMULTICAST);
      return;
    case NETDEV_UP:
      addrconf_dev_up(net, dev);
      return;
    case NETDEV_DOWN:
      addrconf_ifdown(net, dev);
      return;
    case NETDEV_CHANGENAME:
      if (!dev.inet6) return;
      inet6_netconf_notify_devconf(net, RTM_DELNETCONF, dev);
      inet6_netconf_notify_devconf(net, RTM_NEWNETCONF, dev);
      return;
    case NETDEV_UNREGISTER:
      if (!dev.inet6) return;
      rt6_sync_down_dev(net, dev);
      inet6_ifmcaddr_notify(net, dev, LO_MC_LIST[0]!, RTM_DELMULTICAST);
      inet6_netconf_notify_devconf(net, RTM_DELNETCONF, dev);
      return;
  }
};

/**
 * ipv6_chk_addr(net, addr, dev, 0): the address is assigned in the namespace, on `dev` or, when
 * its scope is wider than link, on any device
 */
const ipv6_chk_addr = (net: Net, addr: Uint8Array, dev: LinkDevice | undefined): boolean =>
  for_each_netdev(net).some((d) =>
    (inet6_addrs.get(d) ?? []).some(
      (i) => i.addr.every((x, k) => x === addr[k]) && (dev === undefined || d === dev || i.scope < 253),
    ),
  );

/** addrconf_init's handlers */
export const addrconf_net_init = (net: Net): void => {
  rt6_set_chk_addr(ipv6_chk_addr);
  register_netdevice_notifier(net, addrconf_notify);
  rtnl_register(net, AF_INET6, RTM_GETLINK, null, inet6_dump_ifinfo);
  rtnl_register(net, AF_INET6, RTM_GETADDR, null, inet6_dump_addr(RTM_GETADDR));
  rtnl_register(net, AF_INET6, RTM_GETMULTICAST, null, inet6_dump_addr(RTM_GETMULTICAST));
  rtnl_register(net, AF_INET6, RTM_GETANYCAST, null, inet6_dump_addr(RTM_GETANYCAST));
  rtnl_register(net, AF_INET6, RTM_GETNETCONF, inet6_netconf_get_devconf, inet6_netconf_dump_devconf);
};
