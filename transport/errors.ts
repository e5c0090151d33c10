// The one error of the socket API: a syscall failed with an errno. Both layers (sim and kernel)
// raise exactly this, so a program's error handling does not depend on where it runs.
import { Data } from "effect";
import { errnoName } from "../kernel-model/uapi/index.js";

/** A short description per errno a netlink program meets (strerror); others print the name only. */
export const STRERROR: Readonly<Record<string, string>> = {
  EPERM: "Operation not permitted",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EINVAL: "Invalid argument",
  EINTR: "Interrupted system call",
  ENODATA: "No data available",
  ENOBUFS: "No buffer space available",
  EMSGSIZE: "Message too long",
  ENOPROTOOPT: "Protocol not available",
  EPROTONOSUPPORT: "Protocol not supported",
  ESOCKTNOSUPPORT: "Socket type not supported",
  EOPNOTSUPP: "Operation not supported",
  EADDRINUSE: "Address already in use",
  ECONNREFUSED: "Connection refused",
  ESRCH: "No such process",
  ENOENT: "No such file or directory",
  EEXIST: "File exists",
  ENODEV: "No such device",
  ERANGE: "Numerical result out of range",
  EACCES: "Permission denied",
  EIO: "Input/output error",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  ENOSPC: "No space left on device",
  ESPIPE: "Illegal seek",
  ENOTSOCK: "Socket operation on non-socket",
  EAFNOSUPPORT: "Address family not supported by protocol",
};

/**
 * A failed syscall: `errno` is the name ("ENOBUFS"), `code` the positive number (105), `syscall`
 * the call that failed ("recvmsg"). Catch it with `Effect.catchTag("NetlinkError", ...)`.
 */
export class NetlinkError extends Data.TaggedError("NetlinkError")<{
  readonly errno: string;
  readonly code: number;
  readonly syscall: string;
  readonly message: string;
}> {
  /** From a syscall's negative (or positive) errno number. */
  static fromErrno(syscall: string, errno: number): NetlinkError {
    const code = Math.abs(errno);
    const name = errnoName(code) ?? `E${code}`;
    const text = STRERROR[name];
    return new NetlinkError({
      errno: name,
      code,
      syscall,
      message: text === undefined ? `${syscall}: ${name}` : `${syscall}: ${name} (${text})`,
    });
  }
}
