// imp2_k: the IBM article's ICMP logger as a simulated kernel module, on today's API. It hooks
// NF_INET_PRE_ROUTING and, for each ICMP packet, sends struct packet_info {src, dest} to the one
// registered user process over NETLINK_IMP2. The C twin (kmod/icmp-logger/imp2_k.c) mirrors it
// line for line. What changed from the article, and why:
// - lengths are checked before the header is read (netlink_rcv_skb): the article's test is
//   inverted (`skb->len <= sizeof(struct nlmsghdr)`) and reads nlmsg_len of anything;
// - the registered port comes from NETLINK_CB(skb).portid, not the nlmsg_pid the sender wrote;
// - the lock passed to write_lock_bh is the lock (the article passes &user_proc.pid);
// - the hook reads the port once and sends to that value (the article re-reads it after
//   unlocking: a CLOSE in between makes it unicast to port 0, its own kernel socket);
// - a process that dies without CLOSE (Ctrl-C) is forgotten by the NETLINK_URELEASE notifier;
// - the hook runs in softirq context, so the reply is allocated with GFP_ATOMIC, as the article
//   does. `gfp: GFP_KERNEL` shows the mistake it avoids (mode gfp-kernel: the kernel's BUG line);
//   `article: true` keeps the article's own bugs (mode buggy).
import {
  DEFINE_SPINLOCK,
  GFP_ATOMIC,
  GFP_KERNEL,
  get_current,
  type gfp_t,
  pr_emerg,
  pr_info,
  pr_warn,
  printk,
  spin_lock_bh,
  spin_unlock_bh,
} from "../../kernel-model/kernel/index.js";
import { ip_hdr } from "../../kernel-model/net/ipv4/ip_input.js";
import {
  NF_ACCEPT,
  NF_INET_PRE_ROUTING,
  NF_IP_PRI_FILTER,
  NFPROTO_IPV4,
  type NfHookFn,
  type NfHookOps,
  nf_register_net_hook,
  nf_unregister_net_hook,
} from "../../kernel-model/net/netfilter/core.js";
import {
  kfree_skb,
  NETLINK_CB,
  NETLINK_URELEASE,
  type Net,
  type NetlinkNotifier,
  type NetlinkRcvMsg,
  type NetlinkSock,
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_rcv_skb,
  netlink_register_notifier,
  netlink_unicast,
  netlink_unregister_notifier,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  type SkBuff,
} from "../../kernel-model/net/netlink/kernel-api.js";
import { ERRNO, errnoName, getU16, getU32 } from "../../kernel-model/uapi/index.js";
import { IPPROTO_ICMP } from "../../kernel-model/uapi/ip.js";
import {
  IMP2_CLOSE,
  IMP2_K_MSG,
  IMP2_U_PID,
  NETLINK_IMP2,
  PACKET_INFO_SIZE,
  type PacketInfo,
  putPacketInfo,
} from "./proto.js";

export interface Imp2Options {
  /** the allocation flags of send_to_user: GFP_ATOMIC (right) or GFP_KERNEL (wrong in a hook) */
  readonly gfp?: gfp_t;
  /**
   * the article's own module, bugs kept: its kernel_receive (inverted length check, the header's
   * nlmsg_pid trusted, write_lock_bh(&user_proc.pid)), a hook that re-reads the pid after
   * unlocking, no release notifier
   */
  readonly article?: boolean;
}

/**
 * write_lock_bh(&user_proc.pid) on today's x86 rwlock (qrwlock): the u32 is taken for the lock's
 * `cnts`. queued_write_lock sets it from 0 to _QW_LOCKED (0xff); with any other value the lock
 * looks held (by readers) and queued_write_lock_slowpath spins for ever. The model cannot spin: it
 * prints the soft-lockup watchdog's line and goes on without the lock (false).
 */
const article_write_lock_bh = (up: { pid: number }): boolean => {
  if (up.pid !== 0) {
    const t = get_current();
    pr_emerg(`watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [${t?.comm ?? "swapper/0"}:${t?.pid ?? 0}]`);
    return false;
  }
  up.pid = 0xff; // _QW_LOCKED
  return true;
};
/** write_unlock_bh(&user_proc.pid): queued_write_unlock stores 0 in the low byte (lock->wlocked) */
const article_write_unlock_bh = (up: { pid: number }): void => {
  up.pid = (up.pid & ~0xff) >>> 0;
};

