// net/ipv6/addrlabel.c (6.18): the IPv6 address label table (RFC 6724 policy labels) a new
// namespace starts with (ip6addrlbl_init_table), RTM_GETADDRLABEL dump (ip6addrlbl_dump) and do
// (ip6addrlbl_get) with their request checks. Adding and deleting labels is not modelled.

import { GFP_ATOMIC } from "../../kernel/gfp.js";
import {
  ERRNO,
  getS32,
  getU32,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLM_F_MULTI,
  NLMSG_HDRLEN,
  type NlaPolicySet,
  nlaPolicy,
  putU32,
} from "../../uapi/index.js";
import { AF_INET6, IFADDRLBLMSG_SIZE, RTM_GETADDRLABEL, RTM_NEWADDRLABEL } from "../../uapi/rtnetlink.js";
import { __dev_get_by_index } from "../core/loopback.js";
import {
  netlink_strict_get_check,
  nlmsg_len,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_register,
  rtnl_unicast,
  skb_net,
} from "../core/rtnetlink.js";
import { nla_put, nla_put_u32, nlmsg_cancel, nlmsg_data, nlmsg_end, nlmsg_new, nlmsg_put } from "../netlink/nlmsg.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

export const IFAL_ADDRESS = 1;
export const IFAL_LABEL = 2;
export const IFAL_MAX = 2;

/** ifal_policy */
const ifal_policy: NlaPolicySet = nlaPolicy(IFAL_MAX, {
  [IFAL_ADDRESS]: { type: 0, len: 16 },
  [IFAL_LABEL]: { type: 0, len: 4 },
});

/** struct ip6addrlbl_entry */
interface Ip6addrlblEntry {
  /**
   * p->addrtype: IPV6_ADDR_LOOPBACK for ::1/128 and IPV6_ADDR_MAPPED for ::ffff:0:0/96. The get
   * request compares it with the address's full ipv6_addr_type(), which carries scope bits too,
   * so these two entries never match there [live: ::1 gets ::/96's label 3].
   */
  readonly typed?: boolean;
  readonly prefix: Uint8Array;
  readonly prefixlen: number;
  readonly ifindex: number;
  readonly label: number;
}

const in6 = (words: ReadonlyArray<number>): Uint8Array => {
  const b = new Uint8Array(16);
  words.forEach((w, i) => {
    b[i * 2] = w >>> 8;
    b[i * 2 + 1] = w & 0xff;
  });
  return b;
};

/**
 * ip6addrlbl_init_table, in the order the kernel's list keeps it (longest prefix first, as
 * __ip6addrlbl_add inserts): the dump shows this order.
 */
const INIT_TABLE: ReadonlyArray<Ip6addrlblEntry> = [
  { typed: true, prefix: in6([0, 0, 0, 0, 0, 0, 0, 1]), prefixlen: 128, ifindex: 0, label: 0 }, // ::1/128
  { prefix: in6([]), prefixlen: 96, ifindex: 0, label: 3 }, // ::/96
  { typed: true, prefix: in6([0, 0, 0, 0, 0, 0xffff]), prefixlen: 96, ifindex: 0, label: 4 }, // ::ffff:0:0/96
  { prefix: in6([0x2001]), prefixlen: 32, ifindex: 0, label: 6 }, // 2001::/32
  { prefix: in6([0x2001, 0x0010]), prefixlen: 28, ifindex: 0, label: 7 }, // 2001:10::/28
  { prefix: in6([0x3ffe]), prefixlen: 16, ifindex: 0, label: 12 }, // 3ffe::/16
  { prefix: in6([0x2002]), prefixlen: 16, ifindex: 0, label: 2 }, // 2002::/16
  { prefix: in6([0xfec0]), prefixlen: 10, ifindex: 0, label: 11 }, // fec0::/10
  { prefix: in6([0xfc00]), prefixlen: 7, ifindex: 0, label: 5 }, // fc00::/7
  { prefix: in6([]), prefixlen: 0, ifindex: 0, label: 1 }, // ::/0
];
/** ip6addrlbl_table.seq after the initial adds */
const INIT_SEQ = INIT_TABLE.length;

/** ipv6_prefix_equal */
const prefix_equal = (a: Uint8Array, p: Uint8Array, len: number): boolean => {
  for (let bit = 0; bit < len; bit++) {
    const m = 0x80 >> (bit % 8);
    if ((a[bit >> 3]! & m) !== (p[bit >> 3]! & m)) return false;
  }
  return true;
};

/**
 * __ipv6_addr_label(net, addr, type, ifindex): the first entry whose prefix holds the address
 * (::/0 holds every one); the typed entries never match (see `typed`)
 */
const __ipv6_addr_label = (addr: Uint8Array, ifindex: number): Ip6addrlblEntry =>
  INIT_TABLE.find(
    (e) => !e.typed && (!e.ifindex || e.ifindex === ifindex) && prefix_equal(addr, e.prefix, e.prefixlen),
  )!;

/** ipv6_addr_label(net, addr, type, ifindex): the label source address selection compares */
export const ipv6_addr_label = (addr: Uint8Array, ifindex: number): number => __ipv6_addr_label(addr, ifindex).label;

