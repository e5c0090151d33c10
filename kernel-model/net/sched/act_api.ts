// net/sched/act_api.c (6.18), the part a namespace without tc actions answers: RTM_GETACTION do
// (tc_ctl_action) without the action table it needs, and the dump (tc_dump_action) without an
// action kind, which the kernel logs and answers with an empty dump. Getting or dumping actions of
// a kind (the action modules: act_gact, act_mirred, ...) and creating them are not modelled: a
// request that names a kind is logged and refused with EOPNOTSUPP.

import { KERN_INFO, KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  NL_VALIDATE_LIBERAL,
  NLA_BITFIELD32,
  NLA_U32,
  type NlaPolicySet,
  nlaParse,
  nlaPolicy,
} from "../../uapi/index.js";
import { RTM_GETACTION, TCAMSG_SIZE } from "../../uapi/rtnetlink.js";
import { nlmsg_parse, type RtnlDoitFunc, type RtnlDumpitFunc, rtnl_register, skb_net } from "../core/rtnetlink.js";
import type { Net } from "../netlink/table.js";

export const TCA_ROOT_TAB = 1;
export const TCA_ROOT_FLAGS = 2;
export const TCA_ROOT_TIME_DELTA = 4;
export const TCA_ROOT_MAX = 5;
const TCA_ACT_KIND = 1;
const TCA_ACT_MAX_PRIO = 32;
/** TCA_ACT_FLAG_LARGE_DUMP_ON | TCA_ACT_FLAG_TERSE_DUMP */
const TCA_ACT_FLAGS_DUMP_VALID = 0x3;

/** tcaa_policy */
const tcaa_policy: NlaPolicySet = nlaPolicy(TCA_ROOT_MAX, {
  [TCA_ROOT_FLAGS]: { type: NLA_BITFIELD32, bitfield32Valid: TCA_ACT_FLAGS_DUMP_VALID },
  [TCA_ROOT_TIME_DELTA]: { type: NLA_U32 },
});
/** no policy: attributes only split, as nla_parse_deprecated(…, NULL, NULL) does */
const anyAttrs = (maxtype: number): NlaPolicySet => nlaPolicy(maxtype, {});

/** find_dump_kind: TCA_ACT_TAB › the first action › TCA_ACT_KIND, or undefined at any step */
const find_dump_kind = (tab: Uint8Array | undefined, base: number): Uint8Array | undefined => {
  if (tab === undefined) return undefined;
  const prios = nlaParse(tab, anyAttrs(TCA_ACT_MAX_PRIO), { validate: NL_VALIDATE_LIBERAL, base });
  const first = prios.ok ? prios.tb[1] : undefined;
  if (first === undefined) return undefined;
  const act = nlaParse(first.data, anyAttrs(TCA_ACT_KIND), { validate: NL_VALIDATE_LIBERAL, base: first.offset + 4 });
  return act.ok ? act.tb[TCA_ACT_KIND]?.data : undefined;
};

/** tc_ctl_action: RTM_GETACTION do; without TCA_ACT_TAB it is refused before any lookup. */
const tc_ctl_action: RtnlDoitFunc = (skb, n, extack) => {
  const net = skb_net(skb);
  if (net === undefined) return -ERRNO.EINVAL;
  const tca = nlmsg_parse(n, TCAMSG_SIZE, tcaa_policy, NL_VALIDATE_LIBERAL, extack);
  if (typeof tca === "number") return tca;
  if (tca[TCA_ROOT_TAB] === undefined) {
    extack.msg = "Netlink action attributes missing";
    return -ERRNO.EINVAL;
  }
  net.kernel?.printk(`${KERN_NOTICE}nlsim: RTM_GETACTION of an action kind is not modelled (EOPNOTSUPP)`);
  return -ERRNO.EOPNOTSUPP;
};

/** tc_dump_action: without a kind the kernel logs "action bad kind" and dumps nothing. */
const tc_dump_action: RtnlDumpitFunc = (skb, cb) => {
  const net = skb_net(cb.skb);
  const tb = nlmsg_parse(cb.nlh, TCAMSG_SIZE, tcaa_policy, NL_VALIDATE_LIBERAL, cb.extack ?? {});
  if (typeof tb === "number") return tb;
  const tab = tb[TCA_ROOT_TAB];
  const kind = find_dump_kind(tab?.data, (tab?.offset ?? 0) + 4);
  if (kind === undefined) {
    net?.kernel?.printk(`${KERN_INFO}tc_dump_action: action bad kind`);
    return 0;
  }
  net?.kernel?.printk(`${KERN_NOTICE}nlsim: an RTM_GETACTION dump of an action kind is not modelled (EOPNOTSUPP)`);
  return skb.len || -ERRNO.EOPNOTSUPP;
};

/** tc_action_init's RTM_GETACTION handlers (RTM_NEWACTION / RTM_DELACTION are not modelled) */
export const tc_action_net_init = (net: Net): void => {
  rtnl_register(net, 0, RTM_GETACTION, tc_ctl_action, tc_dump_action);
};
