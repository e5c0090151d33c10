// The shape NetlinkError has (errno name, number, syscall, strerror message), for the services
// beside Netlink: ProcfsError (files under /proc) and InetError (AF_INET sockets). Each service
// fails with its own tag, so `Effect.catchTag` says which boundary failed.
import { errnoName } from "../kernel-model/uapi/index.js";
import { STRERROR } from "./errors.js";

export interface ErrnoFields {
  readonly errno: string;
  readonly code: number;
  readonly syscall: string;
  readonly message: string;
}

/** errno name, number and "syscall: ENAME (text)" from a negative (or positive) errno. */
export const errnoFields = (syscall: string, errno: number, what?: string): ErrnoFields => {
  const code = Math.abs(errno);
  const name = errnoName(code) ?? `E${code}`;
  const text = STRERROR[name];
  const head = what === undefined ? syscall : `${syscall} ${what}`;
  return {
    errno: name,
    code,
    syscall,
    message: text === undefined ? `${head}: ${name}` : `${head}: ${name} (${text})`,
  };
};
