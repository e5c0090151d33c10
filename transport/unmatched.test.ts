// A reply the client cannot match (wrong seq or port id) is dropped by the default "ignore"
// policy, so a program waiting for it waits forever. On the simulator that is said twice: a
// `log` event in the trace when it is dropped, and the deadlock report names it.
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { NetlinkConn } from "./client.js";
import { runProcess } from "./sim.js";
import { fakeModule } from "./testing/fake-module.js";
import { traceEvents } from "./testing/trace.js";
import { runWorld, testWorld } from "./testing/world.js";

const PROTO = 25;

describe("a reply that matches no request", () => {
  it("is dropped with a warning in the trace, and the deadlock it causes names it", async () => {
    const world = testWorld(1);
    const mod = fakeModule(world, {
      protocol: PROTO,
      // a buggy module: answers with the wrong sequence number
      handle: (msg) => void mod.unicast(msg.portid, 0x11, Uint8Array.of(1, 2, 3, 4), { seq: msg.seq + 100 }),
    });
    runProcess(
      world,
      { name: "app" },
      Effect.gen(function* () {
        const conn = yield* NetlinkConn.open(PROTO);
        yield* conn.request({ type: 0x10 });
      }),
    );
    const failure = await runWorld(world).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failure?.message).toMatch(
      /deadlocked: app \(task \d+\), after: netlink: dropped a message that matches no request: type 0x11 seq 101 .*waiting for seq 1 /,
    );
    const logs = traceEvents(world, { kind: "log" });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ kind: "log", level: "Warn" });
  });
});

describe("a simulated process's log", () => {
  it("goes into the trace as text, whatever was logged (a bigint, undefined, an error)", async () => {
    const world = testWorld(1);
    runProcess(world, { name: "app" }, Effect.log("n", 10n, undefined, new Error("e")));
    await runWorld(world);
    expect(traceEvents(world, { kind: "log" })).toMatchObject([
      { kind: "log", level: "Info", text: "n 10 undefined e" },
    ]);
  });
});
