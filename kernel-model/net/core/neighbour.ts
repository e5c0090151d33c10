// net/core/neighbour.c (6.18): the neighbour tables (ARP's arp_tbl, net/ipv4/arp.ts; ND's nd_tbl,
// net/ipv6/ndisc.ts, registered with neigh_table_init) and their rtnetlink side: RTM_NEWNEIGH
// (neigh_add → ___neigh_create / __neigh_update, pneigh_create for NTF_PROXY entries), RTM_DELNEIGH
// (neigh_delete, pneigh_delete), RTM_GETNEIGH do and dump (neigh_get, neigh_dump_info with
// neigh_dump_table / pneigh_dump_table and their filters), the notifications to RTNLGRP_NEIGH
// (__neigh_notify), the flush of a device's entries when it goes down or away (neigh_ifdown,
// neigh_flush_dev, pneigh_ifdown) and RTM_GETNEIGHTBL dumps (neightbl_dump_info, neightbl_fill_info,
// neightbl_fill_param_info).
//
// Not modelled: address resolution itself (no packet is sent or received, so no entry is made by
// traffic, and the arp_queue stays empty), the timers of an entry (neigh_timer_handler: REACHABLE
// stays REACHABLE, where the kernel turns it STALE after reachable_time), the periodic and forced
// garbage collection, NTF_MANAGED and NTF_USE where it starts resolution, and the DELAY and PROBE
// states (both start the timer): those requests are logged and refused with −EOPNOTSUPP. The kernel's
// tables are global and hashed with a random seed per table, so a dump lists the entries of one
// table in an order that changes from boot to boot; the model lists them newest first.

import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  getS32,
  getU16,
  getU32,
  getU64,
  type NetlinkExtAck,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_ALIGN,
  NLA_BINARY,
  NLA_HDRLEN,
  NLA_NESTED,
  NLA_STRING,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLA_U64,
  NLM_F_CREATE,
  NLM_F_DUMP_FILTERED,
  NLM_F_EXCL,
  NLM_F_MULTI,
  NLM_F_REPLACE,
  NLMSG_ALIGN,
  NLMSG_HDRLEN,
  type NlAttr,
  type NlaPolicySet,
  nlaParse,
  nlaPolicy,
  putU16,
  putU32,
} from "../../uapi/index.js";
import { NDMSG_SIZE, RTM_GETNEIGH } from "../../uapi/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import {
  nla_nest_cancel,
  nla_nest_end,
  nla_nest_start_noflag,
  nla_put,
  nla_put_string,
  nla_put_u8,
  nla_put_u32,
  nla_put_u64_64bit,
  nla_total_size,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  nlmsg_total_size,
} from "../netlink/nlmsg.js";
import { alloc_skb, kfree_skb, type SkBuff, skb_kmalloc_tailroom } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { __dev_get_by_index, type LinkDevice } from "./loopback.js";
import {
  attr_name,
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_notify,
  rtnl_register,
  rtnl_unicast,
  skb_net,
} from "./rtnetlink.js";

// include/uapi/linux/rtnetlink.h
export const RTM_NEWNEIGH = 28;
export const RTM_DELNEIGH = 29;
export const RTM_NEWNEIGHTBL = 64;
export const RTM_GETNEIGHTBL = 66;
export const RTM_SETNEIGHTBL = 67;
/** RTNLGRP_NEIGH */
export const RTNLGRP_NEIGH = 3;
/** RTN_UNICAST, RTN_LOCAL, RTN_BROADCAST, RTN_MULTICAST (ndm_type) */
export const RTN_UNICAST = 1;
export const RTN_LOCAL = 2;
export const RTN_BROADCAST = 3;
export const RTN_MULTICAST = 5;

// include/uapi/linux/neighbour.h
export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_VLAN = 5;
export const NDA_PORT = 6;
export const NDA_VNI = 7;
export const NDA_IFINDEX = 8;
export const NDA_MASTER = 9;
export const NDA_PROTOCOL = 12;
export const NDA_NH_ID = 13;
export const NDA_FDB_EXT_ATTRS = 14;
export const NDA_FLAGS_EXT = 15;
export const NDA_MAX = 17;

export const NTF_USE = 0x01;
export const NTF_SELF = 0x02;
export const NTF_MASTER = 0x04;
export const NTF_PROXY = 0x08;
export const NTF_EXT_LEARNED = 0x10;
export const NTF_OFFLOADED = 0x20;
export const NTF_STICKY = 0x40;
export const NTF_ROUTER = 0x80;
/** NTF_EXT_SHIFT: the extended flags (NDA_FLAGS_EXT) sit above the ndm_flags byte in neigh->flags */
export const NTF_EXT_SHIFT = 8;
export const NTF_EXT_MANAGED = 1 << 0;
export const NTF_EXT_LOCKED = 1 << 1;
export const NTF_EXT_EXT_VALIDATED = 1 << 2;
/** NTF_EXT_MASK: what NDA_FLAGS_EXT may carry */
export const NTF_EXT_MASK = NTF_EXT_MANAGED | NTF_EXT_EXT_VALIDATED;
export const NTF_MANAGED = NTF_EXT_MANAGED << NTF_EXT_SHIFT;
export const NTF_EXT_VALIDATED = NTF_EXT_EXT_VALIDATED << NTF_EXT_SHIFT;
const NTF_OLD_MASK = 0xff;

export const NUD_NONE = 0x00;
export const NUD_INCOMPLETE = 0x01;
export const NUD_REACHABLE = 0x02;
export const NUD_STALE = 0x04;
export const NUD_DELAY = 0x08;
export const NUD_PROBE = 0x10;
export const NUD_FAILED = 0x20;
export const NUD_NOARP = 0x40;
export const NUD_PERMANENT = 0x80;
// include/net/neighbour.h
export const NUD_IN_TIMER = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE;
export const NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY;
export const NUD_CONNECTED = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE;

const NEIGH_UPDATE_F_OVERRIDE = 1 << 0;
const NEIGH_UPDATE_F_WEAK_OVERRIDE = 1 << 1;
const NEIGH_UPDATE_F_OVERRIDE_ISROUTER = 1 << 2;
const NEIGH_UPDATE_F_USE = 1 << 3;
const NEIGH_UPDATE_F_MANAGED = 1 << 4;
const NEIGH_UPDATE_F_EXT_LEARNED = 1 << 5;
const NEIGH_UPDATE_F_ISROUTER = 1 << 6;
const NEIGH_UPDATE_F_EXT_VALIDATED = 1 << 7;
const NEIGH_UPDATE_F_ADMIN = 1 << 31;

/** MAX_ADDR_LEN */
const MAX_ADDR_LEN = 32;
/** PNEIGH_HASHMASK */
const PNEIGH_HASHMASK = 0xf;
/** HZ / USER_HZ: the model's jiffies count milliseconds, nda_cacheinfo reports hundredths */
const jiffies_to_clock_t = (j: number): number => Math.floor(j / 10) >>> 0;

/** The neigh_parms values (NEIGH_VAR_*) rtnetlink reports, in milliseconds where they are times. */
export interface NeighParmsData {
  queue_len_bytes: number;
  proxy_qlen: number;
  app_probes: number;
  ucast_probes: number;
  mcast_probes: number;
  mcast_reprobes: number;
  base_reachable_time: number;
  gc_staletime: number;
  delay_probe_time: number;
  retrans_time: number;
  anycast_delay: number;
  proxy_delay: number;
  locktime: number;
  interval_probe_time_ms: number;
}

/** struct neigh_parms: a table's defaults (dev null) or a device's copy of them */
export interface NeighParms {
  readonly dev: LinkDevice | null;
  refcnt: number;
  /** p->reachable_time: the kernel draws it in [base/2, 3·base/2); the model keeps the base */
  reachable_time: number;
  readonly data: NeighParmsData;
}

/** struct neighbour */
export interface Neighbour {
  readonly tbl: NeighTable;
  readonly dev: LinkDevice;
  /** n->primary_key (the constructor may change it: lo's IPv4 entries all have 0.0.0.0) */
  primary_key: Uint8Array;
  /** n->ha: dev->addr_len bytes */
  ha: Uint8Array;
  nud_state: number;
  flags: number;
  type: number;
  protocol: number;
  dead: boolean;
  probes: number;
  parms: NeighParms;
  /** jiffies of the last use, confirmation and update */
  used: number;
  confirmed: number;
  updated: number;
}

/** struct pneigh_entry: a proxy entry (NTF_PROXY), per key and device (or any device) */
export interface PneighEntry {
  readonly key: Uint8Array;
  readonly dev: LinkDevice | null;
  flags: number;
  protocol: number;
  permanent: boolean;
}

