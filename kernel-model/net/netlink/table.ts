// net/netlink/af_netlink.c: the network namespace's view of netlink — nl_table (one entry per
// protocol: registered, flags, groups, listeners, bind/unbind/release, the port-id hash and the
// multicast list), port-id insertion/lookup/autobind, and the release notifier chain.

import type { Kernel } from "../../kernel/kernel.js";
import type { Module } from "../../kernel/module.js";
import { CAP_NET_ADMIN, ERRNO, MAX_LINKS, NETLINK_USERSOCK, NL_CFG_F_NONROOT_SEND } from "../../uapi/index.js";
import { type Cred, capable, defaultSockSysctl, type SockSysctl } from "../core/sock.js";
import type { SkBuff } from "./skb.js";
import {
  hweight32,
  type NetlinkBindFn,
  type NetlinkReleaseFn,
  type NetlinkSock,
  type NetlinkUnbindFn,
  NLGRPWORDS,
  type WaitQueue,
} from "./sock.js";

/** The model's only source of randomness, handed in by whoever creates the namespace. */
export interface Prng {
  /** a uniformly distributed integer in [0, 2^32) */
  nextU32(): number;
}

/** struct netlink_table (one per protocol unit). */
export class NetlinkTable {
  /** the port-id hash: portid (u32) → socket */
  readonly hash = new Map<number, NetlinkSock>();
  /** mc_list: sockets with subscriptions, most recently added first (sk_add_bind_node adds at the head) */
  mc_list: NetlinkSock[] = [];
  /** listeners->masks: OR of every mc_list member's groups (netlink_update_listeners) */
  listeners: Uint32Array | null = null;
  flags = 0;
  groups = 0;
  registered = 0;
  /** the module that registered the unit (THIS_MODULE of its netlink_kernel_create; null: built-in) */
  module: Module | null = null;
  bind: NetlinkBindFn | null = null;
  unbind: NetlinkUnbindFn | null = null;
  release: NetlinkReleaseFn | null = null;
}

/** NETLINK_URELEASE: a bound user socket was released (include/linux/notifier.h). */
export const NETLINK_URELEASE = 0x0001;

/** struct netlink_notify */
export interface NetlinkNotify {
  readonly net: Net;
  readonly protocol: number;
  readonly portid: number;
}
export type NetlinkNotifier = (event: number, n: NetlinkNotify) => void;

/** A kernel BUG/WARN the model detected in simulated kernel code (the printk line). */
export interface KernelReport {
  readonly level: "BUG" | "WARNING";
  readonly msg: string;
}

/**
 * The simulator's fault plan as the model sees it: `allocFails(size, site)` answers whether the
 * skb allocation of `size` bytes at `site` ("netlink_sendmsg", "skb_clone", "netlink_ack") returns
 * NULL, and the model then takes the kernel's error path for it.
 */
export interface NetFaults {
  allocFails(size: number, site: string): boolean;
}

/**
 * The one way a namespace reaches the world that runs it (the simulator implements it in
 * sim/kernel-host.ts): its kernel, wake-ups, BUG/WARN lines, the fault plan and randomness.
 */
export interface NetHost extends NetFaults {
  /**
   * The kernel this namespace runs in: how a kernel socket's input runs, execution contexts,
   * softirqs, printk. Undefined for a bare namespace (the model's unit tests and benchmarks):
   * input then runs synchronously and no context is checked.
   */
  readonly kernel: Kernel | undefined;
  /** wake every task sleeping on `q` */
  wake(q: WaitQueue): void;
  /** a BUG/WARN line the model detected (the simulator prints it to the kernel log) */
  report(r: KernelReport): void;
  /** autobind's randomness: a uniformly distributed integer in [0, 2^32) */
  random_u32(): number;
}

/** The host of a bare namespace: no kernel, no waiters, no faults; reports stay in `net.reports`. */
export const bare_net_host = (prng: Prng): NetHost => ({
  kernel: undefined,
  wake: () => {},
  report: () => {},
  allocFails: () => false,
  random_u32: () => prng.nextU32(),
});

export type NetOptions = {
  readonly sysctl?: Partial<SockSysctl>;
} & (
  | { readonly host: NetHost }
  /** a bare namespace drawing from `prng` (bare_net_host) */
  | { readonly prng: Prng }
);

/**
 * struct net: one network namespace's netlink state. The model has no clock and no randomness of
 * its own: everything from outside comes through `host`.
 */
