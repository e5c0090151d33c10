// A small benchmark harness: named workloads, a warm-up, then fixed-time samples.
// Benchmarks are the one place the project reads the wall clock (process.hrtime.bigint()).
//
// A workload is a function that performs `n` operations and returns a number derived from
// their results. One operation is one netlink message (encoded, decoded, sent, …), so the
// rates read as messages per second. The harness folds every return value into a checksum
// that the caller prints, so the JIT cannot drop the work as dead code.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Performs `n` operations and returns a value computed from their results (folded into the
 * checksum). A workload that drives the simulator's scheduler may return a promise.
 */
export type WorkloadFn = (n: number) => number | Promise<number>;

/** What a self-timed run reports: its own clocks (an external program times itself). */
export interface TimedRun {
  readonly checksum: number;
  /** wall-clock time of the `n` operations, in nanoseconds */
  readonly wallNs: number;
  /** CPU time (user + system) of the `n` operations, in nanoseconds */
  readonly cpuNs: number;
  /** the operations actually done, when a run rounds `n` up (default `n`) */
  readonly ops?: number;
}

/**
 * Runs about `n` operations and says how long they took: in another process (a C program), or
 * in this one with its set-up off the clock (a world of 10,000 processes).
 */
export type TimedFn = (n: number) => TimedRun | Promise<TimedRun>;

/** Measures one quantity that is not a rate (heap bytes per socket): the median of `samples` readings. */
export type GaugeFn = () => number | Promise<number>;

export interface Workload {
  readonly name: string;
  readonly fn: WorkloadFn;
  /** set for a self-timed workload: measure() uses its reported clocks, not its own */
  readonly timed?: TimedFn;
  /** set for a gauge: measure() reports the median of its readings, not a rate */
  readonly gauge?: GaugeFn;
  /** what one operation is, per second: "msgs/s", "round trips/s", "deliveries/s" */
  readonly unit: string;
  /** how many units one operation of `fn` is worth (a broadcast to 1,000 listeners: 1,000 deliveries) */
  readonly scale: number;
}

/** The registered workloads, in registration order. Names are unique. */
export class Suite {
  private readonly workloads: Workload[] = [];

  add(name: string, fn: WorkloadFn, unit = "msgs/s", scale = 1): this {
    if (this.workloads.some((w) => w.name === name)) throw new Error(`workload ${name} is registered twice`);
    this.workloads.push({ name, fn, unit, scale });
    return this;
  }

  /**
   * A self-timed workload: `run(n)` performs `n` operations in another process and reports their
   * time, so process start-up is not on the clock.
   */
  addTimed(name: string, run: TimedFn, unit = "msgs/s"): this {
    if (this.workloads.some((w) => w.name === name)) throw new Error(`workload ${name} is registered twice`);
    this.workloads.push({ name, fn: async (n) => (await run(n)).checksum, timed: run, unit, scale: 1 });
    return this;
  }

  /** A gauge: `read()` returns the quantity itself (in `unit`), read `samples` times. */
  addGauge(name: string, read: GaugeFn, unit: string): this {
    if (this.workloads.some((w) => w.name === name)) throw new Error(`workload ${name} is registered twice`);
    this.workloads.push({ name, fn: () => read(), gauge: read, unit, scale: 1 });
    return this;
  }

  /** Workloads whose name starts with `prefix` (all of them when it is empty). */
  select(prefix = ""): Workload[] {
    return this.workloads.filter((w) => w.name.startsWith(prefix));
  }
}

export interface RunOptions {
  /** Minimum wall time of one sample, in milliseconds. */
  readonly timeMs: number;
  /** Number of samples. */
  readonly samples: number;
  /** Wall time spent running the workload before the first sample, in milliseconds. */
  readonly warmupMs: number;
  /**
   * Which clock the samples are timed with: "wall" (default) or "cpu", the process's CPU time
   * (user + system, all threads, GC helpers included): steadier than wall time on a shared machine.
   */
  readonly clock?: "wall" | "cpu";
}

export const defaultRunOptions: RunOptions = { timeMs: 1000, samples: 5, warmupMs: 500, clock: "wall" };

export interface Result {
  readonly name: string;
  readonly unit: string;
  /** Median of the samples, operations per second. */
  readonly opsPerSec: number;
  readonly min: number;
  readonly max: number;
  /** Every sample's rate, operations per second, in the order run. */
  readonly samples: ReadonlyArray<number>;
  /** Operations per batch (one call of the workload function) during the samples. */
  readonly batch: number;
  /** The workload's return values folded together; print it so the work stays observable. */
  readonly checksum: number;
}

const wallNow = (): bigint => process.hrtime.bigint();

/** The process's CPU time so far (user + system), in nanoseconds. */
const cpuNow = (): bigint => {
  const u = process.cpuUsage();
  return BigInt(u.user + u.system) * 1000n;
};

/**
 * A full garbage collection, so one workload's garbage (notably off-heap ArrayBuffer backing
 * stores) is not collected on the next one's clock. `npm run bench` cannot pass --expose-gc,
 * so the flag is set at run time and `gc` fetched from a fresh context; if that ever fails,
 * workloads simply run without it.
 */
export const collectGarbage: () => void = (() => {
  try {
    setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    if (typeof gc === "function") return () => void gc();
  } catch {
    // fall through
  }
  return () => {};
})();

