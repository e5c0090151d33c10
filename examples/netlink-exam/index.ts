// netlink-exam as an example for `nlsim run` / `nlsim walk`: file → kernel buffer → /proc → receiver.
import { fileURLToPath } from "node:url";
import { atTime } from "../sim-user.js";
import type { Example } from "../types.js";
import { NETLINK_EXAM, NLEXAM_MSG } from "./proto.js";
import { setupNetlinkExam } from "./run.js";
import { readInputFile } from "./user.js";

/** The files the modes send (shipped beside this file). */
export const NETLINK_EXAM_FILES: Readonly<Record<string, string>> = {
  sample: fileURLToPath(new URL("./sample.txt", import.meta.url)),
  big: fileURLToPath(new URL("./big.txt", import.meta.url)),
};

export const netlinkExamExample: Example = {
  name: "netlink-exam",
  description: "a sender sends a text file to the module, which keeps it, shows it in /proc and forwards it",
  modes: [
    { name: "sample", description: "send sample.txt (a few lines)" },
    { name: "big", description: "send big.txt (more than the 1024-byte kernel buffer: kept truncated)" },
  ],
  protocol: NETLINK_EXAM,
  input: { description: "the text file the sender sends (default: the mode's shipped file)" },
  netlinkInput: () => "softirq",
  typeNames: { [NLEXAM_MSG]: "NLEXAM_MSG" },
  run: (world, opts) => {
    const input = readInputFile(opts.file ?? NETLINK_EXAM_FILES[opts.mode] ?? NETLINK_EXAM_FILES.sample!);
    if ("error" in input) {
      opts.hooks.out(input.error);
      return;
    }
    const mod = setupNetlinkExam(world, input.data, opts.hooks.out);
    atTime(world, "rmmod", 100, () => mod.exit());
  },
};
