// net/ipv6/addrconf.c (6.18): IPv6 addresses through rtnetlink (inet6_rtm_newaddr with
// inet6_addr_add / ipv6_add_addr and inet6_addr_modify for NLM_F_REPLACE, inet6_rtm_deladdr with
// inet6_addr_del / ipv6_del_addr, inet6_rtm_getaddr), the routes they bring (the prefix route in
// main unless IFA_F_NOPREFIXROUTE, the local route in local once DAD is done, ff00::/8 on a device
// other than lo) and their announcements to RTNLGRP_IPV6_IFADDR (__ipv6_ifa_notify); the device's
// life (addrconf_notify: ::1 on lo, the EUI-64 link-local address of an Ethernet device,
// addrconf_permanent_addr on up, addrconf_ifdown on down and unregister); the AF_INET6 address
// dumps (inet6_dump_addr for RTM_GETADDR, RTM_GETMULTICAST and RTM_GETANYCAST, with
// inet6_valid_dump_ifaddr_req), netconf (RTM_GETNETCONF do and dump), and the AF_INET6 link dump
// (inet6_dump_ifinfo, inet6_fill_ifinfo). DAD is addrconf_dad_work queued behind rtnl: it completes
// at once on lo and IFF_NOARP devices (ifb), the only ones the model has; probing is not modelled.
// Nor are temporary addresses (use_tempaddr is -1 on lo, 0 on a new device), peer addresses,
// IFA_F_MCAUTOJOIN and lifetimes that expire (refused, logged), or keep_addr_on_down.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_S32,
  NLA_U8,
  NLM_F_DUMP_FILTERED,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  type NlaPolicySet,
  nlaPolicy,
  putU16,
  putU32,
} from "../../uapi/index.js";
import {
  AF_INET6,
  ARPHRD_ETHER,
  IF_OPER_DOWN,
  IFADDRMSG_SIZE,
  IFF_LOOPBACK,
  IFF_NOARP,
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
  type IflaTb,
  inet6_fill_link_af,
  netlink_strict_get_check,
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_notify,
  rtnl_queue_work,
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
  ifaddrmsg,
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
import { RTN_LOCAL, RTN_UNICAST } from "../ipv4/fib_semantics.js";
import type { Nlmsghdr } from "../netlink/ack.js";
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
import { ipv6_addr_label } from "./addrlabel.js";
import {
  addrconf_get_prefix_route,
  fib6_info_linked,
  IN6ADDR_LOOPBACK,
  ip6_del_rt,
  ip6_ins_rt,
  ip6_route_add,
  ipv6_addr_equal,
  ipv6_addr_prefix,
  KERNEL_INFO,
  RT6_TABLE_LOCAL,
  RT6_TABLE_MAIN,
  RTF_LOCAL,
  RTF_NONEXTHOP,
  RTF_UP,
  type Rt6Info,
  rt6_remove_prefsrc,
  rt6_set_chk_addr,
  rt6_set_get_saddr,
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
const DEVCONF_ACCEPT_DAD = 27;
const DEVCONF_IGNORE_ROUTES_WITH_LINKDOWN = 39;

/** ifa_ipv6_policy: IFA_FLAGS and IFA_RT_PRIORITY are NLA_UNSPEC with a minimum length (no policy in the extack) */
const ifa_ipv6_policy: NlaPolicySet = nlaPolicy(IFA_MAX, {
  [IFA_ADDRESS]: { type: 0, len: 16 },
  [IFA_LOCAL]: { type: 0, len: 16 },
  [IFA_CACHEINFO]: { type: 0, len: 16 },
  [IFA_FLAGS]: { type: 0, len: 4 },
  [IFA_RT_PRIORITY]: { type: 0, len: 4 },
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
    const now = now_jiffies(net);
    for (const dev of devs) {
      if (type === RTM_GETADDR) {
        if (dev.ifindex < cb.args[0]!) continue;
        cb.args[0] = dev.ifindex;
        const addrs = inet6_addrs.get(dev) ?? [];
        for (let i = cb.args[1]!; i < addrs.length; i++) {
          const err = inet6_fill_ifaddr(skb, addrs[i]!, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWADDR, flags, now);
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

// IFA_F_* (include/uapi/linux/if_addr.h)
const IFA_F_TEMPORARY = 0x01;
const IFA_F_NODAD = 0x02;
const IFA_F_OPTIMISTIC = 0x04;
const IFA_F_DADFAILED = 0x08;
const IFA_F_HOMEADDRESS = 0x10;
const IFA_F_DEPRECATED = 0x20;
const IFA_F_TENTATIVE = 0x40;
const IFA_F_MANAGETEMPADDR = 0x100;
const IFA_F_NOPREFIXROUTE = 0x200;
const IFA_F_MCAUTOJOIN = 0x400;

// the address scopes of ipv6_addr_type (IPV6_ADDR_LOOPBACK, _LINKLOCAL, _SITELOCAL), net/ipv6.h's IFA_*
const IFA_HOST = 0x10;
const IFA_LINK = 0x20;
const IFA_SITE = 0x40;

// INET6_IFADDR_STATE_*
const INET6_IFADDR_STATE_PREDAD = 0;
const INET6_IFADDR_STATE_DAD = 1;
const INET6_IFADDR_STATE_DEAD = 4;

/** IP6_RT_PRIO_ADDRCONF: the metric of addrconf's prefix and multicast routes */
const IP6_RT_PRIO_ADDRCONF = 256;
/** RTPROT_KERNEL */
const RTPROT_KERNEL = 2;
/** RTN_MULTICAST */
const RTN_MULTICAST = 5;

/** struct inet6_ifaddr */
interface Inet6Ifaddr {
  readonly dev: LinkDevice;
  readonly addr: Uint8Array;
  readonly prefix_len: number;
  /** IFA_F_* */
  flags: number;
  /** ipv6_addr_scope: IFA_HOST, IFA_LINK, IFA_SITE or 0 */
  readonly scope: number;
  rt_priority: number;
  valid_lft: number;
  prefered_lft: number;
  /** jiffies at creation and at the last change of the lifetimes */
  readonly cstamp: number;
  tstamp: number;
  ifa_proto: number;
  /** its local route (ifp->rt) */
  rt: Rt6Info | null;
  /** INET6_IFADDR_STATE_* */
  state: number;
}
/** idev->addr_list: by scope, the widest first; within one scope the newest first */
const inet6_addrs = new WeakMap<LinkDevice, Inet6Ifaddr[]>();
const addr_list = (dev: LinkDevice): Inet6Ifaddr[] => {
  let l = inet6_addrs.get(dev);
  if (l === undefined) {
    l = [];
    inet6_addrs.set(dev, l);
  }
  return l;
};

/**
 * inet6_addr_lst: every address of the namespace, the newest first (hlist_add_head_rcu into one
 * hash bucket per address: the model keeps one list, and the kernel's lookups by address
 * only ever walk one bucket, in this order)
 */
const inet6_addr_lst = new WeakMap<Net, Inet6Ifaddr[]>();
const addr_lst = (net: Net): Inet6Ifaddr[] => {
  let l = inet6_addr_lst.get(net);
  if (l === undefined) {
    l = [];
    inet6_addr_lst.set(net, l);
  }
  return l;
};
/** hlist_del_init_rcu(&ifp->addr_lst) */
const addr_lst_del = (net: Net, ifp: Inet6Ifaddr): void => {
  const l = addr_lst(net);
  const i = l.indexOf(ifp);
  if (i >= 0) l.splice(i, 1);
};

/** IF_READY in idev->if_flags */
const IF_READY = 0x80000000;
/** IFAPROT_KERNEL_LO: the address init_loopback adds */
const IFAPROT_KERNEL_LO = 1;
/** IFAPROT_KERNEL_LL: the link-local address addrconf_addr_gen adds */
const IFAPROT_KERNEL_LL = 3;

/** the host's jiffies (0 without a kernel, as in the unit tests' bare namespaces) */
const now_jiffies = (net: Net): number => (net.kernel === undefined ? 0 : Math.floor(net.kernel.host.now() / 1e6));
/** cstamp_delta: hundredths of a second since boot (HZ 1000, jiffies from 0 in the model) */
const cstamp_delta = (j: number): number => Math.floor(j / 10) >>> 0;

const is_any = (a: Uint8Array): boolean => a.every((x) => x === 0);
const is_loopback = (a: Uint8Array): boolean => ipv6_addr_equal(a, IN6ADDR_LOOPBACK);

/** ipv6_addr_scope(addr) for a unicast address: IFA_HOST (::1), IFA_LINK (fe80::/10), IFA_SITE (fec0::/10), 0 */
const ipv6_addr_scope = (a: Uint8Array): number => {
  if (is_loopback(a)) return IFA_HOST;
  if (a[0] === 0xfe && (a[1]! & 0xc0) === 0x80) return IFA_LINK;
  if (a[0] === 0xfe && (a[1]! & 0xc0) === 0xc0) return IFA_SITE;
  return 0;
};

/** ipv6_addr_src_scope: IPV6_ADDR_SCOPE_LINKLOCAL (2) for ::1 and fe80::/10, SITELOCAL (5), GLOBAL (0xe) */
const ipv6_addr_src_scope = (a: Uint8Array): number => {
  const s = ipv6_addr_scope(a);
  return s === IFA_HOST || s === IFA_LINK ? 2 : s === IFA_SITE ? 5 : 0xe;
};

/** rt_scope(ifa_scope): the rtnetlink scope of an address */
const rt_scope = (s: number): number =>
  s & IFA_HOST ? 254 /* RT_SCOPE_HOST */ : s & IFA_LINK ? 253 /* RT_SCOPE_LINK */ : s & IFA_SITE ? 200 : 0;

/** inet6_fill_ifaddr: ifaddrmsg, IFA_ADDRESS, IFA_RT_PRIORITY, IFA_CACHEINFO, IFA_FLAGS, IFA_PROTO */
const inet6_fill_ifaddr = (
  skb: SkBuff,
  ifa: Inet6Ifaddr,
  portid: number,
  seq: number,
  event: number,
  flags: number,
  now: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, event, IFADDRMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ifm = nlmsg_data(nlh);
  skb.head[ifm] = AF_INET6;
  skb.head[ifm + 1] = ifa.prefix_len;
  skb.head[ifm + 2] = ifa.flags & 0xff;
  skb.head[ifm + 3] = rt_scope(ifa.scope);
  putU32(skb.head, ifm + 4, ifa.dev.ifindex);
  let preferred = INFINITY_LIFE_TIME;
  let valid = INFINITY_LIFE_TIME;
  if (!(ifa.flags & IFA_F_PERMANENT && ifa.prefered_lft === INFINITY_LIFE_TIME)) {
    preferred = ifa.prefered_lft;
    valid = ifa.valid_lft;
    if (preferred !== INFINITY_LIFE_TIME) {
      const tval = Math.floor((now - ifa.tstamp) / 1000);
      preferred = preferred > tval ? preferred - tval : 0;
      if (valid !== INFINITY_LIFE_TIME) valid = valid > tval ? valid - tval : 0;
    }
  }
  const ci = u32s([preferred, valid, cstamp_delta(ifa.cstamp), cstamp_delta(ifa.tstamp)]);
  if (
    nla_put(skb, IFA_ADDRESS, ifa.addr) ||
    (ifa.rt_priority && nla_put_u32(skb, IFA_RT_PRIORITY, ifa.rt_priority)) ||
    nla_put(skb, IFA_CACHEINFO, ci) ||
    nla_put_u32(skb, IFA_FLAGS, ifa.flags) ||
    (ifa.ifa_proto && nla_put_u8(skb, IFA_PROTO, ifa.ifa_proto))
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
  if (inet6_fill_ifaddr(skb, ifa, 0, 0, event, 0, now_jiffies(net)) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_IPV6_IFADDR, null);
};

/**
 * __ipv6_ifa_notify(event, ifp): the announcement (event 0 is RTM_NEWADDR without the rest); a
 * new address's local route joins the table unless it is there; a deleted one's leaves
 */
const ipv6_ifa_notify = (net: Net, event: number, ifp: Inet6Ifaddr): void => {
  inet6_ifa_notify(net, event || RTM_NEWADDR, ifp);
  if (event === RTM_NEWADDR) {
    if (ifp.rt !== null && !fib6_info_linked(net, ifp.rt)) ip6_ins_rt(net, ifp.rt);
  } else if (event === RTM_DELADDR && ifp.rt !== null) {
    ip6_del_rt(net, ifp.rt);
    ifp.rt = null;
  }
};

/** The routes addrconf adds through ip6_route_add (errors ignored: the route may exist, the device be down) */
const addrconf_route_add = (
  net: Net,
  dev: LinkDevice,
  o: { dst: Uint8Array; dst_len: number; table: number; type: number; metric: number; flags: number },
): void => {
  ip6_route_add(
    net,
    {
      table: o.table,
      dst: o.dst,
      dst_len: o.dst_len,
      src_len: 0,
      flags: RTF_UP | o.flags,
      protocol: RTPROT_KERNEL,
      type: o.type,
      metric: o.metric,
      ifindex: dev.ifindex,
      prefsrc: null,
      gateway: null,
      ignore_dev_down: false,
      info: KERNEL_INFO,
    },
    {},
  );
};

/** addrconf_prefix_route(pfx, plen, metric, dev, expires, flags): the prefix route in main */
const addrconf_prefix_route = (net: Net, pfx: Uint8Array, plen: number, metric: number, dev: LinkDevice): void =>
  addrconf_route_add(net, dev, {
    dst: pfx,
    dst_len: plen,
    table: RT6_TABLE_MAIN,
    type: RTN_UNICAST,
    metric: metric || IP6_RT_PRIO_ADDRCONF,
    flags: 0,
  });

/** addrconf_add_dev: a device other than lo gets the multicast route ff00::/8 (addrconf_add_mroute) */
const addrconf_add_dev = (net: Net, dev: LinkDevice): number => {
  if (!dev.inet6) return -ERRNO.EINVAL; // ipv6_find_idev → ipv6_add_dev refuses an MTU below 1280
  if (!(dev.flags & IFF_LOOPBACK))
    addrconf_route_add(net, dev, {
      dst: Uint8Array.of(0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
      dst_len: 8,
      table: RT6_TABLE_LOCAL,
      type: RTN_MULTICAST,
      metric: IP6_RT_PRIO_ADDRCONF,
      flags: 0,
    });
  return 0;
};

/** addrconf_f6i_alloc(net, idev, addr, anycast = false): the address's local route, not yet inserted */
const addrconf_f6i_alloc = (dev: LinkDevice, addr: Uint8Array): Rt6Info => ({
  dst: addr,
  dst_len: 128,
  table: RT6_TABLE_LOCAL,
  protocol: RTPROT_KERNEL,
  type: RTN_LOCAL,
  metric: 0,
  dev,
  flags: RTF_UP | RTF_NONEXTHOP | RTF_LOCAL,
  prefsrc: null,
});

/** struct ifa6_config */
interface Ifa6Config {
  pfx: Uint8Array;
  plen: number;
  ifa_flags: number;
  rt_priority: number;
  ifa_proto: number;
  valid_lft: number;
  preferred_lft: number;
  scope: number;
}

/**
 * ipv6_add_addr(idev, cfg, can_block, extack): refuses ::, a multicast address and ::1 off a
 * loopback device; the address (TENTATIVE unless NODAD) joins the device's list by scope
 */
const ipv6_add_addr = (net: Net, dev: LinkDevice, cfg: Ifa6Config, extack: NetlinkExtAck): Inet6Ifaddr | number => {
  if (is_any(cfg.pfx)) {
    extack.msg = "ipv6: Invalid address";
    return -ERRNO.EADDRNOTAVAIL;
  }
  if (cfg.pfx[0] === 0xff && !(cfg.ifa_flags & IFA_F_MCAUTOJOIN)) {
    extack.msg = 'ipv6: Cannot assign multicast address without "IFA_F_MCAUTOJOIN" flag';
    return -ERRNO.EADDRNOTAVAIL;
  }
  if (!(dev.flags & IFF_LOOPBACK) && is_loopback(cfg.pfx)) {
    extack.msg = "ipv6: Cannot assign loopback address on this device";
    return -ERRNO.EADDRNOTAVAIL;
  }
  const now = now_jiffies(net);
  const ifa: Inet6Ifaddr = {
    dev,
    addr: cfg.pfx.slice(0, 16),
    prefix_len: cfg.plen,
    flags: cfg.ifa_flags | (cfg.ifa_flags & IFA_F_NODAD ? 0 : IFA_F_TENTATIVE),
    scope: cfg.scope,
    rt_priority: cfg.rt_priority,
    valid_lft: cfg.valid_lft,
    prefered_lft: cfg.preferred_lft,
    cstamp: now,
    tstamp: now,
    ifa_proto: cfg.ifa_proto,
    rt: addrconf_f6i_alloc(dev, cfg.pfx.slice(0, 16)),
    state: INET6_IFADDR_STATE_PREDAD,
  };
  // ipv6_link_dev_addr: before the first address of no wider scope
  const l = addr_list(dev);
  const scope = ipv6_addr_src_scope(ifa.addr);
  const at = l.findIndex((i) => scope >= ipv6_addr_src_scope(i.addr));
  l.splice(at < 0 ? l.length : at, 0, ifa);
  addr_lst(net).unshift(ifa); // ipv6_add_addr_hash
  return ifa;
};

/**
 * addrconf_dad_completed(ifp): the address is valid, announced with its local route. Router
 * solicitations and MLD reports that follow for a link-local address are packets, not modelled.
 */
const addrconf_dad_completed = (net: Net, ifp: Inet6Ifaddr): void => ipv6_ifa_notify(net, RTM_NEWADDR, ifp);

/**
 * addrconf_dad_begin(ifp), run from addrconf_dad_work: on a loopback or NOARP device, with DAD
 * off, or for an address that is not tentative, DAD completes at once; on a device that is not
 * ready a permanent address stays tentative (addrconf_dad_stop) and another is deleted. Probing
 * (neighbour solicitations and their timers) is not modelled.
 */
const addrconf_dad_begin = (net: Net, ifp: Inet6Ifaddr): void => {
  if (ifp.state === INET6_IFADDR_STATE_DEAD) return;
  ifp.state = INET6_IFADDR_STATE_DAD;
  const dev = ifp.dev;
  const all = devconf6_all_default(net) ?? [];
  if (
    dev.flags & (IFF_NOARP | IFF_LOOPBACK) ||
    ((all[DEVCONF_ACCEPT_DAD] ?? 0) < 1 && (dev.ipv6_devconf[DEVCONF_ACCEPT_DAD] ?? 0) < 1) ||
    !(ifp.flags & IFA_F_TENTATIVE) ||
    ifp.flags & IFA_F_NODAD
  ) {
    ifp.flags &= ~(IFA_F_TENTATIVE | IFA_F_OPTIMISTIC | IFA_F_DADFAILED);
    addrconf_dad_completed(net, ifp);
    return;
  }
  if (!(dev.inet6_flags & IF_READY)) {
    if (!(ifp.flags & IFA_F_PERMANENT)) ipv6_del_addr(net, ifp);
    return;
  }
  net.kernel?.printk(`${KERN_NOTICE}nlsim: IPv6 duplicate address detection on ${dev.name} is not modelled`);
};

/**
 * addrconf_dad_start(ifp): the state becomes PREDAD and addrconf_dad_work is queued (delay 0); it
 * takes rtnl_lock, so it runs once the current request is done
 */
const addrconf_dad_start = (net: Net, ifp: Inet6Ifaddr): void => {
  if (ifp.state === INET6_IFADDR_STATE_DEAD) return;
  ifp.state = INET6_IFADDR_STATE_PREDAD;
  rtnl_queue_work(net, () => {
    if (ifp.state === INET6_IFADDR_STATE_PREDAD) addrconf_dad_begin(net, ifp);
  });
};

/**
 * check_cleanup_prefix_route + cleanup_prefix_route(ifp, ...): the prefix route goes when no other
 * permanent (or IFA_F_NOPREFIXROUTE) address of the prefix is left. Only permanent addresses are
 * modelled, so the EXPIRE case (another address with a finite lifetime) does not arise.
 */
const cleanup_prefix_route = (net: Net, ifp: Inet6Ifaddr): void => {
  const pfx = ipv6_addr_prefix(ifp.addr, ifp.prefix_len);
  for (const ifa of addr_list(ifp.dev)) {
    if (ifa === ifp || ifa.prefix_len !== ifp.prefix_len) continue;
    if (!ipv6_addr_equal(ipv6_addr_prefix(ifa.addr, ifp.prefix_len), pfx)) continue;
    if (ifa.flags & (IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE)) return;
  }
  const rt = addrconf_get_prefix_route(net, ifp.addr, ifp.prefix_len, ifp.dev);
  if (rt !== undefined) ip6_del_rt(net, rt);
};

/**
 * ipv6_del_addr(ifp): the address leaves the list and is announced (RTM_DELADDR, its local route
 * deleted), then its prefix route is cleaned up and routes that preferred it as source forget it
 */
const ipv6_del_addr = (net: Net, ifp: Inet6Ifaddr): void => {
  if (ifp.state === INET6_IFADDR_STATE_DEAD) return;
  ifp.state = INET6_IFADDR_STATE_DEAD;
  const cleanup = (ifp.flags & IFA_F_PERMANENT) !== 0 && !(ifp.flags & IFA_F_NOPREFIXROUTE);
  addr_lst_del(net, ifp);
  const l = addr_list(ifp.dev);
  l.splice(l.indexOf(ifp), 1);
  ipv6_ifa_notify(net, RTM_DELADDR, ifp);
  if (cleanup) cleanup_prefix_route(net, ifp);
  rt6_remove_prefsrc(net, ifp.dev, ifp.addr);
};

/**
 * ipv6_get_ifaddr(net, addr, dev, strict = 1): the newest address equal to addr on `dev` (on any
 * device when undefined)
 */
const ipv6_get_ifaddr = (net: Net, addr: Uint8Array, dev: LinkDevice | undefined): Inet6Ifaddr | undefined =>
  addr_lst(net).find((i) => ipv6_addr_equal(i.addr, addr) && (dev === undefined || i.dev === dev));

/** addrconf_timeout_fixup + the flags inet6_addr_add and inet6_addr_modify derive from the lifetimes */
const lifetime_flags = (cfg: Ifa6Config): number =>
  (cfg.valid_lft === INFINITY_LIFE_TIME ? IFA_F_PERMANENT : 0) | (cfg.preferred_lft === 0 ? IFA_F_DEPRECATED : 0);

/**
 * inet6_addr_add(net, dev, cfg, extack): the prefix length and IFA_F_MANAGETEMPADDR checks, the
 * device's IPv6 (addrconf_add_dev), the address, its prefix route unless NOPREFIXROUTE, the
 * tentative announcement unless NODAD, then DAD. No temporary address follows MANAGETEMPADDR:
 * use_tempaddr is -1 on lo and 0 on a new device.
 */
const inet6_addr_add = (net: Net, dev: LinkDevice, cfg: Ifa6Config, extack: NetlinkExtAck): number => {
  if (cfg.plen > 128) {
    extack.msg = "ipv6: Invalid prefix length";
    return -ERRNO.EINVAL;
  }
  if (cfg.ifa_flags & IFA_F_MANAGETEMPADDR && cfg.plen !== 64) {
    extack.msg = 'ipv6: address with "mngtmpaddr" flag must have a prefix length of 64';
    return -ERRNO.EINVAL;
  }
  const err = addrconf_add_dev(net, dev);
  if (err < 0) return err;
  cfg.scope = ipv6_addr_scope(cfg.pfx);
  cfg.ifa_flags |= lifetime_flags(cfg);
  const ifp = ipv6_add_addr(net, dev, cfg, extack);
  if (typeof ifp === "number") return ifp;
  if (!(cfg.ifa_flags & IFA_F_NOPREFIXROUTE))
    addrconf_prefix_route(net, ifp.addr, ifp.prefix_len, ifp.rt_priority, dev);
  if (!(ifp.flags & (IFA_F_OPTIMISTIC | IFA_F_NODAD))) ipv6_ifa_notify(net, 0, ifp);
  addrconf_dad_start(net, ifp);
  return 0;
};

/**
 * modify_prefix_route(ifp, expires, flags, false): the prefix route at another metric is replaced
 * (deleted, then added); -ENOENT when there is none
 */
const modify_prefix_route = (net: Net, ifp: Inet6Ifaddr): number => {
  const rt = addrconf_get_prefix_route(net, ifp.addr, ifp.prefix_len, ifp.dev);
  if (rt === undefined) return -ERRNO.ENOENT;
  if (rt.metric !== (ifp.rt_priority || IP6_RT_PRIO_ADDRCONF)) {
    ip6_del_rt(net, rt);
    addrconf_prefix_route(net, ifp.addr, ifp.prefix_len, ifp.rt_priority, ifp.dev);
  }
  return 0;
};

/**
 * inet6_addr_modify(net, ifp, cfg): NLM_F_REPLACE of an address. Flags and lifetimes
 * change and are announced (unless tentative); the prefix route follows IFA_F_NOPREFIXROUTE and
 * IFA_RT_PRIORITY.
 */
const inet6_addr_modify = (net: Net, ifp: Inet6Ifaddr, cfg: Ifa6Config): number => {
  // no extack here, unlike inet6_addr_add's check [live]
  if (cfg.ifa_flags & IFA_F_MANAGETEMPADDR && (ifp.flags & IFA_F_TEMPORARY || ifp.prefix_len !== 64))
    return -ERRNO.EINVAL;
  if (!(ifp.flags & IFA_F_TENTATIVE) || ifp.flags & IFA_F_DADFAILED) cfg.ifa_flags &= ~IFA_F_OPTIMISTIC;
  cfg.ifa_flags |= lifetime_flags(cfg);
  const had_prefixroute = (ifp.flags & IFA_F_PERMANENT) !== 0 && !(ifp.flags & IFA_F_NOPREFIXROUTE);
  ifp.flags &= ~(
    IFA_F_DEPRECATED |
    IFA_F_PERMANENT |
    IFA_F_NODAD |
    IFA_F_HOMEADDRESS |
    IFA_F_MANAGETEMPADDR |
    IFA_F_NOPREFIXROUTE
  );
  ifp.flags |= cfg.ifa_flags;
  ifp.tstamp = now_jiffies(net);
  ifp.valid_lft = cfg.valid_lft;
  ifp.prefered_lft = cfg.preferred_lft;
  if (cfg.rt_priority && cfg.rt_priority !== ifp.rt_priority) ifp.rt_priority = cfg.rt_priority;
  if (cfg.ifa_proto) ifp.ifa_proto = cfg.ifa_proto;
  if (!(ifp.flags & IFA_F_TENTATIVE)) ipv6_ifa_notify(net, 0, ifp);
  if (!(cfg.ifa_flags & IFA_F_NOPREFIXROUTE)) {
    const rc = had_prefixroute ? modify_prefix_route(net, ifp) : -ERRNO.ENOENT;
    if (rc === -ERRNO.ENOENT) addrconf_prefix_route(net, ifp.addr, ifp.prefix_len, ifp.rt_priority, ifp.dev);
  } else if (had_prefixroute) cleanup_prefix_route(net, ifp);
  return 0;
};

/**
 * extract_addr(addr, local, &peer): IFA_LOCAL is the address when given (IFA_ADDRESS, if it
 * differs, the peer); else IFA_ADDRESS
 */
const extract_addr = (tb: IflaTb): { pfx: Uint8Array; peer: Uint8Array | null } | null => {
  const addr = tb[IFA_ADDRESS]?.data.subarray(0, 16);
  const local = tb[IFA_LOCAL]?.data.subarray(0, 16);
  if (local !== undefined)
    return { pfx: local, peer: addr !== undefined && !ipv6_addr_equal(addr, local) ? addr : null };
  return addr === undefined ? null : { pfx: addr, peer: null };
};

/** What the model does not do with an address: peers, IFA_F_MCAUTOJOIN, lifetimes that run out */
const ifa6_unmodelled = (cfg: Ifa6Config, peer: Uint8Array | null): string | null => {
  if (peer !== null) return "IPv6 peer addresses (IFA_LOCAL with another IFA_ADDRESS)";
  if (cfg.ifa_flags & IFA_F_MCAUTOJOIN) return "IFA_F_MCAUTOJOIN";
  const finite = (v: number) => v !== INFINITY_LIFE_TIME && v !== 0;
  if (finite(cfg.valid_lft) || finite(cfg.preferred_lft)) return "IPv6 address lifetimes that expire";
  return null;
};

/** inet6_rtm_newaddr's ifa6_config from the request: flags (IFA_FLAGS over ifa_flags), lifetimes */
const rtm_to_ifa6_config = (nlh: Nlmsghdr, tb: IflaTb, pfx: Uint8Array): Ifa6Config => {
  const ifm = ifaddrmsg(nlh.msg);
  const ci = tb[IFA_CACHEINFO]?.data;
  const flags = tb[IFA_FLAGS] !== undefined ? getU32(tb[IFA_FLAGS]!.data, 0) : ifm.flags;
  return {
    pfx,
    plen: ifm.prefixlen,
    rt_priority: tb[IFA_RT_PRIORITY] !== undefined ? getU32(tb[IFA_RT_PRIORITY]!.data, 0) : 0,
    ifa_proto: tb[IFA_PROTO]?.data[0] ?? 0,
    // "We ignore other flags so far."
    ifa_flags:
      flags &
      (IFA_F_NODAD |
        IFA_F_HOMEADDRESS |
        IFA_F_MANAGETEMPADDR |
        IFA_F_NOPREFIXROUTE |
        IFA_F_MCAUTOJOIN |
        IFA_F_OPTIMISTIC),
    preferred_lft: ci === undefined ? INFINITY_LIFE_TIME : getU32(ci, 0),
    valid_lft: ci === undefined ? INFINITY_LIFE_TIME : getU32(ci, 4),
    scope: 0,
  };
};

/**
 * inet6_rtm_newaddr: RTM_NEWADDR for AF_INET6. The address (-EINVAL without one), the lifetimes
 * ("address lifetime invalid"), the device ("Unable to find the interface"); an address already on
 * the device is -EEXIST unless NLM_F_REPLACE without NLM_F_EXCL modifies it; else inet6_addr_add
 * (NLM_F_CREATE is not required). IFA_F_OPTIMISTIC is dropped (optimistic_dad is off).
 */
const inet6_rtm_newaddr: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, IFADDRMSG_SIZE, ifa_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const addr = extract_addr(tb);
  if (addr === null) return -ERRNO.EINVAL;
  const cfg = rtm_to_ifa6_config(nlh, tb, addr.pfx);
  if (!cfg.valid_lft || cfg.preferred_lft > cfg.valid_lft) {
    extack.msg = "ipv6: address lifetime invalid";
    return -ERRNO.EINVAL;
  }
  const dev = __dev_get_by_index(net, ifaddrmsg(nlh.msg).index);
  if (dev === undefined) {
    extack.msg = "ipv6: Unable to find the interface";
    return -ERRNO.ENODEV;
  }
  if (!dev.inet6) return -ERRNO.EINVAL; // ipv6_find_idev: ipv6_add_dev refuses an MTU below 1280
  cfg.ifa_flags &= ~IFA_F_OPTIMISTIC; // ipv6_allow_optimistic_dad: optimistic_dad is 0
  const unmodelled = ifa6_unmodelled(cfg, addr.peer);
  if (unmodelled !== null) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: ${unmodelled} are not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  const ifa = ipv6_get_ifaddr(net, cfg.pfx, dev);
  if (ifa === undefined) return inet6_addr_add(net, dev, cfg, extack);
  if (nlh.nlmsg_flags & NLM_F_EXCL || !(nlh.nlmsg_flags & NLM_F_REPLACE)) {
    extack.msg = "ipv6: address already assigned";
    return -ERRNO.EEXIST;
  }
  return inet6_addr_modify(net, ifa, cfg);
};

/**
 * inet6_rtm_deladdr → inet6_addr_del(net, ifindex, flags, pfx, plen, extack): the prefix length,
 * the device, its IPv6 (-ENXIO), the address of that prefix length ("address not found")
 */
const inet6_rtm_deladdr: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, IFADDRMSG_SIZE, ifa_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  const addr = extract_addr(tb);
  if (addr === null) return -ERRNO.EINVAL;
  const ifm = ifaddrmsg(nlh.msg);
  if (ifm.prefixlen > 128) {
    extack.msg = "ipv6: Invalid prefix length";
    return -ERRNO.EINVAL;
  }
  const dev = __dev_get_by_index(net, ifm.index);
  if (dev === undefined) {
    extack.msg = "ipv6: Unable to find the interface";
    return -ERRNO.ENODEV;
  }
  if (!dev.inet6) {
    extack.msg = "ipv6: IPv6 is disabled on this device";
    return -ERRNO.ENXIO;
  }
  const ifp = addr_list(dev).find((i) => i.prefix_len === ifm.prefixlen && ipv6_addr_equal(i.addr, addr.pfx));
  if (ifp === undefined) {
    extack.msg = "ipv6: address not found";
    return -ERRNO.EADDRNOTAVAIL;
  }
  ipv6_del_addr(net, ifp);
  return 0;
};

/** inet6_rtm_valid_getaddr_req: the strict checks of an RTM_GETADDR do */
const inet6_rtm_valid_getaddr_req = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): IflaTb | number => {
  if (nlmsg_len(nlh) < IFADDRMSG_SIZE) {
    extack.msg = "ipv6: Invalid header for get address request";
    return -ERRNO.EINVAL;
  }
  if (!netlink_strict_get_check(skb))
    return nlmsg_parse(nlh, IFADDRMSG_SIZE, ifa_ipv6_policy, NL_VALIDATE_LIBERAL, extack);
  const ifm = ifaddrmsg(nlh.msg);
  if (ifm.prefixlen || ifm.flags || ifm.scope) {
    extack.msg = "ipv6: Invalid values in header for get address request";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(nlh, IFADDRMSG_SIZE, ifa_ipv6_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= IFA_MAX; i++) {
    if (tb[i] === undefined || i === IFA_TARGET_NETNSID || i === IFA_ADDRESS || i === IFA_LOCAL) continue;
    extack.msg = "ipv6: Unsupported attribute in get address request";
    return -ERRNO.EINVAL;
  }
  return tb;
};

/**
 * inet6_rtm_getaddr: RTM_GETADDR do for AF_INET6. The address is looked up on the ifa_index
 * device, or on any device when there is no such device; -EADDRNOTAVAIL when it is not there.
 * IFA_TARGET_NETNSID is not modelled (the model has no netnsids: -EINVAL as for an unknown id).
 */
const inet6_rtm_getaddr: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = inet6_rtm_valid_getaddr_req(skb, nlh, extack);
  if (typeof tb === "number") return tb;
  if (tb[IFA_TARGET_NETNSID] !== undefined) return -ERRNO.EINVAL;
  const addr = extract_addr(tb);
  if (addr === null) return -ERRNO.EINVAL;
  const ifm = ifaddrmsg(nlh.msg);
  const dev = ifm.index ? __dev_get_by_index(net, ifm.index) : undefined;
  const ifa = ipv6_get_ifaddr(net, addr.pfx, dev);
  if (ifa === undefined) return -ERRNO.EADDRNOTAVAIL;
  const nskb = nlmsg_new(128, GFP_ATOMIC);
  const err = inet6_fill_ifaddr(nskb, ifa, skb.cb.portid, nlh.nlmsg_seq, RTM_NEWADDR, 0, now_jiffies(net));
  if (err < 0) {
    kfree_skb(nskb);
    return err;
  }
  return rtnl_unicast(nskb, net, skb.cb.portid);
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

/** init_loopback → add_addr(idev, ::1, 128, IFA_HOST): permanent at once, announced with its route */
const init_loopback = (net: Net, dev: LinkDevice): void => {
  const cfg: Ifa6Config = {
    pfx: IN6ADDR_LOOPBACK,
    plen: 128,
    ifa_flags: IFA_F_PERMANENT,
    rt_priority: 0,
    ifa_proto: IFAPROT_KERNEL_LO,
    valid_lft: INFINITY_LIFE_TIME,
    preferred_lft: INFINITY_LIFE_TIME,
    scope: IFA_HOST,
  };
  const ifp = ipv6_add_addr(net, dev, cfg, {});
  if (typeof ifp === "number") return;
  ifp.flags &= ~IFA_F_TENTATIVE;
  ipv6_ifa_notify(net, RTM_NEWADDR, ifp);
};

/**
 * addrconf_dev_config(dev) for an Ethernet device: addrconf_add_dev (ff00::/8), then
 * addrconf_addr_gen in EUI-64 mode: fe80::/64 with the interface id from the MAC address
 * (addrconf_add_linklocal: the address, its prefix route, DAD). Other device types and address
 * generation modes are not modelled.
 */
const addrconf_dev_config = (net: Net, dev: LinkDevice): void => {
  if (dev.type !== ARPHRD_ETHER || dev.dev_addr.length !== 6) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: IPv6 autoconfiguration of ${dev.name} is not modelled`);
    return;
  }
  if (addrconf_add_dev(net, dev) < 0) return;
  const a = dev.dev_addr;
  const ll = Uint8Array.of(0xfe, 0x80, 0, 0, 0, 0, 0, 0, a[0]! ^ 2, a[1]!, a[2]!, 0xff, 0xfe, a[3]!, a[4]!, a[5]!);
  const cfg: Ifa6Config = {
    pfx: ll,
    plen: 64,
    ifa_flags: IFA_F_PERMANENT,
    rt_priority: 0,
    ifa_proto: IFAPROT_KERNEL_LL,
    valid_lft: INFINITY_LIFE_TIME,
    preferred_lft: INFINITY_LIFE_TIME,
    scope: IFA_LINK,
  };
  const ifp = ipv6_add_addr(net, dev, cfg, {});
  if (typeof ifp === "number") return;
  addrconf_prefix_route(net, ifp.addr, ifp.prefix_len, 0, dev);
  addrconf_dad_start(net, ifp);
};

/**
 * addrconf_permanent_addr → fixup_permanent_addr for each permanent address: a local route that
 * left the table is made anew (inserted when DAD completes), the prefix route comes back, an
 * address waiting for DAD starts it
 */
const addrconf_permanent_addr = (net: Net, dev: LinkDevice): void => {
  for (const ifp of [...addr_list(dev)]) {
    if (!(ifp.flags & IFA_F_PERMANENT)) continue;
    if (ifp.rt === null || !fib6_info_linked(net, ifp.rt)) ifp.rt = addrconf_f6i_alloc(dev, ifp.addr);
    if (!(ifp.flags & IFA_F_NOPREFIXROUTE)) addrconf_prefix_route(net, ifp.addr, ifp.prefix_len, ifp.rt_priority, dev);
    if (ifp.state === INET6_IFADDR_STATE_PREDAD) addrconf_dad_start(net, ifp);
  }
};

/**
 * addrconf_notify's NETDEV_UP: the permanent addresses' routes come back, the device is IF_READY,
 * lo gets ::1 (init_loopback) and an Ethernet device its link-local address
 * (addrconf_dev_config); then RTM_NEWLINK to RTNLGRP_IPV6_IFINFO. DAD of what is queued follows.
 */
const addrconf_dev_up = (net: Net, dev: LinkDevice): void => {
  if (!dev.inet6 || dev.inet6_flags & IF_READY) return;
  addrconf_permanent_addr(net, dev);
  dev.inet6_flags |= IF_READY;
  if (dev.flags & IFF_LOOPBACK) init_loopback(net, dev);
  else addrconf_dev_config(net, dev);
  inet6_ifinfo_notify(net, dev);
};

/**
 * addrconf_ifdown(dev, unregister): every route through the device leaves (rt6_disable_ip), then
 * each address in list order is announced gone (keep_addr_on_down is 0); IF_READY clears
 */
const addrconf_ifdown = (net: Net, dev: LinkDevice): void => {
  if (!dev.inet6) return;
  rt6_sync_down_dev(net, dev);
  dev.inet6_flags &= ~IF_READY;
  for (const ifa of [...addr_list(dev)]) {
    const state = ifa.state;
    ifa.state = INET6_IFADDR_STATE_DEAD;
    addr_lst_del(net, ifa);
    if (state !== INET6_IFADDR_STATE_DEAD) ipv6_ifa_notify(net, RTM_DELADDR, ifa);
  }
  inet6_addrs.delete(dev);
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
      addrconf_ifdown(net, dev);
      inet6_ifmcaddr_notify(net, dev, LO_MC_LIST[0]!, RTM_DELMULTICAST);
      inet6_netconf_notify_devconf(net, RTM_DELNETCONF, dev);
      return;
  }
};

/**
 * ipv6_chk_addr(net, addr, dev, 0) → ipv6_chk_addr_and_flags(..., IFA_F_TENTATIVE): the address is
 * assigned and not tentative (an optimistic one counts), on `dev` or, unless its scope is link or
 * host, on any device
 */
const ipv6_chk_addr = (net: Net, addr: Uint8Array, dev: LinkDevice | undefined): boolean =>
  addr_lst(net).some((i) => {
    const flags = i.flags & IFA_F_OPTIMISTIC ? i.flags & ~IFA_F_TENTATIVE : i.flags;
    return (
      ipv6_addr_equal(i.addr, addr) &&
      !(flags & IFA_F_TENTATIVE) &&
      (dev === undefined || i.dev === dev || !(i.scope & (IFA_LINK | IFA_HOST)))
    );
  });

/** ipv6_addr_diff(a, b): the index of the first bit that differs, 128 when none does */
const ipv6_addr_diff = (a: Uint8Array, b: Uint8Array): number => {
  for (let i = 0; i < 16; i++) {
    const x = a[i]! ^ b[i]!;
    if (x) return i * 8 + Math.clz32(x) - 24;
  }
  return 128;
};

/** ipv6_addr_orchid: 2001:10::/28 */
const ipv6_addr_orchid = (a: Uint8Array): boolean =>
  a[0] === 0x20 && a[1] === 0x01 && a[2] === 0 && (a[3]! & 0xf0) === 0x10;

/** ipv6_saddr_preferred(type): IPV6_ADDR_MAPPED, IPV6_ADDR_COMPATv4 or IPV6_ADDR_LOOPBACK */
const ipv6_saddr_preferred = (a: Uint8Array): boolean =>
  a.subarray(0, 10).every((x) => x === 0) && ((a[10] === 0xff && a[11] === 0xff) || (a[10] === 0 && a[11] === 0));

/** __ipv6_addr_src_scope of a destination: -1 for ::, a multicast address's own scope */
const dst_src_scope = (a: Uint8Array): number =>
  is_any(a) ? -1 : a[0] === 0xff ? a[1]! & 0x0f : ipv6_addr_src_scope(a);

/**
 * ipv6_get_saddr_eval's rules 1 to 9 (RFC 6724) for a candidate: same address, appropriate scope,
 * not deprecated or optimistic (use_optimistic is 0), the outgoing interface, the matching label,
 * public (use_tempaddr is below 2), ORCHID alike, the longest matching prefix, not optimistic.
 * Rule 4 (a home address, CONFIG_IPV6_MIP6) is not modelled. Higher is better.
 */
const saddr_rules = (dst: {
  readonly addr: Uint8Array;
  readonly ifindex: number;
  readonly scope: number;
  readonly label: number;
}): ReadonlyArray<(ifa: Inet6Ifaddr) => number> => [
  (ifa) => (ipv6_addr_equal(ifa.addr, dst.addr) ? 1 : 0),
  (ifa) => {
    const s = ipv6_addr_src_scope(ifa.addr);
    return s >= dst.scope ? -s : s - 128;
  },
  (ifa) => (ipv6_saddr_preferred(ifa.addr) || !(ifa.flags & (IFA_F_DEPRECATED | IFA_F_OPTIMISTIC)) ? 1 : 0),
  (ifa) => (!dst.ifindex || dst.ifindex === ifa.dev.ifindex ? 1 : 0),
  (ifa) => (ipv6_addr_label(ifa.addr, ifa.dev.ifindex) === dst.label ? 1 : 0),
  (ifa) => (ifa.flags & IFA_F_TEMPORARY ? 0 : 1),
  (ifa) => (ipv6_addr_orchid(ifa.addr) === ipv6_addr_orchid(dst.addr) ? 1 : 0),
  (ifa) => Math.min(ipv6_addr_diff(ifa.addr, dst.addr), ifa.prefix_len),
  (ifa) => (ifa.flags & IFA_F_OPTIMISTIC ? 0 : 1),
];

/**
 * ipv6_dev_get_saddr(net, dst_dev, daddr, 0, &saddr): the best source for daddr among the
 * addresses of dst_dev (a multicast or link-scope destination) or of every device, tentative ones
 * left out; a candidate replaces the best so far at the first rule where they differ, if it wins
 * there. null is -EADDRNOTAVAIL.
 */
const ipv6_dev_get_saddr = (net: Net, dst_dev: LinkDevice | undefined, daddr: Uint8Array): Uint8Array | null => {
  const ifindex = dst_dev?.ifindex ?? 0;
  const scope = dst_src_scope(daddr);
  const rules = saddr_rules({ addr: daddr, ifindex, scope, label: ipv6_addr_label(daddr, ifindex) });
  const use_oif_addr = dst_dev !== undefined && (daddr[0] === 0xff || scope <= 2);
  const devs = use_oif_addr ? [dst_dev] : for_each_netdev(net);
  let hiscore: Inet6Ifaddr | undefined;
  for (const d of devs)
    for (const ifa of inet6_addrs.get(d) ?? []) {
      if (ifa.flags & IFA_F_TENTATIVE && !(ifa.flags & IFA_F_OPTIMISTIC)) continue;
      if (hiscore === undefined) {
        hiscore = ifa;
        continue;
      }
      for (const rule of rules) {
        const hi = rule(hiscore);
        const mine = rule(ifa);
        if (hi === mine) continue;
        if (mine > hi) hiscore = ifa;
        break;
      }
    }
  return hiscore?.addr ?? null;
};

/** addrconf_init's handlers */
export const addrconf_net_init = (net: Net): void => {
  rt6_set_chk_addr(ipv6_chk_addr);
  rt6_set_get_saddr(ipv6_dev_get_saddr);
  register_netdevice_notifier(net, addrconf_notify);
  rtnl_register(net, AF_INET6, RTM_GETLINK, null, inet6_dump_ifinfo);
  rtnl_register(net, AF_INET6, RTM_NEWADDR, inet6_rtm_newaddr, null);
  rtnl_register(net, AF_INET6, RTM_DELADDR, inet6_rtm_deladdr, null);
  rtnl_register(net, AF_INET6, RTM_GETADDR, inet6_rtm_getaddr, inet6_dump_addr(RTM_GETADDR));
  rtnl_register(net, AF_INET6, RTM_GETMULTICAST, null, inet6_dump_addr(RTM_GETMULTICAST));
  rtnl_register(net, AF_INET6, RTM_GETANYCAST, null, inet6_dump_addr(RTM_GETANYCAST));
  rtnl_register(net, AF_INET6, RTM_GETNETCONF, inet6_netconf_get_devconf, inet6_netconf_dump_devconf);
};
