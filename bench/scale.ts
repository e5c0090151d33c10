// Workloads at scale: a world of 100,000 sockets (half of them subscribed to a group), a
// broadcast to 100,000 listeners, and 1,000 to 40,000 simulated processes each blocking on its
// own socket.
// Their set-up is lazy (done on first use, off the clock), so other workloads do not pay for it.
import { Effect } from "effect";
import {
  Net,
  type NetlinkSock,
  netlink_broadcast,
  netlink_kernel_create,
  netlink_recvmsg,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../kernel-model/net/netlink/index.js";
import {
  encodeMessage,
  encodeSockaddrNl,
  MSG_DONTWAIT,
  NETLINK_USERSOCK,
  SOCK_RAW,
} from "../kernel-model/uapi/index.js";
import { SeededPrng } from "../sim/prng.js";
import { Parked, type SimProcess, spawnProcess } from "../sim/process.js";
import { type WakeReason, World } from "../sim/world.js";
import { Netlink, type NetlinkError, type NetlinkService, type NetlinkSocket, runProcess } from "../transport/index.js";
import { collectGarbage, type Suite } from "./harness.js";
import { open } from "./model.js";

const WORLD_SOCKETS = 100_000;
const UNIT = 25;

/** One USERSOCK socket bound to port `pid`, every second one to group 1 as well. */
const openNth = (net: Net, i: number, protocol = NETLINK_USERSOCK, group = i % 2): NetlinkSock =>
  open(net, protocol, 1000 + i, group);

/**
 * model.sockets.create: sockets created and bound per second while a world grows to 100,000
 * (every second one joins group 1); a full world is dropped and the next one starts empty.
 */
const socketsCreate = (): ((n: number) => number) => {
  let net = new Net({ prng: new SeededPrng(4) });
  let count = 0;
  return (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (count === WORLD_SOCKETS) {
        net = new Net({ prng: new SeededPrng(4) });
        count = 0;
      }
      sum += openNth(net, count++).portid;
    }
    return sum;
  };
};

/** model.sockets.bytes: heap bytes (JS heap + ArrayBuffers) per idle socket in a world of 100,000. */
const socketsBytes = (): number => {
  collectGarbage();
  const before = process.memoryUsage();
  const net = new Net({ prng: new SeededPrng(5) });
  const socks = new Array<NetlinkSock>(WORLD_SOCKETS);
  for (let i = 0; i < WORLD_SOCKETS; i++) socks[i] = openNth(net, i);
  collectGarbage();
  const after = process.memoryUsage();
  const bytes = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
  // keep the world alive until it is measured
  return socks.length === WORLD_SOCKETS && net !== null ? Math.round(bytes / WORLD_SOCKETS) : 0;
};

/** model.broadcast.100k: a kernel socket broadcasts a 64-byte event to 100,000 listeners, which read it. */
const broadcast100k = (): ((n: number) => number) => {
  let world: { ksk: NetlinkSock; listeners: NetlinkSock[] } | undefined;
  const event = (): ReturnType<typeof nlmsg_new> => {
    const skb = nlmsg_new(64);
    const nlh = nlmsg_put(skb, 0, 0, 16, 64, 0);
    if (nlh === null) throw new Error("nlmsg_put failed");
    nlmsg_end(skb, nlh);
    return skb;
  };
  return (n) => {
    if (world === undefined) {
      const net = new Net({ prng: new SeededPrng(6) });
      const ksk = netlink_kernel_create(net, UNIT, { groups: 32 });
      if (ksk === null) throw new Error("netlink_kernel_create failed");
      const listeners = Array.from({ length: WORLD_SOCKETS }, (_, i) => openNth(net, i, UNIT, 1));
      world = { ksk, listeners };
    }
    let sum = 0;
    for (let r = 0; r < n; r++) {
      sum += netlink_broadcast(world.ksk, event(), 0, 1);
      for (const l of world.listeners) sum += netlink_recvmsg(l, 4096, MSG_DONTWAIT).ret;
    }
    return sum;
  };
};

