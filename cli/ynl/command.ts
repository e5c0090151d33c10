// `nlsim ynl gen SPEC [-o FILE.ts]`: TypeScript types for a YNL spec (a file, or the name of a
// kernel spec nlsim ships); `nlsim ynl show SPEC`: its operations, ids and groups.
import { writeFileSync } from "node:fs";
import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { requestId } from "../../ynl/client.js";
import { generateTypes } from "../../ynl/gen.js";
import { BUNDLED_SPECS, type BundledSpec, loadSpec, loadSpecFile } from "../../ynl/load.js";
import { camel, type YnlSpec, YnlSpecError } from "../../ynl/spec.js";
import { CliUsageError } from "../errors.js";

/** A spec by file path or shipped name; a bad spec exits 2 with its file and key. */
export const readSpec = (arg: string): Effect.Effect<YnlSpec, CliUsageError> =>
  Effect.try({
    try: () =>
      (BUNDLED_SPECS as ReadonlyArray<string>).includes(arg) ? loadSpec(arg as BundledSpec) : loadSpecFile(arg),
    catch: (e) => new CliUsageError({ message: e instanceof YnlSpecError ? e.message : String(e) }),
  });

const specArg = Argument.String("spec").pipe(
  Argument.withDescription(`a YNL spec file, or a shipped kernel spec: ${BUNDLED_SPECS.join(", ")}`),
);

const gen = Command.make(
  "gen",
  {
    spec: specArg,
    out: Flag.String("output").pipe(
      Flag.withAlias("o"),
      Flag.withDescription("write the types to FILE.ts (default: stdout)"),
      Flag.optional,
    ),
  },
  ({ spec, out }) =>
    Effect.gen(function* () {
      const s = yield* readSpec(spec);
      const text = generateTypes(s);
      if (Option.isSome(out)) writeFileSync(out.value, text);
      else process.stdout.write(text);
    }),
).pipe(Command.withDescription("Write TypeScript types for a spec's operations (for openYnl<Ops>(spec))"));

/** One line per operation: name, the ids it sends and receives, do/dump; then the groups. */
export const formatSpec = (s: YnlSpec): string => {
  const lines = [
    `${s.name} (${s.protocol}${s.protonum !== undefined ? `, protocol ${s.protonum}` : ""}): ${s.operations.length} operations`,
  ];
  for (const op of s.operations) {
    const modes = [
      op.do !== undefined ? "do" : "",
      op.dump !== undefined ? "dump" : "",
      op.notify !== undefined ? `notify (${op.notify})` : "",
      op.event !== undefined ? "event" : "",
    ].filter((x) => x !== "");
    const flags = op.flags.length > 0 ? ` [${op.flags.join(", ")}]` : "";
    lines.push(`  ${camel(op.name).padEnd(16)} ${String(requestId(op)).padStart(4)}  ${modes.join(", ")}${flags}`);
  }
  for (const g of s.mcastGroups) lines.push(`  group ${g.name}${g.value !== undefined ? ` = ${g.value}` : ""}`);
  return `${lines.join("\n")}\n`;
};

const show = Command.make("show", { spec: specArg }, ({ spec }) =>
  Effect.gen(function* () {
    process.stdout.write(formatSpec(yield* readSpec(spec)));
  }),
).pipe(Command.withDescription("List a spec's operations (their message ids) and multicast groups"));

export const ynlCommand = Command.make("ynl").pipe(
  Command.withDescription("YNL specs: the kernel's netlink family descriptions, typed for TypeScript"),
  Command.withSubcommands([gen, show]),
  Command.withExamples([
    { command: "nlsim ynl gen rt-link -o rt-link.ts", description: "types for the shipped rt-link spec" },
    { command: "nlsim ynl show my-family.yaml", description: "a spec's operations and groups" },
  ]),
);
