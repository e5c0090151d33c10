// net/xfrm/xfrm_user.c: the NETLINK_XFRM unit's input. xfrm_user_rcv_msg refuses a type above
// XFRM_MSG_MAX, then anyone without CAP_NET_ADMIN ("All operations require privileges, even
// GET"); the model answers those two and logs the rest (the SAD and SPD, their dumps and their
// structure checks are not modelled).
import { CAPABILITIES, ERRNO, type NetlinkExtAck } from "../../uapi/index.js";
import { type Nlmsghdr, netlink_rcv_skb } from "../netlink/ack.js";
import { netlink_ns_capable } from "../netlink/capable.js";
import type { SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { netlink_not_modelled } from "../unit_input.js";

/** XFRM_MSG_BASE and XFRM_MSG_MAX (XFRM_MSG_GETDEFAULT + 1 in 6.18: measured, 0x28) */
export const XFRM_MSG_BASE = 0x10;
export const XFRM_MSG_MAX = 0x28;

/** xfrm_user_rcv_msg(skb, nlh, extack) */
const xfrm_user_rcv_msg =
  (net: Net) =>
  (skb: SkBuff, nlh: Nlmsghdr, _extack: NetlinkExtAck): number => {
    if (nlh.nlmsg_type > XFRM_MSG_MAX) return -ERRNO.EINVAL;
    // netlink_net_capable: the model has one user namespace
    if (!netlink_ns_capable(skb, CAPABILITIES.CAP_NET_ADMIN)) return -ERRNO.EPERM;
    return netlink_not_modelled(net, 6, nlh, "request");
  };

/** xfrm_netlink_rcv(skb): netlink_rcv_skb under xfrm_cfg_mutex. */
export const xfrm_netlink_rcv =
  (net: Net) =>
  (skb: SkBuff): void => {
    netlink_rcv_skb(skb, xfrm_user_rcv_msg(net));
  };
