// The kernel layers of Procfs, InetRaw and Creds: each method is the real syscall, through native/
// (open/read/write/lseek/close on the real /proc; socket(AF_INET)/setsockopt/getsockopt/close),
// with the contract of transport/procfs.ts and transport/inet.ts. The addon, not node:fs, makes
// the calls: node:fs has no lseek and cannot pass a NULL buffer or one that ends at an unmapped
// page, which is how the examples reach a handler's EFAULT path. None of these calls blocks (a
// /proc handler and a sockopt handler run to completion in the caller), so they are synchronous.
import { Effect, Layer } from "effect";
import { SOCK_RAW } from "../kernel-model/uapi/index.js";
import { isErrno, type NativeCaps, type NativeErrno, type NativeResIds, type NetlinkAddon } from "../native/index.js";
import { CredError, Creds, type CredsService, checkCred } from "./creds.js";
import { InetError, InetRaw, type InetService, type InetSocket } from "./inet.js";
import { KernelUnavailable, loadKernelAddon } from "./kernel.js";
import { optvalBytes } from "./netlink.js";
import { type ProcFile, Procfs, ProcfsError, type ProcfsService } from "./procfs.js";

class KernelProcFile implements ProcFile {
  closed = false;
  constructor(
    readonly fd: number,
    readonly path: string,
  ) {}
}

class KernelInetSocket implements InetSocket {
  closed = false;
  constructor(
    readonly fd: number,
    readonly type: number,
    readonly protocol: number,
  ) {}
}

/** The addon is missing the calls these layers need (built before they were added). */
const missing = (addon: NetlinkAddon): string | undefined =>
  [
    "inetSocket",
    "setsockoptBuf",
    "getsockoptBuf",
    "fileOpen",
    "fileRead",
    "fileWrite",
    "lseek",
    "setresuid",
    "setresgid",
    "getresids",
    "capGet",
    "capSet",
  ].find((f) => typeof (addon as unknown as Record<string, unknown>)[f] !== "function");

/** The Procfs service on the real /proc. */
export const makeKernelProcfs = (addon: NetlinkAddon): ProcfsService => {
  const fail = (syscall: string, e: NativeErrno, path: string) =>
    Effect.fail(ProcfsError.fromErrno(syscall, e.code, path));
  return {
    open: (path, flags = 0) =>
      Effect.acquireRelease(
        Effect.suspend(() => {
          const fd = addon.fileOpen(path, flags);
          return isErrno(fd) ? fail("open", fd, path) : Effect.succeed(new KernelProcFile(fd, path));
        }),
        (f) =>
          Effect.sync(() => {
            if (f.closed) return;
            f.closed = true;
            addon.close(f.fd);
          }),
      ),
    read: (file, count, options) =>
      Effect.suspend(() => {
        const r = addon.fileRead(file.fd, count, options?.mapped ?? count);
        return isErrno(r) ? fail("read", r, file.path) : Effect.succeed(r);
      }),
    write: (file, data, options) =>
      Effect.suspend(() => {
        const r = addon.fileWrite(file.fd, data, options?.count ?? data?.length ?? 0);
        return isErrno(r) ? fail("write", r, file.path) : Effect.succeed(r);
      }),
    lseek: (file, offset, whence) =>
      Effect.suspend(() => {
        const r = addon.lseek(file.fd, offset, whence);
        return isErrno(r) ? fail("lseek", r, file.path) : Effect.succeed(r);
      }),
    close: (file) =>
      Effect.suspend(() => {
        if (file instanceof KernelProcFile) {
          if (file.closed) return fail("close", { errno: "EBADF", code: 9 }, file.path);
          file.closed = true;
        }
        const r = addon.close(file.fd);
        return isErrno(r) ? fail("close", r, file.path) : Effect.void;
      }),
  };
};

/** The InetRaw service on real AF_INET sockets. */
export const makeKernelInetRaw = (addon: NetlinkAddon): InetService => {
  const fail = (syscall: string, e: NativeErrno) => Effect.fail(InetError.fromErrno(syscall, e.code));
  return {
    socket: (protocol, options) =>
      Effect.acquireRelease(
        Effect.suspend(() => {
          const type = options?.type ?? SOCK_RAW;
          const fd = addon.inetSocket(type, protocol);
          return isErrno(fd) ? fail("socket", fd) : Effect.succeed(new KernelInetSocket(fd, type, protocol));
        }),
        (s) =>
          Effect.sync(() => {
            if (s.closed) return;
            s.closed = true;
            addon.close(s.fd);
          }),
      ),
    setsockopt: (socket, level, name, value, options) =>
      Effect.suspend(() => {
        const bytes = optvalBytes(value);
        const r = addon.setsockoptBuf(socket.fd, level, name, bytes, options?.optlen ?? bytes?.length ?? 0);
        return isErrno(r) ? fail("setsockopt", r) : Effect.succeed(r);
      }),
    getsockopt: (socket, level, name, length, options) =>
      Effect.suspend(() => {
        const r = addon.getsockoptBuf(socket.fd, level, name, length, options?.mapped ?? length);
        return isErrno(r) ? fail("getsockopt", r) : Effect.succeed({ data: r.data, optlen: r.optlen });
      }),
    close: (socket) =>
      Effect.suspend(() => {
        if (socket instanceof KernelInetSocket) {
          if (socket.closed) return fail("close", { errno: "EBADF", code: 9 });
          socket.closed = true;
        }
        const r = addon.close(socket.fd);
        return isErrno(r) ? fail("close", r) : Effect.void;
      }),
  };
};

