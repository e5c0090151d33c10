// /proc through the VFS calls a process makes (sim/files.ts over kernel-model/fs): offsets, short
// reads, EOF, permissions from the entry's mode, EIO/ESPIPE/EISDIR/ENOENT, seq_file, and the
// copy_*_user contract (bytes not copied, zero fill, check_copy_size).
import { describe, expect, it } from "vitest";
import { SimFiles } from "../../sim/files.js";
import { spawnProcess } from "../../sim/process.js";
import { World } from "../../sim/world.js";
import { dmesg } from "../kernel/printk.js";
import { copy_from_user, copy_to_user, USER_NULL, UserPtr, user_ptr } from "../lib/usercopy.js";
import { ERRNO, O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET } from "../uapi/index.js";
import { simple_read_from_buffer, simple_write_to_buffer } from "./libfs.js";
import { proc_create, proc_mkdir, remove_proc_entry } from "./proc/generic.js";
import { seq_lseek, seq_printf, seq_read, single_open, single_release } from "./seq_file.js";
import { default_llseek } from "./vfs.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A world with /proc/demo (0644, 16-byte buffer, simple_* handlers) and a process's file table. */
const setup = (opts: { uid?: number } = {}) => {
  const w = new World({ seed: 1 });
  const buf = new Uint8Array(16);
  let len = 0;
  w.insmod(() => {
    buf.set(enc.encode("0123456789"));
    len = 10;
    proc_create("demo", 0o644, null, {
      proc_read: (_f, u, count, ppos) => simple_read_from_buffer(u, count, ppos, buf, len),
      proc_write: (_f, u, count, ppos) => {
        const n = simple_write_to_buffer(buf, buf.length, ppos, u, count);
        if (n > 0) len = Math.max(len, ppos.value);
        return n;
      },
      proc_lseek: default_llseek,
    });
    proc_create("nolseek", 0o444, null, { proc_read: () => 0 });
    const dir = proc_mkdir("dir", null);
    proc_create("inner", 0, dir, {
      proc_open: (_i, f) =>
        single_open(
          f,
          (m) => {
            seq_printf(m, "seq says hi\n");
            return 0;
          },
          null,
        ),
      proc_read: seq_read,
      proc_lseek: seq_lseek,
      proc_release: single_release,
    });
  });
  const p = spawnProcess(w, { name: "t", uid: opts.uid ?? 0 }, async () => {});
  return { w, f: SimFiles.of(p), buf, text: () => dec.decode(buf.subarray(0, len)) };
};

