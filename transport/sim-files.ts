// The sim layers of Procfs, InetRaw and Creds: each method is one syscall of the process's SimFiles
// (sim/files.ts), counted by the runtime like Netlink's (a planned kill may strike there). None of
// them blocks, so none suspends the fiber.
import { Effect, Layer } from "effect";
import { AF_INET, CAPABILITIES, ERRNO, SOCK_RAW } from "../kernel-model/uapi/index.js";
import { SimFiles } from "../sim/files.js";
import { CredError, Creds, type CredsService, checkCred } from "./creds.js";
import { InetError, InetRaw, type InetService, type InetSocket } from "./inet.js";
import { optvalBytes } from "./netlink.js";
import { type ProcFile, Procfs, ProcfsError, type ProcfsService } from "./procfs.js";
import type { SimRuntime } from "./sim-runtime.js";

class SimProcFile implements ProcFile {
  closed = false;
  constructor(
    readonly fd: number,
    readonly path: string,
  ) {}
}

class SimInetSocket implements InetSocket {
  closed = false;
  constructor(
    readonly fd: number,
    readonly type: number,
    readonly protocol: number,
  ) {}
}

/** The Procfs service of one simulated process. */
export const makeSimProcfs = (rt: SimRuntime): ProcfsService => {
  const files = SimFiles.of(rt.process);
  const sys = <A>(f: () => Effect.Effect<A, ProcfsError>): Effect.Effect<A, ProcfsError> => rt.sys(f);
  const fail = (syscall: string, ret: number, path: string) => Effect.fail(ProcfsError.fromErrno(syscall, ret, path));
  return {
    open: (path, flags = 0) =>
      Effect.acquireRelease(
        sys(() => {
          const fd = files.open(path, flags);
          return fd < 0 ? fail("open", fd, path) : Effect.succeed(new SimProcFile(fd, path));
        }),
        (f) =>
          Effect.sync(() => {
            if (f.closed || rt.killed) return;
            f.closed = true;
            if (rt.enter()) files.close(f.fd);
          }),
      ),
    read: (file, count, options) =>
      sys(() => {
        const r = files.read(file.fd, count, options?.mapped ?? count);
        return r.ret < 0 ? fail("read", r.ret, file.path) : Effect.succeed(r.data);
      }),
    write: (file, data, options) =>
      sys(() => {
        const r = files.write(file.fd, data, options?.count ?? data?.length ?? 0);
        return r < 0 ? fail("write", r, file.path) : Effect.succeed(r);
      }),
    lseek: (file, offset, whence) =>
      sys(() => {
        const r = files.lseek(file.fd, offset, whence);
        return r < 0 ? fail("lseek", r, file.path) : Effect.succeed(r);
      }),
    close: (file) =>
      sys(() => {
        if (file instanceof SimProcFile) file.closed = true;
        const r = files.close(file.fd);
        return r < 0 ? fail("close", r, file.path) : Effect.void;
      }),
  };
};

/** The InetRaw service of one simulated process. */
export const makeSimInetRaw = (rt: SimRuntime): InetService => {
  const files = SimFiles.of(rt.process);
  const sys = <A>(f: () => Effect.Effect<A, InetError>): Effect.Effect<A, InetError> => rt.sys(f);
  const fail = (syscall: string, ret: number) => Effect.fail(InetError.fromErrno(syscall, ret));
  return {
    socket: (protocol, options) =>
      Effect.acquireRelease(
        sys(() => {
          const type = options?.type ?? SOCK_RAW;
          const fd = files.socket(AF_INET, type, protocol);
          return fd < 0 ? fail("socket", fd) : Effect.succeed(new SimInetSocket(fd, type, protocol));
        }),
        (s) =>
          Effect.sync(() => {
            if (s.closed || rt.killed) return;
            s.closed = true;
            if (rt.enter()) files.close(s.fd);
          }),
      ),
    setsockopt: (socket, level, name, value, options) =>
      sys(() => {
        const bytes = optvalBytes(value);
        const r = files.setsockopt(socket.fd, level, name, bytes, options?.optlen ?? bytes?.length ?? 0);
        return r < 0 ? fail("setsockopt", r) : Effect.succeed(r);
      }),
    getsockopt: (socket, level, name, length, options) =>
      sys(() => {
        const r = files.getsockopt(socket.fd, level, name, length, options?.mapped ?? length);
        return r.ret < 0 ? fail("getsockopt", r.ret) : Effect.succeed({ data: r.data, optlen: r.optlen });
      }),
    close: (socket) =>
      sys(() => {
        if (socket instanceof SimInetSocket) socket.closed = true;
        const r = files.close(socket.fd);
        return r < 0 ? fail("close", r) : Effect.void;
      }),
  };
};

/** The Creds service of one simulated process: its cred switched for the effect, then restored. */
export const makeSimCreds = (rt: SimRuntime): CredsService => ({
  asUser: (cred, effect) =>
    Effect.acquireUseRelease(
      Effect.suspend(() => {
        const bad = checkCred(cred);
        if (bad !== undefined) return Effect.fail(CredError.invalid(bad));
        if (!rt.enter()) return Effect.never;
        const own = rt.process.cred;
        const pid = rt.process.pid;
        const gid = cred.gid ?? cred.uid;
        // gid first, as the kernel layer does; each needs its capability (CAP_SETGID, CAP_SETUID)
        const rg = own.caps.has(CAPABILITIES.CAP_SETGID) ? 0 : -ERRNO.EPERM;
        rt.world.syscall(pid, "setresgid", { rgid: gid, egid: gid, sgid: 0 }, rg);
        if (rg < 0) return Effect.fail(CredError.fromErrno("setresgid", rg));
        const ru = own.caps.has(CAPABILITIES.CAP_SETUID) ? 0 : -ERRNO.EPERM;
        rt.world.syscall(pid, "setresuid", { ruid: cred.uid, euid: cred.uid, suid: 0 }, ru);
        if (ru < 0) {
          rt.process.cred = own;
          return Effect.fail(CredError.fromErrno("setresuid", ru));
        }
        rt.process.setCreds(cred.uid, gid, cred.caps);
        return Effect.succeed(own);
      }),
      () => effect,
      (own) =>
        Effect.sync(() => {
          // back: setresuid to the own uid (the saved uid 0 allows it), setresgid, capset
          rt.process.cred = own;
          rt.world.syscall(rt.process.pid, "setresuid", { ruid: own.uid, euid: own.uid, suid: own.uid }, 0);
        }),
    ),
});

/** The sim layers of Procfs, InetRaw and Creds for a process's runtime (runProcess provides them). */
export const simFilesLayer = (rt: SimRuntime): Layer.Layer<Procfs | InetRaw | Creds> =>
  Layer.mergeAll(
    Layer.succeed(Procfs, makeSimProcfs(rt)),
    Layer.succeed(InetRaw, makeSimInetRaw(rt)),
    Layer.succeed(Creds, makeSimCreds(rt)),
  );
