// A client for any family a YNL spec describes, on top of NetlinkConn (so on either transport):
// `do` and `dump` by operation name with plain objects in and out, `subscribe` by multicast group
// name, notifications decoded by the operation they mirror. For genetlink families the family id
// and group ids are resolved through nlctrl when the client opens; netlink-raw families
// (rtnetlink) use the spec's protocol number and message types.
//
// Types: a client is `YnlClient<F>` where F maps operation names to their request and reply
// shapes. `nlsim ynl gen SPEC -o FILE.ts` writes F for a spec (ynl/gen.ts); without it, F is
// YnlAnyOps and requests and replies are YnlObject.
import { Effect, type Scope, Stream } from "effect";
import {
  concatBytes,
  GENL_HDRLEN,
  NETLINK_GENERIC,
  NetlinkDecodeError,
  NLMSG_HDRLEN,
  type NlMsg,
  parseAttrs,
} from "../kernel-model/uapi/index.js";
import {
  type ConnOptions,
  type GenlFamilyInfo,
  genlMessage,
  NetlinkConn,
  NetlinkProtocolError,
  parseGenl,
  type RequestError,
  type SubscriptionEvent,
} from "../transport/client.js";
import type { NetlinkError } from "../transport/errors.js";
import { Netlink } from "../transport/netlink.js";
import { decodeAttrs, decodeStruct, encodeAttrs, encodeStruct, type YnlEncodeError, type YnlObject } from "./codec.js";
import { camel, specSet, specStruct, type YnlOperation, type YnlSpec } from "./spec.js";

/** The request and reply shapes of one operation (what `nlsim ynl gen` writes per operation). */
export interface YnlOpShape {
  readonly doRequest?: object;
  readonly doReply?: object;
  readonly dumpRequest?: object;
  readonly dumpReply?: object;
  /** a notification or event: what it carries */
  readonly notify?: object;
}

/** The shapes of a family's operations by (camelCase) name. */
export type YnlFamilyOps = { readonly [op: string]: YnlOpShape };

/** The untyped default: every operation takes and gives YnlObject. */
export type YnlAnyOps = {
  readonly [op: string]: { doRequest: YnlObject; doReply: YnlObject; dumpRequest: YnlObject; dumpReply: YnlObject };
};

type Keys<F> = Extract<keyof F, string>;
/** Operations that have a do. */
export type YnlDoOps<F> = { [K in Keys<F>]: F[K] extends { doRequest: object } ? K : never }[Keys<F>];
/** Operations that have a dump. */
export type YnlDumpOps<F> = { [K in Keys<F>]: F[K] extends { dumpReply: object } ? K : never }[Keys<F>];
/** The request of operation K's do. */
export type YnlDoRequest<F, K extends keyof F> = F[K] extends { doRequest: infer R } ? R : never;
/** The reply of operation K's do (undefined for an operation that only acknowledges). */
export type YnlDoReply<F, K extends keyof F> = F[K] extends { doReply: infer R } ? R : undefined;
/** The request of operation K's dump. */
export type YnlDumpRequest<F, K extends keyof F> = F[K] extends { dumpRequest: infer R } ? R : Record<string, never>;
/** One reply of operation K's dump. */
export type YnlDumpReply<F, K extends keyof F> = F[K] extends { dumpReply: infer R } ? R : never;
type DoReq<F, K extends keyof F> = YnlDoRequest<F, K>;
type DoReply<F, K extends keyof F> = YnlDoReply<F, K>;
type DumpReq<F, K extends keyof F> = YnlDumpRequest<F, K>;
type DumpReply<F, K extends keyof F> = YnlDumpReply<F, K>;

/** Every error a YNL request can fail with: the client's, or a value the spec cannot encode. */
export type YnlError = RequestError | YnlEncodeError;

export interface YnlRequestOptions {
  /** extra NLM_F_* flags (NLM_F_CREATE | NLM_F_EXCL for a new object, ...) */
  readonly flags?: number;
}

