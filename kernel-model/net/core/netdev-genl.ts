// net/core/netdev-genl.c, the netdev generic netlink family's device side: NETDEV_CMD_DEV_GET (do
// and dump, netdev_nl_dev_fill) and the "mgmt" group's notifications NETDEV_CMD_DEV_ADD_NTF /
// NETDEV_CMD_DEV_DEL_NTF, sent by the netdevice notifier netdev_genl_netdevice_event when a device
// registers or unregisters. The family's ops, flags and policies come from the kernel profile
// (genetlink/profile.ts); netdev_genl_init runs when the profile has the family. The queue, NAPI,
// page-pool, qstats and bind commands stay not modelled.
import { ERRNO } from "../../uapi/index.js";
import type { GenlFamily, GenlFamilyHandlers, GenlInfo } from "../genetlink/family.js";
import {
  GENL_REQ_ATTR_CHECK,
  GENLMSG_DEFAULT_SIZE,
  genl_has_listeners,
  genl_info_dump,
  genlmsg_cancel,
  genlmsg_end,
  genlmsg_multicast,
  genlmsg_new,
  genlmsg_put,
  genlmsg_reply,
} from "../genetlink/genetlink.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import { nla_get_u32, nla_put_u32, nla_put_u64_64bit } from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import { NETDEV_REGISTER, NETDEV_UNREGISTER, register_netdevice_notifier } from "./dev_api.js";
import { __dev_get_by_index, for_each_netdev, type LinkDevice } from "./loopback.js";

// include/uapi/linux/netdev.h
export const NETDEV_A_DEV_IFINDEX = 1;
export const NETDEV_A_DEV_PAD = 2;
export const NETDEV_A_DEV_XDP_FEATURES = 3;
export const NETDEV_A_DEV_XDP_ZC_MAX_SEGS = 4;
export const NETDEV_A_DEV_XDP_RX_METADATA_FEATURES = 5;
export const NETDEV_A_DEV_XSK_FEATURES = 6;
export const NETDEV_CMD_DEV_GET = 1;
export const NETDEV_CMD_DEV_ADD_NTF = 2;
export const NETDEV_CMD_DEV_DEL_NTF = 3;
export const NETDEV_XDP_ACT_XSK_ZEROCOPY = 1 << 3;
/** NETDEV_NLGRP_MGMT: the family's group 0, "mgmt" */
export const NETDEV_NLGRP_MGMT = 0;

/** Where a message goes: genlmsg_iput's portid, seq, family and command (flags are always 0). */
interface NetdevReplyTo {
  readonly portid: number;
  readonly seq: number;
  readonly family: GenlFamily;
  readonly cmd: number;
}

/**
 * netdev_nl_dev_fill: ifindex, the XDP features, the XDP RX metadata and XSK features (none: the
 * model's devices have no xdp_metadata_ops or xsk_tx_metadata_ops), and XDP_ZC_MAX_SEGS when the
 * device does XSK zero-copy. −EMSGSIZE (message cancelled) when it does not fit.
 */
const netdev_nl_dev_fill = (netdev: LinkDevice, rsp: SkBuff, to: NetdevReplyTo): number => {
  // genlmsg_iput
  const hdr = genlmsg_put(rsp, to.portid, to.seq, to.family, 0, to.cmd);
  if (hdr === null) return -ERRNO.EMSGSIZE;
  const xdp_rx_meta = 0n;
  const xsk_features = 0n;
  if (
    nla_put_u32(rsp, NETDEV_A_DEV_IFINDEX, netdev.ifindex) ||
    nla_put_u64_64bit(rsp, NETDEV_A_DEV_XDP_FEATURES, BigInt(netdev.xdp_features), NETDEV_A_DEV_PAD) ||
    nla_put_u64_64bit(rsp, NETDEV_A_DEV_XDP_RX_METADATA_FEATURES, xdp_rx_meta, NETDEV_A_DEV_PAD) ||
    nla_put_u64_64bit(rsp, NETDEV_A_DEV_XSK_FEATURES, xsk_features, NETDEV_A_DEV_PAD) ||
    (netdev.xdp_features & NETDEV_XDP_ACT_XSK_ZEROCOPY &&
      nla_put_u32(rsp, NETDEV_A_DEV_XDP_ZC_MAX_SEGS, netdev.xdp_zc_max_segs))
  ) {
    genlmsg_cancel(rsp, hdr);
    return -ERRNO.EMSGSIZE;
  }
  genlmsg_end(rsp, hdr);
  return 0;
};

