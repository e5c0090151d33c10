// nl_demo, the user side: the article's daemon written against the transport's Netlink service
// only (plus kernel-model/uapi and this example's proto.ts), so the same program runs on the
// simulator and on real AF_NETLINK sockets. A receiver fiber reads events; the main fiber registers
// with NLDEMO_U_PID, waits for the receiver, then sends NLDEMO_CLOSE (or, to show the kernel's
// cleanup, exits without it).
import { Console, Effect, Fiber, Option, type Scope } from "effect";
import {
  errnoName,
  extAckInfo,
  NETLINK_EXT_ACK,
  NETLINK_PKTINFO,
  NLMSG_ERROR,
  type NlMsg,
  parseMessages,
  parseNlmsgerr,
  SO_RCVTIMEO,
  SOL_NETLINK,
  SOL_SOCKET,
  timevalMs,
} from "../../kernel-model/uapi/index.js";
import { type Datagram, Netlink, type NetlinkError, type NetlinkSocket } from "../../transport/index.js";
import {
  decodeUsrMsg,
  encodeKrnlRequest,
  groupMask,
  NETLINK_NLDEMO,
  NLDEMO_CLOSE,
  NLDEMO_GROUP,
  NLDEMO_K_EVT,
  NLDEMO_U_PID,
} from "./proto.js";

export interface DaemonOptions {
  /** 0: unicast events to my port id; a group number: join it and ask for multicast */
  readonly group: number;
  /** how many events to wait for */
  readonly events: number;
  /** give up waiting after this long without an event (ms) */
  readonly timeoutMs: number;
  /** send NLDEMO_CLOSE at the end (false: exit without it, as a crashing daemon would) */
  readonly close: boolean;
  /** after CLOSE, listen this long to show that no event comes (ms) */
  readonly quietMs: number;
}

export const defaultDaemonOptions: DaemonOptions = {
  group: 0,
  events: 3,
  timeoutMs: 300,
  close: true,
  quietMs: 300,
};

/** Big enough for any datagram the module sends (it sends one small message per datagram). */
const RECV_SIZE = 8192;
const KERNEL = { pid: 0, groups: 0 } as const;

/**
 * SO_RCVTIMEO: how long a blocking recvmsg waits before the kernel returns EAGAIN (as a C daemon
 * would bound its waits). Unlike racing the call against a timer in the program, a datagram that
 * arrived in time is read even when the process itself ran late (a loaded machine, Node under
 * QEMU): the kernel layer tries the socket once more before it reports EAGAIN.
 */
const setRcvTimeo = (sock: NetlinkSocket, ms: number): Effect.Effect<void, NetlinkError, Netlink> =>
  Effect.gen(function* () {
    const nl = yield* Netlink;
    yield* nl.setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, timevalMs(ms));
  });

/** recvmsg up to the socket's SO_RCVTIMEO: Option.none() when the time is up (EAGAIN). */
const recvOrTimeout = (sock: NetlinkSocket): Effect.Effect<Option.Option<Datagram>, NetlinkError, Netlink> =>
  Effect.gen(function* () {
    const nl = yield* Netlink;
    return yield* nl.recvmsg(sock, RECV_SIZE).pipe(
      Effect.map(Option.some),
      Effect.catchTag("NetlinkError", (e) => (e.errno === "EAGAIN" ? Effect.succeed(Option.none()) : Effect.fail(e))),
    );
  });

/** One datagram, as the daemon reports it. Returns how many events it held. */
const report = (d: Datagram, log: (s: string) => Effect.Effect<void>): Effect.Effect<number> =>
  Effect.gen(function* () {
    let msgs: NlMsg[];
    try {
      msgs = parseMessages(d.data);
    } catch (e) {
      yield* log(`malformed datagram (${d.length} bytes): ${(e as Error).message}`);
      return 0;
    }
    let events = 0;
    for (const m of msgs) {
      if (m.type === NLDEMO_K_EVT) {
        const evt = decodeUsrMsg(m.payload);
        if (evt === undefined) {
          yield* log(`short NLDEMO_K_EVT (${m.payload.length} bytes)`);
          continue;
        }
        events++;
        const via =
          d.from.groups === 0
            ? `unicast from port ${d.from.pid}`
            : `multicast, msg_name groups 0x${d.from.groups.toString(16)}${d.pktinfo === undefined ? "" : `, pktinfo group ${d.pktinfo}`}`;
        yield* log(`event #${evt.seq} (jiffies ${evt.jiffies}) via ${via}`);
      } else if (m.type === NLMSG_ERROR) {
        const e = parseNlmsgerr(m);
        // the extended ACK's message, when the socket asked for one (NETLINK_EXT_ACK, 4.12+)
        const why = e.tlvs === undefined ? undefined : extAckInfo(e.tlvs).msg;
        yield* log(
          e.error === 0
            ? `ACK for seq ${e.req.seq}`
            : `the kernel refused request type 0x${e.req.type.toString(16)}: ${errnoName(e.error) ?? e.error}${why === undefined ? "" : ` ("${why}")`}`,
        );
      } else {
        yield* log(`message type 0x${m.type.toString(16)} (${m.len} bytes)`);
      }
    }
    return events;
  });

