// Runs an example's user program as a process of a world: the sim transport, plus the two things
// a runner wants around it: its Console lines go to hooks.out, and its sends are shown to
// hooks.onSend first (walkthroughs decode them). The program itself is unchanged.
import { Console, Effect, type Scope } from "effect";
import { ERRNO, errnoName, parseSockaddrNl } from "../kernel-model/uapi/index.js";
import { type ProcessOptions, spawnProcess } from "../sim/process.js";
import type { World } from "../sim/world.js";
import {
  type EffectProcess,
  Netlink,
  type NetlinkError,
  type NetlinkService,
  type Procfs,
  runProcess,
} from "../transport/index.js";
import type { ExampleHooks } from "./types.js";

const captureConsole = (out: (line: string) => void): Console.Console => {
  const c: Console.Console = Object.create(globalThis.console);
  return Object.assign(c, {
    log: (...args: ReadonlyArray<unknown>) => out(args.map(String).join(" ")),
    info: (...args: ReadonlyArray<unknown>) => out(args.map(String).join(" ")),
  });
};

const tap = (nl: NetlinkService, who: { name: string; pid: number }, hooks: ExampleHooks): NetlinkService =>
  hooks.onSend === undefined
    ? nl
    : {
        ...nl,
        sendto: (socket, data, options) =>
          Effect.suspend(() => {
            const to = options?.to;
            // raw sockaddr bytes are shown as the sockaddr_nl they hold (when they hold one)
            const addr = to instanceof Uint8Array ? (to.length >= 12 ? parseSockaddrNl(to) : undefined) : to;
            hooks.onSend!(who, data, addr);
            return nl.sendto(socket, data, options);
          }),
      };

/** Spawns `program` as process `opts.name`, optionally after `delayMs` of virtual time. */
export const spawnUser = <A>(
  world: World,
  opts: ProcessOptions & { readonly delayMs?: number },
  hooks: ExampleHooks,
  program: Effect.Effect<A, NetlinkError, Netlink | Procfs | Scope.Scope>,
): EffectProcess<A, NetlinkError> => {
  const who = { name: opts.name, pid: 0 };
  const wrapped = Effect.gen(function* () {
    if (opts.delayMs !== undefined) yield* Effect.sleep(`${opts.delayMs} millis`);
    const nl = yield* Netlink;
    return yield* program.pipe(
      Effect.provideService(Netlink, tap(nl, who, hooks)),
      Effect.provideService(Console.Console, captureConsole(hooks.out)),
    );
  });
  const p = runProcess(world, opts, wrapped);
  who.pid = p.process.pid;
  return p;
};

/**
 * A kernel-side action at a given virtual time, run as its own process (insmod/rmmod are
 * processes too): `fn` runs with the world's kernel installed, in process context.
 */
export const atTime = (world: World, name: string, ms: number, fn: () => void): void => {
  spawnProcess(world, { name }, async () => {
    await world.msleep(ms);
    world.insmod(fn, name);
  });
};

/** What kmod's rmmod prints (on stderr) when the module stays: the line a refused rmmod shows. */
export const rmmodError = (name: string, ret: number): string =>
  ret === -ERRNO.EAGAIN
    ? `rmmod: ERROR: Module ${name} is in use`
    : ret === -ERRNO.ENOENT
      ? `rmmod: ERROR: Module ${name} is not currently loaded`
      : `rmmod: ERROR: could not remove module ${name}: ${errnoName(ret) ?? ret}`;

/**
 * `rmmod NAME` at `ms` of virtual time, as a process of its own: delete_module(NAME, O_NONBLOCK).
 * The kernel refuses (EAGAIN) while anything holds a reference on the module (a user socket of a
 * netlink unit it registered): the module stays, its exit does not run, and rmmod's complaint goes
 * to hooks.out with the programs' lines. (kmod's rmmod reads /sys/module/NAME/refcnt first and
 * says "is in use" without making the call; the simulator makes it, so the trace shows the
 * kernel's answer and the reference count.)
 */
export const rmmodAt = (world: World, hooks: ExampleHooks, ms: number, name: string): void => {
  spawnProcess(world, { name: "rmmod" }, async (p) => {
    await world.msleep(ms);
    const ret = p.delete_module(name);
    if (ret < 0) hooks.out(rmmodError(name, ret));
  });
};
