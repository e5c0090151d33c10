import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR } from "../../kernel-model/uapi/index.js";
import { NetlinkConn } from "../client.js";
import { runProcess } from "../sim.js";
import {
  addSeed,
  expectTraceOrder,
  fakeModule,
  procNetNetlink,
  procRow,
  runWorld,
  seedFromEnv,
  seedNote,
  traceEvent,
  traceEvents,
  withWorld,
} from "./index.js";
import { noteSeedOnErrors, worldTest } from "./vitest.js";

describe("fakeModule", () => {
  it("is a kernel module in five lines, answering with the real netlink_rcv_skb and netlink_ack", () =>
    withWorld(async (world) => {
      const mod = fakeModule(world, {
        protocol: 25,
        handle: (msg, reply) => (msg.type === 0x10 ? reply.ack() : reply.error(-22, { msg: "no", offset: 16 })),
      });
      runProcess(
        world,
        { name: "app", pid: 2000 },
        Effect.gen(function* () {
          const conn = yield* NetlinkConn.open(25);
          yield* conn.request({ type: 0x10 }); // no NLM_F_ACK asked: reply.ack() sends one anyway
          const e = yield* Effect.flip(conn.requestAck({ type: 0x11 }));
          expect(e._tag === "NetlinkRequestError" && [e.errno, e.extack.offset]).toEqual(["EINVAL", 16]);
        }),
      );
      await runWorld(world);
      expect(mod.received.map((r) => [r.type, r.flags, r.portid])).toEqual([
        [0x10, NLM_F_REQUEST, 2000],
        [0x11, NLM_F_REQUEST | NLM_F_ACK, 2000],
      ]);
    }));
});

describe("seeds", () => {
  it("formats the replay note and adds it to an error once", () => {
    expect(seedNote(42)).toBe("seed 42 (replay: NLSIM_SEED=42)");
    const e = addSeed(addSeed(new Error("boom"), 42), 42);
    expect(e.message).toBe("boom\nseed 42 (replay: NLSIM_SEED=42)");
    expect(e.stack).toContain("boom\nseed 42 (replay: NLSIM_SEED=42)");
    expect(addSeed("text", 3).message).toBe("text\nseed 3 (replay: NLSIM_SEED=3)");
  });

  it("reads NLSIM_SEED, which overrides the test's seed", async () => {
    expect(seedFromEnv({})).toBeUndefined();
    expect(seedFromEnv({ NLSIM_SEED: "77" })).toBe(77);
    expect(() => seedFromEnv({ NLSIM_SEED: "x" })).toThrow(/not an integer/);
    const old = process.env.NLSIM_SEED;
    process.env.NLSIM_SEED = "1234";
    try {
      expect(await withWorld(9, (w) => w.prng.seed)).toBe(1234);
    } finally {
      if (old === undefined) delete process.env.NLSIM_SEED;
      else process.env.NLSIM_SEED = old;
    }
    if (old === undefined) expect(await withWorld(9, (w) => w.prng.seed)).toBe(9);
  });

  it("adds the seed to a failing body's error, and runWorld names failed tasks", async () => {
    const thrown = await withWorld(5, () => {
      throw new Error("assertion failed");
    }).catch((e: Error) => e);
    expect(thrown.message).toBe(`assertion failed\n${seedNote(seedFromEnv() ?? 5)}`);
    const failed = await withWorld(6, async (world): Promise<Error | undefined> => {
      runProcess(world, { name: "crasher" }, Effect.die(new Error("oops")));
      await runWorld(world);
      return undefined;
    }).catch((e: Error) => e);
    if (failed === undefined) throw new Error("runWorld should have failed");
    expect(failed.message).toMatch(/task crasher failed: .*oops/s);
    expect(failed.message.match(/replay: NLSIM_SEED/g)).toHaveLength(1);
  });

  it("notes the seed on a failed test's recorded errors (what the fixture's onTestFailed does)", () => {
    const errors = [{ message: "expected 1 to be 2", stack: "AssertionError: expected 1 to be 2\n    at x" }];
    noteSeedOnErrors(errors, 8);
    noteSeedOnErrors(errors, 8);
    expect(errors[0]!.message).toBe("expected 1 to be 2\nseed 8 (replay: NLSIM_SEED=8)");
    expect(errors[0]!.stack.endsWith("seed 8 (replay: NLSIM_SEED=8)")).toBe(true);
  });

  worldTest("the worldTest fixture hands each test a fresh world", async ({ world }) => {
    expect(world.now).toBe(0);
    expect(world.prng.seed).toBe(seedFromEnv() ?? 1);
  });
});

describe("trace and /proc helpers", () => {
  it("find events by kind/call/pid, check their order, and read a socket's /proc row", () =>
    withWorld(async (world) => {
      const mod = fakeModule(world, { protocol: 25, handle: (_m, reply) => reply.ack() });
      runProcess(
        world,
        { name: "app", pid: 3000 },
        Effect.gen(function* () {
          const conn = yield* NetlinkConn.open(25, { pid: 3000, groups: 1 });
          yield* conn.requestAck({ type: 0x10 });
          // two events the app never reads: they sit in its queue, and show in /proc
          mod.broadcast(1, 0x20);
          mod.broadcast(1, 0x21);
          const row = procRow(world, 25, 3000);
          expect(row.groups).toBe(1);
          expect(row.rmem).toBeGreaterThan(0);
        }),
      );
      await runWorld(world);
      expect(traceEvents(world, { kind: "syscall", pid: 3000, call: "sendto" })).toHaveLength(1);
      const recv = traceEvent(world, { kind: "syscall", call: "recvmsg", pid: 3000 });
      expect(String(recv.data).slice(8, 12)).toBe("0200"); // nlmsg_type NLMSG_ERROR, little-endian
      expect(NLMSG_ERROR).toBe(2);
      expectTraceOrder(world, [
        { kind: "syscall", call: "bind", pid: 3000 },
        { kind: "syscall", call: "sendto", pid: 3000 },
        { kind: "softirq" },
        { kind: "syscall", call: "recvmsg", pid: 3000, ret: (r) => typeof r === "number" && r > 0 },
        { kind: "syscall", call: "close", pid: 3000 },
      ]);
      expect(() => expectTraceOrder(world, [{ call: "close" }, { call: "socket" }])).toThrow(
        /step 2 \{call: "socket"\} not found after step 1/,
      );
      // the socket is gone after the process: only the module's kernel socket is listed for 25
      expect(() => procRow(world, 25, 3000)).toThrow(/no row for protocol 25 port 3000/);
      expect(procNetNetlink(world)).toMatch(/^sk\s+Eth Pid/);
    }));
});
