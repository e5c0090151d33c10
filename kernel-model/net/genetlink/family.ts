// net/netlink/genetlink.c, the family registry: struct genl_family and its ops (include/net/genetlink.h),
// genl_register_family / genl_unregister_family, family ids (idr_alloc_cyclic from GENL_START_ALLOC),
// multicast group ids (the mc_groups bitmap), and the op iterator ctrl_fill_info reports flags with.
// The kernel keeps one global registry; the model keeps one per Net (worlds share nothing), so a
// family object belongs to one namespace and `netnsok` changes nothing.
import {
  CTRL_CMD_DELFAMILY,
  CTRL_CMD_DELMCAST_GRP,
  CTRL_CMD_NEWFAMILY,
  CTRL_CMD_NEWMCAST_GRP,
  ERRNO,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_ID_CTRL,
  GENL_ID_PMCRAID,
  GENL_ID_VFS_DQUOT,
  GENL_MAX_ID,
  GENL_NAMSIZ,
  GENL_START_ALLOC,
  type NetlinkExtAck,
  type NlAttr,
  type NlaPolicySet,
} from "../../uapi/index.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import type { SkBuff } from "../netlink/skb.js";
import { type NetlinkSock, nlk_test_group } from "../netlink/sock.js";
import { type Net, netlink_update_socket_mc } from "../netlink/table.js";

// enum genl_validate_flags (include/net/genetlink.h)
export const GENL_DONT_VALIDATE_STRICT = 1 << 0;
export const GENL_DONT_VALIDATE_DUMP = 1 << 1;
export const GENL_DONT_VALIDATE_DUMP_STRICT = 1 << 2;

/** struct genlmsghdr as a handler reads it */
export interface Genlmsghdr {
  readonly cmd: number;
  readonly version: number;
  readonly reserved: number;
}

/** struct genl_info: what a doit handler (and, through genl_info_dump, a dumpit) gets. */
export interface GenlInfo {
  readonly snd_seq: number;
  readonly snd_portid: number;
  readonly family: GenlFamily;
  readonly nlhdr: Nlmsghdr;
  readonly genlhdr: Genlmsghdr;
  /** the family's own header (family.hdrsize bytes after genlmsghdr) */
  readonly userhdr: Uint8Array;
  /** parsed attributes by type, or null when the op has no maxattr */
  readonly attrs: ReadonlyArray<NlAttr | undefined> | null;
  readonly extack: NetlinkExtAck | null;
  readonly net: Net;
  /** info->user_ptr[2], for pre_doit/doit/post_doit */
  readonly user_ptr: unknown[];
}

export type GenlDoit = (skb: SkBuff, info: GenlInfo) => number;
export type GenlDumpit = (skb: SkBuff, cb: NetlinkCallback) => number;
export type GenlCbFn = (cb: NetlinkCallback) => number;
/** genl_family.pre_doit / post_doit */
export type GenlPreDoit = (ops: GenlSplitOps, skb: SkBuff, info: GenlInfo) => number;
export type GenlPostDoit = (ops: GenlSplitOps, skb: SkBuff, info: GenlInfo) => void;

/** struct genl_ops (full ops: may carry their own policy and dump start/done) */
export interface GenlOps {
  readonly cmd: number;
  /** GENL_ADMIN_PERM, GENL_UNS_ADMIN_PERM */
  readonly flags?: number;
  /** GENL_DONT_VALIDATE_* (only for commands below the family's resv_start_op) */
  readonly validate?: number;
  readonly maxattr?: number;
  readonly policy?: NlaPolicySet;
  readonly doit?: GenlDoit;
  readonly start?: GenlCbFn;
  readonly dumpit?: GenlDumpit;
  readonly done?: GenlCbFn;
}

/** struct genl_small_ops: no policy of their own (the family's applies) */
export interface GenlSmallOps {
  readonly cmd: number;
  readonly flags?: number;
  readonly validate?: number;
  readonly doit?: GenlDoit;
  readonly dumpit?: GenlDumpit;
}

