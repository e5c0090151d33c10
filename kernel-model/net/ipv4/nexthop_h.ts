// include/net/nexthop.h (6.18): struct nexthop, nh_info, nh_group and nh_grp_entry, the
// namespace's nexthop tree (net->nexthop) and the inline helpers the FIB uses on a route's nexthop
// object (nexthop_num_path, nexthop_is_blackhole, nexthop_get). net/ipv4/nexthop.ts implements
// nexthop.c on top of them; fib_semantics.ts reads a route's nexthop through them.

import type { Net } from "../netlink/table.js";
import type { FibInfo, FibNh } from "./fib_semantics.js";

/** struct nh_info: a single nexthop (its fib_nh / fib6_nh share fib_nhc, kept here as `fib_nh`) */
export interface NhInfo {
  nh_parent: Nexthop;
  readonly family: number;
  /** a blackhole nexthop (its device is lo) */
  readonly reject_nh: boolean;
  /** an FDB nexthop: a gateway only, no device */
  readonly fdb_nh: boolean;
  /** fib_nhc: the device, the IPv4 gateway (0: none), the scope and the RTNH_F_* flags */
  readonly fib_nh: FibNh;
  /** fib6_nh->fib_nh_gw6: the IPv6 gateway (null: none) */
  readonly gw6: Uint8Array | null;
}

/** struct nh_grp_entry */
export interface NhGrpEntry {
  readonly nh: Nexthop;
  /** 1..65536 */
  readonly weight: number;
  nh_parent: Nexthop;
  /** nhge->res in a resilient group: the buckets it holds and the buckets it should hold */
  readonly res: { count_buckets: number; wants_buckets: number };
}

/** struct nh_res_bucket: the entry it holds (kept when it stops being occupied) and its flags */
export interface NhResBucket {
  nh_entry: NhGrpEntry | null;
  occupied: boolean;
  nh_flags: number;
}

/** struct nh_res_table: a resilient group's buckets and timers (clock_t, as user space gives them) */
export interface NhResTable {
  readonly num_nh_buckets: number;
  idle_timer: number;
  unbalanced_timer: number;
  readonly nh_buckets: NhResBucket[];
  /** uw_nh_entries: the underweight entries (list_add: the newest first) */
  uw_nh_entries: NhGrpEntry[];
}

/** struct nh_group */
export interface NhGroup {
  nh_entries: NhGrpEntry[];
  hash_threshold: boolean;
  resilient: boolean;
  is_multipath: boolean;
  fdb_nh: boolean;
  has_v4: boolean;
  hw_stats: boolean;
  res_table: NhResTable | null;
}

/** struct nexthop */
export interface Nexthop {
  id: number;
  protocol: number;
  nh_flags: number;
  readonly is_group: boolean;
  nh_info: NhInfo | null;
  nh_grp: NhGroup | null;
  /** the group entries that use this nexthop (list_add: the newest first) */
  readonly grp_list: NhGrpEntry[];
  /** the IPv4 routes' fib_info that use it */
  readonly fi_list: FibInfo[];
  dead: boolean;
}

/** net->nexthop: the tree by id, the last id allocated, the change sequence */
export interface NetNexthop {
  readonly rb_root: Map<number, Nexthop>;
  last_id_allocated: number;
  seq: number;
}

const nexthop_nets = new WeakMap<Net, NetNexthop>();

/** net->nexthop (empty in a new namespace) */
export const net_nexthop = (net: Net): NetNexthop => {
  let t = nexthop_nets.get(net);
  if (t === undefined) {
    t = { rb_root: new Map(), last_id_allocated: 0, seq: 0 };
    nexthop_nets.set(net, t);
  }
  return t;
};

/** The tree's nexthops in rb order (ids ascending) */
export const nexthop_tree = (net: Net): Nexthop[] => [...net_nexthop(net).rb_root.values()].sort((a, b) => a.id - b.id);

/** nexthop_find_by_id(net, id) */
export const nexthop_find_by_id = (net: Net, id: number): Nexthop | undefined => net_nexthop(net).rb_root.get(id);

/** nexthop_get(nh): false once the nexthop is being removed */
export const nexthop_get = (nh: Nexthop): boolean => !nh.dead;

/** nexthop_num_path(nh): a multipath group's number of entries, else 1 */
export const nexthop_num_path = (nh: Nexthop): number =>
  nh.is_group && nh.nh_grp!.is_multipath ? nh.nh_grp!.nh_entries.length : 1;

/** A path of the nexthop has an IPv6 gateway (an IPv4 route through it would show RTA_VIA) */
export const nexthop_has_v6_gw = (nh: Nexthop): boolean =>
  nh.is_group ? nh.nh_grp!.nh_entries.some((e) => e.nh.nh_info!.gw6 !== null) : nh.nh_info!.gw6 !== null;

/** nexthop_is_blackhole(nh): a blackhole, or a group whose one entry is one */
export const nexthop_is_blackhole = (nh: Nexthop): boolean => {
  let n = nh;
  if (n.is_group) {
    const nhg = n.nh_grp!;
    if (nhg.nh_entries.length > 1) return false;
    n = nhg.nh_entries[0]!.nh;
  }
  return n.nh_info!.reject_nh;
};

/**
 * fib_info_nhc(fi, 0) of a route through a nexthop object: the single nexthop's, or the path
 * nexthop_select_path picks for hash 0 (a hash-threshold group's first entry).
 */
export const nexthop_fib_nhc = (nh: Nexthop): FibNh => {
  if (!nh.is_group) return nh.nh_info!.fib_nh;
  const nhg = nh.nh_grp!;
  // a resilient group answers hash 0 from bucket 0
  const nhge = nhg.res_table?.nh_buckets[0]?.nh_entry ?? nhg.nh_entries[0]!;
  return nhge.nh.nh_info!.fib_nh;
};
