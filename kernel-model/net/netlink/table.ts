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

/**
 * The counts of a unit no socket has subscribed in yet: empty, grown on the first join
 * (listener_count). A world has 32 units, most never joined; 32 counts each would be 32 off-heap
 * buffers per world.
 */
const NO_COUNTS = new Uint32Array(0);

/** struct netlink_table (one per protocol unit). */
export class NetlinkTable {
  /** the port-id hash: portid (u32) → socket */
  readonly hash = new Map<number, NetlinkSock>();
  /**
   * mc_list's head: sockets with subscriptions, most recently added first (sk_add_bind_node adds
   * at the head), linked through their mc_next/mc_prev as the kernel's hlist through sk_bind_node,
   * so joining and leaving cost O(1) whatever the list's length.
   */
  mc_head: NetlinkSock | null = null;
  mc_length = 0;
  /** listeners->masks: OR of every mc_list member's groups (netlink_update_listeners) */
  listeners: Uint32Array | null = null;
  /**
   * How many mc_list members hold each group bit (index g−1 for group g): a listener bit is set
   * while its count is above zero, so one socket's change updates the mask without walking mc_list.
   */
  listener_counts: Uint32Array = NO_COUNTS;
  /** the listeners array the counts were last folded into (replaced or grown: rebuilt whole) */
  listeners_synced: Uint32Array | null = null;

