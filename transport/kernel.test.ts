// The kernel layer against the sim layer: the same Effect programs, on NETLINK_USERSOCK, give the
// same results on the simulator (runProcess) and on real sockets (kernelLayer).
import { Effect, Exit, Fiber, Layer, type Scope } from "effect";
import { describe, expect, it } from "vitest";
import {
  encodeMessage,
  MSG_DONTWAIT,
  NETLINK_USERSOCK,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import { type NetlinkAddon, nativeAvailability, nativeNetlink } from "../native/index.js";
import { World } from "../sim/world.js";
import { Netlink, type NetlinkError, POLLIN, POLLOUT, runProcess } from "./index.js";
import { KernelUnavailable, kernelLayer, makeKernelNetlink } from "./kernel.js";

const availability = nativeAvailability();
const skip = !availability.ok;
if (!availability.ok) console.warn(`transport/kernel.test.ts: the kernel side is skipped: ${availability.reason}`);

type Program<A> = Effect.Effect<A, NetlinkError, Netlink | Scope.Scope>;

const onSim = async <A>(program: Program<A>): Promise<A> => {
  const w = new World({ seed: 7 });
  const p = runProcess(w, { name: "prog" }, program);
  const r = await w.run();
  if (r.failed.length > 0) throw r.failed[0]!.error;
  if (r.deadlocked.length > 0) throw new Error(`sim: deadlocked: ${r.deadlocked.join(", ")}`);
  const e = p.exit();
  if (e === undefined || !Exit.isSuccess(e)) throw new Error(`sim: the program did not succeed: ${String(e)}`);
  return e.value;
};

const onKernel = <A>(program: Program<A>): Promise<A> =>
  Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(kernelLayer)));

const msg = (seq: number, n = 4): Uint8Array =>
  encodeMessage({ type: 0x10, seq, payload: new Uint8Array(n).fill(seq) });
const errno = <A>(e: Effect.Effect<A, NetlinkError>): Effect.Effect<A | string> =>
  Effect.catchTag(e, "NetlinkError", (x) => Effect.succeed(x.errno));
const timeval = (ms: number): Uint8Array => {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ms / 1000)), true);
  v.setBigInt64(8, BigInt((ms % 1000) * 1000), true);
  return b;
};

/** Two sockets: unicast, truncation, peek, timeouts, poll, a full queue, close. Port ids as names. */
const basics: Program<unknown> = Effect.gen(function* () {
  const nl = yield* Netlink;
  const a = yield* nl.socket(NETLINK_USERSOCK);
  const b = yield* nl.socket(NETLINK_USERSOCK);
  yield* nl.bind(a, { pid: 0, groups: 0 });
  const pa = (yield* nl.getsockname(a)).pid;
  const out: Record<string, unknown> = {};
  const name = (pid: number): string => (pid === pa ? "a" : pid === 0 ? "0" : "other");
  out.sent = yield* nl.sendto(b, msg(1), { to: { pid: pa, groups: 0 } });
  const pb = (yield* nl.getsockname(b)).pid;
  const nameB = (pid: number): string => (pid === pb ? "b" : name(pid));
  out.pollData = (yield* nl.poll([{ socket: a, events: POLLIN | POLLOUT }], 0)).map((r) => r.revents);
  const peek = yield* nl.recvmsg(a, 8, MSG_DONTWAIT | 2 /* MSG_PEEK */);
  out.peek = { length: peek.length, copied: peek.data.length, flags: peek.msgFlags, from: nameB(peek.from.pid) };
  const got = yield* nl.recvmsg(a, 4096);
  out.got = { length: got.length, from: nameB(got.from.pid), data: Array.from(got.data) };
  out.empty = yield* errno(nl.recvmsg(a, 4096, MSG_DONTWAIT));
  out.pollEmpty = (yield* nl.poll([{ socket: a, events: POLLIN }], 0)).map((r) => r.revents);
  out.pollTimeout = (yield* nl.poll([{ socket: a, events: POLLIN }], 30)).map((r) => r.revents);
  yield* nl.setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, timeval(40));
  out.rcvtimeo = yield* errno(nl.recvmsg(a, 4096));
  // a full receiver: the blocking send waits SO_SNDTIMEO, then EAGAIN
  yield* nl.setsockopt(a, SOL_SOCKET, SO_RCVBUF, 0);
  out.rcvbuf = Array.from(yield* nl.getsockopt(a, SOL_SOCKET, SO_RCVBUF));
  const sends: Array<number | string> = [];
  for (let i = 0; i < 4; i++)
    sends.push(yield* errno(nl.sendto(b, msg(i, 1500), { to: { pid: pa, groups: 0 }, flags: MSG_DONTWAIT })));
  out.fullSends = sends;
  yield* nl.setsockopt(b, SOL_SOCKET, 21 /* SO_SNDTIMEO */, timeval(40));
  out.blockedSend = yield* errno(nl.sendto(b, msg(9), { to: { pid: pa, groups: 0 } }));
  out.connectUnspec = yield* errno(nl.connect(b, "unspec"));
  out.peer = yield* nl.getpeername(b);
  yield* nl.close(a);
  out.closed = yield* errno(nl.recvmsg(a, 16, MSG_DONTWAIT));
  out.closeTwice = yield* errno(nl.close(a));
  return out;
});