/** A message the client decoded: which operation it belongs to, and its content. */
export interface YnlNotification {
  /** the operation (camelCase name) whose reply, notification or event it is; undefined if none matches */
  readonly op: string | undefined;
  readonly value: YnlObject;
  /** the multicast group it came to (0 for a unicast) */
  readonly group: number;
  readonly msg: NlMsg;
}

export interface YnlClient<F = YnlAnyOps> {
  readonly spec: YnlSpec;
  readonly conn: NetlinkConn;
  /** genetlink: the family as nlctrl described it (its id, version, groups) */
  readonly family: GenlFamilyInfo | undefined;
  /**
   * A do: the request (fixed header members and attributes in one object) sent with NLM_F_ACK;
   * resolves with the decoded reply, or undefined for an operation that only acknowledges.
   */
  readonly do: <K extends YnlDoOps<F>>(
    op: K,
    request: DoReq<F, K>,
    options?: YnlRequestOptions,
  ) => Effect.Effect<DoReply<F, K> | undefined, YnlError>;
  /** A dump: every decoded reply until NLMSG_DONE. */
  readonly dump: <K extends YnlDumpOps<F>>(
    op: K,
    request?: DumpReq<F, K>,
    options?: YnlRequestOptions,
  ) => Stream.Stream<DumpReply<F, K>, YnlError>;
  /** A dump collected into an array. */
  readonly dumpAll: <K extends YnlDumpOps<F>>(
    op: K,
    request?: DumpReq<F, K>,
    options?: YnlRequestOptions,
  ) => Effect.Effect<Array<DumpReply<F, K>>, YnlError>;
  /**
   * Joins the spec's multicast groups by name on a socket of its own (closed when the stream
   * ends) and decodes what arrives; an overrun fails the stream.
   */
  readonly subscribe: (
    groups: string | ReadonlyArray<string>,
  ) => Stream.Stream<YnlNotification, NetlinkError | NetlinkProtocolError>;
  /** The number of a multicast group by its spec name (genetlink: as nlctrl gave it). */
  readonly groupId: (name: string) => number;
  /** Decodes any message of this family by the operation it belongs to. */
  readonly decode: (msg: NlMsg) => YnlNotification;
}

const malformed = (e: unknown): NetlinkProtocolError =>
  e instanceof NetlinkDecodeError
    ? new NetlinkProtocolError({ reason: "malformed", message: e.message, offset: e.offset })
    : new NetlinkProtocolError({ reason: "malformed", message: e instanceof Error ? e.message : String(e) });

/** The id a request of `op` carries (the directional model may give it on the do or the dump only). */
export const requestId = (op: YnlOperation): number => op.do?.request?.value ?? op.dump?.request?.value ?? op.value;

/** The id a reply (or notification) of `op` carries. */
export const replyId = (op: YnlOperation): number =>
  op.do?.reply?.value ?? op.dump?.reply?.value ?? op.event?.value ?? op.value;

/** The operation whose attributes and header a notification carries (its `notify` target, or itself). */
const shapeOf = (spec: YnlSpec, op: YnlOperation): YnlOperation =>
  op.notify === undefined ? op : (spec.operationsByName.get(op.notify) ?? op);

/** The spec's operation by its camelCase (or spec) name. */
const findOp = (spec: YnlSpec, name: string): YnlOperation => {
  const op = spec.operationsByName.get(name) ?? spec.operations.find((o) => camel(o.name) === name);
  if (op === undefined) {
    throw new Error(`${spec.file}: no operation "${name}" (${spec.operations.map((o) => camel(o.name)).join(", ")})`);
  }
  return op;
};

