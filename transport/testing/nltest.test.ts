import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { encodeMessage, NLMSG_ERROR, parseMessages, parseNlmsgerr } from "../../kernel-model/uapi/index.js";
import { NetlinkConn } from "../client.js";
import { Netlink } from "../netlink.js";
import { nltest } from "./nltest.js";
import { procRows } from "./trace.js";

const PROTO = 25;

describe("nltest: world, fake module, program and run in one call", () => {
  it("runs an Effect program and returns its value, the world and the module's requests", async () => {
    const { value, world, module } = await nltest(
      {
        protocol: PROTO,
        handle: (msg, reply) => (msg.payload.length === 4 ? reply.ack() : reply.error("EINVAL", { msg: "u32" })),
      },
      Effect.gen(function* () {
        const conn = yield* NetlinkConn.open(PROTO);
        yield* conn.requestAck({ type: 0x10, payload: Uint8Array.of(1, 0, 0, 0) });
        const bad = yield* Effect.flip(conn.requestAck({ type: 0x10 }));
        return bad._tag === "NetlinkRequestError" ? bad.errno : bad._tag;
      }),
      { seed: 3 },
    );
    expect(value).toBe("EINVAL");
    expect(module.received.map((m) => m.payload.length)).toEqual([4, 0]);
    expect(world.prng.seed).toBe(3);
  });

  it("runs an async program with the Promise API", async () => {
    const { value } = await nltest(
      { protocol: PROTO, handle: (msg, reply) => void reply.send(0x11, msg.payload) },
      async (nl) => {
        const conn = await nl.openConn(PROTO);
        const replies = await conn.request({ type: 0x10, payload: Uint8Array.of(7, 8, 9, 10) });
        await conn.close();
        return replies.map((m) => [m.type, [...m.payload]]);
      },
    );
    expect(value).toEqual([[0x11, [7, 8, 9, 10]]]);
  });

  it("rejects with the program's failure and the seed note", async () => {
    const run = nltest({ protocol: PROTO }, async () => {
      throw new Error("boom");
    });
    await expect(run).rejects.toThrow(/boom[\s\S]*seed 1 \(replay: NLSIM_SEED=1\)/);
    const err = await run.catch((e: Error) => e);
    expect((err as Error).message.split("seed 1 (replay").length - 1).toBe(1);
  });

  it("hands the program bytes that own their memory", async () => {
    const { value, world } = await nltest(
      { protocol: PROTO, handle: (msg, reply) => void reply.send(0x11, new Uint8Array(100).fill(msg.type)) },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(PROTO);
        yield* nl.bind(s, { pid: 0, groups: 0 });
        yield* nl.sendto(s, encodeMessage({ type: 0x10, flags: 1, seq: 1 }));
        const d = yield* nl.recvmsg(s, 8192);
        return { d, portid: (yield* nl.getsockname(s)).pid };
      }),
    );
    const { d } = value;
    // the datagram's bytes are its own (a copy the model's later work cannot change)
    const before = Buffer.from(d.data).toString("hex");
    d.data.fill(0xff);
    d.data.set(Buffer.from(before, "hex"));
    const [m] = parseMessages(d.data);
    expect(m?.type).toBe(0x11);
    expect(m?.type === NLMSG_ERROR ? parseNlmsgerr(m) : undefined).toBeUndefined();
    // the program's socket closed with its scope
    expect(procRows(world, { protocol: PROTO, portid: value.portid })).toEqual([]);
  });
});