/** struct genl_split_ops: one direction (do or dump) of an op, as dispatch sees it */
export interface GenlSplitOps {
  readonly cmd: number;
  /** includes GENL_CMD_CAP_DO or GENL_CMD_CAP_DUMP */
  readonly flags: number;
  readonly validate: number;
  readonly maxattr: number;
  readonly policy: NlaPolicySet | null;
  readonly pre_doit: GenlPreDoit | null;
  readonly doit: GenlDoit | null;
  readonly post_doit: GenlPostDoit | null;
  readonly start: GenlCbFn | null;
  readonly dumpit: GenlDumpit | null;
  readonly done: GenlCbFn | null;
}

/**
 * struct genl_split_ops as a family declares it: one direction of a command, `flags` holding
 * GENL_CMD_CAP_DO or GENL_CMD_CAP_DUMP (plus GENL_ADMIN_PERM / GENL_UNS_ADMIN_PERM); a do and a dump
 * of the same command sit next to each other, do first.
 */
export interface GenlSplitOpsDecl {
  readonly cmd: number;
  readonly flags: number;
  readonly validate?: number;
  readonly maxattr?: number;
  readonly policy?: NlaPolicySet;
  readonly doit?: GenlDoit;
  readonly start?: GenlCbFn;
  readonly dumpit?: GenlDumpit;
  readonly done?: GenlCbFn;
}

/**
 * A family's own handlers for one command, as a subsystem file (net/ipv6/seg6.c, …) defines them;
 * a profile family (genetlink/profile.ts) takes its flags, validation and policies from the
 * profile and its handlers from here.
 */
export interface GenlCmdHandlers {
  readonly doit?: GenlDoit;
  readonly start?: GenlCbFn;
  readonly dumpit?: GenlDumpit;
  readonly done?: GenlCbFn;
}

/** The handlers of a family's commands, by command number. */
export type GenlFamilyHandlers = Readonly<Record<number, GenlCmdHandlers>>;

/** struct genl_multicast_group */
export interface GenlMulticastGroup {
  readonly name: string;
  readonly flags?: number;
}

/** struct genl_family. `id` and `mcgrp_offset` are written by genl_register_family. */
export interface GenlFamily {
  readonly name: string;
  readonly version: number;
  readonly hdrsize?: number;
  readonly maxattr?: number;
  readonly policy?: NlaPolicySet;
  readonly netnsok?: boolean;
  readonly parallel_ops?: boolean;
  /** first command whose header and flags are validated strictly (0: all of them) */
  readonly resv_start_op?: number;
  readonly ops?: ReadonlyArray<GenlOps>;
  readonly small_ops?: ReadonlyArray<GenlSmallOps>;
  /** split ops (the families of current kernels, YNL-generated ones among them) */
  readonly split_ops?: ReadonlyArray<GenlSplitOpsDecl>;
  readonly mcgrps?: ReadonlyArray<GenlMulticastGroup>;
  readonly pre_doit?: GenlPreDoit;
  readonly post_doit?: GenlPostDoit;
  /** family->id: 0 until registered */
  id?: number;
  /** family->mcgrp_offset: the id of mcgrps[0] */
  mcgrp_offset?: number;
}

/** A registry event (genl_ctrl_event's arguments); nlctrl turns it into a notification. */
export type GenlCtrlEvent = (event: number, family: GenlFamily, grp: GenlMulticastGroup | null, grp_id: number) => void;

const BITS_PER_LONG = 64;
/** mc_group_start: 0 (invalid), 1 (NET_DM's static group), 16, 17, 18 (families that use their id as group) */
const MC_GROUP_START = [0, 1, GENL_ID_CTRL, GENL_ID_VFS_DQUOT, GENL_ID_PMCRAID];

/** The genetlink state of one namespace: genl_fam_idr, mc_groups, net->genl_sock. */
export class GenlNet {
  /** genl_fam_idr: id → family (iterated in id order) */
  readonly families = new Map<number, GenlFamily>();
  /** the idr's cyclic cursor */
  idr_next = 0;
  /** mc_groups: bit i set = group id i in use */
  mc_groups: boolean[];
  mc_groups_longs = 1;
  /** net->genl_sock: null until genl_init */
  genl_sock: NetlinkSock | null = null;
  /** genl_ctrl_event, installed by genl_init once nlctrl exists */
  ctrl_event: GenlCtrlEvent | null = null;
  /** the nlctrl family object, whose groups are special-cased */
  genl_ctrl: GenlFamily | null = null;