/**
 * The receiver fiber (the article's nl_rcv_daemon thread): read until `want` events came or
 * `timeoutMs` passed without one. Returns the number of events received.
 */
const receiver = (
  sock: NetlinkSocket,
  opts: DaemonOptions,
  log: (s: string) => Effect.Effect<void>,
): Effect.Effect<number, NetlinkError, Netlink> =>
  Effect.gen(function* () {
    yield* setRcvTimeo(sock, opts.timeoutMs);
    let got = 0;
    while (got < opts.events) {
      const d = yield* recvOrTimeout(sock);
      if (Option.isNone(d)) {
        yield* log(`no event for ${opts.timeoutMs} ms; giving up after ${got} of ${opts.events}`);
        break;
      }
      got += yield* report(d.value, log);
    }
    return got;
  });

/** The daemon. Its output goes to the Console, one line per step. */
export const nlDemoDaemon = (
  options: Partial<DaemonOptions> = {},
): Effect.Effect<number, NetlinkError, Netlink | Scope.Scope> =>
  Effect.gen(function* () {
    const opts = { ...defaultDaemonOptions, ...options };
    const log = (s: string) => Console.log(`daemon: ${s}`);
    const nl = yield* Netlink;
    const sock = yield* nl.socket(NETLINK_NLDEMO);
    // port id 0: let the kernel pick (autobind gives the tgid first); the group mask joins the group
    yield* nl.bind(sock, { pid: 0, groups: groupMask(opts.group) });
    if (opts.group !== 0) yield* nl.setsockopt(sock, SOL_NETLINK, NETLINK_PKTINFO, 1);
    const me = yield* nl.getsockname(sock);
    yield* log(
      `bound port ${me.pid}${opts.group === 0 ? "" : `, groups 0x${me.groups.toString(16)}`} on protocol ${NETLINK_NLDEMO}`,
    );

    // the receiver runs first, so it is already waiting when the first event comes
    const rx = yield* Effect.forkChild(receiver(sock, opts, log), { startImmediately: true });

    // nlmsg_pid: our port id, as the article's getpid() (the fixed module ignores it; the 2.6 one trusts it)
    yield* nl.sendto(sock, encodeKrnlRequest(NLDEMO_U_PID, { gid: opts.group }, 1, me.pid), { to: KERNEL });
    yield* log(`sent NLDEMO_U_PID (${opts.group === 0 ? "unicast" : `group ${opts.group}`})`);
    const got = yield* Fiber.join(rx);

    if (!opts.close) {
      yield* log(`exiting after ${got} events without NLDEMO_CLOSE`);
      return got;
    }
    const sent = yield* Effect.result(
      nl.sendto(sock, encodeKrnlRequest(NLDEMO_CLOSE, { gid: opts.group }, 2, me.pid), { to: KERNEL }),
    );
    if (sent._tag === "Failure") {
      yield* log(`NLDEMO_CLOSE failed: ${sent.failure.message}`);
      return got;
    }
    yield* log("sent NLDEMO_CLOSE");
    // the article's pthread_join would wait here forever: its thread sits in recvfrom
    if (opts.quietMs !== opts.timeoutMs) yield* setRcvTimeo(sock, opts.quietMs);
    const more = yield* recvOrTimeout(sock);
    if (Option.isNone(more)) yield* log(`no event for ${opts.quietMs} ms after NLDEMO_CLOSE; closing`);
    else yield* report(more.value, log);
    return got;
  });

/** How long the probe waits for an answer (ms). */
export const PROBE_WAIT_MS = 20;

/**
 * A probe that sends an NLDEMO_U_PID with no payload (16 bytes: the header alone) and reports what
 * came back: the fixed module answers NLMSG_ERROR EINVAL, the article's accepts it.
 */
export const shortRequestProbe = (waitMs = PROBE_WAIT_MS): Effect.Effect<void, NetlinkError, Netlink | Scope.Scope> =>
  Effect.gen(function* () {
    const log = (s: string) => Console.log(`probe: ${s}`);
    const nl = yield* Netlink;
    const sock = yield* nl.socket(NETLINK_NLDEMO);
    yield* nl.bind(sock, { pid: 0, groups: 0 });
    // without NETLINK_EXT_ACK the kernel's NLMSG_ERROR carries no message, only the errno
    yield* nl.setsockopt(sock, SOL_NETLINK, NETLINK_EXT_ACK, 1);
    const me = yield* nl.getsockname(sock);
    const full = encodeKrnlRequest(NLDEMO_U_PID, { gid: 0 }, 1, me.pid);
    const short = full.slice(0, 16);
    new DataView(short.buffer).setUint32(0, 16, true); // nlmsg_len: the header alone
    yield* nl.sendto(sock, short, { to: KERNEL });
    yield* log("sent a 16-byte NLDEMO_U_PID (no struct nldemo_krnl_msg)");
    yield* setRcvTimeo(sock, waitMs);
    const r = yield* recvOrTimeout(sock);
    if (Option.isNone(r)) yield* log(`no reply in ${waitMs} ms: the module accepted it`);
    else yield* report(r.value, log);
  });

export { NLDEMO_GROUP };
