// include/uapi/linux/rtnetlink.h and if_link.h (6.18), as far as the rtnetlink model uses them:
// the message types, the multicast group count, the link attributes and struct ifinfomsg.

/** RTM_BASE: the first rtnetlink message type */
export const RTM_BASE = 16;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_SETLINK = 19;
export const RTM_NEWADDR = 20;
export const RTM_DELADDR = 21;
export const RTM_GETADDR = 22;
/** RTM_MAX = ((__RTM_MAX + 3) & ~3) − 1: 123 in 6.18 (RTM_GETTUNNEL 122 is the last type) [live] */
export const RTM_MAX = 123;
/** RTM_NR_MSGTYPES = RTM_MAX + 1 − RTM_BASE */
export const RTM_NR_MSGTYPES = RTM_MAX + 1 - RTM_BASE;

/** rtnl_msgtype_kind: the low two bits of (type − RTM_BASE) */
export const RTNL_KIND_NEW = 0;
export const RTNL_KIND_DEL = 1;
export const RTNL_KIND_GET = 2;
export const RTNL_KIND_SET = 3;

/** RTNLGRP_MAX in 6.18: NETLINK_ROUTE has 39 groups [live: ADD_MEMBERSHIP 39 works, 40 → EINVAL] */
export const RTNLGRP_MAX = 39;

export const AF_UNSPEC_RT = 0;
export const AF_INET_RT = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;

/** sizeof(struct ifinfomsg): {u8 family, u8 pad, u16 type, s32 index, u32 flags, u32 change} */
export const IFINFOMSG_SIZE = 16;
/** sizeof(struct ifaddrmsg) */
export const IFADDRMSG_SIZE = 8;
/** sizeof(struct rtgenmsg) */
export const RTGENMSG_SIZE = 1;

export const IFNAMSIZ = 16;
export const ALTIFNAMSIZ = 128;

// enum { IFLA_... } (if_link.h)
export const IFLA_ADDRESS = 1;
export const IFLA_BROADCAST = 2;
export const IFLA_IFNAME = 3;
export const IFLA_MTU = 4;
export const IFLA_LINK = 5;
export const IFLA_QDISC = 6;
export const IFLA_STATS = 7;
export const IFLA_MASTER = 10;
export const IFLA_TXQLEN = 13;
export const IFLA_MAP = 14;
export const IFLA_WEIGHT = 15;
export const IFLA_OPERSTATE = 16;
export const IFLA_LINKMODE = 17;
export const IFLA_LINKINFO = 18;
export const IFLA_NET_NS_PID = 19;
export const IFLA_IFALIAS = 20;
export const IFLA_STATS64 = 23;
export const IFLA_AF_SPEC = 26;
export const IFLA_GROUP = 27;
export const IFLA_NET_NS_FD = 28;
export const IFLA_EXT_MASK = 29;
export const IFLA_PROMISCUITY = 30;
export const IFLA_NUM_TX_QUEUES = 31;
export const IFLA_NUM_RX_QUEUES = 32;
export const IFLA_CARRIER = 33;
export const IFLA_CARRIER_CHANGES = 35;
export const IFLA_PROTO_DOWN = 39;
export const IFLA_GSO_MAX_SEGS = 40;
export const IFLA_GSO_MAX_SIZE = 41;
export const IFLA_XDP = 43;
export const IFLA_TARGET_NETNSID = 46;
export const IFLA_CARRIER_UP_COUNT = 47;
export const IFLA_CARRIER_DOWN_COUNT = 48;
export const IFLA_MIN_MTU = 50;
export const IFLA_MAX_MTU = 51;
export const IFLA_ALT_IFNAME = 53;
export const IFLA_GRO_MAX_SIZE = 58;
export const IFLA_TSO_MAX_SIZE = 59;
export const IFLA_TSO_MAX_SEGS = 60;
export const IFLA_ALLMULTI = 61;
export const IFLA_DEVLINK_PORT = 62;
export const IFLA_GSO_IPV4_MAX_SIZE = 63;
export const IFLA_GRO_IPV4_MAX_SIZE = 64;
export const IFLA_DPLL_PIN = 65;
export const IFLA_MAX_PACING_OFFLOAD_HORIZON = 66;
export const IFLA_NETNS_IMMUTABLE = 67;
export const IFLA_HEADROOM = 68;
export const IFLA_TAILROOM = 69;
/** IFLA_MAX in 6.18 */
export const IFLA_MAX = 69;

export const IFLA_XDP_ATTACHED = 2;

// IFLA_AF_SPEC / AF_INET
export const IFLA_INET_CONF = 1;
// IFLA_AF_SPEC / AF_INET6
export const IFLA_INET6_FLAGS = 1;
export const IFLA_INET6_CONF = 2;
export const IFLA_INET6_STATS = 3;
export const IFLA_INET6_CACHEINFO = 5;
export const IFLA_INET6_ICMP6STATS = 6;
export const IFLA_INET6_TOKEN = 7;
export const IFLA_INET6_ADDR_GEN_MODE = 8;

