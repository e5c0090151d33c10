// kernel/audit.c: the NETLINK_AUDIT unit's input (kept beside the net code it uses). audit_receive
// walks the datagram itself, not through netlink_rcv_skb: every message goes to audit_receive_msg,
// control types and messages without NLM_F_REQUEST included, and an ACK goes back on an error or
// NLM_F_ACK. audit_netlink_ok decides by type: AUDIT_LIST/ADD/DEL are gone (EOPNOTSUPP), the
// control types need CAP_AUDIT_CONTROL, user messages CAP_AUDIT_WRITE, anything else is EINVAL.
// The model answers those checks and logs what would follow (the audit state and its replies).
import { CAPABILITIES, ERRNO, getU32, NLM_F_ACK, NLMSG_ALIGN, NLMSG_HDRLEN } from "../uapi/index.js";
import { type Nlmsghdr, netlink_ack, nlmsg_hdr } from "./netlink/ack.js";
import { netlink_capable } from "./netlink/capable.js";
import { type SkBuff, skb_pull } from "./netlink/skb.js";
import type { Net } from "./netlink/table.js";
import { netlink_not_modelled } from "./unit_input.js";

/** linux/audit.h */
export const AUDIT_GET = 1000;
export const AUDIT_SET = 1001;
export const AUDIT_LIST = 1002;
export const AUDIT_ADD = 1003;
export const AUDIT_DEL = 1004;
export const AUDIT_USER = 1005;
export const AUDIT_SIGNAL_INFO = 1010;
export const AUDIT_ADD_RULE = 1011;
export const AUDIT_DEL_RULE = 1012;
export const AUDIT_LIST_RULES = 1013;
export const AUDIT_TRIM = 1014;
export const AUDIT_MAKE_EQUIV = 1015;
export const AUDIT_TTY_GET = 1016;
export const AUDIT_TTY_SET = 1017;
export const AUDIT_SET_FEATURE = 1018;
export const AUDIT_GET_FEATURE = 1019;
export const AUDIT_FIRST_USER_MSG = 1100;
export const AUDIT_LAST_USER_MSG = 1199;
export const AUDIT_FIRST_USER_MSG2 = 2100;
export const AUDIT_LAST_USER_MSG2 = 2999;

const AUDIT_CONTROL_TYPES: ReadonlySet<number> = new Set([
  AUDIT_GET,
  AUDIT_SET,
  AUDIT_GET_FEATURE,
  AUDIT_SET_FEATURE,
  AUDIT_LIST_RULES,
  AUDIT_ADD_RULE,
  AUDIT_DEL_RULE,
  AUDIT_SIGNAL_INFO,
  AUDIT_TTY_GET,
  AUDIT_TTY_SET,
  AUDIT_TRIM,
  AUDIT_MAKE_EQUIV,
]);

/** audit_netlink_ok(skb, msg_type): the model has one user and one pid namespace, the initial ones. */
const audit_netlink_ok = (skb: SkBuff, msg_type: number): number => {
  if (msg_type === AUDIT_LIST || msg_type === AUDIT_ADD || msg_type === AUDIT_DEL) return -ERRNO.EOPNOTSUPP;
  if (AUDIT_CONTROL_TYPES.has(msg_type)) return netlink_capable(skb, CAPABILITIES.CAP_AUDIT_CONTROL) ? 0 : -ERRNO.EPERM;
  if (
    msg_type === AUDIT_USER ||
    (msg_type >= AUDIT_FIRST_USER_MSG && msg_type <= AUDIT_LAST_USER_MSG) ||
    (msg_type >= AUDIT_FIRST_USER_MSG2 && msg_type <= AUDIT_LAST_USER_MSG2)
  )
    return netlink_capable(skb, CAPABILITIES.CAP_AUDIT_WRITE) ? 0 : -ERRNO.EPERM;
  // bad msg
  return -ERRNO.EINVAL;
};

/** audit_receive_msg(skb, nlh): the permission check, then what the model does not follow. */
const audit_receive_msg = (net: Net, skb: SkBuff, nlh: Nlmsghdr): number => {
  const err = audit_netlink_ok(skb, nlh.nlmsg_type);
  if (err) return err;
  return netlink_not_modelled(net, 9, nlh, "request");
};

/** audit_receive(skb): each whole message in turn (nlmsg_ok / nlmsg_next). */
export const audit_receive =
  (net: Net) =>
  (skb: SkBuff): void => {
    while (skb.len >= NLMSG_HDRLEN) {
      const d = skb.data;
      const len = getU32(d, 0);
      if (len < NLMSG_HDRLEN || len > skb.len) return;
      const nlh = nlmsg_hdr(d, len);
      const err = audit_receive_msg(net, skb, nlh);
      // not modelled: no answer (as netlink_rcv_skb treats −EINTR)
      if (err !== -ERRNO.EINTR && (err || nlh.nlmsg_flags & NLM_F_ACK)) netlink_ack(skb, nlh, err, null);
      skb_pull(skb, Math.min(NLMSG_ALIGN(len), skb.len));
    }
  };