/** The module's static state (the C file's globals), kept where tests can read it. */
export interface Imp2Module {
  nlfd: NetlinkSock | null;
  /** user_proc.pid: 0 when nobody is registered */
  readonly user_proc: { pid: number; readonly lock: ReturnType<typeof DEFINE_SPINLOCK> };
  readonly imp2_ops: NfHookOps;
  readonly notifier: NetlinkNotifier;
  readonly gfp: gfp_t;
  /** the article's module (bugs kept) */
  readonly article: boolean;
  /** ICMP packets the hook saw, messages it sent, and its unicast failures by errno name */
  readonly stats: { icmp: number; sent: number; failed: Record<string, number> };
}

/** send_to_user: one IMP2_K_MSG to `pid`. 0 or a negative errno. */
const send_to_user = (m: Imp2Module, pid: number, info: PacketInfo): number => {
  const skb = nlmsg_new(PACKET_INFO_SIZE, m.gfp);
  const nlh = nlmsg_put(skb, 0, 0, IMP2_K_MSG, PACKET_INFO_SIZE, 0);
  if (nlh === null) {
    kfree_skb(skb);
    return -ERRNO.EMSGSIZE;
  }
  putPacketInfo(skb.head, nlmsg_data(nlh), info);
  nlmsg_end(skb, nlh);
  const ret = netlink_unicast(m.nlfd!, skb, pid, true); // MSG_DONTWAIT: a softirq cannot wait
  if (ret < 0) {
    const name = errnoName(ret) ?? String(ret);
    m.stats.failed[name] = (m.stats.failed[name] ?? 0) + 1;
    return ret;
  }
  m.stats.sent++;
  return 0;
};