export class Net {
  readonly nl_table: NetlinkTable[];
  readonly host: NetHost;
  readonly sysctl: SockSysctl;
  /** netlink_chain (global in the kernel; per namespace here so that worlds do not share it) */
  readonly netlink_chain: NetlinkNotifier[] = [];
  /** BUG/WARN lines, in order; the host sees each as it happens */
  readonly reports: KernelReport[] = [];
  /** every socket ever created, in creation order (for /proc rendering order) */
  readonly sockets: NetlinkSock[] = [];
  private next_ino = 20000;
  private next_sk_index = 0;
  /** the numbers BUG lines give skbs (in the order this namespace first names them) */
  private readonly skb_ids = new WeakMap<SkBuff, number>();
  private next_skb_id = 1;

  constructor(opts: NetOptions) {
    this.host = "host" in opts ? opts.host : bare_net_host(opts.prng);
    this.sysctl = { ...defaultSockSysctl(), ...opts.sysctl };
    this.nl_table = Array.from({ length: MAX_LINKS }, () => new NetlinkTable());
    netlink_add_usersock_entry(this);
  }

  /** The kernel this namespace runs in (undefined: a bare namespace). */
  get kernel(): Kernel | undefined {
    return this.host.kernel;
  }

  alloc_ino(): number {
    return this.next_ino++;
  }
  alloc_sk_index(): number {
    return this.next_sk_index++;
  }
  /** The number a BUG line gives `skb` (the kernel prints an address; this is per namespace, so worlds do not share it). */
  skb_id(skb: SkBuff): number {
    let id = this.skb_ids.get(skb);
    if (id === undefined) {
      id = this.next_skb_id++;
      this.skb_ids.set(skb, id);
    }
    return id;
  }
  /** printk a BUG/WARN line */
  report(level: KernelReport["level"], msg: string): void {
    const r = { level, msg };
    this.reports.push(r);
    this.host.report(r);
  }
}

/** netlink_add_usersock_entry: NETLINK_USERSOCK is registered at boot, 32 groups, NONROOT_SEND. */
const netlink_add_usersock_entry = (net: Net): void => {
  const tbl = net.nl_table[NETLINK_USERSOCK]!;
  tbl.groups = 32;
  tbl.listeners = new Uint32Array(NLGRPWORDS(32));
  tbl.flags = NL_CFG_F_NONROOT_SEND;
  tbl.registered = 1;
};

/** netlink_allowed: the unit lets everyone do it, or the caller has CAP_NET_ADMIN. */
export const netlink_allowed = (sk: NetlinkSock, cred: Cred, flag: number): boolean =>
  (sk.net.nl_table[sk.sk_protocol]!.flags & flag) !== 0 || capable(cred, CAP_NET_ADMIN);

/** netlink_lookup: the socket bound to (protocol, portid) in this namespace. */
export const netlink_lookup = (net: Net, protocol: number, portid: number): NetlinkSock | undefined =>
  net.nl_table[protocol]!.hash.get(portid >>> 0);

/**
 * netlink_insert: bind `sk` to `portid`. The port id is written before the hash insert, so a
 * refused insert (EADDRINUSE) leaves it visible to getsockname (the [live] quirk).
 */
export const netlink_insert = (sk: NetlinkSock, portid: number): number => {
  portid >>>= 0;
  const err = sk.portid === portid ? 0 : -ERRNO.EBUSY;
  if (sk.bound || sk.hashed) return err;
  sk.portid = portid;
  const table = sk.net.nl_table[sk.sk_protocol]!;
  if (table.hash.has(portid)) return -ERRNO.EADDRINUSE;
  table.hash.set(portid, sk);
  sk.hashed = true;
  sk.sk_refcnt++;
  // WRITE_ONCE(nlk->bound, portid): a kernel socket (port id 0) is hashed but never "bound"
  sk.bound = portid !== 0;
  return 0;
};

/**
 * netlink_autobind: the caller's tgid first; if taken, a random start in [−2^31, −4097] drawn from
 * the namespace's PRNG, counting down and wrapping back to −4097.
 */
