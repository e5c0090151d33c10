// net/core/dev.c and dev_api.c (6.18), the control half: the netdevice notifier chain
// (register_netdevice_notifier, call_netdevice_notifiers), register_netdevice and
// unregister_netdevice, and the changes rtnetlink makes to a device: dev_change_flags (IFF_UP brings
// the device up or down: __dev_open / __dev_close, then __dev_notify_flags), dev_set_mtu
// (dev_validate_mtu) and dev_change_name (dev_valid_name). Each subsystem reacts through the chain, as
// in the kernel: rtnetlink_event, inetdev_event and fib_netdev_event (IPv4), addrconf_notify (IPv6).

import { KERN_INFO } from "../../kernel/printk.js";
import { ERRNO, type NetlinkExtAck } from "../../uapi/index.js";
import {
  IF_OPER_DOWN,
  IF_OPER_UNKNOWN,
  IFF_ALLMULTI,
  IFF_LOWER_UP,
  IFF_PROMISC,
  IFF_RUNNING,
  IFF_UP,
  IFNAMSIZ,
  RTM_NEWLINK,
} from "../../uapi/rtnetlink.js";
import type { Net } from "../netlink/table.js";
import { __dev_get_by_name, dev_index_reserve, type LinkDevice, list_netdevice, unlist_netdevice } from "./loopback.js";
import { rtmsg_ifinfo } from "./rtnetlink.js";

// include/linux/netdevice.h: enum netdev_cmd
export const NETDEV_UP = 1;
export const NETDEV_DOWN = 2;
export const NETDEV_CHANGE = 4;
export const NETDEV_REGISTER = 5;
export const NETDEV_UNREGISTER = 6;
export const NETDEV_CHANGEMTU = 7;
export const NETDEV_GOING_DOWN = 9;
export const NETDEV_CHANGENAME = 10;

/** struct notifier_block's notifier_call */
export type NetdevNotifier = (event: number, dev: LinkDevice, net: Net) => void;

const chains = new WeakMap<Net, NetdevNotifier[]>();

/** register_netdevice_notifier: the chain runs in registration order (all the model's are priority 0). */
export const register_netdevice_notifier = (net: Net, nb: NetdevNotifier): void => {
  const c = chains.get(net);
  if (c === undefined) chains.set(net, [nb]);
  else c.push(nb);
};

/** call_netdevice_notifiers(val, dev) */
export const call_netdevice_notifiers = (event: number, dev: LinkDevice, net: Net): void => {
  for (const nb of chains.get(net) ?? []) nb(event, dev, net);
};

/** IFF_DEBUG | IFF_NOTRAILERS | IFF_NOARP | IFF_DYNAMIC | IFF_MULTICAST | IFF_PORTSEL | IFF_AUTOMEDIA */
const IFF_SETTABLE = 0x4 | 0x20 | 0x80 | 0x8000 | 0x1000 | 0x2000 | 0x4000;
/** IFF_VOLATILE: LOOPBACK | POINTOPOINT | BROADCAST | ECHO | MASTER | SLAVE | RUNNING | LOWER_UP | DORMANT */
const IFF_VOLATILE = 0x8 | 0x10 | 0x2 | 0x40000 | 0x400 | 0x800 | IFF_RUNNING | IFF_LOWER_UP | 0x20000;

/** The flags the device itself keeps (dev->flags); RUNNING and LOWER_UP are reported by dev_get_flags. */
const dev_raw_flags = (dev: LinkDevice): number => dev.flags & ~(IFF_RUNNING | IFF_LOWER_UP);

/**
 * __dev_change_flags + __dev_notify_flags: the settable flags come from `flags`; a change of IFF_UP
 * opens or closes the device. The RTM_NEWLINK (ifi_change = the changed bits) goes out before the
 * NETDEV_UP/NETDEV_DOWN chain, as the kernel sends it.
 */
export const dev_change_flags = (net: Net, dev: LinkDevice, flags: number, _extack: NetlinkExtAck): number => {
  const old_flags = dev_raw_flags(dev);
  let raw = (flags & IFF_SETTABLE) | (old_flags & (IFF_UP | IFF_VOLATILE | IFF_PROMISC | IFF_ALLMULTI));
  if ((old_flags ^ flags) & IFF_UP) {
    if (old_flags & IFF_UP) __dev_close(dev);
    else __dev_open(dev);
    raw = (raw & ~IFF_UP) | (flags & IFF_UP);
  }
  // dev->gflags: the user's own promiscuous / all-multicast request counts once (__dev_set_promiscuity,
  // __dev_set_allmulti); the model has no other user of either, so the flag follows the count
  if ((flags ^ old_flags) & IFF_PROMISC) {
    dev.promiscuity += flags & IFF_PROMISC ? 1 : -1;
    raw = (raw & ~IFF_PROMISC) | (dev.promiscuity > 0 ? IFF_PROMISC : 0);
    net.kernel?.printk(`${KERN_INFO}${dev.name}: ${dev.promiscuity > 0 ? "entered" : "left"} promiscuous mode`);
  }
  if ((flags ^ old_flags) & IFF_ALLMULTI) {
    dev.allmulti += flags & IFF_ALLMULTI ? 1 : -1;
    raw = (raw & ~IFF_ALLMULTI) | (dev.allmulti > 0 ? IFF_ALLMULTI : 0);
  }
  dev.flags = raw | (raw & IFF_UP ? IFF_RUNNING | IFF_LOWER_UP : 0);
  __dev_notify_flags(net, dev, old_flags, old_flags ^ raw);
  return 0;
};

