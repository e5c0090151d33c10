// The scenario runner on real AF_NETLINK sockets (native/): the same raw calls as the sim's
// api, in this process, on Node's loop (blocking calls wait on uv_poll, never in the kernel).
// Run it in a fresh network namespace (`nlsim scenario --transport kernel` re-executes itself
// under `unshare -n` when root) so the only netlink sockets are the scenario's and the kernel's.
import { fstatSync, readFileSync } from "node:fs";
import { Effect } from "effect";
import { isErrno as isNativeErrno, type NativeErrno, type NetlinkAddon } from "../../native/index.js";
import { loadKernelAddon, Readiness, recvBlocking, sendBlocking } from "../../transport/kernel.js";
import { capMask, restoreUserNow, switchUserNow } from "../../transport/kernel-files.js";
import type { Errno, ProcRow, Ret, ScenarioSocketApi } from "./api.js";
import type { Creds, Scenario } from "./model.js";
import { runScenario } from "./run.js";

/** A blocking call the scenario left unbounded gets this hidden limit (scenario-format.md). */
const HIDDEN_LIMIT_MS = 1000;

const errno = (e: NativeErrno): Errno => ({ errno: e.errno });
const ret = <T>(r: T | NativeErrno): Ret<T> => (isNativeErrno(r) ? errno(r) : r);

/** /proc/net/netlink of this process's network namespace. */
export const readProcNetlink = (): ProcRow[] => {
  const rows: ProcRow[] = [];
  const lines = readFileSync("/proc/self/net/netlink", "utf8").split("\n").slice(1);
  for (const line of lines) {
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    rows.push({
      protocol: Number(f[1]),
      portid: Number(f[2]),
      groups: Number.parseInt(f[3]!, 16) >>> 0,
      rmem: Number(f[4]),
      dump: Number(f[6]),
      drops: Number(f[8]),
      inode: Number(f[9]),
    });
  }
  return rows;
};

/** A credential switch failed: the scenario cannot run as asked (not root, say). */
export class CredentialError extends Error {
  override readonly name = "CredentialError";
}

const check = (what: string, r: 0 | NativeErrno): void => {
  if (isNativeErrno(r)) throw new CredentialError(`${what}: ${r.errno}`);
};

/**
 * Credentials around steps, in this process (scenario-format.md): setresgid/setresuid with the
 * saved uid kept at 0, the effective capabilities reduced to the step's list; back to the
 * process's own (uid 0, its original capability sets) for steps without uid/caps.
 */
const credentialSwitcher = (addon: NetlinkAddon) => {
  const ids = addon.getresids();
  const caps = addon.capGet();
  if (isNativeErrno(ids) || isNativeErrno(caps)) throw new CredentialError("cannot read this process's credentials");
  const own = { ids, caps };
  let current = "own";
  const keyOf = (c: Creds | undefined): string =>
    c === undefined ? "own" : `${c.uid}:${c.gid}:${c.caps === undefined ? "all" : c.caps.join(",")}`;

  const restore = (): void => restoreUserNow(addon, own, check);

  return (c: Creds | undefined): void => {
    const key = keyOf(c);
    if (key === current) return;
    if (current !== "own") restore();
    current = "own";
    if (c === undefined) return;
    // no caps given: the whole permitted set (scenario-format.md)
    const caps = c.caps;
    switchUserNow(addon, c.uid, c.gid, (permitted) => (caps === undefined ? permitted : capMask(caps)), check);
    current = key;
  };
};

/** Does this process have what scenarios with uid/caps steps need (euid 0, CAP_SETUID, CAP_SETGID)? */
export const canSwitchCredentials = (addon: NetlinkAddon): boolean => {
  const ids = addon.getresids();
  const caps = addon.capGet();
  if (isNativeErrno(ids) || isNativeErrno(caps)) return false;
  const CAP_SETGID = 6n;
  const CAP_SETUID = 7n;
  const need = (1n << CAP_SETGID) | (1n << CAP_SETUID);
  return ids.euid === 0 && (caps.effective & need) === need;
};

