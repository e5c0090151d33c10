// fs/libfs.c: the two helpers a read or write handler over a kernel buffer should use. They do the
// offset arithmetic the seed article's handlers got wrong: stop at the end (0 is EOF), clamp to
// what is left, advance *ppos by what was really copied, and turn a fault into EFAULT only when
// nothing at all was copied.
import { copy_from_user, copy_to_user, type UserPtr } from "../lib/usercopy.js";
import { ERRNO } from "../uapi/index.js";
import type { LoffT } from "./file.js";

/**
 * simple_read_from_buffer(to, count, ppos, from, available): copy from the kernel buffer `from`
 * (its first `available` bytes) at *ppos to user space. Returns the bytes read (0 at EOF) or -errno.
 */
export const simple_read_from_buffer = (
  to: UserPtr,
  count: number,
  ppos: LoffT,
  from: Uint8Array,
  available: number,
): number => {
  const pos = ppos.value;
  if (pos < 0) return -ERRNO.EINVAL;
  if (pos >= available || count === 0) return 0;
  if (count > available - pos) count = available - pos;
  const ret = copy_to_user(to, from.subarray(pos), count);
  if (ret === count) return -ERRNO.EFAULT;
  count -= ret;
  ppos.value = pos + count;
  return count;
};

/**
 * simple_write_to_buffer(to, available, ppos, from, count): copy from user space into the kernel
 * buffer `to` (room for `available` bytes) at *ppos. Returns the bytes written (0 when the buffer
 * is full: a short write) or -errno.
 */
export const simple_write_to_buffer = (
  to: Uint8Array,
  available: number,
  ppos: LoffT,
  from: UserPtr,
  count: number,
): number => {
  const pos = ppos.value;
  if (pos < 0) return -ERRNO.EINVAL;
  if (pos >= available || count === 0) return 0;
  if (count > available - pos) count = available - pos;
  const res = copy_from_user(to.subarray(pos, available), from, count);
  if (res === count) return -ERRNO.EFAULT;
  count -= res;
  ppos.value = pos + count;
  return count;
};