/** ip6addrlbl_fill */
const ip6addrlbl_fill = (
  skb: SkBuff,
  p: Ip6addrlblEntry,
  lseq: number,
  portid: number,
  seq: number,
  flags: number,
): number => {
  const nlh = nlmsg_put(skb, portid, seq, RTM_NEWADDRLABEL, IFADDRLBLMSG_SIZE, flags);
  if (nlh === null) return -ERRNO.EMSGSIZE;
  const h = nlmsg_data(nlh);
  skb.head[h] = AF_INET6;
  skb.head[h + 2] = p.prefixlen;
  putU32(skb.head, h + 4, p.ifindex);
  putU32(skb.head, h + 8, lseq);
  if (nla_put(skb, IFAL_ADDRESS, p.prefix) || nla_put_u32(skb, IFAL_LABEL, p.label)) {
    nlmsg_cancel(skb, nlh);
    return -ERRNO.EMSGSIZE;
  }
  nlmsg_end(skb, nlh);
  return 0;
};

/** struct ifaddrlblmsg {family, __res, prefixlen, flags, index, seq} of a request */
const ifaddrlblmsg = (msg: Uint8Array) => {
  const b = new Uint8Array(IFADDRLBLMSG_SIZE);
  b.set(msg.subarray(NLMSG_HDRLEN, NLMSG_HDRLEN + IFADDRLBLMSG_SIZE));
  return { family: b[0]!, res: b[1]!, prefixlen: b[2]!, flags: b[3]!, index: getS32(b, 4), seq: getU32(b, 8) };
};

/** ip6addrlbl_dump: the table from cb->args[0]; a strict request must be a bare, zeroed header */
const ip6addrlbl_dump: RtnlDumpitFunc = (skb, cb) => {
  if (cb.strict_check) {
    const extack = cb.extack ?? {};
    if (nlmsg_len(cb.nlh) < IFADDRLBLMSG_SIZE) {
      extack.msg = "ipv6: Invalid header for address label dump request";
      return -ERRNO.EINVAL;
    }
    const ifal = ifaddrlblmsg(cb.nlh.msg);
    if (ifal.res || ifal.prefixlen || ifal.flags || ifal.index || ifal.seq) {
      extack.msg = "ipv6: Invalid values in header for address label dump request";
      return -ERRNO.EINVAL;
    }
    if (nlmsg_len(cb.nlh) > IFADDRLBLMSG_SIZE) {
      extack.msg = "ipv6: Invalid data after header for address label dump request";
      return -ERRNO.EINVAL;
    }
  }
  for (let idx = cb.args[0]!; idx < INIT_TABLE.length; idx++) {
    const err = ip6addrlbl_fill(skb, INIT_TABLE[idx]!, INIT_SEQ, cb.skb.cb.portid, cb.nlh.nlmsg_seq, NLM_F_MULTI);
    if (err < 0) return skb.len || err;
    cb.args[0] = idx + 1;
  }
  return 0;
};

/** ip6addrlbl_get: the label of one address (IFAL_ADDRESS, ifal_prefixlen 128) */
const ip6addrlbl_get: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  // ip6addrlbl_valid_get_req
  if (nlmsg_len(nlh) < IFADDRLBLMSG_SIZE) {
    extack.msg = "ipv6: Invalid header for addrlabel get request";
    return -ERRNO.EINVAL;
  }
  const ifal = ifaddrlblmsg(nlh.msg);
  const strict = netlink_strict_get_check(skb);
  if (strict && (ifal.res || ifal.flags || ifal.seq)) {
    extack.msg = "ipv6: Invalid values in header for addrlabel get request";
    return -ERRNO.EINVAL;
  }
  const tb = nlmsg_parse(
    nlh,
    IFADDRLBLMSG_SIZE,
    ifal_policy,
    strict ? NL_VALIDATE_DEPRECATED_STRICT : NL_VALIDATE_LIBERAL,
    extack,
  );
  if (typeof tb === "number") return tb;
  if (strict && tb[IFAL_LABEL] !== undefined) {
    extack.msg = "ipv6: Invalid attribute in get address label request";
    return -ERRNO.EINVAL;
  }
  if (ifal.family !== AF_INET6 || ifal.prefixlen !== 128) return -ERRNO.EINVAL;
  if (ifal.index && __dev_get_by_index(net, ifal.index) === undefined) return -ERRNO.EINVAL;
  const a = tb[IFAL_ADDRESS];
  if (a === undefined) return -ERRNO.EINVAL;
  const p = __ipv6_addr_label(a.data, ifal.index);
  const nskb = nlmsg_new(64, GFP_ATOMIC);
  const err = ip6addrlbl_fill(nskb, p, INIT_SEQ, skb.cb.portid, nlh.nlmsg_seq, 0);
  if (err < 0) {
    kfree_skb(nskb);
    return err;
  }
  return rtnl_unicast(nskb, net, skb.cb.portid);
};

/** ipv6_addr_label_rtnl_register */
export const addrlabel_net_init = (net: Net): void => {
  rtnl_register(net, AF_INET6, RTM_GETADDRLABEL, ip6addrlbl_get, ip6addrlbl_dump);
};
