// include/uapi/linux/genetlink.h: the generic netlink header and the nlctrl family.

export const GENL_NAMSIZ = 16;
export const GENL_MIN_ID = 0x10;
export const GENL_MAX_ID = 1023;

// struct genlmsghdr { __u8 cmd; __u8 version; __u16 reserved; }
export const GENL_HDRLEN = 4;

// Operation flags (struct genl_ops.flags, reported in CTRL_ATTR_OP_FLAGS)
export const GENL_ADMIN_PERM = 0x01;
export const GENL_CMD_CAP_DO = 0x02;
export const GENL_CMD_CAP_DUMP = 0x04;
export const GENL_CMD_CAP_HASPOL = 0x08;
export const GENL_UNS_ADMIN_PERM = 0x10;
// genl_multicast_group.flags (include/net/genetlink.h, 6.7+): who may join the group
export const GENL_MCAST_CAP_NET_ADMIN = 1 << 0;
export const GENL_MCAST_CAP_SYS_ADMIN = 1 << 1;

export const GENL_ID_CTRL = 0x10;
export const GENL_ID_VFS_DQUOT = 0x11;
export const GENL_ID_PMCRAID = 0x12;
/** First id handed to a dynamically registered family. */
export const GENL_START_ALLOC = 0x13;

export const CTRL_CMD_UNSPEC = 0;
export const CTRL_CMD_NEWFAMILY = 1;
export const CTRL_CMD_DELFAMILY = 2;
export const CTRL_CMD_GETFAMILY = 3;
export const CTRL_CMD_NEWOPS = 4;
export const CTRL_CMD_DELOPS = 5;
export const CTRL_CMD_GETOPS = 6;
export const CTRL_CMD_NEWMCAST_GRP = 7;
export const CTRL_CMD_DELMCAST_GRP = 8;
export const CTRL_CMD_GETMCAST_GRP = 9;
export const CTRL_CMD_GETPOLICY = 10;

export const CTRL_CMD_NAMES: Readonly<Record<number, string>> = {
  0: "CTRL_CMD_UNSPEC",
  1: "CTRL_CMD_NEWFAMILY",
  2: "CTRL_CMD_DELFAMILY",
  3: "CTRL_CMD_GETFAMILY",
  4: "CTRL_CMD_NEWOPS",
  5: "CTRL_CMD_DELOPS",
  6: "CTRL_CMD_GETOPS",
  7: "CTRL_CMD_NEWMCAST_GRP",
  8: "CTRL_CMD_DELMCAST_GRP",
  9: "CTRL_CMD_GETMCAST_GRP",
  10: "CTRL_CMD_GETPOLICY",
};

export const CTRL_ATTR_UNSPEC = 0;
export const CTRL_ATTR_FAMILY_ID = 1;
export const CTRL_ATTR_FAMILY_NAME = 2;
export const CTRL_ATTR_VERSION = 3;
export const CTRL_ATTR_HDRSIZE = 4;
export const CTRL_ATTR_MAXATTR = 5;
export const CTRL_ATTR_OPS = 6;
export const CTRL_ATTR_MCAST_GROUPS = 7;
export const CTRL_ATTR_POLICY = 8;
export const CTRL_ATTR_OP_POLICY = 9;
export const CTRL_ATTR_OP = 10;
export const CTRL_ATTR_MAX = 10;

export const CTRL_ATTR_OP_UNSPEC = 0;
export const CTRL_ATTR_OP_ID = 1;
export const CTRL_ATTR_OP_FLAGS = 2;

export const CTRL_ATTR_MCAST_GRP_UNSPEC = 0;
export const CTRL_ATTR_MCAST_GRP_NAME = 1;
export const CTRL_ATTR_MCAST_GRP_ID = 2;

export const CTRL_ATTR_POLICY_UNSPEC = 0;
export const CTRL_ATTR_POLICY_DO = 1;
export const CTRL_ATTR_POLICY_DUMP = 2;