/** struct neigh_table: what the protocol (arp.ts, ndisc.ts) gives neigh_table_init */
export interface NeighTable {
  readonly family: number;
  readonly key_len: number;
  /** tbl->id: "arp_cache", "ndisc_cache" */
  readonly id: string;
  /** tbl->entry_size, as NDTA_CONFIG reports it [live] */
  readonly entry_size: number;
  /** tbl->constructor: the entry's type, state, address and parms for its device; 0 or a negative errno */
  readonly constructor: (net: Net, n: Neighbour) => number;
  /** tbl->pconstructor (ND joins the solicited-node group on the device): 0 or nonzero to refuse */
  readonly pconstructor?: (net: Net, n: PneighEntry) => number;
  /** tbl->allow_add(dev, extack) */
  readonly allow_add?: (dev: LinkDevice, extack: NetlinkExtAck) => boolean;
  /** tbl->parms: the defaults */
  readonly parms: NeighParms;
  readonly gc_interval: number;
  readonly gc_thresh1: number;
  readonly gc_thresh2: number;
  readonly gc_thresh3: number;
}

/** NEIGH_ARP_TABLE, NEIGH_ND_TABLE */
export const NEIGH_ARP_TABLE = 0;
export const NEIGH_ND_TABLE = 1;
export const NEIGH_NR_TABLES = 2;
/** neigh_tables[]: set by neigh_table_init (arp_init, ndisc_init) */
export const neigh_tables: Array<NeighTable | undefined> = [undefined, undefined];

/** struct neigh_statistics, summed (NDTA_STATS) */
export interface NeighStatistics {
  allocs: number;
  destroys: number;
  hash_grows: number;
  res_failed: number;
  lookups: number;
  hits: number;
}

/** A table's state in one namespace: its entries (one bucket, newest first), proxies and statistics. */
interface NeighTableNet {
  /** the entries, newest first (the kernel's hash order is random; see the top comment) */
  readonly hash: Neighbour[];
  /** tbl->phash_buckets: PNEIGH_HASHMASK + 1 lists, newest first */
  readonly phash: PneighEntry[][];
  /** the namespace's part of tbl->parms_list: its devices' parms, newest first */
  readonly parms_list: NeighParms[];
  readonly stats: NeighStatistics;
}

const nets = new WeakMap<Net, NeighTableNet[]>();

/** The namespace's state of table `index` */
export const neigh_table_net = (net: Net, index: number): NeighTableNet => {
  let l = nets.get(net);
  if (l === undefined) {
    l = [];
    nets.set(net, l);
  }
  let t = l[index];
  if (t === undefined) {
    t = {
      hash: [],
      phash: Array.from({ length: PNEIGH_HASHMASK + 1 }, () => []),
      parms_list: [],
      stats: { allocs: 0, destroys: 0, hash_grows: 0, res_failed: 0, lookups: 0, hits: 0 },
    };
    l[index] = t;
  }
  return t;
};

const tbl_index = (tbl: NeighTable): number => neigh_tables.indexOf(tbl);
const tbl_net = (net: Net, tbl: NeighTable): NeighTableNet => neigh_table_net(net, tbl_index(tbl));

/** neigh_table_init(index, tbl) */
export const neigh_table_init = (index: number, tbl: NeighTable): void => {
  neigh_tables[index] = tbl;
};

/**
 * neigh_parms_alloc(dev, tbl): the device's copy of the table's defaults, listed first (list_add
 * after tbl->parms). The kernel draws its reachable_time at random; the model keeps the base.
 */
export const neigh_parms_alloc = (net: Net, dev: LinkDevice, tbl: NeighTable): NeighParms => {
  const p: NeighParms = {
    dev,
    refcnt: 1,
    reachable_time: tbl.parms.data.base_reachable_time,
    data: { ...tbl.parms.data },
  };
  tbl_net(net, tbl).parms_list.unshift(p);
  return p;
};

/** neigh_parms_release(tbl, parms): off the list */
export const neigh_parms_release = (net: Net, tbl: NeighTable, parms: NeighParms): void => {
  const l = tbl_net(net, tbl).parms_list;
  const i = l.indexOf(parms);
  if (i >= 0) l.splice(i, 1);
};

/** The device's parms of a table (in_dev->arp_parms, idev->nd_parms), if the protocol gave it some */
export const neigh_dev_parms = (net: Net, tbl: NeighTable, dev: LinkDevice): NeighParms | undefined =>
  tbl_net(net, tbl).parms_list.find((p) => p.dev === dev);

/** neigh_find_table(family) */
export const neigh_find_table = (family: number): NeighTable | undefined => {
  if (family === 2) return neigh_tables[NEIGH_ARP_TABLE];
  if (family === 10) return neigh_tables[NEIGH_ND_TABLE];
  return undefined;
};

