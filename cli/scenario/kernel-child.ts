// The process `nlsim scenario --transport kernel` and `nlsim conform` start under `unshare -n`
// (a fresh network namespace) for one scenario: it runs the file on real sockets and prints the
// trace. Lean on purpose (no CLI framework): one starts per scenario.
// Exit status: 0 trace printed, 2 bad scenario, 3 needs root, 1 anything else.
// `kernel-child FILE --pcap OUT` also writes the run's capture to OUT.
import { readFileSync } from "node:fs";
import { CredentialError, runScenarioOnKernel } from "./kernel-api.js";
import { parseScenario, ScenarioError } from "./parse.js";

const file = process.argv[2];
const pcap = process.argv[3] === "--pcap" ? process.argv[4] : undefined;
const fail = (status: number, message: string): never => {
  process.stderr.write(`${message}\n`);
  process.exit(status);
};

if (file === undefined) fail(2, "usage: kernel-child FILE.json");
let text = "";
try {
  text = readFileSync(file!, "utf8");
} catch (e) {
  fail(2, `cannot read scenario '${file}': ${(e as Error).message}`);
}
let scenario: ReturnType<typeof parseScenario> | undefined;
try {
  scenario = parseScenario(text, file!);
} catch (e) {
  fail(2, e instanceof ScenarioError ? e.message : String(e));
}
try {
  const lines = await runScenarioOnKernel(scenario!, pcap === undefined ? {} : { pcap });
  process.stdout.write(lines.map((l) => `${l}\n`).join(""));
} catch (e) {
  if (e instanceof CredentialError) fail(3, e.message);
  fail(1, e instanceof Error ? (e.stack ?? e.message) : String(e));
}
