// NetlinkService.recvmmsg on both layers: the same Effect program gives the same results on the
// simulator and on real NETLINK_USERSOCK sockets (batches, truncation, MSG_WAITFORONE, a blocking
// batch cut by SO_RCVTIMEO, EAGAIN, EBADF, a bad count), and the simulator traces each read of a
// batch and then the call.
import { Effect, Exit, type Scope } from "effect";
import { describe, expect, it } from "vitest";
import {
  encodeMessage,
  getU32,
  MSG_DONTWAIT,
  MSG_TRUNC,
  MSG_WAITFORONE,
  NETLINK_USERSOCK,
  SO_RCVTIMEO,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import { nativeAvailability } from "../native/index.js";
import { World } from "../sim/world.js";
import { Netlink, type NetlinkError, runProcess } from "./index.js";
import { kernelLayer } from "./kernel.js";

const availability = nativeAvailability();
if (!availability.ok) console.warn(`transport/recvmmsg.test.ts: the kernel side is skipped: ${availability.reason}`);

type Program<A> = Effect.Effect<A, NetlinkError, Netlink | Scope.Scope>;

const onSim = async <A>(program: Program<A>, world = new World({ seed: 3 })): Promise<A> => {
  const p = runProcess(world, { name: "prog" }, program);
  const r = await world.run();
  if (r.failed.length > 0) throw r.failed[0]!.error;
  const e = p.exit();
  if (e === undefined || !Exit.isSuccess(e)) throw new Error(`sim: the program did not succeed: ${String(e)}`);
  return e.value;
};

const onKernel = <A>(program: Program<A>): Promise<A> =>
  Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(kernelLayer)));

const msg = (seq: number, n = 4): Uint8Array =>
  encodeMessage({ type: 0x10, seq, payload: new Uint8Array(n).fill(seq) });
const errno = <A>(e: Effect.Effect<A, NetlinkError>): Effect.Effect<A | string> =>
  Effect.catchTag(e, "NetlinkError", (x) => Effect.succeed(`${x.syscall}: ${x.errno}`));
const timeval = (ms: number): Uint8Array => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setBigInt64(8, BigInt(ms * 1000), true);
  return b;
};

const batches: Program<Record<string, unknown>> = Effect.gen(function* () {
  const nl = yield* Netlink;
  const a = yield* nl.socket(NETLINK_USERSOCK);
  const b = yield* nl.socket(NETLINK_USERSOCK);
  yield* nl.bind(a, { pid: 0, groups: 0 });
  yield* nl.bind(b, { pid: 0, groups: 0 });
  const to = yield* nl.getsockname(a);
  const pb = (yield* nl.getsockname(b)).pid;
  const seqs = (ds: ReadonlyArray<{ data: Uint8Array }>) => ds.map((d) => getU32(d.data, 8));
  const out: Record<string, unknown> = {};
  for (let i = 1; i <= 5; i++) yield* nl.sendto(b, msg(i), { to });
  const first = yield* nl.recvmmsg(a, 3, 64, MSG_DONTWAIT);
  out.first = seqs(first);
  out.fromB = first.every((d) => d.from.pid === pb && d.length === 20 && d.msgFlags === 0);
  out.rest = seqs(yield* nl.recvmmsg(a, 8, 64, MSG_DONTWAIT));
  out.empty = yield* errno(nl.recvmmsg(a, 8, 64, MSG_DONTWAIT));
  out.none = (yield* nl.recvmmsg(a, 0, 64)).length;
  out.badCount = yield* errno(nl.recvmmsg(a, -1, 64));
  // truncation: each datagram's real length, 20 bytes of it, MSG_TRUNC
  yield* nl.sendto(b, msg(6, 100), { to });
  yield* nl.sendto(b, msg(7, 100), { to });
  out.trunc = (yield* nl.recvmmsg(a, 4, 20, MSG_DONTWAIT | MSG_TRUNC)).map((d) => [
    d.length,
    d.data.length,
    d.msgFlags,
  ]);
  // MSG_WAITFORONE on a blocking socket: what is queued, at once
  yield* nl.setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, timeval(50));
  yield* nl.sendto(b, msg(8), { to });
  yield* nl.sendto(b, msg(9), { to });
  out.waitForOne = seqs(yield* nl.recvmmsg(a, 4, 64, MSG_WAITFORONE));
  // without it a blocking batch waits for every datagram: SO_RCVTIMEO ends it with what it has
  yield* nl.sendto(b, msg(10), { to });
  out.cutByTimeout = seqs(yield* nl.recvmmsg(a, 4, 64));
  out.timedOut = yield* errno(nl.recvmmsg(a, 4, 64, MSG_WAITFORONE));
  yield* nl.close(b);
  out.closed = yield* errno(nl.recvmmsg(b, 4, 64));
  return out;
});

