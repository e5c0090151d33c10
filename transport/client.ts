// The client applications use on top of the Netlink service (any layer): a connection that numbers
// requests, matches replies by sequence number and port id, turns NLMSG_ERROR into typed errors,
// streams dumps and multicast, and resolves generic netlink families.
//
// All reply interpretation lives in one function, `mnlCbRun` (libmnl's mnl_cb_run): callers never
// look at NLMSG_ERROR / NLMSG_DONE / NLM_F_DUMP_INTR themselves.
import { Data, Effect, Option, type Scope, Semaphore, Stream } from "effect";
import {
  AttributeDecoder,
  AttributeEncoder,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OPS,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  concatBytes,
  encodeGenlmsghdr,
  encodeMessage,
  extAckInfo,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  getS32,
  MSG_TRUNC,
  MSG_WAITFORONE,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NETLINK_PKTINFO,
  NetlinkDecodeError,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_DUMP,
  NLM_F_DUMP_INTR,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLMSG_OVERRUN,
  type NlAttr,
  type NlMsg,
  type NlMsgHdr,
  type NlMsgInit,
  parseAttrs,
  parseGenlmsghdr,
  parseMessages,
  parseNlmsgerr,
  SOL_NETLINK,
} from "../kernel-model/uapi/index.js";
import { NetlinkError } from "./errors.js";
import {
  type Datagram,
  Netlink,
  type NetlinkAddress,
  type NetlinkService,
  type NetlinkSocket,
  type SocketOptions,
} from "./netlink.js";

// ---------------------------------------------------------------------------------------------
// Errors

/** The extended ACK of a failed request (NLMSGERR_ATTR_*), typed. */
export interface ExtAck {
  readonly msg?: string;
  /** NLMSGERR_ATTR_OFFS: offset of the offending attribute, from the start of the request message */
  readonly offset?: number;
  readonly missType?: number;
  readonly missNest?: number;
  readonly cookie?: Uint8Array;
  /** NLMSGERR_ATTR_POLICY: the failed policy entry, as NL_POLICY_TYPE_ATTR_* attributes */
  readonly policy?: Uint8Array;
}

/**
 * The kernel refused a request: NLMSG_ERROR with a negative error, or NLMSG_DONE with a negative
 * status. Carries the errno, the extended ACK and the echoed request.
 */
export class NetlinkRequestError extends Data.TaggedError("NetlinkRequestError")<{
  /** "EINVAL" */
  readonly errno: string;
  /** positive: 22 */
  readonly code: number;
  readonly message: string;
  readonly extack: ExtAck;
  /** the request header as echoed in the NLMSG_ERROR (or as sent, for a DONE status) */
  readonly request: NlMsgHdr;
  /** the echoed request payload (absent when NLM_F_CAPPED) */
  readonly requestPayload?: Uint8Array | undefined;
  /** which message carried it */
  readonly via: "NLMSG_ERROR" | "NLMSG_DONE";
}> {}

/** A dump ended with NLM_F_DUMP_INTR somewhere: the data changed under it. Everything received is in `messages`. */
export class DumpInterruptedError extends Data.TaggedError("DumpInterruptedError")<{
  readonly messages: ReadonlyArray<NlMsg>;
  readonly request: NlMsgHdr;
  readonly message: string;
}> {}

/** What came back broke the protocol: malformed bytes, a truncated datagram, NLMSG_OVERRUN, an unmatched message (strict mode). */
export class NetlinkProtocolError extends Data.TaggedError("NetlinkProtocolError")<{
  readonly reason: "malformed" | "truncated" | "overrun" | "unmatched";
  readonly message: string;
  /** byte offset in the datagram, for "malformed" */
  readonly offset?: number | undefined;
}> {}

/** Every error a conn's request can fail with. */
export type RequestError = NetlinkError | NetlinkRequestError | NetlinkProtocolError | DumpInterruptedError;

// ---------------------------------------------------------------------------------------------
// mnl_cb_run: one datagram against what the pending request expects

/** What a pending request accepts as its reply. */
export interface ReplyMatch {
  readonly seq: number;
  /** our port id (replies carry it, or 0) */
  readonly portId: number;
  /** who answers: 0 for the kernel */
  readonly peer: number;
  /** the request asked for an ACK (ends at NLMSG_ERROR 0 rather than at the first reply) */
  readonly ack: boolean;
  /** the request is a dump (ends at NLMSG_DONE only) */
  readonly dump: boolean;
  /** the request's header as sent (for errors carried by NLMSG_DONE) */
  readonly request: NlMsgHdr;
}

