// include/linux/uaccess.h, lib/usercopy.c and include/linux/thread_info.h (check_copy_size): how
// kernel code touches user memory. A `void __user *` is a UserPtr: a place in one user mapping (the
// calling process's buffer) or an address with nothing mapped (NULL, a freed or short buffer).
// copy_to_user / copy_from_user return the number of bytes NOT copied, as in C: 0 is success; a
// fault part-way copies what it can (copy_from_user zero-fills the rest of the destination).
//
// Sizes are size_t: a negative `n` is what C's unsigned arithmetic makes of it (-1 is ULONG_MAX),
// so a module's `count = len - 1` with len 0 behaves here as it does in the kernel.
import { this_kernel } from "../kernel/current.js";
import { might_sleep } from "../kernel/gfp.js";
import { KERN_WARNING } from "../kernel/printk.js";

/** A `void __user *`: `mem` is the user mapping it points into (null: nothing mapped), `off` the offset. */
export class UserPtr {
  constructor(
    readonly mem: Uint8Array | null,
    readonly off = 0,
  ) {}
  /** `ptr + n` */
  add(n: number): UserPtr {
    return new UserPtr(this.mem, this.off + n);
  }
  /** how many bytes from here are mapped (0 for NULL or past the mapping) */
  get mapped(): number {
    if (this.mem === null || this.off < 0 || this.off > this.mem.length) return 0;
    return this.mem.length - this.off;
  }
}

/** A user pointer to `mem` (the whole buffer mapped). */
export const user_ptr = (mem: Uint8Array): UserPtr => new UserPtr(mem, 0);
/** NULL as a `void __user *` */
export const USER_NULL = new UserPtr(null, 0);

const INT_MAX = 0x7fffffff;

/** size_t as C prints it (%zu): a negative number is its 64-bit two's complement. */
export const size_t_str = (n: number): string => (n < 0 ? BigInt.asUintN(64, BigInt(n)).toString() : String(n));

/**
 * WARN(1, ...): the "cut here" report, a printk at KERN_WARNING and a "bug" trace event. An empty
 * `msg` is WARN_ON's report (no message line).
 */
export const WARN = (fn: string, at: string, msg: string): void => {
  const k = this_kernel();
  if (k === undefined) return;
  const cur = k.host.current();
  k.printk(`${KERN_WARNING}------------[ cut here ]------------`);
  if (msg !== "") k.printk(`${KERN_WARNING}${msg}`);
  k.printk(`${KERN_WARNING}WARNING: CPU: 0 PID: ${cur?.pid ?? 0} at ${at} ${fn}`);
  k.host.record({ kind: "bug", bug: "WARNING", fn, at, msg, comm: cur?.comm ?? "swapper/0", pid: cur?.pid ?? 0 });
};

/**
 * A kernel object the compiler cannot size: `kernel_buf + off` with `off` known only at run time
 * (__builtin_object_size gives -1). check_copy_size then checks only `bytes > INT_MAX`, and its
 * WARN_ON_ONCE, inlined, names `caller`: the function that called copy_*_user.
 */
export class UnsizedObject {
  constructor(
    readonly bytes: Uint8Array,
    readonly caller: string,
  ) {}
}

/** `obj + off` with a run-time `off` (see UnsizedObject); `caller` as the kernel's WARNING line names it. */
export const runtime_offset = (obj: Uint8Array, off: number, caller: string): UnsizedObject =>
  new UnsizedObject(obj.subarray(Math.max(0, Math.min(off, obj.length))), caller);

/** the call sites whose WARN_ON_ONCE(bytes > INT_MAX) has fired, per kernel */
const warnedOnce = new WeakMap<object, Set<string>>();

/**
 * check_copy_size(addr, bytes, is_source): the kernel object is `objsize` bytes (what
 * __builtin_object_size knows of it; -1 when it knows nothing). A copy larger than a known object
 * is refused with __copy_overflow's "Buffer overflow detected (%d < %zu)!" (nothing is copied: the
 * caller sees every byte "not copied"); so is one above INT_MAX, with WARN_ON_ONCE's report (no
 * message; `caller` is where the inlined check sits). Both as Debian's 6.1.192 prints them
 * (kmod/harness's guest, procfs --mode buggy); the copy's direction is in neither.
 */
