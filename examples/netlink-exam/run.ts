// Runs netlink-exam: insmod, the receiver, the sender with `file`'s content, then `cat
// /proc/netlink_exam_buffer`. A missing file stops before anything runs: exit status 2.
import { Effect } from "effect";
import type { World } from "../../sim/world.js";
import { cat, runProcess } from "../../transport/index.js";
import type { ExampleRunResult } from "../procfs/run.js";
import { type NetlinkExamModule, netlink_exam_init } from "./kernel.js";
import { PROC_PATH } from "./proto.js";
import { readInputFile, receiver, sender } from "./user.js";

export interface NetlinkExamRunOptions {
  /** the text file the sender sends */
  readonly file: string;
}

export const checkNetlinkExamOptions = (opts: { readonly file?: string }): string | undefined =>
  opts.file === undefined || opts.file.length === 0 ? "netlink-exam: give the file to send (--file PATH)" : undefined;

/**
 * Sets the example up in `world` with the sender's text (insmod, receiver, sender, cat); the
 * world's run() plays it.
 */
export const setupNetlinkExam = (world: World, text: Uint8Array, log: (line: string) => void): NetlinkExamModule => {
  const mod = world.insmod(() => netlink_exam_init(world.net));
  runProcess(world, { name: "netlink-exam-user-recv", pid: 2000 }, receiver(log));
  runProcess(
    world,
    { name: "netlink-exam-user-send", pid: 2001 },
    Effect.andThen(Effect.sleep("1 millis"), sender(text, log)),
  );
  runProcess(
    world,
    { name: "cat", pid: 2002 },
    Effect.gen(function* () {
      yield* Effect.sleep("5 millis");
      const r = yield* cat(PROC_PATH);
      log(`$ cat ${PROC_PATH}  (${r.data.length} bytes)`);
      log(new TextDecoder().decode(r.data));
    }),
  );
  return mod;
};

/** Reads `file`, sets up, runs the world, rmmods. A file that cannot be read: exit status 2. */
export const run = async (world: World, opts: NetlinkExamRunOptions): Promise<ExampleRunResult> => {
  const output: string[] = [];
  const input = readInputFile(opts.file);
  if ("error" in input) return { output: [input.error], dmesg: [], exitCode: 2 };
  const mod = setupNetlinkExam(world, input.data, (l) => output.push(l));
  const r = await world.run();
  world.insmod(() => mod.exit(), "rmmod");
  return { output, dmesg: world.dmesg(), exitCode: r.failed.length === 0 && r.deadlocked.length === 0 ? 0 : 1 };
};
