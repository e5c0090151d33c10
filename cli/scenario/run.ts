// Runs a validated scenario and prints its trace: one compact JSON line per executed call,
// exactly as the scenario format says, so a sim run and a kernel run of the same scenario can be
// compared byte for byte. The runner is an ordinary program over the `Netlink` and `Creds`
// services: the simulator's layer or the kernel's runs it, the very layers applications use.
import { Duration, Effect, Option, type Scope } from "effect";
import {
  AF_UNSPEC,
  decodeSockFilters,
  encodeSockFilters,
  encodeTimeval,
  getS32,
  MSG_DONTWAIT,
  MSG_FLAG_NAMES,
  NETLINK_LIST_MEMBERSHIPS,
  type NlMsg,
  parseMessages,
  putU32,
  SO_GET_FILTER,
  SO_RCVTIMEO,
  SO_SNDTIMEO,
  SOCK_FPROG_SIZE,
  SOCK_NONBLOCK,
  SOL_NETLINK,
  SOL_SOCKET,
  toHex,
} from "../../kernel-model/uapi/index.js";
import { type Cred, type CredError, Creds, type CredsService } from "../../transport/creds.js";
import type { NetlinkError } from "../../transport/errors.js";
import { type Datagram, Netlink, type NetlinkService, type NetlinkSocket } from "../../transport/netlink.js";
import { withAttrs } from "../format/attrs.js";
import { type JsonValue, messageToJson } from "../format/json.js";
import { datagramBytes, sockaddrBytes } from "./build.js";
import type { OptValue, PortRef, Scenario, Step, Creds as StepCreds } from "./model.js";

/** A blocking call the scenario left unbounded gets this hidden limit (scenario format). */
export const HIDDEN_LIMIT = Duration.seconds(1);

interface SockState {
  readonly name: string;
  readonly order: number;
  readonly protocol: number;
  /** created with SOCK_NONBLOCK: no call on it blocks */
  readonly nonblock: boolean;
  socket: NetlinkSocket | undefined;
  open: boolean;
  /** last known port id (re-read after every call, kept after close) */
  portid: number;
  bound: boolean;
  /** bound with an explicit non-zero pid (then autobind is null) */
  explicit: boolean;
}

/** A call's outcome: its value, or the errno it failed with. */
interface Errno {
  readonly errno: string;
}
const isErrno = (r: unknown): r is Errno => typeof r === "object" && r !== null && "errno" in r;
const attempt = <A, R>(e: Effect.Effect<A, NetlinkError, R>): Effect.Effect<A | Errno, never, R> =>
  Effect.catchTag(e, "NetlinkError", (x) => Effect.succeed({ errno: x.errno }));

/** Options that getsockopt returns as bytes, never as an int. */
const BYTE_VALUED = new Set([`${SOL_NETLINK}:${NETLINK_LIST_MEMBERSHIPS}`]);

const msgFlagNames = (flags: number): string[] => MSG_FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);

const optBytes = (v: OptValue, size: number | undefined): Uint8Array => {
  let bytes: Uint8Array;
  if (v.kind === "int") {
    bytes = new Uint8Array(4);
    putU32(bytes, 0, v.value >>> 0);
  } else if (v.kind === "timeval") {
    bytes = encodeTimeval(v.sec, v.usec);
  } else if (v.kind === "fprog") {
    bytes = encodeSockFilters(v.insns);
  } else {
    bytes = v.bytes;
  }
  if (size === undefined || size === bytes.length) return bytes;
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, size));
  return out;
};

const TIMEVAL_SIZE = 16;

/** Port-id normalisation: the socket that holds this id, as "@name", else the unsigned number. */
const portName = (all: ReadonlyArray<SockState>, callProto: number, pid: number): JsonValue => {
  if (pid === 0) return 0;
  const u = pid >>> 0;
  const key = (s: SockState): number[] => [s.open ? 0 : 1, s.protocol === callProto ? 0 : 1, s.bound ? 0 : 1, s.order];
  let best: SockState | undefined;
  for (const s of all) {
    if (s.portid >>> 0 !== u) continue;
    if (best === undefined) {
      best = s;
      continue;
    }
    const a = key(s);
    const b = key(best);
    for (let i = 0; i < a.length; i++) {
      if (a[i]! !== b[i]!) {
        if (a[i]! < b[i]!) best = s;
        break;
      }
    }
  }
  return best === undefined ? u : `@${best.name}`;
};