/** What a credential switch does with a call's result: throw the caller's error for an errno. */
export type CredCheck = (syscall: string, r: 0 | NativeErrno) => void;

/**
 * Becomes `uid`/`gid` on the calling thread (where the addon makes every syscall): setresgid and
 * setresuid with the saved uid kept at 0 (the way back stays open), then the effective
 * capabilities `effective(permitted)`, within the permitted set. Shared by the Creds service and
 * the scenario runner's steps (cli/scenario/kernel-api.ts).
 */
export const switchUserNow = (
  addon: NetlinkAddon,
  uid: number,
  gid: number,
  effective: (permitted: bigint) => bigint,
  check: CredCheck,
): void => {
  // gid first: once the euid is not 0 the effective set is empty and setresgid would fail
  check("setresgid", addon.setresgid(gid, gid, 0));
  check("setresuid", addon.setresuid(uid, uid, 0));
  const now = addon.capGet();
  if (isErrno(now)) {
    check("capget", now);
    return;
  }
  check("capset", addon.capSet(effective(now.permitted) & now.permitted, now.permitted, now.inheritable));
};

/** Back to the ids and capability sets `own` (as getresids/capGet read them before the switch). */
export const restoreUserNow = (
  addon: NetlinkAddon,
  own: { readonly ids: NativeResIds; readonly caps: NativeCaps },
  check: CredCheck,
): void => {
  // uid first: with euid 0 again the permitted set is effective, which setresgid and capset need
  check("setresuid", addon.setresuid(own.ids.ruid, own.ids.euid, own.ids.suid));
  check("setresgid", addon.setresgid(own.ids.rgid, own.ids.egid, own.ids.sgid));
  check("capset", addon.capSet(own.caps.effective, own.caps.permitted, own.caps.inheritable));
};

/** The capability mask of a list of CAP_* numbers. */
export const capMask = (caps: ReadonlyArray<number>): bigint => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n);

/**
 * The Creds service of this process: setresgid, setresuid (saved uid kept), capset on the calling
 * thread (where the addon makes every syscall), then back to the process's own ids and capability
 * sets (cli/scenario/kernel-api.ts switches a scenario's steps the same way).
 */
export const makeKernelCreds = (addon: NetlinkAddon): CredsService => {
  const check: CredCheck = (syscall, r) => {
    if (isErrno(r)) throw CredError.fromErrno(syscall, r.code);
  };
  const restore = (own: { ids: NativeResIds; caps: NativeCaps }): void => restoreUserNow(addon, own, check);
  const toCredError = (e: unknown): CredError => (e instanceof CredError ? e : CredError.invalid(String(e)));
  return {
    asUser: (cred, effect) =>
      Effect.acquireUseRelease(
        Effect.try({
          try: () => {
            const bad = checkCred(cred);
            if (bad !== undefined) throw CredError.invalid(bad);
            const ids = addon.getresids();
            if (isErrno(ids)) throw CredError.fromErrno("getresuid", ids.code);
            const caps = addon.capGet();
            if (isErrno(caps)) throw CredError.fromErrno("capget", caps.code);
            const own = { ids, caps };
            // no caps given: all of them for uid 0, none for another uid (as after setresuid)
            const effective = (permitted: bigint): bigint =>
              cred.caps !== undefined ? capMask(cred.caps) : cred.uid === 0 ? permitted : 0n;
            try {
              switchUserNow(addon, cred.uid, cred.gid ?? cred.uid, effective, check);
            } catch (e) {
              restore(own);
              throw e;
            }
            return own;
          },
          catch: toCredError,
        }),
        () => effect,
        // the way back failing leaves the process as another user: nothing after it can be trusted
        (own) => Effect.orDie(Effect.try({ try: () => restore(own), catch: toCredError })),
      ),
  };
};

/** The addon with the file and AF_INET calls, or KernelUnavailable saying to rebuild it. */
const loadFilesAddon: Effect.Effect<NetlinkAddon, KernelUnavailable> = Effect.flatMap(loadKernelAddon, (addon) => {
  const f = missing(addon);
  if (f === undefined) return Effect.succeed(addon);
  const reason = `the native addon predates ${f}(): rebuild it with npm run build:native`;
  return Effect.fail(new KernelUnavailable({ reason, message: `the kernel transport is unavailable: ${reason}` }));
});

/** The kernel layers of Procfs, InetRaw and Creds. Fail to build with KernelUnavailable, as kernelLayer does. */
export const kernelFilesLayer: Layer.Layer<Procfs | InetRaw | Creds, KernelUnavailable> = Layer.mergeAll(
  Layer.effect(Procfs, Effect.map(loadFilesAddon, makeKernelProcfs)),
  Layer.effect(InetRaw, Effect.map(loadFilesAddon, makeKernelInetRaw)),
  Layer.effect(Creds, Effect.map(loadFilesAddon, makeKernelCreds)),
);
