// nltest: the whole common case in one call — a world, a fake kernel module, one program (Effect
// or async) as a simulated process, the world run to its end — as Go's nltest fakes a
// connection with one function, but on the model, so buffers, multicast, overruns and dumps are
// real:
//   const { value } = await nltest({ protocol: 25, handle: (msg, reply) => reply.ack() },
//     async (nl) => (await nl.openConn(25)).requestAck({ type: 0x10 }));
import { Effect, Exit, type Scope } from "effect";
import type { ProcessOptions } from "../../sim/process.js";
import type { World } from "../../sim/world.js";
import type { Creds } from "../creds.js";
import type { InetRaw } from "../inet.js";
import type { Netlink } from "../netlink.js";
import type { Procfs } from "../procfs.js";
import { type PromiseNetlink, runPromiseProcess } from "../promise.js";
import { runProcess } from "../sim.js";
import { type FakeModule, type FakeModuleOptions, fakeModule } from "./fake-module.js";
import { runWorld, type TestWorldOptions, withWorld } from "./world.js";

/** What the program may use: the sim layer's services and a scope. */
export type NltestServices = Netlink | Procfs | InetRaw | Creds | Scope.Scope;

export interface NltestOptions {
  /** the world's seed (NLSIM_SEED overrides it, as in withWorld) */
  readonly seed?: number;
  /** other world options (netlink input mode, trace, a pcap file to write, …) */
  readonly world?: TestWorldOptions;
  /** the program's process: name (default "test"), uid, gid, caps, pid */
  readonly process?: Partial<ProcessOptions>;
}

export interface NltestResult<A> {
  /** what the program returned */
  readonly value: A;
  /** the world after the run: its trace, dmesg, /proc/net/netlink (procRow) */
  readonly world: World;
  /** the fake module: `received` holds every request it saw */
  readonly module: FakeModule;
}

/**
 * Runs `program` against a fake module claiming `module.protocol`, and resolves with its value.
 * The program is an Effect (over the sim layer's services) or an async function given the
 * Promise API. Rejects with the program's failure (or a task's, or a deadlock), with the seed
 * note (`seed N (replay: NLSIM_SEED=N)`).
 */
export function nltest<A, E>(
  module: FakeModuleOptions,
  program: Effect.Effect<A, E, NltestServices>,
  options?: NltestOptions,
): Promise<NltestResult<A>>;
export function nltest<A>(
  module: FakeModuleOptions,
  program: (nl: PromiseNetlink) => Promise<A>,
  options?: NltestOptions,
): Promise<NltestResult<A>>;
export function nltest<A, E>(
  module: FakeModuleOptions,
  program: Effect.Effect<A, E, NltestServices> | ((nl: PromiseNetlink) => Promise<A>),
  options: NltestOptions = {},
): Promise<NltestResult<A>> {
  return withWorld(
    options.seed,
    async (world) => {
      const mod = fakeModule(world, module);
      const proc: ProcessOptions = { ...options.process, name: options.process?.name ?? "test" };
      let read: () => A;
      if (Effect.isEffect(program)) {
        const p = runProcess(world, proc, program);
        read = () => {
          const exit = p.exit();
          if (exit === undefined) throw new Error(`${proc.name}: the program did not finish`);
          if (Exit.isFailure(exit)) throw new Error(`${proc.name}: the program failed`);
          return exit.value;
        };
      } else {
        let value: { readonly v: A } | undefined;
        runPromiseProcess(world, proc, async (nl) => {
          value = { v: await program(nl) };
        });
        read = () => {
          if (value === undefined) throw new Error(`${proc.name}: the program did not finish`);
          return value.v;
        };
      }
      await runWorld(world);
      return { value: read(), world, module: mod };
    },
    options.world,
  );
}
