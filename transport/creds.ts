// Credentials as an Effect service, beside Netlink, Procfs and InetRaw: run part of a program as
// another user (an unprivileged client after a root one), as a scenario's `uid`/`caps` steps do.
// The sim layer (transport/sim-files.ts) switches the simulated process's cred; the kernel layer
// (transport/kernel-files.ts) calls setresgid/setresuid and capset through native/.
//
// Contract every layer implements
// - `asUser(cred, effect)` runs `effect` with uid and gid `cred.uid`/`cred.gid` (real and
//   effective; the saved uid stays 0, so the way back stays open) and the effective capabilities
//   `cred.caps` (default: every capability for uid 0, none for any other uid, as after
//   setresuid), then restores the process's own credentials, whether `effect` succeeds or fails.
// - The switch is the process's (the kernel's credentials are per thread for capabilities and
//   per process for ids): a program runs one `asUser` at a time.
// - A failed switch (not root, say) is a CredError with the errno and the syscall.
import { Context, Data, type Effect } from "effect";
import { errnoFields } from "./syscall-error.js";

/** Whom to run as: uid, gid (default: the uid) and effective capabilities (CAP_* numbers). */
export interface Cred {
  readonly uid: number;
  readonly gid?: number;
  readonly caps?: ReadonlyArray<number>;
}

/** A credential switch failed (setresuid, setresgid or capset). */
export class CredError extends Data.TaggedError("CredError")<{
  readonly errno: string;
  readonly code: number;
  readonly syscall: string;
  readonly message: string;
}> {
  static fromErrno(syscall: string, errno: number): CredError {
    return new CredError(errnoFields(syscall, errno));
  }
  /** A cred the layers refuse before any syscall (checkCred's reason). */
  static invalid(reason: string): CredError {
    return new CredError({ ...errnoFields("setresuid", 22), message: `asUser: ${reason}` });
  }
}

export interface CredsService {
  /** Runs `effect` as `cred`, then as the process's own credentials again. */
  readonly asUser: <A, E, R>(cred: Cred, effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | CredError, R>;
}

/** The credential-switching service. */
export class Creds extends Context.Service<Creds, CredsService>()("nlsim/transport/Creds") {}

/** A cred's checks: ids and capability numbers must be what setresuid and capset accept. */
export const checkCred = (cred: Cred): string | undefined => {
  const id = (n: number) => Number.isInteger(n) && n >= 0 && n < 0xffffffff;
  if (!id(cred.uid)) return `uid ${cred.uid}: not a user id`;
  if (cred.gid !== undefined && !id(cred.gid)) return `gid ${cred.gid}: not a group id`;
  const bad = cred.caps?.find((c) => !Number.isInteger(c) || c < 0 || c > 63);
  return bad === undefined ? undefined : `capability ${bad}: not a CAP_* number`;
};
