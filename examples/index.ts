// The examples `nlsim run` and `nlsim walk` know, by name. To add one: write examples/<name>/
// (a user side against transport/ and kernel-model/uapi, a simulated kernel side, and an index.ts
// exporting an Example: its modes, `options` and `setup`), then add it to EXAMPLES below. Its
// tests run it with runExampleOnSim (runner.ts), as the CLI does.
import { icmpLoggerExample } from "./icmp-logger/index.js";
import { netlinkExamExample } from "./netlink-exam/index.js";
import { nlDemoExample } from "./nl-demo/index.js";
import { procfsExample } from "./procfs/index.js";
import { selectThroughputExample } from "./select-throughput/index.js";
import { sockoptExample } from "./sockopt/index.js";
import type { Example } from "./types.js";

export type { Example, ExampleHooks, ExampleMode, ExampleNote, ExampleSetup } from "./types.js";

export const EXAMPLES: Readonly<Record<string, Example>> = {
  "nl-demo": nlDemoExample,
  "icmp-logger": icmpLoggerExample,
  "select-throughput": selectThroughputExample,
  procfs: procfsExample,
  sockopt: sockoptExample,
  "netlink-exam": netlinkExamExample,
};

export const exampleNames = (): string[] => Object.keys(EXAMPLES);

export const findExample = (name: string): Example | undefined =>
  Object.hasOwn(EXAMPLES, name) ? EXAMPLES[name] : undefined;
