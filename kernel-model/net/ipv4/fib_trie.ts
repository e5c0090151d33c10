// net/ipv4/fib_trie.c (6.18), as a sorted list per table rather than a trie: the order the kernel's
// trie walks (keys ascending; within one key the aliases by prefix length, longest first, then
// dscp and priority) is the list's order, and insertion follows fib_table_insert's rules
// (NLM_F_EXCL, NLM_F_REPLACE, NLM_F_APPEND, NLM_F_CREATE; the same route twice is EEXIST).
// fib_table_delete, fib_table_flush (the dead nexthops a device going down leaves), and the
// lookup (fib_table_lookup over the local table merged into main until custom rules exist).

import { ERRNO, type NetlinkExtAck, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE } from "../../uapi/index.js";
import { RTM_DELROUTE, RTM_NEWROUTE } from "../../uapi/rtnetlink.js";
import type { LinkDevice } from "../core/loopback.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { Net } from "../netlink/table.js";
import {
  type FibConfig,
  type FibInfo,
  type FibLookup,
  type FibLookupResult,
  type Flowi4,
  fib_create_info,
  fib_info_equal,
  fib_props,
  fib_release_info,
  RT_SCOPE_NOWHERE,
  RT_TABLE_LOCAL,
  RT_TABLE_MAIN,
  RTNH_F_DEAD,
  rtmsg_fib,
} from "./fib_semantics.js";

/** struct fib_alias (with its leaf's key) */
export interface FibAlias {
  readonly key: number;
  readonly plen: number;
  readonly dscp: number;
  readonly type: number;
  fi: FibInfo;
}

/** struct fib_table */
export interface FibTable {
  readonly tb_id: number;
  /** the trie's walk order */
  readonly aliases: FibAlias[];
}

/** net->ipv4.fib_table_hash: the tables in dump order (bucket id & 255, the newest first in a bucket) */
const tables = new WeakMap<Net, FibTable[]>();

const table_list = (net: Net): FibTable[] => {
  let l = tables.get(net);
  if (l === undefined) {
    l = [];
    tables.set(net, l);
  }
  return l;
};

/** The namespace's tables in the order inet_dump_fib walks them */
export const fib_tables = (net: Net): ReadonlyArray<FibTable> => table_list(net);

/** fib_get_table(net, id) */
export const fib_get_table = (net: Net, id: number): FibTable | undefined =>
  table_list(net).find((t) => t.tb_id === (id || RT_TABLE_MAIN));

/** fib_new_table(net, id): the table, made (and hashed in) on first use */
export const fib_new_table = (net: Net, id: number): FibTable => {
  const tb_id = id || RT_TABLE_MAIN;
  const found = fib_get_table(net, tb_id);
  if (found !== undefined) return found;
  // without custom rules local is an alias of main (it shares main's trie), made first
  if (tb_id === RT_TABLE_LOCAL && !fib_has_custom_rules(net)) fib_new_table(net, RT_TABLE_MAIN);
  const tb: FibTable = { tb_id, aliases: [] };
  const l = table_list(net);
  // hlist_add_head_rcu into bucket tb_id & (FIB_TABLE_HASHSZ − 1)
  const h = tb_id & 255;
  const at = l.findIndex((t) => (t.tb_id & 255) >= h);
  if (at < 0) l.push(tb);
  else l.splice(at, 0, tb);
  return tb;
};

const mask = (plen: number): number => (plen === 0 ? 0 : (0xffffffff << (32 - plen)) >>> 0);

/** inet_dsfield_to_dscp's order inside a leaf: slen ascending (longest prefix first), dscp descending, priority ascending */
const leaf_before = (a: FibAlias, plen: number, dscp: number, prio: number): boolean =>
  a.plen > plen || (a.plen === plen && (a.dscp > dscp || (a.dscp === dscp && a.fi.priority < prio)));

/** fib_find_alias(fah, slen, dscp, prio, tb_id, false): the index of the first alias at or after the position */
const fib_find_alias = (tb: FibTable, key: number, plen: number, dscp: number, prio: number): number => {
  for (let i = 0; i < tb.aliases.length; i++) {
    const a = tb.aliases[i]!;
    if (a.key !== key) continue;
    if (leaf_before(a, plen, dscp, prio)) continue;
    if (a.plen !== plen) return -1;
    return i;
  }
  return -1;
};

