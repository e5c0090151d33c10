// The per-machine state C keeps in globals and per-CPU variables: preempt_count, the pending
// softirq bits and their actions, expired timers, the printk ring, and the one switch that says
// how a kernel socket's input runs (net/netlink/input.ts).
import type { KernelHost } from "./host.js";
import { PrintkRing, vprintk_emit } from "./printk.js";
import type { TimerList } from "./timer.js";

/** How a kernel socket's input callback runs. */
export type NetlinkInputMode =
  /**
   * a stricter model than any kernel: queued by the send and run from a softirq right after it, in
   * atomic context, so a handler that sleeps is a BUG (as code called from a timer or a hook must not)
   */
  | "softirq"
  /**
   * 2.6.13–2.6.23: netlink_sendskb queues the skb and calls sk_data_ready → the module's input,
   * which drains the whole receive queue, synchronously in the sender's process context
   */
  | "data_ready"
  /** since 2.6.24: input(skb) synchronously inside the sender's sendmsg, in its process context */
  | "process";

export interface KernelOptions {
  /** default "softirq" */
  readonly netlinkInput?: NetlinkInputMode;
}

/** A softirq vector's handler (struct softirq_action). */
export type SoftirqAction = (k: Kernel) => void;

// include/linux/interrupt.h, enum { HI_SOFTIRQ = 0, ... }
export const HI_SOFTIRQ = 0;
export const TIMER_SOFTIRQ = 1;
export const NET_TX_SOFTIRQ = 2;
export const NET_RX_SOFTIRQ = 3;
export const BLOCK_SOFTIRQ = 4;
export const IRQ_POLL_SOFTIRQ = 5;
export const TASKLET_SOFTIRQ = 6;
export const SCHED_SOFTIRQ = 7;
export const HRTIMER_SOFTIRQ = 8;
export const RCU_SOFTIRQ = 9;
export const NR_SOFTIRQS = 10;
/** softirq_to_name */
export const softirq_to_name = [
  "HI",
  "TIMER",
  "NET_TX",
  "NET_RX",
  "BLOCK",
  "IRQ_POLL",
  "TASKLET",
  "SCHED",
  "HRTIMER",
  "RCU",
];

export class Kernel {
  /** preempt_count(): see preempt.ts for the layout */
  preempt_count = 0;
  /** local_softirq_pending() */
  softirq_pending = 0;
  /** softirq_vec */
  readonly softirq_vec: Array<SoftirqAction | undefined> = new Array<SoftirqAction | undefined>(NR_SOFTIRQS).fill(
    undefined,
  );
  /** log_buf */
  readonly log = new PrintkRing();
  /** timers whose time came, for run_timer_softirq (expiry order) */
  readonly timer_expired: TimerList[] = [];
  /**
   * Depth of synchronous callbacks into module code from a syscall or another kernel path (a
   * kernel socket's input in "process" mode): the model cannot suspend there, so a sleep that
   * would be legal is skipped (and traced) instead of parking the task.
   */
  sync_depth = 0;
  /** __might_resched's prev_jiffy (its once-a-second rate limit) */
  might_sleep_prev_jiffy = 0;
  readonly netlink_input: NetlinkInputMode;

  constructor(
    readonly host: KernelHost,
    opts: KernelOptions = {},
  ) {
    this.netlink_input = opts.netlinkInput ?? "softirq";
  }

  /** printk from the model itself (BUG/WARN lines): `fmt` may carry a KERN_* prefix. */
  printk(fmt: string): void {
    vprintk_emit(this, fmt);
  }
}
