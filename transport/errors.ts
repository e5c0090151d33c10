// The one error of the socket API: a syscall failed with an errno. Both layers (sim and kernel)
// raise exactly this, so a program's error handling does not depend on where it runs.
import { Data } from "effect";
import { errnoMessage, errnoName, STRERROR_TEXT } from "../kernel-model/uapi/index.js";

/** A short description per errno a netlink program meets (strerror); others print the name only. */
export const STRERROR: Readonly<Record<string, string>> = STRERROR_TEXT;

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
    return new NetlinkError({ errno: name, code, syscall, message: errnoMessage(syscall, code) });
  }
}
