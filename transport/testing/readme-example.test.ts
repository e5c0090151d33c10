// The example of README.md's "Testing your own netlink code", verbatim: CI proves it runs.
import { Effect, Fiber, Stream } from "effect";
import { expect, it } from "vitest";
import { NetlinkConn } from "../client.js";
import { Netlink, runProcess } from "../index.js";
import { expectTraceOrder, fakeModule, procRow, runWorld, withWorld } from "./index.js";

const MY_PROTO = 25; // the unit your kernel module claims
const CMD_SET = 0x10;
const CMD_FLOOD = 0x11;
const EVT = 0x20;

it("acks a valid SET, rejects a bad one, and survives a multicast overrun", () =>
  withWorld(async (world) => {
    // the fake kernel side: real netlink_kernel_create / netlink_rcv_skb / netlink_ack underneath
    const mod = fakeModule(world, {
      protocol: MY_PROTO,
      groups: 1,
      handle(msg, reply) {
        // CMD_FLOOD: 200 events to group 1, then the kernel's own ACK (the request asked for one)
        if (msg.type === CMD_FLOOD) for (let i = 0; i < 200; i++) mod.broadcast(1, EVT, new Uint8Array(256));
        else if (msg.payload.length === 4) reply.ack();
        else reply.error("EINVAL", { msg: "SET takes a u32", offset: 16 });
      },
    });

    // the user program under test, written against the transport only
    const events: string[] = [];
    runProcess(
      world,
      { name: "daemon", pid: 4000, uid: 1000 },
      Effect.gen(function* () {
        const conn = yield* NetlinkConn.open(MY_PROTO);
        yield* conn.requestAck({ type: CMD_SET, payload: Uint8Array.of(1, 0, 0, 0) });
        const bad = yield* Effect.flip(conn.requestAck({ type: CMD_SET }));
        expect(bad._tag === "NetlinkRequestError" && bad.extack).toEqual({ msg: "SET takes a u32", offset: 16 });

        const listener = yield* NetlinkConn.open(MY_PROTO, { pid: 4001 });
        const nl = yield* Netlink;
        yield* nl.setsockopt(listener.socket, 1 /* SOL_SOCKET */, 8 /* SO_RCVBUF */, 4096);
        const sub = listener.subscribe(1).pipe(
          Stream.tap((e) => Effect.sync(() => void events.push(e._tag))),
          Stream.take(5),
          Stream.runDrain,
        );
        // listen in the background, then ask the module to flood group 1
        const fiber = yield* Effect.forkChild(sub);
        yield* Effect.sleep("1 millis");
        yield* conn.requestAck({ type: CMD_FLOOD });
        expect(procRow(world, MY_PROTO, 4001).drops).toBeGreaterThan(0);
        yield* Fiber.join(fiber);
      }),
    );
    await runWorld(world);

    expect(events[0]).toBe("Overrun"); // ENOBUFS is an event, not a failure...
    expect(events.slice(1)).toEqual(["Message", "Message", "Message", "Message"]); // ...and the stream goes on
    expectTraceOrder(world, [
      { kind: "syscall", pid: 4000, call: "sendto" },
      { kind: "syscall", pid: 4000, call: "recvmsg" },
      { kind: "syscall", pid: 4000, call: "recvmsg", errno: "ENOBUFS" },
    ]);
  }));