/** A step's credentials as the Creds service takes them. */
const credOf = (c: StepCreds): Cred => ({ uid: c.uid, gid: c.gid, ...(c.caps === undefined ? {} : { caps: c.caps }) });

type Line = Record<string, JsonValue>;

/** One scenario run: the sockets by name, in creation order, over one Netlink service. */
class Run {
  readonly socks = new Map<string, SockState>();
  readonly all: SockState[] = [];

  constructor(
    readonly nl: NetlinkService,
    /** the process id of the program (autobind's first candidate, "tgid" in the trace) */
    readonly tgid: number,
  ) {}

  readonly resolve = (ref: PortRef): number =>
    "literal" in ref ? ref.literal : (this.socks.get(ref.sock)?.portid ?? 0);

  /** Re-reads every open socket's port id and whether /proc/net/netlink lists it (bound). */
  refresh(): Effect.Effect<void, NetlinkError> {
    const { nl, all } = this;
    return Effect.gen(function* () {
      const rows = yield* nl.procNetlink();
      const listed = new Set(rows.map((r) => r.inode));
      for (const s of all) {
        if (!s.open || s.socket === undefined) continue;
        const r = yield* attempt(nl.getsockname(s.socket));
        if (!isErrno(r)) s.portid = r.pid >>> 0;
        s.bound = listed.has(s.socket.inode);
      }
    });
  }

  /** The `proc` step: the scenario's own sockets' rows of /proc/net/netlink. */
  proc(): Effect.Effect<Line, NetlinkError> {
    return Effect.map(this.nl.procNetlink(), (rows) => {
      const byInode = new Map(rows.map((r) => [r.inode, r]));
      const out: JsonValue[] = [];
      for (const s of this.all) {
        if (!s.open || s.socket === undefined) continue;
        const r = byInode.get(s.socket.inode);
        if (r === undefined) continue;
        out.push({
          sock: s.name,
          eth: r.protocol,
          groups: (r.groups >>> 0).toString(16).padStart(8, "0"),
          rmem: r.rmem,
          dump: r.dump,
          drops: r.drops,
        });
      }
      return { do: "proc", ret: 0, rows: out };
    });
  }

  /** The `socket` step: the socket stays open until a `close` step or the end of the run. */
  socket(step: Extract<Step, { do: "socket" }>): Effect.Effect<Line, never, Scope.Scope> {
    const { nl, all, socks } = this;
    return Effect.gen(function* () {
      if (socks.get(step.as)?.open) return yield* Effect.die(`runner: socket name '${step.as}' reused while open`);
      const s: SockState = {
        name: step.as,
        order: all.length,
        protocol: step.protocol,
        nonblock: (step.type & SOCK_NONBLOCK) !== 0,
        socket: undefined,
        open: true,
        portid: 0,
        bound: false,
        explicit: false,
      };
      const r = yield* attempt(nl.socket(step.protocol, { type: step.type }));
      socks.set(step.as, s);
      all.push(s);
      if (isErrno(r)) {
        s.open = false;
        return { do: "socket", sock: step.as, errno: r.errno };
      }
      s.socket = r;
      return { do: "socket", sock: step.as, ret: 0 };
    });
  }

  /**
   * A call that may block (a blocking socket, no MSG_DONTWAIT) and whose SO_RCVTIMEO/SO_SNDTIMEO
   * is unset runs under the hidden limit: EAGAIN when it expires, as if a timeout were set.
   */
  bounded<A>(
    s: SockState,
    socket: NetlinkSocket,
    flags: number,
    timeo: number,
    call: Effect.Effect<A, NetlinkError>,
  ): Effect.Effect<A | Errno> {
    if (s.nonblock || (flags & MSG_DONTWAIT) !== 0) return attempt(call);
    return Effect.flatMap(attempt(this.nl.getsockoptWithLength(socket, SOL_SOCKET, timeo, TIMEVAL_SIZE)), (t) => {
      if (isErrno(t) || t.data.some((b) => b !== 0)) return attempt(call);
      return Effect.map(Effect.timeoutOption(attempt(call), HIDDEN_LIMIT), (o) =>
        Option.getOrElse(o, (): A | Errno => ({ errno: "EAGAIN" })),
      );
    });
  }

  /** A `recv` step's line: flags, sender, control messages, then the messages (or hex). */
  recv(s: SockState, socket: NetlinkSocket, step: Extract<Step, { do: "recv" }>): Effect.Effect<Line> {
    const head = { do: step.do, sock: step.sock };
    return Effect.map(
      this.bounded(s, socket, step.flags, SO_RCVTIMEO, this.nl.recvmsg(socket, step.size, step.flags)),
      (r) => (isErrno(r) ? { ...head, errno: r.errno } : { ...head, ...this.datagram(s, r, step.decode) }),
    );
  }