const key_eq = (a: Uint8Array, b: Uint8Array, len: number): boolean => {
  for (let i = 0; i < len; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** neigh_lookup(tbl, pkey, dev) */
export const neigh_lookup = (net: Net, tbl: NeighTable, pkey: Uint8Array, dev: LinkDevice): Neighbour | undefined => {
  const t = tbl_net(net, tbl);
  t.stats.lookups++;
  const n = t.hash.find((x) => x.dev === dev && key_eq(x.primary_key, pkey, tbl.key_len));
  if (n !== undefined) t.stats.hits++;
  return n;
};

/**
 * ___neigh_create(tbl, pkey, dev, flags, exempt_from_gc): a new entry, NUD_NONE, set up by the
 * protocol's constructor; an entry with the constructed key already there is returned instead.
 */
const ___neigh_create = (
  net: Net,
  tbl: NeighTable,
  pkey: Uint8Array,
  dev: LinkDevice,
  flags: number,
): Neighbour | number => {
  const t = tbl_net(net, tbl);
  // neigh_alloc
  const n: Neighbour = {
    tbl,
    dev,
    primary_key: pkey.slice(0, tbl.key_len),
    ha: new Uint8Array(dev.dev_addr.length),
    nud_state: NUD_NONE,
    flags,
    type: 0,
    protocol: 0,
    dead: true,
    probes: 0,
    parms: tbl.parms,
    used: 0,
    confirmed: 0,
    updated: 0,
  };
  t.stats.allocs++;
  const error = tbl.constructor(net, n);
  if (error < 0) return error;
  n.parms.refcnt++;
  n.confirmed = -(n.parms.data.base_reachable_time << 1);
  const n1 = t.hash.find((x) => x.dev === dev && key_eq(x.primary_key, n.primary_key, tbl.key_len));
  if (n1 !== undefined) {
    n.parms.refcnt--;
    t.stats.destroys++;
    return n1;
  }
  n.dead = false;
  // hlist_add_head_rcu on the bucket and on dev->neighbours[]
  t.hash.unshift(n);
  return n;
};

/** neigh_remove_one → neigh_cleanup_and_release: the entry leaves and RTM_DELNEIGH is announced */
const neigh_remove_one = (net: Net, n: Neighbour): void => {
  const t = tbl_net(net, n.tbl);
  const i = t.hash.indexOf(n);
  if (i >= 0) t.hash.splice(i, 1);
  n.dead = true;
  neigh_cleanup_and_release(net, n);
};

/** neigh_cleanup_and_release: RTM_DELNEIGH, then the table's reference goes (neigh_destroy) */
const neigh_cleanup_and_release = (net: Net, n: Neighbour): void => {
  __neigh_notify(net, n, RTM_DELNEIGH, 0, 0);
  n.parms.refcnt--;
  tbl_net(net, n.tbl).stats.destroys++;
};

/** neigh_update_is_router (include/net/neighbour.h) */
const neigh_update_is_router = (neigh: Neighbour, flags: number): boolean => {
  const ndm_flags = flags & NEIGH_UPDATE_F_ISROUTER ? NTF_ROUTER : 0;
  if (!((neigh.flags ^ ndm_flags) & NTF_ROUTER)) return false;
  if (ndm_flags & NTF_ROUTER) neigh.flags |= NTF_ROUTER;
  else neigh.flags &= ~NTF_ROUTER;
  return true;
};

/** neigh_update_flags: an administrative update sets or clears NTF_EXT_LEARNED, NTF_MANAGED, NTF_EXT_VALIDATED */
const neigh_update_flags = (neigh: Neighbour, flags: number): boolean => {
  if (!(flags & NEIGH_UPDATE_F_ADMIN)) return false;
  let ndm_flags = flags & NEIGH_UPDATE_F_EXT_LEARNED ? NTF_EXT_LEARNED : 0;
  ndm_flags |= flags & NEIGH_UPDATE_F_MANAGED ? NTF_MANAGED : 0;
  ndm_flags |= flags & NEIGH_UPDATE_F_EXT_VALIDATED ? NTF_EXT_VALIDATED : 0;
  let notify = false;
  for (const f of [NTF_EXT_LEARNED, NTF_MANAGED, NTF_EXT_VALIDATED]) {
    if (!((neigh.flags ^ ndm_flags) & f)) continue;
    neigh.flags = ndm_flags & f ? neigh.flags | f : neigh.flags & ~f;
    notify = true;
  }
  return notify;
};

/**
 * __neigh_update(neigh, lladdr, new, flags, nlmsg_pid, extack): the entry's new state and
 * link-layer address; a change is announced (RTM_NEWNEIGH with the requester's port id).
 * 0 or a negative errno. The timers the kernel arms here are not modelled.
 */
const __neigh_update = (
  net: Net,
  neigh: Neighbour,
  lladdr_in: Uint8Array | null,
  new_in: number,
  flags: number,
  nlmsg_pid: number,
  extack: NetlinkExtAck,
): number => {
  const dev = neigh.dev;
  const old = neigh.nud_state;
  const lladdr = lladdr_in;
  // `u8 new`: neigh_add passes the u16 ndm_state
  let state = new_in & 0xff;
  let err = -ERRNO.EPERM;
  let notify = false;
  let update_isrouter = 0;
  const out = (): number => {
    if (update_isrouter && neigh_update_is_router(neigh, flags)) notify = true;
    if (notify) __neigh_notify(net, neigh, RTM_NEWNEIGH, 0, nlmsg_pid);
    return err;
  };
  if (neigh.dead) {
    extack.msg = "Neighbor entry is now dead";
    return out();
  }
  if (!(flags & NEIGH_UPDATE_F_ADMIN) && old & (NUD_NOARP | NUD_PERMANENT)) return out();
  notify = neigh_update_flags(neigh, flags);
  if (flags & (NEIGH_UPDATE_F_USE | NEIGH_UPDATE_F_MANAGED)) {
    neigh.nud_state = old & ~NUD_PERMANENT;
    err = 0;
    return out();
  }
  if (!(state & NUD_VALID)) {
    neigh.nud_state = state;
    err = 0;
    notify = (old & NUD_VALID) !== 0;
    if (old & (NUD_INCOMPLETE | NUD_PROBE) && state & NUD_FAILED) notify = true;
    return out();
  }
  // compare the new lladdr with the cached one; `same` stands for lladdr == neigh->ha
  let same = false;
  if (!dev.dev_addr.length) same = true;
  else if (lladdr !== null) same = (old & NUD_VALID) !== 0 && key_eq(lladdr, neigh.ha, dev.dev_addr.length);
  else {
    err = -ERRNO.EINVAL;
    if (!(old & NUD_VALID)) {
      extack.msg = "No link layer address given";
      return out();
    }
    same = true;
  }
  if (state & NUD_CONNECTED) neigh.confirmed = 0;
  err = 0;
  update_isrouter = flags & NEIGH_UPDATE_F_OVERRIDE_ISROUTER;
  if (old & NUD_VALID) {
    if (!same && !(flags & NEIGH_UPDATE_F_OVERRIDE)) {
      update_isrouter = 0;
      if (flags & NEIGH_UPDATE_F_WEAK_OVERRIDE && old & NUD_CONNECTED) {
        same = true;
        state = NUD_STALE;
      } else return out();
    } else if (same && state === NUD_STALE && !(flags & NEIGH_UPDATE_F_ADMIN)) state = old;
  }
  if (state !== old || !same) neigh.updated = 0;
  if (state !== old) {
    if (state & NUD_PROBE) neigh.probes = 0;
    neigh.nud_state = state;
    notify = true;
  }
  if (!same && lladdr !== null) {
    neigh.ha = lladdr.slice(0, dev.dev_addr.length);
    if (!(state & NUD_CONNECTED)) neigh.confirmed = -(neigh.parms.data.base_reachable_time << 1);
    notify = true;
  }
  return out();
};

// ---------------------------------------------------------------------------------------------
// Proxy entries

/** pneigh_hash(pkey, key_len): the last four bytes of the key, folded to 4 bits */
const pneigh_hash = (pkey: Uint8Array, key_len: number): number => {
  let hash_val = getU32(pkey, key_len - 4);
  hash_val ^= hash_val >>> 16;
  hash_val ^= hash_val >>> 8;
  hash_val ^= hash_val >>> 4;
  return hash_val & PNEIGH_HASHMASK;
};

/** pneigh_lookup(tbl, net, pkey, dev): an entry for this device or for any */
const pneigh_lookup = (net: Net, tbl: NeighTable, pkey: Uint8Array, dev: LinkDevice | null): PneighEntry | undefined =>
  tbl_net(net, tbl).phash[pneigh_hash(pkey, tbl.key_len)]!.find(
    (n) => key_eq(n.key, pkey, tbl.key_len) && (n.dev === dev || n.dev === null),
  );

/** pneigh_create(tbl, net, pkey, dev, flags, protocol, permanent): made or updated; no notification */
const pneigh_create = (
  net: Net,
  tbl: NeighTable,
  pkey: Uint8Array,
  dev: LinkDevice | null,
  flags: number,
  protocol: number,
  permanent: boolean,
): number => {
  let n = pneigh_lookup(net, tbl, pkey, dev);
  if (n === undefined) {
    n = { key: pkey.slice(0, tbl.key_len), dev, flags: 0, protocol: 0, permanent: false };
    if (tbl.pconstructor?.(net, n)) return -ERRNO.ENOBUFS;
    tbl_net(net, tbl).phash[pneigh_hash(pkey, tbl.key_len)]!.unshift(n);
  }
  n.flags = flags;
  n.permanent = permanent;
  if (protocol) n.protocol = protocol;
  return 0;
};

/** pneigh_delete(tbl, net, pkey, dev): the entry of exactly this device (or of none); −ENOENT */
const pneigh_delete = (net: Net, tbl: NeighTable, pkey: Uint8Array, dev: LinkDevice | null): number => {
  const bucket = tbl_net(net, tbl).phash[pneigh_hash(pkey, tbl.key_len)]!;
  const i = bucket.findIndex((n) => key_eq(n.key, pkey, tbl.key_len) && n.dev === dev);
  if (i < 0) return -ERRNO.ENOENT;
  bucket.splice(i, 1);
  return 0;
};

/** pneigh_ifdown(tbl, dev, skip_perm): the device's proxy entries leave, silently */
const pneigh_ifdown = (net: Net, tbl: NeighTable, dev: LinkDevice, skip_perm: boolean): void => {
  for (const bucket of tbl_net(net, tbl).phash) {
    for (let i = 0; i < bucket.length; ) {
      const n = bucket[i]!;
      if (!(skip_perm && n.permanent) && n.dev === dev) bucket.splice(i, 1);
      else i++;
    }
  }
};

/**
 * neigh_ifdown(tbl, dev) → __neigh_ifdown(tbl, dev, false): every entry of the device leaves
 * (neigh_flush_dev walks dev->neighbours, newest first; each is announced RTM_DELNEIGH), then its
 * proxy entries. Permanent entries go too (neigh_carrier_down would keep them).
 */
export const neigh_ifdown = (net: Net, tbl: NeighTable, dev: LinkDevice): void => {
  const t = tbl_net(net, tbl);
  for (const n of t.hash.filter((x) => x.dev === dev)) {
    t.hash.splice(t.hash.indexOf(n), 1);
    // neigh_flush_one: the timer goes, the entry is marked dead; nobody else holds it
    n.dead = true;
    neigh_cleanup_and_release(net, n);
  }
  pneigh_ifdown(net, tbl, dev, false);
};

/** The number of entries a table has in the namespace (atomic_read(&tbl->entries), NDTA_CONFIG) */
export const neigh_entries = (net: Net, tbl: NeighTable): number => tbl_net(net, tbl).hash.length;

// ---------------------------------------------------------------------------------------------
// Netlink messages

/** nda_policy */
const nda_policy: NlaPolicySet = nlaPolicy(
  NDA_MAX,
  {
    [NDA_DST]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
    [NDA_LLADDR]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
    [NDA_CACHEINFO]: { type: 0 /* NLA_UNSPEC */, len: 16 },
    [NDA_PROBES]: { type: NLA_U32 },
    [NDA_VLAN]: { type: NLA_U16 },
    [NDA_PORT]: { type: NLA_U16 },
    [NDA_VNI]: { type: NLA_U32 },
    [NDA_IFINDEX]: { type: NLA_U32 },
    [NDA_MASTER]: { type: NLA_U32 },
    [NDA_PROTOCOL]: { type: NLA_U8 },
    [NDA_NH_ID]: { type: NLA_U32 },
    [NDA_FLAGS_EXT]: { type: NLA_U32, mask: BigInt(NTF_EXT_MASK) },
    [NDA_FDB_EXT_ATTRS]: { type: NLA_NESTED },
  },
  NDA_NH_ID,
);

/** struct ndmsg, read from a request */
interface Ndmsg {
  readonly family: number;
  readonly pad1: number;
  readonly pad2: number;
  readonly ifindex: number;
  readonly state: number;
  readonly flags: number;
  readonly type: number;
}
const ndmsg = (nlh: Nlmsghdr): Ndmsg => {
  const b = new Uint8Array(NDMSG_SIZE);
  b.set(nlh.msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + NDMSG_SIZE));
  return {
    family: b[0]!,
    pad1: b[1]!,
    pad2: getU16(b, 2),
    ifindex: getS32(b, 4),
    state: getU16(b, 8),
    flags: b[10]!,
    type: b[11]!,
  };
};

/** Writes the ndmsg of a reply at `off` */
const put_ndmsg = (b: Uint8Array, off: number, m: Omit<Ndmsg, "pad1" | "pad2">): void => {
  b[off] = m.family;
  b[off + 1] = 0;
  putU16(b, off + 2, 0);
  putU32(b, off + 4, m.ifindex >>> 0);
  putU16(b, off + 8, m.state);
  b[off + 10] = m.flags & 0xff;
  b[off + 11] = m.type;
};

/** __neigh_fill_info(skb, neigh, pid, seq, type, flags): 0, or −EMSGSIZE (the message is cancelled) */
const __neigh_fill_info = (
  skb: SkBuff,
  neigh: Neighbour,
  pid: number,
  seq: number,
  type: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, pid, seq, type, NDMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const neigh_flags_ext = neigh.flags >>> NTF_EXT_SHIFT;
  put_ndmsg(skb.head, nlmsg_data(nlh), {
    family: neigh.tbl.family,
    ifindex: neigh.dev.ifindex,
    state: neigh.nud_state,
    flags: neigh.flags & NTF_OLD_MASK,
    type: neigh.type,
  });
  const fail = (): number => {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  };
  if (nla_put(skb, NDA_DST, neigh.primary_key)) return fail();
  if (neigh.nud_state & NUD_VALID && nla_put(skb, NDA_LLADDR, neigh.ha)) return fail();
  // struct nda_cacheinfo {ndm_confirmed, ndm_used, ndm_updated, ndm_refcnt}: "now" is jiffies 0;
  // the reference count is the table's alone
  const ci = new Uint8Array(16);
  putU32(ci, 0, jiffies_to_clock_t(-neigh.confirmed));
  putU32(ci, 4, jiffies_to_clock_t(-neigh.used));
  putU32(ci, 8, jiffies_to_clock_t(-neigh.updated));
  putU32(ci, 12, 0);
  if (nla_put_u32(skb, NDA_PROBES, neigh.probes) || nla_put(skb, NDA_CACHEINFO, ci)) return fail();
  if (neigh.protocol && nla_put_u8(skb, NDA_PROTOCOL, neigh.protocol)) return fail();
  if (neigh_flags_ext && nla_put_u32(skb, NDA_FLAGS_EXT, neigh_flags_ext)) return fail();
  nlmsg_end(skb, nlh);
  return 0;
};

/** pneigh_fill_info(skb, pn, pid, seq, type, flags, tbl) */
const pneigh_fill_info = (
  skb: SkBuff,
  pn: PneighEntry,
  pid: number,
  seq: number,
  type: number,
  flags: number,
  tbl: NeighTable,
): number => {
  const nlh = nlmsg_put(skb, pid, seq, type, NDMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const neigh_flags_ext = pn.flags >>> NTF_EXT_SHIFT;
  put_ndmsg(skb.head, nlmsg_data(nlh), {
    family: tbl.family,
    ifindex: pn.dev?.ifindex ?? 0,
    state: NUD_NONE,
    flags: (pn.flags & NTF_OLD_MASK) | NTF_PROXY,
    type: RTN_UNICAST,
  });
  if (
    nla_put(skb, NDA_DST, pn.key) ||
    (pn.protocol && nla_put_u8(skb, NDA_PROTOCOL, pn.protocol)) ||
    (neigh_flags_ext && nla_put_u32(skb, NDA_FLAGS_EXT, neigh_flags_ext))
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** neigh_nlmsg_size() */
const neigh_nlmsg_size = (): number =>
  NLMSG_ALIGN(NDMSG_SIZE) +
  nla_total_size(MAX_ADDR_LEN) +
  nla_total_size(MAX_ADDR_LEN) +
  nla_total_size(16) +
  nla_total_size(4) +
  nla_total_size(4) +
  nla_total_size(1);

/** pneigh_nlmsg_size() */
const pneigh_nlmsg_size = (): number =>
  NLMSG_ALIGN(NDMSG_SIZE) + nla_total_size(MAX_ADDR_LEN) + nla_total_size(4) + nla_total_size(1);

/** __neigh_notify(n, type, flags, pid): to RTNLGRP_NEIGH, sequence 0, the header's pid `pid` */
const __neigh_notify = (net: Net, n: Neighbour, type: number, flags: number, pid: number): void => {
  const skb = nlmsg_new(neigh_nlmsg_size());
  if (__neigh_fill_info(skb, n, pid, 0, type, flags) < 0) {
    kfree_skb(skb);
    return;
  }
  rtnl_notify(skb, net, 0, RTNLGRP_NEIGH, null);
};

/** A request the model does not carry out: logged, −EOPNOTSUPP. */
const not_modelled = (net: Net, what: string): number => {
  net.kernel?.printk(`${KERN_NOTICE}nlsim: neighbour: ${what} is not modelled (EOPNOTSUPP)`);
  return -ERRNO.EOPNOTSUPP;
};

/** nlmsg_find_attr(nlh, hdrlen, attrtype): the first attribute of the type, unvalidated */
const nlmsg_find_attr = (nlh: Nlmsghdr, hdrlen: number, attrtype: number): Uint8Array | undefined => {
  const b = nlh.msg;
  const end = Math.min(nlh.nlmsg_len, b.length);
  for (let off = NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen); off + NLA_HDRLEN <= end; ) {
    const len = getU16(b, off);
    if (len < NLA_HDRLEN || off + len > end) break;
    if ((getU16(b, off + 2) & 0x3fff) === attrtype) return b.subarray(off + NLA_HDRLEN, off + len);
    off += NLA_ALIGN(len);
  }
  return undefined;
};

/** neigh_delete: RTM_DELNEIGH */
const neigh_delete: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined || nlmsg_len(nlh) < NDMSG_SIZE) return -ERRNO.EINVAL;
  const dst = nlmsg_find_attr(nlh, NDMSG_SIZE, NDA_DST);
  if (dst === undefined) {
    extack.msg = "Network address not specified";
    return -ERRNO.EINVAL;
  }
  const ndm = ndmsg(nlh);
  let dev: LinkDevice | null = null;
  if (ndm.ifindex) {
    dev = __dev_get_by_index(net, ndm.ifindex) ?? null;
    if (dev === null) return -ERRNO.ENODEV;
  }
  const tbl = neigh_find_table(ndm.family);
  if (tbl === undefined) return -ERRNO.EAFNOSUPPORT;
  if (dst.length < tbl.key_len) {
    extack.msg = "Invalid network address";
    return -ERRNO.EINVAL;
  }
  if (ndm.flags & NTF_PROXY) return pneigh_delete(net, tbl, dst, dev);
  if (dev === null) return -ERRNO.EINVAL;
  const neigh = neigh_lookup(net, tbl, dst, dev);
  if (neigh === undefined) return -ERRNO.ENOENT;
  const err = __neigh_update(
    net,
    neigh,
    null,
    NUD_FAILED,
    NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN,
    skb.cb.portid,
    extack,
  );
  neigh_remove_one(net, neigh);
  return err;
};

/** The checks of neigh_add's proxy branch, then pneigh_create */
const neigh_add_proxy = (
  net: Net,
  tbl: NeighTable,
  ndm: Ndmsg,
  ndm_flags: number,
  dst: Uint8Array,
  dev: LinkDevice | null,
  protocol: number,
  extack: NetlinkExtAck,
): number => {
  if (ndm_flags & (NTF_MANAGED | NTF_EXT_VALIDATED)) {
    extack.msg = "Invalid NTF_* flag combination";
    return -ERRNO.EINVAL;
  }
  return pneigh_create(net, tbl, dst, dev, ndm_flags, protocol, (ndm.state & NUD_PERMANENT) !== 0);
};

/**
 * What neigh_add would start and the model does not, refused before the entry changes: NTF_MANAGED
 * (the table's managed work probes the entry periodically), the DELAY and PROBE states (the timer).
 */
const neigh_add_unmodelled = (net: Net, ndm_flags: number, state: number): number => {
  if (ndm_flags & NTF_MANAGED) return not_modelled(net, "NTF_MANAGED (periodic resolution)");
  if (state & (NUD_DELAY | NUD_PROBE)) return not_modelled(net, "NUD_DELAY / NUD_PROBE (the neighbour timer)");
  return 0;
};

/**
 * neigh_event_send(neigh, NULL) after an NTF_USE update: nothing to do for an entry that is
 * connected or being probed; otherwise the kernel starts resolution (NUD_INCOMPLETE or NUD_DELAY,
 * the timer, solicitations), which the model does not: logged, −EOPNOTSUPP.
 */
const neigh_event_send = (net: Net, neigh: Neighbour): number => {
  if (neigh.nud_state & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE)) return 0;
  return not_modelled(net, "NTF_USE on an entry that is not connected (address resolution)");
};