/** Where a new alias goes when no alias of its key/slen/dscp/prio exists (fib_insert_alias without fa) */
const insert_position = (tb: FibTable, key: number, plen: number, dscp: number, prio: number): number => {
  let i = 0;
  while (i < tb.aliases.length && tb.aliases[i]!.key >>> 0 < key >>> 0) i++;
  while (i < tb.aliases.length && tb.aliases[i]!.key === key && leaf_before(tb.aliases[i]!, plen, dscp, prio)) i++;
  return i;
};

/** The helpers fib_table_insert needs from the address side (fib_valid_prefsrc) and the lookup. */
export interface FibEnv {
  readonly is_local_addr: (addr: number) => boolean;
  /** fib_lookup (ip_fib.h), through the rules when there are custom ones */
  readonly fib_lookup: (net: Net, flp: Flowi4) => FibLookupResult | number;
}

/**
 * fib_table_insert(net, tb, cfg, extack): 0, or −EEXIST (NLM_F_EXCL, or the same route again),
 * −ENOENT (no NLM_F_CREATE), or fib_create_info's error. Announces RTM_NEWROUTE with the flags
 * the kernel reports: EXCL|CREATE for a new route, REPLACE for a replaced one, APPEND when asked.
 */
export const fib_table_insert = (
  net: Net,
  tb: FibTable,
  cfg: FibConfig,
  extack: NetlinkExtAck,
  env: FibEnv,
): number => {
  const key = cfg.dst >>> 0;
  const plen = cfg.dst_len;
  const fi = fib_create_info(net, cfg, extack, fib_lookup_gw(env.fib_lookup), env.is_local_addr);
  if (typeof fi === "number") return fi;
  let nlflags = NLM_F_EXCL;
  let at = fib_find_alias(tb, key, plen, cfg.dscp, fi.priority);
  const fa = at >= 0 ? tb.aliases[at] : undefined;
  if (fa !== undefined && fa.dscp === cfg.dscp && fa.fi.priority === fi.priority) {
    if (cfg.nlflags & NLM_F_EXCL) return -ERRNO.EEXIST;
    nlflags &= ~NLM_F_EXCL;
    // the group of aliases with the same key/slen/dscp/priority, and an exact match in it
    let end = at;
    let match = -1;
    for (; end < tb.aliases.length; end++) {
      const a = tb.aliases[end]!;
      if (a.key !== key || a.plen !== plen || a.dscp !== cfg.dscp || a.fi.priority !== fi.priority) break;
      if (match < 0 && a.type === cfg.type && fib_info_equal(a.fi, fi)) match = end;
    }
    if (cfg.nlflags & NLM_F_REPLACE) {
      if (match >= 0) {
        fib_release_info(fi);
        return match === at ? 0 : -ERRNO.EEXIST;
      }
      const replaced: FibAlias = { key, plen, dscp: cfg.dscp, type: cfg.type, fi };
      fib_release_info(tb.aliases[at]!.fi);
      tb.aliases[at] = replaced;
      rtmsg_fib(net, RTM_NEWROUTE, fri(tb, replaced), cfg.nlh, cfg.portid, nlflags | NLM_F_REPLACE);
      return 0;
    }
    if (match >= 0) {
      fib_release_info(fi);
      return -ERRNO.EEXIST;
    }
    if (cfg.nlflags & NLM_F_APPEND) {
      nlflags |= NLM_F_APPEND;
      at = end;
    }
  } else if (at < 0) at = insert_position(tb, key, plen, cfg.dscp, fi.priority);
  if (!(cfg.nlflags & NLM_F_CREATE)) {
    fib_release_info(fi);
    return -ERRNO.ENOENT;
  }
  nlflags |= NLM_F_CREATE;
  const new_fa: FibAlias = { key, plen, dscp: cfg.dscp, type: cfg.type, fi };
  tb.aliases.splice(at, 0, new_fa);
  rtmsg_fib(net, RTM_NEWROUTE, fri(tb, new_fa), cfg.nlh, cfg.portid, nlflags);
  return 0;
};

