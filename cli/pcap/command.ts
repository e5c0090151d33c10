// `nlsim pcap TRACE -o FILE`, and the `--pcap FILE` of `nlsim scenario` and `nlsim run`: a
// trace's datagrams as a capture Wireshark and tcpdump read (sim/pcap.ts: nlmon's format).
import { readFileSync, writeFileSync } from "node:fs";
import { Effect } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { traceDatagrams } from "../../sim/datagrams.js";
import { datagramFrame, encodePcap, type PcapFrame } from "../../sim/pcap.js";
import { decodeTrace, type TraceEvent } from "../../sim/trace.js";
import { CliUsageError } from "../errors.js";

/** The `--pcap FILE` flag of `nlsim scenario` and `nlsim run`. */
export const pcapFlag = Flag.String("pcap").pipe(
  Flag.withDescription(
    "also write every datagram as a capture (pcap, LINKTYPE_NETLINK, as the nlmon device gives) for Wireshark or tshark",
  ),
  Flag.optional,
);

/** Writes `frames` to `path` as a capture; says how many on stderr. */
export const writeFramesFile = (
  path: string,
  frames: ReadonlyArray<PcapFrame>,
  opts: { readonly microseconds?: boolean; readonly epochNs?: number | bigint } = {},
): Effect.Effect<void, CliUsageError> =>
  Effect.try({
    try: () => {
      writeFileSync(path, encodePcap(frames, opts));
      process.stderr.write(`nlsim: wrote ${frames.length} frame${frames.length === 1 ? "" : "s"} to ${path}\n`);
    },
    catch: (e) => new CliUsageError({ message: `cannot write capture '${path}': ${(e as Error).message}` }),
  });

/** Writes the datagrams of a trace's events to `path` (virtual time: 0 is the world's start). */
export const writeTracePcap = (
  path: string,
  events: ReadonlyArray<TraceEvent>,
  opts: { readonly microseconds?: boolean } = {},
): Effect.Effect<void, CliUsageError> => writeFramesFile(path, traceDatagrams(events).map(datagramFrame), opts);

export const pcapCommand = Command.make(
  "pcap",
  {
    trace: Argument.String("trace").pipe(
      Argument.withDescription("a trace written by `nlsim scenario --trace` (msgpack)"),
    ),
    out: Flag.String("out").pipe(Flag.withAlias("o"), Flag.withDescription("the capture file to write")),
    microseconds: Flag.Boolean("microseconds").pipe(
      Flag.withDescription("microsecond timestamps (the classic pcap magic) instead of nanoseconds"),
      Flag.withDefault(false),
    ),
  },
  ({ trace, out, microseconds }) =>
    Effect.gen(function* () {
      const bytes = yield* Effect.try({
        try: () => new Uint8Array(readFileSync(trace)),
        catch: (e) => new CliUsageError({ message: `cannot read trace '${trace}': ${(e as Error).message}` }),
      });
      const recorded = yield* Effect.try({
        try: () => decodeTrace(bytes),
        catch: (e) => new CliUsageError({ message: `'${trace}': ${(e as Error).message}` }),
      });
      yield* writeTracePcap(out, recorded.events, { microseconds });
    }),
).pipe(
  Command.withDescription("Write a recorded trace's datagrams as a pcap capture (open it in Wireshark)"),
  Command.withExamples([
    {
      command: "nlsim pcap t.msgpack -o t.pcap",
      description: "the trace of `nlsim scenario S.json --trace t.msgpack`, one frame per datagram",
    },
  ]),
);
