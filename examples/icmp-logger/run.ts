// The icmp-logger scenario: insmod imp2, pings (and non-ICMP noise) arriving on eth0, imp2_u
// printing what the module tells it, then rmmod. The world's seed decides the noise and the port
// ids; everything else here is the operator at the console.
import { GFP_ATOMIC, GFP_KERNEL } from "../../kernel-model/kernel/index.js";
import { ip_statistics } from "../../kernel-model/net/ipv4/ip_input.js";
import { IPPROTO_ICMP } from "../../kernel-model/uapi/ip.js";
import { installFaults } from "../../sim/faults.js";
import { installTraffic, type PingFlow } from "../../sim/traffic.js";
import type { World } from "../../sim/world.js";
import { atTime, spawnUser } from "../sim-user.js";
import type { ExampleHooks, ExampleSetup } from "../types.js";
import { type Imp2Module, imp2_exit, imp2_init } from "./kernel.js";
import { imp2_user } from "./user.js";

export interface IcmpLoggerOptions {
  /** how long imp2_u listens, virtual ms (default 5000) */
  readonly durationMs?: number;
  /** traffic keeps arriving this long after imp2_u leaves (default 1000) */
  readonly tailMs?: number;
  /** the ping flows (default: 10.0.0.2 every 1000 ms and 10.0.0.3 every 500 ms, to 10.0.0.1) */
  readonly pings?: ReadonlyArray<PingFlow>;
  /** non-ICMP packets per second (default 5) */
  readonly noisePerSec?: number;
  /** Ctrl-C: kill imp2_u at this virtual ms (no IMP2_CLOSE; NETLINK_URELEASE tells the module) */
  readonly killAtMs?: number;
  /** the article's module, its own bugs kept (write_lock_bh(&user_proc.pid), the pid re-read unlocked, ...) */
  readonly buggy?: boolean;
  /** send_to_user allocates with GFP_KERNEL in softirq context (a bug the article avoids) */
  readonly gfpKernel?: boolean;
}

/** icmp-logger's figures after a run. */
export interface IcmpLoggerDetails {
  /** the module's counters at rmmod */
  readonly module: Imp2Module["stats"];
  /** the packets the traffic plan made arrive */
  readonly planned: { readonly icmp: number; readonly other: number };
  readonly ip: ReturnType<typeof ip_statistics>;
}

export const DEFAULT_PINGS: ReadonlyArray<PingFlow> = [
  { src: "10.0.0.2", dst: "10.0.0.1", intervalMs: 1000, startMs: 10 },
  { src: "10.0.0.3", dst: "10.0.0.1", intervalMs: 500, startMs: 20 },
];

/** Sets the scenario up in `world`: insmod now, traffic, imp2_u, rmmod at the end. */
export const setupIcmpLogger = (
  world: World,
  opts: IcmpLoggerOptions,
  hooks: ExampleHooks,
): ExampleSetup<IcmpLoggerDetails> => {
  const durationMs = opts.durationMs ?? 5000;
  const untilMs = durationMs + (opts.tailMs ?? 1000);
  const m = world.insmod(() =>
    imp2_init(world.net, { gfp: opts.gfpKernel ? GFP_KERNEL : GFP_ATOMIC, article: opts.buggy === true }),
  );
  if (typeof m === "number") throw new Error(`insmod imp2: ${m}`);
  const packets = installTraffic(world, {
    pings: opts.pings ?? DEFAULT_PINGS,
    noisePerSec: opts.noisePerSec ?? 5,
    untilMs,
  });
  if (opts.killAtMs !== undefined) installFaults(world, { kills: [{ process: "imp2_u", atNs: opts.killAtMs * 1e6 }] });
  spawnUser(world, { name: "imp2_u" }, hooks, imp2_user({ durationMs, out: hooks.out }));
  // rmmod after the traffic, and after imp2_u has said IMP2_CLOSE
  atTime(world, "rmmod", Math.max(untilMs, durationMs + 10), () => imp2_exit(world.net, m));
  const icmp = packets.filter((p) => p.protocol === IPPROTO_ICMP).length;
  return {
    details: () => ({
      module: m.stats,
      planned: { icmp, other: packets.length - icmp },
      ip: { ...ip_statistics(world.net) },
    }),
  };
};
