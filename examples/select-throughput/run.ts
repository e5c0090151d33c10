// The select-throughput scenario: insmod knl (N kernel threads), usr with N sockets polling them,
// rmmod after `durationMs` (kthread_stop for each thread), and the operator's look at
// /proc/net/netlink before usr closes its sockets (the Drops column).
import { netlink_proc_rows } from "../../kernel-model/net/netlink/index.js";
import { spawnProcess } from "../../sim/process.js";
import type { RunResult, World } from "../../sim/world.js";
import { spawnUser } from "../sim-user.js";
import type { ExampleHooks } from "../types.js";
import { type KnlModule, type KnlStats, knl_exit, knl_init } from "./kernel.js";
import { MAX_DATA_LEN, MAX_PROCESS_COUNT, NETLINK_TEST } from "./proto.js";
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
  /** how long the threads send, virtual ms (default 10000) */
  readonly durationMs?: number;
  /** the user's cost per message, µs (default 0) */
  readonly workUs?: number;
  /** "random" (default) or "own" (the article's effective choice: thread i → socket i) */
  readonly target?: "random" | "own";
  /** each line as it is printed */
  readonly out?: (line: string) => void;
}

export interface SelectThroughputResult {
  readonly lines: ReadonlyArray<string>;
  readonly kernel: KnlStats;
  readonly user: UsrStats;
  /** sum of the Drops column of the user sockets in /proc/net/netlink */
  readonly procDrops: number;
  /** delivered but still queued when usr left */
  readonly leftInQueues: number;
  readonly dmesg: ReadonlyArray<string>;
  readonly virtualMs: number;
  readonly failed: ReadonlyArray<string>;
}

/** The user reads this long after the threads stop, to drain the queues. */
const DRAIN_MS = 200;

/**
 * Sets the scenario up in `world`: insmod knl now, usr, rmmod (kthread_stop for every thread) at
 * `durationMs`, and `cat /proc/net/netlink` while usr's sockets are still open. `result()` after
 * world.run(). The operator's summary lines go to `out` when rmmod is done and when /proc is read.
 */
export const setupSelectThroughput = (
  world: World,
  opts: SelectThroughputOptions & { readonly hooks?: ExampleHooks },
): { readonly module: KnlModule; readonly result: (r: RunResult) => SelectThroughputResult } => {
  const n = opts.n ?? MAX_PROCESS_COUNT;
  const durationMs = opts.durationMs ?? 10_000;
  const size = opts.size ?? MAX_DATA_LEN;
  const lines: string[] = [];
  const out = (l: string): void => {
    lines.push(l);
    opts.out?.(l);
    opts.hooks?.out(l);
  };
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
  const proc = spawnUser(
    world,
    { name: "usr" },
    { ...opts.hooks, out },
    usr({
      sockets: n,
      durationMs: durationMs + DRAIN_MS,
      ...(opts.rcvbuf === undefined ? {} : { rcvbuf: opts.rcvbuf }),
      ...(opts.workUs === undefined ? {} : { workUs: opts.workUs }),
      bufSize: size + 256,
      out,
    }),
  );
  spawnProcess(world, { name: "rmmod" }, async () => {
    await world.msleep(durationMs);
    await knl_exit(m);
    const st = m.stats;
    out(
      `knl: sent ${st.sent}, delivered ${st.delivered} (${st.deliveredBytes} bytes), ` +
        `EAGAIN ${st.failed.EAGAIN ?? 0}, ECONNREFUSED ${st.failed.ECONNREFUSED ?? 0}`,
    );
  });
  let procDrops = 0;
  world.addTimer((durationMs + DRAIN_MS / 2) * 1e6, () => {
    for (const r of netlink_proc_rows(world.net)) {
      if (r.protocol === NETLINK_TEST && r.portid !== 0) procDrops += r.drops;
    }
    out(`/proc/net/netlink: Drops ${procDrops} over ${n} sockets of protocol ${NETLINK_TEST}`);
  });
  return {
    module: m,
    result: (r) => {
      const ex = proc.exit();
      const u: UsrStats =
        ex !== undefined && ex._tag === "Success"
          ? ex.value
          : { messages: 0, bytes: 0, enobufs: 0, polls: 0, ports: [] };
      return {
        lines,
        kernel: m.stats,
        user: u,
        procDrops,
        leftInQueues: m.stats.delivered - u.messages,
        dmesg: world.dmesg(),
        virtualMs: world.now / 1e6,
        failed: [
          ...r.failed.map((f) => `${f.task}: ${String(f.error)}`),
          ...r.deadlocked.map((d) => `deadlocked: ${d}`),
        ],
      };
    },
  };
};

/** The whole run in a world the caller made (tests): set up, run, result. */
export const run = async (world: World, opts: SelectThroughputOptions = {}): Promise<SelectThroughputResult> => {
  const s = setupSelectThroughput(world, opts);
  return s.result(await world.run());
};
