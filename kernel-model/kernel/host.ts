// The boundary between the kernel model and whatever runs it. The model has no clock, no timers
// and no tasks of its own: the simulator implements this interface (sim/kernel-host.ts) and the
// kernel's own primitives (ktime_get_ns, mod_timer, schedule_timeout, kthread_create,
// raise_softirq, printk) are built on it in this folder.

import type { ExecutionContext } from "./preempt.js";
import type { TaskStruct, WaitQueueHead } from "./sched.js";

/**
 * The events the kernel model records (the simulator's trace union, sim/trace.ts, includes them):
 * plain data, the detail of what happened; the simulator stamps the virtual time.
 */
export type KernelTraceEvent =
  /** a kernel socket's input run from NET_RX (2.6-era input): the datagram it is given */
  | {
      readonly kind: "softirq";
      readonly vec: "NET_RX";
      readonly fn: string;
      readonly protocol: number;
      /** the sender's port id */
      readonly from: number;
      readonly len: number;
      /** the kernel socket's port id (0) */
      readonly to: number;
      readonly groups: number;
      readonly bytes: Uint8Array;
      readonly ctx: "softirq";
    }
  /**
   * netlink_data_ready (2.6.13–2.6.23): netlink_sendskb called the kernel socket's sk_data_ready,
   * which runs the module's input over the whole receive queue in the sender's context; `queued`
   * are the sender port ids of the skbs on the queue at the call (this send's last)
   */
  | {
      readonly kind: "data_ready";
      readonly fn: string;
      readonly protocol: number;
      readonly len: number;
      readonly queued: ReadonlyArray<number>;
      readonly ctx: "process" | "kthread" | "softirq" | "idle";
      /** the current task's pid (0: idle) */
      readonly pid: number;
    }
  /** a frame received from a device (netif_receive_skb from NET_RX) */
  | {
      readonly kind: "softirq";
      readonly vec: "NET_RX";
      readonly fn: "__netif_receive_skb";
      readonly dev: string | null;
      readonly len: number;
    }
  /**
   * netlink_deliver_tap: an skb as a netlink tap (nlmon) sees it, once per delivery: to a user
   * socket's queue (__netlink_sendskb: each unicast, each broadcast copy, each dump part) or to a
   * kernel socket's input (netlink_unicast_kernel; kernel to kernel is not tapped, as in C). Unlike
   * netlink_filter_tap, every protocol is recorded.
   */
  | {
      readonly kind: "tap";
      readonly fn: "__netlink_sendskb" | "netlink_unicast_kernel";
      readonly protocol: number;
      /** the sender's port id, NETLINK_CB(skb).portid (0: the kernel) */
      readonly from: number;
      /** the receiving socket's port id (0: a kernel socket, or an unbound user socket) */
      readonly to: number;
      /** NETLINK_CB(skb).dst_group as an nl_groups mask (0: unicast, or a group above 32) */
      readonly groups: number;
      /** the skb's bytes (a copy) */
      readonly bytes: Uint8Array;
      /** where the delivery ran (a softirq, a kthread, a process's syscall, or idle) */
      readonly ctx: "process" | "kthread" | "softirq" | "idle";
      /** the current task's pid (0: idle) */
      readonly pid: number;
      /** the receiving socket's inode (sock_i_ino, as /proc/net/netlink shows it) */
      readonly ino: number;
    }
  /** run_timer_softirq calling one expired timer */
  | { readonly kind: "softirq"; readonly vec: "TIMER"; readonly fn: string }
  /** a printk line (cont: a KERN_CONT continuation of the previous one) */
  | { readonly kind: "printk"; readonly level: number; readonly cont?: true; readonly text: string }
  /** a BUG/WARNING the kernel reports (scheduling while atomic, might_sleep, usercopy, KASAN) */
  | {
      readonly kind: "bug";
      readonly bug: string;
      readonly fn: string;
      readonly at?: string;
      readonly msg?: string;
      readonly object?: string;
      readonly size?: number;
      readonly index?: string;
      readonly comm: string;
      readonly pid: number;
      readonly preempt_count?: number;
      readonly context?: ExecutionContext;
    }
  /** a sleep on a synchronous path, which the model cannot suspend */
  | { readonly kind: "nosleep"; readonly fn: string; readonly comm: string; readonly pid: number; readonly why: string }
  /** a task that cannot sleep (insmod from outside any task) asked to: it busy-waits in virtual time */
  | { readonly kind: "busy-wait"; readonly fn: string; readonly comm: string; readonly pid: number };

export type KernelWakeReason = "woken" | "timeout";

export interface KernelHost {
  /** ktime_get_ns: virtual nanoseconds since boot */
  now(): number;
  /** `current`: the task kernel code runs on behalf of; undefined when idle (swapper/0) */
  current(): TaskStruct | undefined;
  /** a fresh pid for a kernel thread */
  alloc_pid(): number;
  /** arm a one-shot hardware timer at an absolute virtual time; returns its cancel function */
  add_timer(atNs: number, fire: () => void): () => void;
  /** make `body` a schedulable task for `task` (kthread_create); it runs when the scheduler reaches it */
  spawn_kthread(task: TaskStruct, body: () => Promise<void>): void;
  /**
   * Put the current task to sleep until one of `queues` is woken, wake_up_task(current) is
   * called, or `timeoutNs` passes (Infinity: no timeout). Only called when the current task may
   * really sleep (a kthread body at its own await points).
   */
  sleep(queues: ReadonlyArray<WaitQueueHead>, timeoutNs: number): Promise<KernelWakeReason>;
  /** wake one sleeping task (try_to_wake_up) */
  wake_up_task(task: TaskStruct): void;
  /** wake every task sleeping on `q` (__wake_up) */
  wake_up_queue(q: WaitQueueHead): void;
  /** whether events are kept: when false, record() is a no-op and callers need not build them */
  readonly tracing: boolean;
  /** a trace event (softirq runs, printk lines, BUG reports) */
  record(e: KernelTraceEvent): void;
  /** get_random_u32's source: the world's seeded PRNG (absent: modules cannot ask for randomness) */
  random_u32?(): number;
}
