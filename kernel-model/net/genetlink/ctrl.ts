// net/netlink/genetlink.c, the controller: the nlctrl family (id 0x10, version 2, group "notify" =
// 0x10), ctrl_fill_info / ctrl_fill_mcgrp_info, CTRL_CMD_GETFAMILY (do: by name, which wins, or by
// id; dump: every family), genl_ctrl_event (CTRL_CMD_NEWFAMILY / NEWMCAST_GRP / DEL* on "notify"),
// and genl_init / genl_pernet_init, which create the NETLINK_GENERIC kernel socket.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import {
  CAP_NET_ADMIN,
  CAP_SYS_ADMIN,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OP_POLICY,
  CTRL_ATTR_OPS,
  CTRL_ATTR_POLICY,
  CTRL_ATTR_POLICY_DO,
  CTRL_ATTR_POLICY_DUMP,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_CMD_NEWFAMILY,
  ERRNO,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_CMD_CAP_HASPOL,
  GENL_MCAST_CAP_NET_ADMIN,
  GENL_MCAST_CAP_SYS_ADMIN,
  GENL_NAMSIZ,
  getU16,
  getU32,
  NETLINK_GENERIC,
  NL_CFG_F_NONROOT_RECV,
  NLA_NUL_STRING,
  NLA_U16,
  NLA_U32,
  NLM_F_MULTI,
  nlaPolicy,
  utf8Decode,
} from "../../uapi/index.js";
import { type Cred, capable } from "../core/sock.js";
import { nlmsg_multicast } from "../netlink/broadcast.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import { netlink_kernel_create } from "../netlink/kernel.js";
import {
  nla_nest_end,
  nla_nest_start,
  nla_nest_start_noflag,
  nla_put_string,
  nla_put_u16,
  nla_put_u32,
  nlmsg_new,
} from "../netlink/nlmsg.js";
import {
  type NetlinkPolicyDumpState,
  netlink_policy_dump_add_policy,
  netlink_policy_dump_get_policy_idx,
  netlink_policy_dump_loop,
  netlink_policy_dump_write,
} from "../netlink/policy.js";
import { kfree_skb, NLMSG_DEFAULT_SIZE, type SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import {
  GENL_DONT_VALIDATE_DUMP,
  GENL_DONT_VALIDATE_STRICT,
  type GenlFamily,
  type GenlInfo,
  type GenlMulticastGroup,
  type GenlOpIter,
  type GenlSplitOps,
  genl_families,
  genl_family_find_byid,
  genl_family_find_byname,
  genl_get_cmd_split,
  genl_net,
  genl_op_iter,
  genl_register_family,
} from "./family.js";
import { genl_info_dump, genl_rcv, genlmsg_cancel, genlmsg_end, genlmsg_put, genlmsg_reply } from "./genetlink.js";

/** ctrl_policy_family */
const ctrl_policy_family = nlaPolicy(CTRL_ATTR_FAMILY_NAME, {
  [CTRL_ATTR_FAMILY_ID]: { type: NLA_U16 },
  [CTRL_ATTR_FAMILY_NAME]: { type: NLA_NUL_STRING, len: GENL_NAMSIZ - 1 },
});

/** ctrl_policy_policy */
const ctrl_policy_policy = nlaPolicy(CTRL_ATTR_OP, {
  [CTRL_ATTR_FAMILY_ID]: { type: NLA_U16 },
  [CTRL_ATTR_FAMILY_NAME]: { type: NLA_NUL_STRING, len: GENL_NAMSIZ - 1 },
  [CTRL_ATTR_OP]: { type: NLA_U32 },
});

/** A C string attribute's value (nla_data up to the NUL). */
const nla_strz = (d: Uint8Array): string => {
  const z = d.indexOf(0);
  return utf8Decode(z < 0 ? d : d.subarray(0, z));
};

/** The nlctrl family object of a namespace (each namespace registers its own, see family.ts): genl_ctrl_ops are split ops. */
const make_genl_ctrl = (): GenlFamily => ({
  name: "nlctrl",
  version: 0x2,
  netnsok: true,
  resv_start_op: CTRL_CMD_GETPOLICY + 1,
  split_ops: [
    {
      cmd: CTRL_CMD_GETFAMILY,
      validate: GENL_DONT_VALIDATE_STRICT,
      policy: ctrl_policy_family,
      maxattr: ctrl_policy_family.maxtype,
      doit: ctrl_getfamily,
      flags: GENL_CMD_CAP_DO,
    },
    {
      cmd: CTRL_CMD_GETFAMILY,
      validate: GENL_DONT_VALIDATE_DUMP,
      policy: ctrl_policy_family,
      maxattr: ctrl_policy_family.maxtype,
      dumpit: ctrl_dumpfamily,
      flags: GENL_CMD_CAP_DUMP,
    },
    {
      cmd: CTRL_CMD_GETPOLICY,
      policy: ctrl_policy_policy,
      maxattr: ctrl_policy_policy.maxtype,
      start: ctrl_dumppolicy_start,
      dumpit: ctrl_dumppolicy,
      done: ctrl_dumppolicy_done,
      flags: GENL_CMD_CAP_DUMP,
    },
  ],
  mcgrps: [{ name: "notify" }],
});

/** The nlctrl family registered in `net` (null before genl_init). */
export const genl_ctrl = (net: Net): GenlFamily | null => genl_net(net).genl_ctrl;

/**
 * ctrl_fill_info(family, portid, seq, flags, skb, cmd): FAMILY_NAME, FAMILY_ID (u16), VERSION,
 * HDRSIZE, MAXATTR, OPS {i: {OP_ID, OP_FLAGS}}, MCAST_GROUPS {i: {GRP_ID, GRP_NAME}}, the nests
 * without NLA_F_NESTED (nla_nest_start_noflag). −EMSGSIZE (message cancelled) when it does not fit.
 */
export const ctrl_fill_info = (
  ctrl: GenlFamily,
  family: GenlFamily,
  portid: number,
  seq: number,
  flags: number,
  skb: SkBuff,
  cmd: number,
): number => {
  const hdr = genlmsg_put(skb, portid, seq, ctrl, flags, cmd);
  if (hdr === null) return -ERRNO.EMSGSIZE;
  const fail = (): number => {
    genlmsg_cancel(skb, hdr);
    return -ERRNO.EMSGSIZE;
  };
  if (
    nla_put_string(skb, CTRL_ATTR_FAMILY_NAME, family.name) ||
    nla_put_u16(skb, CTRL_ATTR_FAMILY_ID, family.id ?? 0) ||
    nla_put_u32(skb, CTRL_ATTR_VERSION, family.version) ||
    nla_put_u32(skb, CTRL_ATTR_HDRSIZE, family.hdrsize ?? 0) ||
    nla_put_u32(skb, CTRL_ATTR_MAXATTR, family.maxattr ?? 0)
  ) {
    return fail();
  }
  const ops = genl_op_iter(family);
  if (ops.length > 0) {
    const nla_ops = nla_nest_start_noflag(skb, CTRL_ATTR_OPS);
    if (nla_ops === null) return fail();
    for (let i = 0; i < ops.length; i++) {
      const it = ops[i]!;
      let op_flags = it.flags;
      if (it.doit?.policy || it.dumpit?.policy) op_flags |= GENL_CMD_CAP_HASPOL;
      const nest = nla_nest_start_noflag(skb, i + 1);
      if (nest === null) return fail();
      if (nla_put_u32(skb, CTRL_ATTR_OP_ID, it.cmd) || nla_put_u32(skb, CTRL_ATTR_OP_FLAGS, op_flags)) return fail();
      nla_nest_end(skb, nest);
    }
    nla_nest_end(skb, nla_ops);
  }
  const grps = family.mcgrps ?? [];
  if (grps.length > 0) {
    const nla_grps = nla_nest_start_noflag(skb, CTRL_ATTR_MCAST_GROUPS);
    if (nla_grps === null) return fail();
    for (let i = 0; i < grps.length; i++) {
      const nest = nla_nest_start_noflag(skb, i + 1);
      if (nest === null) return fail();
      if (
        nla_put_u32(skb, CTRL_ATTR_MCAST_GRP_ID, (family.mcgrp_offset ?? 0) + i) ||
        nla_put_string(skb, CTRL_ATTR_MCAST_GRP_NAME, grps[i]!.name)
      ) {
        return fail();
      }
      nla_nest_end(skb, nest);
    }
    nla_nest_end(skb, nla_grps);
  }
  genlmsg_end(skb, hdr);
  return 0;
};

/** ctrl_fill_mcgrp_info: FAMILY_NAME, FAMILY_ID, MCAST_GROUPS {1: {GRP_ID, GRP_NAME}}. */
const ctrl_fill_mcgrp_info = (
  ctrl: GenlFamily,
  family: GenlFamily,
  grp: GenlMulticastGroup,
  grp_id: number,
  portid: number,
  seq: number,
  flags: number,
  skb: SkBuff,
  cmd: number,
): number => {
  const hdr = genlmsg_put(skb, portid, seq, ctrl, flags, cmd);
  if (hdr === null) return -ERRNO.EMSGSIZE;
  const fail = (): number => {
    genlmsg_cancel(skb, hdr);
    return -ERRNO.EMSGSIZE;
  };
  if (nla_put_string(skb, CTRL_ATTR_FAMILY_NAME, family.name) || nla_put_u16(skb, CTRL_ATTR_FAMILY_ID, family.id ?? 0))
    return fail();
  const nla_grps = nla_nest_start_noflag(skb, CTRL_ATTR_MCAST_GROUPS);
  if (nla_grps === null) return fail();
  const nest = nla_nest_start_noflag(skb, 1);
  if (nest === null) return fail();
  if (nla_put_u32(skb, CTRL_ATTR_MCAST_GRP_ID, grp_id) || nla_put_string(skb, CTRL_ATTR_MCAST_GRP_NAME, grp.name))
    return fail();
  nla_nest_end(skb, nest);
  nla_nest_end(skb, nla_grps);
  genlmsg_end(skb, hdr);
  return 0;
};

/** ctrl_build_family_msg: an NLMSG_DEFAULT_SIZE skb with ctrl_fill_info, or a negative errno. */
const ctrl_build_family_msg = (ctrl: GenlFamily, family: GenlFamily, portid: number, seq: number, cmd: number) => {
  // GFP_KERNEL in 6.x; atomic so that nlctrl run from a softirq-mode input is not reported as sleeping
  const skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
  const err = ctrl_fill_info(ctrl, family, portid, seq, 0, skb, cmd);
  if (err < 0) {
    kfree_skb(skb);
    return err;
  }
  return skb;
};

/** ctrl_getfamily: by CTRL_ATTR_FAMILY_NAME (wins) or CTRL_ATTR_FAMILY_ID; neither → EINVAL, unknown → ENOENT. */
function ctrl_getfamily(_skb: SkBuff, info: GenlInfo): number {
  const attrs = info.attrs;
  let res: GenlFamily | undefined;
  let err = -ERRNO.EINVAL;
  const idAttr = attrs?.[CTRL_ATTR_FAMILY_ID];
  if (idAttr !== undefined) {
    res = genl_family_find_byid(info.net, getU16(idAttr.data, 0));
    err = -ERRNO.ENOENT;
  }
  const nameAttr = attrs?.[CTRL_ATTR_FAMILY_NAME];
  if (nameAttr !== undefined) {
    // request_module("net-pf-16-proto-16-family-%s") has nothing to load in the model
    res = genl_family_find_byname(info.net, nla_strz(nameAttr.data));
    err = -ERRNO.ENOENT;
  }
  if (res === undefined) return err;
  const msg = ctrl_build_family_msg(info.family, res, info.snd_portid, info.snd_seq, CTRL_CMD_NEWFAMILY);
  if (typeof msg === "number") return msg;
  return genlmsg_reply(msg, info);
}

/**
 * ctrl_dumpfamily: every family from cb.args[0] on, NLM_F_MULTI. Returns ctrl_fill_info's error:
 * −EMSGSIZE when the skb filled up (netlink_dump reads that as "more"), 0 once every family is in,
 * so NLMSG_DONE goes in the same datagram as the last family when it fits.
 */
function ctrl_dumpfamily(skb: SkBuff, cb: NetlinkCallback): number {
  const ksk = skb.owner as NetlinkSock;
  const net = ksk.net;
  const ctrl = genl_net(net).genl_ctrl!;
  const fams_to_skip = cb.args[0]!;
  let n = 0;
  let err = 0;
  for (const rt of genl_families(net)) {
    if (n++ < fams_to_skip) continue;
    err = ctrl_fill_info(ctrl, rt, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI, skb, CTRL_CMD_NEWFAMILY);
    if (err) {
      n--;
      break;
    }
  }
  cb.args[0] = n;
  return err;
}

/** struct ctrl_dump_policy_ctx: cb->ctx of a CTRL_CMD_GETPOLICY dump. */
interface CtrlDumpPolicyCtx {
  state: NetlinkPolicyDumpState | null;
  rt: GenlFamily;
  /** the ops still to map (whole-family dumps), consumed from the front */
  op_iter: GenlOpIter[];
  op: number;
  fam_id: number;
  dump_map: boolean;
  single_op: boolean;
}
const policy_ctxs = new WeakMap<NetlinkCallback, CtrlDumpPolicyCtx>();

/** genl_get_cmd_both: the do and dump halves of `cmd` (absent halves zeroed, cmd 0); −ENOENT when neither exists. */
const genl_get_cmd_both = (
  cmd: number,
  family: GenlFamily,
): { doit: GenlSplitOps | null; dumpit: GenlSplitOps | null } | number => {
  const doit = genl_get_cmd_split(family, cmd, GENL_CMD_CAP_DO);
  const dumpit = genl_get_cmd_split(family, cmd, GENL_CMD_CAP_DUMP);
  return doit === null && dumpit === null ? -ERRNO.ENOENT : { doit, dumpit };
};

/**
 * ctrl_dumppolicy_start: the family by CTRL_ATTR_FAMILY_ID (wins) or NAME (neither → EINVAL, unknown
 * → ENOENT); with CTRL_ATTR_OP one op's policies (unknown op: its error with the attribute), else
 * every op's; no policy at all → ENODATA.
 */
function ctrl_dumppolicy_start(cb: NetlinkCallback): number {
  const info = genl_info_dump(cb);
  const tb = info.attrs ?? [];
  const idAttr = tb[CTRL_ATTR_FAMILY_ID];
  const nameAttr = tb[CTRL_ATTR_FAMILY_NAME];
  if (idAttr === undefined && nameAttr === undefined) return -ERRNO.EINVAL;
  let fam_id: number;
  if (idAttr !== undefined) fam_id = getU16(idAttr.data, 0);
  else {
    const byName = genl_family_find_byname(info.net, nla_strz(nameAttr!.data));
    if (byName === undefined) return -ERRNO.ENOENT;
    fam_id = byName.id ?? 0;
  }
  const rt = genl_family_find_byid(info.net, fam_id);
  if (rt === undefined) return -ERRNO.ENOENT;
  const ctx: CtrlDumpPolicyCtx = { state: null, rt, op_iter: [], op: 0, fam_id, dump_map: false, single_op: false };
  const opAttr = tb[CTRL_ATTR_OP];
  if (opAttr !== undefined) {
    ctx.single_op = true;
    ctx.op = getU32(opAttr.data, 0);
    const both = genl_get_cmd_both(ctx.op, rt);
    if (typeof both === "number") {
      if (cb.extack !== null) cb.extack.badAttr = opAttr.offset;
      return both;
    }
    for (const h of [both.doit, both.dumpit]) {
      if (h?.policy) ctx.state = netlink_policy_dump_add_policy(ctx.state, h.policy, h.maxattr);
    }
    if (ctx.state === null) return -ERRNO.ENODATA;
    ctx.dump_map = true;
    policy_ctxs.set(cb, ctx);
    return 0;
  }
  ctx.op_iter = genl_op_iter(rt);
  ctx.dump_map = ctx.op_iter.length > 0;
  for (const i of ctx.op_iter) {
    for (const h of [i.doit, i.dumpit]) {
      if (h?.policy) ctx.state = netlink_policy_dump_add_policy(ctx.state, h.policy, h.maxattr);
    }
  }
  if (ctx.state === null) return -ERRNO.ENODATA;
  policy_ctxs.set(cb, ctx);
  return 0;
}

/** ctrl_dumppolicy_prep: a GETPOLICY message with CTRL_ATTR_FAMILY_ID; null when the skb is full. */
const ctrl_dumppolicy_prep = (skb: SkBuff, cb: NetlinkCallback, ctx: CtrlDumpPolicyCtx) => {
  const ctrl = genl_net((skb.owner as NetlinkSock).net).genl_ctrl!;
  const hdr = genlmsg_put(skb, cb.skb.cb.portid, cb.nlh.nlmsg_seq, ctrl, NLM_F_MULTI, CTRL_CMD_GETPOLICY);
  if (hdr === null) return null;
  if (nla_put_u16(skb, CTRL_ATTR_FAMILY_ID, ctx.fam_id)) return null;
  return hdr;
};

/**
 * ctrl_dumppolicy_put_op: CTRL_ATTR_OP_POLICY › nest(doit->cmd: 0 when the op has no do) ›
 * POLICY_DO / POLICY_DUMP indexes; nothing for an op without policies. −ENOBUFS when full.
 */
const ctrl_dumppolicy_put_op = (
  skb: SkBuff,
  cb: NetlinkCallback,
  ctx: CtrlDumpPolicyCtx,
  doit: GenlSplitOps | null,
  dumpit: GenlSplitOps | null,
): number => {
  if (!doit?.policy && !dumpit?.policy) return 0;
  const hdr = ctrl_dumppolicy_prep(skb, cb, ctx);
  if (hdr === null) return -ERRNO.ENOBUFS;
  const err = (): number => {
    genlmsg_cancel(skb, hdr);
    return -ERRNO.ENOBUFS;
  };
  const nest_pol = nla_nest_start(skb, CTRL_ATTR_OP_POLICY);
  if (nest_pol === null) return err();
  const nest_op = nla_nest_start(skb, doit?.cmd ?? 0);
  if (nest_op === null) return err();
  if (doit?.policy) {
    const idx = netlink_policy_dump_get_policy_idx(ctx.state!, doit.policy, doit.maxattr);
    if (nla_put_u32(skb, CTRL_ATTR_POLICY_DO, idx)) return err();
  }
  if (dumpit?.policy) {
    const idx = netlink_policy_dump_get_policy_idx(ctx.state!, dumpit.policy, dumpit.maxattr);
    if (nla_put_u32(skb, CTRL_ATTR_POLICY_DUMP, idx)) return err();
  }
  nla_nest_end(skb, nest_op);
  nla_nest_end(skb, nest_pol);
  genlmsg_end(skb, hdr);
  return 0;
};

/**
 * ctrl_dumppolicy: first the op → policy map (one message per op), then one message per advertised
 * attribute (CTRL_ATTR_POLICY › policy index › attribute type › description). Returns skb->len
 * always, so NLMSG_DONE comes in a datagram of its own, as on the kernel.
 */
function ctrl_dumppolicy(skb: SkBuff, cb: NetlinkCallback): number {
  const ctx = policy_ctxs.get(cb)!;
  if (ctx.dump_map) {
    if (ctx.single_op) {
      const both = genl_get_cmd_both(ctx.op, ctx.rt);
      if (typeof both === "number") return -ERRNO.ENOENT;
      if (ctrl_dumppolicy_put_op(skb, cb, ctx, both.doit, both.dumpit)) return skb.len;
      ctx.dump_map = false;
    }
    while (ctx.dump_map) {
      const it = ctx.op_iter[0]!;
      if (ctrl_dumppolicy_put_op(skb, cb, ctx, it.doit, it.dumpit)) return skb.len;
      ctx.op_iter.shift();
      ctx.dump_map = ctx.op_iter.length > 0;
    }
  }
  const state = ctx.state!;
  while (netlink_policy_dump_loop(state)) {
    const hdr = ctrl_dumppolicy_prep(skb, cb, ctx);
    if (hdr === null) return skb.len;
    const nest = nla_nest_start(skb, CTRL_ATTR_POLICY);
    if (nest === null || netlink_policy_dump_write(skb, state)) {
      genlmsg_cancel(skb, hdr);
      return skb.len;
    }
    nla_nest_end(skb, nest);
    genlmsg_end(skb, hdr);
  }
  return skb.len;
}

/** ctrl_dumppolicy_done */
function ctrl_dumppolicy_done(cb: NetlinkCallback): number {
  policy_ctxs.delete(cb);
  return 0;
}

/**
 * genl_ctrl_event(event, family, grp, grp_id): NEWFAMILY/DELFAMILY (the ctrl_fill_info message) or
 * NEWMCAST_GRP/DELMCAST_GRP (ctrl_fill_mcgrp_info) to nlctrl's "notify" group, seq 0, port id 0.
 */
const genl_ctrl_event = (
  net: Net,
  event: number,
  family: GenlFamily,
  grp: GenlMulticastGroup | null,
  grp_id: number,
) => {
  const g = genl_net(net);
  const ctrl = g.genl_ctrl;
  if (g.genl_sock === null || ctrl === null) return;
  let skb: SkBuff | number;
  if (grp === null) {
    skb = ctrl_build_family_msg(ctrl, family, 0, 0, event);
  } else {
    skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
    const err = ctrl_fill_mcgrp_info(ctrl, family, grp, grp_id, 0, 0, 0, skb, event);
    if (err < 0) {
      kfree_skb(skb);
      skb = err;
    }
  }
  if (typeof skb === "number") return;
  // genlmsg_multicast_allns(&genl_ctrl, msg, 0, 0): nlctrl's group 0, "notify"
  nlmsg_multicast(g.genl_sock, skb, 0, ctrl.mcgrp_offset ?? 0, 0);
};

/**
 * genl_bind(net, group, cred): joining a family's group whose flags ask for CAP_NET_ADMIN
 * (GENL_MCAST_CAP_NET_ADMIN) or CAP_SYS_ADMIN (GENL_MCAST_CAP_SYS_ADMIN) without it → −EPERM.
 */
const genl_bind = (net: Net, group: number, cred: Cred): number => {
  let ret = 0;
  for (const family of genl_families(net)) {
    const grps = family.mcgrps ?? [];
    const i = group - (family.mcgrp_offset ?? 0);
    if (grps.length === 0 || i < 0 || i >= grps.length) continue;
    const flags = grps[i]!.flags ?? 0;
    if (flags & GENL_MCAST_CAP_NET_ADMIN && !capable(cred, CAP_NET_ADMIN)) ret = -ERRNO.EPERM;
    if (flags & GENL_MCAST_CAP_SYS_ADMIN && !capable(cred, CAP_SYS_ADMIN)) ret = -ERRNO.EPERM;
    break;
  }
  return ret;
};

/**
 * genl_init(net): genl_register_family(&genl_ctrl) then genl_pernet_init: the NETLINK_GENERIC kernel
 * socket (64 groups, NL_CFG_F_NONROOT_RECV, input genl_rcv). Returns the socket, or a negative errno
 * (−EEXIST when genetlink is already up in this namespace).
 */
export const genl_init = (net: Net): NetlinkSock | number => {
  const g = genl_net(net);
  if (g.genl_ctrl !== null) return -ERRNO.EEXIST;
  const ctrl = make_genl_ctrl();
  g.genl_ctrl = ctrl;
  const err = genl_register_family(net, ctrl);
  if (err) {
    g.genl_ctrl = null;
    return err;
  }
  const sk = netlink_kernel_create(net, NETLINK_GENERIC, {
    groups: g.mc_groups_longs * 64,
    flags: NL_CFG_F_NONROOT_RECV,
    input: genl_rcv,
    bind: genl_bind,
  });
  if (sk === null) return -ERRNO.ENOMEM;
  g.genl_sock = sk;
  g.ctrl_event = (event, family, grp, grp_id) => genl_ctrl_event(net, event, family, grp, grp_id);
  return sk;
};