export type ReplyEnd =
  | { readonly _tag: "More" }
  | { readonly _tag: "Ack" }
  | { readonly _tag: "Done"; readonly status: number }
  | { readonly _tag: "Reply" }
  | { readonly _tag: "Failed"; readonly error: NetlinkRequestError | NetlinkProtocolError };

/** What one datagram did to a pending request. */
export interface ReplyStep {
  /** data messages (type ≥ NLMSG_MIN_TYPE) for the request, in order */
  readonly messages: ReadonlyArray<NlMsg>;
  /** messages for another seq / port / sender, or multicast */
  readonly unmatched: ReadonlyArray<NlMsg>;
  /** some message carried NLM_F_DUMP_INTR */
  readonly interrupted: boolean;
  readonly end: ReplyEnd;
}

const MORE: ReplyEnd = { _tag: "More" };

const extAckOf = (tlvs: ReadonlyArray<NlAttr> | undefined): ExtAck => {
  if (tlvs === undefined) return {};
  const i = extAckInfo(tlvs);
  const out: { -readonly [K in keyof ExtAck]: ExtAck[K] } = {};
  if (i.msg !== undefined) out.msg = i.msg;
  if (i.offs !== undefined) out.offset = i.offs;
  if (i.missType !== undefined) out.missType = i.missType;
  if (i.missNest !== undefined) out.missNest = i.missNest;
  if (i.cookie !== undefined) out.cookie = i.cookie;
  if (i.policy !== undefined) out.policy = i.policy;
  return out;
};

const requestError = (
  error: number,
  extack: ExtAck,
  request: NlMsgHdr,
  requestPayload: Uint8Array | undefined,
  via: "NLMSG_ERROR" | "NLMSG_DONE",
): NetlinkRequestError => {
  const base = NetlinkError.fromErrno("request", error);
  let message = `${base.message} (type 0x${request.type.toString(16)}, seq ${request.seq})`;
  if (extack.msg !== undefined) message += `: ${extack.msg}`;
  if (extack.offset !== undefined) message += ` (attribute at offset ${extack.offset})`;
  return new NetlinkRequestError({
    errno: base.errno,
    code: base.code,
    message,
    extack,
    request,
    requestPayload,
    via,
  });
};

const malformed = (e: unknown): NetlinkProtocolError =>
  e instanceof NetlinkDecodeError
    ? new NetlinkProtocolError({ reason: "malformed", message: e.message, offset: e.offset })
    : new NetlinkProtocolError({ reason: "malformed", message: String(e) });

/** A received datagram's messages, strictly: not truncated (MSG_TRUNC) and parsing whole. */
const datagramMessages = (d: Datagram): NlMsg[] | NetlinkProtocolError => {
  if (d.msgFlags & MSG_TRUNC) {
    return new NetlinkProtocolError({
      reason: "truncated",
      message: `a ${d.length}-byte datagram did not fit the receive buffer (MSG_TRUNC)`,
    });
  }
  try {
    return parseMessages(d.data);
  } catch (e) {
    return malformed(e);
  }
};

const step = (messages: NlMsg[], unmatched: NlMsg[], interrupted: boolean, end: ReplyEnd): ReplyStep => ({
  messages,
  unmatched,
  interrupted,
  end,
});

/**
 * mnl_cb_run: reads one received datagram against a pending request. Rules, in order, per message:
 * a datagram from a multicast group or from another sender than `peer` is unmatched; a message
 * whose seq differs, or whose port id is neither ours nor 0, is unmatched; NLM_F_DUMP_INTR is
 * noted; NLMSG_NOOP (and unknown control types) are skipped; NLMSG_ERROR 0 is the ACK, a negative
 * error a NetlinkRequestError; NLMSG_DONE ends the request (a negative status is an error);
 * NLMSG_OVERRUN is a protocol error; a data message is kept, and ends a plain request (no ACK asked,
 * not a dump) unless it carries NLM_F_MULTI. Strict: the datagram must parse whole, must not be
 * truncated (MSG_TRUNC), and an NLMSG_ERROR must hold a whole struct nlmsgerr with error ≤ 0.
 */