export const netlink_autobind = (sk: NetlinkSock, cred: Cred): number => {
  const table = sk.net.nl_table[sk.sk_protocol]!;
  let portid = cred.tgid | 0;
  let rover = -4096;
  for (;;) {
    if (table.hash.has(portid >>> 0)) {
      if (rover === -4096) {
        // S32_MIN + get_random_u32_below(−4096 − S32_MIN): multiply-high of one draw
        const range = 2 ** 31 - 4096;
        rover = -(2 ** 31) + Math.floor((sk.net.host.random_u32() >>> 0) * (range / 2 ** 32));
      } else if (rover >= -4096) {
        rover = -4097;
      }
      portid = rover;
      rover = rover === -(2 ** 31) ? 2 ** 31 - 1 : rover - 1; // s32 wrap of rover--
      continue;
    }
    const err = netlink_insert(sk, portid);
    if (err === -ERRNO.EADDRINUSE) continue;
    // two threads racing to autobind is fine
    return err === -ERRNO.EBUSY ? 0 : err;
  }
};

/** netlink_update_listeners: recompute the unit's listener mask from mc_list. */
export const netlink_update_listeners = (net: Net, protocol: number): void => {
  const tbl = net.nl_table[protocol]!;
  const masks = tbl.listeners;
  if (masks === null) return;
  for (let i = 0; i < masks.length; i++) {
    let mask = 0;
    for (const s of tbl.mc_list) {
      if (s.groups !== null && i < s.groups.length) mask |= s.groups[i]!;
    }
    masks[i] = mask;
  }
};

/** netlink_update_subscriptions: join or leave mc_list as the count crosses zero. */
export const netlink_update_subscriptions = (sk: NetlinkSock, subscriptions: number): void => {
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (sk.subscriptions !== 0 && subscriptions === 0) {
    tbl.mc_list = tbl.mc_list.filter((s) => s !== sk);
  } else if (sk.subscriptions === 0 && subscriptions !== 0) {
    tbl.mc_list.unshift(sk);
  }
  sk.subscriptions = subscriptions;
};

/** netlink_update_socket_mc: set or clear one (1-based) group. */
export const netlink_update_socket_mc = (sk: NetlinkSock, group: number, is_new: boolean): void => {
  const g = group - 1;
  const groups = sk.groups!;
  const w = g >>> 5;
  const bit = 1 << (g & 31);
  const old = (groups[w]! & bit) !== 0 ? 1 : 0;
  const subscriptions = sk.subscriptions - old + (is_new ? 1 : 0);
  groups[w] = is_new ? groups[w]! | bit : groups[w]! & ~bit;
  netlink_update_subscriptions(sk, subscriptions);
  netlink_update_listeners(sk.net, sk.sk_protocol);
};

/** netlink_realloc_groups: grow the socket's bitmap to the unit's group count (ngroups is 0 before). */
export const netlink_realloc_groups = (sk: NetlinkSock): number => {
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (tbl.registered === 0) return -ERRNO.ENOENT;
  const groups = tbl.groups;
  if (sk.ngroups >= groups) return 0;
  const next = new Uint32Array(NLGRPWORDS(groups));
  if (sk.groups !== null) next.set(sk.groups.subarray(0, Math.min(sk.groups.length, next.length)));
  sk.groups = next;
  sk.ngroups = groups;
  return 0;
};

/** The bind-time part of netlink_bind: replace the low 32 group bits (kept above 32). */
export const netlink_set_bind_groups = (sk: NetlinkSock, groups: number): void => {
  const low = sk.groups![0]!;
  netlink_update_subscriptions(sk, sk.subscriptions + hweight32(groups) - hweight32(low));
  sk.groups![0] = groups >>> 0;
  netlink_update_listeners(sk.net, sk.sk_protocol);
};

/** netlink_remove: out of the hash and the multicast list. */
export const netlink_remove = (sk: NetlinkSock): void => {
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (sk.hashed && tbl.hash.get(sk.portid) === sk) {
    tbl.hash.delete(sk.portid);
    sk.hashed = false;
    sk.sk_refcnt--;
  }
  if (sk.subscriptions !== 0) {
    tbl.mc_list = tbl.mc_list.filter((s) => s !== sk);
    netlink_update_listeners(sk.net, sk.sk_protocol);
  }
};

/** netlink_register_notifier */
export const netlink_register_notifier = (net: Net, nb: NetlinkNotifier): number => {
  net.netlink_chain.push(nb);
  return 0;
};
/** netlink_unregister_notifier */
export const netlink_unregister_notifier = (net: Net, nb: NetlinkNotifier): number => {
  const i = net.netlink_chain.indexOf(nb);
  if (i < 0) return -ERRNO.ENOENT;
  net.netlink_chain.splice(i, 1);
  return 0;
};
