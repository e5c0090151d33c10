import { Clock, Context, Effect, Exit, Fiber, Layer, Scheduler, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { netlink_kernel_create, netlink_proc_rows } from "../kernel-model/net/netlink/index.js";
import {
  encodeMessage,
  MSG_DONTWAIT,
  MSG_PEEK,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLMSG_NOOP,
  parseMessages,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import { spawnProcess } from "../sim/process.js";
import { isSyscall, traceHash } from "../sim/trace.js";
import { World } from "../sim/world.js";
import {
  type Datagram,
  Netlink,
  type NetlinkError,
  type NetlinkService,
  type NetlinkSocket,
  POLLIN,
  POLLOUT,
  recvStream,
  runProcess,
} from "./index.js";
import { processContext, processLayer } from "./sim.js";
import { SimRuntime } from "./sim-runtime.js";

const msg = (seq: number): Uint8Array => encodeMessage({ type: 0x10, seq, payload: Uint8Array.of(seq, 0, 0, 0) });
const seqOf = (b: Uint8Array): number => new DataView(b.buffer, b.byteOffset).getUint32(8, true);

/** The process's Netlink service and a socket bound to `pid`. */
const boundSocket = (pid: number) =>
  Effect.gen(function* () {
    const nl = yield* Netlink;
    const s = yield* nl.socket(NETLINK_USERSOCK);
    yield* nl.bind(s, { pid, groups: 0 });
    return { nl, s };
  });

/** A socket bound to `pid` with the smallest receive buffer: a datagram or two fill its queue. */
const smallQueue = (pid: number) =>
  Effect.gen(function* () {
    const { nl, s } = yield* boundSocket(pid);
    yield* nl.setsockopt(s, SOL_SOCKET, SO_RCVBUF, 1);
    return { nl, s };
  });

/** Sends msg(0), msg(1), … to `pid` without waiting, until its queue is full: how many went. */
const fillQueue = (nl: NetlinkService, s: NetlinkSocket, pid: number) =>
  Effect.gen(function* () {
    for (let n = 0; ; n++) {
      const r = yield* Effect.option(nl.sendto(s, msg(n), { to: { pid, groups: 0 }, flags: MSG_DONTWAIT }));
      if (r._tag === "None") return n;
    }
  });

/** Runs the world; fails the test with the seed if a task failed or deadlocked. */
const runWorld = async (w: World): Promise<void> => {
  const r = await w.run();
  if (r.failed.length > 0 || r.deadlocked.length > 0) {
    throw new Error(
      `seed ${w.prng.seed}: ${JSON.stringify({ failed: r.failed.map((f) => String(f.error)), deadlocked: r.deadlocked })}`,
    );
  }
};

/** A receiver bound to 500 blocking in recvmsg, and a sender sending `n` messages 1 ms apart. */
const pingPong = (seed: number, n = 3) => {
  const w = new World({ seed });
  const got: number[] = [];
  const times: number[] = [];
  runProcess(
    w,
    { name: "receiver", pid: 500 },
    Effect.gen(function* () {
      const { nl, s } = yield* boundSocket(500);
      for (let i = 0; i < n; i++) {
        const d = yield* nl.recvmsg(s, 4096);
        expect(d.from.pid).toBe(501);
        got.push(seqOf(d.data));
        times.push(w.now);
      }
    }),
  );
  runProcess(
    w,
    { name: "sender", pid: 501 },
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const s = yield* nl.socket(NETLINK_USERSOCK);
      for (let i = 0; i < n; i++) {
        yield* Effect.sleep("1 millis");
        const sent = yield* nl.sendto(s, msg(i), { to: { pid: 500, groups: 0 } });
        expect(sent).toBe(20);
      }
    }),
  );
  return { w, got, times };
};