export const kernelApi = (addon: NetlinkAddon): ScenarioSocketApi => {
  const C = addon.constants;
  const readiness = new Readiness(addon);
  const nonblock = new Map<number, boolean>();
  const setCreds = credentialSwitcher(addon);
  const run = <A>(e: Effect.Effect<A>): Promise<A> => Effect.runPromise(e);

  return {
    tgid: process.pid,
    setCreds: async (c) => setCreds(c),
    socket: async (type, protocol) => {
      const fd = addon.socket(type, protocol);
      if (isNativeErrno(fd)) return errno(fd);
      nonblock.set(fd, (type & C.SOCK_NONBLOCK) !== 0);
      return fd;
    },
    bind: async (fd, addr) => ret(addon.bind(fd, addr)),
    connect: async (fd, addr) => ret(addon.connect(fd, addr)),
    sendto: async (fd, data, flags, addr) =>
      ret(
        await run(
          sendBlocking(addon, fd, data, flags, addr, {
            nonblock: nonblock.get(fd) === true,
            unboundedLimitMs: HIDDEN_LIMIT_MS,
          }),
        ),
      ),
    recv: async (fd, size, flags) => {
      const r = await run(
        recvBlocking(addon, readiness, fd, size, flags, {
          nonblock: nonblock.get(fd) === true,
          unboundedLimitMs: HIDDEN_LIMIT_MS,
        }),
      );
      if (isNativeErrno(r)) return errno(r);
      return {
        ret: r.ret,
        flags: r.flags >>> 0,
        from: r.name !== null && r.name.len >= 12 ? { pid: r.name.pid, groups: r.name.groups } : { pid: 0, groups: 0 },
        ...(r.pktinfo !== undefined ? { pktinfo: r.pktinfo.group } : {}),
        ...(r.creds !== undefined ? { creds: r.creds } : {}),
        ...(r.cmsgs.length > 0 ? { cmsgs: r.cmsgs } : {}),
        data: r.data,
      };
    },
    setsockopt: async (fd, level, name, value) => ret(addon.setsockopt(fd, level, name, value)),
    getsockopt: async (fd, level, name, size) => ret(addon.getsockopt(fd, level, name, size)),
    setsockoptFprog: async (fd, level, name, insns, len, optlen) =>
      ret(addon.setsockoptFprog(fd, level, name, insns, len, optlen)),
    getsockoptFilter: async (fd, level, name, count) => ret(addon.getsockoptFilter(fd, level, name, count)),
    getsockname: async (fd) => {
      const r = addon.getsockname(fd);
      return isNativeErrno(r) ? errno(r) : { pid: r.pid, groups: r.groups };
    },
    getpeername: async (fd) => {
      const r = addon.getpeername(fd);
      return isNativeErrno(r) ? errno(r) : { pid: r.pid, groups: r.groups };
    },
    close: async (fd) => {
      readiness.closing(fd);
      nonblock.delete(fd);
      return ret(addon.close(fd));
    },
    proc: async () => readProcNetlink(),
    inode: (fd) => {
      try {
        return fstatSync(fd).ino;
      } catch {
        return -1;
      }
    },
    dispose: async () => {
      for (const fd of nonblock.keys()) {
        readiness.closing(fd);
        addon.close(fd);
      }
      nonblock.clear();
    },
  };
};

/** Runs a scenario on real sockets in this process (and its network namespace): the trace lines. */
export const runScenarioOnKernel = async (scenario: Scenario): Promise<string[]> => {
  const addon = await Effect.runPromise(loadKernelAddon);
  if (scenario.needsRoot && !canSwitchCredentials(addon)) {
    throw new CredentialError(`scenario '${scenario.name}' switches uid/caps and needs root`);
  }
  return runScenario(scenario, kernelApi(addon));
};