/** A blocking recvmsg in one fiber while another fiber sleeps, then sends: nothing blocks the loop. */
const blockingReceive: Program<unknown> = Effect.gen(function* () {
  const nl = yield* Netlink;
  const a = yield* nl.socket(NETLINK_USERSOCK);
  const b = yield* nl.socket(NETLINK_USERSOCK);
  yield* nl.bind(a, { pid: 0, groups: 0 });
  yield* nl.bind(b, { pid: 0, groups: 0 });
  const pa = (yield* nl.getsockname(a)).pid;
  const c = yield* nl.socket(NETLINK_USERSOCK);
  yield* nl.bind(c, { pid: 0, groups: 0 });
  const pc = (yield* nl.getsockname(c)).pid;
  // (a poll and a recvmsg waiting on the same socket race for its datagram: not here)
  const reader = yield* Effect.forkChild(nl.recvmsg(a, 4096));
  const poller = yield* Effect.forkChild(
    nl.poll(
      [
        { socket: b, events: POLLIN },
        { socket: c, events: POLLIN },
      ],
      -1,
    ),
  );
  yield* Effect.sleep("20 millis");
  yield* nl.sendto(b, msg(4), { to: { pid: pc, groups: 0 } });
  const polled = yield* Fiber.join(poller);
  yield* Effect.sleep("5 millis");
  yield* nl.sendto(b, msg(5), { to: { pid: pa, groups: 0 } });
  const d = yield* Fiber.join(reader);
  // an interrupted blocking recvmsg loses nothing
  const waiting = yield* Effect.forkChild(nl.recvmsg(a, 4096));
  yield* Effect.sleep("5 millis");
  yield* Fiber.interrupt(waiting);
  yield* nl.sendto(b, msg(6), { to: { pid: pa, groups: 0 } });
  const after = yield* nl.recvmsg(a, 4096);
  return { revents: polled.map((r) => r.revents), seq: d.data[8], length: d.length, after: after.data[8] };
});

/**
 * One send or receive effect used several ways: yielded twice (the syscall runs each time), piped,
 * failing (a typed NetlinkError, also when yielded), and a failure caught by the program.
 */
const effectsReused: Program<unknown> = Effect.gen(function* () {
  const nl = yield* Netlink;
  const a = yield* nl.socket(NETLINK_USERSOCK);
  yield* nl.bind(a, { pid: 0, groups: 0 });
  const pa = (yield* nl.getsockname(a)).pid;
  const send = nl.sendto(a, msg(7), { to: { pid: pa, groups: 0 } });
  const sent = [yield* send, yield* send, yield* Effect.map(send, (n) => n + 1)];
  const recv = nl.recvmsg(a, 4096, MSG_DONTWAIT);
  const got = [(yield* recv).length, (yield* recv).data[8], yield* Effect.map(recv, (d) => d.data[8])];
  const empty = yield* errno(recv);
  const failed = yield* Effect.exit(recv);
  return { sent, got, empty, failedTag: Exit.isFailure(failed) ? String(failed.cause).includes("EAGAIN") : "no" };
});

const programs: Record<string, Program<unknown>> = { basics, blockingReceive, effectsReused };

describe("the kernel layer", () => {
  it("fails to build with KernelUnavailable carrying the reason when native is unavailable", async () => {
    const exit = await Effect.runPromiseExit(Layer.build(kernelLayer).pipe(Effect.scoped));
    if (availability.ok) expect(Exit.isSuccess(exit)).toBe(true);
    else {
      expect(Exit.isFailure(exit)).toBe(true);
      const err = Exit.isFailure(exit) ? exit.cause : undefined;
      expect(String(err)).toContain(availability.reason.slice(0, 20));
    }
    expect(new KernelUnavailable({ reason: "r", message: "m" })._tag).toBe("KernelUnavailable");
  });
});

describe.skipIf(skip)("the same Effect program on the sim layer and the kernel layer (NETLINK_USERSOCK)", () => {
  for (const [name, program] of Object.entries(programs)) {
    it(name, async () => {
      const sim = await onSim(program);
      const kernel = await onKernel(program);
      expect(kernel).toEqual(sim);
    });
  }

  it("an addon without the fast path (sendTo/recvInto) gives the same results through recvmsg/sendmsg", async () => {
    const addon = nativeNetlink();
    const { sendTo: _s, recvInto: _r, ...older } = addon;
    const olderLayer = Layer.succeed(Netlink, makeKernelNetlink(older as unknown as NetlinkAddon));
    for (const program of Object.values(programs)) {
      const viaOld = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(olderLayer)));
      expect(viaOld).toEqual(await onSim(program));
    }
  });

  it("a fiber looping on non-blocking calls that never wait still lets other fibers run", async () => {
    const r = await onKernel(
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const a = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(a, { pid: 0, groups: 0 });
        const to = yield* nl.getsockname(a);
        let ran = false;
        yield* Effect.forkChild(Effect.sync(() => (ran = true)));
        let rounds = 0;
        // every call succeeds at once: only the fiber's own yields (every few thousand operations) let the child run
        while (!ran && rounds < 100_000) {
          yield* nl.sendto(a, msg(1), { to, flags: MSG_DONTWAIT });
          yield* nl.recvmsg(a, 64, MSG_DONTWAIT);
          rounds++;
        }
        return { ran, rounds };
      }),
    );
    expect(r.ran).toBe(true);
    expect(r.rounds).toBeLessThan(100_000);
  });

  it("every build of kernelLayer hands out the same service: one per addon", async () => {
    const service = () =>
      Effect.runPromise(
        Effect.gen(function* () {
          return yield* Netlink;
        }).pipe(Effect.provide(kernelLayer)),
      );
    const [first, second] = [await service(), await service()];
    expect(second).toBe(first);
    expect(second.sendto).toBe(first.sendto);
  });

  it("honours SO_RCVTIMEO in real time without blocking the event loop", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    const r = await onKernel(
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const a = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(a, { pid: 0, groups: 0 });
        yield* nl.setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, timeval(150));
        return yield* errno(nl.recvmsg(a, 64));
      }),
    );
    clearInterval(timer);
    expect(r).toBe("EAGAIN");
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(ticks).toBeGreaterThan(5);
  });
});