/** Folds a workload's return value into a running 32-bit checksum. */
export const fold = (acc: number, v: number): number => (Math.imul(acc, 31) + (v | 0)) | 0;

export const median = (xs: ReadonlyArray<number>): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** How long one call of the workload function should take: short enough for ~100 clock reads per sample. */
const batchTargetNs = (timeMs: number): number => Math.max(100_000, (timeMs * 1e6) / 100);

/**
 * Measures one workload: grows the batch size until a batch takes about 1/100 of a sample,
 * keeps running (and re-sizing the batch) until the warm-up time has passed, then takes
 * `samples` samples, each a whole number of batches lasting at least `timeMs` (before each: a
 * full GC, then untimed batches for a fifth of the warm-up).
 */
export const measure = async (w: Workload, opts: RunOptions = defaultRunOptions): Promise<Result> => {
  checkRunOptions(opts);
  if (w.gauge !== undefined) return measureGauge(w, w.gauge, opts);
  return w.timed !== undefined ? measureTimed(w, w.timed, opts) : measureInProcess(w, opts);
};

/** A gauge: the median of `samples` readings (each after a full garbage collection). */
const measureGauge = async (w: Workload, read: GaugeFn, opts: RunOptions): Promise<Result> => {
  const values: number[] = [];
  let checksum = 0;
  for (let s = 0; s < opts.samples; s++) {
    collectGarbage();
    const v = await read();
    values.push(v);
    checksum = fold(checksum, v);
  }
  return {
    name: w.name,
    unit: w.unit,
    opsPerSec: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
    samples: values,
    batch: 1,
    checksum,
  };
};

const checkRunOptions = (opts: RunOptions): void => {
  if (
    !(
      opts.timeMs > 0 &&
      opts.warmupMs >= 0 &&
      Number.isInteger(opts.samples) &&
      opts.samples >= 1 &&
      (opts.clock === undefined || opts.clock === "wall" || opts.clock === "cpu")
    )
  ) {
    throw new RangeError(`bad run options ${JSON.stringify(opts)}`);
  }
};

/** A rate workload's result: the median of its samples' rates, their range, its batch size. */
const rateResult = (w: Workload, rates: number[], batch: number, checksum: number): Result => ({
  name: w.name,
  unit: w.unit,
  opsPerSec: median(rates),
  min: Math.min(...rates),
  max: Math.max(...rates),
  samples: rates,
  batch,
  checksum,
});

/**
 * A self-timed workload: doubles `n` until one run lasts a sample's time on the chosen clock
 * (the warm-up), then takes `samples` runs of that size.
 */
const measureTimed = async (w: Workload, run: TimedFn, opts: RunOptions): Promise<Result> => {
  const clock = (r: TimedRun): number => (opts.clock === "cpu" ? r.cpuNs : r.wallNs);
  const sampleNs = opts.timeMs * 1e6;
  let checksum = 0;
  let n = 1000;
  for (;;) {
    collectGarbage();
    const r = await run(n);
    checksum = fold(checksum, r.checksum);
    const dt = clock(r);
    if (dt >= sampleNs) break;
    n = dt > 0 ? Math.max(n * 2, Math.ceil((n * sampleNs * 1.1) / dt)) : n * 2;
  }
  const rates: number[] = [];
  for (let s = 0; s < opts.samples; s++) {
    collectGarbage();
    const r = await run(n);
    checksum = fold(checksum, r.checksum);
    rates.push(((r.ops ?? n) * 1e9) / Math.max(1, clock(r)));
  }
  return rateResult(w, rates, n, checksum);
};

const measureInProcess = async (w: Workload, opts: RunOptions): Promise<Result> => {
  const now = opts.clock === "cpu" ? cpuNow : wallNow;
  const targetNs = batchTargetNs(opts.timeMs);
  const warmupNs = BigInt(Math.round(opts.warmupMs * 1e6));
  const sampleNs = BigInt(Math.round(opts.timeMs * 1e6));
  const rewarmNs = warmupNs / 5n;
  let checksum = 0;

  // Calibrate and warm up.
  collectGarbage();
  let n = 1;
  const warmStart = now();
  for (;;) {
    const t0 = now();
    checksum = fold(checksum, await w.fn(n));
    const t1 = now();
    const dt = Number(t1 - t0);
    const done = t1 - warmStart >= warmupNs;
    if (dt < targetNs / 2) n = Math.min(n * 2, Number.MAX_SAFE_INTEGER);
    else if (dt > 0) n = Math.max(1, Math.round((n * targetNs) / dt));
    if (done && dt >= targetNs / 2) break;
  }

  const rates: number[] = [];
  for (let s = 0; s < opts.samples; s++) {
    collectGarbage();
    // The forced GC frees what earlier samples left, and with it objects that optimised code
    // had embedded (V8 then deoptimises that code: "weak objects"; for the Effect workloads,
    // Effect's run loop itself). Untimed batches for a fifth of the warm-up let V8 optimise it
    // again, so a sample times the workload's steady state rather than the harness's GC.
    for (const r0 = now(); now() - r0 < rewarmNs; ) checksum = fold(checksum, await w.fn(n));
    let ops = 0;
    const t0 = now();
    let elapsed = 0n;
    do {
      checksum = fold(checksum, await w.fn(n));
      ops += n;
      elapsed = now() - t0;
    } while (elapsed < sampleNs);
    rates.push((ops * w.scale * 1e9) / Number(elapsed));
  }

  return rateResult(w, rates, n, checksum);
};
