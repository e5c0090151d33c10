// What an example is, for `nlsim run`, `nlsim walk`, `nlsim sweep example` and the examples' own
// tests: a description, its modes, how the world must be built for a mode, `options` (what the
// command line or a test gave, as the example's typed options) and `setup(world, options, hooks)`,
// which sets the example up in that world (insmod, processes, rmmod); examples/runner.ts then
// plays the world and collects the result.
import type { Effect, Scope } from "effect";
import type { NetlinkInputMode } from "../kernel-model/kernel/kernel.js";
import type { World } from "../sim/world.js";
import type { Creds, InetRaw, Netlink, NetlinkAddress, NetlinkError, Procfs } from "../transport/index.js";

/** What the runner and the walkthrough want to hear from an example while it runs. */
export interface ExampleHooks {
  /** a line a program printed (its stdout) */
  readonly out: (line: string) => void;
  /** a user program is about to send these bytes (walkthroughs decode them before the syscall) */
  readonly onSend?: (
    who: { readonly name: string; readonly pid: number },
    data: Uint8Array,
    to?: NetlinkAddress,
  ) => void;
}

/**
 * What `setup` leaves behind: how to read the example's own figures once the world has run, or,
 * when its input cannot be used (an unreadable file), why it refused to start; nothing was set up.
 */
export type ExampleSetup<Details> = { readonly details: () => Details } | { readonly refused: string };

/** A numeric parameter an example accepts with `--set name=value` (an integer in min..max). */
export interface ExampleParam {
  readonly name: string;
  readonly description: string;
  readonly min: number;
  readonly max: number;
}

export interface ExampleMode {
  readonly name: string;
  readonly description: string;
}

/** A walkthrough note shown once, the first time a printk line matches. */
export interface ExampleNote {
  readonly match: RegExp;
  readonly note: string;
}

/**
 * An example. `Options` are its typed options (what a mode, `--set` and `--file` amount to; tests
 * may give them directly), `Details` the figures its setup reads after the run (a module's
 * counters, the user program's statistics).
 */
export interface Example<Options = unknown, Details = unknown> {
  readonly name: string;
  readonly description: string;
  /** the first is the default */
  readonly modes: readonly [ExampleMode, ...ExampleMode[]];
  /** the protocol unit its sockets use (walkthroughs watch those sockets and decode for it) */
  readonly protocol: number;
  /**
   * how a kernel socket's input runs in a mode (the kernel era, or the strict softirq model); null
   * when the example has no kernel netlink socket (the walk then prints no `model:` line)
   */
  readonly netlinkInput: (mode: string) => NetlinkInputMode | null;
  /** the example reads an input file, which `--file PATH` may name (a default otherwise) */
  readonly input?: { readonly description: string };
  /** the parameters `--set` may change (none when undefined) */
  readonly params?: ReadonlyArray<ExampleParam>;
  /**
   * The example's options for a mode (one of `modes`), `--set` parameters (already checked
   * against `params`) and `--file` (examples with `input`; checked readable).
   */
  options(mode: string, params: Readonly<Record<string, number>>, file: string | undefined): Options;
  /**
   * Sets the example up in `world`: insmod, the user programs (their lines go to `hooks.out`), and
   * rmmod as a process of the world at its own virtual moment. The runner then runs the world.
   */
  setup(world: World, options: Options, hooks: ExampleHooks): ExampleSetup<Details>;
  /** one line about a message's payload (the example's structs), for decoded messages */
  readonly describePayload?: (type: number, payload: Uint8Array) => string | undefined;
  /** names of the example's message types */
  readonly typeNames?: Readonly<Record<number, string>>;
  /** API-history and bug notes, keyed on the module's printk lines and the programs' output lines */
  readonly notes?: ReadonlyArray<ExampleNote>;
  /**
   * The user side alone, for the kernel transport (the kernel side is the kmod/ twin, loaded on the
   * real machine). Undefined when the example has none. Files under /proc, AF_INET sockets and
   * credential switches (Procfs, InetRaw, Creds) are provided too, by transport/kernel-files.ts.
   * `file` is `--file` (examples with `input`), already checked readable, as `options` gets it on
   * the simulator.
   */
  readonly userProgram?: (
    mode: string,
    params?: Readonly<Record<string, number>>,
    file?: string,
  ) => Effect.Effect<unknown, NetlinkError, Netlink | Procfs | InetRaw | Creds | Scope.Scope>;
}

/**
 * Reads `--set name=value` strings against an example's parameters: an unknown name, a value
 * that is not an integer, or one out of range is an error message naming the allowed values.
 */
export const parseExampleParams = (
  example: Example,
  sets: ReadonlyArray<string>,
): { readonly params: Readonly<Record<string, number>> } | { readonly error: string } => {
  const known = example.params ?? [];
  const params: Record<string, number> = {};
  for (const s of sets) {
    const m = /^([A-Za-z][A-Za-z0-9_-]*)=(-?\d+)$/.exec(s);
    if (m === null) return { error: `--set ${s}: expected name=integer` };
    const p = known.find((k) => k.name === m[1]);
    if (p === undefined) {
      const names = known.map((k) => k.name).join(", ");
      return {
        error: `${example.name} has no parameter '${m[1]}' (${names === "" ? "it takes none" : `parameters: ${names}`})`,
      };
    }
    const v = Number(m[2]);
    if (!Number.isSafeInteger(v) || v < p.min || v > p.max) {
      return { error: `--set ${p.name}=${m[2]}: ${p.description} must be in ${p.min}..${p.max}` };
    }
    params[p.name] = v;
  }
  return { params };
};
