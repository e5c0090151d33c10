// Each user socket's receive queue over the run, for the viewer's chart. A trace records what
// happened, not the queues' state, so the trace's world is run again from its header (the example
// or scenario, the seed) with a look at every socket after each event; the re-run must give the
// same trace, event for event, or the samples are not used. The process names come from the same run.
import { findExample } from "../../examples/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { netlink_is_kernel } from "../../kernel-model/net/netlink/sock.js";
import { type Trace, traceHash } from "../../sim/trace.js";
import type { World } from "../../sim/world.js";
import { parseScenario } from "../scenario/parse.js";
import { runScenarioOnSim } from "../scenario/sim-api.js";

/** One socket's queue: samples as flat [t, rmem, rcvbuf, qlen, drops] groups, one per change. */
export interface SocketQueue {
  /** "PROTOCOL:PORT", as the lanes of the view */
  readonly id: string;
  readonly samples: ReadonlyArray<number>;
}

export interface QueueSamples {
  readonly sockets: ReadonlyArray<SocketQueue>;
}

export interface Rerun {
  readonly queues: QueueSamples | { readonly unavailable: string };
  readonly processNames: ReadonlyMap<number, string>;
}

/** Watches a world: process names as they run, socket queues after every event. */
const watch = (world: World, names: Map<number, string>, queues: Map<string, number[]>): void => {
  const last = new Map<object, string>();
  world.trace.onEvent((e) => {
    const task = world.currentTask;
    if (task !== undefined && task.pid !== 0 && !names.has(task.pid)) names.set(task.pid, task.name);
    const outside = world.kernelHost.outsideTask;
    if (outside !== undefined && !names.has(outside.pid)) names.set(outside.pid, outside.comm);
    for (const sk of world.net.sockets) {
      if (netlink_is_kernel(sk) || sk.portid === 0) continue;
      const id = `${sk.sk_protocol}:${sk.portid >>> 0}`;
      const state = `${sk.sk_rmem_alloc}/${sk.sk_rcvbuf}/${sk.sk_receive_queue.length}/${sk.sk_drops}`;
      if (last.get(sk) === state) continue;
      last.set(sk, state);
      let q = queues.get(id);
      if (q === undefined) {
        q = [];
        queues.set(id, q);
      }
      q.push(e.t, sk.sk_rmem_alloc, sk.sk_rcvbuf, sk.sk_receive_queue.length, sk.sk_drops);
    }
  });
};

/** Runs the world `trace` was recorded from again, watching its sockets. */
export const rerunForQueues = async (trace: Trace): Promise<Rerun> => {
  const names = new Map<number, string>();
  const queues = new Map<string, number[]>();
  const run = trace.header.run;
  const seed = trace.header.seed;
  let world: World | undefined;
  const onWorld = (w: World): void => {
    world = w;
    watch(w, names, queues);
  };
  const unavailable = (why: string): Rerun => ({ queues: { unavailable: why }, processNames: names });
  try {
    if (typeof run.example === "string") {
      const example = findExample(run.example);
      if (example === undefined) return unavailable(`the trace's example '${run.example}' is not known here`);
      const params: Record<string, number> = {};
      if (run.params !== null && typeof run.params === "object" && !Array.isArray(run.params)) {
        for (const [k, v] of Object.entries(run.params)) if (typeof v === "number") params[k] = v;
      }
      await runExampleOnSim(example, {
        seed,
        ...(typeof run.mode === "string" ? { mode: run.mode } : {}),
        params,
        ...(typeof run.file === "string" ? { file: run.file } : {}),
        onWorld,
      });
    } else if (typeof run.scenario === "string" && typeof run.text === "string" && typeof run.file === "string") {
      await runScenarioOnSim(parseScenario(run.text, run.file), seed, { file: run.file, text: run.text }, onWorld);
    } else {
      return unavailable("the trace does not say what ran (neither an example nor a scenario)");
    }
  } catch (e) {
    return unavailable(`running the trace's world again failed: ${(e as Error).message}`);
  }
  const again = world!.trace.snapshot();
  if (again.events.length !== trace.events.length || traceHash(again) !== traceHash(trace)) {
    return unavailable(
      `running the trace's world again gave a different trace (${again.events.length} events, ${trace.events.length} recorded): it was recorded by another version of nlsim`,
    );
  }
  return {
    queues: { sockets: [...queues.entries()].map(([id, samples]) => ({ id, samples })) },
    processNames: names,
  };
};