/**
 * neigh_add's lookup: the existing entry (NLM_F_EXCL: −EEXIST; without NLM_F_REPLACE the update may
 * not override the address or the router flag), or a new one with NLM_F_CREATE.
 */
const neigh_add_find = (
  net: Net,
  tbl: NeighTable,
  nlh: Nlmsghdr,
  ndm: Ndmsg,
  ndm_flags: number,
  dst: Uint8Array,
  dev: LinkDevice,
  extack: NetlinkExtAck,
): { neigh: Neighbour; flags: number } | number => {
  let flags = NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER;
  const found = neigh_lookup(net, tbl, dst, dev);
  if (found === undefined) {
    const ndm_permanent = (ndm.state & NUD_PERMANENT) !== 0;
    if (!(nlh.nlmsg_flags & NLM_F_CREATE)) return -ERRNO.ENOENT;
    if (ndm_permanent && ndm_flags & NTF_MANAGED) {
      extack.msg = "Invalid NTF_* flag for permanent entry";
      return -ERRNO.EINVAL;
    }
    if (ndm_flags & NTF_EXT_VALIDATED) {
      const state = ndm_flags & (NTF_USE | NTF_MANAGED) ? NUD_NONE : ndm.state;
      if (!(state & NUD_VALID)) {
        extack.msg = "Cannot create externally validated neighbor with an invalid state";
        return -ERRNO.EINVAL;
      }
    }
    const unmodelled = neigh_add_unmodelled(net, ndm_flags, ndm.state);
    if (unmodelled) return unmodelled;
    const neigh = ___neigh_create(net, tbl, dst, dev, ndm_flags & (NTF_EXT_LEARNED | NTF_MANAGED | NTF_EXT_VALIDATED));
    return typeof neigh === "number" ? neigh : { neigh, flags };
  }
  if (nlh.nlmsg_flags & NLM_F_EXCL) return -ERRNO.EEXIST;
  if (ndm_flags & NTF_EXT_VALIDATED) {
    const state = ndm_flags & (NTF_USE | NTF_MANAGED) ? found.nud_state & ~NUD_PERMANENT : ndm.state;
    if (!(state & NUD_VALID)) {
      extack.msg = "Cannot mark neighbor as externally validated with an invalid state";
      return -ERRNO.EINVAL;
    }
  }
  const unmodelled = neigh_add_unmodelled(net, ndm_flags, ndm.state);
  if (unmodelled) return unmodelled;
  if (!(nlh.nlmsg_flags & NLM_F_REPLACE)) flags &= ~(NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER);
  return { neigh: found, flags };
};

