// The files of a simulated process that are not netlink sockets: /proc files (open/read/write/
// lseek/close through kernel-model/fs) and AF_INET sockets (socket/setsockopt/getsockopt/close
// through kernel-model/net/ipv4, where nf_sockopt lives). Each call is one syscall: it returns
// what the kernel returns (a value >= 0 or -errno) and is recorded in the trace like SimProcess's.
//
// User buffers: a call gets the user's bytes as a Uint8Array (the mapping the kernel copies to or
// from). A buffer shorter than the count the call claims models a buffer that ends at an unmapped
// page; `null` models a NULL pointer. Both make copy_to_user / copy_from_user fault as in C.

import type { File } from "../kernel-model/fs/file.js";
import { do_filp_open, filp_close, vfs_llseek, vfs_read, vfs_write } from "../kernel-model/fs/vfs.js";
import { kernel_enter } from "../kernel-model/kernel/current.js";
import { UserPtr } from "../kernel-model/lib/usercopy.js";
import {
  type InetSock,
  inet_create,
  inet_getsockopt,
  inet_release,
  inet_setsockopt,
} from "../kernel-model/net/ipv4/af_inet.js";
import { AF_INET, ERRNO, toHex } from "../kernel-model/uapi/index.js";
import type { SimProcess, SysRet } from "./process.js";

const tables = new WeakMap<SimProcess, SimFiles>();

const userMem = (data: Uint8Array | null): UserPtr => new UserPtr(data, 0);

export class SimFiles {
  private readonly files = new Map<number, File>();
  private readonly socks = new Map<number, InetSock>();

  private constructor(readonly p: SimProcess) {
    p.exitHooks.push(() => this.exitFiles());
  }

  /** The table of `p` (made on first use). */
  static of(p: SimProcess): SimFiles {
    let t = tables.get(p);
    if (t === undefined) {
      t = new SimFiles(p);
      tables.set(p, t);
    }
    return t;
  }

  /** Runs kernel code with the world's kernel installed (a test may call outside a task). */
  private k<A>(f: () => A): A {
    return kernel_enter(this.p.world.kernel, f);
  }

  private trace(call: string, detail: Record<string, string | number | boolean | null>, ret: number): number {
    return this.p.world.syscall(this.p.pid, call, detail, ret);
  }

  /** open(path, flags): a /proc path (only /proc is mounted). */
  open(path: string, flags: number): SysRet {
    const r = this.k(() => do_filp_open(this.p.world.kernel, this.p.cred, path, flags));
    if (typeof r === "number") return this.trace("open", { path, flags }, r);
    const fd = this.p.allocFd();
    this.files.set(fd, r);
    return this.trace("open", { path, flags }, fd);
  }

  /**
   * read(fd, buf, count) into a fresh buffer of `count` bytes of which the first `mapped` are
   * mapped (default: all; 0: a NULL pointer). `data` is the buffer's first `ret` bytes.
   */
  read(fd: number, count: number, mapped = count): { ret: SysRet; data: Uint8Array } {
    const f = this.files.get(fd);
    if (f === undefined) return { ret: this.trace("read", { fd, count }, -ERRNO.EBADF), data: new Uint8Array(0) };
    const mem = mapped > 0 ? new Uint8Array(Math.min(mapped, count)) : null;
    const pos = f.f_pos;
    const ret = this.k(() => vfs_read(f, userMem(mem), count));
    const data = ret > 0 && mem !== null ? mem.slice(0, ret) : new Uint8Array(0);
    this.trace("read", { fd, count, pos, pos_out: f.f_pos, data: ret > 0 ? toHex(data) : null }, ret);
    return { ret, data };
  }

  /** write(fd, buf, count): `data` is the mapped part of the buffer (null: NULL); count defaults to its length. */
  write(fd: number, data: Uint8Array | null, count = data?.length ?? 0): SysRet {
    const f = this.files.get(fd);
    if (f === undefined) return this.trace("write", { fd, count }, -ERRNO.EBADF);
    const pos = f.f_pos;
    const ret = this.k(() => vfs_write(f, userMem(data), count));
    return this.trace(
      "write",
      { fd, count, pos, pos_out: f.f_pos, data: data === null ? null : toHex(data.subarray(0, count)) },
      ret,
    );
  }

