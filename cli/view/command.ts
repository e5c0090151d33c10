// `nlsim view TRACE.msgpack -o FILE.html`: a recorded trace as one self-contained page (page.ts).
import { readFileSync, writeFileSync } from "node:fs";
import { Effect } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { decodeTrace, type Trace } from "../../sim/trace.js";
import { CliUsageError } from "../errors.js";
import { buildViewModel } from "./model.js";
import { renderPage } from "./page.js";
import { rerunForQueues } from "./queues.js";

/** The page of a trace; the trace's world is run again for its sockets' queues. */
export const viewPage = async (trace: Trace): Promise<{ html: string; queues: string }> => {
  const rerun = await rerunForQueues(trace);
  const model = buildViewModel(trace, rerun.queues, rerun.processNames);
  const queues =
    "unavailable" in rerun.queues
      ? `receive queues not shown: ${rerun.queues.unavailable}`
      : `${rerun.queues.sockets.length} receive queues`;
  return { html: renderPage(model), queues };
};

export const viewCommand = Command.make(
  "view",
  {
    trace: Argument.String("trace").pipe(
      Argument.withDescription("a trace written by `nlsim run --trace` or `nlsim scenario --trace`"),
    ),
    out: Flag.String("out").pipe(Flag.withAlias("o"), Flag.withDescription("the HTML file to write")),
  },
  ({ trace: file, out }) =>
    Effect.gen(function* () {
      const bytes = yield* Effect.try({
        try: () => new Uint8Array(readFileSync(file)),
        catch: (e) => new CliUsageError({ message: `cannot read trace '${file}': ${(e as Error).message}` }),
      });
      const trace = yield* Effect.try({
        try: () => decodeTrace(bytes),
        catch: (e) => new CliUsageError({ message: `'${file}': ${(e as Error).message}` }),
      });
      const page = yield* Effect.promise(() => viewPage(trace));
      yield* Effect.try({
        try: () => writeFileSync(out, page.html),
        catch: (e) => new CliUsageError({ message: `cannot write '${out}': ${(e as Error).message}` }),
      });
      yield* Effect.sync(() =>
        process.stderr.write(
          `wrote ${out} (${Math.round(page.html.length / 1024)} KiB; ${page.queues}); open it in a browser\n`,
        ),
      );
    }),
).pipe(
  Command.withDescription(
    "Write a recorded trace as one self-contained HTML page: a sequence diagram of its datagrams",
  ),
  Command.withExamples([
    {
      command: "nlsim run nl-demo --trace demo.msgpack && nlsim view demo.msgpack -o demo.html",
      description: "nl-demo's datagrams, printk lines and receive queue in a browser",
    },
  ]),
);
