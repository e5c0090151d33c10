// net/mptcp/pm_netlink.c, the mptcp_pm family's address handling shared by the path managers:
// mptcp_pm_parse_entry (an MPTCP_PM_ATTR_ADDR nest into an endpoint), mptcp_nl_fill_addr and
// mptcp_pm_genl_fill_addr (an endpoint into a reply), and mptcp_addresses_equal (net/mptcp/pm.c).
import { ERRNO, NLM_F_MULTI, type NlAttr } from "../../uapi/index.js";
import type { GenlInfo } from "../genetlink/family.js";
import { genl_info_dump, genlmsg_cancel, genlmsg_end, genlmsg_put } from "../genetlink/genetlink.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import {
  NL_SET_ERR_MSG_ATTR,
  nla_get_s32,
  nla_get_u8,
  nla_get_u16,
  nla_get_u32,
  nla_nest_cancel,
  nla_nest_end,
  nla_nest_start,
  nla_parse_nested_validated,
  nla_put,
  nla_put_u8,
  nla_put_u16,
  nla_put_u32,
} from "../netlink/nlmsg.js";
import type { SkBuff } from "../netlink/skb.js";

// include/uapi/linux/mptcp_pm.h
export const MPTCP_PM_ATTR_ADDR = 1;
export const MPTCP_PM_ATTR_RCV_ADD_ADDRS = 2;
export const MPTCP_PM_ATTR_SUBFLOWS = 3;
export const MPTCP_PM_ATTR_TOKEN = 4;
/** MPTCP_PM_ENDPOINT_ADDR: the same attribute as MPTCP_PM_ATTR_ADDR in the endpoint commands */
export const MPTCP_PM_ENDPOINT_ADDR = 1;
export const MPTCP_PM_ADDR_ATTR_FAMILY = 1;
export const MPTCP_PM_ADDR_ATTR_ID = 2;
export const MPTCP_PM_ADDR_ATTR_ADDR4 = 3;
export const MPTCP_PM_ADDR_ATTR_ADDR6 = 4;
export const MPTCP_PM_ADDR_ATTR_PORT = 5;
export const MPTCP_PM_ADDR_ATTR_FLAGS = 6;
export const MPTCP_PM_ADDR_ATTR_IF_IDX = 7;
export const MPTCP_PM_ADDR_ATTR_MAX = 7;
export const MPTCP_PM_CMD_ADD_ADDR = 1;
export const MPTCP_PM_CMD_DEL_ADDR = 2;
export const MPTCP_PM_CMD_GET_ADDR = 3;
export const MPTCP_PM_CMD_FLUSH_ADDRS = 4;
export const MPTCP_PM_CMD_SET_LIMITS = 5;
export const MPTCP_PM_CMD_GET_LIMITS = 6;
export const MPTCP_PM_CMD_SET_FLAGS = 7;
// include/uapi/linux/mptcp.h
export const MPTCP_PM_ADDR_FLAG_SIGNAL = 1 << 0;
export const MPTCP_PM_ADDR_FLAG_SUBFLOW = 1 << 1;
export const MPTCP_PM_ADDR_FLAG_BACKUP = 1 << 2;
export const MPTCP_PM_ADDR_FLAG_FULLMESH = 1 << 3;
export const MPTCP_PM_ADDR_FLAG_IMPLICIT = 1 << 4;

export const AF_UNSPEC = 0;
export const AF_INET = 2;
export const AF_INET6 = 10;

/** struct mptcp_addr_info: `addr` is the 4 (AF_INET) or 16 (AF_INET6) address bytes, network order. */
export interface MptcpAddrInfo {
  family: number;
  id: number;
  /** host order (the kernel keeps it in network order; only equality and the reply see it) */
  port: number;
  addr: Uint8Array;
}

/** struct mptcp_pm_addr_entry (the part the netlink path manager uses) */
export interface MptcpPmAddrEntry {
  readonly addr: MptcpAddrInfo;
  flags: number;
  ifindex: number;
}

const v4mapped = (a6: Uint8Array): boolean =>
  a6.length === 16 && a6.subarray(0, 10).every((b) => b === 0) && a6[10] === 0xff && a6[11] === 0xff;

const bytes_equal = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** mptcp_addresses_equal (net/mptcp/pm.c): same address (an IPv4 one equals its v4-mapped IPv6 form), and port when `use_port`. */
export const mptcp_addresses_equal = (a: MptcpAddrInfo, b: MptcpAddrInfo, use_port: boolean): boolean => {
  let addr_equals = false;
  if (a.family === b.family) addr_equals = bytes_equal(a.addr, b.addr);
  else if (a.family === AF_INET) addr_equals = v4mapped(b.addr) && bytes_equal(a.addr, b.addr.subarray(12));
  else if (b.family === AF_INET) addr_equals = v4mapped(a.addr) && bytes_equal(a.addr.subarray(12), b.addr);
  if (!addr_equals) return false;
  return !use_port || a.port === b.port;
};

/**
 * mptcp_pm_parse_pm_addr_attr: the id; then the family (required or not), which must be AF_INET
 * or AF_INET6, its address attribute, and the port. −EINVAL with the extack naming the nest.
 */
