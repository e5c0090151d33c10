// fs/seq_file.c: the seq_file interface for /proc files whose text is generated on read. The model
// keeps single_open's case (one show() call makes the whole text): the text is made at the first
// read (and again after a seek back to 0), reads then walk it by *ppos.
import { copy_to_user, type UserPtr } from "../lib/usercopy.js";
import { ERRNO, SEEK_CUR, SEEK_SET } from "../uapi/index.js";
import type { File, Inode, LoffT } from "./file.js";

/** struct seq_file */
export class SeqFile {
  /** the generated text (m->buf, m->count) */
  buf: Uint8Array = new Uint8Array(0);
  count = 0;
  /** whether show() has run for the current pass */
  filled = false;
  constructor(
    readonly show: (m: SeqFile, v: unknown) => number,
    /** m->private: single_open's data */
    readonly private_: unknown,
  ) {}
}

const enc = new TextEncoder();

/** seq_write(m, data, len): append bytes. */
export const seq_write = (m: SeqFile, data: Uint8Array, len = data.length): number => {
  if (m.count + len > m.buf.length) {
    const grown = new Uint8Array(Math.max(m.buf.length * 2, m.count + len, 256));
    grown.set(m.buf.subarray(0, m.count));
    m.buf = grown;
  }
  m.buf.set(data.subarray(0, len), m.count);
  m.count += len;
  return 0;
};

/** seq_printf(m, fmt, ...): the text already formatted (template strings), like printk here. */
export const seq_printf = (m: SeqFile, s: string): void => {
  seq_write(m, enc.encode(s));
};
/** seq_puts(m, s) */
export const seq_puts = seq_printf;
/** seq_putc(m, c) */
export const seq_putc = (m: SeqFile, c: string): void => seq_printf(m, c.slice(0, 1));

/** single_open(file, show, data): file->private_data becomes the seq_file. */
export const single_open = (file: File, show: (m: SeqFile, v: unknown) => number, data: unknown): number => {
  file.private_data = new SeqFile(show, data);
  return 0;
};

/** single_release(inode, file) */
export const single_release = (_inode: Inode, file: File): number => {
  file.private_data = null;
  return 0;
};

/** seq_read(file, buf, size, ppos): generated text from *ppos; 0 at the end; EFAULT if nothing copied. */
export const seq_read = (file: File, buf: UserPtr, size: number, ppos: LoffT): number => {
  const m = file.private_data as SeqFile;
  if (!m.filled || ppos.value === 0) {
    m.count = 0;
    const err = m.show(m, m.private_);
    if (err < 0) return err;
    m.filled = true;
  }
  const pos = ppos.value;
  if (pos >= m.count || size === 0) return 0;
  const n = Math.min(size, m.count - pos);
  const left = copy_to_user(buf, m.buf.subarray(pos, m.count), n);
  if (left === n) return -ERRNO.EFAULT;
  ppos.value = pos + (n - left);
  return n - left;
};

/** seq_lseek(file, offset, whence): SEEK_SET and SEEK_CUR only; a negative result is EINVAL. */
export const seq_lseek = (file: File, offset: number, whence: number): number => {
  if (whence === SEEK_CUR) offset += file.f_pos;
  else if (whence !== SEEK_SET) return -ERRNO.EINVAL;
  if (offset < 0) return -ERRNO.EINVAL;
  file.f_pos = offset;
  return offset;
};
