// The same client as a plain Promise API, for programs that do not use Effect: async methods,
// async iterators for dumps and subscriptions, and close(). Errors are the client's typed errors
// (NetlinkRequestError, DumpInterruptedError, NetlinkProtocolError, NetlinkError), thrown as is.
//
// On the simulator a Promise program runs as a process of the world with `runPromiseProcess`:
//   runPromiseProcess(world, { name: "app" }, async (nl) => {
//     const conn = await nl.openConn(25);
//     await conn.requestAck({ type: 0x10 });
//     for await (const m of conn.dump({ type: 0x11 })) console.log(m.type);
//     await conn.close();
//   });
// Elsewhere (the kernel layer), `promiseNetlink(context)` runs the calls with a Netlink context.
import { Cause, type Context, Effect, Exit, type Fiber, Pull, type Scheduler, Scope, Stream } from "effect";
import type { NlMsg, NlMsgInit, SockFilter } from "../kernel-model/uapi/index.js";
import { type ProcessOptions, type SimProcess, spawnProcess } from "../sim/process.js";
import type { World } from "../sim/world.js";
import {
  type ConnOptions,
  type GenlFamilyInfo,
  type GenlMessage,
  type GenlRequest,
  type NetlinkConn,
  open,
  type RequestOptions,
  type SubscriptionEvent,
} from "./client.js";
import { type AttachFilterOptions, Netlink } from "./netlink.js";
import { processContext } from "./sim.js";
import { driveProcess, SimRuntime } from "./sim-runtime.js";

/** A connection with async methods. */
export interface PromiseConn {
  readonly protocol: number;
  readonly portId: number;
  /** the Effect conn underneath (its socket, for setsockopt through the service) */
  readonly conn: NetlinkConn;
  request(msg: NlMsgInit, options?: RequestOptions): Promise<ReadonlyArray<NlMsg>>;
  requestAck(msg: NlMsgInit, options?: RequestOptions): Promise<ReadonlyArray<NlMsg>>;
  /** for await: the dump's messages; throws DumpInterruptedError (with every message) at the end if interrupted */
  dump(msg: NlMsgInit, options?: RequestOptions): AsyncIterableIterator<NlMsg>;
  /** for await: multicast messages and Overrun events; `break` leaves the groups */
  subscribe(groups: number | ReadonlyArray<number>): AsyncIterableIterator<SubscriptionEvent>;
  resolveFamily(name: string): Promise<GenlFamilyInfo>;
  genlRequest(family: number | GenlFamilyInfo, req: GenlRequest): Promise<ReadonlyArray<GenlMessage>>;
  genlDump(family: number | GenlFamilyInfo, req: GenlRequest): AsyncIterableIterator<GenlMessage>;
  /** setsockopt(2) on the conn's socket; a number is passed as a 4-byte int */
  setsockopt(level: number, name: number, value: number | Uint8Array): Promise<void>;
  /** getsockopt(2) with an optlen of `length` (default 4): the bytes the kernel wrote */
  getsockopt(level: number, name: number, length?: number): Promise<Uint8Array>;
  /** SO_ATTACH_FILTER: a classic BPF program checked and run by the kernel on every datagram this socket receives */
  attachFilter(program: ReadonlyArray<SockFilter>, options?: AttachFilterOptions): Promise<void>;
  /** SO_DETACH_FILTER (ENOENT without a filter, EPERM once locked) */
  detachFilter(): Promise<void>;
  /** SO_LOCK_FILTER: the filter can no longer be replaced or removed */
  lockFilter(): Promise<void>;
  /** SO_GET_FILTER: the attached program ([] without one) */
  getFilter(): Promise<ReadonlyArray<SockFilter>>;
  /** closes the socket (and ends any iterator still open on it) */
  close(): Promise<void>;
}