export const check_copy_size = (
  objsize: number,
  bytes: number,
  _is_source: boolean,
  caller = "check_copy_size",
): boolean => {
  if (objsize >= 0 && (bytes < 0 || objsize < bytes)) {
    WARN("__copy_overflow", "mm/maccess.c:228", `Buffer overflow detected (${objsize} < ${size_t_str(bytes)})!`);
    return false;
  }
  if (bytes < 0 || bytes > INT_MAX) {
    // WARN_ON_ONCE: one report per call site and boot (the kernel's own static flag)
    const k = this_kernel();
    if (k !== undefined) {
      const warned = warnedOnce.get(k) ?? new Set<string>();
      warnedOnce.set(k, warned);
      if (!warned.has(caller)) {
        warned.add(caller);
        WARN(caller, "include/linux/thread_info.h:233", "");
      }
    }
    return false;
  }
  return true;
};

/** __might_fault: touching user memory may sleep (a page fault), a bug in atomic context. */
const might_fault = (): void => might_sleep("mm/memory.c", 6145, "__might_fault");

/**
 * copy_to_user(to, from, n): copy `n` bytes of the kernel object `from` to user memory. Returns the
 * bytes not copied (0: all of them).
 */
export const copy_to_user = (to: UserPtr, src: Uint8Array | UnsizedObject, n: number): number => {
  const sized = src instanceof Uint8Array;
  const from = sized ? src : src.bytes;
  if (!check_copy_size(sized ? from.length : -1, n, true, sized ? undefined : src.caller)) return n;
  might_fault();
  const done = Math.min(n, to.mapped);
  if (done > 0) to.mem!.set(from.subarray(0, done), to.off);
  return n - done;
};

/**
 * copy_from_user(to, from, n): copy `n` bytes of user memory into the kernel object `to`. Returns
 * the bytes not copied; those bytes of `to` are zeroed (lib/usercopy.c's _copy_from_user).
 */
export const copy_from_user = (to: Uint8Array, from: UserPtr, n: number): number => {
  if (!check_copy_size(to.length, n, false)) return n;
  might_fault();
  const done = Math.min(n, from.mapped);
  if (done > 0) to.set(from.mem!.subarray(from.off, from.off + done), 0);
  to.fill(0, done, n);
  return n - done;
};

/** get_user(x, ptr) for an int: [0, value] or [-EFAULT, 0]. */
export const get_user_int = (ptr: UserPtr): readonly [number, number] => {
  might_fault();
  if (ptr.mapped < 4) return [-14, 0];
  const m = ptr.mem!;
  const o = ptr.off;
  return [0, m[o]! | (m[o + 1]! << 8) | (m[o + 2]! << 16) | (m[o + 3]! << 24)];
};

/** put_user(x, ptr) for an int: 0 or -EFAULT. */
export const put_user_int = (x: number, ptr: UserPtr): number => {
  might_fault();
  if (ptr.mapped < 4) return -14;
  const m = ptr.mem!;
  const o = ptr.off;
  m[o] = x & 0xff;
  m[o + 1] = (x >>> 8) & 0xff;
  m[o + 2] = (x >>> 16) & 0xff;
  m[o + 3] = (x >>> 24) & 0xff;
  return 0;
};

/**
 * __asan_store1(obj, index): what KASAN's compiler instrumentation checks before `obj[index] = v`
 * in C (the C twin has no such line; the compiler puts it there). An index outside the object is
 * reported as "BUG: KASAN: global-out-of-bounds" and the store is skipped: the model reports the
 * corruption the C code would cause instead of causing it. Returns whether the store is in bounds.
 */
export const __asan_store1 = (obj: Uint8Array, index: number, what = "kernel_buf"): boolean => {
  if (index >= 0 && index < obj.length) return true;
  const k = this_kernel();
  if (k !== undefined) {
    const cur = k.host.current();
    const where = index < 0 ? `${-index} bytes to the left` : `${index - obj.length} bytes to the right`;
    k.printk(`\x013BUG: KASAN: global-out-of-bounds in ${what}[${size_t_str(index)}]`);
    k.printk(`\x013Write of size 1 by task ${cur?.comm ?? "swapper/0"}/${cur?.pid ?? 0}`);
    k.printk(`\x013The buggy address is located ${where} of global variable '${what}' of size ${obj.length}`);
    k.host.record({
      kind: "bug",
      bug: "KASAN: global-out-of-bounds",
      fn: "__asan_store1",
      object: what,
      size: obj.length,
      index: size_t_str(index),
      comm: cur?.comm ?? "swapper/0",
      pid: cur?.pid ?? 0,
    });
  }
  return false;
};