/** neigh_add: RTM_NEWNEIGH */
const neigh_add: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, NDMSG_SIZE, nda_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  if (tb[NDA_DST] === undefined) {
    extack.msg = "Network address not specified";
    return -ERRNO.EINVAL;
  }
  const ndm = ndmsg(nlh);
  let ndm_flags = ndm.flags;
  if (tb[NDA_FLAGS_EXT] !== undefined) ndm_flags |= getU32(tb[NDA_FLAGS_EXT]!.data, 0) << NTF_EXT_SHIFT;
  let dev: LinkDevice | null = null;
  if (ndm.ifindex) {
    dev = __dev_get_by_index(net, ndm.ifindex) ?? null;
    if (dev === null) return -ERRNO.ENODEV;
    if (tb[NDA_LLADDR] !== undefined && tb[NDA_LLADDR]!.data.length < dev.dev_addr.length) {
      extack.msg = "Invalid link address";
      return -ERRNO.EINVAL;
    }
  }
  const tbl = neigh_find_table(ndm.family);
  if (tbl === undefined) return -ERRNO.EAFNOSUPPORT;
  const dst = tb[NDA_DST]!.data;
  if (dst.length < tbl.key_len) {
    extack.msg = "Invalid network address";
    return -ERRNO.EINVAL;
  }
  const lladdr = tb[NDA_LLADDR]?.data ?? null;
  const protocol = tb[NDA_PROTOCOL] !== undefined ? tb[NDA_PROTOCOL]!.data[0]! : 0;
  if (ndm_flags & NTF_PROXY) return neigh_add_proxy(net, tbl, ndm, ndm_flags, dst, dev, protocol, extack);
  if (dev === null) {
    extack.msg = "Device not specified";
    return -ERRNO.EINVAL;
  }
  if (tbl.allow_add !== undefined && !tbl.allow_add(dev, extack)) return -ERRNO.EINVAL;
  const r = neigh_add_find(net, tbl, nlh, ndm, ndm_flags, dst, dev, extack);
  if (typeof r === "number") return r;
  const { neigh } = r;
  let flags = r.flags;
  if (protocol) neigh.protocol = protocol;
  if (ndm_flags & NTF_EXT_LEARNED) flags |= NEIGH_UPDATE_F_EXT_LEARNED;
  if (ndm_flags & NTF_ROUTER) flags |= NEIGH_UPDATE_F_ISROUTER;
  if (ndm_flags & NTF_EXT_VALIDATED) flags |= NEIGH_UPDATE_F_EXT_VALIDATED;
  if (ndm_flags & NTF_USE) flags |= NEIGH_UPDATE_F_USE;
  const err = __neigh_update(net, neigh, lladdr, ndm.state, flags, skb.cb.portid, extack);
  if (!err && ndm_flags & NTF_USE) return neigh_event_send(net, neigh);
  return err;
};

/**
 * neigh_valid_get_req: the request is checked whatever NETLINK_GET_STRICT_CHK says. Returns the
 * header and NDA_DST, or a negative errno.
 */