  constructor(readonly net: Net) {
    this.mc_groups = Array.from({ length: BITS_PER_LONG }, (_, i) => MC_GROUP_START.includes(i));
  }
}

const registries = new WeakMap<Net, GenlNet>();

/** The namespace's genetlink state (created on first use). */
export const genl_net = (net: Net): GenlNet => {
  let g = registries.get(net);
  if (g === undefined) {
    g = new GenlNet(net);
    registries.set(net, g);
  }
  return g;
};

/** genl_family_find_byid */
export const genl_family_find_byid = (net: Net, id: number): GenlFamily | undefined => genl_net(net).families.get(id);

/** genl_family_find_byname */
export const genl_family_find_byname = (net: Net, name: string): GenlFamily | undefined => {
  for (const f of genl_net(net).families.values()) if (f.name === name) return f;
  return undefined;
};

/** The families in idr order (idr_for_each_entry). */
export const genl_families = (net: Net): GenlFamily[] =>
  [...genl_net(net).families.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);

/** struct genl_ops built from a full op (genl_op_from_full): the family's maxattr/policy by default. */
const genl_op_from_full = (family: GenlFamily, op: GenlOps): GenlOps => ({
  ...op,
  maxattr: op.maxattr || family.maxattr || 0,
  ...(op.policy !== undefined ? { policy: op.policy } : family.policy !== undefined ? { policy: family.policy } : {}),
});

/** genl_op_from_small: a small op takes the family's maxattr and policy. */
const genl_op_from_small = (family: GenlFamily, op: GenlSmallOps): GenlOps => ({
  ...op,
  maxattr: family.maxattr ?? 0,
  ...(family.policy !== undefined ? { policy: family.policy } : {}),
});

/** Every op of the family as a full op, in ops-then-small_ops order (the iterator's order). */
const genl_all_ops = (family: GenlFamily): GenlOps[] => [
  ...(family.ops ?? []).map((o) => genl_op_from_full(family, o)),
  ...(family.small_ops ?? []).map((o) => genl_op_from_small(family, o)),
];

const NO_SPLIT: GenlSplitOps = {
  cmd: 0,
  flags: 0,
  validate: 0,
  maxattr: 0,
  policy: null,
  pre_doit: null,
  doit: null,
  post_doit: null,
  start: null,
  dumpit: null,
  done: null,
};

/**
 * genl_cmd_full_to_split: the do (GENL_CMD_CAP_DO) or dump (GENL_CMD_CAP_DUMP) half of an op, or
 * null when the op has no handler for it. A dump with GENL_DONT_VALIDATE_DUMP has no policy.
 */
export const genl_cmd_full_to_split = (family: GenlFamily, full: GenlOps, flags: number): GenlSplitOps | null => {
  const dump = (flags & GENL_CMD_CAP_DUMP) !== 0;
  if ((!dump && full.doit === undefined) || (dump && full.dumpit === undefined)) return null;
  const noPolicy = dump && ((full.validate ?? 0) & GENL_DONT_VALIDATE_DUMP) !== 0;
  return {
    ...NO_SPLIT,
    cmd: full.cmd,
    flags: (full.flags ?? 0) | flags,
    validate: full.validate ?? 0,
    maxattr: noPolicy ? 0 : (full.maxattr ?? 0),
    policy: noPolicy ? null : (full.policy ?? null),
    ...(dump
      ? { start: full.start ?? null, dumpit: full.dumpit ?? null, done: full.done ?? null }
      : { pre_doit: family.pre_doit ?? null, doit: full.doit ?? null, post_doit: family.post_doit ?? null }),
  };
};

/** A declared split op as dispatch sees it (pre_doit/post_doit from the family for a do). */
const genl_split_from_decl = (family: GenlFamily, op: GenlSplitOpsDecl): GenlSplitOps => {
  const dump = (op.flags & GENL_CMD_CAP_DUMP) !== 0;
  return {
    ...NO_SPLIT,
    cmd: op.cmd,
    flags: op.flags,
    validate: op.validate ?? 0,
    maxattr: op.maxattr ?? 0,
    policy: op.policy ?? null,
    ...(dump
      ? { start: op.start ?? null, dumpit: op.dumpit ?? null, done: op.done ?? null }
      : { pre_doit: family.pre_doit ?? null, doit: op.doit ?? null, post_doit: family.post_doit ?? null }),
  };
};

