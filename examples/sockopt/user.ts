// The sockopt example's user side (sockopt_clt.c): a raw IPv4 socket, setsockopt to hand the
// module a string, getsockopt to fetch one, and the calls that show the error paths. Uses only
// transport/ and uapi, so it runs unchanged on a real kernel with the C module.
import { Effect } from "effect";
import { IPPROTO_IP, IPPROTO_RAW } from "../../kernel-model/uapi/index.js";
import { Creds, type InetError, InetRaw } from "../../transport/index.js";
import { cstr, fromCstr, MSG_MAX, SOCKET_OPS_GET, SOCKET_OPS_MAX, SOCKET_OPS_SET, UMSG } from "./proto.js";

export type Log = (line: string) => void;

const report = (log: Log, what: string) => (e: InetError) => Effect.sync(() => log(`${what}: ${e.errno}`));

/** sockopt_clt: the exchange, then a short buffer, a NULL buffer and an option out of range. */
export const sockoptClient = (log: Log): Effect.Effect<void, never, InetRaw> =>
  Effect.scoped(
    Effect.gen(function* () {
      const inet = yield* InetRaw;
      const s = yield* inet.socket(IPPROTO_RAW);
      const ret = yield* inet.setsockopt(s, IPPROTO_IP, SOCKET_OPS_SET, cstr(UMSG));
      log(`setsockopt: ret = ${ret}. msg = ${UMSG}`);
      const got = yield* inet.getsockopt(s, IPPROTO_IP, SOCKET_OPS_GET, MSG_MAX);
      log(`getsockopt: optlen = ${got.optlen}. msg = ${fromCstr(got.data)}`);
      yield* inet.getsockopt(s, IPPROTO_IP, SOCKET_OPS_GET, 8).pipe(
        Effect.flatMap((r) =>
          Effect.sync(() => log(`getsockopt(optlen 8): optlen = ${r.optlen}. got ${JSON.stringify(fromCstr(r.data))}`)),
        ),
        Effect.catchTag("InetError", report(log, "getsockopt(optlen 8)")),
      );
      yield* inet.setsockopt(s, IPPROTO_IP, SOCKET_OPS_SET, null, { optlen: 16 }).pipe(
        Effect.flatMap((r) => Effect.sync(() => log(`setsockopt(NULL, 16): ret = ${r}`))),
        Effect.catchTag("InetError", report(log, "setsockopt(NULL, 16)")),
      );
      yield* inet.setsockopt(s, IPPROTO_IP, SOCKET_OPS_MAX, cstr(UMSG)).pipe(
        Effect.flatMap((r) => Effect.sync(() => log(`setsockopt(${SOCKET_OPS_MAX}): ret = ${r}`))),
        Effect.catchTag("InetError", report(log, `setsockopt(${SOCKET_OPS_MAX})`)),
      );
    }),
  ).pipe(Effect.catchTag("InetError", report(log, "sockopt_clt")));

/** The unprivileged user: uid and gid 1000, no capabilities (no CAP_NET_RAW). */
export const UNPRIVILEGED = { uid: 1000, caps: [] } as const;

/** The same program without CAP_NET_RAW: socket(AF_INET, SOCK_RAW, ...) itself fails. */
export const unprivilegedClient = (log: Log): Effect.Effect<void, never, InetRaw> =>
  Effect.scoped(
    Effect.gen(function* () {
      const inet = yield* InetRaw;
      yield* inet.socket(IPPROTO_RAW);
      log("socket: ok");
    }),
  ).pipe(Effect.catchTag("InetError", report(log, "socket (uid 1000, no CAP_NET_RAW)")));

/**
 * The whole user side, on the simulator and on a real kernel alike: sockopt_clt as root, then as
 * uid 1000 without capabilities (setresuid/capset around it, root again after).
 */
export const sockoptProgram = (log: Log): Effect.Effect<void, never, InetRaw | Creds> =>
  Effect.gen(function* () {
    yield* sockoptClient(log);
    const creds = yield* Creds;
    yield* creds
      .asUser(UNPRIVILEGED, unprivilegedClient(log))
      .pipe(Effect.catchTag("CredError", (e) => Effect.sync(() => log(`as uid ${UNPRIVILEGED.uid}: ${e.message}`))));
  });