export const mnlCbRun = (d: Datagram, match: ReplyMatch): ReplyStep => {
  const msgs = datagramMessages(d);
  if (msgs instanceof NetlinkProtocolError) return step([], [], false, { _tag: "Failed", error: msgs });
  if (d.from.groups !== 0 || d.from.pid !== match.peer) return step([], msgs, false, MORE);
  const data: NlMsg[] = [];
  const unmatched: NlMsg[] = [];
  let interrupted = false;
  for (const m of msgs) {
    if (m.seq !== match.seq || (m.pid !== 0 && m.pid !== match.portId)) {
      unmatched.push(m);
      continue;
    }
    if (m.flags & NLM_F_DUMP_INTR) interrupted = true;
    if (m.type >= NLMSG_MIN_TYPE) {
      data.push(m);
      if (!(m.flags & NLM_F_MULTI) && !match.ack && !match.dump)
        return step(data, unmatched, interrupted, { _tag: "Reply" });
      continue;
    }
    switch (m.type) {
      case NLMSG_ERROR: {
        let e: ReturnType<typeof parseNlmsgerr>;
        let extack: ExtAck;
        try {
          e = parseNlmsgerr(m);
          extack = extAckOf(e.tlvs);
        } catch (err) {
          return step(data, unmatched, interrupted, { _tag: "Failed", error: malformed(err) });
        }
        if (e.error > 0) {
          return step(data, unmatched, interrupted, {
            _tag: "Failed",
            error: new NetlinkProtocolError({
              reason: "malformed",
              message: `NLMSG_ERROR carries a positive error ${e.error}`,
              offset: NLMSG_HDRLEN,
            }),
          });
        }
        if (e.error === 0) return step(data, unmatched, interrupted, { _tag: "Ack" });
        return step(data, unmatched, interrupted, {
          _tag: "Failed",
          error: requestError(e.error, extack, e.req, e.reqPayload, "NLMSG_ERROR"),
        });
      }
      case NLMSG_DONE: {
        const status = m.payload.length >= 4 ? getS32(m.payload, 0) : 0;
        if (status < 0) {
          let extack: ExtAck = {};
          if (m.flags & NLM_F_ACK_TLVS) {
            try {
              extack = extAckOf(parseAttrs(m.payload.subarray(4), NLMSG_HDRLEN + 4));
            } catch (err) {
              return step(data, unmatched, interrupted, { _tag: "Failed", error: malformed(err) });
            }
          }
          return step(data, unmatched, interrupted, {
            _tag: "Failed",
            error: requestError(status, extack, match.request, undefined, "NLMSG_DONE"),
          });
        }
        return step(data, unmatched, interrupted, { _tag: "Done", status });
      }
      case NLMSG_OVERRUN:
        return step(data, unmatched, interrupted, {
          _tag: "Failed",
          error: new NetlinkProtocolError({ reason: "overrun", message: "NLMSG_OVERRUN: data was lost" }),
        });
      default:
        break; // NLMSG_NOOP and unknown control messages: nothing to do (mnl_cb_noop)
    }
  }
  return step(data, unmatched, interrupted, MORE);
};

// ---------------------------------------------------------------------------------------------
// Generic netlink

/** A family as CTRL_CMD_GETFAMILY describes it. */
export interface GenlFamilyInfo {
  readonly name: string;
  readonly id: number;
  readonly version: number;
  readonly hdrsize: number;
  readonly maxattr: number;
  readonly ops: ReadonlyArray<{ readonly cmd: number; readonly flags: number }>;
  /** group name → multicast group id (what subscribe() takes) */
  readonly mcastGroups: ReadonlyMap<string, number>;
}

/** A generic netlink request: command, version, the family header (hdrsize bytes) and attributes. */
export interface GenlRequest {
  readonly cmd: number;
  readonly version?: number;
  /** the family's own fixed header after genlmsghdr (hdrsize bytes), if it has one */
  readonly header?: Uint8Array;
  /** encoded attributes, or a function filling an encoder */
  readonly attrs?: Uint8Array | ((e: AttributeEncoder) => unknown);
  /** extra NLM_F_* flags */
  readonly flags?: number;
}

/** A parsed generic netlink message. Attribute offsets count from the message start (as extack offsets do). */
export interface GenlMessage {
  readonly msg: NlMsg;
  readonly cmd: number;
  readonly version: number;
  /** the family header (hdrsize bytes) */
  readonly header: Uint8Array;
  readonly attrs: ReadonlyArray<NlAttr>;
}