/** The first pid of the readers: reader i is pid READER_PID + i. */
const READER_PID = 1000;

/**
 * `processes` Effect programs, reader i bound to pid READER_PID + i, each reading `rounds`
 * datagrams with a blocking recvmsg; `received()` counts what they have read.
 */
const spawnReaders = (world: World, processes: number, rounds: number): { readonly received: () => number } => {
  let received = 0;
  for (let i = 0; i < processes; i++) {
    runProcess(
      world,
      { name: `r${i}`, pid: READER_PID + i },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(s, { pid: READER_PID + i, groups: 0 });
        for (let r = 0; r < rounds; r++) {
          const d = yield* nl.recvmsg(s, 256);
          if (d.length > 0) received++; // (not `received += yield* ...`: that reads received before the wait)
        }
      }),
    );
  }
  return { received: () => received };
};

/** The sender of these worlds: an Effect program (pid 999) with a USERSOCK socket of its own, running `body`. */
const spawnSender = (
  world: World,
  body: (nl: NetlinkService, s: NetlinkSocket) => Effect.Effect<void, NetlinkError>,
): void => {
  runProcess(
    world,
    { name: "sender", pid: 999 },
    Effect.gen(function* () {
      const nl = yield* Netlink;
      yield* body(nl, yield* nl.socket(NETLINK_USERSOCK));
    }),
  );
};

/** One datagram to each of the `processes` readers. */
const sendToEach = (nl: NetlinkService, s: NetlinkSocket, processes: number, msg: Uint8Array) =>
  Effect.gen(function* () {
    for (let i = 0; i < processes; i++) yield* nl.sendto(s, msg, { to: { pid: READER_PID + i, groups: 0 } });
  });

/** Who reads in a timed world of blocked readers (simProcesses). */
type ReaderKind = "processes" | "tasks" | "fibers";

/**
 * A reader of the bare worlds (sim.tasks, sim.fibers): it drives the model's parked recvmsg by
 * hand (SimProcess.recvmsgCall, then World.sleepOnThen on the queue the call names, until the
 * call ends), with no transport around it.
 */
abstract class BareReader {
  private parked: Parked<unknown> | undefined = undefined;
  constructor(
    private readonly world: World,
    private readonly p: SimProcess,
    private readonly fd: number,
  ) {}
  /** One read: the datagram's length (negative: an errno), or undefined when the task sleeps until it ends (`ended`). */
  protected read(): number | undefined {
    const r = this.p.recvmsgCall(this.fd, 256, 0);
    if (!(r instanceof Parked)) return r.ret;
    this.parked = r;
    this.world.sleepOnThen(r.wq(), Number.POSITIVE_INFINITY, this);
    return undefined;
  }
  /** The task woke: the read runs again on the model, and ends or sleeps on. */
  resumeTask(_why: WakeReason): void {
    const parked = this.parked!;
    const r = parked.resume(false) as { ret: number } | undefined;
    if (r === undefined) {
      this.world.sleepOnThen(parked.wq(), Number.POSITIVE_INFINITY, this);
      return;
    }
    this.parked = undefined;
    this.ended(r.ret);
  }
  /** A read that slept has ended with `ret`. */
  protected abstract ended(ret: number): void;
}

/** The readers of sim.tasks.P: bare tasks with no Effect. What the world, the model and the process runtime cost on their own. */
class TaskReader extends BareReader {
  private count = 0;
  constructor(
    world: World,
    p: SimProcess,
    fd: number,
    private readonly rounds: number,
    private readonly onRead: () => void,
    private readonly done: () => void,
  ) {
    super(world, p, fd);
  }
  /** Reads until a read sleeps (or ends after `rounds` reads). */
  go(): void {
    for (;;) {
      if (this.count === this.rounds) {
        this.done();
        return;
      }
      const ret = this.read();
      if (ret === undefined) return;
      this.got(ret);
    }
  }
  protected ended(ret: number): void {
    this.got(ret);
    this.go();
  }
  private got(ret: number): void {
    if (ret < 0) throw new Error(`sim.tasks: recvmsg returned ${ret}`);
    this.count++;
    this.onRead();
  }
}