const expected = {
  first: [1, 2, 3],
  fromB: true,
  rest: [4, 5],
  empty: "recvmmsg: EAGAIN",
  none: 0,
  badCount: "recvmmsg: EINVAL",
  trunc: [
    [116, 20, MSG_TRUNC],
    [116, 20, MSG_TRUNC],
  ],
  waitForOne: [8, 9],
  cutByTimeout: [10],
  timedOut: "recvmmsg: EAGAIN",
  closed: "recvmmsg: EBADF",
};

describe("Netlink.recvmmsg", () => {
  it("reads batches on the simulator", async () => {
    expect(await onSim(batches)).toEqual(expected);
  });

  it.skipIf(!availability.ok)("reads the same batches on real sockets", async () => {
    expect(await onKernel(batches)).toEqual(expected);
  });

  it("traces each read of a batch (its place in it) and then the call, on the simulator", async () => {
    const world = new World({ seed: 3 });
    await onSim(
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const a = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(a, { pid: 0, groups: 0 });
        const to = yield* nl.getsockname(a);
        for (let i = 1; i <= 3; i++) yield* nl.sendto(a, msg(i), { to });
        return yield* nl.recvmmsg(a, 8, 64, MSG_DONTWAIT);
      }),
      world,
    );
    const calls = world.trace
      .snapshot()
      .events.flatMap((e) =>
        e.kind === "syscall" && (e.call === "recvmsg" || e.call === "recvmmsg")
          ? [e.call === "recvmsg" ? `recvmsg mmsg=${e.mmsg} ret=${e.ret}` : `recvmmsg vlen=${e.vlen} ret=${e.ret}`]
          : [],
      );
    expect(calls).toEqual([
      "recvmsg mmsg=0 ret=20",
      "recvmsg mmsg=1 ret=20",
      "recvmsg mmsg=2 ret=20",
      "recvmmsg vlen=8 ret=3",
    ]);
  });

  it("wakes a batch blocked in MSG_WAITFORONE when another process sends, in virtual time", async () => {
    const world = new World({ seed: 4 });
    let port = 0;
    const reader = runProcess(
      world,
      { name: "reader" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const a = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(a, { pid: 0, groups: 0 });
        port = (yield* nl.getsockname(a)).pid;
        const ds = yield* nl.recvmmsg(a, 8, 64, MSG_WAITFORONE);
        return { seqs: ds.map((d) => getU32(d.data, 8)), at: world.now };
      }),
    );
    runProcess(
      world,
      { name: "writer" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        yield* Effect.sleep("10 millis");
        const b = yield* nl.socket(NETLINK_USERSOCK);
        for (let i = 1; i <= 3; i++) yield* nl.sendto(b, msg(i), { to: { pid: port, groups: 0 } });
      }),
    );
    const r = await world.run();
    expect(r.failed).toEqual([]);
    const e = reader.exit();
    expect(e !== undefined && Exit.isSuccess(e) ? e.value : e).toEqual({ seqs: [1, 2, 3], at: 10_000_000 });
  });
});
