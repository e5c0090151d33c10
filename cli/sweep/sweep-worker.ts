// A sweep worker thread: receives seeds, runs each with the target from workerData, posts verdicts.
import { parentPort, workerData } from "node:worker_threads";
import { runSeed, type SweepTarget } from "./targets.js";

const target = (workerData as { readonly target: SweepTarget }).target;
const port = parentPort;
if (port === null) throw new Error("cli/sweep/sweep-worker runs as a worker thread (started by nlsim sweep)");
port.on("message", (msg: { readonly seed: number } | { readonly stop: true }) => {
  if ("stop" in msg) {
    port.close();
    return;
  }
  runSeed(target, msg.seed).then(
    (v) => port.postMessage(v),
    (e: unknown) =>
      port.postMessage({ seed: msg.seed, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
