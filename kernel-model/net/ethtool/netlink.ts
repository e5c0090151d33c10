// net/ethtool/netlink.c, the ethtool generic netlink family's request path for the GET requests
// the model implements: ethnl_default_doit with the request header (ethnl_parse_header_dev_get),
// the request's prepare_data and fill_reply, and the reply header (ethnl_fill_reply_header). The
// request types are in ethnl_default_requests (linkstate.c → linkstate.ts, the requests that need a
// driver callback → driver_ops.ts); the family's ops, flags
// and policies (the header's nested policy included) come from the kernel profile.
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO, NLM_F_MULTI, type NlAttr, utf8Decode } from "../../uapi/index.js";
import { __dev_get_by_index, __dev_get_by_name, for_each_netdev, type LinkDevice } from "../core/loopback.js";
import type { GenlCmdHandlers, GenlFamilyHandlers, GenlInfo } from "../genetlink/family.js";
import {
  GENL_REQ_ATTR_CHECK,
  genl_info_dump,
  genlmsg_cancel,
  genlmsg_end,
  genlmsg_new,
  genlmsg_put,
  genlmsg_reply,
} from "../genetlink/genetlink.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import {
  NL_SET_ERR_MSG_ATTR,
  nla_get_u32,
  nla_nest_end,
  nla_nest_start,
  nla_parse_nested_validated,
  nla_put_string,
  nla_put_u32,
} from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { ethnl_driver_op_requests } from "./driver_ops.js";
import { ETHTOOL_MSG_LINKSTATE_GET, ethnl_linkstate_request_ops } from "./linkstate.js";

// include/uapi/linux/ethtool_netlink_generated.h
export const ETHTOOL_A_HEADER_DEV_INDEX = 1;
export const ETHTOOL_A_HEADER_DEV_NAME = 2;
export const ETHTOOL_A_HEADER_FLAGS = 3;
export const ETHTOOL_A_HEADER_PHY_INDEX = 4;

/** struct ethnl_req_info */
export interface EthnlReqInfo {
  readonly dev: LinkDevice | null;
  readonly flags: number;
}

/** struct ethnl_request_ops (the part the model uses): prepare_data fills the reply data, fill_reply writes it. */
export interface EthnlRequestOps<D> {
  readonly request_cmd: number;
  readonly reply_cmd: number;
  /** the request's (and reply's) header attribute */
  readonly hdr_attr: number;
  readonly allow_nodev_do: boolean;
  readonly prepare_data: (req: EthnlReqInfo, info: GenlInfo) => D | number;
  readonly fill_reply: (skb: SkBuff, req: EthnlReqInfo, data: D) => number;
}

/** The C string of an NLA_NUL_STRING attribute. */
const nla_strz = (a: NlAttr): string => {
  const z = a.data.indexOf(0);
  return utf8Decode(z < 0 ? a.data : a.data.subarray(0, z));
};

/**
 * ethnl_parse_header_dev_get: the device of the header (by index, by name, or both, which must
 * match) and its flags; −ENODEV or −EINVAL with the extack naming the attribute. A header with
 * ETHTOOL_A_HEADER_PHY_INDEX is logged and refused: the model's devices have no PHYs.
 */