/** The payload after nlmsghdr (and genlmsghdr) of a request of `op`: fixed header, then attributes. */
export const encodeRequest = (spec: YnlSpec, op: YnlOperation, request: YnlObject): Uint8Array => {
  const shape = shapeOf(spec, op);
  const parts: Uint8Array[] = [];
  let rest: YnlObject = request;
  if (shape.fixedHeader !== undefined) {
    const st = specStruct(spec, shape.fixedHeader);
    const members = new Set(st.members.map((m) => camel(m.name)));
    const head: Record<string, unknown> = {};
    const attrs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(request)) (members.has(k) ? head : attrs)[k] = v;
    parts.push(encodeStruct(spec, st, head as YnlObject, camel(op.name)));
    rest = attrs as YnlObject;
  }
  if (shape.attributeSet !== undefined)
    parts.push(encodeAttrs(spec, specSet(spec, shape.attributeSet), rest, camel(op.name)));
  else if (Object.keys(rest).length > 0) {
    throw new Error(
      `${spec.file}: operation ${op.name} has no attribute set, yet the request has ${Object.keys(rest).join(", ")}`,
    );
  }
  return concatBytes(parts);
};

/**
 * Decodes the payload of a message of `op` (after nlmsghdr, and after genlmsghdr for genetlink):
 * the fixed header's members and the attributes in one object. `base` is the payload's offset in
 * the message.
 */
export const decodePayload = (spec: YnlSpec, op: YnlOperation, payload: Uint8Array, base: number): YnlObject => {
  const shape = shapeOf(spec, op);
  let out: Record<string, unknown> = {};
  let off = 0;
  if (shape.fixedHeader !== undefined) {
    const st = specStruct(spec, shape.fixedHeader);
    out = decodeStruct(spec, st, payload);
    off = st.size;
  }
  if (shape.attributeSet !== undefined) {
    Object.assign(
      out,
      decodeAttrs(spec, specSet(spec, shape.attributeSet), parseAttrs(payload.subarray(off), base + off)),
    );
  }
  return out as YnlObject;
};

const isGenl = (spec: YnlSpec): boolean => spec.protocol !== "netlink-raw";

/**
 * Opens a client for `spec` on the Netlink service in context (the simulator's or the kernel's).
 * genetlink: resolves the family through nlctrl (fails ENOENT when the kernel lacks it).
 */
