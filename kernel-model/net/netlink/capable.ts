// net/netlink/af_netlink.c: netlink_capable and friends, the permission checks kernel handlers run
// on a request skb (e.g. genetlink's GENL_ADMIN_PERM).
import type { Cred } from "../core/sock.js";
import { NETLINK_SKB_DST, type SkBuff } from "./skb.js";

/**
 * __netlink_ns_capable: the opener of the sending socket had `cap` (unless the sender gave an
 * explicit address) and so does the sending task. The model keeps one Cred per sender (the task's,
 * recorded by netlink_sendmsg in NETLINK_CB(skb).cred); a kernel-originated skb has none.
 */
const __netlink_ns_capable = (skb: SkBuff, cap: number): boolean => {
  const cred: Cred | undefined = skb.cb.cred;
  if (cred === undefined) return false;
  const file_capable = (skb.cb.flags & NETLINK_SKB_DST) !== 0 || cred.caps.has(cap);
  return file_capable && cred.caps.has(cap);
};

/** netlink_ns_capable(skb, user_ns, cap): the model has one user namespace. */
export const netlink_ns_capable = (skb: SkBuff, cap: number): boolean => __netlink_ns_capable(skb, cap);

/** netlink_capable(skb, cap): the check against the initial user namespace. */
export const netlink_capable = (skb: SkBuff, cap: number): boolean => __netlink_ns_capable(skb, cap);
