// net/netfilter/nfnetlink.c: the NETLINK_NETFILTER unit's input. nfnetlink_rcv drops a datagram
// shorter than its header, answers EPERM to anyone without CAP_NET_ADMIN (an ACK of its own, even
// without NLM_F_ACK), treats NFNL_MSG_BATCH_BEGIN as a batch and passes everything else to
// netlink_rcv_skb(nfnetlink_rcv_msg). The model answers what does not need a subsystem — a request
// shorter than struct nfgenmsg (handled as nothing), subsystem 0 or one out of range (EINVAL) — and
// logs the rest (conntrack, nftables, ipset, queue, ...: not modelled), batches included.
import { CAPABILITIES, ERRNO, getU32, type NetlinkExtAck, NLMSG_HDRLEN } from "../../uapi/index.js";
import { type Nlmsghdr, netlink_ack, netlink_rcv_skb, nlmsg_hdr, nlmsg_payload } from "../netlink/ack.js";
import { netlink_ns_capable } from "../netlink/capable.js";
import type { SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { netlink_not_modelled } from "../unit_input.js";

/** linux/netfilter/nfnetlink.h */
export const NFNL_MSG_BATCH_BEGIN = 16;
/** NFNL_SUBSYS_COUNT in 6.18: subsystems 1..12 (ctnetlink ... hook) */
export const NFNL_SUBSYS_COUNT = 13;
/** sizeof(struct nfgenmsg) */
const NFGENMSG_SIZE = 4;

/** nfnetlink_rcv_msg(skb, nlh, extack) */
const nfnetlink_rcv_msg =
  (net: Net) =>
  (_skb: SkBuff, nlh: Nlmsghdr, _extack: NetlinkExtAck): number => {
    // All the messages must at least contain nfgenmsg
    if (nlmsg_payload(nlh).length < NFGENMSG_SIZE) return 0;
    const subsys_id = nlh.nlmsg_type >> 8;
    // no subsystem 0, none at or past the count (nfnl_dereference_protected gives NULL)
    if (subsys_id === 0 || subsys_id >= NFNL_SUBSYS_COUNT) return -ERRNO.EINVAL;
    return netlink_not_modelled(net, 12, nlh, `subsystem ${subsys_id} request`);
  };

/** nfnetlink_rcv(skb) */
export const nfnetlink_rcv =
  (net: Net) =>
  (skb: SkBuff): void => {
    const d = skb.data;
    if (skb.len < NLMSG_HDRLEN) return;
    const len = getU32(d, 0);
    if (len < NLMSG_HDRLEN || skb.len < len) return;
    const nlh = nlmsg_hdr(d, len);
    // netlink_net_capable: the model has one user namespace
    if (!netlink_ns_capable(skb, CAPABILITIES.CAP_NET_ADMIN)) {
      netlink_ack(skb, nlh, -ERRNO.EPERM, null);
      return;
    }
    if (nlh.nlmsg_type === NFNL_MSG_BATCH_BEGIN) {
      netlink_not_modelled(net, 12, nlh, "batch");
      return;
    }
    netlink_rcv_skb(skb, nfnetlink_rcv_msg(net));
  };