/** ARPHRD_LOOPBACK (if_arp.h) */
export const ARPHRD_LOOPBACK = 772;
/** IFF_LOOPBACK (if.h) */
export const IFF_LOOPBACK = 0x8;
/** IF_OPER_DOWN (if.h, RFC 2863 operstate) */
export const IF_OPER_DOWN = 2;

// The other rtnetlink message types a fresh namespace answers (linux/rtnetlink.h)
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEIGH = 28;
export const RTM_GETNEIGH = 30;
export const RTM_NEWRULE = 32;
export const RTM_GETRULE = 34;
export const RTM_GETMULTICAST = 58;
export const RTM_GETANYCAST = 62;
export const RTM_NEWADDRLABEL = 72;
export const RTM_GETADDRLABEL = 74;
export const RTM_NEWNETCONF = 80;
export const RTM_GETNETCONF = 82;
export const RTM_NEWNSID = 88;
export const RTM_GETNSID = 90;
export const RTM_NEWQDISC = 36;
export const RTM_GETQDISC = 38;
export const RTM_GETTCLASS = 42;
export const RTM_GETTFILTER = 46;
export const RTM_GETACTION = 50;
export const RTM_GETCHAIN = 102;
/** sizeof(struct tcmsg): family, pad1, pad2, ifindex, handle, parent, info */
export const TCMSG_SIZE = 20;
/** sizeof(struct tcamsg): family, pad1, pad2 */
export const TCAMSG_SIZE = 4;
export const RTM_NEWSTATS = 92;
export const RTM_GETSTATS = 94;
export const RTM_SETSTATS = 95;
/** sizeof(struct if_stats_msg): family, pad1, pad2 (u16), ifindex (u32), filter_mask (u32) */
export const IF_STATS_MSG_SIZE = 12;
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;
/** sizeof(struct nhmsg) */
export const NHMSG_SIZE = 8;

/** sizeof(struct rtmsg) */
export const RTMSG_SIZE = 12;
/** sizeof(struct ndmsg) */
export const NDMSG_SIZE = 12;
/** sizeof(struct fib_rule_hdr) */
export const FIB_RULE_HDR_SIZE = 12;
/** sizeof(struct netconfmsg) */
export const NETCONFMSG_SIZE = 1;
/** sizeof(struct ifaddrlblmsg) */
export const IFADDRLBLMSG_SIZE = 12;

/** IFLA_PROTINFO: the per-protocol link data of an AF_INET6 RTM_GETLINK dump */
export const IFLA_PROTINFO = 12;

// Link, address and route changes (linux/rtnetlink.h, if.h, if_arp.h, if_link.h)
export const RTM_NEWMULTICAST = 56;
export const RTM_DELMULTICAST = 57;
export const RTM_DELNETCONF = 81;
export const ARPHRD_ETHER = 1;
export const IFF_UP = 0x1;
export const IFF_BROADCAST = 0x2;
export const IFF_POINTOPOINT = 0x10;
export const IFF_RUNNING = 0x40;
export const IFF_NOARP = 0x80;
export const IFF_PROMISC = 0x100;
export const IFF_ALLMULTI = 0x200;
export const IFF_MULTICAST = 0x1000;
export const IFF_LOWER_UP = 0x10000;
export const IFF_DORMANT = 0x20000;
/** IF_OPER_UNKNOWN: what a device without link-state reporting (lo, ifb) shows once up */
export const IF_OPER_UNKNOWN = 0;
/** IFLA_INFO_* inside IFLA_LINKINFO */
export const IFLA_INFO_KIND = 1;
export const IFLA_INFO_DATA = 2;
export const IFLA_INFO_SLAVE_KIND = 4;
export const IFLA_INFO_SLAVE_DATA = 5;
export const IFLA_INFO_MAX = 5;
/** The RTNLGRP_* groups the model notifies (linux/rtnetlink.h) */
export const RTNLGRP_LINK = 1;
export const RTNLGRP_TC = 4;
export const RTNLGRP_IPV4_IFADDR = 5;
export const RTNLGRP_IPV4_ROUTE = 7;
export const RTNLGRP_IPV6_IFADDR = 9;
export const RTNLGRP_IPV6_ROUTE = 11;
export const RTNLGRP_IPV6_IFINFO = 12;
export const RTNLGRP_IPV4_NETCONF = 24;
export const RTNLGRP_IPV6_NETCONF = 25;
export const RTNLGRP_STATS = 36;
export const RTNLGRP_IPV4_MCADDR = 37;
export const RTNLGRP_IPV6_MCADDR = 38;
export const RTNLGRP_NEXTHOP = 32;