const fri = (tb: FibTable, fa: FibAlias) => ({
  fi: fa.fi,
  tb_id: tb.tb_id,
  dst: fa.key,
  dst_len: fa.plen,
  dscp: fa.dscp,
  type: fa.type,
});

/**
 * fib_table_delete(net, tb, cfg, extack): the first alias of the prefix that matches what the
 * request gives (type, scope unless NOWHERE, prefsrc, protocol, priority, device, gateway); −ESRCH
 * when none does. Announces RTM_DELROUTE.
 */
export const fib_table_delete = (net: Net, tb: FibTable, cfg: FibConfig): number => {
  const key = cfg.dst >>> 0;
  const plen = cfg.dst_len;
  const at = fib_find_alias(tb, key, plen, cfg.dscp, 0);
  if (at < 0) return -ERRNO.ESRCH;
  for (let i = at; i < tb.aliases.length; i++) {
    const fa = tb.aliases[i]!;
    if (fa.key !== key || fa.plen !== plen || fa.dscp !== cfg.dscp) break;
    const fi = fa.fi;
    if (cfg.type && fa.type !== cfg.type) continue;
    if (cfg.scope !== RT_SCOPE_NOWHERE && fi.scope !== cfg.scope) continue;
    if (cfg.prefsrc && fi.prefsrc !== cfg.prefsrc) continue;
    if (cfg.protocol && fi.protocol !== cfg.protocol) continue;
    // fib_nh_match
    if (cfg.priority && cfg.priority !== fi.priority) continue;
    if (cfg.oif && cfg.oif !== fi.nh?.oif) continue;
    if (cfg.gw4 && cfg.gw4 !== fi.nh?.gw4) continue;
    if (cfg.nh_id && cfg.nh_id !== fi.nh_obj?.id) continue;
    tb.aliases.splice(i, 1);
    fib_release_info(fi);
    rtmsg_fib(net, RTM_DELROUTE, fri(tb, fa), cfg.nlh, cfg.portid, 0);
    return 0;
  }
  return -ERRNO.ESRCH;
};

/**
 * fib_sync_down_dev(dev, event, force) + fib_flush: a device going down kills every nexthop on it
 * but the host-scope ones (local routes stay unless `force`, as when it goes away or loses its
 * last address); the dead routes leave silently, as fib_table_flush removes them.
 */
export const fib_disable_ip = (net: Net, dev: LinkDevice, force: boolean): void => {
  for (const tb of table_list(net)) {
    for (let i = tb.aliases.length - 1; i >= 0; i--) {
      const nh = tb.aliases[i]!.fi.nh;
      // a nexthop object's nexthop is not in the fib_info hash: nexthop_flush_dev takes its routes
      if (nh === null || nh.dev !== dev || tb.aliases[i]!.fi.nh_obj !== null) continue;
      if (!force && nh.scope === RT_SCOPE_NOWHERE) continue;
      nh.flags |= RTNH_F_DEAD;
      tb.aliases.splice(i, 1);
    }
  }
};

/** fib_sync_down_addr(dev, local) + fib_flush: the routes whose preferred source was `local` leave silently */
export const fib_sync_down_addr = (net: Net, local: number): void => {
  for (const tb of table_list(net)) {
    for (let i = tb.aliases.length - 1; i >= 0; i--) {
      if (tb.aliases[i]!.fi.prefsrc === local) fib_release_info(tb.aliases.splice(i, 1)[0]!.fi);
    }
  }
};

/** fib_flush(net): the aliases whose fib_info is dead leave, silently (fib_table_flush) */
export const fib_flush = (net: Net): void => {
  for (const tb of table_list(net)) {
    for (let i = tb.aliases.length - 1; i >= 0; i--) {
      if (tb.aliases[i]!.fi.dead) fib_release_info(tb.aliases.splice(i, 1)[0]!.fi);
    }
  }
};

/**
 * fib_info_notify_update(net, info): RTM_NEWROUTE with NLM_F_REPLACE for every route whose
 * fib_info is marked updated (fi->nh_updated: its nexthop object was replaced), in dump order.
 */