/** The entry point a Promise program gets. */
export interface PromiseNetlink {
  openConn(protocol: number, options?: ConnOptions): Promise<PromiseConn>;
  /**
   * Runs an Effect program over the Netlink service (on the simulator: as calls of this
   * process) and resolves with its result; its typed failure rejects as is. For programs of
   * the Effect client that this facade has no method for.
   */
  run<A, E>(effect: Effect.Effect<A, E, Netlink>): Promise<A>;
  /**
   * Runs a program that opens something in a scope (a conn, a YNL client) and keeps that scope
   * open until `close()`.
   */
  scoped<A, E>(effect: Effect.Effect<A, E, Netlink | Scope.Scope>): Promise<PromiseScoped<A>>;
  /** An async iterator over a stream of the Effect client, pulled as it is read; `break` or `return()` closes it. */
  iterate<A, E>(stream: Stream.Stream<A, E, Netlink>): AsyncIterableIterator<A>;
}

/** What `PromiseNetlink.scoped` opened, and how to close it. */
export interface PromiseScoped<A> {
  readonly value: A;
  /** closes the scope: sockets opened in it are closed */
  close(): Promise<void>;
}

/** Runs an effect to a promise: the typed failure is thrown as is (a defect as its squashed cause). */
type Runner = <A, E>(effect: Effect.Effect<A, E, Netlink>) => Promise<A>;

const settle = <A, E>(exit: Exit.Exit<A, E>, resolve: (a: A) => void, reject: (e: unknown) => void): void => {
  if (Exit.isSuccess(exit)) resolve(exit.value);
  else reject(Cause.squash(exit.cause));
};

/** A Runner over a Netlink context and an optional scheduler. */
const runnerOf =
  (context: Context.Context<Netlink>, scheduler?: Scheduler.Scheduler, onFork?: () => void): Runner =>
  <A, E>(effect: Effect.Effect<A, E, Netlink>) =>
    new Promise<A>((resolve, reject) => {
      const fiber: Fiber.Fiber<A, E> = Effect.runForkWith(context)(
        effect,
        scheduler === undefined ? undefined : { scheduler },
      );
      fiber.addObserver((exit) => settle(exit, resolve, reject));
      onFork?.();
    });

