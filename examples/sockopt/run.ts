// Runs the sockopt example: insmod the module (and a second one whose range overlaps, to show
// EBUSY), the client as root and as an unprivileged user, rmmod.
import { nf_register_sockopt } from "../../kernel-model/net/netfilter/nf_sockopt.js";
import { PF_INET } from "../../kernel-model/uapi/index.js";
import type { World } from "../../sim/world.js";
import { runProcess } from "../../transport/index.js";
import type { ExampleRunResult } from "../procfs/run.js";
import { type SockoptMode, type SockoptModule, sockopt_init } from "./kernel.js";
import { SOCKET_OPS_BASE } from "./proto.js";
import { sockoptClient, unprivilegedClient } from "./user.js";

export interface SockoptRunOptions {
  readonly mode?: SockoptMode;
}

export const checkSockoptOptions = (opts: { readonly mode?: string }): string | undefined =>
  opts.mode === undefined || opts.mode === "correct" || opts.mode === "buggy"
    ? undefined
    : `sockopt: unknown mode '${opts.mode}' (correct or buggy)`;

/** Sets the example up in `world` (insmod, the clash, both clients); the world's run() plays it. */
export const setupSockopt = (world: World, opts: SockoptRunOptions, log: (line: string) => void): SockoptModule => {
  const mod = world.insmod(() => sockopt_init(opts.mode ?? "correct"));
  log(`insmod sockopt: ${mod.ret}`);
  // a second module asking for an overlapping get range (as ebtables' 128..130 would)
  const clash = world.insmod(() =>
    nf_register_sockopt({
      pf: PF_INET,
      set_optmin: 0,
      set_optmax: 0,
      get_optmin: SOCKET_OPS_BASE - 1,
      get_optmax: SOCKET_OPS_BASE + 1,
    }),
  );
  log(`insmod clash (get range ${SOCKET_OPS_BASE - 1}..${SOCKET_OPS_BASE + 1}): nf_register_sockopt = ${clash}`);
  runProcess(world, { name: "sockopt_clt", pid: 1000 }, sockoptClient(log));
  runProcess(world, { name: "sockopt_clt", pid: 1001, uid: 1000 }, unprivilegedClient(log));
  return mod;
};

/** Sets up, runs the world, rmmods: what the programs printed and dmesg. */
export const run = async (world: World, opts: SockoptRunOptions = {}): Promise<ExampleRunResult> => {
  const output: string[] = [];
  const mod = setupSockopt(world, opts, (l) => output.push(l));
  const r = await world.run();
  world.insmod(() => mod.exit(), "rmmod");
  return { output, dmesg: world.dmesg(), exitCode: r.failed.length === 0 && r.deadlocked.length === 0 ? 0 : 1 };
};