/** __dev_open: the device runs (carrier on), its root qdisc attaches (dev_activate) and its operstate follows. */
const __dev_open = (dev: LinkDevice): void => {
  dev.operstate = IF_OPER_UNKNOWN;
  // dev_activate: a device without a queue gets noqueue, one with a tx queue pfifo_fast
  if (dev.qdisc === "noop") dev.qdisc = dev.kind === null ? "noqueue" : "pfifo_fast";
};

/** __dev_close: down; the qdisc stays attached (dev_deactivate parks the queues on noop). */
const __dev_close = (dev: LinkDevice): void => {
  dev.operstate = IF_OPER_DOWN;
};

/** __dev_notify_flags(dev, old_flags, gchanges): RTM_NEWLINK with the changes, then NETDEV_UP / NETDEV_DOWN. */
const __dev_notify_flags = (net: Net, dev: LinkDevice, old_flags: number, gchanges: number): void => {
  const changes = dev_raw_flags(dev) ^ old_flags;
  if (gchanges) rtmsg_ifinfo(net, RTM_NEWLINK, dev, gchanges);
  if (changes & IFF_UP) {
    if (dev.flags & IFF_UP) call_netdevice_notifiers(NETDEV_UP, dev, net);
    else {
      call_netdevice_notifiers(NETDEV_GOING_DOWN, dev, net);
      call_netdevice_notifiers(NETDEV_DOWN, dev, net);
    }
  }
};

/** dev_validate_mtu */
export const dev_validate_mtu = (dev: LinkDevice, new_mtu: number, extack: NetlinkExtAck): number => {
  if (new_mtu < 0 || new_mtu < dev.min_mtu) {
    extack.msg = "mtu less than device minimum";
    return -ERRNO.EINVAL;
  }
  if (dev.max_mtu > 0 && new_mtu > dev.max_mtu) {
    extack.msg = "mtu greater than device maximum";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/** dev_set_mtu_ext: the same MTU is no change (no notification); else NETDEV_CHANGEMTU. */
export const dev_set_mtu = (net: Net, dev: LinkDevice, new_mtu: number, extack: NetlinkExtAck): number => {
  if (new_mtu === dev.mtu) return 0;
  const err = dev_validate_mtu(dev, new_mtu, extack);
  if (err) return err;
  dev.mtu = new_mtu;
  call_netdevice_notifiers(NETDEV_CHANGEMTU, dev, net);
  return 0;
};

/** dev_valid_name: not empty, shorter than IFNAMSIZ, not "." or "..", no '/', ':' or white space. */
export const dev_valid_name = (name: string): boolean => {
  if (name.length === 0 || new TextEncoder().encode(name).length >= IFNAMSIZ) return false;
  if (name === "." || name === "..") return false;
  return !/[/:\s]/.test(name);
};

/** dev_change_name: −EINVAL for a bad name, −EEXIST when another device has it; NETDEV_CHANGENAME. */
export const dev_change_name = (net: Net, dev: LinkDevice, newname: string): number => {
  if (dev.name === newname) return 0;
  if (!dev_valid_name(newname)) return -ERRNO.EINVAL;
  if (__dev_get_by_name(net, newname) !== undefined) return -ERRNO.EEXIST;
  dev.name = newname;
  call_netdevice_notifiers(NETDEV_CHANGENAME, dev, net);
  return 0;
};

/**
 * dev_alloc_name / dev_get_valid_name: a name with "%d" gets the lowest free number; −EINVAL for a bad
 * name, −EEXIST for a taken one, −ENFILE when no number is free.
 */
export const dev_get_valid_name = (net: Net, name: string): string | number => {
  if (!name.includes("%d")) {
    if (!dev_valid_name(name)) return -ERRNO.EINVAL;
    return __dev_get_by_name(net, name) !== undefined ? -ERRNO.EEXIST : name;
  }
  for (let i = 0; i < 32768; i++) {
    const n = name.replace("%d", String(i));
    if (!dev_valid_name(n)) return -ERRNO.EINVAL;
    if (__dev_get_by_name(net, n) === undefined) return n;
  }
  return -ERRNO.ENFILE;
};

/** register_netdevice: the name, the index (dev_index_reserve), the list, then NETDEV_REGISTER. */
export const register_netdevice = (net: Net, dev: LinkDevice): number => {
  const name = dev_get_valid_name(net, dev.name);
  if (typeof name === "number") return name;
  const ifindex = dev_index_reserve(net, dev.ifindex);
  if (ifindex < 0) return ifindex;
  dev.name = name;
  (dev as { ifindex: number }).ifindex = ifindex;
  list_netdevice(net, dev);
  call_netdevice_notifiers(NETDEV_REGISTER, dev, net);
  return 0;
};

/**
 * unregister_netdevice_many for one device: close it if up (RTM_NEWLINK, NETDEV_DOWN), NETDEV_UNREGISTER
 * (the protocols let go), then RTM_DELLINK, sent once the protocols are gone (no AF_SPEC content)
 * and the qdisc is shut down (noop).
 */
export const unregister_netdevice = (net: Net, dev: LinkDevice, extack: NetlinkExtAck): void => {
  if (dev.flags & IFF_UP) dev_change_flags(net, dev, dev_raw_flags(dev) & ~IFF_UP, extack);
  call_netdevice_notifiers(NETDEV_UNREGISTER, dev, net);
  dev.qdisc = "noop";
  dev.inet6 = false;
  rtmsg_ifinfo(net, 17 /* RTM_DELLINK */, dev, 0xffffffff, { no_inet: true });
  unlist_netdevice(net, dev);
};