const neigh_valid_get_req = (nlh: Nlmsghdr, extack: NetlinkExtAck): { ndm: Ndmsg; dst: Uint8Array } | number => {
  if (nlmsg_len(nlh) < NDMSG_SIZE) {
    extack.msg = "Invalid header for neighbor get request";
    return -ERRNO.EINVAL;
  }
  const ndm = ndmsg(nlh);
  if (ndm.pad1 || ndm.pad2 || ndm.state || ndm.type) {
    extack.msg = "Invalid values in header for neighbor get request";
    return -ERRNO.EINVAL;
  }
  if (ndm.flags & ~NTF_PROXY) {
    extack.msg = "Invalid flags in header for neighbor get request";
    return -ERRNO.EINVAL;
  }
  if (!(ndm.flags & NTF_PROXY) && ndm.ifindex === 0) {
    extack.msg = "No device specified";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(nlh, NDMSG_SIZE, nda_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= NDA_MAX; i++) {
    if (i === NDA_DST) {
      if (tb[i] !== undefined) continue;
      extack.missType = NDA_DST;
      return -ERRNO.EINVAL;
    }
    if (tb[i] === undefined) continue;
    extack.msg = "Unsupported attribute in neighbor get request";
    return -ERRNO.EINVAL;
  }
  return { ndm, dst: tb[NDA_DST]!.data };
};

/** neigh_get: RTM_GETNEIGH do: one entry (or proxy entry) by device and address. */
export const neigh_get: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const pid = skb.cb.portid;
  const req = neigh_valid_get_req(nlh, extack);
  if (typeof req === "number") return req;
  const { ndm, dst } = req;
  // the kernel sizes the two replies the other way round (pneigh_nlmsg_size for an entry): an
  // entry's message fits only in the slab's slack, which alloc_skb gives (its real tailroom here)
  const size = nlmsg_total_size(ndm.flags & NTF_PROXY ? neigh_nlmsg_size() : pneigh_nlmsg_size());
  const nskb = alloc_skb(skb_kmalloc_tailroom(size));
  const fail = (err: number, msg: string): number => {
    extack.msg = msg;
    kfree_skb(nskb);
    return err;
  };
  const tbl = neigh_find_table(ndm.family);
  if (tbl === undefined) return fail(-ERRNO.EAFNOSUPPORT, "Unsupported family in header for neighbor get request");
  if (dst.length !== tbl.key_len) return fail(-ERRNO.EINVAL, "Invalid network address in neighbor get request");
  let dev: LinkDevice | null = null;
  if (ndm.ifindex) {
    dev = __dev_get_by_index(net, ndm.ifindex) ?? null;
    if (dev === null) return fail(-ERRNO.ENODEV, "Unknown device ifindex");
  }
  let err: number;
  if (ndm.flags & NTF_PROXY) {
    const pn = pneigh_lookup(net, tbl, dst, dev);
    if (pn === undefined) return fail(-ERRNO.ENOENT, "Proxy neighbour entry not found");
    err = pneigh_fill_info(nskb, pn, pid, nlh.nlmsg_seq, RTM_NEWNEIGH, 0, tbl);
  } else {
    const neigh = neigh_lookup(net, tbl, dst, dev!);
    if (neigh === undefined) return fail(-ERRNO.ENOENT, "Neighbour entry not found");
    err = __neigh_fill_info(nskb, neigh, pid, nlh.nlmsg_seq, RTM_NEWNEIGH, 0);
  }
  if (err) {
    kfree_skb(nskb);
    return err;
  }
  return rtnl_unicast(nskb, net, pid);
};

/** struct neigh_dump_filter */
interface NeighDumpFilter {
  master_idx: number;
  dev_idx: number;
}

/**
 * neigh_valid_dump_req: a strict request must be a clean ndmsg (only NTF_PROXY in its flags) with
 * at most NDA_IFINDEX and NDA_MASTER, which set the filter; otherwise the parse's complaint stays
 * in the extack.
 */
const neigh_valid_dump_req = (
  nlh: Nlmsghdr,
  strict_check: boolean,
  filter: NeighDumpFilter,
  extack: NetlinkExtAck,
): number => {
  let tb: ReturnType<typeof nlmsg_parse>;
  if (strict_check) {
    if (nlmsg_len(nlh) < NDMSG_SIZE) {
      extack.msg = "Invalid header for neighbor dump request";
      return -ERRNO.EINVAL;
    }
    const ndm = ndmsg(nlh);
    if (ndm.pad1 || ndm.pad2 || ndm.ifindex || ndm.state || ndm.type) {
      extack.msg = "Invalid values in header for neighbor dump request";
      return -ERRNO.EINVAL;
    }
    if (ndm.flags & ~NTF_PROXY) {
      extack.msg = "Invalid flags in header for neighbor dump request";
      return -ERRNO.EINVAL;
    }
    tb = nlmsg_parse(nlh, NDMSG_SIZE, nda_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  } else tb = nlmsg_parse(nlh, NDMSG_SIZE, nda_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= NDA_MAX; i++) {
    const a = tb[i];
    if (a === undefined) continue;
    if (i === NDA_IFINDEX) filter.dev_idx = getS32(a.data, 0);
    else if (i === NDA_MASTER) filter.master_idx = getS32(a.data, 0);
    else if (strict_check) {
      extack.msg = "Unsupported attribute in neighbor dump request";
      return -ERRNO.EINVAL;
    }
  }
  return 0;
};

/** neigh_master_filtered(dev, master_idx): no model device has a master (−1 asks for "no master") */
const neigh_master_filtered = (_dev: LinkDevice | null, master_idx: number): boolean =>
  master_idx !== 0 && master_idx !== -1;

/** neigh_ifindex_filtered(dev, filter_idx) */
const neigh_ifindex_filtered = (dev: LinkDevice | null, filter_idx: number): boolean =>
  filter_idx !== 0 && (dev === null || dev.ifindex !== filter_idx);

/** neigh_dump_table: cb.args[1] the bucket (one), cb.args[2] the index in it */
const neigh_dump_table = (
  net: Net,
  tbl: NeighTable,
  skb: SkBuff,
  cb: NetlinkCallback,
  filter: NeighDumpFilter,
): number => {
  const flags = NLM_F_MULTI | (filter.dev_idx || filter.master_idx ? NLM_F_DUMP_FILTERED : 0);
  const s_h = cb.args[1]!;
  let s_idx = cb.args[2]!;
  let h = s_h;
  let idx = s_idx;
  let err = 0;
  const buckets = [tbl_net(net, tbl).hash];
  out: for (; h < buckets.length; h++) {
    if (h > s_h) s_idx = 0;
    idx = 0;
    for (const n of buckets[h]!) {
      if (
        idx >= s_idx &&
        !neigh_ifindex_filtered(n.dev, filter.dev_idx) &&
        !neigh_master_filtered(n.dev, filter.master_idx)
      ) {
        err = __neigh_fill_info(skb, n, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWNEIGH, flags);
        if (err < 0) break out;
      }
      idx++;
    }
  }
  cb.args[1] = h;
  cb.args[2] = idx;
  return err;
};

/** pneigh_dump_table: cb.args[3] the bucket, cb.args[4] the index in it */
const pneigh_dump_table = (
  net: Net,
  tbl: NeighTable,
  skb: SkBuff,
  cb: NetlinkCallback,
  filter: NeighDumpFilter,
): number => {
  const flags = NLM_F_MULTI | (filter.dev_idx || filter.master_idx ? NLM_F_DUMP_FILTERED : 0);
  const s_h = cb.args[3]!;
  let s_idx = cb.args[4]!;
  let h = s_h;
  let idx = s_idx;
  let err = 0;
  const phash = tbl_net(net, tbl).phash;
  out: for (; h <= PNEIGH_HASHMASK; h++) {
    if (h > s_h) s_idx = 0;
    idx = 0;
    for (const n of phash[h]!) {
      if (
        idx >= s_idx &&
        !neigh_ifindex_filtered(n.dev, filter.dev_idx) &&
        !neigh_master_filtered(n.dev, filter.master_idx)
      ) {
        err = pneigh_fill_info(skb, n, cb.skb.cb.portid, cb.nlh.nlmsg_seq, RTM_NEWNEIGH, flags, tbl);
        if (err < 0) break out;
      }
      idx++;
    }
  }
  cb.args[3] = h;
  cb.args[4] = idx;
  return err;
};

/**
 * neigh_dump_info: RTM_GETNEIGH dump over the tables of the family (all for AF_UNSPEC), the proxy
 * entries when ndm_flags is exactly NTF_PROXY. cb.args[0] is the table.
 */
export const neigh_dump_info: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const nlh = cb.nlh;
  const family = nlmsg_len(nlh) >= 1 ? nlh.msg[NLMSG_HDRLEN]! : 0;
  const proxy = nlmsg_len(nlh) >= NDMSG_SIZE && ndmsg(nlh).flags === NTF_PROXY;
  const filter: NeighDumpFilter = { master_idx: 0, dev_idx: 0 };
  let err = neigh_valid_dump_req(nlh, cb.strict_check, filter, cb.extack ?? {});
  if (err < 0 && cb.strict_check) return err;
  err = 0;
  const s_t = cb.args[0]!;
  let t = 0;
  for (; t < NEIGH_NR_TABLES; t++) {
    const tbl = neigh_tables[t];
    if (tbl === undefined) continue;
    if (t < s_t || (family && tbl.family !== family)) continue;
    if (t > s_t) cb.args.fill(0, 1);
    err = proxy ? pneigh_dump_table(net, tbl, skb, cb, filter) : neigh_dump_table(net, tbl, skb, cb, filter);
    if (err < 0) break;
  }
  cb.args[0] = t;
  return err;
};

// ---------------------------------------------------------------------------------------------
// RTM_GETNEIGHTBL, RTM_SETNEIGHTBL