/** The message of a genl request to family `family` (its id). */
export const genlMessage = (family: number, req: GenlRequest): NlMsgInit => {
  let attrs: Uint8Array;
  if (req.attrs === undefined) attrs = new Uint8Array(0);
  else if (req.attrs instanceof Uint8Array) attrs = req.attrs;
  else {
    const e = new AttributeEncoder();
    req.attrs(e);
    attrs = e.finish();
  }
  const hdr = encodeGenlmsghdr({ cmd: req.cmd, version: req.version ?? 1 });
  return {
    type: family,
    flags: req.flags ?? 0,
    payload: concatBytes([hdr, req.header ?? new Uint8Array(0), attrs]),
  };
};

/** Parses a genl message: genlmsghdr, `hdrsize` bytes of family header, then attributes. Throws NetlinkDecodeError. */
export const parseGenl = (msg: NlMsg, hdrsize = 0): GenlMessage => {
  const g = parseGenlmsghdr(msg.payload);
  const start = GENL_HDRLEN + hdrsize;
  if (msg.payload.length < start) {
    throw new NetlinkDecodeError(
      "short-struct",
      NLMSG_HDRLEN,
      `payload is ${msg.payload.length} bytes, genlmsghdr and a ${hdrsize}-byte family header need ${start}`,
    );
  }
  return {
    msg,
    cmd: g.cmd,
    version: g.version,
    header: msg.payload.subarray(GENL_HDRLEN, start),
    attrs: parseAttrs(msg.payload.subarray(start), NLMSG_HDRLEN + start),
  };
};

/** Reads a CTRL_CMD_NEWFAMILY reply. */
export const parseFamilyInfo = (msg: NlMsg): GenlFamilyInfo => {
  parseGenlmsghdr(msg.payload);
  const d = new AttributeDecoder(msg.payload.subarray(GENL_HDRLEN), NLMSG_HDRLEN + GENL_HDRLEN);
  let name = "";
  let id = 0;
  let version = 0;
  let hdrsize = 0;
  let maxattr = 0;
  const ops: Array<{ cmd: number; flags: number }> = [];
  const mcastGroups = new Map<string, number>();
  while (d.next()) {
    switch (d.type) {
      case CTRL_ATTR_FAMILY_NAME:
        name = d.string();
        break;
      case CTRL_ATTR_FAMILY_ID:
        id = d.u16();
        break;
      case CTRL_ATTR_VERSION:
        version = d.u32();
        break;
      case CTRL_ATTR_HDRSIZE:
        hdrsize = d.u32();
        break;
      case CTRL_ATTR_MAXATTR:
        maxattr = d.u32();
        break;
      case CTRL_ATTR_OPS: {
        const list = d.nested();
        while (list.next()) {
          const op = list.nested();
          let cmd = 0;
          let flags = 0;
          while (op.next()) {
            if (op.type === CTRL_ATTR_OP_ID) cmd = op.u32();
            else if (op.type === CTRL_ATTR_OP_FLAGS) flags = op.u32();
          }
          if (op.err !== undefined) d.err ??= op.err;
          ops.push({ cmd, flags });
        }
        if (list.err !== undefined) d.err ??= list.err;
        break;
      }
      case CTRL_ATTR_MCAST_GROUPS: {
        const list = d.nested();
        while (list.next()) {
          const grp = list.nested();
          let gname = "";
          let gid = 0;
          while (grp.next()) {
            if (grp.type === CTRL_ATTR_MCAST_GRP_NAME) gname = grp.string();
            else if (grp.type === CTRL_ATTR_MCAST_GRP_ID) gid = grp.u32();
          }
          if (grp.err !== undefined) d.err ??= grp.err;
          mcastGroups.set(gname, gid);
        }
        if (list.err !== undefined) d.err ??= list.err;
        break;
      }
    }
  }
  if (d.err !== undefined) throw d.err;
  return { name, id, version, hdrsize, maxattr, ops, mcastGroups };
};

// ---------------------------------------------------------------------------------------------
// The connection

