// nl_demo, the kernel side: the seed article's module ported to today's API. It claims
// NETLINK_NLDEMO, lets one daemon register (NLDEMO_U_PID) and unregister (NLDEMO_CLOSE), and sends
// it an NLDEMO_K_EVT every `period_ms` from a kernel timer: by netlink_unicast to its port id, or by
// netlink_broadcast to its group. A daemon that dies without CLOSE is forgotten on NETLINK_URELEASE.
// Written with the kernel's C names so it reads beside kmod/nl-demo/nl_demo.c line by line.
//
// What changed from the article (see README.md for the why):
// - netlink_kernel_create(net, unit, &cfg) (3.6+) instead of the positional 2.6 signatures;
// - the input is netlink_rcv_skb + a per-message handler with extack (4.12+), which checks
//   nlmsg_len against the header and the payload size before reading the payload;
// - the registered port id is NETLINK_CB(skb).portid (who really sent it), not nlh->nlmsg_pid;
// - netlink_broadcast's exclusion port id is 0, so the registered daemon is not excluded;
// - no mutex in the input (a spinlock with bottom halves off protects user_proc: the timer reads it
//   from softirq context);
// - netlink_kernel_release on exit, after the timer and the notifier are gone.
import {
  DEFINE_RWLOCK,
  GFP_ATOMIC,
  jiffies,
  mod_timer,
  msecs_to_jiffies,
  pr_err,
  pr_info,
  read_lock,
  read_unlock,
  rwlock_init,
  type Spinlock,
  TimerList,
  timer_delete_sync,
  timer_pending,
  timer_setup,
  write_lock_bh,
  write_unlock_bh,
} from "../../kernel-model/kernel/index.js";
import {
  kfree_skb,
  NETLINK_CB,
  NETLINK_URELEASE,
  type Net,
  type NetlinkNotify,
  type NetlinkSock,
  type Nlmsghdr,
  netlink_broadcast,
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_rcv_skb,
  netlink_register_notifier,
  netlink_unicast,
  netlink_unregister_notifier,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_payload,
  nlmsg_put,
  type SkBuff,
} from "../../kernel-model/net/netlink/kernel-api.js";
import { ERRNO, errnoName, type NetlinkExtAck, NL_CFG_F_NONROOT_RECV } from "../../kernel-model/uapi/index.js";
import {
  decodeKrnlMsg,
  NETLINK_NLDEMO,
  NLDEMO_CLOSE,
  NLDEMO_K_EVT,
  NLDEMO_KRNL_MSG_LEN,
  NLDEMO_U_PID,
  NLDEMO_USR_MSG_SIZE,
  putUsrMsg,
} from "./proto.js";

/** module_param()s */
export interface NlDemoParams {
  /** the event period (default 100 ms) */
  readonly period_ms?: number;
  /** register the NETLINK_URELEASE notifier (default true; 0 shows the ECONNREFUSED backstop alone) */
  readonly use_notifier?: boolean;
}

/** The module's state, visible to tests and walkthroughs (the C module's statics). */
export interface NlDemoState {
  /** struct user_proc: the registered daemon's port id (0: none) and group (0: unicast) */
  readonly user_proc: { pid: number; gid: number };
  /** events made, and what became of them */
  readonly stats: { events: number; delivered: number; refused: number; no_listeners: number };
  /** the kernel socket, null before init and after exit */
  readonly nlfd: () => NetlinkSock | null;
}

export interface NlDemoModule extends NlDemoState {
  /** module_init: 0 or a negative errno */
  readonly nl_demo_init: () => number;
  /** module_exit */
  readonly nl_demo_exit: () => void;
}

