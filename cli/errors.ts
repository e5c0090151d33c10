// Errors the CLI reports to the user: a message and exit status 2 (bad input or bad usage).
import { Data, Runtime } from "effect";
import { CliError } from "effect/cli";

export class CliUsageError extends Data.TaggedError("CliUsageError")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = 2;
  override get [CliError.userMessage](): string {
    return this.message;
  }
}