/** genl_get_cmd_split(cmd, flag, family): the half of `cmd` dispatch needs, or null (→ EOPNOTSUPP). */
export const genl_get_cmd_split = (family: GenlFamily, cmd: number, flag: number): GenlSplitOps | null => {
  for (const op of family.split_ops ?? []) {
    if (op.cmd === cmd && op.flags & flag) return genl_split_from_decl(family, op);
  }
  const full = genl_all_ops(family).find((o) => o.cmd === cmd);
  return full === undefined ? null : genl_cmd_full_to_split(family, full, flag);
};

/** One step of genl_op_iter: the command and the flags ctrl_fill_info reports. */
export interface GenlOpIter {
  readonly cmd: number;
  /** doit.flags | dumpit.flags: the op's flags plus GENL_CMD_CAP_DO / GENL_CMD_CAP_DUMP */
  readonly flags: number;
  readonly doit: GenlSplitOps | null;
  readonly dumpit: GenlSplitOps | null;
}

/**
 * genl_op_iter_init / genl_op_iter_next over the family's ops: full and small ops, then split ops,
 * where a do and the dump right after it with the same command are one entry.
 */
export const genl_op_iter = (family: GenlFamily): GenlOpIter[] => {
  const out: GenlOpIter[] = genl_all_ops(family).map((op) => {
    const doit = genl_cmd_full_to_split(family, op, GENL_CMD_CAP_DO);
    const dumpit = genl_cmd_full_to_split(family, op, GENL_CMD_CAP_DUMP);
    return { cmd: op.cmd, flags: (doit?.flags ?? 0) | (dumpit?.flags ?? 0), doit, dumpit };
  });
  const split = family.split_ops ?? [];
  for (let i = 0; i < split.length; i++) {
    const a = split[i]!;
    if (a.flags & GENL_CMD_CAP_DO) {
      const b = split[i + 1];
      const doit = genl_split_from_decl(family, a);
      const dumpit =
        b !== undefined && b.cmd === a.cmd && b.flags & GENL_CMD_CAP_DUMP ? genl_split_from_decl(family, b) : null;
      if (dumpit !== null) i++;
      out.push({ cmd: a.cmd, flags: doit.flags | (dumpit?.flags ?? 0), doit, dumpit });
    } else {
      const dumpit = genl_split_from_decl(family, a);
      out.push({ cmd: a.cmd, flags: dumpit.flags, doit: null, dumpit });
    }
  }
  return out;
};

/** genl_validate_ops: every op has a handler, no command twice, validate flags only below resv_start_op. */
const genl_validate_ops = (family: GenlFamily, check_resv = true): number => {
  const seen = new Set<number>();
  const resv = family.resv_start_op ?? 0;
  // split ops: exactly one of DO / DUMP, the matching handler, no direction of a command twice
  const splitSeen = new Set<number>();
  for (const op of family.split_ops ?? []) {
    const dir = op.flags & (GENL_CMD_CAP_DO | GENL_CMD_CAP_DUMP);
    if (dir !== GENL_CMD_CAP_DO && dir !== GENL_CMD_CAP_DUMP) return -ERRNO.EINVAL;
    if (dir === GENL_CMD_CAP_DO ? op.doit === undefined : op.dumpit === undefined) return -ERRNO.EINVAL;
    if (check_resv && op.cmd >= resv && op.validate) return -ERRNO.EINVAL;
    const key = op.cmd * 8 + dir;
    if (splitSeen.has(key)) return -ERRNO.EINVAL;
    splitSeen.add(key);
  }
  for (const op of genl_all_ops(family)) {
    if (op.doit === undefined && op.dumpit === undefined) return -ERRNO.EINVAL;
    if (op.cmd >= resv && op.validate) return -ERRNO.EINVAL;
    if (seen.has(op.cmd)) return -ERRNO.EINVAL;
    seen.add(op.cmd);
  }
  return 0;
};

