// include/uapi/linux/netlink.h: what user space and the kernel share about netlink.

/** Protocol numbers (the third argument of socket(AF_NETLINK, type, protocol)). */
export const NETLINK_ROUTE = 0;
export const NETLINK_UNUSED = 1;
export const NETLINK_USERSOCK = 2;
export const NETLINK_FIREWALL = 3;
export const NETLINK_SOCK_DIAG = 4;
export const NETLINK_INET_DIAG = NETLINK_SOCK_DIAG;
export const NETLINK_NFLOG = 5;
export const NETLINK_XFRM = 6;
export const NETLINK_SELINUX = 7;
export const NETLINK_ISCSI = 8;
export const NETLINK_AUDIT = 9;
export const NETLINK_FIB_LOOKUP = 10;
export const NETLINK_CONNECTOR = 11;
export const NETLINK_NETFILTER = 12;
export const NETLINK_IP6_FW = 13;
export const NETLINK_DNRTMSG = 14;
export const NETLINK_KOBJECT_UEVENT = 15;
export const NETLINK_GENERIC = 16;
export const NETLINK_SCSITRANSPORT = 18;
export const NETLINK_ECRYPTFS = 19;
export const NETLINK_RDMA = 20;
export const NETLINK_CRYPTO = 21;
export const NETLINK_SMC = 22;
/** Number of protocol units in the kernel's table. */
export const MAX_LINKS = 32;

/** Protocol number → name, for printing (17 and 23..31 have no uapi name). */
export const NETLINK_PROTOCOL_NAMES: Readonly<Record<number, string>> = {
  0: "NETLINK_ROUTE",
  1: "NETLINK_UNUSED",
  2: "NETLINK_USERSOCK",
  3: "NETLINK_FIREWALL",
  4: "NETLINK_SOCK_DIAG",
  5: "NETLINK_NFLOG",
  6: "NETLINK_XFRM",
  7: "NETLINK_SELINUX",
  8: "NETLINK_ISCSI",
  9: "NETLINK_AUDIT",
  10: "NETLINK_FIB_LOOKUP",
  11: "NETLINK_CONNECTOR",
  12: "NETLINK_NETFILTER",
  13: "NETLINK_IP6_FW",
  14: "NETLINK_DNRTMSG",
  15: "NETLINK_KOBJECT_UEVENT",
  16: "NETLINK_GENERIC",
  18: "NETLINK_SCSITRANSPORT",
  19: "NETLINK_ECRYPTFS",
  20: "NETLINK_RDMA",
  21: "NETLINK_CRYPTO",
  22: "NETLINK_SMC",
};

// nlmsg_flags
export const NLM_F_REQUEST = 0x01;
export const NLM_F_MULTI = 0x02;
export const NLM_F_ACK = 0x04;
export const NLM_F_ECHO = 0x08;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP_FILTERED = 0x20;
// Modifiers to GET requests
export const NLM_F_ROOT = 0x100;
export const NLM_F_MATCH = 0x200;
export const NLM_F_ATOMIC = 0x400;
export const NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
// Modifiers to NEW requests
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;
export const NLM_F_APPEND = 0x800;
// Modifiers to DELETE requests
export const NLM_F_NONREC = 0x100;
export const NLM_F_BULK = 0x200;
// Flags for ACK messages
export const NLM_F_CAPPED = 0x100;
export const NLM_F_ACK_TLVS = 0x200;

/** The low flag bits, whose meaning does not depend on the message. */
export const NLM_F_COMMON_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_REQUEST, "NLM_F_REQUEST"],
  [NLM_F_MULTI, "NLM_F_MULTI"],
  [NLM_F_ACK, "NLM_F_ACK"],
  [NLM_F_ECHO, "NLM_F_ECHO"],
  [NLM_F_DUMP_INTR, "NLM_F_DUMP_INTR"],
  [NLM_F_DUMP_FILTERED, "NLM_F_DUMP_FILTERED"],
];
/** Names of the 0x100..0x800 bits in each context. */
export const NLM_F_GET_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_ROOT, "NLM_F_ROOT"],
  [NLM_F_MATCH, "NLM_F_MATCH"],
  [NLM_F_ATOMIC, "NLM_F_ATOMIC"],
];
export const NLM_F_NEW_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_REPLACE, "NLM_F_REPLACE"],
  [NLM_F_EXCL, "NLM_F_EXCL"],
  [NLM_F_CREATE, "NLM_F_CREATE"],
  [NLM_F_APPEND, "NLM_F_APPEND"],
];
export const NLM_F_DELETE_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_NONREC, "NLM_F_NONREC"],
  [NLM_F_BULK, "NLM_F_BULK"],
];
export const NLM_F_ACK_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NLM_F_CAPPED, "NLM_F_CAPPED"],
  [NLM_F_ACK_TLVS, "NLM_F_ACK_TLVS"],
];

// Reserved control message types
export const NLMSG_NOOP = 0x1;
export const NLMSG_ERROR = 0x2;
export const NLMSG_DONE = 0x3;
export const NLMSG_OVERRUN = 0x4;
/** Types below this are reserved control messages. */
export const NLMSG_MIN_TYPE = 0x10;

export const NLMSG_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: "NLMSG_NOOP",
  2: "NLMSG_ERROR",
  3: "NLMSG_DONE",
  4: "NLMSG_OVERRUN",
};

// struct nlmsghdr { __u32 nlmsg_len; __u16 nlmsg_type; __u16 nlmsg_flags; __u32 nlmsg_seq; __u32 nlmsg_pid; }
export const NLMSG_ALIGNTO = 4;
export const NLMSG_HDRLEN = 16;
export const NLMSGHDR_OFF_LEN = 0;
export const NLMSGHDR_OFF_TYPE = 4;
export const NLMSGHDR_OFF_FLAGS = 6;
export const NLMSGHDR_OFF_SEQ = 8;
export const NLMSGHDR_OFF_PID = 12;