describe("the Netlink service over the simulator", () => {
  it("lets a blocked receiver and a sender, two Effect programs, exchange messages in virtual time", async () => {
    const { w, got, times } = pingPong(1);
    await runWorld(w);
    expect(got).toEqual([0, 1, 2]);
    expect(times).toEqual([1_000_000, 2_000_000, 3_000_000]);
    // the receiver's first recvmsg slept: it is recorded once, when it returned
    const recvs = w.trace.snapshot().events.filter((e) => e.kind === "syscall" && e.call === "recvmsg");
    expect(recvs.map((e) => e.t)).toEqual([1_000_000, 2_000_000, 3_000_000]);
  });

  it("gives the same trace hash for the same seed", async () => {
    const a = pingPong(42);
    const b = pingPong(42);
    await runWorld(a.w);
    await runWorld(b.w);
    expect(traceHash(a.w.trace.snapshot())).toBe(traceHash(b.w.trace.snapshot()));
    expect(a.w.trace.length).toBeGreaterThan(10);
  });

  it("fails with tagged NetlinkErrors carrying the errno name, number and syscall", async () => {
    const w = new World({ seed: 3 });
    // a unit without NL_CFG_F_NONROOT_RECV: only CAP_NET_ADMIN may bind to its groups
    expect(netlink_kernel_create(w.net, 25, { groups: 32, flags: 0 })).not.toBeNull();
    const errors: NetlinkError[] = [];
    const keep = <A, R>(e: Effect.Effect<A, NetlinkError, R>) =>
      Effect.catchTag(e, "NetlinkError", (err) => Effect.sync(() => void errors.push(err)));
    runProcess(
      w,
      { name: "user", uid: 1000 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* keep(nl.sendto(s, msg(1), { to: { pid: 4242, groups: 0 } }));
        yield* keep(nl.recvmsg(s, 100, MSG_DONTWAIT));
        const k = yield* nl.socket(25);
        yield* keep(nl.bind(k, { pid: 0, groups: 1 }));
        yield* keep(nl.socket(99));
      }),
    );
    await runWorld(w);
    expect(errors.map((e) => [e._tag, e.errno, e.code, e.syscall])).toEqual([
      ["NetlinkError", "ECONNREFUSED", 111, "sendto"],
      ["NetlinkError", "EAGAIN", 11, "recvmsg"],
      ["NetlinkError", "EPERM", 1, "bind"],
      ["NetlinkError", "EPROTONOSUPPORT", 93, "socket"],
    ]);
    expect(errors[0]!.message).toBe("sendto: ECONNREFUSED (Connection refused)");
    expect(errors[0]).toBeInstanceOf(Error);
  });

  it("closes a scoped socket when its scope ends: the port id is free and the /proc row gone", async () => {
    const w = new World({ seed: 4 });
    const rowsInside: number[] = [];
    runProcess(
      w,
      { name: "scoped", pid: 700 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        yield* Effect.scoped(
          Effect.gen(function* () {
            const s = yield* nl.socket(NETLINK_USERSOCK);
            yield* nl.bind(s, { pid: 7777, groups: 0 });
            rowsInside.push(...netlink_proc_rows(w.net).map((r) => r.portid));
          }),
        );
        expect(netlink_proc_rows(w.net).map((r) => r.portid)).not.toContain(7777);
        // the port id can be bound again
        const again = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(again, { pid: 7777, groups: 0 });
        // an explicit close before the scope ends is fine; a second one is EBADF
        yield* nl.close(again);
        const second = yield* Effect.flip(nl.close(again));
        expect(second.errno).toBe("EBADF");
      }),
    );
    await runWorld(w);
    expect(rowsInside).toContain(7777);
    // the world boots the stock kernel sockets (port id 0), which /proc/net/netlink lists too
    expect(netlink_proc_rows(w.net).filter((r) => r.portid !== 0)).toEqual([]);
  });

  it("streams received datagrams in order with recvStream", async () => {
    const w = new World({ seed: 5 });
    let seqs: number[] = [];
    runProcess(
      w,
      { name: "listener", pid: 800 },
      Effect.gen(function* () {
        const { s } = yield* boundSocket(800);
        const all = yield* Stream.runCollect(recvStream(s).pipe(Stream.take(5)));
        seqs = all.map((d) => seqOf(d.data));
      }),
    );
    runProcess(
      w,
      { name: "talker" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        for (let i = 0; i < 5; i++) {
          yield* nl.sendto(s, msg(10 + i), { to: { pid: 800, groups: 0 }, flags: MSG_DONTWAIT });
          if (i === 2) yield* Effect.sleep("5 millis");
        }
      }),
    );
    await runWorld(w);
    expect(seqs).toEqual([10, 11, 12, 13, 14]);
  });

  it("polls several sockets: wakes on the first readable one, and times out in virtual time", async () => {
    const w = new World({ seed: 6 });
    const seen: Array<{ t: number; revents: number[] }> = [];
    runProcess(
      w,
      { name: "poller" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const a = yield* nl.socket(NETLINK_USERSOCK);
        const b = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(a, { pid: 901, groups: 0 });
        yield* nl.bind(b, { pid: 902, groups: 0 });
        const first = yield* nl.poll(
          [
            { socket: a, events: POLLIN },
            { socket: b, events: POLLIN },
          ],
          1000,
        );
        seen.push({ t: w.now, revents: first.map((r) => r.revents) });
        yield* nl.recvmsg(b, 100);
        const none = yield* nl.poll(
          [
            { socket: a, events: POLLIN },
            { socket: b, events: POLLIN },
          ],
          250,
        );
        seen.push({ t: w.now, revents: none.map((r) => r.revents) });
        // POLLOUT: a netlink socket is always writable
        const out = yield* nl.poll([{ socket: a, events: POLLIN | POLLOUT }], -1);
        seen.push({ t: w.now, revents: out.map((r) => r.revents) });
      }),
    );
    runProcess(
      w,
      { name: "poked" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* Effect.sleep("7 millis");
        yield* nl.sendto(s, msg(1), { to: { pid: 902, groups: 0 } });
      }),
    );
    await runWorld(w);
    expect(seen).toEqual([
      { t: 7_000_000, revents: [0, POLLIN] },
      { t: 257_000_000, revents: [0, 0] },
      { t: 257_000_000, revents: [POLLOUT] },
    ]);
  });

  it("maps Effect.sleep and the Clock to virtual time", async () => {
    const w = new World({ seed: 7 });
    const clock: number[] = [];
    runProcess(
      w,
      { name: "sleeper" },
      Effect.gen(function* () {
        yield* Effect.sleep("2 seconds");
        clock.push(w.now);
        clock.push(yield* Clock.currentTimeMillis);
      }),
    );
    const started = Date.now();
    await runWorld(w);
    expect(clock).toEqual([2_000_000_000, 2000]);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("lets one fiber block in recvmsg while a timeout fires: the interrupted call leaves no trace", async () => {
    const w = new World({ seed: 8 });
    const out: string[] = [];
    runProcess(
      w,
      { name: "impatient", pid: 600 },
      Effect.gen(function* () {
        const { nl, s } = yield* boundSocket(600);
        const r = yield* Effect.timeoutOption(nl.recvmsg(s, 100), "10 millis");
        out.push(`${r._tag}@${w.now}`);
        // a background reader, then a message to ourselves
        const reader = yield* Effect.forkChild(nl.recvmsg(s, 100));
        yield* nl.sendto(s, msg(9), { to: { pid: 600, groups: 0 } });
        const d = yield* Fiber.join(reader);
        out.push(`got ${seqOf(d.data)}@${w.now}`);
      }),
    );
    await runWorld(w);
    expect(out).toEqual(["None@10000000", "got 9@10000000"]);
  });

  it("races two blocking reads over and over: the loser is interrupted, no datagram is lost or read twice", async () => {
    // both sockets get a datagram at the same instant: one wake-up of the process resumes the
    // winner's wait, which interrupts the other fiber's wait while the process is still going
    // through its waits, and the next round's reads begin at once (and take the waits just freed)
    const w = new World({ seed: 11 });
    const got: string[] = [];
    const rounds = 6;
    runProcess(
      w,
      { name: "racer", pid: 800 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const a = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(a, { pid: 800, groups: 0 });
        const b = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(b, { pid: 801, groups: 0 });
        const read = (s: typeof a, name: string) => Effect.map(nl.recvmsg(s, 100), (d) => `${name}${seqOf(d.data)}`);
        while (got.length < 2 * rounds) got.push(yield* Effect.race(read(a, "a"), read(b, "b")));
      }),
    );
    runProcess(
      w,
      { name: "sender", pid: 802 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        for (let i = 0; i < rounds; i++) {
          yield* Effect.sleep("1 millis");
          yield* nl.sendto(s, msg(i), { to: { pid: 800, groups: 0 } });
          yield* nl.sendto(s, msg(i), { to: { pid: 801, groups: 0 } });
        }
      }),
    );
    await runWorld(w);
    expect(got.filter((g) => g.startsWith("a"))).toEqual(Array.from({ length: rounds }, (_, i) => `a${i}`));
    expect(got.filter((g) => g.startsWith("b"))).toEqual(Array.from({ length: rounds }, (_, i) => `b${i}`));
  });

  it("lets a process's other fibers run while one loops on calls that end at once, the same way in every world", async () => {
    // sendto of a NOOP to the kernel ends on the spot (nothing queued, nothing to wait for); a
    // process makes such calls out of Effect's run loop, and every 2048 of them one yields
    const run = async (): Promise<number> => {
      const w = new World({ seed: 12 });
      let calls = -1;
      runProcess(
        w,
        { name: "spinner", pid: 900 },
        Effect.gen(function* () {
          const nl = yield* Netlink;
          const s = yield* nl.socket(NETLINK_ROUTE);
          const noop = encodeMessage({ type: NLMSG_NOOP, payload: new Uint8Array(0) });
          let flag = false;
          yield* Effect.forkChild(Effect.sync(() => (flag = true)));
          let n = 0;
          while (!flag && n < 50_000) {
            yield* nl.sendto(s, noop, { to: { pid: 0, groups: 0 } });
            n++;
          }
          calls = n;
        }),
      );
      await runWorld(w);
      return calls;
    };
    const first = await run();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(2048);
    // counted per process: the calls of the world before do not move it
    expect(await run()).toBe(first);
  });

  it("parks a sendto on a full queue until the reader makes room, and a timeout interrupts a parked send", async () => {
    const w = new World({ seed: 10 });
    const out: string[] = [];
    let filled = 0;
    runProcess(
      w,
      { name: "reader", pid: 700 },
      Effect.gen(function* () {
        const { nl, s } = yield* smallQueue(700);
        yield* Effect.sleep("5 millis");
        // one datagram read makes room for the parked send
        out.push(`read ${seqOf((yield* nl.recvmsg(s, 100)).data)}@${w.now}`);
        yield* Effect.sleep("100 millis");
        const seqs: number[] = [];
        for (;;) {
          const d = yield* Effect.option(nl.recvmsg(s, 100, MSG_DONTWAIT));
          if (d._tag === "None") break;
          seqs.push(seqOf(d.value.data));
        }
        out.push(`then ${seqs.join(",")}`);
      }),
    );
    runProcess(
      w,
      { name: "writer", pid: 701 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        const to = { to: { pid: 700, groups: 0 } };
        filled = yield* fillQueue(nl, s, 700);
        yield* nl.sendto(s, msg(100), to);
        out.push(`sent 100@${w.now}`);
        const r = yield* Effect.timeoutOption(nl.sendto(s, msg(101), to), "10 millis");
        out.push(`101: ${r._tag}@${w.now}`);
      }),
    );
    await runWorld(w);
    expect(filled).toBeGreaterThan(0);
    const rest = Array.from({ length: filled - 1 }, (_, i) => i + 1);
    expect(out).toEqual([
      "read 0@5000000",
      "sent 100@5000000",
      "101: None@15000000",
      `then ${[...rest, 100].join(",")}`,
    ]);
    // the interrupted send is in the trace with sock_intr_errno's errno (no SO_SNDTIMEO: ERESTARTSYS,
    // which a signal handler's SA_RESTART would restart), and it never arrived
    const sends = w.trace.snapshot().events.filter((e) => isSyscall(e, "sendto") && e.pid === 701);
    expect(sends.at(-1)).toMatchObject({ ret: -512, errno: "ERESTARTSYS" });
  });

  it("reads a send's destination when the call runs, and a parked send keeps it while other sends go elsewhere", async () => {
    const w = new World({ seed: 15 });
    const got: string[] = [];
    let filled = 0;
    runProcess(
      w,
      { name: "full", pid: 710 },
      Effect.gen(function* () {
        const { nl, s } = yield* smallQueue(710);
        yield* Effect.sleep("5 millis");
        for (let i = 0; i <= filled; i++) got.push(`710:${seqOf((yield* nl.recvmsg(s, 100)).data)}`);
      }),
    );
    runProcess(
      w,
      { name: "other", pid: 711 },
      Effect.gen(function* () {
        const { nl, s } = yield* boundSocket(711);
        for (let i = 0; i < 3; i++) got.push(`711:${seqOf((yield* nl.recvmsg(s, 100)).data)}`);
      }),
    );
    runProcess(
      w,
      { name: "writer", pid: 712 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        // fill 710's queue, then a fiber parks a send to it
        filled = yield* fillQueue(nl, s, 710);
        const parked = yield* Effect.forkChild(nl.sendto(s, msg(100), { to: { pid: 710, groups: 0 } }));
        yield* Effect.yieldNow;
        // an effect built now and run later sends where its address says when it runs
        const to = { pid: 710, groups: 0 };
        const later = nl.sendto(s, msg(20), { to });
        to.pid = 711;
        // meanwhile other sends go to 711, each with its own address
        for (const seq of [21, 22]) yield* nl.sendto(s, msg(seq), { to: { pid: 711, groups: 0 } });
        yield* later;
        yield* Fiber.join(parked);
      }),
    );
    await runWorld(w);
    expect(filled).toBeGreaterThan(0);
    const first = Array.from({ length: filled }, (_, i) => `710:${i}`);
    expect(got).toEqual(["711:21", "711:22", "711:20", ...first, "710:100"]);
    // the trace shows the parked send going to 710 when it ended, whatever was sent in between
    const sends = w.trace.snapshot().events.filter((e) => isSyscall(e, "sendto") && e.pid === 712);
    const to710 = Array.from({ length: filled + 1 }, () => 710); // the last one: EAGAIN, the queue full
    expect(sends.map((e) => (e as unknown as { to: number }).to)).toEqual([...to710, 711, 711, 711, 710]);
    expect(sends.at(-1)).toMatchObject({ ret: 20 });
  });

  it("hands a program received bytes of its own: writing them changes no other datagram, and no copy follows later writes", async () => {
    const w = new World({ seed: 16 });
    const got: Datagram[] = [];
    runProcess(
      w,
      { name: "self", pid: 960 },
      Effect.gen(function* () {
        const { nl, s } = yield* boundSocket(960);
        const payload = msg(1);
        for (let i = 0; i < 3; i++) yield* nl.sendto(s, payload, { to: { pid: 960, groups: 0 } });
        const peeked = yield* nl.recvmsg(s, 100, MSG_PEEK);
        peeked.data.fill(0xee);
        payload.fill(0xdd);
        for (let i = 0; i < 3; i++) got.push(yield* nl.recvmsg(s, 100));
        got[0]!.data.fill(0xcc);
        got.push(peeked);
      }),
    );
    await runWorld(w);
    expect(got.slice(1, 3).map((d) => seqOf(d.data))).toEqual([1, 1]);
    expect(got[0]!.data.every((b) => b === 0xcc)).toBe(true);
    expect(got[3]!.data.every((b) => b === 0xee)).toBe(true);
    for (let i = 0; i < got.length; i++) {
      for (let j = i + 1; j < got.length; j++) {
        const [a, b] = [got[i]!.data, got[j]!.data];
        const apart =
          a.buffer !== b.buffer ||
          a.byteOffset + a.byteLength <= b.byteOffset ||
          b.byteOffset + b.byteLength <= a.byteOffset;
        expect(apart).toBe(true);
      }
    }
  });

  it("hands out a recvmsg's effect again once its yield* is over, never while it is under way", async () => {
    const w = new World({ seed: 17 });
    const got: string[] = [];
    runProcess(
      w,
      { name: "loop", pid: 970 },
      Effect.gen(function* () {
        const { nl, s } = yield* boundSocket(970);
        const first = nl.recvmsg(s, 100);
        // an effect is a value: a second equal call before the first runs may be the same object
        // (compared with ===: expect's deep equality would iterate the effects, and so run them)
        expect(nl.recvmsg(s, 100) === first).toBe(true);
        expect(nl.recvmsg(s, 200) === first).toBe(false);
        // fiber A blocks in its yield* of `first`; B asks for the same read meanwhile: another object
        const a = yield* Effect.forkChild(
          Effect.gen(function* () {
            return seqOf((yield* first).data);
          }),
        );
        yield* Effect.sleep("1 millis");
        const second = nl.recvmsg(s, 100);
        expect(second === first).toBe(false);
        const b = yield* Effect.forkChild(
          Effect.gen(function* () {
            return seqOf((yield* second).data);
          }),
        );
        yield* Effect.sleep("1 millis");
        yield* nl.sendto(s, msg(1), { to: { pid: 970, groups: 0 } });
        yield* nl.sendto(s, msg(2), { to: { pid: 970, groups: 0 } });
        // each read gets one of the two (which one is the process's order of its waits)
        got.push([yield* Fiber.join(a), yield* Fiber.join(b)].sort().join(","));
        // both yield*s are over: the next call gets one of them back, and it reads on as a new call
        const third = nl.recvmsg(s, 100);
        expect(third === first || third === second).toBe(true);
        for (let i = 3; i <= 6; i++) yield* nl.sendto(s, msg(i), { to: { pid: 970, groups: 0 } });
        got.push(`${seqOf((yield* third).data)}`, `${seqOf((yield* third).data)}`);
        // the same effect run by two fibers at once, and run outside a generator
        const both = yield* Effect.all([third, first], { concurrency: 2 });
        got.push(both.map((d) => seqOf(d.data)).join("+"));
      }),
    );
    await runWorld(w);
    expect(got).toEqual(["1,2", "3", "4", "5+6"]);
  });

  it("times out a blocking recvmsg after SO_RCVTIMEO with EAGAIN", async () => {
    const w = new World({ seed: 9 });
    let exit: Exit.Exit<unknown, NetlinkError> | undefined;
    runProcess(
      w,
      { name: "waiter" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        const tv = new Uint8Array(16);
        new DataView(tv.buffer).setBigInt64(8, 300_000n, true);
        yield* nl.setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, tv);
        exit = yield* Effect.exit(nl.recvmsg(s, 100));
      }),
    );
    await runWorld(w);
    expect(w.now).toBe(300_000_000);
    expect(exit !== undefined && Exit.isFailure(exit)).toBe(true);
    const err = exit !== undefined && Exit.isFailure(exit) ? exit.cause : undefined;
    expect(JSON.stringify(err)).toContain("EAGAIN");
  });

  it("reports a program that fails as a failed task", async () => {
    const w = new World({ seed: 10 });
    runProcess(
      w,
      { name: "doomed" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        yield* nl.socket(77);
      }),
    );
    const r = await w.run();
    expect(r.failed.map((f) => f.task)).toEqual(["doomed"]);
    expect(String(r.failed[0]!.error)).toContain("EPROTONOSUPPORT");
  });

  it("hands a program each datagram as a plain object of its own fields", async () => {
    const w = new World({ seed: 14 });
    const got: Datagram[] = [];
    runProcess(
      w,
      { name: "self", pid: 950 },
      Effect.gen(function* () {
        const { nl, s } = yield* boundSocket(950);
        yield* nl.sendto(s, msg(1), { to: { pid: 950, groups: 0 } });
        got.push(yield* nl.recvmsg(s, 100));
      }),
    );
    await runWorld(w);
    const d = got[0]!;
    expect(Object.getPrototypeOf(d)).toBe(Object.prototype);
    expect(Object.keys(d)).toEqual(["data", "length", "msgFlags", "from"]);
    expect(d).toStrictEqual({ data: d.data, length: 20, msgFlags: 0, from: { pid: 950, groups: 0 } });
  });

  it("decodes what it receives with the uapi codec (application-level round trip)", async () => {
    const w = new World({ seed: 11 });
    let types: number[] = [];
    runProcess(
      w,
      { name: "self", pid: 650 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.connect(s, { pid: 650, groups: 0 });
        yield* nl.sendto(s, msg(3));
        const d = yield* nl.recvmsg(s, 4096);
        types = parseMessages(d.data).map((m) => m.type);
        yield* nl.connect(s, "unspec");
        expect(yield* nl.getpeername(s)).toEqual({ pid: 0, groups: 0 });
        expect((yield* nl.getsockname(s)).pid).toBe(650);
      }),
    );
    await runWorld(w);
    expect(types).toEqual([0x10]);
  });
});

