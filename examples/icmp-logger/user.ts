// imp2_u: the user side of the ICMP logger. It registers its port with the module (IMP2_U_PID),
// prints one line per struct packet_info that arrives, and says IMP2_CLOSE before it leaves.
// Killed instead (Ctrl-C), it says nothing: the module hears of it through NETLINK_URELEASE.
// Imports only transport/ and kernel-model/uapi: it runs unchanged on the real kernel.
import { Clock, Effect, type Scope } from "effect";
import { getU16, getU32, NLMSG_ERROR, NLMSG_HDRLEN, walkMessages } from "../../kernel-model/uapi/index.js";
import { Netlink, type NetlinkError, POLLERR, POLLIN } from "../../transport/index.js";
import {
  decodePacketInfo,
  encodeImp2Request,
  formatPacketInfo,
  IMP2_CLOSE,
  IMP2_K_MSG,
  IMP2_U_PID,
  NETLINK_IMP2,
} from "./proto.js";

export interface Imp2UserOptions {
  /** how long to listen (virtual milliseconds) */
  readonly durationMs: number;
  /** stop after this many packets */
  readonly maxPackets?: number;
  /** send IMP2_CLOSE before leaving (default true) */
  readonly sendClose?: boolean;
  /** where the lines go (stdout in the CLI) */
  readonly out: (line: string) => void;
}

const KERNEL = { pid: 0, groups: 0 } as const;

/** The program: register, print packets until the time is up, close. Returns the packets printed. */
export const imp2_user = (opts: Imp2UserOptions): Effect.Effect<number, NetlinkError, Netlink | Scope.Scope> =>
  Effect.gen(function* () {
    const nl = yield* Netlink;
    const s = yield* nl.socket(NETLINK_IMP2);
    yield* nl.bind(s, { pid: 0, groups: 0 }); // autobind: the kernel picks the port id
    const me = yield* nl.getsockname(s);
    yield* nl.sendto(s, encodeImp2Request(IMP2_U_PID, me.pid, 1), { to: KERNEL });
    opts.out(`imp2_u: registered port ${me.pid}`);
    const end = (yield* Clock.currentTimeMillis) + opts.durationMs;
    const max = opts.maxPackets ?? Number.POSITIVE_INFINITY;
    let printed = 0;
    while (printed < max) {
      const left = end - (yield* Clock.currentTimeMillis);
      if (left <= 0) break;
      const [r] = yield* nl.poll([{ socket: s, events: POLLIN }], left);
      if ((r!.revents & (POLLIN | POLLERR)) === 0) continue;
      const d = yield* nl.recvmsg(s, 8192).pipe(
        Effect.catchTag("NetlinkError", (e) =>
          e.errno === "ENOBUFS"
            ? Effect.sync(() => {
                opts.out("imp2_u: ENOBUFS: some packets were lost");
                return undefined;
              })
            : Effect.fail(e),
        ),
      );
      if (d === undefined) continue;
      // walk like the kernel does: stop at the first message that is not whole
      walkMessages(d.data, (off, len) => {
        const type = getU16(d.data, off + 4);
        if (type === NLMSG_ERROR) {
          opts.out(`imp2_u: the module answered error ${getU32(d.data, off + NLMSG_HDRLEN) | 0}`);
          return;
        }
        if (type !== IMP2_K_MSG || printed >= max) return;
        const info = decodePacketInfo(d.data.subarray(off + NLMSG_HDRLEN, off + len));
        if (info === undefined) {
          opts.out(`imp2_u: short IMP2_K_MSG (${len} bytes), skipped`);
          return;
        }
        opts.out(formatPacketInfo(info));
        printed++;
      });
    }
    if (opts.sendClose ?? true) yield* nl.sendto(s, encodeImp2Request(IMP2_CLOSE, me.pid, 2), { to: KERNEL });
    yield* nl.close(s);
    return printed;
  });