export const openYnl = <F = YnlAnyOps>(
  spec: YnlSpec,
  options: ConnOptions = {},
): Effect.Effect<YnlClient<F>, RequestError, Netlink | Scope.Scope> =>
  Effect.gen(function* () {
    const protocol = isGenl(spec) ? NETLINK_GENERIC : spec.protonum!;
    const conn = yield* NetlinkConn.open(protocol, options);
    const family = isGenl(spec) ? yield* conn.resolveFamily(spec.name) : undefined;

    const message = (op: YnlOperation, request: YnlObject, flags: number) => {
      const payload = encodeRequest(spec, op, request);
      if (family === undefined) return { type: requestId(op), flags, payload };
      // the genl fixed header is the family header after genlmsghdr: encodeRequest put it first
      return genlMessage(family.id, { cmd: requestId(op), version: spec.version, attrs: payload, flags });
    };

    const decodeMsg = (op: YnlOperation, m: NlMsg): YnlObject => {
      if (family === undefined) return decodePayload(spec, op, m.payload, NLMSG_HDRLEN);
      // parseGenl checks the genlmsghdr is there (NetlinkDecodeError otherwise)
      parseGenl(m, 0);
      return decodePayload(spec, op, m.payload.subarray(GENL_HDRLEN), NLMSG_HDRLEN + GENL_HDRLEN);
    };

    const decodeAll = (op: YnlOperation, msgs: ReadonlyArray<NlMsg>) =>
      Effect.try({ try: () => msgs.map((m) => decodeMsg(op, m)), catch: malformed });

    const encode = (op: YnlOperation, request: YnlObject, flags: number) =>
      Effect.try({
        try: () => message(op, request, flags),
        catch: (e) => e as YnlEncodeError,
      });

    const doOp = (name: string, request: YnlObject, o?: YnlRequestOptions) =>
      Effect.gen(function* () {
        const op = yield* Effect.try({ try: () => findOp(spec, name), catch: (e) => e as YnlEncodeError });
        const msg = yield* encode(op, request ?? {}, o?.flags ?? 0);
        const replies = yield* conn.requestAck(msg);
        const decoded = yield* decodeAll(op, replies);
        return decoded[0];
      });

    const dumpOp = (name: string, request: YnlObject | undefined, o?: YnlRequestOptions) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const op = yield* Effect.try({ try: () => findOp(spec, name), catch: (e) => e as YnlEncodeError });
          const msg = yield* encode(op, request ?? {}, o?.flags ?? 0);
          return Stream.mapEffect(conn.dump(msg), (m) => Effect.map(decodeAll(op, [m]), (x) => x[0]!));
        }),
      );

    const groupId = (name: string): number => {
      if (family !== undefined) {
        const id = family.mcastGroups.get(name);
        if (id === undefined) {
          throw new Error(
            `${spec.name}: the kernel's family has no multicast group "${name}" (${[...family.mcastGroups.keys()].join(", ")})`,
          );
        }
        return id;
      }
      const g = spec.mcastGroups.find((x) => x.name === name);
      if (g?.value === undefined) {
        throw new Error(
          `${spec.file}: no multicast group "${name}" with a number (${spec.mcastGroups.map((x) => x.name).join(", ")})`,
        );
      }
      return g.value;
    };

    /** the op a message belongs to: a notification or event with its id first, then a reply's */
    const opOf = (m: NlMsg): YnlOperation | undefined => {
      const id = family === undefined ? m.type : m.payload[0];
      return (
        spec.operations.find((o) => (o.notify !== undefined || o.event !== undefined) && o.value === id) ??
        spec.operations.find((o) => (o.do?.reply ?? o.dump?.reply) !== undefined && replyId(o) === id)
      );
    };

    const decode = (msg: NlMsg, group = 0): YnlNotification => {
      const op = opOf(msg);
      return {
        op: op === undefined ? undefined : camel(op.name),
        value: op === undefined ? {} : decodeMsg(op, msg),
        group,
        msg,
      };
    };

    // notifications come on a socket of their own: on the request socket they would meet a
    // pending request's reader, which drops what matches no request
    const nl = yield* Netlink;
    const subscribe = (groups: string | ReadonlyArray<string>) =>
      Stream.unwrap(
        Effect.gen(function* () {
          const ids = yield* Effect.try({
            try: () => (typeof groups === "string" ? [groups] : groups).map(groupId),
            catch: (e) =>
              new NetlinkProtocolError({ reason: "malformed", message: e instanceof Error ? e.message : String(e) }),
          });
          const sub = yield* NetlinkConn.open(protocol, { ...options, pid: 0 }).pipe(
            Effect.provideService(Netlink, nl),
          );
          return Stream.mapEffect(sub.subscribe(ids), (ev: SubscriptionEvent) =>
            ev._tag === "Overrun"
              ? Effect.fail(
                  new NetlinkProtocolError({
                    reason: "overrun",
                    message: "the receive queue overflowed: notifications were lost (ENOBUFS)",
                  }),
                )
              : Effect.try({ try: () => decode(ev.message, ev.group), catch: malformed }),
          );
        }),
      );

    const client: YnlClient<YnlAnyOps> = {
      spec,
      conn,
      family,
      do: doOp as YnlClient<YnlAnyOps>["do"],
      dump: dumpOp as YnlClient<YnlAnyOps>["dump"],
      dumpAll: ((name: string, request?: YnlObject, o?: YnlRequestOptions) =>
        Effect.map(Stream.runCollect(dumpOp(name, request, o)), (c) =>
          Array.from(c),
        )) as YnlClient<YnlAnyOps>["dumpAll"],
      subscribe,
      groupId,
      decode: (msg) => decode(msg),
    };
    return client as unknown as YnlClient<F>;
  });