// struct nlmsgerr { int error; struct nlmsghdr msg; } followed by the request payload (unless capped) and TLVs
export const NLMSGERR_SIZE = 20;

/** enum nlmsgerr_attrs: extended-ACK TLVs after struct nlmsgerr. */
export const NLMSGERR_ATTR_UNUSED = 0;
export const NLMSGERR_ATTR_MSG = 1;
export const NLMSGERR_ATTR_OFFS = 2;
export const NLMSGERR_ATTR_COOKIE = 3;
export const NLMSGERR_ATTR_POLICY = 4;
export const NLMSGERR_ATTR_MISS_TYPE = 5;
export const NLMSGERR_ATTR_MISS_NEST = 6;
export const NLMSGERR_ATTR_MAX = 6;
/** Longest cookie the kernel carries (NETLINK_MAX_COOKIE_LEN). */
export const NETLINK_MAX_COOKIE_LEN = 20;

/** SOL_NETLINK socket option level and its options. */
export const SOL_NETLINK = 270;
export const NETLINK_ADD_MEMBERSHIP = 1;
export const NETLINK_DROP_MEMBERSHIP = 2;
export const NETLINK_PKTINFO = 3;
export const NETLINK_BROADCAST_ERROR = 4;
export const NETLINK_NO_ENOBUFS = 5;
export const NETLINK_RX_RING = 6;
export const NETLINK_TX_RING = 7;
export const NETLINK_LISTEN_ALL_NSID = 8;
export const NETLINK_LIST_MEMBERSHIPS = 9;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;

export const NETLINK_SOCKOPT_NAMES: Readonly<Record<number, string>> = {
  1: "NETLINK_ADD_MEMBERSHIP",
  2: "NETLINK_DROP_MEMBERSHIP",
  3: "NETLINK_PKTINFO",
  4: "NETLINK_BROADCAST_ERROR",
  5: "NETLINK_NO_ENOBUFS",
  6: "NETLINK_RX_RING",
  7: "NETLINK_TX_RING",
  8: "NETLINK_LISTEN_ALL_NSID",
  9: "NETLINK_LIST_MEMBERSHIPS",
  10: "NETLINK_CAP_ACK",
  11: "NETLINK_EXT_ACK",
  12: "NETLINK_GET_STRICT_CHK",
};

/** Flags of netlink_kernel_cfg (include/linux/netlink.h): who may use a unit without CAP_NET_ADMIN. */
export const NL_CFG_F_NONROOT_RECV = 1 << 0;
export const NL_CFG_F_NONROOT_SEND = 1 << 1;

// struct sockaddr_nl { sa_family_t nl_family; unsigned short nl_pad; __u32 nl_pid; __u32 nl_groups; }
export const SOCKADDR_NL_SIZE = 12;
// struct nl_pktinfo { __u32 group; }
export const NL_PKTINFO_SIZE = 4;

/** Connection states of a netlink socket. */
export const NETLINK_UNCONNECTED = 0;
export const NETLINK_CONNECTED = 1;

// struct nlattr { __u16 nla_len; __u16 nla_type; }
export const NLA_F_NESTED = 1 << 15;
export const NLA_F_NET_BYTEORDER = 1 << 14;
export const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;
export const NLA_ALIGNTO = 4;
export const NLA_HDRLEN = 4;

/** struct nla_bitfield32 { __u32 value; __u32 selector; } */
export const NLA_BITFIELD32_SIZE = 8;

/** enum netlink_attribute_type: the policy types as user space sees them (policy dumps, extack). */
export const NL_ATTR_TYPE_INVALID = 0;
export const NL_ATTR_TYPE_FLAG = 1;
export const NL_ATTR_TYPE_U8 = 2;
export const NL_ATTR_TYPE_U16 = 3;
export const NL_ATTR_TYPE_U32 = 4;
export const NL_ATTR_TYPE_U64 = 5;
export const NL_ATTR_TYPE_S8 = 6;
export const NL_ATTR_TYPE_S16 = 7;
export const NL_ATTR_TYPE_S32 = 8;
export const NL_ATTR_TYPE_S64 = 9;
export const NL_ATTR_TYPE_BINARY = 10;
export const NL_ATTR_TYPE_STRING = 11;
export const NL_ATTR_TYPE_NUL_STRING = 12;
export const NL_ATTR_TYPE_NESTED = 13;
export const NL_ATTR_TYPE_NESTED_ARRAY = 14;
export const NL_ATTR_TYPE_BITFIELD32 = 15;
export const NL_ATTR_TYPE_SINT = 16;
export const NL_ATTR_TYPE_UINT = 17;

/** enum netlink_policy_type_attr: the attributes inside a policy description. */
export const NL_POLICY_TYPE_ATTR_UNSPEC = 0;
export const NL_POLICY_TYPE_ATTR_TYPE = 1;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_S = 2;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_S = 3;
export const NL_POLICY_TYPE_ATTR_MIN_VALUE_U = 4;
export const NL_POLICY_TYPE_ATTR_MAX_VALUE_U = 5;
export const NL_POLICY_TYPE_ATTR_MIN_LENGTH = 6;
export const NL_POLICY_TYPE_ATTR_MAX_LENGTH = 7;
export const NL_POLICY_TYPE_ATTR_POLICY_IDX = 8;
export const NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE = 9;
export const NL_POLICY_TYPE_ATTR_BITFIELD32_MASK = 10;
export const NL_POLICY_TYPE_ATTR_PAD = 11;
export const NL_POLICY_TYPE_ATTR_MASK = 12;