/** idr_alloc_cyclic(idr, ptr, start, end): the first free id ≥ the cursor in [start, end), wrapping once. */
const idr_alloc_cyclic = (g: GenlNet, family: GenlFamily, start: number, end: number): number => {
  const from = Math.max(start, g.idr_next);
  for (const [lo, hi] of [
    [from, end],
    [start, from],
  ] as const) {
    for (let id = lo; id < hi; id++) {
      if (g.families.has(id)) continue;
      g.families.set(id, family);
      g.idr_next = id + 1;
      return id;
    }
  }
  return -ERRNO.ENOSPC;
};

/** genl_allocate_reserve_groups: the first run of n free group ids, growing the bitmap by longs. */
const genl_allocate_reserve_groups = (g: GenlNet, n_groups: number): number => {
  for (let id = 0; ; id++) {
    let fits = true;
    for (let i = id; i < id + n_groups; i++) {
      if (i < g.mc_groups.length && g.mc_groups[i]) {
        fits = false;
        break;
      }
    }
    if (!fits) continue;
    while (id + n_groups > g.mc_groups_longs * BITS_PER_LONG) {
      g.mc_groups_longs += Math.ceil(n_groups / BITS_PER_LONG);
      while (g.mc_groups.length < g.mc_groups_longs * BITS_PER_LONG) g.mc_groups.push(false);
    }
    for (let i = id; i < id + n_groups; i++) g.mc_groups[i] = true;
    return id;
  }
};

/** genl_validate_assign_mc_groups: mcgrp_offset (nlctrl and the old static families keep their id). */
const genl_validate_assign_mc_groups = (g: GenlNet, family: GenlFamily): number => {
  const grps = family.mcgrps ?? [];
  if (grps.length === 0) return 0;
  for (const grp of grps) {
    if (grp.name.length === 0 || grp.name.length >= GENL_NAMSIZ) return -ERRNO.EINVAL;
  }
  let first_id: number;
  if (family === g.genl_ctrl) first_id = GENL_ID_CTRL;
  else if (family.name === "NET_DM") first_id = 1;
  else if (family.id === GENL_ID_VFS_DQUOT) first_id = GENL_ID_VFS_DQUOT;
  else if (family.id === GENL_ID_PMCRAID) first_id = GENL_ID_PMCRAID;
  else first_id = genl_allocate_reserve_groups(g, grps.length);
  family.mcgrp_offset = first_id;
  // __netlink_change_ngroups(genl_sock, mc_groups_longs * BITS_PER_LONG)
  if (g.genl_sock !== null) netlink_change_ngroups(g.genl_sock, g.mc_groups_longs * BITS_PER_LONG);
  return 0;
};

/** __netlink_change_ngroups: grow the unit's group count (listener bitmap kept). */
const netlink_change_ngroups = (sk: NetlinkSock, groups: number): void => {
  const tbl = sk.net.nl_table[sk.sk_protocol]!;
  if (groups <= tbl.groups || tbl.listeners === null) return;
  const words = Math.ceil(groups / 64) * 2;
  const next = new Uint32Array(words);
  next.set(tbl.listeners);
  tbl.listeners = next;
  tbl.groups = groups;
};

/** Whether `family` is the one registered under its id here. */
const is_registered = (g: GenlNet, family: GenlFamily): boolean =>
  family.id !== undefined && g.families.get(family.id) === family;

/**
 * genl_register_family(net, family): 0, or −EINVAL (bad ops or group names), −EEXIST (name taken).
 * Assigns family.id (nlctrl 0x10, pmcraid 0x12, VFS_DQUOT 0x11, others cyclically from 0x13) and
 * family.mcgrp_offset, then announces CTRL_CMD_NEWFAMILY and one CTRL_CMD_NEWMCAST_GRP per group.
 */