export const fib_info_notify_update = (
  net: Net,
  updated: ReadonlySet<FibInfo>,
  nlh: Nlmsghdr | null,
  portid: number,
): void => {
  for (const tb of table_list(net))
    for (const fa of tb.aliases)
      if (updated.has(fa.fi)) rtmsg_fib(net, RTM_NEWROUTE, fri(tb, fa), nlh, portid, NLM_F_REPLACE);
};

/** net->ipv4.fib_has_custom_rules: set once a rule is added or deleted (fib4_rule_configure, fib4_rule_delete) */
const custom_rules = new WeakSet<Net>();
export const fib_has_custom_rules = (net: Net): boolean => custom_rules.has(net);
/** fib_unmerge + fib_has_custom_rules = true: the local table stops sharing main's trie */
export const fib_set_custom_rules = (net: Net): void => {
  custom_rules.add(net);
};

/**
 * The aliases a lookup in `tb` walks: without custom rules the local table is merged into main
 * (fib_new_table's alias, fib_trie_table sharing tb_data), so a lookup in either walks both.
 */
const trie_aliases = (net: Net, tb: FibTable): ReadonlyArray<FibAlias> => {
  if (fib_has_custom_rules(net) || (tb.tb_id !== RT_TABLE_MAIN && tb.tb_id !== RT_TABLE_LOCAL)) return tb.aliases;
  const local = fib_get_table(net, RT_TABLE_LOCAL)?.aliases ?? [];
  const main = fib_get_table(net, RT_TABLE_MAIN)?.aliases ?? [];
  return [...local, ...main];
};

/** fib_dscp_masked_match(dscp, fl4): the route's dscp against the flow's, in the bits IPv4 routes use */
const fib_dscp_masked_match = (dscp: number, flp: Flowi4): boolean => dscp === (flp.dscp & 0x1c);

/**
 * fib_table_lookup(tb, flp, res, fib_flags): the longest prefix holding an alias of scope ≥ the
 * flow's whose type rejects (its error), or that has a live nexthop on the flow's oif; −EAGAIN
 * when none does.
 */
export const fib_table_lookup = (net: Net, tb: FibTable, flp: Flowi4): FibLookupResult | number => {
  let best: FibAlias | null = null;
  for (const fa of trie_aliases(net, tb)) {
    if ((flp.daddr & mask(fa.plen)) >>> 0 !== fa.key) continue;
    if (best !== null && fa.plen <= best.plen) continue;
    if (fa.dscp && !fib_dscp_masked_match(fa.dscp, flp)) continue;
    if (fa.fi.dead) continue;
    if (fa.fi.scope < flp.scope) continue;
    if (fib_props[fa.type]!.error < 0) {
      best = fa;
      continue;
    }
    // fib_lookup_good_nhc
    const nh = fa.fi.nh;
    if (nh === null || nh.flags & RTNH_F_DEAD) continue;
    if (flp.oif && flp.oif !== nh.oif) continue;
    best = fa;
  }
  if (best === null) return -ERRNO.EAGAIN;
  const err = fib_props[best.type]!.error;
  if (err < 0) return err;
  return {
    prefix: best.key,
    prefixlen: best.plen,
    type: best.type,
    scope: best.fi.scope,
    dscp: best.dscp,
    fi: best.fi,
    tb_id: tb.tb_id,
    oif: best.fi.nh?.oif ?? 0,
    dev: best.fi.nh?.dev ?? null,
  };
};

/**
 * The lookup of fib_check_nh_v4_gw: the route's own table first (unless main), then fib_lookup
 * (the rules, given by the caller: net/ipv4/fib_rules.ts).
 */
export const fib_lookup_gw =
  (lookup: (net: Net, flp: Flowi4) => FibLookupResult | number): FibLookup =>
  (net, flp, table) => {
    if (table && table !== RT_TABLE_MAIN) {
      const tb = fib_get_table(net, table);
      if (tb !== undefined) {
        const r = fib_table_lookup(net, tb, flp);
        if (typeof r !== "number") return r;
      }
    }
    return lookup(net, flp);
  };
