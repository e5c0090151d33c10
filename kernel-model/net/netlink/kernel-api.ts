// The names a simulated kernel module uses, as in include/linux/netlink.h and include/net/netlink.h,
// so a module reads side by side with its C twin in kmod/.
export { type NetlinkRcvMsg, type Nlmsghdr, netlink_ack, netlink_rcv_skb, nlmsg_payload } from "./ack.js";
export { netlink_broadcast, netlink_has_listeners, netlink_set_err, nlmsg_multicast } from "./broadcast.js";
export { netlink_capable, netlink_ns_capable } from "./capable.js";
export {
  __netlink_dump_start,
  type NetlinkCallback,
  type NetlinkDumpControl,
  netlink_dump_start,
  nl_dump_check_consistent,
  nlmsg_put_answer,
} from "./dump.js";
export {
  __netlink_kernel_create,
  type NetlinkKernelCfg,
  netlink_kernel_create,
  netlink_kernel_release,
} from "./kernel.js";
export {
  __nlmsg_put,
  type NlattrRef,
  type NlmsghdrRef,
  nla_nest_cancel,
  nla_nest_end,
  nla_nest_start,
  nla_nest_start_noflag,
  nla_put,
  nla_put_flag,
  nla_put_s32,
  nla_put_string,
  nla_put_u8,
  nla_put_u16,
  nla_put_u32,
  nla_put_u64,
  nla_reserve,
  nla_total_size,
  nlmsg_append,
  nlmsg_cancel,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  nlmsg_total_size,
} from "./nlmsg.js";
export {
  alloc_skb,
  consume_skb,
  kfree_skb,
  NETLINK_CB,
  type NetlinkSkbParms,
  NLMSG_DEFAULT_SIZE,
  NLMSG_GOODSIZE,
  type SkBuff,
  skb_get,
  skb_put,
  skb_tailroom,
} from "./skb.js";
export { type NetlinkSock, netlink_is_kernel } from "./sock.js";
export {
  NETLINK_URELEASE,
  type Net,
  type NetlinkNotifier,
  type NetlinkNotify,
  netlink_register_notifier,
  netlink_unregister_notifier,
} from "./table.js";
export { netlink_unicast, nlmsg_unicast } from "./unicast.js";
