// The same transport workloads through the kernel layer (real AF_NETLINK sockets via native/),
// beside the sim layer's, so one run shows both and their ratio. Registered only when the
// native addon is available; otherwise the reason is printed.
import { Effect, type Scope } from "effect";
import {
  encodeMessage,
  MSG_DONTWAIT,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_NOOP,
} from "../kernel-model/uapi/index.js";
import { nativeAvailability } from "../native/index.js";
import { Netlink } from "../transport/index.js";
import { kernelLayer } from "../transport/kernel.js";
import type { Suite } from "./harness.js";

const BATCH = 64;

const onKernel = <A, E>(program: Effect.Effect<A, E, Netlink | Scope.Scope>): Promise<A> =>
  Effect.runPromise(program.pipe(Effect.scoped, Effect.provide(kernelLayer)));

/** api.kernel.unicast.oneway: USERSOCK sendto + recvmsg with MSG_DONTWAIT, 64-byte payloads, batches of 64. */
const unicastOneway = (n: number): Promise<number> => {
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(64).fill(0x61) });
  return onKernel(
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const tx = yield* nl.socket(NETLINK_USERSOCK);
      const rx = yield* nl.socket(NETLINK_USERSOCK);
      yield* nl.bind(tx, { pid: 0, groups: 0 });
      yield* nl.bind(rx, { pid: 0, groups: 0 });
      const to = yield* nl.getsockname(rx);
      let sum = 0;
      for (let done = 0; done < n; ) {
        const k = Math.min(BATCH, n - done);
        for (let i = 0; i < k; i++) sum += yield* nl.sendto(tx, msg, { to, flags: MSG_DONTWAIT });
        for (let i = 0; i < k; i++) sum += (yield* nl.recvmsg(rx, 4096, MSG_DONTWAIT)).length;
        done += k;
      }
      return sum;
    }),
  );
};

/** api.kernel.ack.rtt: NLMSG_NOOP with NLM_F_ACK on NETLINK_ROUTE and its ACK (the kernel answers in sendmsg). */
const ackRtt = (n: number): Promise<number> => {
  const req = encodeMessage({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1 });
  return onKernel(
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const s = yield* nl.socket(NETLINK_ROUTE);
      yield* nl.bind(s, { pid: 0, groups: 0 });
      let sum = 0;
      for (let i = 0; i < n; i++) {
        sum += yield* nl.sendto(s, req, { to: { pid: 0, groups: 0 } });
        sum += (yield* nl.recvmsg(s, 4096, MSG_DONTWAIT)).length;
      }
      return sum;
    }),
  );
};

export const registerKernel = (suite: Suite): string | undefined => {
  const a = nativeAvailability();
  if (!a.ok) return a.reason;
  suite.add("api.kernel.unicast.oneway", unicastOneway);
  suite.add("api.kernel.ack.rtt", ackRtt, "round trips/s");
  return undefined;
};
