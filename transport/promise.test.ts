import { describe, expect, it } from "vitest";
import { genl_init } from "../kernel-model/net/genetlink/index.js";
import { getU32, NETLINK_GENERIC } from "../kernel-model/uapi/index.js";
import type { DumpInterruptedError, NetlinkRequestError, SubscriptionEvent } from "./client.js";
import { runPromiseProcess } from "./promise.js";
import { fakeModule, procRows, runWorld, withWorld } from "./testing/index.js";

const u32 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);

describe("the Promise facade", () => {
  it("does request/ACK, typed errors, dumps and interrupted dumps with async methods and iterators", () =>
    withWorld(async (world) => {
      fakeModule(world, {
        protocol: 25,
        handle(msg, reply) {
          if (msg.type === 0x10) reply.send(0x10, msg.payload);
          else if (msg.type === 0x13)
            reply.dump(
              [1, 2, 3, 4, 5].map((i) => ({ type: 0x13, payload: u32(i) })),
              { perRound: 2 },
            );
          else if (msg.type === 0x14)
            reply.dump(
              [1, 2, 3, 4].map((i) => ({ type: 0x14, payload: u32(i) })),
              { perRound: 1, changeAtRound: 2 },
            );
          else reply.error("EPERM", { msg: "not allowed" });
        },
      });
      const got: Record<string, unknown> = {};
      runPromiseProcess(world, { name: "app", uid: 1000 }, async (nl) => {
        const conn = await nl.openConn(25);
        got.echo = (await conn.requestAck({ type: 0x10, payload: u32(3) })).map((m) => getU32(m.payload, 0));
        got.error = await conn
          .request({ type: 0x30 })
          .catch((e: NetlinkRequestError) => [e._tag, e.errno, e.extack.msg]);
        const dumped: number[] = [];
        for await (const m of conn.dump({ type: 0x13 })) dumped.push(getU32(m.payload, 0));
        got.dumped = dumped;
        const partial: number[] = [];
        try {
          for await (const m of conn.dump({ type: 0x14 })) partial.push(getU32(m.payload, 0));
        } catch (e) {
          got.intr = [(e as DumpInterruptedError)._tag, (e as DumpInterruptedError).messages.length, partial.length];
        }
        got.portBefore = procRows(world, { protocol: 25, portid: conn.portId }).length;
        await conn.close();
        got.portAfter = procRows(world, { protocol: 25, portid: conn.portId }).length;
      });
      await runWorld(world);
      expect(got).toEqual({
        echo: [3],
        error: ["NetlinkRequestError", "EPERM", "not allowed"],
        dumped: [1, 2, 3, 4, 5],
        intr: ["DumpInterruptedError", 4, 4],
        portBefore: 1,
        portAfter: 0,
      });
    }));

  it("subscribes with an async iterator that reports an overrun and goes on; resolves nlctrl", () =>
    withWorld(async (world) => {
      world.insmod(() => genl_init(world.net));
      const mod = fakeModule(world, { protocol: 25, groups: 4 });
      world.addTimer(1_000_000, () => {
        for (let i = 0; i < 400; i++) mod.broadcast(3, 0x10, new Uint8Array(512));
      });
      world.addTimer(2_000_000, () => mod.broadcast(3, 0x11));
      const tags: Array<string | number> = [];
      let family = "";
      runPromiseProcess(world, { name: "listener" }, async (nl) => {
        const genl = await nl.openConn(NETLINK_GENERIC);
        family = (await genl.resolveFamily("nlctrl")).name;
        const conn = await nl.openConn(25);
        for await (const e of conn.subscribe(3) as AsyncIterable<SubscriptionEvent>) {
          tags.push(e._tag === "Overrun" ? "overrun" : e.message.type);
          if (e._tag === "Message" && e.message.type === 0x11) break;
        }
      });
      await runWorld(world);
      expect(family).toBe("nlctrl");
      expect(tags.filter((t) => t === "overrun")).toHaveLength(1);
      expect(tags.at(-1)).toBe(0x11);
    }));

  it("fails the process with the program's rejection", async () => {
    const err = await withWorld(async (world) => {
      runPromiseProcess(world, { name: "broken" }, async (nl) => {
        await nl.openConn(99);
      });
      return runWorld(world).catch((e: Error) => e);
    });
    expect(String(err)).toMatch(/broken failed: .*EPROTONOSUPPORT/);
  });
});
