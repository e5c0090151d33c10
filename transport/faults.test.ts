import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import {
  NETLINK_URELEASE,
  type NetlinkNotify,
  netlink_proc_rows,
  netlink_register_notifier,
} from "../kernel-model/net/netlink/index.js";
import { encodeMessage, NETLINK_USERSOCK, SO_RCVBUF, SOL_SOCKET } from "../kernel-model/uapi/index.js";
import { installFaults } from "../sim/faults.js";
import { World } from "../sim/world.js";
import { Netlink, type NetlinkError, runProcess } from "./index.js";

const MSG = encodeMessage({ type: 0x10, payload: new Uint8Array(4) });

/** A daemon bound to 900 that reads forever; records what the release notifier sees. */
const daemonWorld = (kill: { atSyscall?: number; atNs?: number }) => {
  const w = new World({ seed: 1 });
  installFaults(w, { kills: [{ process: "daemon", ...kill }] });
  const released: NetlinkNotify[] = [];
  netlink_register_notifier(w.net, (event, n) => {
    if (event === NETLINK_URELEASE) released.push(n);
  });
  let reads = 0;
  let after = false;
  const daemon = runProcess(
    w,
    { name: "daemon", pid: 900 },
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const s = yield* nl.socket(NETLINK_USERSOCK);
      yield* nl.bind(s, { pid: 900, groups: 0 });
      for (;;) {
        yield* nl.recvmsg(s, 100);
        reads++;
      }
    }).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          after = true;
        }),
      ),
    ),
  );
  const client = runProcess(
    w,
    { name: "client" },
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const s = yield* nl.socket(NETLINK_USERSOCK);
      const results: string[] = [];
      for (let i = 0; i < 4; i++) {
        yield* Effect.sleep("10 millis");
        const r = yield* Effect.result(nl.sendto(s, MSG, { to: { pid: 900, groups: 0 } }));
        results.push(r._tag === "Success" ? String(r.success) : (r.failure as NetlinkError).errno);
      }
      return results;
    }),
  );
  return { w, released, daemon, client, reads: () => reads, after: () => after };
};

describe("killing a process (fault plan)", () => {
  it("kills at the nth syscall: its socket vanishes, NETLINK_URELEASE fires, senders get ECONNREFUSED", async () => {
    // syscalls: socket, bind, recvmsg, recvmsg, [recvmsg #5 never happens]
    const t = daemonWorld({ atSyscall: 5 });
    const r = await t.w.run();
    expect(r.failed).toEqual([]);
    expect(r.deadlocked).toEqual([]);
    expect(t.reads()).toBe(2);
    // the daemon's socket first (the kill), then the client's when it exits
    expect(t.released.map((n) => [n.protocol, n.portid])).toEqual([
      [NETLINK_USERSOCK, 900],
      [NETLINK_USERSOCK, 1000],
    ]);
    expect(netlink_proc_rows(t.w.net).map((x) => x.portid)).not.toContain(900);
    const exit = t.client.exit();
    expect(exit?._tag).toBe("Success");
    expect(exit?._tag === "Success" ? exit.value : []).toEqual(["20", "20", "ECONNREFUSED", "ECONNREFUSED"]);
    const kill = t.w.trace.snapshot().events.find((e) => e.kind === "fault");
    expect(kill).toMatchObject({ fault: "kill", pid: 900, name: "daemon", reason: "syscall 5", t: 20_000_000 });
  });

  it("kills at a virtual time while the process sleeps in recvmsg", async () => {
    const t = daemonWorld({ atNs: 25_000_000 });
    const r = await t.w.run();
    expect(r.failed).toEqual([]);
    expect(t.reads()).toBe(2);
    expect(t.after()).toBe(false); // no code of a killed program runs, finalizers included
    expect(t.daemon.exit()).toBeUndefined();
    expect(t.released[0]!.portid).toBe(900);
    const exit = t.client.exit();
    expect(exit?._tag === "Success" ? exit.value : []).toEqual(["20", "20", "ECONNREFUSED", "ECONNREFUSED"]);
    const kill = t.w.trace.snapshot().events.find((e) => e.kind === "fault");
    expect(kill).toMatchObject({ fault: "kill", t: 25_000_000, reason: "time 25000000" });
    // the close came from the exit, not from the program's scope
    const closes = t.w.trace
      .snapshot()
      .events.filter((e) => e.kind === "syscall" && e.call === "close" && e.pid === 900);
    expect(closes).toHaveLength(1);
  });
});

describe("blocking sendto", () => {
  it("sleeps while the receiver's queue is full and completes when the receiver reads", async () => {
    const w = new World({ seed: 2 });
    const log: string[] = [];
    runProcess(
      w,
      { name: "slow", pid: 950 },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.setsockopt(s, SOL_SOCKET, SO_RCVBUF, 1); // the minimum: 2304, two small messages
        yield* nl.bind(s, { pid: 950, groups: 0 });
        yield* Effect.sleep("50 millis");
        for (let i = 0; i < 4; i++) {
          yield* nl.recvmsg(s, 100);
          log.push(`read@${w.now / 1e6}`);
          yield* Effect.sleep("1 millis");
        }
      }),
    );
    runProcess(
      w,
      { name: "fast" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* Effect.sleep("1 millis");
        for (let i = 0; i < 4; i++) {
          yield* nl.sendto(s, MSG, { to: { pid: 950, groups: 0 } });
          log.push(`sent@${w.now / 1e6}`);
        }
      }),
    );
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(log).toEqual(["sent@1", "sent@1", "read@50", "sent@50", "read@51", "sent@51", "read@52", "read@53"]);
  });
});
