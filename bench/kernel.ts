// The same transport workloads through the kernel layer (real AF_NETLINK sockets via native/),
// beside the sim layer's, so one run shows both and their ratio. Registered only when the
// native addon is available; otherwise the reason is printed.
import { Effect } from "effect";
import { nativeAvailability } from "../native/index.js";
import type { Netlink } from "../transport/index.js";
import { kernelLayer } from "../transport/kernel.js";
import type { Suite } from "./harness.js";
import { ackRttProgram, unicastOnewayProgram } from "./programs.js";

const onKernel = <E>(program: Effect.Effect<number, E, Netlink>): Promise<number> =>
  Effect.runPromise(program.pipe(Effect.provide(kernelLayer)));

export const registerKernel = (suite: Suite): string | undefined => {
  const a = nativeAvailability();
  if (!a.ok) return a.reason;
  suite.add("api.kernel.unicast.oneway", (n) => onKernel(unicastOnewayProgram(n)));
  suite.add("api.kernel.ack.rtt", (n) => onKernel(ackRttProgram(n)), "round trips/s");
  return undefined;
};
