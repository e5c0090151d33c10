// The scenario runner on the simulator: one simulated process in a fresh world, the runner as
// its main task, so blocking calls sleep in virtual time.
import { netlink_proc_rows } from "../../kernel-model/net/netlink/index.js";
import { errnoName } from "../../kernel-model/uapi/index.js";
import { type SimProcess, spawnProcess } from "../../sim/process.js";
import { World } from "../../sim/world.js";
import type { Errno, ProcRow, Ret, ScenarioSocketApi } from "./api.js";
import type { Scenario } from "./model.js";
import { runScenario } from "./run.js";

/** A blocking call the scenario left unbounded gets this hidden limit (scenario-format.md). */
const HIDDEN_LIMIT_NS = 1_000_000_000;

const errno = (ret: number): Errno => ({ errno: errnoName(ret) ?? `E${-ret}` });
const ret = (r: number): Ret<number> => (r < 0 ? errno(r) : r);

const simApi = (p: SimProcess): ScenarioSocketApi => {
  const rootCreds = { uid: p.cred.uid, gid: p.cred.gid, caps: p.cred.caps };
  return {
    tgid: p.pid,
    setCreds: async (c) => {
      if (c === undefined) p.setCreds(rootCreds.uid, rootCreds.gid, rootCreds.caps);
      else p.setCreds(c.uid, c.gid, c.caps);
    },
    socket: async (type, protocol) => ret(p.socket(type, protocol)),
    bind: async (fd, addr) => ret(p.bind(fd, addr)),
    connect: async (fd, addr) => ret(p.connect(fd, addr)),
    sendto: async (fd, data, flags, addr) => ret(await p.sendto(fd, data, flags, addr, HIDDEN_LIMIT_NS)),
    recv: async (fd, size, flags) => {
      const r = await p.recvmsg(fd, size, flags, HIDDEN_LIMIT_NS);
      if (r.ret < 0) return errno(r.ret);
      return {
        ret: r.ret,
        flags: r.msg_flags,
        from: r.name ?? { pid: 0, groups: 0 },
        ...(r.pktinfo !== undefined ? { pktinfo: r.pktinfo } : {}),
        ...(r.creds !== undefined ? { creds: r.creds } : {}),
        data: r.data,
      };
    },
    setsockopt: async (fd, level, name, value) => ret(p.setsockopt(fd, level, name, value)),
    getsockopt: async (fd, level, name, size) => {
      const r = p.getsockopt(fd, level, name, size);
      return r.ret < 0 ? errno(r.ret) : { ret: r.ret, optlen: r.optlen, data: r.data };
    },
    setsockoptFprog: async (fd, level, name, insns, len, optlen) =>
      ret(p.setsockoptFprog(fd, level, name, insns, len, optlen)),
    getsockoptFilter: async (fd, level, name, count) => {
      const r = p.getsockopt(fd, level, name, count);
      return r.ret < 0 ? errno(r.ret) : { ret: r.ret, optlen: r.optlen, data: r.data };
    },
    getsockname: async (fd) => {
      const r = p.getsockname(fd);
      return r.ret < 0 ? errno(r.ret) : { pid: r.pid, groups: r.groups };
    },
    getpeername: async (fd) => {
      const r = p.getpeername(fd);
      return r.ret < 0 ? errno(r.ret) : { pid: r.pid, groups: r.groups };
    },
    close: async (fd) => ret(p.close(fd)),
    proc: async (): Promise<ProcRow[]> =>
      netlink_proc_rows(p.world.net).map((r) => ({
        inode: r.inode,
        protocol: r.protocol,
        portid: r.portid,
        groups: r.groups,
        rmem: r.rmem,
        dump: r.dump,
        drops: r.drops,
      })),
    inode: (fd) => p.sock(fd)?.ino ?? -1,
    dispose: async () => p.exitFiles(),
  };
};

export interface SimScenarioRun {
  readonly lines: ReadonlyArray<string>;
  readonly world: World;
}

/** Runs a scenario on the simulator and returns its trace lines. */
export const runScenarioOnSim = async (
  scenario: Scenario,
  seed: number,
  source?: { readonly file: string; readonly text: string },
): Promise<SimScenarioRun> => {
  // the trace header carries the scenario itself, so `nlsim replay` needs nothing else
  const world = new World({ seed, run: { scenario: scenario.name, ...(source ?? {}) } });
  let lines: string[] = [];
  spawnProcess(world, { name: "scenario" }, async (p) => {
    lines = await runScenario(scenario, simApi(p));
  });
  const result = await world.run();
  if (result.failed.length > 0) throw result.failed[0]!.error;
  if (result.deadlocked.length > 0)
    throw new Error(`scenario '${scenario.name}' left tasks sleeping: ${result.deadlocked.join(", ")}`);
  return { lines, world };
};