// include/uapi/linux/neighbour.h: NDTA_* and NDTPA_*
export const NDTA_NAME = 1;
export const NDTA_THRESH1 = 2;
export const NDTA_THRESH2 = 3;
export const NDTA_THRESH3 = 4;
export const NDTA_CONFIG = 5;
export const NDTA_PARMS = 6;
export const NDTA_STATS = 7;
export const NDTA_GC_INTERVAL = 8;
export const NDTA_PAD = 9;
const NDTA_MAX = 9;
export const NDTPA_IFINDEX = 1;
export const NDTPA_REFCNT = 2;
export const NDTPA_REACHABLE_TIME = 3;
export const NDTPA_BASE_REACHABLE_TIME = 4;
export const NDTPA_RETRANS_TIME = 5;
export const NDTPA_GC_STALETIME = 6;
export const NDTPA_DELAY_PROBE_TIME = 7;
export const NDTPA_QUEUE_LEN = 8;
export const NDTPA_APP_PROBES = 9;
export const NDTPA_UCAST_PROBES = 10;
export const NDTPA_MCAST_PROBES = 11;
export const NDTPA_ANYCAST_DELAY = 12;
export const NDTPA_PROXY_DELAY = 13;
export const NDTPA_PROXY_QLEN = 14;
export const NDTPA_LOCKTIME = 15;
export const NDTPA_QUEUE_LENBYTES = 16;
export const NDTPA_MCAST_REPROBES = 17;
export const NDTPA_PAD = 18;
export const NDTPA_INTERVAL_PROBE_TIME_MS = 19;
const NDTPA_MAX = 19;
/** sizeof(struct ndtmsg) */
const NDTMSG_SIZE = 4;
/** SKB_TRUESIZE(ETH_FRAME_LEN) on x86_64: 1514 + 256 + 320, what NDTPA_QUEUE_LEN counts packets in */
const SKB_TRUESIZE_ETH_FRAME_LEN = 2090;

/** nla_put_msecs(skb, attrtype, msecs, padattr) */
const nla_put_msecs = (skb: SkBuff, attrtype: number, msecs: number, padattr: number): number =>
  nla_put_u64_64bit(skb, attrtype, BigInt(msecs), padattr);

/** neightbl_fill_parms(skb, parms): NDTA_PARMS */
const neightbl_fill_parms = (skb: SkBuff, parms: NeighParms): number => {
  const nest = nla_nest_start_noflag(skb, NDTA_PARMS);
  if (nest === null) return -ERRNO.ENOBUFS;
  const d = parms.data;
  const ms: ReadonlyArray<readonly [number, number]> = [
    [NDTPA_REACHABLE_TIME, parms.reachable_time],
    [NDTPA_BASE_REACHABLE_TIME, d.base_reachable_time],
    [NDTPA_GC_STALETIME, d.gc_staletime],
    [NDTPA_DELAY_PROBE_TIME, d.delay_probe_time],
    [NDTPA_RETRANS_TIME, d.retrans_time],
    [NDTPA_ANYCAST_DELAY, d.anycast_delay],
    [NDTPA_PROXY_DELAY, d.proxy_delay],
    [NDTPA_LOCKTIME, d.locktime],
    [NDTPA_INTERVAL_PROBE_TIME_MS, d.interval_probe_time_ms],
  ];
  if (
    (parms.dev !== null && nla_put_u32(skb, NDTPA_IFINDEX, parms.dev.ifindex)) ||
    nla_put_u32(skb, NDTPA_REFCNT, parms.refcnt) ||
    nla_put_u32(skb, NDTPA_QUEUE_LENBYTES, d.queue_len_bytes) ||
    // approximative value for deprecated QUEUE_LEN (in packets)
    nla_put_u32(skb, NDTPA_QUEUE_LEN, Math.floor(d.queue_len_bytes / SKB_TRUESIZE_ETH_FRAME_LEN)) ||
    nla_put_u32(skb, NDTPA_PROXY_QLEN, d.proxy_qlen) ||
    nla_put_u32(skb, NDTPA_APP_PROBES, d.app_probes) ||
    nla_put_u32(skb, NDTPA_UCAST_PROBES, d.ucast_probes) ||
    nla_put_u32(skb, NDTPA_MCAST_PROBES, d.mcast_probes) ||
    nla_put_u32(skb, NDTPA_MCAST_REPROBES, d.mcast_reprobes) ||
    ms.some(([t, v]) => nla_put_msecs(skb, t, v, NDTPA_PAD))
  ) {
    nla_nest_cancel(skb, nest);
    return -ERRNO.EMSGSIZE;
  }
  return nla_nest_end(skb, nest);
};

/**
 * struct ndt_config {u16 key_len, entry_size; u32 entries, last_flush, last_rand, hash_rnd,
 * hash_mask, hash_chain_gc, proxy_qlen}: the times since the last flush and the last
 * reachable-time draw are 0 (the model has no clock), the hash seed 0, the hash 8 buckets.
 */
const ndt_config = (net: Net, tbl: NeighTable): Uint8Array => {
  const b = new Uint8Array(32);
  putU16(b, 0, tbl.key_len);
  putU16(b, 2, tbl.entry_size);
  putU32(b, 4, neigh_entries(net, tbl));
  putU32(b, 20, 7);
  return b;
};

/** struct ndt_stats: 11 u64 counters (allocs, destroys, hash_grows, res_failed, lookups, hits, …) */
const ndt_stats = (st: NeighStatistics): Uint8Array => {
  const b = new Uint8Array(88);
  const vals = [st.allocs, st.destroys, st.hash_grows, st.res_failed, st.lookups, st.hits];
  for (let i = 0; i < vals.length; i++) putU32(b, i * 8, vals[i]!);
  return b;
};

