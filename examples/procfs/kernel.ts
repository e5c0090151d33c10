// The procfs example's module: a /proc file over a 128-byte kernel buffer, with read and write
// handlers. `mode: "correct"` is the port to today's proc_ops done right; `mode: "buggy"` is the
// seed article's read_proc/write_proc logic kept as written (ported to proc_ops), so the model
// can show what it does: see README.md. Written with the kernel's names so that
// kmod/procfs/procfs_example.c reads beside it line by line.

import {
  __asan_store1,
  copy_from_user,
  copy_to_user,
  default_llseek,
  type File,
  type LoffT,
  type ProcDirEntry,
  type ProcOps,
  proc_create,
  proc_set_size,
  remove_proc_entry,
  runtime_offset,
  simple_read_from_buffer,
  type UserPtr,
} from "../../kernel-model/fs/proc/proc_fs.js";
import { DEFINE_MUTEX, mutex_lock, mutex_unlock, pr_info, printk } from "../../kernel-model/kernel/index.js";
import { ERRNO } from "../../kernel-model/uapi/index.js";
import { PROC_BUF_SIZE, PROC_MODE, PROC_NAME } from "./proto.js";

export type ProcfsMode = "correct" | "buggy";

export interface ProcfsParams {
  readonly mode?: ProcfsMode;
  /** module_param(initial, charp, 0444): the buffer's first text (the article starts empty) */
  readonly initial?: string;
}

export interface ProcfsModule {
  /** module_exit */
  readonly exit: () => void;
  /** the buffer's text up to its NUL (for tests and the walkthrough) */
  readonly text: () => string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** strlen(s) */
const strlen = (s: Uint8Array): number => {
  const i = s.indexOf(0);
  return i < 0 ? s.length : i;
};

/** insmod: module_init of the procfs example. Returns its exit and a view of its buffer. */
export const procfs_example_init = (params: ProcfsParams = {}): ProcfsModule => {
  const mode = params.mode ?? "correct";
  // static char kernel_buf[PROC_BUF_SIZE]; static size_t kernel_len; static DEFINE_MUTEX(buf_lock);
  const kernel_buf = new Uint8Array(PROC_BUF_SIZE);
  let kernel_len = 0;
  const buf_lock = DEFINE_MUTEX("procfs_example.buf_lock");
  let entry: ProcDirEntry | null = null;

  // ---- the correct handlers ----

  /** read: simple_read_from_buffer does the offset work: clamp, copy, advance *ppos, 0 at EOF. */
  const procfs_read = (_file: File, buf: UserPtr, count: number, ppos: LoffT): number => {
    mutex_lock(buf_lock);
    const ret = simple_read_from_buffer(buf, count, ppos, kernel_buf, kernel_len);
    mutex_unlock(buf_lock);
    return ret;
  };

  /**
   * write: the text from *ppos on is replaced by the written bytes (a write at 0 replaces the
   * whole text, as `echo x >` expects: O_TRUNC never reaches a proc handler). All or nothing: a
   * write that does not fit (keeping the NUL) is ENOSPC and changes nothing; a fault is EFAULT
   * and changes nothing (the bytes go through a local buffer first).
   */
  const procfs_write = (_file: File, buf: UserPtr, count: number, ppos: LoffT): number => {
    const tmp = new Uint8Array(PROC_BUF_SIZE); // char tmp[PROC_BUF_SIZE];
    mutex_lock(buf_lock);
    const pos = ppos.value;
    if (pos < 0 || pos > kernel_len) {
      mutex_unlock(buf_lock);
      return -ERRNO.EINVAL; // no holes
    }
    if (count > PROC_BUF_SIZE - 1 - pos) {
      mutex_unlock(buf_lock);
      return -ERRNO.ENOSPC;
    }
    if (copy_from_user(tmp, buf, count) !== 0) {
      mutex_unlock(buf_lock);
      return -ERRNO.EFAULT;
    }
    kernel_buf.set(tmp.subarray(0, count), pos); // memcpy(kernel_buf + pos, tmp, count);
    kernel_len = pos + count;
    kernel_buf[kernel_len] = 0;
    proc_set_size(entry!, kernel_len);
    mutex_unlock(buf_lock);
    ppos.value = pos + count;
    pr_info(`${PROC_NAME}: wrote ${count} bytes at ${pos}, ${kernel_len} in the buffer`);
    return count;
  };

  // ---- the article's handlers, bugs kept (see README.md) ----

  /**
   * read_proc ported to proc_read as written: it copies from kernel_buf + off but never advances
   * *ppos (the 2.6 read_proc_t contract did that, and *eof ended the read). Every read(2) returns
   * the whole text again: cat never sees 0 and loops forever. copy_to_user's result is ignored.
   * The article's lengths are ints: once off passes the text, len - off is negative and becomes
   * count (ULONG_MAX as a size_t), which check_copy_size refuses (WARN, nothing copied); the
   * handler then returns it, -1.
   */
  const buggy_read = (_file: File, buf: UserPtr, count: number, ppos: LoffT): number => {
    const off = ppos.value;
    const len = strlen(kernel_buf);
    if (count > len - off) count = len - off; // ssize_t: negative past the text
    copy_to_user(buf, runtime_offset(kernel_buf, off, "buggy_read"), count); // kernel_buf + off: unsized
    printk(`read:${dec.decode(kernel_buf.subarray(0, strlen(kernel_buf)))}`);
    return count;
  };

  /**
   * write_proc as written. The bound is strlen(kernel_buf), the text, not sizeof(kernel_buf): on
   * an empty buffer `len - 1` is -1, which count (an unsigned long) makes ULONG_MAX. The check of
   * copy_from_user is inverted: a copy that worked returns -1 (EPERM to the writer), one that
   * failed is taken as success. Then kernel_buf[count] = 0 with whatever count is.
   */
  const buggy_write = (_file: File, buf: UserPtr, count: number, _ppos: LoffT): number => {
    const len = strlen(kernel_buf);
    if (count > len) count = len - 1; // size_t: -1 is ULONG_MAX
    if (!copy_from_user(kernel_buf, buf, count)) return -1;
    if (__asan_store1(kernel_buf, count)) kernel_buf[count] = 0;
    printk(`write:${dec.decode(kernel_buf.subarray(0, strlen(kernel_buf)))}`);
    return count;
  };

  const proc_fops: ProcOps =
    mode === "correct"
      ? { proc_read: procfs_read, proc_write: procfs_write, proc_lseek: default_llseek }
      : { proc_read: buggy_read, proc_write: buggy_write, proc_lseek: default_llseek };

  // module_init
  const initial = enc.encode(params.initial ?? "").subarray(0, PROC_BUF_SIZE - 1);
  kernel_buf.set(initial);
  kernel_len = initial.length;
  entry = proc_create(PROC_NAME, PROC_MODE, null, proc_fops);
  if (entry === null) throw new Error(`${PROC_NAME}: proc_create failed (-ENOMEM)`);
  proc_set_size(entry, kernel_len);
  pr_info(`${PROC_NAME}: /proc/${PROC_NAME} created (${mode})`);

  return {
    exit: () => {
      remove_proc_entry(PROC_NAME, null);
      pr_info(`${PROC_NAME}: removed`);
    },
    text: () => dec.decode(kernel_buf.subarray(0, strlen(kernel_buf))),
  };
};
