// net/netlink/genetlink.c, the message path: genl_rcv → netlink_rcv_skb → genl_rcv_msg →
// genl_family_rcv_msg (header checks, op lookup, permissions) → the doit, or a dump through
// __netlink_dump_start with genl_start / genl_dumpit / genl_done; and the reply builders of
// include/net/genetlink.h (genlmsg_new, genlmsg_put, genlmsg_end, genlmsg_reply, genlmsg_multicast).
import {
  CAP_NET_ADMIN,
  ERRNO,
  GENL_ADMIN_PERM,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_HDRLEN,
  GENL_UNS_ADMIN_PERM,
  type NetlinkExtAck,
  NL_VALIDATE_LIBERAL,
  NL_VALIDATE_STRICT,
  NL_VALIDATE_UNSPEC,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_ECHO,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  type NlAttr,
  type NlaPolicySet,
  nlaParse,
} from "../../uapi/index.js";
import { type Nlmsghdr, netlink_rcv_skb } from "../netlink/ack.js";
import { nlmsg_multicast } from "../netlink/broadcast.js";
import { netlink_capable, netlink_ns_capable } from "../netlink/capable.js";
import { __netlink_dump_start, type NetlinkCallback } from "../netlink/dump.js";
import {
  type NlmsghdrRef,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  nlmsg_total_size,
} from "../netlink/nlmsg.js";
import type { SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import { nlmsg_unicast } from "../netlink/unicast.js";
import {
  GENL_DONT_VALIDATE_DUMP,
  GENL_DONT_VALIDATE_DUMP_STRICT,
  GENL_DONT_VALIDATE_STRICT,
  type GenlFamily,
  type GenlInfo,
  type Genlmsghdr,
  type GenlSplitOps,
  genl_family_find_byid,
  genl_get_cmd_split,
  genl_net,
} from "./family.js";

/** A message being built: where its nlmsghdr is (genlmsg_put returns the user payload in C). */
export type GenlMsgRef = NlmsghdrRef;

/** genlmsg_new(payload): nlmsg_new(genlmsg_total_size(payload)). */
export const genlmsg_new = (payload: number): SkBuff => nlmsg_new(GENL_HDRLEN + payload);

/** GENLMSG_DEFAULT_SIZE = NLMSG_DEFAULT_SIZE − GENL_HDRLEN */
export const GENLMSG_DEFAULT_SIZE = 3776 - NLMSG_HDRLEN - GENL_HDRLEN;

/**
 * genlmsg_put(skb, portid, seq, family, flags, cmd): nlmsghdr (type = family id) + genlmsghdr
 * {cmd, family.version, 0} + family.hdrsize zeroed bytes; null when the skb is full.
 */
export const genlmsg_put = (
  skb: SkBuff,
  portid: number,
  seq: number,
  family: GenlFamily,
  flags: number,
  cmd: number,
): GenlMsgRef | null => {
  const nlh = nlmsg_put(skb, portid, seq, family.id ?? 0, GENL_HDRLEN + (family.hdrsize ?? 0), flags);
  if (nlh === null) return null;
  const hdr = nlmsg_data(nlh);
  skb.head[hdr] = cmd & 0xff;
  skb.head[hdr + 1] = family.version & 0xff;
  skb.head[hdr + 2] = 0;
  skb.head[hdr + 3] = 0;
  return nlh;
};

/** genlmsg_user_hdr offset: where the family header starts (skb.head offset). */
export const genlmsg_user_hdr = (nlh: GenlMsgRef): number => nlmsg_data(nlh) + GENL_HDRLEN;

/** genlmsg_end */
export const genlmsg_end = (skb: SkBuff, nlh: GenlMsgRef): number => nlmsg_end(skb, nlh);
/** genlmsg_cancel */
export const genlmsg_cancel = (skb: SkBuff, nlh: GenlMsgRef): void => nlmsg_cancel(skb, nlh);

/** genlmsg_unicast(net, skb, portid): nlmsg_unicast on net->genl_sock. */
export const genlmsg_unicast = (net: Net, skb: SkBuff, portid: number): number => {
  const sk = genl_net(net).genl_sock;
  if (sk === null) return -ERRNO.ECONNREFUSED;
  return nlmsg_unicast(sk, skb, portid);
};

/** genlmsg_reply(skb, info): the reply to the requester. */
export const genlmsg_reply = (skb: SkBuff, info: GenlInfo): number => genlmsg_unicast(info.net, skb, info.snd_portid);

/**
 * genlmsg_multicast(net, family, skb, portid, group, flags): `group` is the family-relative index
 * (0 = mcgrps[0]); −EINVAL when out of range.
 */
export const genlmsg_multicast = (
  net: Net,
  family: GenlFamily,
  skb: SkBuff,
  portid: number,
  group: number,
  flags = 0,
): number => {
  const sk = genl_net(net).genl_sock;
  if (group < 0 || group >= (family.mcgrps?.length ?? 0) || sk === null) {
    net.report("WARNING", `genlmsg_multicast: group ${group} of ${family.name} out of range`);
    return -ERRNO.EINVAL;
  }
  return nlmsg_multicast(sk, skb, portid, (family.mcgrp_offset ?? 0) + group, flags);
};

/** genl_has_listeners(family, net, group) */
export const genl_has_listeners = (net: Net, family: GenlFamily, group: number): boolean => {
  const sk = genl_net(net).genl_sock;
  if (sk === null) return false;
  const g = (family.mcgrp_offset ?? 0) + group - 1;
  const l = net.nl_table[sk.sk_protocol]!.listeners;
  return l !== null && g >= 0 && ((l[g >>> 5]! >>> (g & 31)) & 1) === 1;
};

const genlmsghdr_of = (nlh: Nlmsghdr): Genlmsghdr => {
  const d = nlh.msg;
  return { cmd: d[16] ?? 0, version: d[17] ?? 0, reserved: (d[18] ?? 0) | ((d[19] ?? 0) << 8) };
};

/** The policy set parsing uses: the op's policy cut or padded to its maxattr (no policy: nothing checked). */
const policy_for = (ops: GenlSplitOps): NlaPolicySet => {
  const p = ops.policy;
  const policy = Array.from({ length: ops.maxattr + 1 }, (_, i) => (p !== null ? p.policy[i] : undefined));
  return p?.strictStartType !== undefined
    ? { maxtype: ops.maxattr, policy, strictStartType: p.strictStartType }
    : { maxtype: ops.maxattr, policy };
};

/**
 * genl_family_rcv_msg_attrs_parse: null when the op has no maxattr; else __nlmsg_parse with the
 * op's policy, strict unless the op's validate has `no_strict_flag`. A negative errno on failure
 * (extack filled).
 */
export const genl_family_rcv_msg_attrs_parse = (
  nlh: Nlmsghdr,
  extack: NetlinkExtAck,
  ops: GenlSplitOps,
  hdrlen: number,
  no_strict_flag: number,
): ReadonlyArray<NlAttr | undefined> | null | number => {
  if (!ops.maxattr) return null;
  let validate = ops.validate & no_strict_flag ? NL_VALIDATE_LIBERAL : NL_VALIDATE_STRICT;
  // a NULL policy in C validates nothing but the types' range
  if (ops.policy === null) validate &= ~NL_VALIDATE_UNSPEC;
  // __nlmsg_parse
  if (nlh.nlmsg_len < NLMSG_HDRLEN + hdrlen) {
    extack.msg = "Invalid header length";
    return -ERRNO.EINVAL;
  }
  const off = NLMSG_HDRLEN + ((hdrlen + 3) & ~3);
  const r = nlaParse(nlh.msg.subarray(Math.min(off, nlh.nlmsg_len)), policy_for(ops), { validate, base: off });
  if (!r.ok) {
    Object.assign(extack, r.extack);
    return r.error;
  }
  return r.tb;
};

/** genl_header_check: commands from resv_start_op on get a zero reserved field and only REQUEST/ACK/ECHO/DUMP. */
const genl_header_check = (family: GenlFamily, nlh: Nlmsghdr, hdr: Genlmsghdr, extack: NetlinkExtAck): number => {
  if (hdr.cmd < (family.resv_start_op ?? 0)) return 0;
  if (hdr.reserved) {
    extack.msg = "genlmsghdr.reserved field is not 0";
    return -ERRNO.EINVAL;
  }
  let flags = nlh.nlmsg_flags;
  if ((flags & NLM_F_DUMP) === NLM_F_DUMP) flags &= ~NLM_F_DUMP;
  if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
    extack.msg = "ambiguous or reserved bits set in nlmsg_flags";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/** struct genl_dumpit_info: cb.data while a genetlink dump runs. */
export interface GenlDumpitInfo {
  readonly op: GenlSplitOps;
  readonly info: GenlInfo;
}

/** struct genl_start_context: cb.data between __netlink_dump_start and genl_start. */
interface GenlStartContext {
  readonly family: GenlFamily;
  readonly nlh: Nlmsghdr;
  readonly extack: NetlinkExtAck;
  readonly ops: GenlSplitOps;
  readonly hdrlen: number;
  readonly net: Net;
}

/** genl_dumpit_info(cb) */
export const genl_dumpit_info = (cb: NetlinkCallback): GenlDumpitInfo => cb.data as GenlDumpitInfo;
/** genl_info_dump(cb): the genl_info of a running dump (attrs parsed by genl_start). */
export const genl_info_dump = (cb: NetlinkCallback): GenlInfo => genl_dumpit_info(cb).info;

/** genl_start: parse the request's attributes (GENL_DONT_VALIDATE_DUMP_STRICT relaxes), then ops->start. */
const genl_start = (cb: NetlinkCallback): number => {
  const ctx = cb.data as GenlStartContext;
  const ops = ctx.ops;
  if (!(ops.validate & GENL_DONT_VALIDATE_DUMP) && ctx.nlh.nlmsg_len < NLMSG_HDRLEN + ctx.hdrlen) return -ERRNO.EINVAL;
  const attrs = genl_family_rcv_msg_attrs_parse(ctx.nlh, ctx.extack, ops, ctx.hdrlen, GENL_DONT_VALIDATE_DUMP_STRICT);
  if (typeof attrs === "number") return attrs;
  const info: GenlDumpitInfo = {
    op: ops,
    info: genl_info_make(ctx.family, cb.skb, cb.nlh, attrs, cb.extack, ctx.net, ctx.hdrlen),
  };
  cb.data = info;
  if (ops.start !== null) {
    const rc = ops.start(cb);
    if (rc) {
      cb.data = null;
      return rc;
    }
  }
  return 0;
};

/** genl_dumpit */
const genl_dumpit = (skb: SkBuff, cb: NetlinkCallback): number => genl_dumpit_info(cb).op.dumpit!(skb, cb);

/** genl_done */
const genl_done = (cb: NetlinkCallback): number => {
  const info = cb.data as GenlDumpitInfo | null;
  let rc = 0;
  if (info !== null && info.op.done !== null) rc = info.op.done(cb);
  cb.data = null;
  return rc;
};

const genl_info_make = (
  family: GenlFamily,
  skb: SkBuff,
  nlh: Nlmsghdr,
  attrs: ReadonlyArray<NlAttr | undefined> | null,
  extack: NetlinkExtAck | null,
  net: Net,
  hdrlen: number,
): GenlInfo => ({
  snd_seq: nlh.nlmsg_seq,
  snd_portid: skb.cb.portid,
  family,
  nlhdr: nlh,
  genlhdr: genlmsghdr_of(nlh),
  userhdr: nlh.msg.subarray(NLMSG_HDRLEN + GENL_HDRLEN, NLMSG_HDRLEN + hdrlen),
  attrs,
  extack,
  net,
  user_ptr: [null, null],
});

/** genl_family_rcv_msg_dumpit: hand the request to __netlink_dump_start on net->genl_sock. */
const genl_family_rcv_msg_dumpit = (
  family: GenlFamily,
  skb: SkBuff,
  nlh: Nlmsghdr,
  extack: NetlinkExtAck,
  ops: GenlSplitOps,
  hdrlen: number,
  net: Net,
): number => {
  const ctx: GenlStartContext = { family, nlh, extack, ops, hdrlen, net };
  const ssk = genl_net(net).genl_sock!;
  return __netlink_dump_start(ssk, skb, nlh, {
    data: ctx,
    start: genl_start,
    dump: genl_dumpit,
    done: genl_done,
    extack,
  });
};

/** genl_family_rcv_msg_doit: parse (GENL_DONT_VALIDATE_STRICT relaxes), pre_doit, doit, post_doit. */
const genl_family_rcv_msg_doit = (
  family: GenlFamily,
  skb: SkBuff,
  nlh: Nlmsghdr,
  extack: NetlinkExtAck,
  ops: GenlSplitOps,
  hdrlen: number,
  net: Net,
): number => {
  const attrs = genl_family_rcv_msg_attrs_parse(nlh, extack, ops, hdrlen, GENL_DONT_VALIDATE_STRICT);
  if (typeof attrs === "number") return attrs;
  const info = genl_info_make(family, skb, nlh, attrs, extack, net, hdrlen);
  if (ops.pre_doit !== null) {
    const err = ops.pre_doit(ops, skb, info);
    if (err) return err;
  }
  const err = ops.doit!(skb, info);
  if (ops.post_doit !== null) ops.post_doit(ops, skb, info);
  return err;
};

/** genl_family_rcv_msg: header length and checks, the op (EOPNOTSUPP), permissions (EPERM), then do or dump. */
const genl_family_rcv_msg = (family: GenlFamily, skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): number => {
  const net = (skb.owner as NetlinkSock | null)?.net ?? (skb.cb.sk as NetlinkSock).net;
  const hdrlen = GENL_HDRLEN + (family.hdrsize ?? 0);
  if (nlh.nlmsg_len < NLMSG_HDRLEN + hdrlen) return -ERRNO.EINVAL;
  const hdr = genlmsghdr_of(nlh);
  if (genl_header_check(family, nlh, hdr, extack)) return -ERRNO.EINVAL;
  // unlike rtnetlink, both NLM_F_DUMP bits are needed (6.18): NLM_F_ROOT alone asks for the doit
  const flags = (nlh.nlmsg_flags & NLM_F_DUMP) === NLM_F_DUMP ? GENL_CMD_CAP_DUMP : GENL_CMD_CAP_DO;
  const ops = genl_get_cmd_split(family, hdr.cmd, flags);
  if (ops === null) return -ERRNO.EOPNOTSUPP;
  if (ops.flags & GENL_ADMIN_PERM && !netlink_capable(skb, CAP_NET_ADMIN)) return -ERRNO.EPERM;
  if (ops.flags & GENL_UNS_ADMIN_PERM && !netlink_ns_capable(skb, CAP_NET_ADMIN)) return -ERRNO.EPERM;
  if (flags & GENL_CMD_CAP_DUMP) return genl_family_rcv_msg_dumpit(family, skb, nlh, extack, ops, hdrlen, net);
  return genl_family_rcv_msg_doit(family, skb, nlh, extack, ops, hdrlen, net);
};

/** genl_rcv_msg: the family by nlmsg_type (ENOENT when unknown). */
export const genl_rcv_msg = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): number => {
  const net = (skb.owner as NetlinkSock | null)?.net ?? (skb.cb.sk as NetlinkSock).net;
  const family = genl_family_find_byid(net, nlh.nlmsg_type);
  if (family === undefined) return -ERRNO.ENOENT;
  return genl_family_rcv_msg(family, skb, nlh, extack);
};

/** genl_rcv: NETLINK_GENERIC's input. */
export const genl_rcv = (skb: SkBuff): void => {
  netlink_rcv_skb(skb, genl_rcv_msg);
};

/**
 * GENL_REQ_ATTR_CHECK(info, attr): true when the request lacks `attr`, the extack then naming
 * the missing type (NL_SET_ERR_ATTR_MISS with no nest); the caller returns −EINVAL.
 */
export const GENL_REQ_ATTR_CHECK = (info: GenlInfo, attr: number): boolean => {
  if (info.attrs?.[attr] !== undefined) return false;
  if (info.extack !== null) info.extack.missType = attr;
  return true;
};

/** genlmsg_total_size(payload) */
export const genlmsg_total_size = (payload: number): number => nlmsg_total_size(GENL_HDRLEN + payload);
