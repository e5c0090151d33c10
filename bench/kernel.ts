// The same transport workloads through the kernel layer (real AF_NETLINK sockets via native/),
// beside the sim layer's, so one run shows both and their ratio. Registered only when the
// native addon is available; otherwise the reason is printed.
//
// native.unicast.oneway is the floor under api.kernel.unicast.oneway: the same datagrams through
// the addon's two per-message calls in a plain loop, each received datagram copied into bytes
// of its own (ownedCopy) as the layer does, with no Effect, no service and no Datagram object.
// native.unicast.oneway.gen is that floor with each call a `yield* immediate(...)` in Effect.gen,
// as the layer's calls are: what Effect adds, without the service's checks and the Datagram.
import { Effect } from "effect";
import { encodeMessage, NETLINK_USERSOCK, ownedCopy } from "../kernel-model/uapi/index.js";
import { type NetlinkAddon, nativeAvailability, nativeNetlink, RECV_META, sockaddrNl } from "../native/index.js";
import { immediate } from "../transport/immediate.js";
import type { Netlink } from "../transport/index.js";
import { kernelLayer } from "../transport/kernel.js";
import type { Suite } from "./harness.js";
import { ackRttProgram, unicastBatchedProgram, unicastOnewayProgram } from "./programs.js";

const onKernel = <E>(program: Effect.Effect<number, E, Netlink>): Promise<number> =>
  Effect.runPromise(program.pipe(Effect.provide(kernelLayer)));

const BATCH = 64;

/** A bound NETLINK_USERSOCK socket's fd, or an Error saying which call failed. */
const boundSocket = (a: NetlinkAddon): number => {
  const fd = a.socket(a.constants.SOCK_RAW | a.constants.SOCK_CLOEXEC, NETLINK_USERSOCK);
  if (typeof fd !== "number") throw new Error(`native.unicast.oneway: socket: ${fd.errno}`);
  const r = a.bind(fd, sockaddrNl(0));
  if (r !== 0) throw new Error(`native.unicast.oneway: bind: ${r.errno}`);
  return fd;
};

/** unicastOnewayProgram's work on the addon alone: sendTo, recvInto and an owned copy per message. */
const nativeOneway = (a: NetlinkAddon, withEffect = false) => {
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(64).fill(0x61) });
  const scratch = new Uint8Array(4096);
  const meta = new Uint32Array(RECV_META);
  const DONTWAIT = a.constants.MSG_DONTWAIT;
  const send = (tx: number, pid: number): number => {
    const r = a.sendTo(tx, msg, DONTWAIT, pid, 0);
    if (r < 0) throw new Error(`native.unicast.oneway: sendTo: errno ${-r}`);
    return r;
  };
  const recv = (rx: number): number => {
    const r = a.recvInto(rx, scratch, scratch.length, DONTWAIT, meta);
    if (r < 0) throw new Error(`native.unicast.oneway: recvInto: errno ${-r}`);
    return ownedCopy(scratch, 0, r).length;
  };
  /** the same loop in Effect.gen, each call a yield* of an immediate effect */
  const inEffect = (tx: number, rx: number, pid: number, n: number): number =>
    Effect.runSync(
      Effect.gen(function* () {
        let sum = 0;
        for (let done = 0; done < n; ) {
          const k = Math.min(BATCH, n - done);
          for (let i = 0; i < k; i++) sum += yield* immediate(() => send(tx, pid));
          for (let i = 0; i < k; i++) sum += yield* immediate(() => recv(rx));
          done += k;
        }
        return sum;
      }),
    );
  return (n: number): number => {
    const tx = boundSocket(a);
    const rx = boundSocket(a);
    try {
      const name = a.getsockname(rx);
      if ("errno" in name) throw new Error(`native.unicast.oneway: getsockname: ${name.errno}`);
      if (withEffect) return inEffect(tx, rx, name.pid, n);
      let sum = 0;
      for (let done = 0; done < n; ) {
        const k = Math.min(BATCH, n - done);
        for (let i = 0; i < k; i++) sum += send(tx, name.pid);
        for (let i = 0; i < k; i++) sum += recv(rx);
        done += k;
      }
      return sum;
    } finally {
      a.close(tx);
      a.close(rx);
    }
  };
};

export const registerKernel = (suite: Suite): string | undefined => {
  const a = nativeAvailability();
  if (!a.ok) return a.reason;
  suite.add("api.kernel.unicast.oneway", (n) => onKernel(unicastOnewayProgram(n)));
  suite.add("api.kernel.ack.rtt", (n) => onKernel(ackRttProgram(n)), "round trips/s");
  suite.add("api.kernel.unicast.recvmmsg", (n) => onKernel(unicastBatchedProgram(n)));
  suite.add("native.unicast.oneway", nativeOneway(nativeNetlink()));
  suite.add("native.unicast.oneway.gen", nativeOneway(nativeNetlink(), true));
  return undefined;
};