/** neightbl_fill_info(skb, tbl, pid, seq, type, flags): the table and its defaults */
const neightbl_fill_info = (
  net: Net,
  skb: SkBuff,
  tbl: NeighTable,
  pid: number,
  seq: number,
  type: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, pid, seq, type, NDTMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ndtmsg = nlmsg_data(nlh);
  skb.head[ndtmsg] = tbl.family;
  skb.head[ndtmsg + 1] = 0;
  putU16(skb.head, ndtmsg + 2, 0);
  if (
    nla_put_string(skb, NDTA_NAME, tbl.id) ||
    nla_put_msecs(skb, NDTA_GC_INTERVAL, tbl.gc_interval, NDTA_PAD) ||
    nla_put_u32(skb, NDTA_THRESH1, tbl.gc_thresh1) ||
    nla_put_u32(skb, NDTA_THRESH2, tbl.gc_thresh2) ||
    nla_put_u32(skb, NDTA_THRESH3, tbl.gc_thresh3) ||
    nla_put(skb, NDTA_CONFIG, ndt_config(net, tbl)) ||
    nla_put(skb, NDTA_STATS, ndt_stats(tbl_net(net, tbl).stats)) ||
    neightbl_fill_parms(skb, tbl.parms) < 0
  ) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** neightbl_fill_param_info(skb, tbl, parms, pid, seq, type, flags): one device's parms */
const neightbl_fill_param_info = (
  skb: SkBuff,
  tbl: NeighTable,
  parms: NeighParms,
  pid: number,
  seq: number,
  type: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, pid, seq, type, NDTMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const ndtmsg = nlmsg_data(nlh);
  skb.head[ndtmsg] = tbl.family;
  skb.head[ndtmsg + 1] = 0;
  putU16(skb.head, ndtmsg + 2, 0);
  if (nla_put_string(skb, NDTA_NAME, tbl.id) < 0 || neightbl_fill_parms(skb, parms) < 0) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** neightbl_valid_dump_info: a strict request is a bare, clean ndtmsg */
const neightbl_valid_dump_info = (nlh: Nlmsghdr, extack: NetlinkExtAck): number => {
  if (nlmsg_len(nlh) < NDTMSG_SIZE) {
    extack.msg = "Invalid header for neighbor table dump request";
    return -ERRNO.EINVAL;
  }
  if (nlh.msg[NLMSG_HDRLEN + 1] || getU16(nlh.msg, NLMSG_HDRLEN + 2)) {
    extack.msg = "Invalid values in header for neighbor table dump request";
    return -ERRNO.EINVAL;
  }
  if (nlh.nlmsg_len > NLMSG_HDRLEN + NLMSG_ALIGN(NDTMSG_SIZE)) {
    extack.msg = "Invalid data after header in neighbor table dump request";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/**
 * neightbl_dump_info: RTM_GETNEIGHTBL dump: per table of the family (all for AF_UNSPEC) its
 * message, then one per device parms of the namespace. cb.args[0] the table, cb.args[1] the parms.
 */
export const neightbl_dump_info: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const nlh = cb.nlh;
  const tbl_skip = cb.args[0]!;
  let neigh_skip = cb.args[1]!;
  if (cb.strict_check) {
    const err = neightbl_valid_dump_info(nlh, cb.extack ?? {});
    if (err < 0) return err;
  }
  const family = nlmsg_len(nlh) >= 1 ? nlh.msg[NLMSG_HDRLEN]! : 0;
  const pid = cb.skb.cb.portid;
  let tidx = 0;
  let nidx = 0;
  out: for (; tidx < NEIGH_NR_TABLES; tidx++) {
    const tbl = neigh_tables[tidx];
    if (tbl === undefined) continue;
    if (tidx < tbl_skip || (family && tbl.family !== family)) continue;
    if (neightbl_fill_info(net, skb, tbl, pid, nlh.nlmsg_seq, RTM_NEWNEIGHTBL, NLM_F_MULTI) < 0) break;
    nidx = 0;
    for (const p of tbl_net(net, tbl).parms_list) {
      if (
        nidx >= neigh_skip &&
        neightbl_fill_param_info(skb, tbl, p, pid, nlh.nlmsg_seq, RTM_NEWNEIGHTBL, NLM_F_MULTI) < 0
      )
        break out;
      nidx++;
    }
    neigh_skip = 0;
  }
  cb.args[0] = tidx;
  cb.args[1] = nidx;
  return skb.len;
};

/** nl_neightbl_policy */
const nl_neightbl_policy: NlaPolicySet = nlaPolicy(NDTA_MAX, {
  [NDTA_NAME]: { type: NLA_STRING },
  [NDTA_THRESH1]: { type: NLA_U32 },
  [NDTA_THRESH2]: { type: NLA_U32 },
  [NDTA_THRESH3]: { type: NLA_U32 },
  [NDTA_GC_INTERVAL]: { type: NLA_U64 },
  [NDTA_PARMS]: { type: NLA_NESTED },
});

/** nl_ntbl_parm_policy */
const nl_ntbl_parm_policy: NlaPolicySet = nlaPolicy(NDTPA_MAX, {
  [NDTPA_IFINDEX]: { type: NLA_U32 },
  [NDTPA_QUEUE_LEN]: { type: NLA_U32 },
  [NDTPA_QUEUE_LENBYTES]: { type: NLA_U32 },
  [NDTPA_PROXY_QLEN]: { type: NLA_U32 },
  [NDTPA_APP_PROBES]: { type: NLA_U32 },
  [NDTPA_UCAST_PROBES]: { type: NLA_U32 },
  [NDTPA_MCAST_PROBES]: { type: NLA_U32 },
  [NDTPA_MCAST_REPROBES]: { type: NLA_U32 },
  [NDTPA_BASE_REACHABLE_TIME]: { type: NLA_U64 },
  [NDTPA_GC_STALETIME]: { type: NLA_U64 },
  [NDTPA_DELAY_PROBE_TIME]: { type: NLA_U64 },
  [NDTPA_RETRANS_TIME]: { type: NLA_U64 },
  [NDTPA_ANYCAST_DELAY]: { type: NLA_U64 },
  [NDTPA_PROXY_DELAY]: { type: NLA_U64 },
  [NDTPA_LOCKTIME]: { type: NLA_U64 },
  // the kernel's entry is { .type = NLA_U64, .min = 1 } without a validation type: no minimum is
  // checked [live: 0 is accepted]
  [NDTPA_INTERVAL_PROBE_TIME_MS]: { type: NLA_U64 },
});

/** The NEIGH_VAR a NDTPA_* attribute of neightbl_set writes, and how (u32 as is, msecs, packets) */
const NEIGHTBL_SET_VARS: ReadonlyMap<number, readonly [keyof NeighParmsData, "u32" | "msecs" | "packets"]> = new Map([
  [NDTPA_QUEUE_LEN, ["queue_len_bytes", "packets"]],
  [NDTPA_QUEUE_LENBYTES, ["queue_len_bytes", "u32"]],
  [NDTPA_PROXY_QLEN, ["proxy_qlen", "u32"]],
  [NDTPA_APP_PROBES, ["app_probes", "u32"]],
  [NDTPA_UCAST_PROBES, ["ucast_probes", "u32"]],
  [NDTPA_MCAST_PROBES, ["mcast_probes", "u32"]],
  [NDTPA_MCAST_REPROBES, ["mcast_reprobes", "u32"]],
  [NDTPA_BASE_REACHABLE_TIME, ["base_reachable_time", "msecs"]],
  [NDTPA_GC_STALETIME, ["gc_staletime", "msecs"]],
  [NDTPA_DELAY_PROBE_TIME, ["delay_probe_time", "msecs"]],
  [NDTPA_INTERVAL_PROBE_TIME_MS, ["interval_probe_time_ms", "msecs"]],
  [NDTPA_RETRANS_TIME, ["retrans_time", "msecs"]],
  [NDTPA_ANYCAST_DELAY, ["anycast_delay", "msecs"]],
  [NDTPA_PROXY_DELAY, ["proxy_delay", "msecs"]],
  [NDTPA_LOCKTIME, ["locktime", "msecs"]],
]);

/** neightbl_set's NDTA_PARMS: the parms of NDTPA_IFINDEX (a namespace other than init_net has no defaults to set) */
const neightbl_set_parms = (net: Net, tbl: NeighTable, parms: NlAttr, extack: NetlinkExtAck): number => {
  const r = nlaParse(parms.data, nl_ntbl_parm_policy, {
    validate: NL_VALIDATE_LIBERAL,
    base: parms.offset + NLA_HDRLEN,
  });
  if (!r.ok) {
    Object.assign(extack, r.extack);
    return r.error;
  }
  const tbp = r.tb;
  const ifindex = tbp[NDTPA_IFINDEX] !== undefined ? getU32(tbp[NDTPA_IFINDEX]!.data, 0) : 0;
  // lookup_neigh_parms: ifindex 0 names the defaults, which only init_net may set
  const p = ifindex ? tbl_net(net, tbl).parms_list.find((x) => x.dev?.ifindex === ifindex) : undefined;
  if (p === undefined) return -ERRNO.ENOENT;
  for (let i = 1; i <= NDTPA_MAX; i++) {
    const a = tbp[i];
    const v = NEIGHTBL_SET_VARS.get(i);
    if (a === undefined || v === undefined) continue;
    const [field, how] = v;
    // nla_get_msecs: the u64 as milliseconds (jiffies in the kernel, HZ 1000 here)
    const x = how === "msecs" ? Number(getU64(a.data, 0) & 0xffffffffn) | 0 : getU32(a.data, 0) | 0;
    p.data[field] = how === "packets" ? (x * SKB_TRUESIZE_ETH_FRAME_LEN) | 0 : x;
    if (i === NDTPA_BASE_REACHABLE_TIME) p.reachable_time = p.data.base_reachable_time;
  }
  return 0;
};

/** neightbl_set: RTM_SETNEIGHTBL, a table by NDTA_NAME (and family); its parms, or the thresholds (init_net only: −ENOENT) */
export const neightbl_set: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, NDTMSG_SIZE, nl_neightbl_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  if (tb[NDTA_NAME] === undefined) return -ERRNO.EINVAL;
  const family = nlh.msg[NLMSG_HDRLEN]!;
  const name = attr_name(tb[NDTA_NAME]!);
  const tbl = neigh_tables.find((t) => t !== undefined && (!family || t.family === family) && t.id === name);
  if (tbl === undefined) return -ERRNO.ENOENT;
  if (tb[NDTA_PARMS] !== undefined) {
    const err = neightbl_set_parms(net, tbl, tb[NDTA_PARMS]!, extack);
    if (err < 0) return err;
  }
  // the thresholds and the gc interval are init_net's: the model's namespace is not
  if (tb[NDTA_THRESH1] ?? tb[NDTA_THRESH2] ?? tb[NDTA_THRESH3] ?? tb[NDTA_GC_INTERVAL]) return -ERRNO.ENOENT;
  return 0;
};

/** neigh_init: the PF_UNSPEC neighbour handlers */
export const neigh_net_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_NEWNEIGH, neigh_add, null);
  rtnl_register(net, 0, RTM_DELNEIGH, neigh_delete, null);
  rtnl_register(net, 0, RTM_GETNEIGH, neigh_get, neigh_dump_info);
  rtnl_register(net, 0, RTM_GETNEIGHTBL, null, neightbl_dump_info);
  rtnl_register(net, 0, RTM_SETNEIGHTBL, neightbl_set, null);
};
