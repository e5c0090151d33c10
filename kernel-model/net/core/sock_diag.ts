// net/core/sock_diag.c: the NETLINK_SOCK_DIAG unit's input. sock_diag_rcv_msg dispatches by type;
// SOCK_DIAG_BY_FAMILY and SOCK_DESTROY go to the handler registered for the request's family
// (__sock_diag_cmd). The model answers what does not depend on the dumps themselves — a short
// request, a family out of range or without a handler, an unknown type — and logs the dumps it
// does not compute (inet_diag, unix_diag, netlink_diag, packet_diag: their order and inode numbers
// are the host's).
import { ERRNO, type NetlinkExtAck } from "../../uapi/index.js";
import { type Nlmsghdr, netlink_rcv_skb, nlmsg_payload } from "../netlink/ack.js";
import type { SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";
import { netlink_not_modelled } from "../unit_input.js";

/** linux/inet_diag.h and linux/sock_diag.h */
export const TCPDIAG_GETSOCK = 18;
export const DCCPDIAG_GETSOCK = 19;
export const SOCK_DIAG_BY_FAMILY = 20;
export const SOCK_DESTROY = 21;
/** sizeof(struct sock_diag_req): {u8 sdiag_family, u8 sdiag_protocol} */
const SOCK_DIAG_REQ_SIZE = 2;
/** AF_MAX in 6.18 (linux/socket.h) */
export const AF_MAX = 46;

/**
 * The families with a sock_diag handler on a stock 6.18 build (built in or loaded on demand by
 * sock_load_diag_module): AF_UNIX (unix_diag), AF_INET and AF_INET6 (inet_diag), AF_NETLINK
 * (netlink_diag), AF_PACKET (packet_diag); measured: any other family below AF_MAX is ENOENT.
 */
export const SOCK_DIAG_FAMILIES: ReadonlySet<number> = new Set([1, 2, 10, 16, 17]);
/** the handlers with a destroy (inet_diag's, for SOCK_DESTROY) */
const SOCK_DIAG_DESTROY: ReadonlySet<number> = new Set([2, 10]);

/** __sock_diag_cmd: the request's family and its handler. */
const __sock_diag_cmd = (net: Net, nlh: Nlmsghdr): number => {
  const req = nlmsg_payload(nlh);
  if (req.length < SOCK_DIAG_REQ_SIZE) return -ERRNO.EINVAL;
  const family = req[0]!;
  if (family >= AF_MAX) return -ERRNO.EINVAL;
  if (!SOCK_DIAG_FAMILIES.has(family)) return -ERRNO.ENOENT;
  if (nlh.nlmsg_type === SOCK_DIAG_BY_FAMILY) return netlink_not_modelled(net, 4, nlh, `family ${family} dump`);
  if (SOCK_DIAG_DESTROY.has(family)) return netlink_not_modelled(net, 4, nlh, `family ${family} destroy`);
  return -ERRNO.EOPNOTSUPP;
};

/** sock_diag_rcv_msg(skb, nlh, extack) */
const sock_diag_rcv_msg =
  (net: Net) =>
  (_skb: SkBuff, nlh: Nlmsghdr, _extack: NetlinkExtAck): number => {
    switch (nlh.nlmsg_type) {
      case TCPDIAG_GETSOCK:
      case DCCPDIAG_GETSOCK:
        // inet_rcv_compat (inet_diag's old interface)
        return netlink_not_modelled(net, 4, nlh, "inet_diag compat request");
      case SOCK_DIAG_BY_FAMILY:
      case SOCK_DESTROY:
        return __sock_diag_cmd(net, nlh);
      default:
        return -ERRNO.EINVAL;
    }
  };

/** sock_diag_rcv(skb): netlink_rcv_skb under sock_diag_mutex. */
export const sock_diag_rcv =
  (net: Net) =>
  (skb: SkBuff): void => {
    netlink_rcv_skb(skb, sock_diag_rcv_msg(net));
  };
