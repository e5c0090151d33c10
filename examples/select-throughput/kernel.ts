// knl: the article's kernel side of the 100-socket model as a simulated module. nl_data_ready
// remembers each handshake's port id; when all have arrived it wakes N kernel threads, each
// sending MAX_DATA_LEN-byte messages to a random registered port with MSG_DONTWAIT and sleeping
// between sends. The C twin (kmod/select-throughput/knl.c) mirrors it. Changes from the article:
// - the port id comes from NETLINK_CB(skb).portid (the article trusts nlh->nlmsg_pid), and the
//   handshake's length is checked before its header is read;
// - the article's "random" target is `rand % devi + threadindex * devi` with devi =
//   MAX_PID_COUNT / MAX_PROCESS_COUNT = 1: thread i always sends to socket i (target "own" keeps
//   that); by default the target is drawn with get_random_u32_below over all registered ports;
// - a failed unicast is printk'd at most a few times (the article prints every one);
// - interruptible_sleep_on_timeout (gone since 3.15) becomes schedule_timeout_interruptible;
// - the unload line gives the module's totals (the article prints "remove ok.").
// The threads run until rmmod (kthread_stop) or MSG_COUNT: a thread that sends after the program
// closed its sockets gets ECONNREFUSED, printk'd and counted like any failure.
import {
  GFP_KERNEL,
  get_random_u32_below,
  kthread_create,
  kthread_should_stop,
  kthread_stop,
  msecs_to_jiffies,
  pr_err,
  pr_info,
  schedule_timeout_interruptible,
  type TaskStruct,
  wake_up_process,
} from "../../kernel-model/kernel/index.js";
import {
  NETLINK_CB,
  type Net,
  type NetlinkSock,
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_unicast,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  type SkBuff,
} from "../../kernel-model/net/netlink/kernel-api.js";
import { ERRNO, errnoName, getU16, getU32, NLMSG_HDRLEN } from "../../kernel-model/uapi/index.js";
import { MAX_DATA_LEN, MSG_COUNT, NETLINK_TEST, NLT_DATA, NLT_HELLO } from "./proto.js";

export interface KnlOptions {
  /** kernel threads (MAX_PROCESS_COUNT) */
  readonly threads: number;
  /** handshakes to wait for before the threads start (MAX_PID_COUNT) */
  readonly pids: number;
  /** payload bytes per message (MAX_DATA_LEN) */
  readonly size?: number;
  /** sleep between sends, ms (the article: 0.05 * HZ) */
  readonly sleepMs?: number;
  /** sleep after a failed send, ms (the article: 0.1 * HZ) */
  readonly backoffMs?: number;
  /** messages per thread at most (MSG_COUNT) */
  readonly msgCount?: number;
  /** "random" (default) or "own": thread i → socket i, what the article's arithmetic does */
  readonly target?: "random" | "own";
}

export interface KnlStats {
  /** unicasts attempted */
  sent: number;
  delivered: number;
  deliveredBytes: number;
  /** failures by errno name (EAGAIN: the receiver's queue was full; ECONNREFUSED: the port is gone) */
  failed: Record<string, number>;
}

/** The module's globals. */
export interface KnlModule {
  nl_sk: NetlinkSock | null;
  readonly pids: number[];
  pidindex: number;
  readonly task_test: TaskStruct[];
  readonly stats: KnlStats;
}

/** printk budget for failed unicasts (net_ratelimit-like) */
const FAIL_PRINTS = 5;

export const knl_init = (net: Net, opts: KnlOptions): KnlModule | number => {
  const size = opts.size ?? MAX_DATA_LEN;
  const sleepMs = opts.sleepMs ?? 50;
  const backoffMs = opts.backoffMs ?? 100;
  const m: KnlModule = {
    nl_sk: null,
    pids: new Array<number>(opts.pids).fill(0),
    pidindex: 0,
    task_test: [],
    stats: { sent: 0, delivered: 0, deliveredBytes: 0, failed: {} },
  };
  let failPrints = 0;

  const childDataThread = async (threadindex: number): Promise<number> => {
    pr_info(`start thread [${threadindex}].`);
    let a = opts.msgCount ?? MSG_COUNT;
    let seq = 0;
    while (a-- > 0 && !kthread_should_stop()) {
      const skb = nlmsg_new(size, GFP_KERNEL); // process context: it may sleep
      const nlh = nlmsg_put(skb, 0, ++seq, NLT_DATA, size, 0)!;
      nlmsg_end(skb, nlh);
      const index = opts.target === "own" ? threadindex % m.pidindex : get_random_u32_below(m.pidindex);
      const peer = m.pids[index]!;
      m.stats.sent++;
      const rc = netlink_unicast(m.nl_sk!, skb, peer, true);
      if (rc < 0) {
        const name = errnoName(rc) ?? String(rc);
        m.stats.failed[name] = (m.stats.failed[name] ?? 0) + 1;
        if (failPrints++ < FAIL_PRINTS)
          pr_err(`net_link: can not unicast skb: ${rc}, a is: ${a}, peerpid is: ${peer >>> 0}`);
        await schedule_timeout_interruptible(msecs_to_jiffies(backoffMs));
        if (kthread_should_stop()) break; // kthread_stop woke the back-off: do not sleep again
      } else {
        m.stats.delivered++;
        m.stats.deliveredBytes += rc;
      }
      await schedule_timeout_interruptible(msecs_to_jiffies(sleepMs));
    }
    pr_info(`thread ${threadindex} exit!`);
    return 0;
  };

  /** nl_data_ready: a handshake; the last one starts the threads. */
  const nl_data_ready = (skb: SkBuff): void => {
    if (skb.len < NLMSG_HDRLEN) return;
    const len = getU32(skb.data, 0);
    if (len < NLMSG_HDRLEN || len > skb.len || getU16(skb.data, 4) !== NLT_HELLO) return;
    if (m.pidindex >= m.pids.length) return;
    m.pids[m.pidindex++] = NETLINK_CB(skb).portid;
    if (m.pidindex === m.pids.length) {
      for (const t of m.task_test) wake_up_process(t);
      pr_info(`net_link: ${m.pidindex} sockets registered, woke ${m.task_test.length} threads`);
    }
  };

  m.nl_sk = netlink_kernel_create(net, NETLINK_TEST, { input: nl_data_ready });
  if (m.nl_sk === null) {
    pr_err("net_link: Cannot create netlink socket.");
    return -ERRNO.EIO;
  }
  pr_info("net_link: create socket ok.");
  for (let i = 0; i < opts.threads; i++) m.task_test.push(kthread_create(childDataThread, i, `childDataThread-${i}`));
  return m;
};

/** knl_exit (module_exit): stop every thread (waits for each), release the socket. Needs a task. */
export const knl_exit = async (m: KnlModule): Promise<void> => {
  for (const t of m.task_test) await kthread_stop(t);
  netlink_kernel_release(m.nl_sk);
  m.nl_sk = null;
  const st = m.stats;
  const eagain = st.failed.EAGAIN ?? 0;
  const econnrefused = st.failed.ECONNREFUSED ?? 0;
  const other = Object.values(st.failed).reduce((a, b) => a + b, 0) - eagain - econnrefused;
  pr_info(
    `net_link: remove ok (sent ${st.sent}, delivered ${st.delivered}, ${st.deliveredBytes} bytes, ` +
      `EAGAIN ${eagain}, ECONNREFUSED ${econnrefused}, other ${other}).`,
  );
};
