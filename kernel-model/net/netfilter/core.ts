// include/uapi/linux/netfilter.h, include/linux/netfilter.h and net/netfilter/core.c: hook
// registration per network namespace and the hook walk (nf_hook_slow). Only NFPROTO_IPV4 is
// modelled; hooks run where the packet path calls NF_HOOK (net/ipv4/ip_input.c: ip_rcv runs
// NF_INET_PRE_ROUTING from the NET_RX softirq), in priority order, lowest first.
import { ERRNO } from "../../uapi/index.js";
import type { NetDevice } from "../core/netdevice.js";
import { kfree_skb, type SkBuff } from "../netlink/skb.js";
import type { Net } from "../netlink/table.js";

// verdicts (include/uapi/linux/netfilter.h)
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NF_STOLEN = 2;
export const NF_QUEUE = 3;
export const NF_REPEAT = 4;
export const NF_STOP = 5;
export const NF_VERDICT_MASK = 0x000000ff;

// enum nfproto
export const NFPROTO_UNSPEC = 0;
export const NFPROTO_INET = 1;
export const NFPROTO_IPV4 = 2;
export const NFPROTO_ARP = 3;
export const NFPROTO_IPV6 = 10;

// enum nf_inet_hooks
export const NF_INET_PRE_ROUTING = 0;
export const NF_INET_LOCAL_IN = 1;
export const NF_INET_FORWARD = 2;
export const NF_INET_LOCAL_OUT = 3;
export const NF_INET_POST_ROUTING = 4;
export const NF_INET_NUMHOOKS = 5;
/** the 2.4/2.6 names the seed article uses */
export const NF_IP_PRE_ROUTING = NF_INET_PRE_ROUTING;

// enum nf_ip_hook_priorities (include/uapi/linux/netfilter_ipv4.h)
export const NF_IP_PRI_FIRST = -2147483648;
export const NF_IP_PRI_RAW = -300;
export const NF_IP_PRI_MANGLE = -150;
export const NF_IP_PRI_NAT_DST = -100;
export const NF_IP_PRI_FILTER = 0;
export const NF_IP_PRI_SECURITY = 50;
export const NF_IP_PRI_NAT_SRC = 100;
export const NF_IP_PRI_LAST = 2147483647;

/** struct nf_hook_state */
export interface NfHookState {
  readonly hook: number;
  readonly pf: number;
  readonly in: NetDevice | null;
  readonly out: NetDevice | null;
  readonly net: Net;
}

/** nf_hookfn: unsigned int hook(void *priv, struct sk_buff *skb, const struct nf_hook_state *state) */
export type NfHookFn = (priv: unknown, skb: SkBuff, state: NfHookState) => number;

/** struct nf_hook_ops */
export interface NfHookOps {
  readonly hook: NfHookFn;
  readonly pf: number;
  readonly hooknum: number;
  readonly priority: number;
  readonly priv?: unknown;
}

/** net->nf.hooks_ipv4: one priority-ordered array per hook point. */
const hooks_ipv4 = new WeakMap<Net, NfHookOps[][]>();

const hooks_of = (net: Net): NfHookOps[][] => {
  let h = hooks_ipv4.get(net);
  if (h === undefined) {
    h = Array.from({ length: NF_INET_NUMHOOKS }, () => []);
    hooks_ipv4.set(net, h);
  }
  return h;
};

/** nf_hook_entries_head: the hooks registered at (pf, hooknum), in the order they run. */
export const nf_hook_entries = (net: Net, pf: number, hooknum: number): ReadonlyArray<NfHookOps> =>
  pf === NFPROTO_IPV4 && hooknum >= 0 && hooknum < NF_INET_NUMHOOKS ? hooks_of(net)[hooknum]! : [];

/**
 * nf_register_net_hook(net, ops): 0, or −EINVAL for a hook point out of range, or −EAFNOSUPPORT
 * for a family the model does not have. The new hook goes before the first one of higher
 * priority (after those of equal priority), as nf_hook_entries_grow does.
 */