/** imp2_init (module_init): the kernel socket, the release notifier, the hook. 0 or a negative errno. */
export const imp2_init = (net: Net, opts: Imp2Options = {}): Imp2Module | number => {
  const m: Imp2Module = {
    nlfd: null,
    user_proc: { pid: 0, lock: DEFINE_SPINLOCK("user_proc.lock") },
    gfp: opts.gfp ?? GFP_ATOMIC,
    article: opts.article === true,
    stats: { icmp: 0, sent: 0, failed: {} },
    imp2_ops: undefined as unknown as NfHookOps,
    notifier: undefined as unknown as NetlinkNotifier,
  };
  const up = m.user_proc;

  /** imp2_rcv_msg: one request, whole and length-checked by netlink_rcv_skb. */
  const imp2_rcv_msg: NetlinkRcvMsg = (skb, nlh) => {
    const portid = NETLINK_CB(skb).portid;
    switch (nlh.nlmsg_type) {
      case IMP2_U_PID:
        spin_lock_bh(up.lock);
        up.pid = portid;
        spin_unlock_bh(up.lock);
        pr_info(`imp2: user port ${portid} registered`);
        return 0;
      case IMP2_CLOSE:
        spin_lock_bh(up.lock);
        if (portid === up.pid) up.pid = 0;
        spin_unlock_bh(up.lock);
        pr_info(`imp2: user port ${portid} closed`);
        return 0;
      default:
        return -ERRNO.EINVAL;
    }
  };
  /** kernel_receive: the kernel socket's input, in the sender's process context (2.6.24+). */
  const kernel_receive = (skb: SkBuff): void => {
    netlink_rcv_skb(skb, imp2_rcv_msg);
  };

  /** The article's kernel_receive, one skb (its skb_dequeue loop is the 2.6.13 input(sk, len)). */
  const article_kernel_receive = (skb: SkBuff): void => {
    const d = skb.data;
    // bug: `skb->len <= sizeof(struct nlmsghdr)` takes only header-sized datagrams
    if (skb.len > 16 || skb.len < 16) return;
    const nlmsg_len = getU32(d, 0);
    if (!(nlmsg_len <= 16 && skb.len <= nlmsg_len)) return;
    const type = getU16(d, 4);
    const nlmsg_pid = getU32(d, 12); // bug: the header's claim, not NETLINK_CB(skb).portid
    if (type === IMP2_U_PID) {
      // bug: write_lock_bh(&user_proc.pid) — the pid is taken for a rwlock_t
      const locked = article_write_lock_bh(up);
      up.pid = nlmsg_pid;
      if (locked) article_write_unlock_bh(up);
      pr_info(
        `imp2(article): IMP2_U_PID from ${nlmsg_pid}: user_proc.pid is ${up.pid} after write_unlock_bh(&user_proc.pid)`,
      );
    } else if (type === IMP2_CLOSE) {
      const locked = article_write_lock_bh(up);
      if (nlmsg_pid === up.pid) up.pid = 0;
      if (locked) article_write_unlock_bh(up);
      pr_info(`imp2(article): IMP2_CLOSE from ${nlmsg_pid}: user_proc.pid is ${up.pid}`);
    }
  };

  /** get_icmp: the NF_INET_PRE_ROUTING hook, in softirq context. Never changes the packet's fate. */
  const get_icmp: NfHookFn = (_priv, skb) => {
    const iph = ip_hdr(skb);
    if (iph.protocol !== IPPROTO_ICMP) return NF_ACCEPT;
    m.stats.icmp++;
    spin_lock_bh(up.lock);
    const pid = up.pid;
    spin_unlock_bh(up.lock);
    if (opts.article === true) {
      // the article: `if (user_proc.pid != 0) { read_unlock_bh(...); send_to_user(&info); }`, and
      // send_to_user reads user_proc.pid again, unlocked (a CLOSE in between: port 0)
      if (pid !== 0) {
        const ret = send_to_user(m, up.pid, { src: iph.saddr, dest: iph.daddr });
        if (ret < 0 && (m.stats.failed[errnoName(ret) ?? String(ret)] ?? 0) <= 3)
          pr_info(`imp2(article): netlink_unicast(nlfd, skb, ${up.pid}, MSG_DONTWAIT) = ${ret} (ignored)`);
      }
      return NF_ACCEPT;
    }
    if (pid !== 0) send_to_user(m, pid, { src: iph.saddr, dest: iph.daddr });
    return NF_ACCEPT;
  };

  /** imp2_netlink_event: a bound NETLINK_IMP2 socket went away (close, exit, Ctrl-C). */
  const imp2_netlink_event: NetlinkNotifier = (event, n) => {
    if (event !== NETLINK_URELEASE || n.protocol !== NETLINK_IMP2) return;
    spin_lock_bh(up.lock);
    const was = up.pid;
    if (n.portid === up.pid) up.pid = 0;
    spin_unlock_bh(up.lock);
    if (was !== 0 && was === n.portid) pr_info(`imp2: user port ${n.portid} released, no more sends`);
  };

  (m as { imp2_ops: NfHookOps }).imp2_ops = {
    hook: get_icmp,
    pf: NFPROTO_IPV4,
    hooknum: NF_INET_PRE_ROUTING,
    priority: NF_IP_PRI_FILTER - 1,
  };
  (m as { notifier: NetlinkNotifier }).notifier = imp2_netlink_event;

  m.nlfd = netlink_kernel_create(net, NETLINK_IMP2, {
    input: opts.article === true ? article_kernel_receive : kernel_receive,
  });
  if (m.nlfd === null) {
    printk("imp2: can not create a netlink socket");
    return -ERRNO.ENOMEM;
  }
  // the article registers no notifier: a process that dies keeps its registration
  if (opts.article !== true) netlink_register_notifier(net, m.notifier);
  const err = nf_register_net_hook(net, m.imp2_ops);
  if (err < 0) {
    if (opts.article !== true) netlink_unregister_notifier(net, m.notifier);
    netlink_kernel_release(m.nlfd);
    return err;
  }
  if (m.gfp === GFP_KERNEL) pr_warn("imp2: loaded with GFP_KERNEL in send_to_user (a bug: the hook runs in softirq)");
  pr_info("imp2: hooked NF_INET_PRE_ROUTING");
  return m;
};

/** imp2_exit (module_exit): the reverse order of init. */
export const imp2_exit = (net: Net, m: Imp2Module): void => {
  nf_unregister_net_hook(net, m.imp2_ops);
  if (!m.article) netlink_unregister_notifier(net, m.notifier); // the article registers none
  netlink_kernel_release(m.nlfd);
  m.nlfd = null;
  pr_info(`imp2: unloaded (${m.stats.icmp} ICMP packets seen, ${m.stats.sent} sent)`);
};
