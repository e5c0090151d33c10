import { Effect, Exit, Layer } from "effect";
import { describe, expect, it } from "vitest";
import { MSG_WAITFORONE, NETLINK_USERSOCK } from "../kernel-model/uapi/index.js";
import { nativeAvailability } from "../native/index.js";
import { traceDatagrams } from "../sim/datagrams.js";
import { PACKET_KERNEL, PACKET_USER } from "../sim/pcap.js";
import { World } from "../sim/world.js";
import { captureLayer, NetlinkCapture } from "./capture.js";
import { openGeneric } from "./client.js";
import { runProcess } from "./index.js";
import { kernelLayer } from "./kernel.js";
import { Netlink } from "./netlink.js";

const availability = nativeAvailability();

/**
 * nlctrl asked about itself, then one socket sends to another of the program's own sockets;
 * `batched`: the conn and the read use recvmmsg.
 */
const programWith = (batched: boolean) =>
  Effect.gen(function* () {
    const conn = yield* openGeneric(batched ? { batch: 8 } : {});
    yield* conn.resolveFamily("nlctrl");
    const nl = yield* Netlink;
    const a = yield* nl.socket(NETLINK_USERSOCK);
    const b = yield* nl.socket(NETLINK_USERSOCK);
    yield* nl.bind(a, { pid: 0, groups: 0 });
    const port = (yield* nl.getsockname(a)).pid;
    yield* nl.sendto(b, Uint8Array.of(16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), {
      to: { pid: port, groups: 0 },
    });
    if (batched) yield* nl.recvmmsg(a, 4, 64, MSG_WAITFORONE);
    else yield* nl.recvmsg(a, 64);
    const cap = yield* NetlinkCapture;
    return { frames: cap.frames(), startNs: cap.startNs };
  }).pipe(Effect.scoped, Effect.provide(captureLayer));
const program = programWith(false);

describe("captureLayer", () => {
  it("keeps each datagram once: the request, the kernel's reply, and one frame for a send between own sockets", async () => {
    const world = new World({ seed: 1 });
    const proc = runProcess(world, { name: "cap" }, program);
    await world.run();
    const exit = proc.exit();
    if (exit === undefined || !Exit.isSuccess(exit)) throw new Error(`the program failed: ${String(exit)}`);
    const { frames } = exit.value;
    expect(frames.map((f) => [f.protocol, f.pktType])).toEqual([
      [16, PACKET_KERNEL],
      [16, PACKET_USER],
      [2, PACKET_USER],
    ]);
    // the same bytes as the world's own record of its datagrams (the trace's taps)
    expect(frames.map((f) => f.bytes)).toEqual(traceDatagrams(world.trace.snapshot().events).map((d) => d.bytes));
    // timestamps from the program's Clock: the simulator's virtual time, from the layer's start
    expect(frames.every((f, i) => f.t >= 0 && (i === 0 || f.t >= frames[i - 1]!.t))).toBe(true);
  });

  it("captures what recvmmsg reads as recvmsg's reads are captured", async () => {
    const frames = async (batched: boolean) => {
      const world = new World({ seed: 1 });
      const proc = runProcess(world, { name: "cap" }, programWith(batched));
      await world.run();
      const exit = proc.exit();
      if (exit === undefined || !Exit.isSuccess(exit)) throw new Error(`the program failed: ${String(exit)}`);
      return exit.value.frames.map((f) => [f.protocol, f.pktType, f.bytes]);
    };
    expect(await frames(true)).toEqual(await frames(false));
  });

  it.skipIf(!availability.ok)("captures the same exchange on real sockets, timestamped by the real clock", async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const { frames, startNs } = await Effect.runPromise(program.pipe(Effect.provide(Layer.orDie(kernelLayer))));
    expect(frames.map((f) => [f.protocol, f.pktType])).toEqual([
      [16, PACKET_KERNEL],
      [16, PACKET_USER],
      [2, PACKET_USER],
    ]);
    // the capture began after `before` (to the clock's resolution) and its frames came after that
    expect(startNs).toBeGreaterThanOrEqual(before - 1_000_000n);
    expect(frames.every((f) => f.t >= 0)).toBe(true);
  });
});