  /** A `recvmmsg` step's line: how many datagrams, then each as a `recv` line shows one. */
  recvmmsg(s: SockState, socket: NetlinkSocket, step: Extract<Step, { do: "recvmmsg" }>): Effect.Effect<Line> {
    const head = { do: step.do, sock: step.sock };
    const call = this.nl.recvmmsg(socket, step.vlen, step.size, step.flags);
    return Effect.map(this.bounded(s, socket, step.flags, SO_RCVTIMEO, call), (r) =>
      isErrno(r)
        ? { ...head, errno: r.errno }
        : { ...head, ret: r.length, dgrams: r.map((d) => this.datagram(s, d, step.decode)) },
    );
  }

  /** One received datagram's fields: its length, flags, sender, control messages, then the messages (or hex). */
  private datagram(s: SockState, r: Datagram, decode: Extract<Step, { do: "recv" }>["decode"]): Line {
    // port ids were re-read before the line is printed, so a sender closed since is still named
    const pid = (p: number): JsonValue => portName(this.all, s.protocol, p);
    const out: Line = {
      ret: r.length,
      flags: msgFlagNames(r.msgFlags),
      from: { pid: pid(r.from.pid), groups: r.from.groups >>> 0 },
    };
    if (r.pktinfo !== undefined) out.pktinfo = r.pktinfo;
    if (r.creds !== undefined) {
      out.creds = { pid: r.creds.pid === this.tgid ? "tgid" : r.creds.pid, uid: r.creds.uid, gid: r.creds.gid };
    }
    if (r.cmsgs !== undefined && r.cmsgs.length > 0) {
      out.cmsgs = r.cmsgs.map((c) => ({ level: c.level, type: c.type, hex: toHex(c.data) }));
    }
    let msgs: NlMsg[] | undefined;
    try {
      msgs = parseMessages(r.data);
    } catch {
      msgs = undefined;
    }
    if (msgs !== undefined)
      out.msgs = msgs.map((m) =>
        decode === undefined
          ? messageToJson(m, pid)
          : withAttrs(messageToJson(m, pid), s.protocol, m.type, m.payload, decode.masks),
      );
    else out.hex = toHex(r.data);
    return out;
  }

  /** A `getsockopt` step's line: the int value, or the bytes shown as hex. */
  getsockopt(socket: NetlinkSocket, step: Extract<Step, { do: "getsockopt" }>): Effect.Effect<Line> {
    const head = { do: step.do, sock: step.sock };
    return Effect.map(attempt(this.nl.getsockoptWithLength(socket, step.level, step.name, step.size)), (r) => {
      if (isErrno(r)) return { ...head, errno: r.errno };
      if (step.level === SOL_SOCKET && step.name === SO_GET_FILTER) {
        // optlen counts instructions here: the program comes back as [code, jt, jf, k] entries
        const filter = decodeSockFilters(r.data).map((i) => [i.code, i.jt, i.jf, i.k]);
        return { ...head, ret: 0, optlen: r.optlen, filter };
      }
      const out: Line = { ...head, ret: 0, optlen: r.optlen };
      // the caller's buffer starts zeroed; the kernel writes what it copies, and the trace
      // shows the first min(size, optlen) bytes of that buffer
      const buf = new Uint8Array(step.size);
      buf.set(r.data.subarray(0, step.size));
      const shown = buf.subarray(0, Math.min(step.size, r.optlen));
      if (r.optlen === 4 && step.size >= 4 && !BYTE_VALUED.has(`${step.level}:${step.name}`))
        out.value = getS32(buf, 0);
      else out.hex = toHex(shown);
      return out;
    });
  }

  /** The line of a call that returns 0 or the number it gives (sendto's bytes). */
  private simple(head: Line, r: number | Errno): Line {
    return isErrno(r) ? { ...head, errno: r.errno } : { ...head, ret: r };
  }