/** netdev_genl_dev_notify: the device to the "mgmt" group, when it has listeners. */
const netdev_genl_dev_notify = (net: Net, family: GenlFamily, netdev: LinkDevice, cmd: number): void => {
  if (!genl_has_listeners(net, family, NETDEV_NLGRP_MGMT)) return;
  // genl_info_init_ntf: port 0, seq 0
  const ntf = genlmsg_new(GENLMSG_DEFAULT_SIZE);
  if (netdev_nl_dev_fill(netdev, ntf, { portid: 0, seq: 0, family, cmd })) {
    kfree_skb(ntf);
    return;
  }
  genlmsg_multicast(net, family, ntf, 0, NETDEV_NLGRP_MGMT);
};

/** netdev_nl_dev_get_doit: the device of NETDEV_A_DEV_IFINDEX (required), −ENODEV when absent. */
export const netdev_nl_dev_get_doit = (_skb: SkBuff, info: GenlInfo): number => {
  if (GENL_REQ_ATTR_CHECK(info, NETDEV_A_DEV_IFINDEX)) return -ERRNO.EINVAL;
  const ifindex = nla_get_u32(info.attrs![NETDEV_A_DEV_IFINDEX]!);
  const rsp = genlmsg_new(GENLMSG_DEFAULT_SIZE);
  const netdev = __dev_get_by_index(info.net, ifindex);
  if (netdev === undefined) {
    kfree_skb(rsp);
    return -ERRNO.ENODEV;
  }
  const err = netdev_nl_dev_fill(netdev, rsp, {
    portid: info.snd_portid,
    seq: info.snd_seq,
    family: info.family,
    cmd: info.genlhdr.cmd,
  });
  if (err) {
    kfree_skb(rsp);
    return err;
  }
  return genlmsg_reply(rsp, info);
};

/**
 * netdev_nl_dev_get_dumpit: every device from ctx->ifindex (cb.args[0]) on; a device that does not
 * fit ends the round with −EMSGSIZE and is the next round's first. 0 when all are in, so NLMSG_DONE
 * shares the last datagram.
 */
export const netdev_nl_dev_get_dumpit = (skb: SkBuff, cb: NetlinkCallback): number => {
  const info = genl_info_dump(cb);
  const to = { portid: info.snd_portid, seq: info.snd_seq, family: info.family, cmd: info.genlhdr.cmd };
  for (const netdev of for_each_netdev((skb.owner as NetlinkSock).net)) {
    if (netdev.ifindex < cb.args[0]!) continue;
    cb.args[0] = netdev.ifindex;
    const err = netdev_nl_dev_fill(netdev, skb, to);
    if (err < 0) return err;
  }
  return 0;
};

/** netdev_genl_init: the netdevice notifier netdev_genl_netdevice_event, for `family` registered in `net`. */
export const netdev_genl_init = (net: Net, family: GenlFamily): void => {
  register_netdevice_notifier(net, (event, dev) => {
    if (event === NETDEV_REGISTER) netdev_genl_dev_notify(net, family, dev, NETDEV_CMD_DEV_ADD_NTF);
    else if (event === NETDEV_UNREGISTER) netdev_genl_dev_notify(net, family, dev, NETDEV_CMD_DEV_DEL_NTF);
  });
};

/** netdev_nl_ops (netdev-genl-gen.c): the handlers the model implements. */
export const netdev_genl_handlers: GenlFamilyHandlers = {
  [NETDEV_CMD_DEV_GET]: { doit: netdev_nl_dev_get_doit, dumpit: netdev_nl_dev_get_dumpit },
};
