// nl_demo as the seed article wrote it (its 2.6.32 branch), bugs kept on purpose, so a
// walkthrough can show what goes wrong. Run it in a world with netlinkInput "process": on 2.6.32
// input(skb) runs synchronously in the sender's process context (netlink_unicast_kernel, since
// 2.6.24). Compare with kernel.ts, the port to today's API.
//
// The bugs reproduced here:
// 1. netlink_broadcast(nlfd, skb, pid, gid, ...) passes the registered daemon's own port id as the
//    exclusion port id: do_one_broadcast skips exactly the socket the event was meant for, the
//    call returns -ESRCH, and the return value is ignored.
// 2. The length checks are upside down: `skb->len <= NLMSG_LENGTH(sizeof(*msg))` accepts any
//    message up to that size (a 16-byte header-only U_PID included) and then reads msg->gid past
//    the end of the message; a longer datagram (two messages, or padding) is silently ignored.
// (Its mutex_lock(&nl_demo_mutex) in the input is not a bug: the input runs in process context,
// where a mutex may sleep; it serialises the input against itself, as rtnl_mutex did for rtnetlink.)
// 3. The registered pid is nlh->nlmsg_pid (whatever the sender wrote), not NETLINK_CB(skb).portid.
// 4. Nothing cleans up when the daemon dies (no NETLINK_URELEASE notifier), and netlink_unicast's
//    ECONNREFUSED is ignored: the module keeps sending to a dead port.
// (The article's exit calls sock_release(nlfd->sk_socket); the model has only the kernel's
// netlink_kernel_release, which this version uses.)
import {
  DEFINE_MUTEX,
  DEFINE_RWLOCK,
  GFP_ATOMIC,
  jiffies,
  mod_timer,
  msecs_to_jiffies,
  mutex_lock,
  mutex_unlock,
  pr_debug,
  pr_info,
  read_lock_bh,
  read_unlock_bh,
  rwlock_init,
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
  type Net,
  type NetlinkSock,
  netlink_broadcast,
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_unicast,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  type SkBuff,
} from "../../kernel-model/net/netlink/kernel-api.js";
import { getU16, getU32, NLMSG_HDRLEN } from "../../kernel-model/uapi/index.js";
import type { NlDemoModule, NlDemoParams } from "./kernel.js";
import { show } from "./kernel.js";
import {
  NETLINK_NLDEMO,
  NLDEMO_CLOSE,
  NLDEMO_K_EVT,
  NLDEMO_KRNL_MSG_SIZE,
  NLDEMO_U_PID,
  NLDEMO_USR_MSG_SIZE,
  putUsrMsg,
} from "./proto.js";

/** NLMSG_LENGTH(len) */
const NLMSG_LENGTH = (len: number): number => len + NLMSG_HDRLEN;

