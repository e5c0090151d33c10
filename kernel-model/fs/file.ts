// include/linux/fs.h: struct inode and struct file as far as /proc files need them, and loff_t *.
import type { ProcDirEntry } from "./proc/generic.js";

// f_mode bits (include/linux/fs.h)
export const FMODE_READ = 0x1;
export const FMODE_WRITE = 0x2;
export const FMODE_LSEEK = 0x4;

/** MAX_RW_COUNT: INT_MAX & PAGE_MASK, the most one read/write moves */
export const MAX_RW_COUNT = 0x7ffff000;

/** struct inode: a /proc entry's (proc_get_inode copies the entry's mode, owner and size). */
export interface Inode {
  readonly i_mode: number;
  readonly i_uid: number;
  readonly i_gid: number;
  readonly i_size: number;
  /** PDE(inode) */
  readonly pde: ProcDirEntry;
}

/** `loff_t *ppos`: handlers read and advance `ppos.value` (C's `*ppos`). */
export interface LoffT {
  value: number;
}

/** struct file */
export class File {
  /** file->f_pos */
  f_pos = 0;
  /** file->private_data (seq_file's struct seq_file, a module's own state) */
  private_data: unknown = null;
  /** set once proc_release has run (close, or the entry's removal) */
  released = false;
  constructor(
    readonly f_inode: Inode,
    readonly f_flags: number,
    public f_mode: number,
    /** the path it was opened by (for traces) */
    readonly f_path: string,
  ) {}
}

/** file_inode(file) */
export const file_inode = (file: File): Inode => file.f_inode;