  /** One step on an open socket. */
  onSocket(s: SockState, socket: NetlinkSocket, step: Exclude<Step, { do: "socket" | "proc" }>): Effect.Effect<Line> {
    const head = { do: step.do, sock: step.sock };
    const nl = this.nl;
    const addr = (a: Parameters<typeof sockaddrBytes>[0]): Uint8Array => sockaddrBytes(a, this.resolve);
    switch (step.do) {
      case "bind":
        return Effect.map(attempt(Effect.as(nl.bind(socket, addr(step.addr)), 0)), (r) => {
          if (!isErrno(r) && this.resolve(step.addr.pid) !== 0 && !s.bound) s.explicit = true;
          return this.simple(head, r);
        });
      case "connect": {
        const to = step.addr === "unspec" ? Uint8Array.of(AF_UNSPEC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) : addr(step.addr);
        return Effect.map(attempt(Effect.as(nl.connect(socket, to), 0)), (r) => this.simple(head, r));
      }
      case "sendto":
      case "send": {
        const data = datagramBytes(step.msgs, this.resolve);
        const to = step.do === "sendto" && step.to !== undefined ? addr(step.to) : undefined;
        const send = nl.sendto(socket, data, to === undefined ? { flags: step.flags } : { flags: step.flags, to });
        return Effect.map(this.bounded(s, socket, step.flags, SO_SNDTIMEO, send), (r) => this.simple(head, r));
      }
      case "recv":
        return this.recv(s, socket, step);
      case "recvmmsg":
        return this.recvmmsg(s, socket, step);
      case "setsockopt": {
        const v = step.value;
        // a filter goes as a struct sock_fprog (its length and optlen as the step says)
        const call =
          v.kind === "fprog"
            ? nl.attachFilter(socket, v.insns, { len: v.len, optlen: step.size ?? SOCK_FPROG_SIZE })
            : nl.setsockopt(socket, step.level, step.name, optBytes(v, step.size));
        return Effect.map(attempt(Effect.as(call, 0)), (r) => this.simple(head, r));
      }
      case "getsockopt":
        return this.getsockopt(socket, step);
      case "getsockname":
        return Effect.map(attempt(nl.getsockname(socket)), (r) => {
          if (isErrno(r)) return { ...head, errno: r.errno };
          const signed = r.pid | 0;
          const autobind =
            s.bound && !s.explicit ? (r.pid === this.tgid ? "tgid" : signed < 0 ? "negative" : null) : null;
          return {
            ...head,
            ret: 0,
            addr: { pid: portName(this.all, s.protocol, r.pid), groups: r.groups >>> 0, autobind },
          };
        });
      case "getpeername":
        return Effect.map(attempt(nl.getpeername(socket)), (r) =>
          isErrno(r)
            ? { ...head, errno: r.errno }
            : { ...head, ret: 0, addr: { pid: portName(this.all, s.protocol, r.pid), groups: r.groups >>> 0 } },
        );
      case "close":
        return Effect.map(attempt(Effect.as(nl.close(socket), 0)), (r) => {
          s.open = false;
          s.socket = undefined;
          return this.simple(head, r);
        });
    }
  }

  /** One step: its trace line without the index. */
  step(step: Step): Effect.Effect<Line, NetlinkError, Scope.Scope> {
    if (step.do === "proc") return this.proc();
    if (step.do === "socket") return this.socket(step);
    const s = this.socks.get(step.sock);
    if (s === undefined || !s.open || s.socket === undefined) {
      return Effect.succeed({ do: step.do, sock: step.sock, errno: "EBADF" });
    }
    return this.onSocket(s, s.socket, step);
  }
}

/**
 * Called before each run of a step, with the port ids resolved as the step will see them (the
 * walkthroughs of `nlsim walk ack|dump|addressing|macros` caption and decode from here).
 */
export type ScenarioStepHook = (step: Step, resolve: (ref: PortRef) => number) => Effect.Effect<void>;

/**
 * The scenario as a program: each step (as its credentials say, through Creds), with the port
 * ids re-read around it; the trace lines. `tgid` is the process id the program runs as. The
 * sockets still open at the end close with the program's scope.
 */
export const runScenario = (
  scenario: Scenario,
  tgid: number,
  onStep?: ScenarioStepHook,
): Effect.Effect<string[], NetlinkError | CredError, Netlink | Creds | Scope.Scope> =>
  Effect.gen(function* () {
    const run = new Run(yield* Netlink, tgid);
    const creds: CredsService = yield* Creds;
    const lines: string[] = [];
    for (const step of scenario.steps) {
      const once = Effect.gen(function* () {
        for (let n = 0; n < step.repeat; n++) {
          yield* run.refresh();
          if (onStep !== undefined) yield* onStep(step, run.resolve);
          const line = yield* run.step(step);
          lines.push(JSON.stringify({ i: lines.length, ...line }));
          yield* run.refresh();
        }
      });
      yield* step.creds === undefined ? once : creds.asUser(credOf(step.creds), once);
    }
    return lines;
  });