describe("procfs through open/read/write/lseek/close", () => {
  it("reads with offsets: short reads, EOF as 0, lseek SET/CUR/END", () => {
    const { f } = setup();
    const fd = f.open("/proc/demo", O_RDONLY);
    expect(fd).toBe(3);
    expect(dec.decode(f.read(fd, 4).data)).toBe("0123");
    expect(dec.decode(f.read(fd, 4).data)).toBe("4567");
    expect(f.read(fd, 100)).toMatchObject({ ret: 2 });
    expect(f.read(fd, 100).ret).toBe(0);
    expect(f.lseek(fd, -3, SEEK_CUR)).toBe(7);
    expect(dec.decode(f.read(fd, 100).data)).toBe("789");
    expect(f.lseek(fd, -1, SEEK_SET)).toBe(-ERRNO.EINVAL);
    expect(f.lseek(fd, 0, SEEK_END)).toBe(0); // i_size of a proc entry is 0 unless proc_set_size
    expect(f.close(fd)).toBe(0);
    expect(f.read(fd, 1).ret).toBe(-ERRNO.EBADF);
  });

  it("writes at the file offset; a write past the buffer is short, then 0", () => {
    const { f, text } = setup();
    const fd = f.open("/proc/demo", O_RDWR);
    expect(f.lseek(fd, 8, SEEK_SET)).toBe(8);
    expect(f.write(fd, enc.encode("abcdefghij"))).toBe(8); // 16-byte buffer: 8 fit
    expect(f.write(fd, enc.encode("x"))).toBe(0);
    expect(text()).toBe("01234567abcdefgh");
  });

  it("copy faults: a NULL buffer is EFAULT, a buffer ending at an unmapped page is a short read", () => {
    const { f } = setup();
    const fd = f.open("/proc/demo", O_RDWR);
    expect(f.read(fd, 10, 0).ret).toBe(-ERRNO.EFAULT);
    expect(f.read(fd, 10, 3)).toMatchObject({ ret: 3 });
    expect(f.write(fd, null, 5)).toBe(-ERRNO.EFAULT);
    expect(f.write(fd, enc.encode("ab"), 5)).toBe(2); // 2 mapped of 5 claimed
  });

  it("takes permissions from the entry's mode: EACCES for others, root's DAC override, EIO without a handler", () => {
    const user = setup({ uid: 1000 });
    expect(user.f.open("/proc/demo", O_WRONLY)).toBe(-ERRNO.EACCES);
    expect(user.f.open("/proc/demo", O_RDONLY)).toBeGreaterThan(0);
    const root = setup();
    const fd = root.f.open("/proc/nolseek", O_WRONLY);
    expect(fd).toBeGreaterThan(0);
    expect(root.f.write(fd, enc.encode("x"))).toBe(-ERRNO.EIO);
    expect(root.f.lseek(fd, 0, SEEK_SET)).toBe(-ERRNO.ESPIPE);
  });

  it("answers ENOENT, EACCES for O_CREAT, EISDIR for a directory, EIO after remove_proc_entry", () => {
    const { w, f } = setup();
    expect(f.open("/proc/nope", O_RDONLY)).toBe(-ERRNO.ENOENT);
    expect(f.open("/etc/passwd", O_RDONLY)).toBe(-ERRNO.ENOENT);
    expect(f.open("/proc/nope", O_CREAT | O_WRONLY)).toBe(-ERRNO.EACCES);
    expect(f.open("/proc/dir", O_WRONLY)).toBe(-ERRNO.EISDIR);
    const d = f.open("/proc/dir", O_RDONLY);
    expect(f.read(d, 10).ret).toBe(-ERRNO.EISDIR);
    const fd = f.open("/proc/demo", O_RDONLY);
    w.insmod(() => remove_proc_entry("demo", null), "rmmod");
    expect(f.read(fd, 10).ret).toBe(-ERRNO.EIO);
    expect(f.open("/proc/demo", O_RDONLY)).toBe(-ERRNO.ENOENT);
  });

  it("serves a single_open seq_file, regenerated after a seek to 0", () => {
    const { f } = setup();
    const fd = f.open("/proc/dir/inner", O_RDONLY);
    expect(dec.decode(f.read(fd, 5).data)).toBe("seq s");
    expect(dec.decode(f.read(fd, 100).data)).toBe("ays hi\n");
    expect(f.read(fd, 100).ret).toBe(0);
    expect(f.lseek(fd, 0, SEEK_SET)).toBe(0);
    expect(dec.decode(f.read(fd, 100).data)).toBe("seq says hi\n");
    expect(f.lseek(fd, 0, SEEK_END)).toBe(-ERRNO.EINVAL);
  });

  it("records every call in the trace", () => {
    const { w, f } = setup();
    const fd = f.open("/proc/demo", O_RDONLY);
    f.read(fd, 2);
    const calls = w.trace
      .snapshot()
      .events.filter((e) => e.kind === "syscall")
      .map((e) => `${String(e.call)}=${String(e.ret)}`);
    expect(calls).toEqual(["open=3", "read=2"]);
  });
});

describe("copy_to_user / copy_from_user", () => {
  it("return the bytes not copied and zero-fill the rest of the destination", () => {
    const dst = new Uint8Array(8).fill(0xff);
    expect(copy_from_user(dst, new UserPtr(Uint8Array.of(1, 2, 3)), 6)).toBe(3);
    expect([...dst]).toEqual([1, 2, 3, 0, 0, 0, 0xff, 0xff]);
    expect(copy_from_user(dst, USER_NULL, 2)).toBe(2);
    const out = new Uint8Array(2);
    expect(copy_to_user(user_ptr(out), Uint8Array.of(9, 9, 9), 3)).toBe(1);
    expect([...out]).toEqual([9, 9]);
  });

  it("refuse a copy larger than the kernel object (check_copy_size) with the kernel's WARN", () => {
    const w = new World({ seed: 1 });
    const r = w.insmod(() => copy_from_user(new Uint8Array(128), user_ptr(new Uint8Array(200)), 200));
    expect(r).toBe(200);
    expect(dmesg(w.kernel).join("\n")).toContain("Buffer overflow detected (128 < 200)!");
    const bugs = w.trace.snapshot().events.filter((e) => e.kind === "bug");
    expect(bugs.map((b) => b.fn)).toEqual(["__copy_overflow"]);
  });
});