/**
 * The reads of sim.fibers.P: one Effect fiber per task doing the least a fiber can do to block.
 * One Effect.callback, built once, reads; when the read sleeps, the fiber waits until it ends.
 */
class FiberReader extends BareReader {
  private resumeFiber: ((effect: Effect.Effect<number>) => void) | undefined = undefined;
  /** one blocking read: the datagram's length */
  readonly effect: Effect.Effect<number> = Effect.callback<number>((resume) => {
    const ret = this.read();
    if (ret === undefined) this.resumeFiber = resume;
    else resume(Effect.succeed(ret));
  });
  protected ended(ret: number): void {
    const resume = this.resumeFiber!;
    this.resumeFiber = undefined;
    resume(Effect.succeed(ret));
  }
}

/**
 * The readers of sim.tasks.P (TaskReader) or sim.fibers.P (one Effect fiber per task, forked by
 * the task and reading with a FiberReader): the same sockets, binds and reads as spawnReaders' programs.
 */
const spawnBareReaders = (
  world: World,
  kind: "tasks" | "fibers",
  processes: number,
  rounds: number,
): { readonly received: () => number } => {
  let received = 0;
  const onRead = (): void => {
    received++;
  };
  for (let i = 0; i < processes; i++) {
    spawnProcess(world, { name: `r${i}`, pid: READER_PID + i }, (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      const bound = p.bind(fd, encodeSockaddrNl({ pid: READER_PID + i, groups: 0 }));
      if (fd < 0 || bound !== 0) return Promise.reject(new Error(`sim.${kind}: socket ${fd}, bind ${bound}`));
      if (kind === "tasks") return new Promise<void>((done) => new TaskReader(world, p, fd, rounds, onRead, done).go());
      const reader = new FiberReader(world, p, fd);
      return Effect.runPromise(
        Effect.gen(function* () {
          for (let r = 0; r < rounds; r++) {
            const ret = yield* reader.effect;
            if (ret < 0) return yield* Effect.die(new Error(`sim.fibers: recvmsg returned ${ret}`));
            received++;
          }
        }),
      );
    });
  }
  return { received: () => received };
};

/**
 * sim.processes.P: P simulated processes (runProcess, Effect programs over Netlink) each block in
 * recvmsg on its own socket; a sender sends one datagram to each per round, then sleeps 1 ms of
 * virtual time, so every datagram wakes a sleeping process. One operation = one such wake-up and
 * the switch to that process. The clocks start when the sender begins its second round: by then
 * every process has been created, opened and bound its socket, taken its first datagram and
 * blocked again. That set-up (about 0.1 ms per process, and the first, cold round) is not timed:
 * timed with the rounds, it made the figure depend on how many rounds the harness asked for.
 *
 * sim.tasks.P and sim.fibers.P are its references, the same world and traffic with less on top
 * of the model: the readers are bare tasks (TaskReader), or one bare Effect fiber each
 * (FiberReader), and the sender a bare task. They show which layer makes a switch at 10k cost
 * more than one at 1k.
 */
