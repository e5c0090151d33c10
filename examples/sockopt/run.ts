// Runs the sockopt example as the guest of `npm run test:kernel` runs it on a real kernel: turn on
// nf_sockopt's pr_debug (dynamic debug), insmod the module, insmod a second one whose range
// overlaps (insmod refuses it: EBUSY), the client as root then as an unprivileged user, rmmod.
import { ddebug_exec_queries } from "../../kernel-model/lib/dynamic_debug.js";
import { errnoName } from "../../kernel-model/uapi/index.js";
import type { World } from "../../sim/world.js";
import { runProcess, STRERROR } from "../../transport/index.js";
import { atTime } from "../sim-user.js";
import type { ExampleHooks, ExampleSetup } from "../types.js";
import { sockopt_clash_init } from "./clash.js";
import { type SockoptMode, type SockoptModule, sockopt_init } from "./kernel.js";
import { sockoptProgram } from "./user.js";

export interface SockoptRunOptions {
  readonly mode?: SockoptMode;
}

/** The query kmod/sockopt/guest-dyndbg.sh writes to /proc/dynamic_debug/control. */
export const NF_SOCKOPT_DYNDBG = "file net/netfilter/nf_sockopt.c +p";

/** What kmod's insmod prints (on stderr) when a module's init fails; nothing when it succeeds. */
export const insmodError = (ko: string, ret: number): string =>
  `insmod: ERROR: could not insert module ${ko}: ${STRERROR[errnoName(ret) ?? ""] ?? `errno ${-ret}`}`;

/**
 * Sets the example up in `world` (dyndbg, insmod, the clash, the client, rmmod at 100 ms); the
 * details are the module.
 */
export const setupSockopt = (
  world: World,
  opts: SockoptRunOptions,
  hooks: ExampleHooks,
): ExampleSetup<SockoptModule> => {
  const log = hooks.out;
  // echo 'file net/netfilter/nf_sockopt.c +p' > /proc/dynamic_debug/control: the overlap's pr_debug prints
  ddebug_exec_queries(world.kernel, NF_SOCKOPT_DYNDBG);
  const mod = world.insmod(() => sockopt_init(opts.mode ?? "correct"));
  if (mod.ret < 0) log(insmodError("sockopt_srv.ko", mod.ret));
  // kmod/sockopt/guest-clash.sh: a second module asking for an overlapping get range
  const clash = world.insmod(() => sockopt_clash_init());
  if (clash.ret < 0) log(insmodError("sockopt_clash.ko", clash.ret));
  else world.insmod(() => clash.exit(), "rmmod");
  runProcess(world, { name: "sockopt_clt", pid: 1000 }, sockoptProgram(log));
  atTime(world, "rmmod", 100, () => mod.exit());
  return { details: () => mod };
};
