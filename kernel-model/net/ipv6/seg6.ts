// net/ipv6/seg6.c, the SEG6 generic netlink family's handlers: the namespace's tunnel source
// (seg6_pernet_data.tun_src, zeroed by seg6_net_init), read by SEG6_CMD_GET_TUNSRC and replaced by
// SEG6_CMD_SET_TUNSRC. The family's ops, flags and policy come from the kernel profile
// (genetlink/profile.ts). The HMAC commands (SEG6_CMD_SETHMAC / SEG6_CMD_DUMPHMAC) depend on
// CONFIG_IPV6_SEG6_HMAC, which a profile does not record: they stay not modelled.
import { ERRNO } from "../../uapi/index.js";
import type { GenlFamilyHandlers, GenlInfo } from "../genetlink/family.js";
import { genlmsg_end, genlmsg_new, genlmsg_put, genlmsg_reply } from "../genetlink/genetlink.js";
import { nla_put } from "../netlink/nlmsg.js";
import { kfree_skb, NLMSG_DEFAULT_SIZE, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

// include/uapi/linux/seg6_genl.h
export const SEG6_ATTR_DST = 1;
export const SEG6_CMD_SET_TUNSRC = 3;
export const SEG6_CMD_GET_TUNSRC = 4;

/** sizeof(struct in6_addr) */
const IN6_ADDR_SIZE = 16;

/** struct seg6_pernet_data (the part the model keeps) */
interface Seg6PernetData {
  /** tun_src: the IPv6 source of SRv6 encapsulation, :: until set */
  tun_src: Uint8Array;
}

const seg6_nets = new WeakMap<Net, Seg6PernetData>();

/** seg6_pernet(net), created as seg6_net_init does: tun_src zeroed. */
export const seg6_pernet = (net: Net): Seg6PernetData => {
  let sdata = seg6_nets.get(net);
  if (sdata === undefined) {
    sdata = { tun_src: new Uint8Array(IN6_ADDR_SIZE) };
    seg6_nets.set(net, sdata);
  }
  return sdata;
};

/** seg6_genl_set_tunsrc: −EINVAL without SEG6_ATTR_DST; else the address (its first 16 bytes, the policy's length) replaces tun_src. */
export const seg6_genl_set_tunsrc = (_skb: SkBuff, info: GenlInfo): number => {
  const sdata = seg6_pernet(info.net);
  const dst = info.attrs?.[SEG6_ATTR_DST];
  if (dst === undefined) return -ERRNO.EINVAL;
  // kmemdup(val, sizeof(*val)): the policy guarantees the 16 bytes
  sdata.tun_src = dst.data.slice(0, IN6_ADDR_SIZE);
  return 0;
};

/** seg6_genl_get_tunsrc: one SEG6_CMD_GET_TUNSRC message carrying SEG6_ATTR_DST = tun_src. */
export const seg6_genl_get_tunsrc = (_skb: SkBuff, info: GenlInfo): number => {
  const msg = genlmsg_new(NLMSG_DEFAULT_SIZE);
  const hdr = genlmsg_put(msg, info.snd_portid, info.snd_seq, info.family, 0, SEG6_CMD_GET_TUNSRC);
  if (hdr === null || nla_put(msg, SEG6_ATTR_DST, seg6_pernet(info.net).tun_src)) {
    kfree_skb(msg);
    return -ERRNO.ENOMEM;
  }
  genlmsg_end(msg, hdr);
  return genlmsg_reply(msg, info);
};

/** seg6_genl_ops: the handlers the model implements. */
export const seg6_genl_handlers: GenlFamilyHandlers = {
  [SEG6_CMD_SET_TUNSRC]: { doit: seg6_genl_set_tunsrc },
  [SEG6_CMD_GET_TUNSRC]: { doit: seg6_genl_get_tunsrc },
};