/** A fresh instance of the module (its statics), for the namespace `net` (init_net in C). */
export const nl_demo_module = (net: Net, params: NlDemoParams = {}): NlDemoModule => {
  const period_ms = params.period_ms ?? 100;
  const use_notifier = params.use_notifier ?? true;
  let nlfd: NetlinkSock | null = null;
  const user_proc = { pid: 0, gid: 0 };
  const user_proc_lock: Spinlock = DEFINE_RWLOCK("user_proc.lock");
  const stats = { events: 0, delivered: 0, refused: 0, no_listeners: 0 };
  const nl_demo_timer = new TimerList();

  /** Forget the daemon (caller holds user_proc_lock). */
  const nl_demo_unregister_locked = (): void => {
    user_proc.pid = 0;
    user_proc.gid = 0;
  };

  /** nl_demo_send: one K_EVT to the registered daemon; the netlink_* result, or 0 if none is registered. */
  const nl_demo_send = (): number => {
    read_lock(user_proc_lock);
    const pid = user_proc.pid;
    const gid = user_proc.gid;
    read_unlock(user_proc_lock);
    if (pid === 0) return 0;

    const skb = nlmsg_new(NLDEMO_USR_MSG_SIZE, GFP_ATOMIC); // softirq context: no sleeping allocation
    const seq = ++stats.events;
    const nlh = nlmsg_put(skb, 0, seq, NLDEMO_K_EVT, NLDEMO_USR_MSG_SIZE, 0);
    if (nlh === null) {
      kfree_skb(skb);
      return -ERRNO.EMSGSIZE;
    }
    putUsrMsg(skb.head, nlmsg_data(nlh), { seq, jiffies: jiffies() });
    nlmsg_end(skb, nlh);

    let ret: number;
    if (gid === 0) {
      ret = netlink_unicast(nlfd!, skb, pid, true); // MSG_DONTWAIT: a full queue drops, never sleeps
      pr_info(`nl_demo: K_EVT #${seq} netlink_unicast(port ${pid}) = ${show(ret)}`);
      if (ret === -ERRNO.ECONNREFUSED) {
        // nobody holds that port any more (the daemon died and no URELEASE told us): stop
        write_lock_bh(user_proc_lock);
        if (user_proc.pid === pid) nl_demo_unregister_locked();
        write_unlock_bh(user_proc_lock);
        stats.refused++;
        pr_info(`nl_demo: port ${pid} is gone (ECONNREFUSED); unregistered`);
      } else if (ret >= 0) stats.delivered++;
    } else {
      NETLINK_CB(skb).dst_group = gid; // receivers see the group in msg_name and NETLINK_PKTINFO
      // exclusion port id 0: exclude nobody (the article passed `pid` and excluded its own daemon)
      ret = netlink_broadcast(nlfd!, skb, 0, gid, GFP_ATOMIC);
      pr_info(`nl_demo: K_EVT #${seq} netlink_broadcast(group ${gid}, exclude port 0) = ${show(ret)}`);
      if (ret === -ERRNO.ESRCH) stats.no_listeners++;
      else if (ret === 0) stats.delivered++;
    }
    return ret;
  };

  /** The event source: a timer_list callback, in softirq context, re-armed while someone listens. */
  const nl_demo_tick = (t: TimerList): void => {
    nl_demo_send();
    read_lock(user_proc_lock);
    const registered = user_proc.pid !== 0;
    read_unlock(user_proc_lock);
    if (registered) mod_timer(t, jiffies() + msecs_to_jiffies(period_ms));
  };

  /** The per-message handler netlink_rcv_skb calls (4.12+: with extack). */
  const nl_demo_rcv_msg = (skb: SkBuff, nlh: Nlmsghdr, extack: NetlinkExtAck): number => {
    // netlink_rcv_skb checked the header and that nlmsg_len fits the skb; the payload is ours to check
    if (nlh.nlmsg_len < NLDEMO_KRNL_MSG_LEN) {
      extack.msg = "nl_demo: payload shorter than struct nldemo_krnl_msg";
      pr_info(`nl_demo: ${nlh.nlmsg_len}-byte message from port ${NETLINK_CB(skb).portid} is too short: EINVAL`);
      return -ERRNO.EINVAL;
    }
    const msg = decodeKrnlMsg(nlmsg_payload(nlh))!;
    const portid = NETLINK_CB(skb).portid; // who sent it, whatever nlh->nlmsg_pid says
    switch (nlh.nlmsg_type) {
      case NLDEMO_U_PID: {
        if (msg.gid > 32) {
          extack.msg = "nl_demo: gid out of range";
          return -ERRNO.EINVAL;
        }
        write_lock_bh(user_proc_lock);
        user_proc.pid = portid;
        user_proc.gid = msg.gid;
        write_unlock_bh(user_proc_lock);
        pr_info(`nl_demo: NLDEMO_U_PID: registered port ${portid}, ${msg.gid === 0 ? "unicast" : `group ${msg.gid}`}`);
        if (!timer_pending(nl_demo_timer)) mod_timer(nl_demo_timer, jiffies() + msecs_to_jiffies(period_ms));
        return 0;
      }
      case NLDEMO_CLOSE: {
        write_lock_bh(user_proc_lock);
        const mine = user_proc.pid === portid;
        if (mine) nl_demo_unregister_locked();
        write_unlock_bh(user_proc_lock);
        pr_info(`nl_demo: NLDEMO_CLOSE from port ${portid}: ${mine ? "unregistered" : "was not registered"}`);
        return 0;
      }
      default:
        extack.msg = "nl_demo: unknown message type";
        return -ERRNO.EOPNOTSUPP;
    }
  };

  /** cfg.input: since 2.6.24 one skb per call, synchronously in the sender's context. */
  const nl_demo_rcv = (skb: SkBuff): void => {
    netlink_rcv_skb(skb, nl_demo_rcv_msg);
  };

  /** NETLINK_URELEASE: a user socket of our unit was released; forget it if it was the daemon. */
  const nl_demo_notify = (event: number, n: NetlinkNotify): void => {
    if (event !== NETLINK_URELEASE || n.protocol !== NETLINK_NLDEMO || n.net !== net) return;
    write_lock_bh(user_proc_lock);
    const mine = user_proc.pid === n.portid;
    if (mine) nl_demo_unregister_locked();
    write_unlock_bh(user_proc_lock);
    if (mine) pr_info(`nl_demo: NETLINK_URELEASE: port ${n.portid} closed without NLDEMO_CLOSE; unregistered`);
  };

  const nl_demo_init = (): number => {
    rwlock_init(user_proc_lock);
    timer_setup(nl_demo_timer, nl_demo_tick, 0);
    nlfd = netlink_kernel_create(net, NETLINK_NLDEMO, {
      input: nl_demo_rcv,
      groups: 32,
      flags: NL_CFG_F_NONROOT_RECV, // let unprivileged daemons join the group
    });
    if (nlfd === null) {
      pr_err(`nl_demo: netlink_kernel_create(NETLINK_NLDEMO ${NETLINK_NLDEMO}) failed: unit taken?`);
      return -ERRNO.ENOMEM;
    }
    if (use_notifier) netlink_register_notifier(net, nl_demo_notify);
    pr_info(`nl_demo: netlink_kernel_create(&init_net, ${NETLINK_NLDEMO}, &cfg) ok`);
    return 0;
  };

  const nl_demo_exit = (): void => {
    timer_delete_sync(nl_demo_timer); // no event may run after the socket is gone
    if (use_notifier) netlink_unregister_notifier(net, nl_demo_notify);
    netlink_kernel_release(nlfd);
    nlfd = null;
    pr_info("nl_demo: netlink_kernel_release done, unloaded");
  };

  return { nl_demo_init, nl_demo_exit, user_proc, stats, nlfd: () => nlfd };
};

/** A netlink_* return value as the module logs it: "24", or "-111 (ECONNREFUSED)". */
export const show = (ret: number): string => (ret < 0 ? `${ret} (${errnoName(ret) ?? "?"})` : String(ret));
