// netlink-exam's module: receives a text over NETLINK_EXAM, keeps it in a kernel buffer, exposes
// the buffer as /proc/netlink_exam_buffer (readable, and writable to replace it) and forwards it
// to the receivers in NETLINK_EXAM_GROUP. Written with the kernel's names so that
// kmod/netlink-exam/netlink_exam.c (the article's netlink-exam-kern.c) reads beside it line by line.
//
// The walk runs it with the article's 2.6.14 input model ("data_ready": netlink_sendskb queues the
// skb and sk_data_ready runs the input over the receive queue, in the sender's process context).
// The locking would also hold if the input ran from a softirq: the buffer is guarded by a spinlock
// taken with bottom halves off on the /proc side, allocations are GFP_ATOMIC, and a text longer
// than the buffer is cut to NETLINK_EXAM_BUFSIZE - 1 bytes (and said so in the log).

import {
  copy_from_user,
  default_llseek,
  type File,
  type LoffT,
  type ProcOps,
  proc_create,
  proc_set_size,
  remove_proc_entry,
  simple_read_from_buffer,
  type UserPtr,
} from "../../kernel-model/fs/proc/proc_fs.js";
import {
  DEFINE_SPINLOCK,
  GFP_ATOMIC,
  pr_info,
  pr_warn,
  spin_lock,
  spin_lock_bh,
  spin_unlock,
  spin_unlock_bh,
} from "../../kernel-model/kernel/index.js";
import {
  type Net,
  type NetlinkSock,
  netlink_broadcast,
  netlink_kernel_create,
  netlink_kernel_release,
  nlmsg_data,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
  type SkBuff,
} from "../../kernel-model/net/netlink/kernel-api.js";
import { ERRNO, getU16, getU32, NLMSG_HDRLEN } from "../../kernel-model/uapi/index.js";
import { NETLINK_EXAM, NETLINK_EXAM_BUFSIZE, NETLINK_EXAM_GROUP, NLEXAM_MSG, PROC_NAME } from "./proto.js";

export interface NetlinkExamModule {
  readonly exit: () => void;
  /** the buffer's text (for tests) */
  readonly text: () => string;
}

const dec = new TextDecoder();

export const netlink_exam_init = (net: Net): NetlinkExamModule => {
  // static char buffer[NETLINK_EXAM_BUFSIZE]; static size_t buffer_len; static DEFINE_SPINLOCK(buffer_lock);
  const buffer = new Uint8Array(NETLINK_EXAM_BUFSIZE);
  let buffer_len = 0;
  const buffer_lock = DEFINE_SPINLOCK("netlink_exam.buffer_lock");
  let nl_sk: NetlinkSock | null = null;

  /** forward the buffer to NETLINK_EXAM_GROUP (called with buffer_lock held) */
  const forward_locked = (): void => {
    const skb = nlmsg_new(buffer_len, GFP_ATOMIC);
    const nlh = nlmsg_put(skb, 0, 0, NLEXAM_MSG, buffer_len, 0)!;
    skb.head.set(buffer.subarray(0, buffer_len), nlmsg_data(nlh));
    nlmsg_end(skb, nlh);
    const err = netlink_broadcast(nl_sk!, skb, 0, NETLINK_EXAM_GROUP, GFP_ATOMIC);
    pr_info(`netlink_exam: forwarded ${buffer_len} bytes to group ${NETLINK_EXAM_GROUP}: ${err}`);
  };

  /** input: every NLEXAM_MSG's payload replaces the buffer, then goes to the receivers. */
  const netlink_exam_input = (skb: SkBuff): void => {
    let off = 0;
    const d = skb.data;
    while (skb.len - off >= NLMSG_HDRLEN) {
      const len = getU32(d, off);
      if (len < NLMSG_HDRLEN || len > skb.len - off) break; // a malformed message ends the datagram
      if (getU16(d, off + 4) === NLEXAM_MSG) {
        let n = len - NLMSG_HDRLEN;
        if (n > NETLINK_EXAM_BUFSIZE - 1) {
          pr_warn(`netlink_exam: ${n} bytes do not fit, keeping ${NETLINK_EXAM_BUFSIZE - 1}`);
          n = NETLINK_EXAM_BUFSIZE - 1;
        }
        spin_lock(buffer_lock); // the sender's process context; the /proc side takes it _bh
        buffer.set(d.subarray(off + NLMSG_HDRLEN, off + NLMSG_HDRLEN + n));
        buffer_len = n;
        buffer[n] = 0;
        forward_locked();
        spin_unlock(buffer_lock);
      }
      off += (len + 3) & ~3;
    }
  };

  const exam_proc_read = (_file: File, buf: UserPtr, count: number, ppos: LoffT): number => {
    // copy out of a snapshot: copy_to_user may fault and sleep, not under a spinlock
    const snap = new Uint8Array(NETLINK_EXAM_BUFSIZE);
    spin_lock_bh(buffer_lock);
    snap.set(buffer);
    const len = buffer_len;
    spin_unlock_bh(buffer_lock);
    return simple_read_from_buffer(buf, count, ppos, snap, len);
  };

  /** write: replaces the buffer (all or nothing: ENOSPC if it does not fit); not forwarded. */
  const exam_proc_write = (_file: File, buf: UserPtr, count: number, ppos: LoffT): number => {
    if (ppos.value !== 0) return -ERRNO.EINVAL;
    if (count > NETLINK_EXAM_BUFSIZE - 1) return -ERRNO.ENOSPC;
    const tmp = new Uint8Array(NETLINK_EXAM_BUFSIZE);
    if (copy_from_user(tmp, buf, count) !== 0) return -ERRNO.EFAULT;
    spin_lock_bh(buffer_lock);
    buffer.set(tmp);
    buffer_len = count;
    spin_unlock_bh(buffer_lock);
    ppos.value = count;
    return count;
  };

  const exam_proc_ops: ProcOps = { proc_read: exam_proc_read, proc_write: exam_proc_write, proc_lseek: default_llseek };

  nl_sk = netlink_kernel_create(net, NETLINK_EXAM, { input: netlink_exam_input });
  if (nl_sk === null) throw new Error("netlink_exam: netlink_kernel_create failed");
  const entry = proc_create(PROC_NAME, 0o644, null, exam_proc_ops);
  if (entry === null) {
    netlink_kernel_release(nl_sk);
    throw new Error("netlink_exam: proc_create failed");
  }
  proc_set_size(entry, 0);
  pr_info("netlink_exam: loaded");

  return {
    exit: () => {
      remove_proc_entry(PROC_NAME, null);
      netlink_kernel_release(nl_sk);
      pr_info("netlink_exam: unloaded");
    },
    text: () => dec.decode(buffer.subarray(0, buffer_len)),
  };
};
