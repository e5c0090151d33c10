// The transport workloads as Effect programs over the Netlink service, written once and run on
// both layers (bench/api.ts: the simulator; bench/kernel.ts: real sockets), so the ratio compares
// the same work.
import { Effect } from "effect";
import {
  encodeMessage,
  MSG_DONTWAIT,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_REQUEST,
  NLMSG_NOOP,
} from "../kernel-model/uapi/index.js";
import { Netlink } from "../transport/index.js";

const BATCH = 64;

/** `n` one-way USERSOCK messages (64-byte payloads), sent and received with MSG_DONTWAIT in batches of 64. */
export const unicastOnewayProgram = (n: number) => {
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(64).fill(0x61) });
  return Effect.gen(function* () {
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
  }).pipe(Effect.scoped);
};

/**
 * unicastOnewayProgram with the receive side batched: each batch of 64 read by recvmmsg
 * (MSG_DONTWAIT), one syscall for what one recvmsg per message reads there.
 */
export const unicastBatchedProgram = (n: number) => {
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(64).fill(0x61) });
  return Effect.gen(function* () {
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
      for (let got = 0; got < k; ) {
        const ds = yield* nl.recvmmsg(rx, k - got, 4096, MSG_DONTWAIT);
        for (const d of ds) sum += d.length;
        got += ds.length;
      }
      done += k;
    }
    return sum;
  }).pipe(Effect.scoped);
};

/**
 * `n` NLMSG_NOOP requests with NLM_F_ACK to NETLINK_ROUTE and their ACKs. The kernel answers
 * during sendmsg (the simulator's softirq runs before the syscall returns to the caller), so the
 * ACK is read with MSG_DONTWAIT.
 */
export const ackRttProgram = (n: number) => {
  const req = encodeMessage({ type: NLMSG_NOOP, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1 });
  return Effect.gen(function* () {
    const nl = yield* Netlink;
    const s = yield* nl.socket(NETLINK_ROUTE);
    yield* nl.bind(s, { pid: 0, groups: 0 });
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += yield* nl.sendto(s, req, { to: { pid: 0, groups: 0 } });
      sum += (yield* nl.recvmsg(s, 4096, MSG_DONTWAIT)).length;
    }
    return sum;
  }).pipe(Effect.scoped);
};
