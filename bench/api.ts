// The transport workloads on the simulator (the Netlink service's sim layer): what an application
// pays per message there, scheduler and Effect included.
import type { Effect } from "effect";
import { World } from "../sim/world.js";
import { type Netlink, runProcess } from "../transport/index.js";
import type { Suite } from "./harness.js";
import { ackRttProgram, unicastBatchedProgram, unicastOnewayProgram } from "./programs.js";

/** Runs `program` as a simulated process in a fresh world and returns its result. */
const inWorld = async <E>(seed: number, program: Effect.Effect<number, E, Netlink>): Promise<number> => {
  // tracing off: the workloads measure the path a message takes, not the recording of it
  const world = new World({ seed, trace: false });
  const p = runProcess(world, { name: "bench", pid: 100 }, program);
  const r = await world.run();
  if (r.failed.length > 0) throw r.failed[0]!.error;
  const exit = p.exit();
  if (exit === undefined || exit._tag !== "Success") throw new Error(`bench program did not succeed: ${String(exit)}`);
  return exit.value;
};

export const registerApi = (suite: Suite): void => {
  suite.add("api.sim.unicast.oneway", (n) => inWorld(1, unicastOnewayProgram(n)));
  suite.add("api.sim.ack.rtt", (n) => inWorld(2, ackRttProgram(n)), "round trips/s");
  suite.add("api.sim.unicast.recvmmsg", (n) => inWorld(1, unicastBatchedProgram(n)));
};