/** What a subscription stream yields: a multicast message, or the news that some were lost. */
export type SubscriptionEvent =
  | {
      readonly _tag: "Message";
      readonly message: NlMsg;
      /** the group it was sent to (NETLINK_PKTINFO), 0 for a unicast */
      readonly group: number;
      readonly from: NetlinkAddress;
    }
  /** recvmsg said ENOBUFS: the receive queue overflowed and messages were dropped; the stream goes on */
  | { readonly _tag: "Overrun" };

/** The warning for replies the "ignore" policy dropped while a request waited. */
export const unmatchedWarning = (
  unmatched: ReadonlyArray<NlMsg>,
  from: NetlinkAddress,
  match: { readonly seq: number; readonly portId: number },
): string => {
  const m = unmatched[0]!;
  const more = unmatched.length > 1 ? ` (and ${unmatched.length - 1} more)` : "";
  return (
    `netlink: dropped a message that matches no request: type 0x${m.type.toString(16)} seq ${m.seq} port ${m.pid} from port ${from.pid}${more}; ` +
    `waiting for seq ${match.seq} port ${match.portId} (a reply whose nlmsg_pid or seq is wrong is never matched; ConnOptions.unmatched: "fail" makes it an error)`
  );
};

/** What to do with a message that belongs to no pending request. */
export type UnmatchedPolicy = "ignore" | "fail" | ((msg: NlMsg, from: NetlinkAddress) => void);

export interface ConnOptions {
  /** the bind group mask (groups 1..32); use subscribe() for any group */
  readonly groups?: number;
  /** the port id to bind; 0 or absent: autobind */
  readonly pid?: number;
  /** socket type and non-blocking mode */
  readonly socket?: SocketOptions;
  /** NETLINK_EXT_ACK (default true): error messages and offsets in NLMSG_ERROR */
  readonly extAck?: boolean;
  /** receive buffer per datagram (default 32768, the kernel's largest dump skb) */
  readonly bufferSize?: number;
  /**
   * datagrams read per receive syscall (default 1: one recvmsg each). Above 1, replies, dumps and
   * subscriptions read with recvmmsg and MSG_WAITFORONE: the first datagram waited for, up to
   * `batch − 1` more that are already queued taken in the same call (a dump's next rounds are
   * made as the kernel's recvmsg reads, so a batch carries several). What a batch reads past the
   * current request waits, in order, for the conn's next read: the semantics are those of one
   * recvmsg at a time, with fewer syscalls. Memory: `batch × bufferSize` bytes of receive buffer.
   */
  readonly batch?: number;
  /** the first sequence number (default 1) */
  readonly firstSeq?: number;
  /** messages for another seq / port, or from another sender, while a request waits (default "ignore") */
  readonly unmatched?: UnmatchedPolicy;
}

export interface RequestOptions {
  /** send to this address instead of the kernel (a user-space peer) */
  readonly to?: NetlinkAddress;
}

/** A netlink connection: one socket, numbered requests, typed replies. */
export interface NetlinkConn {
  readonly socket: NetlinkSocket;
  readonly protocol: number;
  /** the bound port id */
  readonly portId: number;
  /**
   * Sends `msg` (NLM_F_REQUEST added, seq assigned, pid set to our port id if 0) and collects the
   * data replies until the request ends: the ACK if NLM_F_ACK was set, NLMSG_DONE for a multipart
   * reply, else the first reply.
   */
  readonly request: (msg: NlMsgInit, options?: RequestOptions) => Effect.Effect<ReadonlyArray<NlMsg>, RequestError>;
  /** request with NLM_F_ACK: resolves on the ACK, with any replies that came before it. */
  readonly requestAck: (msg: NlMsgInit, options?: RequestOptions) => Effect.Effect<ReadonlyArray<NlMsg>, RequestError>;
  /** A dump (NLM_F_DUMP): the messages until NLMSG_DONE; fails at the end with DumpInterruptedError if NLM_F_DUMP_INTR was seen. */
  readonly dump: (msg: NlMsgInit, options?: RequestOptions) => Stream.Stream<NlMsg, RequestError>;
  /** Joins multicast groups (numbers, 1-based) and streams what arrives; an overrun is an event, not a failure. Leaves the groups when the stream ends. */
  readonly subscribe: (
    groups: number | ReadonlyArray<number>,
  ) => Stream.Stream<SubscriptionEvent, NetlinkError | NetlinkProtocolError>;
  /** CTRL_CMD_GETFAMILY on a NETLINK_GENERIC conn. */
  readonly resolveFamily: (name: string) => Effect.Effect<GenlFamilyInfo, RequestError>;
  /** A genl request to a family (its id or its info), replies parsed. */
  readonly genlRequest: (
    family: number | GenlFamilyInfo,
    req: GenlRequest,
  ) => Effect.Effect<ReadonlyArray<GenlMessage>, RequestError>;
  /** A genl dump. */
  readonly genlDump: (family: number | GenlFamilyInfo, req: GenlRequest) => Stream.Stream<GenlMessage, RequestError>;
  /** close(2) now (the scope would do it anyway). */
  readonly close: Effect.Effect<void, NetlinkError>;
}

