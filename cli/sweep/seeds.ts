// Which seeds a sweep runs, and what its JSON result says. A shard i/n of `--seeds N --from S`
// is a contiguous block of the range, so shards 1..n together cover exactly the whole range and a
// failing seed names its own replay; results of the shards merge back into one (`sweep merge`).

/** The half-open range of seeds [start, end) a shard runs. */
export interface SeedRange {
  readonly start: number;
  readonly end: number;
}

/** "i/n" with 1 ≤ i ≤ n, or an error message. */
export const parseShard = (s: string): { readonly index: number; readonly count: number } | string => {
  const m = /^(\d+)\/(\d+)$/.exec(s.trim());
  if (m === null) return `--shard ${s}: expected i/n, e.g. 2/8`;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return `--shard ${s}: need 1 ≤ i ≤ n`;
  return { index, count };
};

/** Shard `index` of `count` (1-based) of the seeds from..from+seeds−1. */
export const shardRange = (from: number, seeds: number, index = 1, count = 1): SeedRange => ({
  start: from + Math.floor((seeds * (index - 1)) / count),
  end: from + Math.floor((seeds * index) / count),
});

/** One failing seed, with the command that replays it. */
export interface SweepFailure {
  readonly seed: number;
  readonly error: string;
  readonly replay: string;
}

/** The last line of `nlsim sweep ... --json`. */
export interface SweepReport {
  readonly target: string;
  /** how many seeds ran */
  readonly seeds: number;
  /** the seeds that failed, ascending */
  readonly failed: ReadonlyArray<number>;
  readonly failures: ReadonlyArray<SweepFailure>;
  readonly workers: number;
  /** wall-clock seconds (for a merge: the longest shard's) */
  readonly seconds: number;
  /** the seed ranges covered, [start, end) each, sorted */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  readonly seedsPerSecond: number;
}

export class MergeError extends Error {
  readonly _tag = "MergeError" as const;
}

const isReport = (v: unknown): v is SweepReport => {
  if (typeof v !== "object" || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.target === "string" &&
    typeof r.seeds === "number" &&
    Array.isArray(r.failed) &&
    Array.isArray(r.failures) &&
    typeof r.workers === "number" &&
    typeof r.seconds === "number" &&
    Array.isArray(r.ranges)
  );
};

/** The report in a sweep's output: its last non-empty line, which must be the JSON object. */
export const readReport = (text: string, name: string): SweepReport => {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const last = lines[lines.length - 1];
  if (last === undefined) throw new MergeError(`${name}: empty (expected the output of nlsim sweep --json)`);
  let v: unknown;
  try {
    v = JSON.parse(last);
  } catch {
    throw new MergeError(`${name}: the last line is not JSON (expected the output of nlsim sweep --json)`);
  }
  if (!isReport(v))
    throw new MergeError(`${name}: not a sweep report (target, seeds, failed, workers, seconds, ranges)`);
  return v;
};

/** Merges shard reports of one target: seeds add up, ranges must not overlap. */
export const mergeReports = (
  reports: ReadonlyArray<SweepReport>,
): SweepReport & { readonly shards: number; readonly gaps: ReadonlyArray<readonly [number, number]> } => {
  if (reports.length === 0) throw new MergeError("nothing to merge");
  const target = reports[0]!.target;
  for (const r of reports) {
    if (r.target !== target)
      throw new MergeError(`cannot merge sweeps of different targets: '${target}' and '${r.target}'`);
  }
  const ranges = reports.flatMap((r) => r.ranges.map(([a, b]) => [a, b] as const)).sort((x, y) => x[0] - y[0]);
  const gaps: Array<readonly [number, number]> = [];
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    const cur = ranges[i]!;
    if (cur[0] < prev[1])
      throw new MergeError(`shards overlap: seeds [${cur[0]}, ${Math.min(prev[1], cur[1])}) ran twice`);
    if (cur[0] > prev[1]) gaps.push([prev[1], cur[0]]);
  }
  const seeds = reports.reduce((n, r) => n + r.seeds, 0);
  const seconds = Math.max(...reports.map((r) => r.seconds));
  const failures = reports.flatMap((r) => r.failures).sort((a, b) => a.seed - b.seed);
  return {
    target,
    seeds,
    failed: failures.map((f) => f.seed),
    failures,
    workers: reports.reduce((n, r) => n + r.workers, 0),
    seconds,
    ranges,
    seedsPerSecond: seconds > 0 ? Math.round(seeds / seconds) : 0,
    shards: reports.length,
    gaps,
  };
};
