// net/core/neighbour.c (6.18), the part a fresh network namespace answers: RTM_GETNEIGH do
// (neigh_get, neigh_valid_get_req) and dump (neigh_dump_info, neigh_valid_dump_req) over the ARP
// and ND tables, which hold no entry in a namespace whose only device, lo, is down. Neighbour
// entries themselves (RTM_NEWNEIGH/DELNEIGH, resolution) and RTM_GETNEIGHTBL are not modelled.

import {
  ERRNO,
  getS32,
  getU16,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_BINARY,
  NLA_NESTED,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import { AF_INET_RT, AF_INET6, NDMSG_SIZE, RTM_GETNEIGH } from "../../uapi/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { Net } from "../netlink/table.js";
import { __dev_get_by_index } from "./loopback.js";
import { nlmsg_len, nlmsg_parse, type RtnlDoitFunc, type RtnlDumpitFunc, rtnl_register, skb_net } from "./rtnetlink.js";

// include/uapi/linux/neighbour.h
export const NDA_DST = 1;
export const NDA_LLADDR = 2;
export const NDA_CACHEINFO = 3;
export const NDA_PROBES = 4;
export const NDA_VLAN = 5;
export const NDA_PORT = 6;
export const NDA_VNI = 7;
export const NDA_IFINDEX = 8;
export const NDA_MASTER = 9;
export const NDA_PROTOCOL = 12;
export const NDA_NH_ID = 13;
export const NDA_FDB_EXT_ATTRS = 14;
export const NDA_FLAGS_EXT = 15;
export const NDA_MAX = 17;
export const NTF_PROXY = 0x08;
/** MAX_ADDR_LEN */
const MAX_ADDR_LEN = 32;

/** nda_policy */
const nda_policy: NlaPolicySet = nlaPolicy(NDA_MAX, {
  [NDA_DST]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
  [NDA_LLADDR]: { type: NLA_BINARY, len: MAX_ADDR_LEN },
  [NDA_CACHEINFO]: { type: 0 /* NLA_UNSPEC */, len: 16 },
  [NDA_PROBES]: { type: NLA_U32 },
  [NDA_VLAN]: { type: NLA_U16 },
  [NDA_PORT]: { type: NLA_U16 },
  [NDA_VNI]: { type: NLA_U32 },
  [NDA_IFINDEX]: { type: NLA_U32 },
  [NDA_MASTER]: { type: NLA_U32 },
  [NDA_PROTOCOL]: { type: NLA_U8 },
  [NDA_NH_ID]: { type: NLA_U32 },
  [NDA_FLAGS_EXT]: { type: NLA_U32 },
  [NDA_FDB_EXT_ATTRS]: { type: NLA_NESTED },
});

/** struct neigh_table: the two a stock kernel has, and their key lengths */
interface NeighTable {
  readonly family: number;
  readonly key_len: number;
}
/** neigh_tables[NEIGH_ARP_TABLE], neigh_tables[NEIGH_ND_TABLE] (no DECnet, no link-layer table) */
const neigh_tables: ReadonlyArray<NeighTable> = [
  { family: AF_INET_RT, key_len: 4 },
  { family: AF_INET6, key_len: 16 },
];

/** neigh_find_table(family) */
const neigh_find_table = (family: number): NeighTable | undefined => neigh_tables.find((t) => t.family === family);

/** struct ndmsg, read from a request */
interface Ndmsg {
  readonly family: number;
  readonly pad1: number;
  readonly pad2: number;
  readonly ifindex: number;
  readonly state: number;
  readonly flags: number;
  readonly type: number;
}
const ndmsg = (nlh: Nlmsghdr): Ndmsg => {
  const b = new Uint8Array(NDMSG_SIZE);
  b.set(nlh.msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + NDMSG_SIZE));
  return {
    family: b[0]!,
    pad1: b[1]!,
    pad2: getU16(b, 2),
    ifindex: getS32(b, 4),
    state: getU16(b, 8),
    flags: b[10]!,
    type: b[11]!,
  };
};

/**
 * neigh_get: RTM_GETNEIGH do. The request is checked whatever NETLINK_GET_STRICT_CHK says; a
 * well-formed one finds no entry (the tables are empty).
 */