const ignoreNetlinkError = <A, R>(e: Effect.Effect<A, NetlinkError, R>): Effect.Effect<void, never, R> =>
  Effect.catchTag(Effect.asVoid(e), "NetlinkError", () => Effect.void);

const groupList = (groups: number | ReadonlyArray<number>): ReadonlyArray<number> =>
  typeof groups === "number" ? [groups] : groups;

/** The group number of a bind mask's lowest bit (msg_name's nl_groups), 0 when none. */
const lowestGroup = (mask: number): number => (mask === 0 ? 0 : 32 - Math.clz32(mask & -mask));

/** The conn's next datagram: one recvmsg, or the next of a recvmmsg batch (ConnOptions.batch). */
type Reader = Effect.Effect<Datagram, NetlinkError>;

/**
 * The conn's reader. With `batch` above 1, one recvmmsg (MSG_WAITFORONE) fills a queue the next
 * reads take from in order, so a datagram a batch read beyond what its reader wanted goes to
 * whoever reads next, as the socket's queue would have given it; an error comes only with the
 * queue empty, as recvmsg gives it.
 */
const makeReader = (nl: NetlinkService, socket: NetlinkSocket, size: number, batch: number): Reader => {
  if (batch === 1) return nl.recvmsg(socket, size);
  let queue: ReadonlyArray<Datagram> = [];
  let next = 0;
  const fill = Effect.map(nl.recvmmsg(socket, batch, size, MSG_WAITFORONE), (ds) => {
    queue = ds;
    next = 1;
    return ds[0]!;
  });
  return Effect.suspend(() => (next < queue.length ? Effect.succeed(queue[next++]!) : fill));
};

/**
 * NetlinkConn.subscribe: NETLINK_PKTINFO on, each group joined (and left when the stream ends),
 * then every datagram's messages as events, ENOBUFS as an Overrun event.
 */
const subscribeStream = (
  nl: NetlinkService,
  socket: NetlinkSocket,
  read: Reader,
  groups: number | ReadonlyArray<number>,
): Stream.Stream<SubscriptionEvent, NetlinkError | NetlinkProtocolError> =>
  Stream.unwrap(
    Effect.gen(function* () {
      const list = groupList(groups);
      yield* ignoreNetlinkError(nl.setsockopt(socket, SOL_NETLINK, NETLINK_PKTINFO, 1));
      for (const g of list) {
        yield* Effect.acquireRelease(nl.setsockopt(socket, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, g), () =>
          ignoreNetlinkError(nl.setsockopt(socket, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, g)),
        );
      }
      const events = (d: Datagram): Effect.Effect<ReadonlyArray<SubscriptionEvent>, NetlinkProtocolError> => {
        const msgs = datagramMessages(d);
        if (msgs instanceof NetlinkProtocolError) return Effect.fail(msgs);
        const group = d.pktinfo ?? lowestGroup(d.from.groups);
        return Effect.succeed(msgs.map((message) => ({ _tag: "Message" as const, message, group, from: d.from })));
      };
      const one = read.pipe(
        Effect.catchTag("NetlinkError", (e) => (e.errno === "ENOBUFS" ? Effect.succeed(undefined) : Effect.fail(e))),
        Effect.flatMap(
          (d): Effect.Effect<ReadonlyArray<SubscriptionEvent>, NetlinkProtocolError> =>
            d === undefined ? Effect.succeed([{ _tag: "Overrun" }]) : events(d),
        ),
      );
      return Stream.flattenIterable(Stream.fromEffectRepeat(one));
    }),
  );

