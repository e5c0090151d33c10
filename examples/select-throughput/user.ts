// usr: the article's user side. It opens N netlink sockets, handshakes each with the kernel
// (NLT_HELLO from that socket), then waits on all of them at once with poll (the article uses
// select: same readiness, POLLIN per socket) and reads one datagram from each ready socket per
// round, as its dispatcher does. Every STATIC_PEROID bytes it prints the article's statistics
// line, in virtual time. When its time is up it reads /proc/net/netlink (the Drops of its
// sockets), prints its totals and leaves, closing the sockets. `workUs` is the cost of handling
// one message (the article's thread pool and printf): the consumer's speed, the other side of the
// cliff.
// Imports only transport/ and kernel-model/uapi.
import { Clock, Duration, Effect, type Scope } from "effect";
import { MSG_DONTWAIT, SO_RCVBUF, SOL_SOCKET } from "../../kernel-model/uapi/index.js";
import {
  cat,
  Netlink,
  type NetlinkError,
  type NetlinkSocket,
  POLLERR,
  POLLIN,
  type Procfs,
  type ProcfsError,
} from "../../transport/index.js";
import { encodeHello, formatStatistics, MAX_DATA_LEN, NETLINK_TEST, STATIC_PEROID } from "./proto.js";

export interface UsrOptions {
  readonly sockets: number;
  /** how long to read, virtual ms */
  readonly durationMs: number;
  /** SO_RCVBUF for every socket (the kernel doubles it); default: the system default */
  readonly rcvbuf?: number;
  /** virtual microseconds spent on each message read (default 0) */
  readonly workUs?: number;
  /** the receive buffer for one recvmsg */
  readonly bufSize?: number;
  readonly out: (line: string) => void;
}

export interface UsrStats {
  messages: number;
  bytes: number;
  /** recvmsg failed with ENOBUFS: the kernel dropped messages for that socket since the last read */
  enobufs: number;
  polls: number;
  ports: number[];
  /** the Drops column of its sockets in /proc/net/netlink, read before they close */
  procDrops: number;
}

export const usr = (opts: UsrOptions): Effect.Effect<UsrStats, NetlinkError, Netlink | Procfs | Scope.Scope> =>
  Effect.gen(function* () {
    const nl = yield* Netlink;
    const st: UsrStats = { messages: 0, bytes: 0, enobufs: 0, polls: 0, ports: [], procDrops: 0 };
    const socks: NetlinkSocket[] = [];
    for (let i = 0; i < opts.sockets; i++) {
      const s = yield* nl.socket(NETLINK_TEST);
      if (opts.rcvbuf !== undefined) yield* nl.setsockopt(s, SOL_SOCKET, SO_RCVBUF, opts.rcvbuf);
      yield* nl.bind(s, { pid: 0, groups: 0 });
      const me = yield* nl.getsockname(s);
      st.ports.push(me.pid);
      socks.push(s);
    }
    // the handshakes, after every socket is bound (the kernel starts sending at the last one)
    for (let i = 0; i < socks.length; i++) {
      yield* nl.sendto(socks[i]!, encodeHello(i, st.ports[i]!), { to: { pid: 0, groups: 0 } });
    }
    opts.out(`usr: ${socks.length} sockets registered`);
    const requests = socks.map((socket) => ({ socket, events: POLLIN }));
    const size = opts.bufSize ?? MAX_DATA_LEN + 256;
    const work = Duration.millis((opts.workUs ?? 0) / 1000);
    const start = yield* Clock.currentTimeMillis;
    const end = start + opts.durationMs;
    let periodStart = start;
    let periodBytes = 0;
    let periodMsgs = 0;
    for (;;) {
      const left = end - (yield* Clock.currentTimeMillis);
      if (left <= 0) break;
      const ready = yield* nl.poll(requests, left);
      st.polls++;
      for (const r of ready) {
        if ((r.revents & (POLLIN | POLLERR)) === 0) continue;
        const got = yield* nl.recvmsg(r.socket, size, MSG_DONTWAIT).pipe(
          Effect.map((d) => d.length),
          Effect.catchTag("NetlinkError", (e) => {
            if (e.errno === "ENOBUFS") st.enobufs++;
            else if (e.errno !== "EAGAIN") return Effect.fail(e);
            return Effect.succeed(-1);
          }),
        );
        if (got < 0) continue;
        st.messages++;
        st.bytes += got;
        periodBytes += got;
        periodMsgs++;
        if (opts.workUs) yield* Effect.sleep(work);
        if (periodBytes > STATIC_PEROID) {
          const now = yield* Clock.currentTimeMillis;
          opts.out(formatStatistics(periodBytes, periodMsgs, Math.round(now - periodStart)));
          periodStart = now;
          periodBytes = 0;
          periodMsgs = 0;
        }
      }
    }
    const now = yield* Clock.currentTimeMillis;
    // the operator's look at the Drops column, while the sockets are still open
    const rows = yield* procNetlinkRows.pipe(
      Effect.catchTag("ProcfsError", (e) => Effect.die(new Error(`usr: reading /proc/net/netlink: ${e.message}`))),
    );
    const mine = rows.filter((r) => r.protocol === NETLINK_TEST && st.ports.some((p) => p >>> 0 === r.portid));
    st.procDrops = mine.reduce((a, r) => a + r.drops, 0);
    opts.out(`/proc/net/netlink: Drops ${st.procDrops} over ${mine.length} sockets of protocol ${NETLINK_TEST}`);
    opts.out(`usr: read ${st.messages} messages (${st.bytes} bytes), ENOBUFS ${st.enobufs}`);
    opts.out(`total: ${formatStatistics(st.bytes, st.messages, Math.round(now - start))}`);
    return st;
  });

/** /proc/net/netlink's rows: protocol (Eth), port id (Pid) and Drops of each socket. */
const procNetlinkRows: Effect.Effect<
  Array<{ protocol: number; portid: number; drops: number }>,
  ProcfsError,
  Procfs
> = Effect.map(cat("/proc/net/netlink"), (r) =>
  new TextDecoder()
    .decode(r.data)
    .split("\n")
    .slice(1) // the header
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 9)
    .map((f) => ({ protocol: Number(f[1]), portid: Number(f[2]), drops: Number(f[8]) })),
);
