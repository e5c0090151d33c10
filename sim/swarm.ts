// Swarm testing (as TigerBeetle's VOPR does): the seed draws not only a run's inputs but the
// world it runs in — which runnable task goes next, receive buffer sizes, an allocation-failure
// plan, softirq or synchronous kernel input — so that a sweep over seeds explores schedules and
// configurations, not one FIFO world. The draws come from their own PRNG stream derived from the
// seed, so the world's own stream (autobind's random start) is not shifted by them. A world built
// without swarm options is exactly today's world.
import type { NetlinkInputMode } from "../kernel-model/kernel/kernel.js";
import { type FaultPlan, installFaults } from "./faults.js";
import { SeededPrng } from "./prng.js";
import { World, type WorldOptions } from "./world.js";

/** The world options a seed drew. */
export interface SwarmOptions {
  /** "fifo": today's scheduler; "random": any runnable task may go next */
  readonly interleave: "fifo" | "random";
  /** how a kernel socket's input runs */
  readonly netlinkInput: NetlinkInputMode;
  /** the receive buffer sizes a program picks from for its sockets (SO_RCVBUF values) */
  readonly rcvbufs: ReadonlyArray<number>;
  /** probability that an injectable skb allocation fails (0: no fault plan) */
  readonly allocFailure: number;
}

/** The swarm's PRNG stream for a seed: seed-derived, independent of the world's and the fault plan's. */
const swarmSeed = (seed: number): number => Number((BigInt(seed) * 0xd1b54a32d192ed03n + 0x5a7an) % 2n ** 48n);

const RCVBUF_CHOICES = [256, 1024, 2304, 4096, 8192, 65536, 212992] as const;

/** Draws a world's options from the seed. */
export const drawSwarm = (seed: number): SwarmOptions => {
  const rnd = new SeededPrng(swarmSeed(seed));
  const interleave = rnd.chance(0.75) ? "random" : "fifo";
  const netlinkInput: NetlinkInputMode = rnd.chance(0.5) ? "softirq" : "process";
  const n = 1 + rnd.nextInt(3);
  const rcvbufs: number[] = [];
  for (let i = 0; i < n; i++) rcvbufs.push(RCVBUF_CHOICES[rnd.nextInt(RCVBUF_CHOICES.length)]!);
  const allocFailure = rnd.chance(0.3) ? [0.001, 0.01, 0.05][rnd.nextInt(3)]! : 0;
  return { interleave, netlinkInput, rcvbufs, allocFailure };
};

/** One line naming a swarm's draws, for failure reports. */
export const describeSwarm = (s: SwarmOptions): string =>
  `interleave=${s.interleave} input=${s.netlinkInput} rcvbufs=${s.rcvbufs.join("/")} allocFailure=${s.allocFailure}`;

export interface SwarmWorld {
  readonly world: World;
  readonly swarm: SwarmOptions;
  /** the installed fault plan, when the swarm drew allocation failures */
  readonly faults: FaultPlan | undefined;
}

/**
 * A world whose options the seed draws (drawSwarm): a scheduler choosing among runnable tasks
 * from the swarm's stream when `interleave` is "random", the input mode, and a fault plan.
 */
export const swarmWorld = (
  seed: number,
  options: Omit<WorldOptions, "seed" | "pickNext" | "netlinkInput"> = {},
): SwarmWorld => {
  const swarm = drawSwarm(seed);
  // the scheduler's own stream, so that how often it is asked does not move the other draws
  const sched = new SeededPrng(swarmSeed(seed + 1));
  const world = new World({
    ...options,
    seed,
    netlinkInput: swarm.netlinkInput,
    ...(swarm.interleave === "random" ? { pickNext: (n: number) => sched.nextInt(n) } : {}),
  });
  const faults = swarm.allocFailure > 0 ? installFaults(world, { allocFailure: swarm.allocFailure }) : undefined;
  return { world, swarm, faults };
};

/**
 * The draws for a program whose kernel era is its own (an example: its mode fixes how a kernel
 * socket's input runs): the schedule, the machine's default receive buffer (net.core.rmem_default,
 * which every socket starts with) and the allocation-failure plan. Drawn from a stream of their own.
 */
export interface ProgramSwarm {
  readonly interleave: "fifo" | "random";
  readonly rmemDefault: number;
  readonly allocFailure: number;
}

const RMEM_DEFAULT_CHOICES = [4608, 8192, 32768, 212992] as const;

export const drawProgramSwarm = (seed: number): ProgramSwarm => {
  const rnd = new SeededPrng(swarmSeed(seed + 2));
  const interleave = rnd.chance(0.75) ? "random" : "fifo";
  const rmemDefault = rnd.chance(0.5) ? 212992 : RMEM_DEFAULT_CHOICES[rnd.nextInt(RMEM_DEFAULT_CHOICES.length)]!;
  const allocFailure = rnd.chance(0.4) ? [0.02, 0.1, 0.3][rnd.nextInt(3)]! : 0;
  return { interleave, rmemDefault, allocFailure };
};

export const describeProgramSwarm = (s: ProgramSwarm): string =>
  `interleave=${s.interleave} rmem_default=${s.rmemDefault} allocFailure=${s.allocFailure}`;

/** The world options a program swarm sets at construction (the scheduler). */
export const programSwarmWorldOptions = (seed: number, s: ProgramSwarm): Pick<WorldOptions, "pickNext"> => {
  if (s.interleave === "fifo") return {};
  const sched = new SeededPrng(swarmSeed(seed + 3));
  return { pickNext: (n: number) => sched.nextInt(n) };
};

/** Applies the rest of a program swarm to a fresh world, before the program is set up. */
export const installProgramSwarm = (world: World, s: ProgramSwarm): FaultPlan | undefined => {
  world.net.sysctl.rmem_default = s.rmemDefault;
  return s.allocFailure > 0 ? installFaults(world, { allocFailure: s.allocFailure }) : undefined;
};
