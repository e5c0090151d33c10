// The select-throughput scenario, in the order the QEMU harness runs it on a real kernel: insmod
// knl (N kernel threads), usr with N sockets polling them for `durationMs` (at the end it reads
// /proc/net/netlink's Drops column and prints its totals), then rmmod (kthread_stop for each
// thread) RMMOD_AFTER_MS after usr left; the threads' sends in between get ECONNREFUSED.
import { Effect } from "effect";
import { spawnProcess } from "../../sim/process.js";
import type { World } from "../../sim/world.js";
import { spawnUser } from "../sim-user.js";
import type { ExampleHooks, ExampleSetup } from "../types.js";
import { type KnlStats, knl_exit, knl_init } from "./kernel.js";
import { MAX_DATA_LEN, MAX_PROCESS_COUNT } from "./proto.js";
import { type UsrStats, usr } from "./user.js";

export interface SelectThroughputOptions {
  /** sockets and kernel threads (default 100) */
  readonly n?: number;
  /** payload bytes per message (default 768) */
  readonly size?: number;
  /** each thread's sleep between sends, ms (default 50) */
  readonly sleepMs?: number;
  /** SO_RCVBUF on every user socket (default: the system's) */
  readonly rcvbuf?: number;
  /** how long usr reads, virtual ms (default 10000); the threads send until rmmod, RMMOD_AFTER_MS after usr left */
  readonly durationMs?: number;
  /** the user's cost per message, µs (default 0) */
  readonly workUs?: number;
  /** "random" (default) or "own" (the article's effective choice: thread i → socket i) */
  readonly target?: "random" | "own";
}

/** select-throughput's figures after a run. */
export interface SelectThroughputDetails {
  readonly kernel: KnlStats;
  readonly user: UsrStats;
  /** sum of the Drops column of the user sockets in /proc/net/netlink (usr reads it before it leaves) */
  readonly procDrops: number;
  /** delivered but still queued when usr left (nothing is delivered after: the ports are gone) */
  readonly leftInQueues: number;
  /** virtual ms at which usr finished (its sockets close then); rmmod is RMMOD_AFTER_MS later */
  readonly userLeftMs: number;
  readonly virtualMs: number;
}

/**
 * How long after the program leaves rmmod comes: the QEMU harness's default settle time
 * (kmod/harness/modules.ts settleMs) between the guest program's exit and its rmmod, so that the
 * two runs have the same sequence.
 */
export const RMMOD_AFTER_MS = 300;

/**
 * Sets the scenario up in `world` as the harness runs it on a real kernel: insmod knl now; usr
 * handshakes, reads for `durationMs`, looks at /proc/net/netlink, prints its totals and leaves
 * (its sockets close); the threads go on sending (ECONNREFUSED now) until rmmod, RMMOD_AFTER_MS
 * later, stops them (kthread_stop) and the module prints its totals.
 */
export const setupSelectThroughput = (
  world: World,
  opts: SelectThroughputOptions,
  hooks: ExampleHooks,
): ExampleSetup<SelectThroughputDetails> => {
  const n = opts.n ?? MAX_PROCESS_COUNT;
  const size = opts.size ?? MAX_DATA_LEN;
  const m = world.insmod(() =>
    knl_init(world.net, {
      threads: n,
      pids: n,
      size,
      sleepMs: opts.sleepMs ?? 50,
      ...(opts.target === undefined ? {} : { target: opts.target }),
    }),
  );
  if (typeof m === "number") throw new Error(`insmod knl: ${m}`);
  let userLeftMs: number | undefined;
  const rmmod = Effect.sync(() => {
    userLeftMs = world.now / 1e6;
    spawnProcess(world, { name: "rmmod" }, async () => {
      await world.msleep(RMMOD_AFTER_MS);
      await knl_exit(m);
    });
  });
  const proc = spawnUser(
    world,
    { name: "usr" },
    hooks,
    usr({
      sockets: n,
      durationMs: opts.durationMs ?? 10_000,
      ...(opts.rcvbuf === undefined ? {} : { rcvbuf: opts.rcvbuf }),
      ...(opts.workUs === undefined ? {} : { workUs: opts.workUs }),
      bufSize: size + 256,
      out: hooks.out,
    }).pipe(Effect.ensuring(rmmod)),
  );
  return {
    details: () => {
      const ex = proc.exit();
      const u: UsrStats =
        ex !== undefined && ex._tag === "Success"
          ? ex.value
          : { messages: 0, bytes: 0, enobufs: 0, polls: 0, ports: [], procDrops: 0 };
      return {
        kernel: m.stats,
        user: u,
        procDrops: u.procDrops,
        leftInQueues: m.stats.delivered - u.messages,
        userLeftMs: userLeftMs ?? Number.NaN,
        virtualMs: world.now / 1e6,
      };
    },
  };
};
