// What the kernel units the model only partly implements share: the message the model logs for a
// request it cannot answer honestly (sock_diag dumps, xfrm's SAD/SPD, audit's state, nfnetlink's
// subsystems), in place of an answer it would have to invent.
import { KERN_NOTICE } from "../kernel/printk.js";
import { ERRNO, NETLINK_PROTOCOL_NAMES } from "../uapi/index.js";
import type { Nlmsghdr } from "./netlink/ack.js";
import type { Net } from "./netlink/table.js";

/**
 * A request the model does not answer: one printk, and −EINTR, which netlink_rcv_skb takes as "no
 * ACK" (as it does for a dump that started), so the requester gets nothing, as before any handler
 * existed, and the datagram's next messages are still handled.
 */
export const netlink_not_modelled = (net: Net, unit: number, nlh: Nlmsghdr, what: string): number => {
  const name = NETLINK_PROTOCOL_NAMES[unit] ?? `unit ${unit}`;
  net.kernel?.printk(`${KERN_NOTICE}nlsim: ${name} ${what} (type ${nlh.nlmsg_type}) is not modelled: no answer`);
  return -ERRNO.EINTR;
};