  /** mc_list in the kernel's order (sk_for_each_bound), as a snapshot array. */
  get mc_list(): NetlinkSock[] {
    const out = new Array<NetlinkSock>(this.mc_length);
    let i = 0;
    for (let sk = this.mc_head; sk !== null; sk = sk.mc_next) out[i++] = sk;
    return out;
  }
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

/**
 * netlink_update_listeners: recompute the unit's listener mask. The kernel ORs every mc_list
 * member's groups; the per-group counts hold the same answer, so this costs O(groups), not
 * O(members).
 */
export const netlink_update_listeners = (net: Net, protocol: number): void => {
  const tbl = net.nl_table[protocol]!;
  const masks = tbl.listeners;
  tbl.listeners_synced = masks;
  if (masks === null) return;
  const counts = tbl.listener_counts;
  for (let i = 0; i < masks.length; i++) {
    let mask = 0;
    const end = Math.min(32, counts.length - i * 32);
    for (let b = 0; b < end; b++) if (counts[i * 32 + b]! > 0) mask |= 1 << b;
    masks[i] = mask;
  }
};

/** One mc_list member gained (+1) or lost (−1) group bit `bit`: its count, and the mask bit if it crossed 0. */
const listener_count = (tbl: NetlinkTable, bit: number, delta: 1 | -1): void => {
  let counts = tbl.listener_counts;
  if (bit >= counts.length) {
    counts = new Uint32Array(Math.max(counts.length * 2, (bit + 32) & ~31));
    counts.set(tbl.listener_counts);
    tbl.listener_counts = counts;
  }
  const n = counts[bit]! + delta;
  counts[bit] = n;
  const masks = tbl.listeners;
  if (masks === null || (n !== 0 && n !== 1) || bit >= masks.length * 32) return;
  if (masks !== tbl.listeners_synced) return; // a new or grown mask: rebuilt whole by the caller
  if (n === 1) masks[bit >>> 5]! |= 1 << (bit & 31);
  else masks[bit >>> 5]! &= ~(1 << (bit & 31));
};

/** Every set bit of `groups` (from word `from` on, or word 0 only) counted in or out. */
const listener_count_all = (tbl: NetlinkTable, groups: Uint32Array | null, delta: 1 | -1): void => {
  if (groups === null) return;
  for (let w = 0; w < groups.length; w++) {
    for (let word = groups[w]!; word !== 0; word &= word - 1)
      listener_count(tbl, w * 32 + (31 - Math.clz32(word & -word)), delta);
  }
};

/** The listener mask after one socket's change: the changed bits are already in; a replaced mask is rebuilt. */
const listeners_settle = (sk: NetlinkSock): void => {
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (tbl.listeners !== tbl.listeners_synced) netlink_update_listeners(sk.net, sk.sk_protocol);
};

/** sk_add_bind_node: at the head of mc_list. */
const sk_add_bind_node = (tbl: NetlinkTable, sk: NetlinkSock): void => {
  sk.mc_prev = null;
  sk.mc_next = tbl.mc_head;
  if (tbl.mc_head !== null) tbl.mc_head.mc_prev = sk;
  tbl.mc_head = sk;
  tbl.mc_length++;
  listener_count_all(tbl, sk.groups, 1);
};

/** sk_del_bind_node: out of mc_list. */
const sk_del_bind_node = (tbl: NetlinkTable, sk: NetlinkSock): void => {
  if (sk.mc_prev === null && tbl.mc_head !== sk) return; // not on the list (released already)
  if (sk.mc_prev !== null) sk.mc_prev.mc_next = sk.mc_next;
  else tbl.mc_head = sk.mc_next;
  if (sk.mc_next !== null) sk.mc_next.mc_prev = sk.mc_prev;
  sk.mc_next = null;
  sk.mc_prev = null;
  tbl.mc_length--;
  listener_count_all(tbl, sk.groups, -1);
};

/**
 * netlink_update_subscriptions: join or leave mc_list as the count crosses zero. Joining counts
 * the socket's groups as they are now; leaving uncounts them.
 */
export const netlink_update_subscriptions = (sk: NetlinkSock, subscriptions: number): void => {
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (sk.subscriptions !== 0 && subscriptions === 0) {
    sk_del_bind_node(tbl, sk);
  } else if (sk.subscriptions === 0 && subscriptions !== 0) {
    sk_add_bind_node(tbl, sk);
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
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  // on mc_list already: count the one bit that changes (joining counts them all)
  if (sk.subscriptions !== 0 && old !== (is_new ? 1 : 0)) listener_count(tbl, g, is_new ? 1 : -1);
  groups[w] = is_new ? groups[w]! | bit : groups[w]! & ~bit;
  netlink_update_subscriptions(sk, subscriptions);
  listeners_settle(sk);
};

// Group bitmaps are carved from shared zeroed chunks: a socket's few words cost no ArrayBuffer
// of their own (100,000 subscribed sockets would otherwise mean 100,000 off-heap allocations).
const GROUP_CHUNK_WORDS = 4096;
let groupChunk = new Uint32Array(GROUP_CHUNK_WORDS);
let groupChunkOff = 0;
const carve_group_words = (words: number): Uint32Array => {
  if (words > GROUP_CHUNK_WORDS / 8) return new Uint32Array(words);
  if (groupChunkOff + words > GROUP_CHUNK_WORDS) {
    groupChunk = new Uint32Array(GROUP_CHUNK_WORDS);
    groupChunkOff = 0;
  }
  const view = groupChunk.subarray(groupChunkOff, groupChunkOff + words);
  groupChunkOff += words;
  return view;
};

/** netlink_realloc_groups: grow the socket's bitmap to the unit's group count (ngroups is 0 before). */
export const netlink_realloc_groups = (sk: NetlinkSock): number => {
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (tbl.registered === 0) return -ERRNO.ENOENT;
  const groups = tbl.groups;
  if (sk.ngroups >= groups) return 0;
  const next = carve_group_words(NLGRPWORDS(groups));
  if (sk.groups !== null) next.set(sk.groups.subarray(0, Math.min(sk.groups.length, next.length)));
  sk.groups = next;
  sk.ngroups = groups;
  return 0;
};

/** The bind-time part of netlink_bind: replace the low 32 group bits (kept above 32). */
export const netlink_set_bind_groups = (sk: NetlinkSock, groups: number): void => {
  const low = sk.groups![0]!;
  const next = groups >>> 0;
  const subscriptions = sk.subscriptions + hweight32(groups) - hweight32(low);
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (sk.subscriptions !== 0) {
    // on mc_list: count the bits that change (if it leaves, every one of them is a loss)
    for (let diff = (low ^ next) >>> 0; diff !== 0; diff &= diff - 1) {
      const b = 31 - Math.clz32(diff & -diff);
      listener_count(tbl, b, (next >>> b) & 1 ? 1 : -1);
    }
  }
  sk.groups![0] = next;
  netlink_update_subscriptions(sk, subscriptions);
  listeners_settle(sk);
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
    sk_del_bind_node(tbl, sk);
    listeners_settle(sk);
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
