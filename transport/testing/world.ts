// A world per test, its seed on every failure: `withWorld(async (world) => ...)` builds the world
// from NLSIM_SEED (when set) or the given seed, runs the body, and adds
// "seed N (replay: NLSIM_SEED=N)" to whatever the body throws. With `narrate: N` (or
// NLSIM_NARRATE=N) a failure also carries the last N steps of the world, narrated as `nlsim walk`
// narrates an example.
import { Narrator } from "../../sim/walk/narrate.js";
import { TailSink } from "../../sim/walk/tail.js";
import { type RunResult, World, type WorldOptions } from "../../sim/world.js";
import { writePcap } from "./pcap.js";

/** The environment variable that fixes the seed of every world a test kit builds. */
export const SEED_ENV = "NLSIM_SEED";
/** The seed when neither the test nor the environment gives one. */
export const DEFAULT_SEED = 1;

/** NLSIM_SEED as a number, or undefined when unset; throws on a value that is not an integer. */
export const seedFromEnv = (env: Readonly<Record<string, string | undefined>> = process.env): number | undefined => {
  const raw = env[SEED_ENV];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n)) throw new Error(`${SEED_ENV}=${raw} is not an integer seed`);
  return n;
};

/** The environment variable that turns on the narration of failures in every test world: a number of steps. */
export const NARRATE_ENV = "NLSIM_NARRATE";

/** NLSIM_NARRATE as a number of steps, or undefined when unset; throws on a value that is not a positive integer. */
export const narrateFromEnv = (env: Readonly<Record<string, string | undefined>> = process.env): number | undefined => {
  const raw = env[NARRATE_ENV];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${NARRATE_ENV}=${raw} is not a number of steps`);
  return n;
};

/** The line added to a failure: "seed 42 (replay: NLSIM_SEED=42)". */
export const seedNote = (seed: number): string => `seed ${seed} (replay: ${SEED_ENV}=${seed})`;

/** Adds the seed note to an error's message (and the first line of its stack) once; non-errors become Errors. */
export const addSeed = (error: unknown, seed: number): Error => {
  const note = seedNote(seed);
  const e = error instanceof Error ? error : new Error(String(error));
  if (e.message.includes(note)) return e;
  const old = e.message;
  e.message = old === "" ? note : `${old}\n${note}`;
  if (typeof e.stack === "string") {
    const i = e.stack.indexOf(old);
    e.stack =
      i >= 0 && old !== "" ? e.stack.slice(0, i) + e.message + e.stack.slice(i + old.length) : `${e.stack}\n${note}`;
  }
  return e;
};

/** The options of a test's world: the world's own, and the test kit's. */
export interface TestWorldOptions extends Omit<WorldOptions, "seed"> {
  /**
   * withWorld (and nltest) write the world's capture (pcap, for Wireshark) to this file when the
   * body ends, whether it passed or failed; a failure names the file.
   */
  readonly pcap?: string;
  /**
   * Narrate the world as `nlsim walk` does and, when the test fails, add the last `narrate` steps
   * before the failure to the error (0: off). NLSIM_NARRATE=N overrides it for every test world.
   * Narration needs the trace, so it keeps `trace` on.
   */
  readonly narrate?: number;
}

/** The narrations of test worlds that have one. */
const narrations = new WeakMap<World, TailSink>();

/** A world whose seed is NLSIM_SEED, else `seed`, else DEFAULT_SEED. */
export const testWorld = (seed?: number, options: TestWorldOptions = {}): World => {
  const { pcap: _pcap, narrate: asked, ...opts } = options;
  const narrate = narrateFromEnv() ?? asked ?? 0;
  if (!Number.isSafeInteger(narrate) || narrate < 0)
    throw new RangeError(`narrate: ${narrate} is not a number of steps`);
  const world = new World({
    ...opts,
    ...(narrate > 0 ? { trace: true } : {}),
    seed: seedFromEnv() ?? seed ?? DEFAULT_SEED,
  });
  if (narrate > 0) {
    const tail = new TailSink(narrate);
    const narrator = new Narrator({}, tail, { decodeSends: true });
    world.trace.onEvent((e) => narrator.onEvent(e, world));
    narrations.set(world, tail);
  }
  return world;
};

/** The first words of a narration added to a failure. */
export const NARRATION_HEAD = "the last steps of the world before the failure";

/**
 * The narration of a test world's last steps so far (as `nlsim walk` prints them), with a header
 * line; undefined when the world was made without `narrate` (and NLSIM_NARRATE unset).
 */
export const worldNarration = (world: World): string | undefined => {
  const tail = narrations.get(world);
  if (tail === undefined) return undefined;
  const { total, kept } = tail.counts;
  const head = `${NARRATION_HEAD} (${kept} of ${total} steps, narrated as nlsim walk does):`;
  return [head, ...tail.lines()].join("\n");
};

/** Adds the world's narration (if it has one) to an error's message, once. */
export const addNarration = (error: Error, world: World): Error => {
  const text = worldNarration(world);
  if (text === undefined || error.message.includes(NARRATION_HEAD)) return error;
  // before the seed's line, which stays the last
  const note = `\n${seedNote(world.prng.seed)}`;
  const m = error.message;
  error.message = m.endsWith(note) ? `${m.slice(0, -note.length)}\n${text}${note}` : `${m}\n${text}`;
  return error;
};

/**
 * Runs the world to the end; throws (naming every failed task and the deadlocked ones, with the
 * seed) if a task failed or slept forever.
 */
export const runWorld = async (world: World): Promise<RunResult> => {
  const r = await world.run();
  if (r.failed.length > 0 || r.deadlocked.length > 0) {
    const lines: string[] = [];
    for (const f of r.failed)
      lines.push(`task ${f.task} failed: ${f.error instanceof Error ? f.error.message : String(f.error)}`);
    if (r.deadlocked.length > 0) lines.push(`deadlocked: ${r.deadlocked.join(", ")}`);
    throw addNarration(addSeed(new Error(lines.join("\n")), world.prng.seed), world);
  }
  return r;
};

type Body<A> = (world: World) => Promise<A> | A;

/**
 * A fresh world for one test: `it("...", () => withWorld(async (world) => { ... }))`, or with a
 * seed: `withWorld(7, async (world) => ...)`. NLSIM_SEED overrides the seed, so a printed failure
 * replays with `NLSIM_SEED=7 npx vitest run -t "..."`.
 */
export function withWorld<A>(body: Body<A>): Promise<A>;
export function withWorld<A>(seed: number | undefined, body: Body<A>, options?: TestWorldOptions): Promise<A>;
export async function withWorld<A>(
  a: number | undefined | Body<A>,
  b?: Body<A>,
  options?: TestWorldOptions,
): Promise<A> {
  const seed = typeof a === "function" ? undefined : a;
  const body = typeof a === "function" ? a : b!;
  const world = testWorld(seed, options);
  const pcap = options?.pcap;
  let value: A;
  try {
    value = await body(world);
  } catch (e) {
    const err = addNarration(addSeed(e, world.prng.seed), world);
    if (pcap !== undefined) {
      const n = writePcap(pcap, world);
      err.message = `${err.message}\ncapture: ${pcap} (${n} frames; open it in Wireshark)`;
    }
    throw err;
  }
  if (pcap !== undefined) writePcap(pcap, world);
  return value;
}