export const ethnl_parse_header_dev_get = (
  header: NlAttr | undefined,
  net: Net,
  info: GenlInfo,
  require_dev: boolean,
): EthnlReqInfo | number => {
  if (header === undefined) {
    if (!require_dev) return { dev: null, flags: 0 };
    if (info.extack !== null) info.extack.msg = "request header missing";
    return -ERRNO.EINVAL;
  }
  // no validation here: the command's policy has the header's nested policy
  const tb = nla_parse_nested_validated(header, ETHTOOL_A_HEADER_PHY_INDEX);
  const flags = tb[ETHTOOL_A_HEADER_FLAGS] !== undefined ? nla_get_u32(tb[ETHTOOL_A_HEADER_FLAGS]) : 0;
  const devname_attr = tb[ETHTOOL_A_HEADER_DEV_NAME];
  let dev: LinkDevice | null = null;
  const index_attr = tb[ETHTOOL_A_HEADER_DEV_INDEX];
  if (index_attr !== undefined) {
    dev = __dev_get_by_index(net, nla_get_u32(index_attr)) ?? null;
    if (dev === null) {
      NL_SET_ERR_MSG_ATTR(info.extack, index_attr, "no device matches ifindex");
      return -ERRNO.ENODEV;
    }
    // if both ifindex and ifname are passed, they must match (strncmp over IFNAMSIZ)
    if (devname_attr !== undefined && dev.name !== nla_strz(devname_attr)) {
      NL_SET_ERR_MSG_ATTR(info.extack, header, "ifindex and name do not match");
      return -ERRNO.ENODEV;
    }
  } else if (devname_attr !== undefined) {
    dev = __dev_get_by_name(net, nla_strz(devname_attr)) ?? null;
    if (dev === null) {
      NL_SET_ERR_MSG_ATTR(info.extack, devname_attr, "no device matches name");
      return -ERRNO.ENODEV;
    }
  } else if (require_dev) {
    NL_SET_ERR_MSG_ATTR(info.extack, header, "neither ifindex nor name specified");
    return -ERRNO.EINVAL;
  }
  if (tb[ETHTOOL_A_HEADER_PHY_INDEX] !== undefined) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: ethtool PHY selection is not modelled`);
    return -ERRNO.EOPNOTSUPP;
  }
  return { dev, flags };
};

/** ethnl_fill_reply_header: the header nest (NLA_F_NESTED) with the device's index and name; nothing without a device. */
export const ethnl_fill_reply_header = (skb: SkBuff, dev: LinkDevice | null, attrtype: number): number => {
  if (dev === null) return 0;
  const nest = nla_nest_start(skb, attrtype);
  if (nest === null) return -ERRNO.EMSGSIZE;
  if (
    nla_put_u32(skb, ETHTOOL_A_HEADER_DEV_INDEX, dev.ifindex) ||
    nla_put_string(skb, ETHTOOL_A_HEADER_DEV_NAME, dev.name)
  ) {
    return -ERRNO.EMSGSIZE;
  }
  nla_nest_end(skb, nest);
  return 0;
};

/**
 * ethnl_default_doit: the header (required: GENL_REQ_ATTR_CHECK names it when missing), the
 * device, prepare_data, then one reply (genlmsg_put with the reply command) with the reply header
 * and fill_reply's attributes.
 */
const ethnl_default_doit =
  <D>(ops: EthnlRequestOps<D>) =>
  (_skb: SkBuff, info: GenlInfo): number => {
    if (GENL_REQ_ATTR_CHECK(info, ops.hdr_attr)) return -ERRNO.EINVAL;
    const req = ethnl_parse_header_dev_get(info.attrs![ops.hdr_attr], info.net, info, !ops.allow_nodev_do);
    if (typeof req === "number") return req;
    const data = ops.prepare_data(req, info);
    if (typeof data === "number") return data;
    // ethnl_reply_init
    const rskb = genlmsg_new(4096);
    const hdr = genlmsg_put(rskb, info.snd_portid, info.snd_seq, info.family, 0, ops.reply_cmd);
    if (hdr === null || ethnl_fill_reply_header(rskb, req.dev, ops.hdr_attr) || ops.fill_reply(rskb, req, data)) {
      kfree_skb(rskb);
      return -ERRNO.EMSGSIZE;
    }
    genlmsg_end(rskb, hdr);
    return genlmsg_reply(rskb, info);
  };

/** struct ethnl_dump_ctx: the request ops and the parsed header, between start, dumpit and done */
interface EthnlDumpCtx<D> {
  readonly ops: EthnlRequestOps<D>;
  readonly req_info: EthnlReqInfo;
}

const dump_ctxs = new WeakMap<NetlinkCallback, EthnlDumpCtx<unknown>>();

/**
 * ethnl_default_start: the header is parsed as for a do, but optional, and a device it names is
 * dropped (the dump covers every device); a header naming an absent device fails the dump here.
 */
const ethnl_default_start =
  <D>(ops: EthnlRequestOps<D>) =>
  (cb: NetlinkCallback): number => {
    const info = genl_info_dump(cb);
    const req = ethnl_parse_header_dev_get(info.attrs?.[ops.hdr_attr], info.net, info, false);
    if (typeof req === "number") return req;
    dump_ctxs.set(cb, { ops: ops as EthnlRequestOps<unknown>, req_info: { dev: null, flags: req.flags } });
    cb.args[0] = 0; // ctx->pos_ifindex
    return 0;
  };

/** ethnl_default_dump_one: one NLM_F_MULTI message for `dev`, cancelled when prepare_data or a fill fails. */
const ethnl_default_dump_one = (skb: SkBuff, dev: LinkDevice, ctx: EthnlDumpCtx<unknown>, info: GenlInfo): number => {
  const ehdr = genlmsg_put(skb, info.snd_portid, info.snd_seq, info.family, NLM_F_MULTI, ctx.ops.reply_cmd);
  if (ehdr === null) return -ERRNO.EMSGSIZE;
  const req = { dev, flags: ctx.req_info.flags };
  const data = ctx.ops.prepare_data(req, info);
  let ret = typeof data === "number" ? data : ethnl_fill_reply_header(skb, dev, ctx.ops.hdr_attr);
  if (ret >= 0) ret = ctx.ops.fill_reply(skb, req, data);
  if (ret < 0) genlmsg_cancel(skb, ehdr);
  else genlmsg_end(skb, ehdr);
  return ret;
};

/**
 * ethnl_default_dumpit: every device from ctx->pos_ifindex on; a device that cannot answer
 * (−EOPNOTSUPP) is left out; another error ends the round (what the skb holds goes out, the device
 * is the next round's first). 0 once every device is done: NLMSG_DONE shares the last datagram.
 */
const ethnl_default_dumpit = (skb: SkBuff, cb: NetlinkCallback): number => {
  const ctx = dump_ctxs.get(cb)!;
  const info = genl_info_dump(cb);
  let ret = 0;
  for (const dev of for_each_netdev(info.net)) {
    if (dev.ifindex < cb.args[0]!) continue;
    cb.args[0] = dev.ifindex;
    ret = ethnl_default_dump_one(skb, dev, ctx, info);
    if (ret < 0 && ret !== -ERRNO.EOPNOTSUPP) {
      if (skb.len) ret = skb.len;
      return ret;
    }
    ret = 0;
  }
  cb.args[0] = Number.MAX_SAFE_INTEGER;
  return ret;
};

/** ethnl_default_done */
const ethnl_default_done = (cb: NetlinkCallback): number => {
  dump_ctxs.delete(cb);
  return 0;
};

/** The do and dump handlers of one request type (ethtool_genl_ops: ethnl_default_doit, _start, _dumpit, _done). */
const ethnl_default_handlers = <D>(ops: EthnlRequestOps<D>): GenlCmdHandlers => ({
  doit: ethnl_default_doit(ops),
  start: ethnl_default_start(ops),
  dumpit: ethnl_default_dumpit,
  done: ethnl_default_done,
});

/** ethtool_genl_ops for the requests the model implements, from ethnl_default_requests. */
export const ethtool_genl_handlers: GenlFamilyHandlers = Object.fromEntries([
  [ETHTOOL_MSG_LINKSTATE_GET, ethnl_default_handlers(ethnl_linkstate_request_ops)],
  ...ethnl_driver_op_requests.map((ops) => [ops.request_cmd, ethnl_default_handlers(ops)] as const),
]);
