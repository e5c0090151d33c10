// net/core/net_namespace.c (6.18), the rtnetlink part: RTM_GETNSID dump (rtnl_net_dumpid) and do
// (rtnl_net_getid) over the namespace's netns ids, of which a fresh namespace has none. Looking a
// peer up by NETNSA_PID or NETNSA_FD (another process's or file's namespace) is not modelled.

import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  NL_VALIDATE_DEPRECATED_STRICT,
  NL_VALIDATE_LIBERAL,
  NLA_REJECT,
  NLA_S32,
  NLA_U32,
  type NlaPolicySet,
  nlaPolicy,
} from "../../uapi/index.js";
import { RTGENMSG_SIZE, RTM_GETNSID } from "../../uapi/rtnetlink.js";
import type { Net } from "../netlink/table.js";
import {
  netlink_strict_get_check,
  nlmsg_parse,
  type RtnlDoitFunc,
  type RtnlDumpitFunc,
  rtnl_register,
  skb_net,
} from "./rtnetlink.js";

export const NETNSA_NSID = 1;
export const NETNSA_PID = 2;
export const NETNSA_FD = 3;
export const NETNSA_TARGET_NSID = 4;
export const NETNSA_CURRENT_NSID = 5;
export const NETNSA_MAX = 5;

/** rtnl_net_policy */
const rtnl_net_policy: NlaPolicySet = nlaPolicy(NETNSA_MAX, {
  [NETNSA_NSID]: { type: NLA_S32 },
  [NETNSA_PID]: { type: NLA_U32 },
  [NETNSA_FD]: { type: NLA_U32 },
  [NETNSA_TARGET_NSID]: { type: NLA_S32 },
  [NETNSA_CURRENT_NSID]: { type: NLA_REJECT },
});

/** rtnl_net_getid: RTM_GETNSID do. A fresh namespace knows no peer by nsid (ENOENT). */
const rtnl_net_getid: RtnlDoitFunc = (skb, nlh, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const strict = netlink_strict_get_check(skb);
  const tb = nlmsg_parse(
    nlh,
    RTGENMSG_SIZE,
    rtnl_net_policy,
    strict ? NL_VALIDATE_DEPRECATED_STRICT : NL_VALIDATE_LIBERAL,
    extack,
  );
  if (typeof tb === "number") return tb;
  if (strict) {
    for (let i = 0; i <= NETNSA_MAX; i++) {
      if (tb[i] === undefined || (i >= NETNSA_NSID && i <= NETNSA_TARGET_NSID)) continue;
      extack.msg = "Unsupported attribute in peer netns getid request";
      return -ERRNO.EINVAL;
    }
  }
  if (tb[NETNSA_PID] !== undefined || tb[NETNSA_FD] !== undefined) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: RTM_GETNSID by pid or fd is not modelled (EOPNOTSUPP)`);
    return -ERRNO.EOPNOTSUPP;
  }
  const a = tb[NETNSA_NSID];
  if (a === undefined) {
    extack.msg = "Peer netns reference is missing";
    return -ERRNO.EINVAL;
  }
  extack.badAttr = a.offset;
  extack.msg = "Peer netns reference is invalid";
  return -ERRNO.ENOENT;
};

/** rtnl_net_dumpid: RTM_GETNSID dump; no ids, so nothing to put */
const rtnl_net_dumpid: RtnlDumpitFunc = (skb, cb) => {
  if (cb.strict_check) {
    const extack = cb.extack ?? {};
    const tb = nlmsg_parse(cb.nlh, RTGENMSG_SIZE, rtnl_net_policy, NL_VALIDATE_DEPRECATED_STRICT, extack);
    if (typeof tb === "number") return tb;
    for (let i = 0; i <= NETNSA_MAX; i++) {
      if (tb[i] === undefined) continue;
      if (i === NETNSA_TARGET_NSID) {
        extack.badAttr = tb[i]!.offset;
        extack.msg = "Invalid target network namespace id";
        return -ERRNO.EINVAL;
      }
      extack.badAttr = tb[i]!.offset;
      extack.msg = "Unsupported attribute in dump request";
      return -ERRNO.EINVAL;
    }
  }
  return skb.len;
};

/** net_ns_init's handlers */
export const net_ns_rtnl_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_GETNSID, rtnl_net_getid, rtnl_net_dumpid);
};