export const genl_register_family = (net: Net, family: GenlFamily): number => {
  const g = genl_net(net);
  if (family.name.length === 0 || family.name.length >= GENL_NAMSIZ) return -ERRNO.EINVAL;
  const err = genl_validate_ops(family);
  if (err) return err;
  if (genl_family_find_byname(net, family.name) !== undefined) return -ERRNO.EEXIST;
  let start = GENL_START_ALLOC;
  let end = GENL_MAX_ID;
  if (family === g.genl_ctrl) start = end = GENL_ID_CTRL;
  else if (family.name === "pmcraid") start = end = GENL_ID_PMCRAID;
  else if (family.name === "VFS_DQUOT") start = end = GENL_ID_VFS_DQUOT;
  const id = idr_alloc_cyclic(g, family, start, end + 1);
  if (id < 0) return id;
  family.id = id;
  const e = genl_validate_assign_mc_groups(g, family);
  if (e) {
    g.families.delete(id);
    family.id = 0;
    return e;
  }
  // send all events
  const ev = g.ctrl_event;
  if (ev !== null) {
    ev(CTRL_CMD_NEWFAMILY, family, null, 0);
    (family.mcgrps ?? []).forEach((grp, i) => {
      ev(CTRL_CMD_NEWMCAST_GRP, family, grp, (family.mcgrp_offset ?? 0) + i);
    });
  }
  return 0;
};

/**
 * Registers `family` under the id and group ids a profile's kernel gave it (the kernel numbers
 * families by registration order since boot, including families a fresh namespace does not see,
 * so a profile records the numbers rather than the order). 0, −EINVAL, −EEXIST (name or id taken,
 * or a group id in use). No NEWFAMILY event: this is boot.
 */
export const genl_register_family_as = (net: Net, family: GenlFamily, id: number, mcgrp_offset: number): number => {
  const g = genl_net(net);
  if (family.name.length === 0 || family.name.length >= GENL_NAMSIZ) return -ERRNO.EINVAL;
  // what the profile's kernel registered passed its own checks: the resv_start_op rule is not applied
  // again (a probed validation may sit above a probed resv_start_op)
  const err = genl_validate_ops(family, false);
  if (err) return err;
  if (genl_family_find_byname(net, family.name) !== undefined || g.families.has(id)) return -ERRNO.EEXIST;
  const n = family.mcgrps?.length ?? 0;
  for (let i = mcgrp_offset; i < mcgrp_offset + n; i++) if (g.mc_groups[i]) return -ERRNO.EEXIST;
  g.families.set(id, family);
  g.idr_next = Math.max(g.idr_next, id + 1);
  family.id = id;
  if (n > 0) {
    while (mcgrp_offset + n > g.mc_groups_longs * BITS_PER_LONG) {
      g.mc_groups_longs++;
      while (g.mc_groups.length < g.mc_groups_longs * BITS_PER_LONG) g.mc_groups.push(false);
    }
    for (let i = mcgrp_offset; i < mcgrp_offset + n; i++) g.mc_groups[i] = true;
    family.mcgrp_offset = mcgrp_offset;
    if (g.genl_sock !== null) netlink_change_ngroups(g.genl_sock, g.mc_groups_longs * BITS_PER_LONG);
  }
  return 0;
};

/**
 * genl_unregister_family(net, family): 0 or −ENOENT. Clears the family's groups from every member
 * (__netlink_clear_multicast_users), frees their ids, announces DELMCAST_GRP per group and DELFAMILY.
 */
export const genl_unregister_family = (net: Net, family: GenlFamily): number => {
  const g = genl_net(net);
  if (!is_registered(g, family)) return -ERRNO.ENOENT;
  const grps = family.mcgrps ?? [];
  const offset = family.mcgrp_offset ?? 0;
  grps.forEach((grp, i) => {
    const id = offset + i;
    if (g.genl_sock !== null) netlink_clear_multicast_users(g.genl_sock, id);
    if (family !== g.genl_ctrl && id !== 1 && id !== GENL_ID_VFS_DQUOT && id !== GENL_ID_PMCRAID) {
      g.mc_groups[id] = false;
    }
    g.ctrl_event?.(CTRL_CMD_DELMCAST_GRP, family, grp, id);
  });
  g.families.delete(family.id!);
  g.ctrl_event?.(CTRL_CMD_DELFAMILY, family, null, 0);
  return 0;
};

/** __netlink_clear_multicast_users(ksk, group): every user socket of the unit leaves `group`. */
const netlink_clear_multicast_users = (ksk: NetlinkSock, group: number): void => {
  for (const sk of ksk.net.nl_table[ksk.sk_protocol]!.mc_list.slice()) {
    if (nlk_test_group(sk, group)) netlink_update_socket_mc(sk, group, false);
  }
};
