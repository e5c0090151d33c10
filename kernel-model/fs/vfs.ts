// fs/namei.c, fs/open.c, fs/read_write.c and fs/proc/inode.c: what open/read/write/lseek/close do
// with a /proc path, as far as the model has a file system (only /proc is mounted). Every function
// returns what the syscall returns: a value >= 0 or -errno.

import type { Kernel } from "../kernel/kernel.js";
import type { UserPtr } from "../lib/usercopy.js";
import type { Cred } from "../net/core/sock.js";
import {
  CAPABILITIES,
  ERRNO,
  O_ACCMODE,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from "../uapi/index.js";
import { File, FMODE_LSEEK, FMODE_READ, FMODE_WRITE, type Inode, MAX_RW_COUNT } from "./file.js";
import { type ProcDirEntry, proc_lookup_path, proc_root_of } from "./proc/generic.js";

const MAY_WRITE = 2;
const MAY_READ = 4;

/** generic_permission: owner, group or other bits, then CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH. */
const generic_permission = (cred: Cred, inode: Inode, mask: number): number => {
  const mode = inode.i_mode;
  const bits = cred.uid === inode.i_uid ? (mode >> 6) & 7 : cred.gid === inode.i_gid ? (mode >> 3) & 7 : mode & 7;
  if ((bits & mask) === mask) return 0;
  if (cred.caps.has(CAPABILITIES.CAP_DAC_OVERRIDE)) return 0;
  if (mask === MAY_READ && cred.caps.has(CAPABILITIES.CAP_DAC_READ_SEARCH)) return 0;
  return -ERRNO.EACCES;
};

/** proc_get_inode: the inode of an entry (mode, owner, size). */
const proc_get_inode = (de: ProcDirEntry): Inode => ({
  i_mode: de.mode,
  i_uid: de.uid,
  i_gid: de.gid,
  i_size: de.size,
  pde: de,
});

/**
 * do_filp_open for a path under /proc: lookup (ENOENT, or EACCES when O_CREAT would create: /proc
 * has no create), may_open (EISDIR for a directory opened to write, then the permission bits
 * against `cred`), then proc_reg_open (the entry's proc_open). Returns the struct file or -errno.
 */
export const do_filp_open = (k: Kernel, cred: Cred, path: string, flags: number): File | number => {
  if (!path.startsWith("/")) return -ERRNO.ENOENT; // no cwd in the model: absolute paths only
  const parts = path.split("/").filter((s) => s.length > 0);
  if (parts[0] !== "proc") return -ERRNO.ENOENT; // only /proc is mounted
  const de = proc_lookup_path(proc_root_of(k), parts.slice(1));
  if (de === undefined || de.removed) return (flags & O_CREAT) !== 0 ? -ERRNO.EACCES : -ERRNO.ENOENT;
  if ((flags & O_CREAT) !== 0 && (flags & O_EXCL) !== 0) return -ERRNO.EEXIST;
  const acc = flags & O_ACCMODE;
  if (acc === O_ACCMODE) return -ERRNO.EINVAL;
  const inode = proc_get_inode(de);
  if (de.is_dir) {
    if (acc !== O_RDONLY || (flags & O_CREAT) !== 0) return -ERRNO.EISDIR;
  } else if ((flags & O_DIRECTORY) !== 0) return -ERRNO.ENOTDIR;
  const mask =
    (acc === O_RDONLY || acc === O_RDWR ? MAY_READ : 0) | (acc === O_WRONLY || acc === O_RDWR ? MAY_WRITE : 0);
  const perm = generic_permission(cred, inode, mask);
  if (perm < 0) return perm;
  let f_mode = FMODE_LSEEK;
  if (acc === O_RDONLY || acc === O_RDWR) f_mode |= FMODE_READ;
  if (acc === O_WRONLY || acc === O_RDWR) f_mode |= FMODE_WRITE;
  const file = new File(inode, flags, f_mode, path);
  if (!de.is_dir) {
    const ops = de.proc_ops;
    if (ops?.proc_lseek === undefined) file.f_mode &= ~FMODE_LSEEK; // proc_reg_open (5.12+): lseek is ESPIPE
    const rv = ops?.proc_open?.(inode, file) ?? 0;
    if (rv < 0) return rv;
    de.openers.add(file);
  }
  return file;
};

/** rw_verify_area + the MAX_RW_COUNT clamp: the count a read or write really asks for. */
const rw_count = (count: number): number => Math.min(count, MAX_RW_COUNT);

/**
 * vfs_read(file, buf, count, &pos) through proc_reg_read: EBADF if not open for reading, EISDIR on
 * a directory, EIO once the entry is gone or if it has no proc_read. f_pos moves only on success.
 */
export const vfs_read = (file: File, buf: UserPtr, count: number): number => {
  if ((file.f_mode & FMODE_READ) === 0) return -ERRNO.EBADF;
  if (count < 0) return -ERRNO.EINVAL;
  const de = file.f_inode.pde;
  if (de.is_dir) return -ERRNO.EISDIR;
  if (de.removed || file.released) return -ERRNO.EIO;
  const read = de.proc_ops?.proc_read;
  if (read === undefined) return -ERRNO.EIO;
  const ppos = { value: file.f_pos };
  const ret = read(file, buf, rw_count(count), ppos);
  if (ret >= 0) file.f_pos = ppos.value;
  return ret;
};

/** vfs_write(file, buf, count, &pos) through proc_reg_write: as vfs_read, for writing. */
export const vfs_write = (file: File, buf: UserPtr, count: number): number => {
  if ((file.f_mode & FMODE_WRITE) === 0) return -ERRNO.EBADF;
  if (count < 0) return -ERRNO.EINVAL;
  const de = file.f_inode.pde;
  if (de.is_dir) return -ERRNO.EISDIR;
  if (de.removed || file.released) return -ERRNO.EIO;
  const write = de.proc_ops?.proc_write;
  if (write === undefined) return -ERRNO.EIO;
  const ppos = { value: file.f_pos };
  const ret = write(file, buf, rw_count(count), ppos);
  if (ret >= 0) file.f_pos = ppos.value;
  return ret;
};

/** default_llseek(file, offset, whence): SEEK_SET/CUR/END (END from i_size); negative is EINVAL. */
export const default_llseek = (file: File, offset: number, whence: number): number => {
  switch (whence) {
    case SEEK_END:
      offset += file.f_inode.pde.size;
      break;
    case SEEK_CUR:
      if (offset === 0) return file.f_pos;
      offset += file.f_pos;
      break;
    case SEEK_SET:
      break;
    default:
      return -ERRNO.EINVAL;
  }
  if (offset < 0) return -ERRNO.EINVAL;
  file.f_pos = offset;
  return offset;
};

/** vfs_llseek through proc_reg_llseek: ESPIPE without proc_lseek, EIO once the entry is gone. */
export const vfs_llseek = (file: File, offset: number, whence: number): number => {
  if ((file.f_mode & FMODE_LSEEK) === 0) return -ERRNO.ESPIPE;
  const de = file.f_inode.pde;
  if (de.is_dir) return default_llseek(file, offset, whence);
  if (de.removed || file.released) return -ERRNO.EIO;
  return de.proc_ops!.proc_lseek!(file, offset, whence);
};

/** filp_close / __fput: proc_reg_release runs the entry's proc_release (once). */
export const filp_close = (file: File): number => {
  const de = file.f_inode.pde;
  de.openers.delete(file);
  if (!file.released) {
    file.released = true;
    if (!de.is_dir) de.proc_ops?.proc_release?.(file.f_inode, file);
  }
  return 0;
};
