// The model's invariant program: simulated processes doing random socket operations on a shared
// set of netlink sockets (USERSOCK, and a unit claimed by a small kernel module that echoes,
// floods a group and dumps), in a swarm world whose seed also draws the schedule, the receive
// buffers, allocation failures and the input mode (sim/swarm.ts). After every operation it checks:
// - rmem_alloc equals the truesize queued on the socket;
// - no message is lost without a drop counted: every copy a send or the module makes is queued,
//   counted in sk_drops, or reported to the sender as an error;
// - ENOBUFS once per congestion: a drop on an uncongested socket (without NETLINK_NO_ENOBUFS)
//   leaves sk_err = ENOBUFS, and recvmsg reports ENOBUFS only after a new drop (or a failed
//   allocation) since its last report, or while a dump runs (a round refused for room after a
//   read sets sk_err without a drop, and is retried by the next read);
// - port ids are unique per protocol and the port-id hash agrees with the sockets;
// - a dump ends exactly once: at most one NLMSG_DONE per dump, and every dump started on a socket
//   still open has its NLMSG_DONE once the socket is drained;
// and at the end that every socket was released (no user socket left, the hashes empty, no
// listeners, nothing charged). `nlsim sweep invariants` runs it over many seeds, the test
// sim/invariants.test.ts over two hundred (kernel-model/net/netlink/invariants.test.ts checks the
// bare model without a world).
import { GFP_ATOMIC } from "../kernel-model/kernel/gfp.js";
import {
  type Cred,
  NETLINK_CB,
  NETLINK_F_RECV_NO_ENOBUFS,
  NETLINK_S_CONGESTED,
  type NetFaults,
  type NetlinkCallback,
  type NetlinkSock,
  netlink_bind,
  netlink_create,
  netlink_dump_start,
  netlink_has_listeners,
  netlink_is_kernel,
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_lookup,
  netlink_rcv_skb,
  netlink_recvmsg,
  netlink_release,
  netlink_sendmsg,
  netlink_unicast,
  nlk_test_group,
  nlmsg_end,
  nlmsg_multicast,
  nlmsg_new,
  nlmsg_put,
  nlmsg_put_answer,
  type SkBuff,
  setsockopt,
} from "../kernel-model/net/netlink/index.js";
import {
  CAP_NET_ADMIN,
  ERRNO,
  encodeMessage,
  encodeSockaddrNl,
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_NO_ENOBUFS,
  NETLINK_USERSOCK,
  NL_CFG_F_NONROOT_RECV,
  NL_CFG_F_NONROOT_SEND,
  NLM_F_ACK,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_HDRLEN,
  SO_RCVBUF,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import { SeededPrng } from "./prng.js";
import { describeSwarm, type SwarmOptions, swarmWorld } from "./swarm.js";
import { World } from "./world.js";

/** The unit the program's kernel module claims (free in a booted namespace). */
export const INVARIANTS_UNIT = 25;
const CMD_ECHO = 0x10;
const CMD_FLOOD = 0x11;
const CMD_DUMP = 0x12;
const GROUPS = 3;

/** Deliberate bugs a sweep must find (`nlsim sweep invariants --inject-bug NAME`). */
export const INJECTABLE_BUGS = {
  "uncounted-drop": "every 13th drop on a socket is not counted in sk_drops (a message lost silently)",
  "rmem-leak": "a recvmsg of exactly 100 bytes leaves 1 byte charged in rmem_alloc",
} as const;
export type InjectableBug = keyof typeof INJECTABLE_BUGS;
export const isInjectableBug = (s: string): s is InjectableBug => Object.hasOwn(INJECTABLE_BUGS, s);

export interface InvariantOptions {
  /** socket operations in the run, over all processes (default 250) */
  readonly steps?: number;
  /** draw the world's options from the seed (default true); false: today's FIFO world, no faults */
  readonly swarm?: boolean;
  readonly inject?: InjectableBug;
}

export interface InvariantStats {
  readonly ops: number;
  readonly sends: number;
  readonly drops: number;
  readonly enobufs: number;
  readonly dumps: number;
  readonly switches: number;
  readonly allocFailures: number;
}

export type InvariantResult =
  | { readonly ok: true; readonly stats: InvariantStats; readonly swarm: SwarmOptions | undefined }
  | { readonly ok: false; readonly error: string; readonly swarm: SwarmOptions | undefined };

export class InvariantViolation extends Error {
  readonly _tag = "InvariantViolation" as const;
}

const int = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
const queuedTruesize = (sk: NetlinkSock): number =>
  sk.sk_receive_queue.toArray().reduce((n, skb) => n + skb.truesize, 0);

/** What the program remembers about one user socket. */
interface Tracked {
  readonly sk: NetlinkSock;
  readonly name: string;
  /** sk_drops when recvmsg last reported ENOBUFS, and the failed allocations then */
  dropsAtReport: number;
  faultsAtReport: number;
  /** NLMSG_DONE messages seen, per dump request seq */
  readonly done: Map<number, number>;
  /** dump requests whose netlink_dump_start succeeded, by seq */
  readonly dumps: Set<number>;
}

/** Counts failed allocations (and where) on top of the world's fault plan. */
class FaultCounter implements NetFaults {
  failures = 0;
  lastSite = "";
  constructor(private readonly inner: NetFaults | undefined) {}
  allocFails(size: number, site: string): boolean {
    if (this.inner === undefined || !this.inner.allocFails(size, site)) return false;
    this.failures++;
    this.lastSite = site;
    return true;
  }
}

/** Runs the invariant program for one seed; never throws for a violation (it is the result). */
export const runInvariants = async (seed: number, opts: InvariantOptions = {}): Promise<InvariantResult> => {
  const steps = opts.steps ?? 250;
  const inject = opts.inject;
  const swarmOn = opts.swarm ?? true;
  const built = swarmOn ? swarmWorld(seed, { trace: false }) : undefined;
  const world = built?.world ?? new World({ seed, trace: false });
  const swarm = built?.swarm;
  const faults = new FaultCounter(world.kernelHost.faults);
  world.kernelHost.faults = faults;
  const rcvbufs = swarm?.rcvbufs ?? [1024, 2304, 8192];
  const rnd = new SeededPrng(seed); // the program's own choices (the world's stream stays the world's)
  const net = world.net;
  const live: Tracked[] = [];
  let nextName = 0;
  let seqNo = 1;
  let opsLeft = steps;
  const stats = { ops: 0, sends: 0, drops: 0, enobufs: 0, dumps: 0, switches: 0, allocFailures: 0 };
  let violation: string | undefined;
  const fail = (msg: string): never => {
    const full = `seed ${seed}: ${msg}${swarm === undefined ? "" : ` [${describeSwarm(swarm)}]`}`;
    violation ??= full;
    throw new InvariantViolation(full);
  };
  const expectEq = (got: number, want: number, what: string): void => {
    if (got !== want) fail(`${what}: got ${got}, expected ${want}`);
  };
  const trackedOf = (sk: NetlinkSock): Tracked | undefined => live.find((t) => t.sk === sk);

  /** The "uncounted-drop" bug: a drop that reached 13, 26, ... is taken back. */
  const injectDrops = (before: ReadonlyArray<number>): void => {
    if (inject !== "uncounted-drop") return;
    live.forEach((t, i) => {
      if (t.sk.sk_drops > before[i]! && t.sk.sk_drops % 13 === 0) t.sk.sk_drops--;
    });
  };

  /** Every copy made by `act` (a send, the module's unicast or multicast) is queued or counted as dropped. */
  const expectCopies = (act: () => number, copiesFor: (t: Tracked, ret: number) => number, what: string): number => {
    const before = live.map((t) => t.sk.sk_receive_queue.length + t.sk.sk_drops);
    const drops = live.map((t) => t.sk.sk_drops);
    const ret = act();
    injectDrops(drops);
    live.forEach((t, i) => {
      if (t.sk.dead) return;
      const got = t.sk.sk_receive_queue.length + t.sk.sk_drops - before[i]!;
      expectEq(
        got,
        copiesFor(t, ret),
        `${what}: copies queued or dropped at ${t.name} (port ${t.sk.portid}, ret ${ret})`,
      );
      stats.drops += t.sk.sk_drops - drops[i]!;
    });
    return ret;
  };

  // the kernel module: echo, flood a group, dump (the kernel API a C module would use)
  const reply = (portid: number, seq: number, type: number, payload: Uint8Array, flags = 0): SkBuff => {
    const skb = nlmsg_new(payload.length, GFP_ATOMIC);
    const nlh = nlmsg_put(skb, portid, seq, type, payload.length, flags)!;
    skb.head.set(payload, nlh.off + NLMSG_HDRLEN);
    nlmsg_end(skb, nlh);
    return skb;
  };
  const box: { ksk: NetlinkSock | null } = { ksk: null };
  const dumpRound = (skb: SkBuff, cb: NetlinkCallback, total: number): number => {
    let i = cb.args[0]!;
    while (i < total) {
      const nlh = nlmsg_put_answer(skb, cb, CMD_DUMP, 64, NLM_F_MULTI);
      if (nlh === null) break;
      nlmsg_end(skb, nlh);
      i++;
    }
    cb.args[0] = i;
    return i < total ? skb.len : 0;
  };
  const input = (skb: SkBuff): void => {
    netlink_rcv_skb(skb, (in_skb, nlh) => {
      const ksk = box.ksk!;
      const portid = NETLINK_CB(in_skb).portid;
      const payload = nlh.msg.subarray(NLMSG_HDRLEN);
      if (nlh.nlmsg_type === CMD_ECHO) {
        const target = netlink_lookup(net, INVARIANTS_UNIT, portid);
        expectCopies(
          () => netlink_unicast(ksk, reply(portid, nlh.nlmsg_seq, CMD_ECHO, payload), portid, true),
          (t, ret) => (t.sk === target && ret !== -ERRNO.ECONNREFUSED ? 1 : 0),
          "module echo",
        );
      } else if (nlh.nlmsg_type === CMD_FLOOD) {
        const n = payload.length > 0 ? payload[0]! : 1;
        const group = 1 + ((payload.length > 1 ? payload[1]! : 0) % GROUPS);
        for (let k = 0; k < n; k++) {
          expectCopies(
            () => nlmsg_multicast(ksk, reply(0, nlh.nlmsg_seq, CMD_FLOOD, new Uint8Array(200)), 0, group),
            // do_one_broadcast skips members whose port id is the excluded one (0 here: unbound ones)
            (t) => (t.sk.sk_protocol === INVARIANTS_UNIT && t.sk.portid !== 0 && nlk_test_group(t.sk, group) ? 1 : 0),
            `module flood of group ${group}`,
          );
        }
      } else if (nlh.nlmsg_type === CMD_DUMP) {
        const total = payload.length > 0 ? payload[0]! : 10;
        const requester = netlink_lookup(net, INVARIANTS_UNIT, portid);
        const wasRunning = requester?.cb_running ?? true;
        const err = netlink_dump_start(ksk, in_skb, nlh, { dump: (out, cb) => dumpRound(out, cb, total) });
        // started unless refused (a first round that could not run stays pending: cb_running)
        if (requester !== undefined && !wasRunning && err !== -ERRNO.EBUSY && err !== -ERRNO.ECONNREFUSED) {
          trackedOf(requester)?.dumps.add(nlh.nlmsg_seq);
          stats.dumps++;
        }
        return err;
      }
      return 0;
    });
  };
  const ksk = world.insmod(
    () =>
      netlink_kernel_create(net, INVARIANTS_UNIT, {
        groups: GROUPS,
        flags: NL_CFG_F_NONROOT_RECV | NL_CFG_F_NONROOT_SEND,
        input,
      }),
    "invariants-mod",
  );
  if (ksk === null) throw new Error(`the invariant program's unit ${INVARIANTS_UNIT} is taken`);
  box.ksk = ksk;

  const checkAll = (where: string): void => {
    for (const t of live) {
      expectEq(t.sk.sk_rmem_alloc, queuedTruesize(t.sk), `${where}: rmem_alloc of ${t.name} = queued truesize`);
    }
    for (const proto of [NETLINK_USERSOCK, INVARIANTS_UNIT]) {
      const bound = live.filter((t) => t.sk.bound && t.sk.sk_protocol === proto);
      const ids = bound.map((t) => t.sk.portid >>> 0);
      expectEq(new Set(ids).size, ids.length, `${where}: unique port ids of protocol ${proto}`);
      const hash = net.nl_table[proto]!.hash;
      const users = [...hash.values()].filter((s) => !netlink_is_kernel(s)).length;
      expectEq(users, bound.length, `${where}: user sockets in protocol ${proto}'s hash`);
      for (const t of bound) {
        if (netlink_lookup(net, proto, t.sk.portid) !== t.sk)
          fail(`${where}: hash entry of ${t.name} (port ${t.sk.portid})`);
      }
    }
  };

  /** A recv: ENOBUFS only after a new drop; a dump's DONE at most once. */
  const recvOn = (t: Tracked, size: number, flags: number, where: string): number => {
    const sk = t.sk;
    const before = sk.sk_receive_queue.length;
    const peek = (flags & MSG_PEEK) !== 0;
    const r = netlink_recvmsg(sk, size, flags | MSG_DONTWAIT);
    if (r.ret === -ERRNO.ENOBUFS) {
      stats.enobufs++;
      // a third cause leaves no count: a dump round refused for room after a read (the round's skb
      // would fill the queue) sets sk_err, and the dump stays started, to be retried by the next read
      if (!(sk.sk_drops > t.dropsAtReport || faults.failures > t.faultsAtReport || sk.cb_running)) {
        fail(
          `${where}: ${t.name} reported ENOBUFS twice for one congestion (drops ${sk.sk_drops}, none new since the last report)`,
        );
      }
      t.dropsAtReport = sk.sk_drops;
      t.faultsAtReport = faults.failures;
    } else if (r.ret >= 0) {
      if (!peek && sk.sk_receive_queue.length < before - 1)
        fail(`${where}: a recv took more than one datagram from ${t.name}`);
      if (inject === "rmem-leak" && size === 100 && !peek) sk.sk_rmem_alloc += 1;
      if (!peek && (r.msg_flags & MSG_TRUNC) === 0 && r.name?.pid === 0 && sk.sk_protocol === INVARIANTS_UNIT) {
        countDone(t, r.data, where);
      }
    }
    return r.ret;
  };
  const countDone = (t: Tracked, data: Uint8Array, where: string): void => {
    const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let off = 0; off + NLMSG_HDRLEN <= data.length; ) {
      const len = v.getUint32(off, true);
      if (len < NLMSG_HDRLEN) break;
      if (v.getUint16(off + 4, true) === NLMSG_DONE) {
        const seq = v.getUint32(off + 8, true);
        const n = (t.done.get(seq) ?? 0) + 1;
        t.done.set(seq, n);
        if (n > 1) fail(`${where}: dump ${seq} on ${t.name} ended ${n} times`);
      }
      off += (len + 3) & ~3;
    }
  };

  /** One random operation by a process; `cred` is the process's. */
  const oneOp = (cred: Cred, where: string): { sleepOn?: Tracked } => {
    const pick = (): Tracked | undefined => (live.length === 0 ? undefined : live[rnd.nextInt(live.length)]);
    const op = rnd.nextInt(100);
    if (op < 8 || live.length === 0) {
      if (live.length < 8) {
        const proto = rnd.chance(0.5) ? NETLINK_USERSOCK : INVARIANTS_UNIT;
        const sk = netlink_create(net, cred, SOCK_RAW, proto);
        world.syscall(cred.tgid, "socket", {}, typeof sk === "number" ? sk : 0);
        if (typeof sk !== "number") {
          live.push({
            sk,
            name: `s${nextName++}`,
            dropsAtReport: 0,
            faultsAtReport: 0,
            done: new Map(),
            dumps: new Set(),
          });
        }
      }
      return {};
    }
    const t = pick()!;
    const sk = t.sk;
    if (op < 18) {
      const pid = rnd.chance(0.5) ? 0 : 1 + rnd.nextInt(12);
      const groups = rnd.chance(0.5) ? 1 << rnd.nextInt(GROUPS) : 0;
      world.syscall(cred.tgid, "bind", {}, netlink_bind(sk, cred, encodeSockaddrNl({ pid, groups })));
    } else if (op < 26) {
      const r = rnd.nextInt(3);
      let ret: number;
      if (r === 0) ret = setsockopt(sk, cred, SOL_SOCKET, SO_RCVBUF, int(rcvbufs[rnd.nextInt(rcvbufs.length)]!));
      else if (r === 1) ret = setsockopt(sk, cred, SOL_NETLINK, NETLINK_NO_ENOBUFS, int(rnd.chance(0.2) ? 1 : 0));
      else {
        const opt = rnd.chance(0.7) ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP;
        ret = setsockopt(sk, cred, SOL_NETLINK, opt, int(1 + rnd.nextInt(GROUPS)));
      }
      world.syscall(cred.tgid, "setsockopt", {}, ret);
    } else if (op < 50 && sk.sk_protocol === INVARIANTS_UNIT) {
      // a request to the module: echo, flood or dump, maybe with NLM_F_ACK; then maybe wait for it
      const kind = rnd.nextInt(3);
      const type = [CMD_ECHO, CMD_FLOOD, CMD_DUMP][kind]!;
      const payload =
        type === CMD_ECHO
          ? new Uint8Array(rnd.nextInt(600))
          : Uint8Array.of(1 + rnd.nextInt(type === CMD_FLOOD ? 20 : 200), rnd.nextInt(GROUPS));
      const flags = NLM_F_REQUEST | (rnd.chance(0.5) ? NLM_F_ACK : 0);
      const msg = encodeMessage({ type, flags, seq: seqNo++, pid: 0, payload });
      stats.sends++;
      const ret = netlink_sendmsg(sk, cred, msg, MSG_DONTWAIT, encodeSockaddrNl({ pid: 0, groups: 0 }));
      if (!(ret === msg.length || ret === -ERRNO.ENOBUFS || ret === -ERRNO.EMSGSIZE)) {
        fail(`${where}: a request to the module returned ${ret}`);
      }
      world.syscall(cred.tgid, "sendmsg", {}, ret); // the softirq runs the module here (softirq input)
      return rnd.chance(0.5) ? { sleepOn: t } : {};
    } else if (op < 70) {
      // a send between user sockets: unicast to a (maybe unknown) port id, or to a group
      const group = rnd.chance(0.4) ? 1 + rnd.nextInt(GROUPS) : 0;
      const target = rnd.chance(0.8) ? pick() : undefined;
      const dst =
        group !== 0 && rnd.chance(0.5) && sk.sk_protocol === NETLINK_USERSOCK
          ? 0
          : target?.sk.bound
            ? target.sk.portid
            : 1 + rnd.nextInt(12);
      const msg = encodeMessage({ type: 16, payload: new Uint8Array(rnd.nextInt(rnd.chance(0.9) ? 300 : 5000)) });
      stats.sends++;
      const membersBefore = live.map((x) => x.sk !== sk && nlk_test_group(x.sk, group));
      const failuresBefore = faults.failures;
      const ret = expectCopies(
        () =>
          netlink_sendmsg(
            sk,
            cred,
            msg,
            MSG_DONTWAIT,
            encodeSockaddrNl({ pid: dst, groups: group ? 1 << (group - 1) : 0 }),
          ),
        (x, r) => {
          // an allocation that failed before anything was sent sends nothing
          const early =
            r === -ERRNO.ENOBUFS && faults.failures > failuresBefore && faults.lastSite === "netlink_sendmsg";
          if (early || r === -ERRNO.EMSGSIZE) return 0;
          const i = live.indexOf(x);
          const member =
            group !== 0 && membersBefore[i] === true && x.sk.sk_protocol === sk.sk_protocol && x.sk.portid !== dst;
          const unicast = r >= 0 && x.sk.bound && x.sk.portid === dst && x.sk.sk_protocol === sk.sk_protocol ? 1 : 0;
          return (member ? 1 : 0) + unicast;
        },
        `${where}: send from ${t.name} to port ${dst} group ${group}`,
      );
      world.syscall(cred.tgid, "sendmsg", {}, ret);
      if (ret < 0 && ![-11, -111, -90, -105].includes(ret)) fail(`${where}: send returned ${ret}`);
      if (ret >= 0 && ret !== msg.length) fail(`${where}: send returned ${ret} for ${msg.length} bytes`);
    } else if (op < 95) {
      const peek = rnd.chance(0.1);
      const size = sk.sk_protocol === INVARIANTS_UNIT ? 65536 : rnd.chance(0.1) ? 100 : rnd.nextInt(400);
      const ret = recvOn(t, size, peek ? MSG_PEEK : 0, where);
      world.syscall(cred.tgid, "recvmsg", {}, ret);
      if (ret === -ERRNO.EAGAIN && rnd.chance(0.3)) return { sleepOn: t };
    } else {
      closeOne(t, cred, where);
    }
    return {};
  };

  const closeOne = (t: Tracked, cred: Cred, _where: string): void => {
    const i = live.indexOf(t);
    if (i < 0) return;
    world.syscall(cred.tgid, "close", {}, netlink_release(t.sk));
    live.splice(i, 1);
  };

  /** A drop on an uncongested socket without NO_ENOBUFS leaves ENOBUFS pending (netlink_overrun). */
  const checkOverrunReported = (
    before: ReadonlyArray<{ t: Tracked; drops: number; congested: boolean; noEnobufs: boolean }>,
    where: string,
  ): void => {
    for (const b of before) {
      const sk = b.t.sk;
      if (sk.dead || sk.sk_drops === b.drops || b.congested || b.noEnobufs) continue;
      if (sk.sk_err !== ERRNO.ENOBUFS && b.t.dropsAtReport !== sk.sk_drops) {
        fail(
          `${where}: ${b.t.name} dropped ${sk.sk_drops - b.drops} message(s) while uncongested but no ENOBUFS is pending`,
        );
      }
    }
  };

  const processes = 2 + rnd.nextInt(3);
  let running = processes;
  for (let p = 0; p < processes; p++) {
    const pid = 4000 + p;
    const cred: Cred = { tgid: pid, uid: 0, gid: 0, caps: new Set([CAP_NET_ADMIN]) };
    const task = world.spawnTask("process", `proc${p}`, async () => {
      try {
        while (opsLeft > 0 && violation === undefined) {
          opsLeft--;
          const where = `op ${steps - opsLeft} (proc${p})`;
          stats.ops++;
          const before = live.map((t) => ({
            t,
            drops: t.sk.sk_drops,
            congested: (t.sk.state & NETLINK_S_CONGESTED) !== 0,
            noEnobufs: (t.sk.flags & NETLINK_F_RECV_NO_ENOBUFS) !== 0,
          }));
          const r = oneOp(cred, where);
          checkOverrunReported(before, where);
          checkAll(where);
          if (r.sleepOn !== undefined && !r.sleepOn.sk.dead) {
            // a blocking wait for data, bounded (the world moves on when every task sleeps)
            await world.sleepOn(r.sleepOn.sk.sk_wq, 1_000_000);
          } else if (rnd.chance(0.3)) {
            await world.msleep(rnd.nextInt(3));
          }
        }
      } finally {
        running--;
      }
    });
    task.pid = pid;
  }
  // the last process drains every socket (dumps continue on each read), checks every dump ended
  // exactly once, closes everything and unloads the module
  const reaperCred: Cred = { tgid: 4999, uid: 0, gid: 0, caps: new Set([CAP_NET_ADMIN]) };
  const reaper = world.spawnTask("process", "reaper", async () => {
    while (running > 0) await world.msleep(1);
    if (violation !== undefined) return;
    for (const t of [...live]) {
      for (let k = 0; k < 10_000; k++) {
        const ret = recvOn(t, 65536, 0, "drain");
        world.syscall(reaperCred.tgid, "recvmsg", {}, ret);
        if (ret === -ERRNO.EAGAIN && !t.sk.cb_running) break;
      }
      for (const seq of t.dumps) {
        expectEq(t.done.get(seq) ?? 0, 1, `drain: NLMSG_DONE of dump ${seq} on ${t.name}`);
      }
      checkAll("drain");
    }
    for (const t of [...live]) closeOne(t, reaperCred, "end");
    netlink_kernel_release(ksk);
  });
  reaper.pid = reaperCred.tgid;

  const run = await world.run();
  stats.switches = run.switches;
  stats.allocFailures = faults.failures;
  if (violation !== undefined) return { ok: false, error: violation, swarm };
  const failed = run.failed[0];
  if (failed !== undefined) {
    const e = failed.error;
    return {
      ok: false,
      error: `seed ${seed}: ${failed.task} threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      swarm,
    };
  }
  if (run.deadlocked.length > 0)
    return { ok: false, error: `seed ${seed}: deadlocked: ${run.deadlocked.join(", ")}`, swarm };
  // every socket released
  const left = net.sockets.filter(
    (s) => !s.dead && (s.sk_protocol === NETLINK_USERSOCK || s.sk_protocol === INVARIANTS_UNIT),
  );
  if (left.length > 0)
    return { ok: false, error: `seed ${seed}: ${left.length} socket(s) not released at the end`, swarm };
  for (const s of net.sockets) {
    if ((s.sk_protocol === NETLINK_USERSOCK || s.sk_protocol === INVARIANTS_UNIT) && s.sk_rmem_alloc !== 0) {
      return { ok: false, error: `seed ${seed}: a released socket still has ${s.sk_rmem_alloc} bytes charged`, swarm };
    }
  }
  for (const proto of [NETLINK_USERSOCK, INVARIANTS_UNIT]) {
    if (net.nl_table[proto]!.hash.size !== 0) {
      return {
        ok: false,
        error: `seed ${seed}: protocol ${proto}'s hash still holds ${net.nl_table[proto]!.hash.size} socket(s)`,
        swarm,
      };
    }
  }
  for (let g = 1; g <= GROUPS; g++) {
    if (netlink_has_listeners(ksk, g))
      return { ok: false, error: `seed ${seed}: group ${g} still has listeners`, swarm };
  }
  return { ok: true, stats, swarm };
};