/** An async iterator over a stream, pulled chunk by chunk through `run`; closing it closes the stream's scope. */
const iterate = <A, E>(run: Runner, stream: Stream.Stream<A, E, Netlink>): AsyncIterableIterator<A> => {
  let buffer: A[] = [];
  let pull: Effect.Effect<ReadonlyArray<A> | undefined, E> | undefined;
  let scope: Scope.Closeable | undefined;
  let finished = false;
  const finish = async (): Promise<void> => {
    finished = true;
    const s = scope;
    scope = undefined;
    if (s !== undefined) await run(Scope.close(s, Exit.void));
  };
  const it: AsyncIterableIterator<A> = {
    async next(): Promise<IteratorResult<A>> {
      for (;;) {
        if (buffer.length > 0) return { done: false, value: buffer.shift()! };
        if (finished) return { done: true, value: undefined };
        if (pull === undefined) {
          scope = await run(Scope.make());
          const raw = await run(Scope.provide(scope)(Stream.toPull(stream)));
          pull = Effect.catchCause(raw, (cause) =>
            Pull.isDoneCause(cause) ? Effect.succeed(undefined) : Effect.failCause(cause as Cause.Cause<E>),
          );
        }
        let chunk: ReadonlyArray<A> | undefined;
        try {
          chunk = await run(pull);
        } catch (e) {
          await finish();
          throw e;
        }
        if (chunk === undefined) await finish();
        else buffer = [...chunk];
      }
    },
    async return(): Promise<IteratorResult<A>> {
      buffer = [];
      await finish();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
};

/** Runs `effect` in a scope of its own that stays open until the result's close(). */
const scopedWith = async <A, E>(
  run: Runner,
  effect: Effect.Effect<A, E, Netlink | Scope.Scope>,
): Promise<PromiseScoped<A>> => {
  const scope = await run(Scope.make());
  let value: A;
  try {
    value = await run(Scope.provide(scope)(effect));
  } catch (e) {
    await run(Scope.close(scope, Exit.void));
    throw e;
  }
  return { value, close: () => run(Scope.close(scope, Exit.void)) };
};

/**
 * The iterators a Promise client handed out, so that its close() can end the dumps and
 * subscriptions still open: `track` records one, `endAll` returns them all.
 */
export const iteratorTracker = () => {
  const iterators = new Set<AsyncIterableIterator<unknown>>();
  return {
    track: <A>(i: AsyncIterableIterator<A>): AsyncIterableIterator<A> => {
      iterators.add(i as AsyncIterableIterator<unknown>);
      return i;
    },
    endAll: async (): Promise<void> => {
      for (const i of iterators) await i.return?.();
      iterators.clear();
    },
  };
};

/** The Promise API over a runner. */
const facade = (run: Runner): PromiseNetlink => ({
  run,
  scoped: (effect) => scopedWith(run, effect),
  iterate: (stream) => iterate(run, stream),
  async openConn(protocol, options) {
    const { value: conn, close: closeScope } = await scopedWith(run, open(protocol, options));
    const { track, endAll } = iteratorTracker();
    return {
      protocol,
      portId: conn.portId,
      conn,
      request: (msg, o) => run(conn.request(msg, o)),
      requestAck: (msg, o) => run(conn.requestAck(msg, o)),
      dump: (msg, o) => track(iterate(run, conn.dump(msg, o))),
      subscribe: (groups) => track(iterate(run, conn.subscribe(groups))),
      resolveFamily: (name) => run(conn.resolveFamily(name)),
      genlRequest: (family, req) => run(conn.genlRequest(family, req)),
      genlDump: (family, req) => track(iterate(run, conn.genlDump(family, req))),
      setsockopt: (level, name, value) =>
        run(Effect.flatMap(Netlink, (nl) => nl.setsockopt(conn.socket, level, name, value))),
      getsockopt: (level, name, length) =>
        run(Effect.flatMap(Netlink, (nl) => nl.getsockopt(conn.socket, level, name, length))),
      attachFilter: (program, options) =>
        run(Effect.flatMap(Netlink, (nl) => nl.attachFilter(conn.socket, program, options))),
      detachFilter: () => run(Effect.flatMap(Netlink, (nl) => nl.detachFilter(conn.socket))),
      lockFilter: () => run(Effect.flatMap(Netlink, (nl) => nl.lockFilter(conn.socket))),
      getFilter: () => run(Effect.flatMap(Netlink, (nl) => nl.getFilter(conn.socket))),
      async close() {
        await endAll();
        await closeScope();
      },
    };
  },
});

/** The Promise API for any layer: pass the Netlink service's context (e.g. built from the kernel layer). */
export const promiseNetlink = (context: Context.Context<Netlink>): PromiseNetlink => facade(runnerOf(context));

/**
 * Spawns a simulated process running an async `main` with the Promise API. Every call runs as a
 * fiber of the process on its own scheduler; while the program computes between calls the world
 * waits for it (one task at a time), and while its calls block the world runs the others. The
 * program's rejection is the task's failure.
 */
export const runPromiseProcess = (
  world: World,
  opts: ProcessOptions,
  main: (nl: PromiseNetlink) => Promise<void>,
): SimProcess => {
  let rt: SimRuntime | undefined;
  const p = spawnProcess(world, opts, async () => {
    const runtime = rt!;
    // a call forked while the task waits for the program wakes the loop
    let kick: () => void = () => {};
    const run = runnerOf(processContext(runtime), runtime, () => kick());
    let settled = false;
    let failure: unknown;
    const program = main(facade(run)).then(
      () => {
        settled = true;
      },
      (e: unknown) => {
        settled = true;
        failure = e ?? new Error("the program rejected with undefined");
      },
    );
    await driveProcess(runtime, async () => {
      if (settled) return "stop";
      // no call is in flight: the program is computing (on microtasks); wait for its next call or its end
      await Promise.race([program, new Promise<void>((resolve) => (kick = resolve))]);
      kick = () => {};
      return "again";
    });
    if (runtime.killed) return;
    if (failure !== undefined) throw failure;
  });
  rt = new SimRuntime(world, p);
  return p;
};