export const nl_demo_buggy_module = (net: Net, params: NlDemoParams = {}): NlDemoModule => {
  const period_ms = params.period_ms ?? 100;
  let nlfd: NetlinkSock | null = null;
  const user_proc = { pid: 0, gid: 0 };
  const lock = DEFINE_RWLOCK("user_proc.lock");
  const nl_demo_mutex = DEFINE_MUTEX("nl_demo_mutex");
  const stats = { events: 0, delivered: 0, refused: 0, no_listeners: 0 };
  const nl_demo_timer = new TimerList();

  const nl_demo_send = (): number => {
    read_lock_bh(lock);
    const pid = user_proc.pid;
    const gid = user_proc.gid;
    read_unlock_bh(lock);
    if (pid === 0) return 0;
    const skb = nlmsg_new(NLDEMO_USR_MSG_SIZE, GFP_ATOMIC);
    const seq = ++stats.events;
    const nlh = nlmsg_put(skb, 0, seq, NLDEMO_K_EVT, NLDEMO_USR_MSG_SIZE, 0);
    if (nlh === null) {
      kfree_skb(skb);
      return -1;
    }
    putUsrMsg(skb.head, nlmsg_data(nlh), { seq, jiffies: jiffies() });
    nlmsg_end(skb, nlh);
    NETLINK_CB(skb).dst_group = gid;
    let ret: number;
    if (gid === 0) {
      ret = netlink_unicast(nlfd!, skb, pid, true);
      pr_debug(`nl_demo(2.6): K_EVT #${seq} netlink_unicast(port ${pid}) = ${show(ret)} (ignored)`);
    } else {
      // BUG 1: `pid` as the exclusion port id skips the registered daemon itself
      ret = netlink_broadcast(nlfd!, skb, pid, gid, GFP_ATOMIC);
      pr_debug(
        `nl_demo(2.6): K_EVT #${seq} netlink_broadcast(exclude port ${pid}, group ${gid}) = ${show(ret)} (ignored)`,
      );
    }
    if (ret >= 0) stats.delivered++;
    else if (gid === 0) stats.refused++;
    else stats.no_listeners++;
    return ret;
  };

  const nl_demo_tick = (t: TimerList): void => {
    nl_demo_send();
    if (user_proc.pid !== 0) mod_timer(t, jiffies() + msecs_to_jiffies(period_ms));
  };

  /** The article's nl_demo_rcv(struct sk_buff *skb), 2.6.32 branch, bugs included. */
  const nl_demo_rcv = (skb: SkBuff): void => {
    mutex_lock(nl_demo_mutex); // process context: a mutex may sleep here
    const d = skb.data;
    // BUG 2: "<=" accepts short messages; nothing checks that the payload is there
    if (skb.len <= NLMSG_LENGTH(NLDEMO_KRNL_MSG_SIZE)) {
      const nlmsg_len = getU32(d, 0);
      const type = getU16(d, 4);
      const nlmsg_pid = getU32(d, 12);
      // msg = NLMSG_DATA(nlh): reads 4 bytes at offset 16 whether or not the message has them
      const at = skb.data_off + NLMSG_HDRLEN;
      const gid = at + 4 <= skb.head.length ? getU32(skb.head, at) : 0;
      if (nlmsg_len <= NLMSG_LENGTH(NLDEMO_KRNL_MSG_SIZE) && skb.len <= nlmsg_len) {
        if (skb.len < NLMSG_LENGTH(NLDEMO_KRNL_MSG_SIZE))
          pr_info(`nl_demo(2.6): accepted a ${skb.len}-byte message: msg->gid read from past its end (${gid})`);
        if (type === NLDEMO_U_PID) {
          write_lock_bh(lock);
          user_proc.pid = nlmsg_pid; // BUG 3: the header's claim, not NETLINK_CB(skb).portid
          user_proc.gid = gid;
          write_unlock_bh(lock);
          pr_info(`nl_demo(2.6): NLDEMO_U_PID: pid ${nlmsg_pid}, gid ${gid}`);
          if (!timer_pending(nl_demo_timer)) mod_timer(nl_demo_timer, jiffies() + msecs_to_jiffies(period_ms));
        } else if (type === NLDEMO_CLOSE) {
          write_lock_bh(lock);
          if (nlmsg_pid === user_proc.pid) {
            user_proc.pid = 0;
            user_proc.gid = 0;
          }
          write_unlock_bh(lock);
          pr_info(`nl_demo(2.6): NLDEMO_CLOSE: pid ${nlmsg_pid}`);
        }
      }
    } else {
      pr_info(`nl_demo(2.6): ${skb.len}-byte datagram ignored (longer than NLMSG_LENGTH(sizeof(*msg)))`);
    }
    mutex_unlock(nl_demo_mutex);
  };

  const nl_demo_init = (): number => {
    rwlock_init(lock);
    timer_setup(nl_demo_timer, nl_demo_tick, 0);
    // 2.6.24–3.5: netlink_kernel_create(&init_net, unit, groups, input, cb_mutex, THIS_MODULE)
    nlfd = netlink_kernel_create(net, NETLINK_NLDEMO, { input: nl_demo_rcv, groups: 1 });
    if (nlfd === null) return -1;
    pr_info(`nl_demo(2.6): netlink_kernel_create(&init_net, ${NETLINK_NLDEMO}, 1, nl_demo_rcv, ...) ok`);
    return 0;
  };

  const nl_demo_exit = (): void => {
    timer_delete_sync(nl_demo_timer);
    netlink_kernel_release(nlfd); // the article: sock_release(nlfd->sk_socket)
    nlfd = null;
    pr_info("nl_demo(2.6): unloaded");
  };

  return { nl_demo_init, nl_demo_exit, user_proc, stats, nlfd: () => nlfd };
};