/** NetlinkConn.resolveFamily: CTRL_CMD_GETFAMILY by name over the conn's `request`. */
const resolveFamilyWith = (
  request: NetlinkConn["request"],
  name: string,
): Effect.Effect<GenlFamilyInfo, RequestError> =>
  Effect.flatMap(
    request(
      genlMessage(GENL_ID_CTRL, {
        cmd: CTRL_CMD_GETFAMILY,
        version: 2,
        attrs: (e) => e.string(CTRL_ATTR_FAMILY_NAME, name),
      }),
    ),
    (replies) => {
      const m = replies.find((r) => r.type === GENL_ID_CTRL);
      if (m === undefined) {
        return Effect.fail(
          new NetlinkProtocolError({ reason: "malformed", message: `no CTRL_CMD_NEWFAMILY reply for "${name}"` }),
        );
      }
      try {
        return Effect.succeed(parseFamilyInfo(m));
      } catch (e) {
        return Effect.fail(malformed(e));
      }
    },
  );

const famId = (f: number | GenlFamilyInfo): number => (typeof f === "number" ? f : f.id);
const hdrOf = (f: number | GenlFamilyInfo): number => (typeof f === "number" ? 0 : f.hdrsize);
const parseAll = (msgs: ReadonlyArray<NlMsg>, hdrsize: number): Effect.Effect<GenlMessage[], NetlinkProtocolError> => {
  try {
    return Effect.succeed(msgs.map((m) => parseGenl(m, hdrsize)));
  } catch (e) {
    return Effect.fail(malformed(e));
  }
};

/**
 * Opens a connection: socket, NETLINK_EXT_ACK, bind (port id and group mask), getsockname. The
 * socket closes with the scope. Longer than most functions on purpose: send, readStep and collect
 * share the connection's sequence counter, lock and pending replies, so the per-request path stays
 * as closures here; subscriptions, family resolution and genl parsing are module functions.
 */
