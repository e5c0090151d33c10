// net/ethtool/linkstate.c, ETHTOOL_MSG_LINKSTATE_GET: ETHTOOL_A_LINKSTATE_LINK from the driver's
// get_link (__ethtool_get_link, net/ethtool/ioctl.c: 0 while the device is not running; absent when
// the driver has no get_link, as ifb's). The model's devices have no PHY (no SQI), no
// get_link_ext_state and no link statistics: a request for statistics (ETHTOOL_FLAG_STATS) is
// logged and refused as not modelled.
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO } from "../../uapi/index.js";
import { IFF_UP } from "../../uapi/rtnetlink.js";
import type { LinkDevice } from "../core/loopback.js";
import type { GenlInfo } from "../genetlink/family.js";
import { nla_put_u8 } from "../netlink/nlmsg.js";
import type { SkBuff } from "../netlink/skb.js";
import type { EthnlReqInfo, EthnlRequestOps } from "./netlink.js";

// include/uapi/linux/ethtool_netlink_generated.h
export const ETHTOOL_MSG_LINKSTATE_GET = 6;
export const ETHTOOL_MSG_LINKSTATE_GET_REPLY = 6;
export const ETHTOOL_A_LINKSTATE_HEADER = 1;
export const ETHTOOL_A_LINKSTATE_LINK = 2;
/** ETHTOOL_FLAG_STATS: a header flag (ETHTOOL_A_HEADER_FLAGS) */
export const ETHTOOL_FLAG_STATS = 1 << 2;

/** struct linkstate_reply_data (the part the model has) */
interface LinkstateReplyData {
  /** __ethtool_get_link: 0/1, or −EOPNOTSUPP without get_link */
  readonly link: number;
}

/** __ethtool_get_link (ioctl.c): −EOPNOTSUPP without get_link; 0 while not running (netif_running). */
export const __ethtool_get_link = (dev: LinkDevice): number => {
  const get_link = dev.ethtool_ops?.get_link;
  if (get_link === undefined) return -ERRNO.EOPNOTSUPP;
  return dev.flags & IFF_UP && get_link(dev) ? 1 : 0;
};

/** linkstate_prepare_data */
const linkstate_prepare_data = (req: EthnlReqInfo, info: GenlInfo): LinkstateReplyData | number => {
  if (req.flags & ETHTOOL_FLAG_STATS) {
    info.net.kernel?.printk(`${KERN_NOTICE}nlsim: ethtool link statistics are not modelled`);
    return -ERRNO.EOPNOTSUPP;
  }
  return { link: __ethtool_get_link(req.dev!) };
};

/** linkstate_fill_reply: LINK when get_link answered (SQI, ext state and stats are not there) */
const linkstate_fill_reply = (skb: SkBuff, _req: EthnlReqInfo, data: LinkstateReplyData): number => {
  if (data.link >= 0 && nla_put_u8(skb, ETHTOOL_A_LINKSTATE_LINK, data.link ? 1 : 0)) return -ERRNO.EMSGSIZE;
  return 0;
};

/** ethnl_linkstate_request_ops */
export const ethnl_linkstate_request_ops: EthnlRequestOps<LinkstateReplyData> = {
  request_cmd: ETHTOOL_MSG_LINKSTATE_GET,
  reply_cmd: ETHTOOL_MSG_LINKSTATE_GET_REPLY,
  hdr_attr: ETHTOOL_A_LINKSTATE_HEADER,
  allow_nodev_do: false,
  prepare_data: linkstate_prepare_data,
  fill_reply: linkstate_fill_reply,
};
