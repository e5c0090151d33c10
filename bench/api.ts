// Workloads through the transport API (the Netlink Effect service, sim layer): what an
// application pays per message on the simulator, scheduler and Effect included.
import { Effect } from "effect";
import { netlink_kernel_create, netlink_rcv_skb } from "../kernel-model/net/netlink/index.js";
import { encodeMessage, MSG_DONTWAIT, NETLINK_USERSOCK, NLM_F_ACK, NLM_F_REQUEST } from "../kernel-model/uapi/index.js";
import { World } from "../sim/world.js";
import { Netlink, runProcess } from "../transport/index.js";
import type { Suite } from "./harness.js";

const ECHO_UNIT = 25;
const BATCH = 64;

/** Runs `program(n)` as a simulated process in a fresh world and returns its result. */
const inWorld = async (seed: number, setup: (w: World) => void, program: Effect.Effect<number, unknown, Netlink>) => {
  // tracing off: the workloads measure the path a message takes, not the recording of it
  const world = new World({ seed, trace: false });
  setup(world);
  const p = runProcess(world, { name: "bench", pid: 100 }, program);
  const r = await world.run();
  if (r.failed.length > 0) throw r.failed[0]!.error;
  const exit = p.exit();
  if (exit === undefined || exit._tag !== "Success") throw new Error(`bench program did not succeed: ${String(exit)}`);
  return exit.value;
};

/** api.sim.unicast.oneway: sendto + recvmsg with MSG_DONTWAIT (the fast path), 64-byte payloads, batches of 64. */
const unicastOneway = (n: number): Promise<number> => {
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(64).fill(0x61) });
  return inWorld(
    1,
    () => {},
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const tx = yield* nl.socket(NETLINK_USERSOCK);
      const rx = yield* nl.socket(NETLINK_USERSOCK);
      yield* nl.bind(tx, { pid: 100, groups: 0 });
      yield* nl.bind(rx, { pid: 200, groups: 0 });
      const to = { pid: 200, groups: 0 };
      let sum = 0;
      for (let done = 0; done < n; ) {
        const k = Math.min(BATCH, n - done);
        for (let i = 0; i < k; i++) sum += yield* nl.sendto(tx, msg, { to, flags: MSG_DONTWAIT });
        for (let i = 0; i < k; i++) sum += (yield* nl.recvmsg(rx, 4096, MSG_DONTWAIT)).length;
        done += k;
      }
      return sum;
    }).pipe(Effect.scoped),
  );
};

/** api.sim.ack.rtt: a request with NLM_F_ACK to a kernel module (softirq-style input) and a blocking recvmsg of the ACK. */
const ackRtt = (n: number): Promise<number> => {
  const req = encodeMessage({ type: 16, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, payload: new Uint8Array(16) });
  return inWorld(
    2,
    (w) => {
      const ksk = netlink_kernel_create(w.net, ECHO_UNIT, { input: (skb) => void netlink_rcv_skb(skb, () => 0) });
      if (ksk === null) throw new Error("netlink_kernel_create failed");
    },
    Effect.gen(function* () {
      const nl = yield* Netlink;
      const s = yield* nl.socket(ECHO_UNIT);
      yield* nl.bind(s, { pid: 300, groups: 0 });
      let sum = 0;
      for (let i = 0; i < n; i++) {
        sum += yield* nl.sendto(s, req, { to: { pid: 0, groups: 0 } });
        sum += (yield* nl.recvmsg(s, 4096)).length;
      }
      return sum;
    }).pipe(Effect.scoped),
  );
};

export const registerApi = (suite: Suite): void => {
  suite.add("api.sim.unicast.oneway", unicastOneway);
  suite.add("api.sim.ack.rtt", ackRtt, "round trips/s");
};