describe("a process's context", () => {
  it("gives a program what processLayer builds, without building layers", () => {
    const w = new World({ seed: 13 });
    const p = spawnProcess(w, { name: "ctx" }, async () => {});
    const rt = new SimRuntime(w, p);
    const built = Effect.runSync(Effect.scoped(Layer.build(processLayer(rt))));
    const direct = processContext(rt);
    // the layer's build adds the memo map it used; nothing else differs
    const keys = (c: typeof direct) =>
      [...c.mapUnsafe.keys()].filter((k) => k !== "effect/Layer/CurrentMemoMap").sort();
    expect(keys(direct)).toEqual(keys(built));
    expect(Context.get(direct, Clock.Clock)).toBe(rt.clock);
    expect(Context.get(direct, Scheduler.Scheduler)).toBe(rt);
  });
});

describe("sim layer: what the scenario format needs from the service", () => {
  it("procNetlink lists a bound socket under its inode, raw sockaddr bytes reach bind's checks, getsockoptWithLength gives optlen", async () => {
    const w = new World({ seed: 3 });
    const seen: Array<string | number | boolean> = [];
    runProcess(
      w,
      { name: "app", pid: 700 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        const listed = () => Effect.map(nl.procNetlink(), (rows) => rows.some((r) => r.inode === s.inode));
        seen.push(yield* listed());
        // an AF_UNSPEC sockaddr of 12 bytes: netlink_bind refuses the family
        const bad = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        const e = yield* Effect.flip(nl.bind(s, bad));
        seen.push(e.errno);
        yield* nl.bind(s, { pid: 0, groups: 0b101 });
        seen.push(yield* listed());
        const m = yield* nl.getsockoptWithLength(s, 270, 9, 0); // SOL_NETLINK, NETLINK_LIST_MEMBERSHIPS
        seen.push(m.data.length, m.optlen);
      }),
    );
    await runWorld(w);
    expect(seen).toEqual([false, "EINVAL", true, 0, 4]);
  });
});