export const neigh_get: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  // neigh_valid_get_req
  if (nlmsg_len(nlh) < NDMSG_SIZE) {
    extack.msg = "Invalid header for neighbor get request";
    return -ERRNO.EINVAL;
  }
  const ndm = ndmsg(nlh);
  if (ndm.pad1 || ndm.pad2 || ndm.state || ndm.type) {
    extack.msg = "Invalid values in header for neighbor get request";
    return -ERRNO.EINVAL;
  }
  if (ndm.flags & ~NTF_PROXY) {
    extack.msg = "Invalid flags in header for neighbor get request";
    return -ERRNO.EINVAL;
  }
  if (!(ndm.flags & NTF_PROXY) && ndm.ifindex === 0) {
    extack.msg = "No device specified";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(nlh, NDMSG_SIZE, nda_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= NDA_MAX; i++) {
    if (tb[i] === undefined || i === NDA_DST) continue;
    extack.msg = "Unsupported attribute in neighbor get request";
    return -ERRNO.EINVAL;
  }
  const dst = tb[NDA_DST];
  if (dst === undefined) {
    extack.missType = NDA_DST;
    return -ERRNO.EINVAL;
  }
  const tbl = neigh_find_table(ndm.family);
  if (tbl === undefined) {
    extack.msg = "Unsupported family in header for neighbor get request";
    return -ERRNO.EAFNOSUPPORT;
  }
  if (dst.data.length !== tbl.key_len) {
    extack.msg = "Invalid network address in neighbor get request";
    return -ERRNO.EINVAL;
  }
  if (ndm.ifindex !== 0 && __dev_get_by_index(net, ndm.ifindex) === undefined) {
    extack.msg = "Unknown device ifindex";
    return -ERRNO.ENODEV;
  }
  if (ndm.flags & NTF_PROXY) {
    extack.msg = "Proxy neighbour entry not found";
    return -ERRNO.ENOENT;
  }
  extack.msg = "Neighbour entry not found";
  return -ERRNO.ENOENT;
};

/**
 * neigh_valid_dump_req: a strict request must be a clean ndmsg (only NTF_PROXY in its flags) with
 * at most NDA_IFINDEX and NDA_MASTER; otherwise the parse's complaint stays in the extack.
 */
const neigh_valid_dump_req = (nlh: Nlmsghdr, strict_check: boolean, extack: { msg?: string }): number => {
  let tb: ReturnType<typeof nlmsg_parse>;
  if (strict_check) {
    if (nlmsg_len(nlh) < NDMSG_SIZE) {
      extack.msg = "Invalid header for neighbor dump request";
      return -ERRNO.EINVAL;
    }
    const ndm = ndmsg(nlh);
    if (ndm.pad1 || ndm.pad2 || ndm.ifindex || ndm.state || ndm.type) {
      extack.msg = "Invalid values in header for neighbor dump request";
      return -ERRNO.EINVAL;
    }
    if (ndm.flags & ~NTF_PROXY) {
      extack.msg = "Invalid flags in header for neighbor dump request";
      return -ERRNO.EINVAL;
    }
    tb = nlmsg_parse(nlh, NDMSG_SIZE, nda_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
  } else tb = nlmsg_parse(nlh, NDMSG_SIZE, nda_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tb === "number") return tb;
  for (let i = 0; i <= NDA_MAX; i++) {
    if (tb[i] === undefined || i === NDA_IFINDEX || i === NDA_MASTER) continue;
    if (strict_check) {
      extack.msg = "Unsupported attribute in neighbor dump request";
      return -ERRNO.EINVAL;
    }
  }
  return 0;
};

/** neigh_dump_info: RTM_GETNEIGH dump over the tables of the family (all for AF_UNSPEC); all empty. */
export const neigh_dump_info: RtnlDumpitFunc = (_skb, cb) => {
  const err = neigh_valid_dump_req(cb.nlh, cb.strict_check, cb.extack ?? {});
  if (err < 0 && cb.strict_check) return err;
  cb.args[0] = neigh_tables.length;
  return 0;
};

/** neigh_init: the PF_UNSPEC RTM_GETNEIGH handlers */
export const neigh_net_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_GETNEIGH, neigh_get, neigh_dump_info);
};
