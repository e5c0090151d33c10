// netlink-exam as an example for `nlsim run` / `nlsim walk`: file → kernel buffer → /proc → receiver.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect, Fiber } from "effect";
import { cat } from "../../transport/index.js";
import type { Example } from "../types.js";
import type { NetlinkExamModule } from "./kernel.js";
import { NETLINK_EXAM, NLEXAM_MSG, PROC_PATH } from "./proto.js";
import { type NetlinkExamRunOptions, setupNetlinkExam } from "./run.js";
import { readInputFile, receiver, sender } from "./user.js";

/**
 * The package's examples/netlink-exam/ folder: this file's own from the sources; from the CLI
 * bundle (dist/bin/) the first folder above it that has one.
 */
const examDir = (): string => {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, "sample.txt"))) return here;
  for (let d = here; dirname(d) !== d; d = dirname(d)) {
    const candidate = join(d, "examples", "netlink-exam");
    if (existsSync(join(candidate, "sample.txt"))) return candidate;
  }
  return here;
};

/** The files the modes send (shipped in the package's examples/netlink-exam/). */
export const NETLINK_EXAM_FILES: Readonly<Record<string, string>> = {
  sample: join(examDir(), "sample.txt"),
  big: join(examDir(), "big.txt"),
};

/** The file a run sends: `--file`, else the mode's shipped one. */
const netlinkExamFile = (mode: string, file: string | undefined): string =>
  file ?? NETLINK_EXAM_FILES[mode] ?? NETLINK_EXAM_FILES.sample!;

export const netlinkExamExample: Example<NetlinkExamRunOptions, NetlinkExamModule> = {
  name: "netlink-exam",
  description: "a sender sends a text file to the module, which keeps it, shows it in /proc and forwards it",
  modes: [
    { name: "sample", description: "send sample.txt (a few lines)" },
    { name: "big", description: "send big.txt (more than the 1024-byte kernel buffer: kept truncated)" },
  ],
  protocol: NETLINK_EXAM,
  input: { description: "the text file the sender sends (default: the mode's shipped file)" },
  netlinkInput: () => "data_ready", // the 2.6.14 kernel the article was written for
  typeNames: { [NLEXAM_MSG]: "NLEXAM_MSG" },
  options: (mode, _params, file) => ({ file: netlinkExamFile(mode, file) }),
  setup: setupNetlinkExam,
  // run.ts's three programs in one process: the receiver joins, the sender sends, then cat
  userProgram: (mode, _params, file) =>
    Effect.gen(function* () {
      const log = (line: string) => console.log(line);
      const input = readInputFile(netlinkExamFile(mode, file));
      if ("error" in input) return log(input.error); // as on the simulator (resolve() checked it readable)
      const recv = yield* Effect.forkChild(receiver(log), { startImmediately: true });
      yield* Effect.sleep("50 millis");
      yield* sender(input.data, log);
      yield* Fiber.join(recv);
      const r = yield* cat(PROC_PATH).pipe(
        Effect.mapError((e) => new Error(`cat: ${e.message}`)),
        Effect.orDie,
      );
      log(`$ cat ${PROC_PATH}  (${r.data.length} bytes)`);
      log(new TextDecoder().decode(r.data));
    }),
};
