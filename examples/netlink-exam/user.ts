// netlink-exam's two programs (netlink-exam-user-send.c, netlink-exam-user-recv.c), against the
// transport only. The sender's input file is the program's input, read from the host with node:fs
// (outside the simulation, before any syscall of the model).
import { readFileSync } from "node:fs";
import { Effect } from "effect";
import { encodeMessage, getU32, NLMSG_HDRLEN } from "../../kernel-model/uapi/index.js";
import { Netlink, type NetlinkError } from "../../transport/index.js";
import { NETLINK_EXAM, NETLINK_EXAM_GROUP_MASK, NLEXAM_MSG } from "./proto.js";

export type Log = (line: string) => void;

/** The sender's input: the file's bytes, or the message a missing/unreadable file prints. */
export const readInputFile = (path: string): { readonly data: Uint8Array } | { readonly error: string } => {
  try {
    return { data: new Uint8Array(readFileSync(path)) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "EIO";
    return { error: `netlink-exam-user-send: cannot read '${path}': ${code}` };
  }
};

/** netlink-exam-user-send: one NLEXAM_MSG with the text to the kernel (port 0). */
export const sender = (text: Uint8Array, log: Log): Effect.Effect<void, NetlinkError, Netlink> =>
  Effect.scoped(
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const s = yield* nl.socket(NETLINK_EXAM);
      yield* nl.bind(s, { pid: 0, groups: 0 });
      const n = yield* nl.sendto(s, encodeMessage({ type: NLEXAM_MSG, seq: 1, payload: text }), {
        to: { pid: 0, groups: 0 },
      });
      log(`send: ${n} bytes (${text.length} of text)`);
    }),
  );

/** netlink-exam-user-recv: joins the group, prints the first text that arrives. */
export const receiver = (log: Log, waitMs = 1000): Effect.Effect<string | undefined, NetlinkError, Netlink> =>
  Effect.scoped(
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const s = yield* nl.socket(NETLINK_EXAM);
      yield* nl.bind(s, { pid: 0, groups: NETLINK_EXAM_GROUP_MASK });
      const d = yield* nl.recvmsg(s, 65536).pipe(Effect.timeoutOption(`${waitMs} millis`));
      if (d._tag === "None") {
        log("recv: nothing arrived");
        return undefined;
      }
      // the payload up to nlmsg_len; nlmsg_end counts the alignment padding, so stop at a NUL (as %s does)
      const b = d.value.data;
      const payload = b.subarray(NLMSG_HDRLEN, Math.min(b.length, getU32(b, 0)));
      const nul = payload.indexOf(0);
      const text = new TextDecoder().decode(nul < 0 ? payload : payload.subarray(0, nul));
      log(`recv: ${text.length} bytes from the kernel:`);
      log(text);
      return text;
    }),
  );
