// procfs as an example for `nlsim run` / `nlsim walk`: correct handlers, or the article's.
import { NETLINK_USERSOCK } from "../../kernel-model/uapi/index.js";
import type { Example } from "../types.js";
import type { ProcfsModule } from "./kernel.js";
import { type ProcfsRunOptions, setupProcfs } from "./run.js";
import { procfsDemo } from "./user.js";

export const procfsExample: Example<ProcfsRunOptions, ProcfsModule> = {
  name: "procfs",
  description: "a /proc file over a 128-byte kernel buffer: cat, echo, short reads, over-long and bad writes",
  modes: [
    { name: "correct", description: "simple_read_from_buffer and an all-or-nothing write (ENOSPC, EFAULT)" },
    { name: "buggy", description: "the article's read_proc/write_proc: cat never ends, EPERM, overflow reports" },
  ],
  protocol: NETLINK_USERSOCK, // no netlink socket: nothing to watch
  netlinkInput: () => null, // no kernel netlink socket
  options: (mode) => ({ mode: mode === "buggy" ? "buggy" : "correct" }),
  setup: setupProcfs,
  // the same steps on the real /proc; the mode is the module's: insmod procfs_example.ko [buggy=1]
  userProgram: () => procfsDemo((line) => console.log(line)),
  notes: [
    { match: /Buffer overflow detected/, note: "count = strlen(kernel_buf) - 1 wrapped to ULONG_MAX: see README.md" },
    { match: /KASAN/, note: "kernel_buf[count] = 0 with count = ULONG_MAX writes one byte before kernel_buf" },
  ],
};