export const open = (
  protocol: number,
  options: ConnOptions = {},
): Effect.Effect<NetlinkConn, NetlinkError, Netlink | Scope.Scope> =>
  Effect.gen(function* () {
    const batch = options.batch ?? 1;
    if (!Number.isInteger(batch) || batch < 1) {
      return yield* Effect.die(
        new RangeError(`ConnOptions.batch must be a whole number of datagrams, at least 1 (got ${batch})`),
      );
    }
    const nl = yield* Netlink;
    const socket = yield* nl.socket(protocol, options.socket);
    if (options.extAck ?? true) yield* ignoreNetlinkError(nl.setsockopt(socket, SOL_NETLINK, NETLINK_EXT_ACK, 1));
    yield* nl.bind(socket, { pid: options.pid ?? 0, groups: options.groups ?? 0 });
    const { pid: portId } = yield* nl.getsockname(socket);
    const lock = yield* Semaphore.make(1);
    const size = options.bufferSize ?? 32768;
    const read = makeReader(nl, socket, size, batch);
    const policy = options.unmatched ?? "ignore";
    let nextSeq = options.firstSeq ?? 1;

    /** send one request; returns what its replies must match */
    const send = (
      msg: NlMsgInit,
      addFlags: number,
      options?: RequestOptions,
    ): Effect.Effect<ReplyMatch, NetlinkError> =>
      Effect.suspend(() => {
        const seq = msg.seq ?? nextSeq;
        nextSeq = (seq + 1) >>> 0 || 1;
        const flags = (msg.flags ?? 0) | NLM_F_REQUEST | addFlags;
        const init: NlMsgInit = { ...msg, flags, seq, pid: msg.pid ?? portId };
        const bytes = encodeMessage(init);
        const peer = options?.to?.pid ?? 0;
        const sendOpts = options?.to === undefined ? undefined : { to: options.to };
        return Effect.as(nl.sendto(socket, bytes, sendOpts), {
          seq,
          portId,
          peer,
          ack: (flags & NLM_F_ACK) !== 0,
          dump: (flags & NLM_F_DUMP) === NLM_F_DUMP,
          request: { len: bytes.length, type: init.type, flags, seq, pid: init.pid ?? 0 },
        });
      });

    /** one recvmsg, interpreted; unmatched messages handled by the policy */
    const readStep = (match: ReplyMatch): Effect.Effect<ReplyStep, NetlinkError | NetlinkProtocolError> =>
      Effect.flatMap(read, (d) => {
        const s = mnlCbRun(d, match);
        if (s.unmatched.length > 0) {
          if (policy === "fail") {
            const m = s.unmatched[0]!;
            return Effect.fail(
              new NetlinkProtocolError({
                reason: "unmatched",
                message: `message type 0x${m.type.toString(16)} seq ${m.seq} port ${m.pid} from ${d.from.pid} matches no request (waiting for seq ${match.seq})`,
              }),
            );
          }
          if (typeof policy === "function") for (const m of s.unmatched) policy(m, d.from);
          // "ignore" (the default) drops them, as libmnl's callers do; a program that waits for a
          // reply it dropped waits forever, so say what was dropped (the sim layer traces it and
          // names it if the process deadlocks)
          if (policy === "ignore") return Effect.as(Effect.logWarning(unmatchedWarning(s.unmatched, d.from, match)), s);
        }
        return Effect.succeed(s);
      });

    const collect = (match: ReplyMatch): Effect.Effect<ReadonlyArray<NlMsg>, RequestError> => {
      const all: NlMsg[] = [];
      let interrupted = false;
      const loop: Effect.Effect<ReadonlyArray<NlMsg>, RequestError> = Effect.flatMap(readStep(match), (s) => {
        all.push(...s.messages);
        interrupted ||= s.interrupted;
        switch (s.end._tag) {
          case "More":
            return loop;
          case "Failed":
            return Effect.fail(s.end.error);
          default:
            return interrupted ? Effect.fail(interruptedError(all, match.request)) : Effect.succeed(all);
        }
      });
      return loop;
    };

    const request = (msg: NlMsgInit, options?: RequestOptions) =>
      lock.withPermits(1)(Effect.flatMap(send(msg, 0, options), collect));
    const requestAck = (msg: NlMsgInit, options?: RequestOptions) =>
      lock.withPermits(1)(Effect.flatMap(send(msg, NLM_F_ACK, options), collect));

    const dump = (msg: NlMsgInit, options?: RequestOptions): Stream.Stream<NlMsg, RequestError> =>
      Stream.unwrap(
        Effect.gen(function* () {
          yield* lock.takeScoped(1);
          const match = yield* send(msg, NLM_F_DUMP, options);
          const all: NlMsg[] = [];
          let interrupted = false;
          const pages = Stream.paginate(undefined, () =>
            Effect.flatMap(
              readStep(match),
              (s): Effect.Effect<readonly [ReadonlyArray<NlMsg>, Option.Option<undefined>], RequestError> => {
                all.push(...s.messages);
                interrupted ||= s.interrupted;
                if (s.end._tag === "Failed") return Effect.fail(s.end.error);
                return Effect.succeed([
                  s.messages,
                  s.end._tag === "More" ? Option.some(undefined) : Option.none(),
                ] as const);
              },
            ),
          );
          return Stream.concat(
            pages,
            Stream.suspend(() => (interrupted ? Stream.fail(interruptedError(all, match.request)) : Stream.empty)),
          );
        }),
      );

    const conn: NetlinkConn = {
      socket,
      protocol,
      portId,
      request,
      requestAck,
      dump,
      subscribe: (groups) => subscribeStream(nl, socket, read, groups),
      resolveFamily: (name) => resolveFamilyWith(request, name),
      genlRequest: (family, req) =>
        Effect.flatMap(request(genlMessage(famId(family), req)), (msgs) => parseAll(msgs, hdrOf(family))),
      genlDump: (family, req) =>
        Stream.mapEffect(dump(genlMessage(famId(family), req)), (m) =>
          Effect.map(parseAll([m], hdrOf(family)), (x) => x[0]!),
        ),
      close: nl.close(socket),
    };
    return conn;
  });

const interruptedError = (messages: ReadonlyArray<NlMsg>, request: NlMsgHdr): DumpInterruptedError =>
  new DumpInterruptedError({
    messages,
    request,
    message: `dump (type 0x${request.type.toString(16)}, seq ${request.seq}) was interrupted (NLM_F_DUMP_INTR): the data changed during it; ${messages.length} messages received, retry for a consistent view`,
  });

/** `NetlinkConn.open(protocol, options)`: the constructor under the interface's name. */
export const NetlinkConn = { open } as const;

/** A NETLINK_GENERIC conn. */
export const openGeneric = (options?: ConnOptions): Effect.Effect<NetlinkConn, NetlinkError, Netlink | Scope.Scope> =>
  open(NETLINK_GENERIC, options);
