// Sets netlink-exam up: insmod, the receiver, the sender with `file`'s content, `cat
// /proc/netlink_exam_buffer`, rmmod. A file that cannot be read stops before anything runs: the
// runner's exit status 2.
import { Effect } from "effect";
import type { World } from "../../sim/world.js";
import { cat, runProcess } from "../../transport/index.js";
import { atTime } from "../sim-user.js";
import type { ExampleHooks, ExampleSetup } from "../types.js";
import { type NetlinkExamModule, netlink_exam_init } from "./kernel.js";
import { PROC_PATH } from "./proto.js";
import { readInputFile, receiver, sender } from "./user.js";

export interface NetlinkExamRunOptions {
  /** the text file the sender sends */
  readonly file: string;
}

/**
 * Sets the example up in `world` with `opts.file`'s text (insmod, receiver, sender, cat, rmmod at
 * 100 ms); the details are the module. An unreadable file: refused, with the sender's message.
 */
export const setupNetlinkExam = (
  world: World,
  opts: NetlinkExamRunOptions,
  hooks: ExampleHooks,
): ExampleSetup<NetlinkExamModule> => {
  const input = readInputFile(opts.file);
  if ("error" in input) return { refused: input.error };
  const text = input.data;
  const log = hooks.out;
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
  atTime(world, "rmmod", 100, () => mod.exit());
  return { details: () => mod };
};