const mptcp_pm_parse_pm_addr_attr = (
  tb: Array<NlAttr | undefined>,
  attr: NlAttr,
  info: GenlInfo,
  addr: MptcpAddrInfo,
  require_family: boolean,
): number => {
  if (tb[MPTCP_PM_ADDR_ATTR_ID] !== undefined) addr.id = nla_get_u8(tb[MPTCP_PM_ADDR_ATTR_ID]);
  const fam = tb[MPTCP_PM_ADDR_ATTR_FAMILY];
  if (fam === undefined) {
    if (!require_family) return 0;
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "missing family");
    return -ERRNO.EINVAL;
  }
  addr.family = nla_get_u16(fam);
  if (addr.family !== AF_INET && addr.family !== AF_INET6) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "unknown address family");
    return -ERRNO.EINVAL;
  }
  const a = tb[addr.family === AF_INET6 ? MPTCP_PM_ADDR_ATTR_ADDR6 : MPTCP_PM_ADDR_ATTR_ADDR4];
  if (a === undefined) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "missing address data");
    return -ERRNO.EINVAL;
  }
  addr.addr = a.data.slice(0, addr.family === AF_INET6 ? 16 : 4);
  if (tb[MPTCP_PM_ADDR_ATTR_PORT] !== undefined) addr.port = nla_get_u16(tb[MPTCP_PM_ADDR_ATTR_PORT]);
  return 0;
};

/** mptcp_pm_parse_entry(attr, info, require_family): the endpoint an MPTCP_PM_ATTR_ADDR nest describes, or a negative errno. */
export const mptcp_pm_parse_entry = (
  attr: NlAttr,
  info: GenlInfo,
  require_family: boolean,
): MptcpPmAddrEntry | number => {
  const entry: MptcpPmAddrEntry = {
    addr: { family: AF_UNSPEC, id: 0, port: 0, addr: new Uint8Array(16) },
    flags: 0,
    ifindex: 0,
  };
  const tb = nla_parse_nested_validated(attr, MPTCP_PM_ADDR_ATTR_MAX);
  const err = mptcp_pm_parse_pm_addr_attr(tb, attr, info, entry.addr, require_family);
  if (err) return err;
  if (tb[MPTCP_PM_ADDR_ATTR_IF_IDX] !== undefined) entry.ifindex = nla_get_s32(tb[MPTCP_PM_ADDR_ATTR_IF_IDX]);
  if (tb[MPTCP_PM_ADDR_ATTR_FLAGS] !== undefined) entry.flags = nla_get_u32(tb[MPTCP_PM_ADDR_ATTR_FLAGS]);
  if (tb[MPTCP_PM_ADDR_ATTR_PORT] !== undefined) entry.addr.port = nla_get_u16(tb[MPTCP_PM_ADDR_ATTR_PORT]);
  return entry;
};

/** Whether the nest carries MPTCP_PM_ADDR_ATTR_ID (mptcp_pm_has_addr_attr_id, pm_kernel.c). */
export const mptcp_pm_has_addr_attr_id = (attr: NlAttr): boolean =>
  nla_parse_nested_validated(attr, MPTCP_PM_ADDR_ATTR_MAX)[MPTCP_PM_ADDR_ATTR_ID] !== undefined;

/** mptcp_nl_fill_addr: an MPTCP_PM_ATTR_ADDR nest (NLA_F_NESTED): family, port, id, flags, ifindex when set, the address. */
export const mptcp_nl_fill_addr = (skb: SkBuff, entry: MptcpPmAddrEntry): number => {
  const addr = entry.addr;
  const attr = nla_nest_start(skb, MPTCP_PM_ATTR_ADDR);
  if (attr === null) return -ERRNO.EMSGSIZE;
  if (
    nla_put_u16(skb, MPTCP_PM_ADDR_ATTR_FAMILY, addr.family) ||
    nla_put_u16(skb, MPTCP_PM_ADDR_ATTR_PORT, addr.port) ||
    nla_put_u8(skb, MPTCP_PM_ADDR_ATTR_ID, addr.id) ||
    nla_put_u32(skb, MPTCP_PM_ADDR_ATTR_FLAGS, entry.flags) ||
    (entry.ifindex !== 0 && nla_put_u32(skb, MPTCP_PM_ADDR_ATTR_IF_IDX, entry.ifindex)) ||
    (addr.family === AF_INET && nla_put(skb, MPTCP_PM_ADDR_ATTR_ADDR4, addr.addr)) ||
    (addr.family === AF_INET6 && nla_put(skb, MPTCP_PM_ADDR_ATTR_ADDR6, addr.addr))
  ) {
    nla_nest_cancel(skb, attr);
    return -ERRNO.EMSGSIZE;
  }
  nla_nest_end(skb, attr);
  return 0;
};

/** mptcp_pm_genl_fill_addr: one NLM_F_MULTI MPTCP_PM_CMD_GET_ADDR message of a dump; −EINVAL when it does not fit. */
export const mptcp_pm_genl_fill_addr = (msg: SkBuff, cb: NetlinkCallback, entry: MptcpPmAddrEntry): number => {
  const family = genl_info_dump(cb).family;
  const hdr = genlmsg_put(msg, cb.skb.cb.portid, cb.nlh.nlmsg_seq, family, NLM_F_MULTI, MPTCP_PM_CMD_GET_ADDR);
  if (hdr === null) return -ERRNO.EINVAL;
  if (mptcp_nl_fill_addr(msg, entry) < 0) {
    genlmsg_cancel(msg, hdr);
    return -ERRNO.EINVAL;
  }
  genlmsg_end(msg, hdr);
  return 0;
};