const simProcesses =
  (processes: number, kind: ReaderKind = "processes") =>
  async (n: number): Promise<{ checksum: number; wallNs: number; cpuNs: number; ops: number }> => {
    // round 0 is the set-up; rounds 1.. are timed
    const rounds = 1 + Math.max(1, Math.ceil(n / processes));
    const world = new World({ seed: 7, trace: false, maxSwitches: Number.MAX_SAFE_INTEGER });
    const msg = encodeMessage({ type: 16, payload: new Uint8Array(16) });
    const readers =
      kind === "processes" ? spawnReaders(world, processes, rounds) : spawnBareReaders(world, kind, processes, rounds);
    let c0: NodeJS.CpuUsage | undefined;
    let w0 = 0n;
    let receivedBefore = 0;
    const startClocks = (): void => {
      receivedBefore = readers.received();
      c0 = process.cpuUsage();
      w0 = process.hrtime.bigint();
    };
    if (kind === "processes") {
      spawnSender(world, (nl, s) =>
        Effect.gen(function* () {
          for (let r = 0; r < rounds; r++) {
            if (r === 1) yield* Effect.sync(startClocks);
            yield* sendToEach(nl, s, processes, msg);
            yield* Effect.sleep("1 millis");
          }
        }),
      );
    } else {
      spawnProcess(world, { name: "sender", pid: 999 }, async (p) => {
        const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
        const to = Array.from({ length: processes }, (_, i) => encodeSockaddrNl({ pid: READER_PID + i, groups: 0 }));
        for (let r = 0; r < rounds; r++) {
          if (r === 1) startClocks();
          for (let i = 0; i < processes; i++) {
            const ret = p.sendtoNow(fd, msg, 0, to[i]);
            if (ret < 0) throw new Error(`sim.${kind}: sendto returned ${ret}`);
          }
          await world.msleep(1);
        }
      });
    }
    const r = await world.run();
    const wallNs = Number(process.hrtime.bigint() - w0);
    const c = process.cpuUsage(c0);
    if (r.failed.length > 0) throw r.failed[0]!.error;
    const received = readers.received();
    if (received !== rounds * processes) throw new Error(`sim.${kind}: ${received} of ${rounds * processes} received`);
    if (c0 === undefined || receivedBefore !== processes)
      throw new Error(`sim.${kind}: the timed rounds began with ${receivedBefore} of ${processes} received`);
    return { checksum: r.switches, wallNs, cpuNs: (c.user + c.system) * 1000, ops: received - receivedBefore };
  };

/**
 * sim.processes.bytes: JS heap plus ArrayBuffer bytes per simulated process in a world of 10,000,
 * each an Effect program blocked in recvmsg on its own bound socket, measured after a full GC from
 * inside the world (a sender's program, once every process has blocked); the sender then wakes
 * each one with a datagram so that the world ends.
 */
const processesBytes = async (): Promise<number> => {
  const processes = 10_000;
  collectGarbage();
  const before = process.memoryUsage();
  const world = new World({ seed: 8, trace: false, maxSwitches: Number.MAX_SAFE_INTEGER });
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(16) });
  const readers = spawnReaders(world, processes, 1);
  let bytes = 0;
  spawnSender(world, (nl, s) =>
    Effect.gen(function* () {
      // every other process has run up to its recvmsg and blocked
      yield* Effect.sleep("1 millis");
      yield* Effect.sync(() => {
        collectGarbage();
        const after = process.memoryUsage();
        bytes = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
      });
      yield* sendToEach(nl, s, processes, msg);
    }),
  );
  const r = await world.run();
  if (r.failed.length > 0) throw r.failed[0]!.error;
  const received = readers.received();
  if (received !== processes) throw new Error(`sim.processes.bytes: ${received} of ${processes} received`);
  return Math.round(bytes / processes);
};

export const registerScale = (suite: Suite): void => {
  suite.add("model.sockets.create", socketsCreate(), "sockets/s");
  suite.addGauge("model.sockets.bytes", socketsBytes, "bytes/socket");
  suite.add("model.broadcast.100k", broadcast100k(), "deliveries/s", WORLD_SOCKETS);
  suite.addGauge("sim.processes.bytes", processesBytes, "bytes/process");
  suite.addTimed("sim.processes.1k", simProcesses(1_000), "switches/s");
  suite.addTimed("sim.processes.10k", simProcesses(10_000), "switches/s");
  // past the processor's caches and the young generation: the cost per switch from 10k on
  suite.addTimed("sim.processes.40k", simProcesses(40_000), "switches/s");
  // the same worlds with less on top of the model: which layer makes 10k cost more than 1k
  suite.addTimed("sim.tasks.1k", simProcesses(1_000, "tasks"), "switches/s");
  suite.addTimed("sim.tasks.10k", simProcesses(10_000, "tasks"), "switches/s");
  suite.addTimed("sim.fibers.1k", simProcesses(1_000, "fibers"), "switches/s");
  suite.addTimed("sim.fibers.10k", simProcesses(10_000, "fibers"), "switches/s");
};
