// The kernel side of `nlsim fuzz scenarios --against kernel`: started once under `unshare -n`
// (a fresh network namespace), it reads one scenario (JSON) per line on stdin and answers one
// JSON line per scenario, {"lines": [...], "tgid": pid} or {"error": "..."}. Every scenario closes its
// sockets, so the next one starts from the same namespace state: only the kernel's sockets and
// `lo`, down (the fuzzer sends rtnetlink GET requests only, which change nothing).
import { createInterface } from "node:readline";
import { runScenarioOnKernel } from "../scenario/kernel-api.js";
import { parseScenario } from "../scenario/parse.js";

const rl = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
const queue: string[] = [];
let busy = false;
const pump = async (): Promise<void> => {
  if (busy) return;
  busy = true;
  while (queue.length > 0) {
    const text = queue.shift()!;
    let out: string;
    try {
      out = JSON.stringify({ lines: await runScenarioOnKernel(parseScenario(text, "fuzz")), tgid: process.pid });
    } catch (e) {
      out = JSON.stringify({ error: e instanceof Error ? e.message : String(e) });
    }
    process.stdout.write(`${out}\n`);
  }
  busy = false;
};
rl.on("line", (line) => {
  if (line.trim() === "") return;
  queue.push(line);
  void pump();
});