  /** lseek(fd, offset, whence) */
  lseek(fd: number, offset: number, whence: number): SysRet {
    const f = this.files.get(fd);
    if (f === undefined) return this.trace("lseek", { fd, offset, whence }, -ERRNO.EBADF);
    return this.trace(
      "lseek",
      { fd, offset, whence },
      this.k(() => vfs_llseek(f, offset, whence)),
    );
  }

  /** socket(AF_INET, type, protocol) */
  socket(family: number, type: number, protocol: number): SysRet {
    if (family !== AF_INET) return this.trace("socket", { family, type, protocol }, -ERRNO.EAFNOSUPPORT);
    const r = this.k(() => inet_create(this.p.cred, type, protocol));
    if (typeof r === "number") return this.trace("socket", { family, type, protocol }, r);
    const fd = this.p.allocFd();
    this.socks.set(fd, r);
    return this.trace("socket", { family, type, protocol }, fd);
  }

  /** setsockopt(fd, level, name, optval, optlen): `value` is the mapped optval (null: NULL). */
  setsockopt(fd: number, level: number, name: number, value: Uint8Array | null, optlen = value?.length ?? 0): SysRet {
    const sk = this.socks.get(fd);
    const detail = { fd, level, name, optlen, value: value === null ? null : toHex(value) };
    if (sk === undefined) return this.trace("setsockopt", detail, this.files.has(fd) ? -ERRNO.ENOTSOCK : -ERRNO.EBADF);
    if (optlen < 0) return this.trace("setsockopt", detail, -ERRNO.EINVAL);
    return this.trace(
      "setsockopt",
      detail,
      this.k(() => inet_setsockopt(sk, level, name, userMem(value), optlen)),
    );
  }

  /**
   * getsockopt(fd, level, name, optval, &optlen) with a buffer of `optlen` bytes of which `mapped`
   * are mapped (0: NULL). Returns the call's value, the optlen the kernel left, and the buffer's
   * first min(optlen out, buffer) bytes.
   */
  getsockopt(
    fd: number,
    level: number,
    name: number,
    optlen: number,
    mapped = optlen,
  ): { ret: SysRet; optlen: number; data: Uint8Array } {
    const sk = this.socks.get(fd);
    const detail = { fd, level, name, optlen };
    if (sk === undefined) {
      const ret = this.trace("getsockopt", detail, this.files.has(fd) ? -ERRNO.ENOTSOCK : -ERRNO.EBADF);
      return { ret, optlen, data: new Uint8Array(0) };
    }
    const mem = mapped > 0 ? new Uint8Array(Math.max(0, Math.min(mapped, optlen))) : null;
    const len = { value: optlen };
    const ret = this.k(() => inet_getsockopt(sk, level, name, userMem(mem), len));
    const data =
      ret >= 0 && mem !== null ? mem.slice(0, Math.max(0, Math.min(len.value, mem.length))) : new Uint8Array(0);
    this.trace("getsockopt", { ...detail, optlen_out: len.value, data: ret >= 0 ? toHex(data) : null }, ret);
    return { ret, optlen: len.value, data };
  }

  /** close(fd) of a /proc file or an inet socket (a netlink fd is SimProcess's). */
  close(fd: number): SysRet {
    const f = this.files.get(fd);
    if (f !== undefined) {
      this.files.delete(fd);
      return this.trace(
        "close",
        { fd },
        this.k(() => filp_close(f)),
      );
    }
    const sk = this.socks.get(fd);
    if (sk !== undefined) {
      this.socks.delete(fd);
      return this.trace(
        "close",
        { fd },
        this.k(() => inet_release(sk)),
      );
    }
    return this.trace("close", { fd }, -ERRNO.EBADF);
  }

  /** Whether `fd` is one of this table's. */
  has(fd: number): boolean {
    return this.files.has(fd) || this.socks.has(fd);
  }

  /** exit_files for this table */
  exitFiles(): void {
    for (const fd of [...this.files.keys(), ...this.socks.keys()]) this.close(fd);
  }
}
