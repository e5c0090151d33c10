// `nlsim profile capture [-o FILE]`, `nlsim profile show [FILE]`, `nlsim profile diff A B`.
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { release } from "node:os";
import { Effect, Option } from "effect";
import { Argument, Command, Flag } from "effect/cli";
import { type KernelProfile, ProfileError, profile_load } from "../../kernel-model/net/profile.js";
import { LINUX_6_18_NETNS } from "../../kernel-model/net/profiles/linux-6.18.js";
import { nativeAvailability, nativeNetlink } from "../../native/index.js";
import { CliUsageError } from "../errors.js";
import { KernelTransportError, NETNS_ENV } from "../scenario/kernel-run.js";
import { captureProfile } from "./capture.js";
import { diffProfiles, formatProfile } from "./format.js";

/** A profile file, checked (exit 2 with the path and problem when it is not one). */
export const readProfile = (file: string): Effect.Effect<KernelProfile, CliUsageError> =>
  Effect.try({
    try: () => profile_load(JSON.parse(readFileSync(file, "utf8")) as unknown),
    catch: (e) =>
      new CliUsageError({
        message: `${file}: ${e instanceof ProfileError || e instanceof SyntaxError ? e.message : String(e)}`,
      }),
  });

const out = Flag.String("output").pipe(
  Flag.withAlias("o"),
  Flag.withDescription("write the profile to FILE (default: stdout)"),
  Flag.optional,
);
const name = Flag.String("name").pipe(Flag.withDescription("the profile's name (default host-RELEASE)"), Flag.optional);

const capture = Command.make("capture", { out, name }, ({ out, name }) =>
  Effect.gen(function* () {
    const av = nativeAvailability();
    if (!av.ok) return yield* new KernelTransportError({ message: `nlsim profile capture: ${av.reason}` });
    const root = typeof process.geteuid === "function" && process.geteuid() === 0;
    if (root && process.env[NETNS_ENV] !== "1") {
      // a fresh network namespace: what a new namespace has, and probes that touch nothing of the host's
      const r = spawnSync("unshare", ["-n", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
        env: { ...process.env, [NETNS_ENV]: "1" },
        stdio: "inherit",
        timeout: 300_000,
      });
      if (r.status === 0) return;
      if (r.error === undefined && r.status !== null) process.exit(r.status);
      process.stderr.write("nlsim: warning: `unshare -n` failed; capturing in the current network namespace\n");
    } else if (!root) {
      process.stderr.write(
        "nlsim: warning: not root: capturing in the current network namespace, without group counts and flags\n",
      );
    }
    const profile = captureProfile(
      nativeNetlink(),
      Option.getOrElse(name, () => `host-${release()}`),
    );
    const text = `${JSON.stringify(profile, null, 1)}\n`;
    if (Option.isSome(out)) writeFileSync(out.value, text);
    else process.stdout.write(text);
  }),
).pipe(Command.withDescription("Record this machine's kernel as a profile (in a fresh network namespace as root)"));

const show = Command.make(
  "show",
  {
    file: Argument.String("file").pipe(
      Argument.withDescription("a profile file (default: the built-in 6.18 profile)"),
      Argument.optional,
    ),
  },
  ({ file }) =>
    Effect.gen(function* () {
      const p = Option.isSome(file) ? yield* readProfile(file.value) : LINUX_6_18_NETNS;
      process.stdout.write(formatProfile(p));
    }),
).pipe(Command.withDescription("Summarize a profile: kernel, units, generic families, rtnetlink probes"));

/** Two profiles differ (exit 1); the differences are printed. */
class ProfilesDiffer extends Error {
  readonly _tag = "ProfilesDiffer" as const;
}

const diff = Command.make(
  "diff",
  {
    a: Argument.String("a").pipe(Argument.withDescription("a profile file, or 'default' for the built-in one")),
    b: Argument.String("b").pipe(Argument.withDescription("a profile file, or 'default'")),
  },
  ({ a, b }) =>
    Effect.gen(function* () {
      const load = (f: string) => (f === "default" ? Effect.succeed(LINUX_6_18_NETNS) : readProfile(f));
      const pa = yield* load(a);
      const pb = yield* load(b);
      const lines = diffProfiles(pa, pb);
      if (lines.length === 0) {
        process.stdout.write(`${pa.name} and ${pb.name}: the same\n`);
        return;
      }
      process.stdout.write(lines.map((l) => `${l}\n`).join(""));
      return yield* Effect.fail(new ProfilesDiffer("profiles differ"));
    }),
).pipe(Command.withDescription("What differs between two profiles (exit 1 when anything does)"));

export const profileCommand = Command.make("profile").pipe(
  Command.withDescription("Kernel profiles: what a kernel has (units, generic families, rtnetlink handlers)"),
  Command.withSubcommands([capture, show, diff]),
  Command.withExamples([
    { command: "sudo nlsim profile capture -o host.json", description: "this kernel, in a fresh namespace" },
    { command: "nlsim profile diff default host.json", description: "how it differs from the built-in 6.18 profile" },
  ]),
);
