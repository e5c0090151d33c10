// Fault plans: what goes wrong in a run, decided by the world's seed. The kernel model holds no
// randomness; it asks its host's `allocFails(size, site)` where the kernel's allocation can return
// NULL (netlink_sendmsg → ENOBUFS, a broadcast's skb_clone → overrun, netlink_ack's nlmsg_new →
// sk_err ENOBUFS) and the plan answers from its own PRNG stream, derived from the seed, so adding
// faults does not shift the world's other draws (autobind). Killed processes are the other fault:
// an Effect process run by transport/sim.ts dies at its nth syscall or at a virtual time, its
// files close (NETLINK_URELEASE fires). Every fault is a "fault" event in the trace.
import type { NetFaults } from "../kernel-model/net/netlink/index.js";
import { SeededPrng } from "./prng.js";
import type { World } from "./world.js";

/** Kill the process named `process` at its `atSyscall`-th syscall (1-based; that call does not happen) or at `atNs`. */
export interface KillFault {
  readonly process: string;
  readonly atSyscall?: number;
  /** virtual time, nanoseconds since boot */
  readonly atNs?: number;
}

export interface FaultPlanOptions {
  /** probability in [0, 1] that an injectable skb allocation fails */
  readonly allocFailure?: number;
  /** only these allocation sites fail (default: all of them) */
  readonly allocSites?: ReadonlyArray<string>;
  readonly kills?: ReadonlyArray<KillFault>;
}

/** The PRNG stream of a world's faults: seed-derived, independent of the world's own stream. */
const faultSeed = (seed: number): number => Number((BigInt(seed) * 0x9e3779b97f4a7c15n + 0xfa17n) % 2n ** 48n);

export class FaultPlan implements NetFaults {
  readonly prng: SeededPrng;
  readonly allocFailure: number;
  readonly kills: ReadonlyArray<KillFault>;
  private readonly sites: ReadonlySet<string> | undefined;
  /** how many allocations failed */
  allocFailures = 0;

  constructor(
    readonly world: World,
    opts: FaultPlanOptions,
  ) {
    const p = opts.allocFailure ?? 0;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`allocFailure must be in [0, 1], got ${p}`);
    this.allocFailure = p;
    this.sites = opts.allocSites === undefined ? undefined : new Set(opts.allocSites);
    this.kills = opts.kills ?? [];
    this.prng = new SeededPrng(faultSeed(world.prng.seed));
  }

  allocFails(size: number, site: string): boolean {
    if (this.allocFailure === 0 || (this.sites !== undefined && !this.sites.has(site))) return false;
    if (!this.prng.chance(this.allocFailure)) return false;
    this.allocFailures++;
    this.world.record({ kind: "fault", fault: "alloc", site, size });
    return true;
  }

  /** The kill planned for a process, if any. */
  killFor(processName: string): KillFault | undefined {
    return this.kills.find((k) => k.process === processName);
  }
}

const plans = new WeakMap<World, FaultPlan>();

/** Installs a fault plan in the world (replacing any earlier one) and returns it. */
export const installFaults = (world: World, opts: FaultPlanOptions): FaultPlan => {
  const plan = new FaultPlan(world, opts);
  plans.set(world, plan);
  world.kernelHost.faults = plan;
  world.record({
    kind: "fault-plan",
    allocFailure: plan.allocFailure,
    kills: plan.kills.map((k) => ({ process: k.process, atSyscall: k.atSyscall ?? null, atNs: k.atNs ?? null })),
  });
  return plan;
};

/** The world's fault plan, if one was installed. */
export const faultPlanOf = (world: World): FaultPlan | undefined => plans.get(world);
