// Socket filters through the Netlink service (attachFilter, detachFilter, lockFilter, getFilter):
// the same Effect program on the sim layer and, when the native addon is there, on real sockets.
import { Effect, Exit, type Scope } from "effect";
import { describe, expect, it } from "vitest";
import {
  BPF_ABS,
  BPF_H,
  BPF_JEQ,
  BPF_JMP,
  BPF_JUMP,
  BPF_K,
  BPF_LD,
  BPF_RET,
  BPF_STMT,
  encodeMessage,
  MSG_DONTWAIT,
  NETLINK_USERSOCK,
} from "../kernel-model/uapi/index.js";
import { nativeAvailability } from "../native/index.js";
import { World } from "../sim/world.js";
import { Netlink, type NetlinkError, runProcess } from "./index.js";
import { kernelLayer } from "./kernel.js";

const availability = nativeAvailability();
if (!availability.ok) console.warn(`transport/filter.test.ts: the kernel side is skipped: ${availability.reason}`);

type Program<A> = Effect.Effect<A, NetlinkError, Netlink | Scope.Scope>;

const onSim = async <A>(program: Program<A>): Promise<A> => {
  const w = new World({ seed: 11 });
  const p = runProcess(w, { name: "filters" }, program);
  const r = await w.run();
  if (r.failed.length > 0) throw r.failed[0]!.error;
  const e = p.exit();
  if (e === undefined || !Exit.isSuccess(e)) throw new Error(`sim: the program did not succeed: ${String(e)}`);
  return e.value;
};

const onKernel = <A>(program: Program<A>): Promise<A> =>
  Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(kernelLayer)));

const errno = <A>(e: Effect.Effect<A, NetlinkError>): Effect.Effect<A | string> =>
  Effect.catchTag(e, "NetlinkError", (x) => Effect.succeed(x.errno));

/** keep nlmsg_type 0x11 whole, trim 0x12 to 20 bytes, drop the rest */
const PROGRAM = [
  BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x1100, 0, 1),
  BPF_STMT(BPF_RET | BPF_K, 0xffff),
  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x1200, 0, 1),
  BPF_STMT(BPF_RET | BPF_K, 20),
  BPF_STMT(BPF_RET | BPF_K, 0),
];

const program = Effect.gen(function* () {
  const nl = yield* Netlink;
  const rx = yield* nl.socket(NETLINK_USERSOCK);
  yield* nl.bind(rx, { pid: 0, groups: 0 });
  const tx = yield* nl.socket(NETLINK_USERSOCK);
  yield* nl.bind(tx, { pid: 0, groups: 0 });
  const to = { pid: (yield* nl.getsockname(rx)).pid, groups: 0 };
  const before = yield* nl.getFilter(rx);
  const detachNone = yield* errno(nl.detachFilter(rx));
  const attachEmpty = yield* errno(nl.attachFilter(rx, []));
  const attachNoRet = yield* errno(nl.attachFilter(rx, [BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4)]));
  yield* nl.attachFilter(rx, PROGRAM);
  const sent: number[] = [];
  for (const type of [0x11, 0x13, 0x12]) {
    sent.push(yield* nl.sendto(tx, encodeMessage({ type, payload: new Uint8Array(8).fill(type) }), { to }));
  }
  const got: Array<number | string> = [];
  for (let i = 0; i < 3; i++) got.push(yield* errno(Effect.map(nl.recvmsg(rx, 4096, MSG_DONTWAIT), (d) => d.length)));
  const attached = yield* nl.getFilter(rx);
  yield* nl.lockFilter(rx);
  const attachLocked = yield* errno(nl.attachFilter(rx, [BPF_STMT(BPF_RET | BPF_K, 1)]));
  const detachLocked = yield* errno(nl.detachFilter(rx));
  return { before, detachNone, attachEmpty, attachNoRet, sent, got, attached, attachLocked, detachLocked };
});

const EXPECTED = {
  before: [],
  detachNone: "ENOENT",
  attachEmpty: "EINVAL",
  attachNoRet: "EINVAL",
  sent: [24, 24, 20],
  got: [24, 20, "EAGAIN"],
  attached: PROGRAM,
  attachLocked: "EPERM",
  detachLocked: "EPERM",
};

describe("socket filters through the Netlink service", () => {
  it("attach keeps, trims and drops; detach without one is ENOENT; locked is EPERM (sim layer)", async () => {
    expect(await onSim(program)).toEqual(EXPECTED);
  });
  it.skipIf(!availability.ok)("gives the same answers through the kernel layer", async () => {
    expect(await onKernel(program)).toEqual(EXPECTED);
  });
});
