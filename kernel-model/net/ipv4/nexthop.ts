// net/ipv4/nexthop.c (6.18), the part a fresh network namespace answers: RTM_GETNEXTHOP do
// (rtm_get_nexthop, nh_valid_get_del_req) and dump (rtm_dump_nexthop, nh_valid_dump_req) over the
// namespace's nexthop table (net->nexthop.rb_root), which is empty in a new namespace. Creating
// and deleting nexthops (RTM_NEWNEXTHOP/DELNEXTHOP, rtm_to_nh_config) is not modelled: those
// types stay unregistered here and answer EOPNOTSUPP.

import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  getU32,
  type NetlinkExtAck,
  NL_VALIDATE_STRICT,
  NLA_FLAG,
  NLA_U32,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import { NHMSG_SIZE, RTM_GETNEXTHOP } from "../../uapi/rtnetlink.js";
import { nlmsg_parse, type RtnlDoitFunc, type RtnlDumpitFunc, rtnl_register, skb_net } from "../core/rtnetlink.js";
import type { Nlmsghdr } from "../netlink/ack.js";
import type { Net } from "../netlink/table.js";

// include/uapi/linux/nexthop.h
export const NHA_ID = 1;
export const NHA_GROUPS = 9;
export const NHA_OIF = 5;
export const NHA_MASTER = 10;
export const NHA_FDB = 11;
export const NHA_OP_FLAGS = 14;
export const NHA_MAX = 17;
/** NHA_OP_FLAGS_DUMP_ALL = NHA_OP_FLAGS_DUMP_STATS | NHA_OP_FLAGS_DUMP_HW_STATS */
export const NHA_OP_FLAGS_DUMP_ALL = 3;
const INT_MAX = 0x7fffffff;

/** rtm_nh_policy_get */
const rtm_nh_policy_get: NlaPolicySet = nlaPolicy(NHA_MAX, {
  [NHA_ID]: { type: NLA_U32 },
  [NHA_OP_FLAGS]: { type: NLA_U32, mask: BigInt(NHA_OP_FLAGS_DUMP_ALL) },
});

/** rtm_nh_policy_dump */
const rtm_nh_policy_dump: NlaPolicySet = nlaPolicy(NHA_MAX, {
  [NHA_OIF]: { type: NLA_U32 },
  [NHA_GROUPS]: { type: NLA_FLAG },
  [NHA_MASTER]: { type: NLA_U32 },
  [NHA_FDB]: { type: NLA_FLAG },
  [NHA_OP_FLAGS]: { type: NLA_U32, mask: BigInt(NHA_OP_FLAGS_DUMP_ALL) },
});

/** struct nexthop: the fields a lookup needs */
export interface Nexthop {
  readonly id: number;
}

const nexthop_tables = new WeakMap<Net, Map<number, Nexthop>>();

/** net->nexthop.rb_root: the namespace's nexthops by id (empty in a new namespace) */
export const net_nexthops = (net: Net): Map<number, Nexthop> => {
  let t = nexthop_tables.get(net);
  if (t === undefined) {
    t = new Map();
    nexthop_tables.set(net, t);
  }
  return t;
};

/** nexthop_find_by_id(net, id) */
export const nexthop_find_by_id = (net: Net, id: number): Nexthop | undefined => net_nexthops(net).get(id);

/** the nhmsg header fields every request check looks at: nh_scope, nh_protocol, resvd, nh_flags */
const nhm_header_dirty = (nlh: Nlmsghdr): boolean => {
  const b = new Uint8Array(NHMSG_SIZE);
  b.set(nlh.msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + NHMSG_SIZE));
  return b[1] !== 0 || b[2] !== 0 || b[3] !== 0 || getU32(b, 4) !== 0;
};

const nla_u32 = (a: { data: Uint8Array }): number => getU32(a.data, 0);

/** nh_valid_get_del_req: a clean header and a non-zero NHA_ID; 0, or −EINVAL with the extack */
const nh_valid_get_del_req = (
  nlh: Nlmsghdr,
  tb: Exclude<ReturnType<typeof nlmsg_parse>, number>,
  extack: NetlinkExtAck,
): { err: number; id: number } => {
  if (nhm_header_dirty(nlh)) {
    extack.msg = "Invalid values in header";
    return { err: -ERRNO.EINVAL, id: 0 };
  }
  const a = tb[NHA_ID];
  if (a === undefined) {
    extack.msg = "Nexthop id is missing";
    return { err: -ERRNO.EINVAL, id: 0 };
  }
  const id = nla_u32(a);
  if (id === 0) {
    extack.msg = "Invalid nexthop id";
    return { err: -ERRNO.EINVAL, id: 0 };
  }
  return { err: 0, id };
};

/**
 * rtm_get_nexthop: RTM_GETNEXTHOP do. The table holds no nexthop (RTM_NEWNEXTHOP is not
 * modelled), so a valid request for an id answers −ENOENT, as the kernel's lookup miss does.
 */
export const rtm_get_nexthop: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tb = nlmsg_parse(nlh, NHMSG_SIZE, rtm_nh_policy_get, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  const { err, id } = nh_valid_get_del_req(nlh, tb, extack);
  if (err) return err;
  if (nexthop_find_by_id(net, id) === undefined) return -ERRNO.ENOENT;
  // nh_fill_node is not modelled: no nexthop can exist in the table yet
  net.kernel?.printk(`${KERN_NOTICE}nlsim: nexthop ${id}: filling a nexthop's attributes is not modelled (EOPNOTSUPP)`);
  return -ERRNO.EOPNOTSUPP;
};

/** __nh_valid_dump_req: the device filters (at most INT_MAX) and a clean header */
const __nh_valid_dump_req = (
  nlh: Nlmsghdr,
  tb: Exclude<ReturnType<typeof nlmsg_parse>, number>,
  extack: NetlinkExtAck,
): number => {
  const oif = tb[NHA_OIF];
  if (oif !== undefined && nla_u32(oif) > INT_MAX) {
    extack.msg = "Invalid device index";
    return -ERRNO.EINVAL;
  }
  const master = tb[NHA_MASTER];
  if (master !== undefined && nla_u32(master) > INT_MAX) {
    extack.msg = "Invalid master device index";
    return -ERRNO.EINVAL;
  }
  if (nhm_header_dirty(nlh)) {
    extack.msg = "Invalid values in header for nexthop dump request";
    return -ERRNO.EINVAL;
  }
  return 0;
};

/** rtm_dump_nexthop: RTM_GETNEXTHOP dump; nh_valid_dump_req, then the (empty) table walk */
export const rtm_dump_nexthop: RtnlDumpitFunc = (_skb, cb) => {
  const extack = cb.extack ?? {};
  const tb = nlmsg_parse(cb.nlh, NHMSG_SIZE, rtm_nh_policy_dump, NL_VALIDATE_STRICT, extack);
  if (typeof tb === "number") return tb;
  return __nh_valid_dump_req(cb.nlh, tb, extack);
};

/** nexthop_init: the RTM_GETNEXTHOP handlers (RTM_NEWNEXTHOP/DELNEXTHOP not modelled) */
export const nexthop_net_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_GETNEXTHOP, rtm_get_nexthop, rtm_dump_nexthop);
};
