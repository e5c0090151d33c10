// The nlsim command line.
import { readFileSync } from "node:fs";
import * as NodeRuntime from "@effect/platform-node/NodeRuntime";
import * as NodeServices from "@effect/platform-node/NodeServices";
import { Cause, Effect, Exit, Option, Runtime } from "effect";
import { Argument, CliError, Command, Flag } from "effect/cli";
import { isNetlinkDecodeError } from "../kernel-model/uapi/index.js";
import { parseHex, parseProto, renderDecoded } from "./decode.js";
import { CliUsageError } from "./errors.js";
import { runCommand, walkCommand } from "./example/command.js";
import { fuzzCommand } from "./fuzz/command.js";
import { pcapCommand } from "./pcap/command.js";
import { profileCommand } from "./profile/command.js";
import { replayCommand, scenarioCommand } from "./scenario/command.js";
import { conformCommand } from "./scenario/conform.js";
import { sweepCommand } from "./sweep/command.js";
import { viewCommand } from "./view/command.js";
import { ynlCommand } from "./ynl/command.js";

const readStdin = (): string => readFileSync(0, "utf8");

const decode = Command.make(
  "decode",
  {
    hex: Argument.String("hex").pipe(
      Argument.withDescription("the bytes as hex (spaces allowed); read from stdin when absent"),
      Argument.variadic(),
    ),
    file: Flag.String("file").pipe(
      Flag.withAlias("f"),
      Flag.withDescription("read the bytes from a binary file instead"),
      Flag.optional,
    ),
    json: Flag.Boolean("json").pipe(
      Flag.withDescription("print a JSON array of messages (the scenario trace shape)"),
      Flag.withDefault(false),
    ),
    proto: Flag.String("proto").pipe(
      Flag.withDescription(
        "the protocol the bytes came from: route, usersock, generic, or a number (names nlctrl attributes for generic)",
      ),
      Flag.optional,
    ),
  },
  ({ hex, file, json, proto }) =>
    Effect.gen(function* () {
      const protocol = Option.isSome(proto) ? parseProto(proto.value) : undefined;
      if (Option.isSome(proto) && protocol === undefined) {
        return yield* new CliUsageError({
          message: `unknown protocol '${proto.value}' (route, usersock, generic, or 0..31)`,
        });
      }
      if (Option.isSome(file) && hex.length > 0) {
        return yield* new CliUsageError({ message: "give either hex arguments or --file, not both" });
      }
      const bytes = yield* Effect.try({
        try: () => {
          if (Option.isSome(file)) return new Uint8Array(readFileSync(file.value));
          return parseHex(hex.length > 0 ? hex.join("") : readStdin());
        },
        catch: (e) =>
          new CliUsageError({
            message: isNetlinkDecodeError(e)
              ? `bad hex input: ${e.message}`
              : `cannot read input: ${(e as Error).message}`,
          }),
      });
      const out = yield* Effect.try({
        try: () => renderDecoded(bytes, { json, protocol }),
        catch: (e) =>
          new CliUsageError({
            message: isNetlinkDecodeError(e) ? `malformed netlink bytes: ${e.message} [${e.problem}]` : String(e),
          }),
      });
      yield* Effect.sync(() => process.stdout.write(out));
    }),
).pipe(
  Command.withDescription("Decode netlink messages from hex or a binary file"),
  Command.withExamples([
    {
      command: "nlsim decode --json 28000000020000000100000000000000a1ffffff14000000ff7f0500010000000000000011223344",
      description: "an NLMSG_ERROR (EOPNOTSUPP) from NETLINK_ROUTE as JSON",
    },
    {
      command: "nlsim decode --proto generic --file reply.bin",
      description: "an nlctrl reply with its attributes named",
    },
  ]),
);

const nlsim = Command.make("nlsim").pipe(
  Command.withDescription("A deterministic simulator of the Linux kernel's netlink subsystem"),
  Command.withSubcommands([
    decode,
    scenarioCommand,
    replayCommand,
    conformCommand,
    runCommand,
    walkCommand,
    sweepCommand,
    fuzzCommand,
    pcapCommand,
    viewCommand,
    profileCommand,
    ynlCommand,
  ]),
);

/** Usage and input errors exit with 2, other failures with 1. */
const teardown: Runtime.Teardown = (exit, onExit) => {
  if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
    const e = Cause.squash(exit.cause);
    if (e instanceof CliUsageError || (CliError.isCliError(e) && e._tag === "ShowHelp" && e.errors.length > 0)) {
      return onExit(2);
    }
  }
  Runtime.defaultTeardown(exit, onExit);
};

nlsim.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), (program) =>
  NodeRuntime.runMain(program, { teardown, disableErrorReporting: true }),
);