export const nf_register_net_hook = (net: Net, reg: NfHookOps): number => {
  if (reg.pf !== NFPROTO_IPV4) return -ERRNO.EAFNOSUPPORT;
  if (!Number.isInteger(reg.hooknum) || reg.hooknum < 0 || reg.hooknum >= NF_INET_NUMHOOKS) return -ERRNO.EINVAL;
  const list = hooks_of(net)[reg.hooknum]!;
  let i = 0;
  while (i < list.length && list[i]!.priority <= reg.priority) i++;
  list.splice(i, 0, reg);
  return 0;
};

/** nf_unregister_net_hook(net, ops): a hook that was never registered is the kernel's WARN. */
export const nf_unregister_net_hook = (net: Net, reg: NfHookOps): void => {
  const list = nf_hook_entries(net, reg.pf, reg.hooknum) as NfHookOps[];
  const i = list.indexOf(reg);
  if (i < 0) {
    net.report("WARNING", `nf_unregister_net_hook: hook not found, pf ${reg.pf} num ${reg.hooknum}`);
    return;
  }
  list.splice(i, 1);
};

/** nf_register_net_hooks: all or none. */
export const nf_register_net_hooks = (net: Net, reg: ReadonlyArray<NfHookOps>): number => {
  for (let i = 0; i < reg.length; i++) {
    const err = nf_register_net_hook(net, reg[i]!);
    if (err < 0) {
      for (let j = 0; j < i; j++) nf_unregister_net_hook(net, reg[j]!);
      return err;
    }
  }
  return 0;
};

/** nf_unregister_net_hooks */
export const nf_unregister_net_hooks = (net: Net, reg: ReadonlyArray<NfHookOps>): void => {
  for (const r of reg) nf_unregister_net_hook(net, r);
};

/**
 * nf_hook_slow: run the hooks in order. 1 when every hook accepted (the caller goes on with
 * okfn); −EPERM when one dropped the packet (freed here); 0 when one stole it (the hook owns it
 * now). NF_QUEUE without a queue handler drops, as the kernel does; a hook that throws is a bug in
 * the module, reported as an oops, and the packet is dropped.
 */
export const nf_hook_slow = (skb: SkBuff, state: NfHookState, entries: ReadonlyArray<NfHookOps>): number => {
  for (const e of entries.slice()) {
    let verdict: number;
    try {
      verdict = e.hook(e.priv, skb, state);
    } catch (err) {
      state.net.report(
        "BUG",
        `netfilter hook ${e.hook.name || "?"} oopsed: ${err instanceof Error ? err.message : String(err)}`,
      );
      if (!skb.freed) kfree_skb(skb);
      return -ERRNO.EPERM;
    }
    switch (verdict & NF_VERDICT_MASK) {
      case NF_ACCEPT:
        continue;
      case NF_DROP:
        kfree_skb(skb);
        return -ERRNO.EPERM;
      case NF_STOLEN:
        return 0;
      case NF_QUEUE:
        kfree_skb(skb); // no nf_queue handler registered
        return -ERRNO.ESRCH;
      default:
        state.net.report("WARNING", `netfilter hook ${e.hook.name || "?"} returned bad verdict ${verdict}`);
        kfree_skb(skb);
        return -ERRNO.EPERM;
    }
  }
  return 1;
};

/** nf_hook: 1 when there are no hooks or all accepted. */
export const nf_hook = (
  pf: number,
  hook: number,
  net: Net,
  skb: SkBuff,
  indev: NetDevice | null,
  outdev: NetDevice | null,
): number => {
  const entries = nf_hook_entries(net, pf, hook);
  if (entries.length === 0) return 1;
  return nf_hook_slow(skb, { hook, pf, in: indev, out: outdev, net }, entries);
};

/** NF_HOOK(pf, hook, net, sk, skb, in, out, okfn): run the hooks, then okfn if they accepted. */
export const NF_HOOK = (
  pf: number,
  hook: number,
  net: Net,
  skb: SkBuff,
  indev: NetDevice | null,
  outdev: NetDevice | null,
  okfn: (net: Net, skb: SkBuff) => number,
): number => {
  const ret = nf_hook(pf, hook, net, skb, indev, outdev);
  return ret === 1 ? okfn(net, skb) : ret;
};
