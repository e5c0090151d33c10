import { Effect, Exit, type Scope, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { genl_init } from "../kernel-model/net/genetlink/index.js";
import {
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  encodeMessage,
  GENL_ID_CTRL,
  getU32,
  NETLINK_GENERIC,
  NLM_F_ACK,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NlMsg,
  SO_RCVBUF,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import type { World } from "../sim/world.js";
import {
  type DumpInterruptedError,
  mnlCbRun,
  NetlinkConn,
  type NetlinkProtocolError,
  type NetlinkRequestError,
  type ReplyMatch,
  type SubscriptionEvent,
} from "./client.js";
import { Netlink, runProcess } from "./index.js";
import { fakeModule, runWorld, withWorld } from "./testing/index.js";

const PROTO = 25;
const u32 = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);

/** Runs one Effect program as a process to the end of the world; returns its value. */
const run = async <A, E>(world: World, program: Effect.Effect<A, E, Netlink | Scope.Scope>) => {
  const p = runProcess(world, { name: "app", uid: 1000 }, program);
  await runWorld(world);
  const exit = p.exit();
  if (exit === undefined || !Exit.isSuccess(exit)) throw new Error("the program did not finish");
  return exit.value;
};

/** The echo module most tests use: 0x10 echoes, 0x11 fails with an extack, 0x12 replies twice as multipart, 0x13 dumps. */
const echoModule = (world: World) =>
  fakeModule(world, {
    protocol: PROTO,
    groups: 2,
    handle(msg, reply) {
      if (msg.type === 0x10) reply.send(0x10, msg.payload);
      else if (msg.type === 0x11) reply.error("EINVAL", { msg: "value out of range", offset: 20 });
      else if (msg.type === 0x12) {
        reply.send(0x12, u32(1), NLM_F_MULTI);
        reply.send(0x12, u32(2), NLM_F_MULTI);
        reply.send(NLMSG_DONE, u32(0), NLM_F_MULTI);
      } else if (msg.type === 0x13) {
        const items = Array.from({ length: 12 }, (_, i) => ({ type: 0x13, payload: u32(i) }));
        reply.dump(items, { perRound: 5 });
      } else if (msg.type === 0x14) {
        const items = Array.from({ length: 6 }, (_, i) => ({ type: 0x14, payload: u32(i) }));
        reply.dump(items, { perRound: 2, changeAtRound: 1 });
      } else reply.error("EOPNOTSUPP");
    },
  });

describe("NetlinkConn: requests", () => {
  it("numbers requests, matches the reply by seq, and resolves requestAck on the ACK", () =>
    withWorld(async (world) => {
      const mod = echoModule(world);
      const out = await run(
        world,
        Effect.gen(function* () {
          const conn = yield* NetlinkConn.open(PROTO);
          const a = yield* conn.request({ type: 0x10, payload: u32(7) });
          const b = yield* conn.requestAck({ type: 0x10, payload: u32(8) });
          const c = yield* conn.requestAck({ type: 0x20, payload: u32(9) }).pipe(Effect.flip);
          return { port: conn.portId, a, b, c };
        }),
      );
      expect(out.a.map((m) => [m.type, m.seq, getU32(m.payload, 0)])).toEqual([[0x10, 1, 7]]);
      expect(out.b.map((m) => [m.type, m.seq, getU32(m.payload, 0)])).toEqual([[0x10, 2, 8]]);
      expect((out.c as NetlinkRequestError).errno).toBe("EOPNOTSUPP");
      expect(mod.received.map((r) => [r.seq, r.flags & (NLM_F_REQUEST | NLM_F_ACK), r.pid === out.port])).toEqual([
        [1, NLM_F_REQUEST, true],
        [2, NLM_F_REQUEST | NLM_F_ACK, true],
        [3, NLM_F_REQUEST | NLM_F_ACK, true],
      ]);
    }));

  it("fails with a NetlinkRequestError carrying errno, extack message and offset, and the echoed request", () =>
    withWorld(async (world) => {
      echoModule(world);
      const err = await run(
        world,
        NetlinkConn.open(PROTO).pipe(
          Effect.flatMap((conn) => Effect.flip(conn.request({ type: 0x11, payload: u32(0xabcd) }))),
        ),
      );
      expect(err._tag).toBe("NetlinkRequestError");
      const e = err as NetlinkRequestError;
      expect([e.errno, e.code, e.via]).toEqual(["EINVAL", 22, "NLMSG_ERROR"]);
      expect(e.extack).toEqual({ msg: "value out of range", offset: 20 });
      expect([e.request.type, e.request.seq]).toEqual([0x11, 1]);
      expect(e.requestPayload).toEqual(u32(0xabcd));
      expect(e.message).toContain("EINVAL (Invalid argument)");
      expect(e.message).toContain("value out of range (attribute at offset 20)");
    }));

  it("collects a multipart reply until NLMSG_DONE", () =>
    withWorld(async (world) => {
      echoModule(world);
      const msgs = await run(
        world,
        Effect.flatMap(NetlinkConn.open(PROTO), (conn) => conn.request({ type: 0x12 })),
      );
      expect(msgs.map((m) => getU32(m.payload, 0))).toEqual([1, 2]);
    }));

  it("ignores messages for another seq by default, and fails on them with unmatched: 'fail'", () =>
    withWorld(async (world) => {
      const mod = echoModule(world);
      const seen: number[] = [];
      const out = await run(
        world,
        Effect.gen(function* () {
          const quiet = yield* NetlinkConn.open(PROTO, { unmatched: (m) => seen.push(m.seq) });
          const strict = yield* NetlinkConn.open(PROTO, { unmatched: "fail" });
          // a stray message with seq 99 sits in both queues before the requests
          mod.unicast(quiet.portId, 0x10, u32(1), { seq: 99 });
          mod.unicast(strict.portId, 0x10, u32(1), { seq: 99 });
          const ok = yield* quiet.request({ type: 0x10, payload: u32(5) });
          const bad = yield* Effect.flip(strict.request({ type: 0x10, payload: u32(5) }));
          return { ok, bad };
        }),
      );
      expect(seen).toEqual([99]);
      expect(out.ok.map((m) => getU32(m.payload, 0))).toEqual([5]);
      expect((out.bad as NetlinkProtocolError).reason).toBe("unmatched");
    }));
});

describe("NetlinkConn: dumps", () => {
  it("streams a dump over several rounds (several datagrams) and ends at NLMSG_DONE", () =>
    withWorld(async (world) => {
      echoModule(world);
      const out = await run(
        world,
        Effect.gen(function* () {
          const conn = yield* NetlinkConn.open(PROTO);
          const all = yield* Stream.runCollect(conn.dump({ type: 0x13 }));
          // the conn is usable again afterwards
          const after = yield* conn.request({ type: 0x10, payload: u32(1) });
          return { all, after };
        }),
      );
      expect(out.all.map((m) => getU32(m.payload, 0))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
      expect(out.all.every((m) => m.flags & NLM_F_MULTI)).toBe(true);
      expect(out.after).toHaveLength(1);
      // 12 items, 5 per round: three data rounds, DONE rides with the last
      const recvs = world.trace.snapshot().events.filter((e) => e.kind === "syscall" && e.call === "recvmsg");
      expect(recvs.length).toBeGreaterThanOrEqual(4);
    }));

  it("reads a dump in batches (ConnOptions.batch: recvmmsg) with the same messages and fewer receive syscalls", async () => {
    const dumpWith = (batch: number) =>
      withWorld(async (world) => {
        echoModule(world);
        const out = await run(
          world,
          Effect.gen(function* () {
            const conn = yield* NetlinkConn.open(PROTO, { batch });
            const all = yield* Stream.runCollect(conn.dump({ type: 0x13 }));
            const after = yield* conn.request({ type: 0x10, payload: u32(7) });
            return { all: all.map((m) => getU32(m.payload, 0)), after: after.map((m) => getU32(m.payload, 0)) };
          }),
        );
        const calls = world.trace
          .snapshot()
          .events.flatMap((e) => (e.kind === "syscall" && (e.call === "recvmsg" || e.call === "recvmmsg") ? [e] : []));
        return { out, calls };
      });
    const one = await dumpWith(1);
    const batched = await dumpWith(8);
    expect(batched.out).toEqual(one.out);
    expect(one.out.all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(one.calls.every((e) => e.call === "recvmsg" && e.mmsg === undefined)).toBe(true);
    const mm = batched.calls.filter((e) => e.call === "recvmmsg");
    // every datagram was read inside a recvmmsg (its reads carry their place in the batch) ...
    expect(
      batched.calls.filter((e) => e.call === "recvmsg").every((e) => e.call === "recvmsg" && e.mmsg !== undefined),
    ).toBe(true);
    // ... and a recvmmsg took a dump's rounds together (each read makes the next round)
    expect(mm.some((e) => e.ret > 1)).toBe(true);
    expect(mm.length).toBeLessThan(one.calls.length);
  });

  it("fails an interrupted dump (NLM_F_DUMP_INTR) with DumpInterruptedError after handing over every message", () =>
    withWorld(async (world) => {
      echoModule(world);
      const out = await run(
        world,
        Effect.gen(function* () {
          const conn = yield* NetlinkConn.open(PROTO);
          const streamed: NlMsg[] = [];
          const err = yield* Effect.flip(
            Stream.runForEach(conn.dump({ type: 0x14 }), (m) => Effect.sync(() => void streamed.push(m))),
          );
          const viaRequest = yield* Effect.flip(conn.request({ type: 0x14, flags: 0x300 }));
          return { streamed, err, viaRequest };
        }),
      );
      expect(out.err._tag).toBe("DumpInterruptedError");
      const e = out.err as DumpInterruptedError;
      expect(out.streamed.map((m) => getU32(m.payload, 0))).toEqual([0, 1, 2, 3, 4, 5]);
      expect(e.messages.map((m) => getU32(m.payload, 0))).toEqual([0, 1, 2, 3, 4, 5]);
      expect(e.messages.some((m) => m.flags & NLM_F_DUMP_INTR)).toBe(true);
      expect((out.viaRequest as DumpInterruptedError).messages).toHaveLength(6);
    }));
});

describe("NetlinkConn: subscriptions", () => {
  it("yields an Overrun event on ENOBUFS and keeps delivering afterwards", () =>
    withWorld(async (world) => {
      const mod = echoModule(world);
      // at 1 ms a burst of 64 × 1 KiB overruns a 4 KiB receive buffer; at 2 ms one more event (type 0x11)
      world.addTimer(1_000_000, () => {
        for (let i = 0; i < 64; i++) mod.broadcast(1, 0x10, new Uint8Array(1024).fill(i));
      });
      world.addTimer(2_000_000, () => mod.broadcast(1, 0x11, u32(42)));
      const events = await run(
        world,
        Effect.gen(function* () {
          const conn = yield* NetlinkConn.open(PROTO);
          const nl = yield* Netlink;
          yield* nl.setsockopt(conn.socket, SOL_SOCKET, SO_RCVBUF, 2048);
          return yield* Stream.runCollect(
            conn.subscribe([1]).pipe(Stream.takeUntil((e) => e._tag === "Message" && e.message.type === 0x11)),
          );
        }),
      );
      const tags = events.map((e: SubscriptionEvent) => (e._tag === "Overrun" ? "overrun" : e.message.type));
      // the socket error is reported before the queued data (sock_error first in skb_recv_datagram)
      expect(tags[0]).toBe("overrun");
      expect(tags.slice(1).length).toBeGreaterThan(1);
      expect(tags.filter((t) => t === "overrun")).toHaveLength(1);
      expect(tags.at(-1)).toBe(0x11);
      const last = events.at(-1)!;
      expect(last._tag === "Message" && last.group).toBe(1);
      // fewer than 64 of the burst got through
      expect(tags.filter((t) => t === 0x10).length).toBeLessThan(64);
    }));

  it("gives the same events, overrun included, when it reads in batches (recvmmsg)", async () => {
    const subscribeWith = (batch: number) =>
      withWorld(async (world) => {
        const mod = echoModule(world);
        world.addTimer(1_000_000, () => {
          for (let i = 0; i < 64; i++) mod.broadcast(1, 0x10, new Uint8Array(1024).fill(i));
        });
        world.addTimer(2_000_000, () => mod.broadcast(1, 0x11, u32(42)));
        const events = await run(
          world,
          Effect.gen(function* () {
            const conn = yield* NetlinkConn.open(PROTO, { batch, bufferSize: 2048 });
            const nl = yield* Netlink;
            yield* nl.setsockopt(conn.socket, SOL_SOCKET, SO_RCVBUF, 2048);
            return yield* Stream.runCollect(
              conn.subscribe([1]).pipe(Stream.takeUntil((e) => e._tag === "Message" && e.message.type === 0x11)),
            );
          }),
        );
        return events.map((e: SubscriptionEvent) =>
          e._tag === "Overrun" ? "overrun" : `${e.message.type}:${e.message.payload[0]}:${e.group}`,
        );
      });
    const one = await subscribeWith(1);
    expect(one[0]).toBe("overrun");
    expect(await subscribeWith(16)).toEqual(one);
  });

  it("refuses a batch that is not a whole number of datagrams", () =>
    withWorld(async (world) => {
      runProcess(world, { name: "app" }, NetlinkConn.open(PROTO, { batch: 0 }));
      await expect(runWorld(world)).rejects.toThrow(
        /ConnOptions.batch must be a whole number of datagrams, at least 1 \(got 0\)/,
      );
    }));
});

describe("NetlinkConn: generic netlink", () => {
  it("resolves nlctrl through CTRL_CMD_GETFAMILY against the real nlctrl model", () =>
    withWorld(async (world) => {
      world.insmod(() => genl_init(world.net)); // −EEXIST if the world already booted genetlink
      const out = await run(
        world,
        Effect.gen(function* () {
          const conn = yield* NetlinkConn.open(NETLINK_GENERIC);
          const fam = yield* conn.resolveFamily("nlctrl");
          const missing = yield* Effect.flip(conn.resolveFamily("no-such-family"));
          const listed = yield* Stream.runCollect(conn.genlDump(fam, { cmd: CTRL_CMD_GETFAMILY, version: 2 }));
          return { fam, missing, listed };
        }),
      );
      expect(out.fam.name).toBe("nlctrl");
      expect(out.fam.id).toBe(GENL_ID_CTRL);
      expect(out.fam.version).toBe(2);
      expect(out.fam.maxattr).toBe(0); // nlctrl has per-op policies, no family maxattr (6.x)
      expect(out.fam.ops.map((o) => o.cmd)).toContain(CTRL_CMD_GETFAMILY);
      expect([...out.fam.mcastGroups]).toEqual([["notify", GENL_ID_CTRL]]);
      expect((out.missing as NetlinkRequestError).errno).toBe("ENOENT");
      expect(out.listed.map((m) => m.cmd)).toContain(CTRL_CMD_NEWFAMILY);
    }));
});

describe("mnlCbRun", () => {
  const match: ReplyMatch = {
    seq: 5,
    portId: 1000,
    peer: 0,
    ack: false,
    dump: true,
    request: { len: 16, type: 0x20, flags: 0x305, seq: 5, pid: 1000 },
  };
  const dgram = (bytes: Uint8Array, from = { pid: 0, groups: 0 }) => ({
    data: bytes,
    length: bytes.length,
    msgFlags: 0,
    from,
  });

  it("ends a dump at DONE, turns a negative DONE status into an error, and skips other seqs", () => {
    const done = mnlCbRun(dgram(encodeMessage({ type: NLMSG_DONE, seq: 5, payload: u32(0) })), match);
    expect(done.end).toEqual({ _tag: "Done", status: 0 });
    const failed = mnlCbRun(dgram(encodeMessage({ type: NLMSG_DONE, seq: 5, payload: u32(-95 >>> 0) })), match);
    expect(failed.end._tag === "Failed" && failed.end.error._tag).toBe("NetlinkRequestError");
    const other = mnlCbRun(dgram(encodeMessage({ type: 0x20, seq: 6 })), match);
    expect([other.end._tag, other.messages.length, other.unmatched.length]).toEqual(["More", 0, 1]);
    const multicast = mnlCbRun(dgram(encodeMessage({ type: 0x20, seq: 5 }), { pid: 0, groups: 1 }), match);
    expect(multicast.unmatched).toHaveLength(1);
  });

  it("rejects a truncated datagram, malformed bytes, a short NLMSG_ERROR and NLMSG_OVERRUN", () => {
    const trunc = mnlCbRun({ ...dgram(new Uint8Array(16)), msgFlags: 0x20 }, match);
    expect(
      trunc.end._tag === "Failed" && trunc.end.error._tag === "NetlinkProtocolError" && trunc.end.error.reason,
    ).toBe("truncated");
    const bad = mnlCbRun(dgram(Uint8Array.of(1, 2, 3)), match);
    expect(bad.end._tag === "Failed" && bad.end.error.message).toMatch(/too short/);
    const shortErr = mnlCbRun(dgram(encodeMessage({ type: NLMSG_ERROR, seq: 5, payload: u32(0) })), match);
    expect(shortErr.end._tag === "Failed" && shortErr.end.error._tag).toBe("NetlinkProtocolError");
    const overrun = mnlCbRun(dgram(encodeMessage({ type: 4, seq: 5 })), match);
    expect(
      overrun.end._tag === "Failed" && overrun.end.error._tag === "NetlinkProtocolError" && overrun.end.error.reason,
    ).toBe("overrun");
  });

  it("ends a plain request at its first non-multipart reply", () => {
    const r = mnlCbRun(dgram(encodeMessage({ type: 0x20, seq: 5 })), { ...match, dump: false });
    expect(r.end._tag).toBe("Reply");
  });
});
