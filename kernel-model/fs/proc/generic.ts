// fs/proc/generic.c and include/linux/proc_fs.h: the /proc tree a module adds to. proc_create
// registers a file with a struct proc_ops, proc_mkdir a directory, remove_proc_entry takes either
// away (open files then fail with EIO, as proc_entry_rundown makes them). The tree belongs to the
// running kernel (there is one /proc, not one per network namespace, for what modules create here).

import { need_kernel } from "../../kernel/current.js";
import type { Kernel } from "../../kernel/kernel.js";
import type { UserPtr } from "../../lib/usercopy.js";
import { WARN } from "../../lib/usercopy.js";
import { S_IFDIR, S_IFMT, S_IFREG, S_IRUGO, S_IRWXG, S_IRWXO, S_IRWXU, S_IXUGO } from "../../uapi/index.js";
import type { File, Inode, LoffT } from "../file.js";

/** struct proc_ops (include/linux/proc_fs.h). Every member is optional, as in C. */
export interface ProcOps {
  readonly proc_open?: (inode: Inode, file: File) => number;
  readonly proc_read?: (file: File, buf: UserPtr, count: number, ppos: LoffT) => number;
  readonly proc_write?: (file: File, buf: UserPtr, count: number, ppos: LoffT) => number;
  /** without it lseek(2) fails with ESPIPE (proc_reg_open clears FMODE_LSEEK, 5.12+) */
  readonly proc_lseek?: (file: File, offset: number, whence: number) => number;
  readonly proc_release?: (inode: Inode, file: File) => number;
}

/** struct proc_dir_entry */
export class ProcDirEntry {
  readonly subdir = new Map<string, ProcDirEntry>();
  /** proc_set_size */
  size = 0;
  /** proc_set_user */
  uid = 0;
  gid = 0;
  /** remove_proc_entry ran: the entry is gone from the tree, open files get EIO */
  removed = false;
  /** files open on it (pde_openers), released at removal */
  readonly openers = new Set<File>();
  constructor(
    readonly name: string,
    readonly mode: number,
    readonly parent: ProcDirEntry | null,
    readonly proc_ops: ProcOps | null,
    /** the `data` of proc_create_data, pde_data(inode) */
    readonly data: unknown,
  ) {}
  get is_dir(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
  /** the path below /proc, for messages */
  get path(): string {
    return this.parent === null || this.parent.parent === null ? this.name : `${this.parent.path}/${this.name}`;
  }
}

const roots = new WeakMap<Kernel, ProcDirEntry>();

/** proc_root: the running kernel's /proc (made on first use). */
export const proc_root_of = (k: Kernel): ProcDirEntry => {
  let r = roots.get(k);
  if (r === undefined) {
    r = new ProcDirEntry("/proc", S_IFDIR | S_IRUGO | S_IXUGO, null, null, null);
    roots.set(k, r);
  }
  return r;
};

const S_IALLUGO = S_IRWXU | S_IRWXG | S_IRWXO | 0o7000;

/** proc_register: link `dp` under its parent; a duplicate name is a WARN and NULL. */
const proc_register = (dir: ProcDirEntry, dp: ProcDirEntry): ProcDirEntry | null => {
  if (dir.removed) return null;
  if (dir.subdir.has(dp.name)) {
    WARN("proc_register", "fs/proc/generic.c:377", `proc_dir_entry '${dir.path}/${dp.name}' already registered`);
    return null;
  }
  dir.subdir.set(dp.name, dp);
  return dp;
};

/**
 * proc_create_data(name, mode, parent, proc_ops, data): a file under `parent` (null: /proc).
 * A mode without a type is S_IFREG; without permission bits it is S_IRUGO (0444).
 */
export const proc_create_data = (
  name: string,
  mode: number,
  parent: ProcDirEntry | null,
  proc_ops: ProcOps,
  data: unknown,
): ProcDirEntry | null => {
  const dir = parent ?? proc_root_of(need_kernel("proc_create"));
  if ((mode & S_IFMT) === 0) mode |= S_IFREG;
  if ((mode & S_IALLUGO) === 0) mode |= S_IRUGO;
  if ((mode & S_IFMT) !== S_IFREG) {
    WARN("proc_create_reg", "fs/proc/generic.c:565", "WARN_ON_ONCE(!S_ISREG(mode))");
    return null;
  }
  if (name.length === 0 || name.includes("/") || name === "." || name === "..") return null;
  return proc_register(dir, new ProcDirEntry(name, mode, dir, proc_ops, data));
};

/** proc_create(name, mode, parent, proc_ops) */
export const proc_create = (
  name: string,
  mode: number,
  parent: ProcDirEntry | null,
  proc_ops: ProcOps,
): ProcDirEntry | null => proc_create_data(name, mode, parent, proc_ops, null);

/** proc_mkdir(name, parent): a directory (dr-xr-xr-x). */
export const proc_mkdir = (name: string, parent: ProcDirEntry | null): ProcDirEntry | null => {
  const dir = parent ?? proc_root_of(need_kernel("proc_mkdir"));
  if (name.length === 0 || name.includes("/")) return null;
  return proc_register(dir, new ProcDirEntry(name, S_IFDIR | S_IRUGO | S_IXUGO, dir, null, null));
};

/** proc_set_size(de, size): what SEEK_END and stat see */
export const proc_set_size = (de: ProcDirEntry, size: number): void => {
  de.size = size;
};

/** pde_data(inode): proc_create_data's `data` */
export const pde_data = (inode: Inode): unknown => inode.pde.data;

/** proc_entry_rundown: open files are released now; their later reads and writes get EIO. */
const proc_entry_rundown = (de: ProcDirEntry): void => {
  de.removed = true;
  for (const f of [...de.openers]) {
    if (!f.released) {
      f.released = true;
      de.proc_ops?.proc_release?.(f.f_inode, f);
    }
  }
  de.openers.clear();
  for (const c of de.subdir.values()) proc_entry_rundown(c);
};

/**
 * remove_proc_entry(name, parent): unlink and run down the entry. A name that is not there is a
 * WARN ("name 'x'"); a directory with entries left is removed with a WARN, as the kernel does.
 */
export const remove_proc_entry = (name: string, parent: ProcDirEntry | null): void => {
  const dir = parent ?? proc_root_of(need_kernel("remove_proc_entry"));
  const de = dir.subdir.get(name);
  if (de === undefined) {
    WARN("remove_proc_entry", "fs/proc/generic.c:710", `name '${name}'`);
    return;
  }
  dir.subdir.delete(name);
  if (de.subdir.size > 0) {
    WARN(
      "remove_proc_entry",
      "fs/proc/generic.c:722",
      `removing non-empty directory '${de.path}', leaking at least '${[...de.subdir.keys()][0]}'`,
    );
  }
  proc_entry_rundown(de);
};

/** proc_remove(de): remove_proc_entry by pointer (a directory with everything in it: remove_proc_subtree). */
export const proc_remove = (de: ProcDirEntry | null): void => {
  if (de === null || de.removed || de.parent === null) return;
  de.parent.subdir.delete(de.name);
  proc_entry_rundown(de);
};

/** The entry at a path below /proc ("netlink_exam_buffer", "a/b"), or undefined. */
export const proc_lookup_path = (root: ProcDirEntry, rel: ReadonlyArray<string>): ProcDirEntry | undefined => {
  let de: ProcDirEntry | undefined = root;
  for (const part of rel) {
    if (de === undefined || !de.is_dir) return undefined;
    if (part === "." || part === "") continue;
    if (part === "..") {
      de = de.parent ?? de;
      continue;
    }
    de = de.subdir.get(part);
  }
  return de;
};
