// Where a kernel-transport scenario runs: in a fresh network namespace when root (a lean child,
// kernel-child.ts, under `unshare -n`, one per scenario), else in this process's namespace with a
// warning (and not at all when it needs root to switch credentials: exit 3).
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Data, Runtime } from "effect";
import { CliError } from "effect/cli";
import { nativeAvailability, nativeNetlink } from "../../native/index.js";
import { canSwitchCredentials, runScenarioOnKernel } from "./kernel-api.js";
import type { Scenario } from "./model.js";

/** Set in the environment of the re-executed CLI: it already runs in its own network namespace. */
export const NETNS_ENV = "NLSIM_KERNEL_NETNS";

/** The scenario switches uid/caps and this process cannot (exit 3, scenario-format.md). */
export class NeedsRootError extends Data.TaggedError("NeedsRootError")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = 3;
  override get [CliError.userMessage](): string {
    return this.message;
  }
}

/** The kernel transport cannot run here (no addon, no AF_NETLINK, ...). */
export class KernelTransportError extends Data.TaggedError("KernelTransportError")<{ readonly message: string }> {
  override readonly [Runtime.errorExitCode] = 1;
  override get [CliError.userMessage](): string {
    return this.message;
  }
}

/** node's arguments that run kernel-child (through tsx from a checkout, plain node from a build). */
const childArgs = (file: string, pcap?: string): string[] => {
  const fromTs = import.meta.url.endsWith(".ts");
  const child = fileURLToPath(new URL(`./kernel-child.${fromTs ? "ts" : "js"}`, import.meta.url));
  const args = [child, file, ...(pcap === undefined ? [] : ["--pcap", pcap])];
  if (!fromTs) return args;
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  return ["--import", tsx, ...args];
};

const isRoot = (): boolean => typeof process.geteuid === "function" && process.geteuid() === 0;

let unshareOk: boolean | undefined;
/** Can this process make a network namespace with util-linux's unshare? (probed once) */
const canUnshare = (): boolean => {
  if (unshareOk === undefined) {
    const r = spawnSync("unshare", ["-n", "true"], { timeout: 10_000, stdio: "ignore" });
    unshareOk = r.status === 0;
  }
  return unshareOk;
};

/** How kernel scenarios will run here, or why they cannot. */
export type KernelMode =
  | { readonly kind: "netns" }
  | { readonly kind: "inside" }
  | { readonly kind: "current"; readonly warning: string }
  | { readonly kind: "unavailable"; readonly reason: string };

export const kernelMode = (): KernelMode => {
  const av = nativeAvailability();
  if (!av.ok) return { kind: "unavailable", reason: av.reason };
  if (process.env[NETNS_ENV] === "1") return { kind: "inside" };
  if (isRoot() && canUnshare()) return { kind: "netns" };
  return {
    kind: "current",
    warning: isRoot()
      ? "nlsim: warning: `unshare -n` failed here; the kernel transport runs in the current network namespace (other netlink sockets and devices may show in the trace)"
      : "nlsim: warning: not root, so no fresh network namespace; the kernel transport runs in the current one (other netlink sockets and devices may show in the trace)",
  };
};

/** The outcome of one kernel run. */
export type KernelOutcome =
  | { readonly kind: "trace"; readonly lines: ReadonlyArray<string> }
  | { readonly kind: "needs-root"; readonly message: string }
  | { readonly kind: "failed"; readonly message: string };

const needsRootMessage = (s: Scenario): string =>
  `scenario '${s.name}' switches uid/caps: the kernel transport needs root for it`;

/** Runs the scenario in this process (this namespace). */
const inProcess = async (scenario: Scenario, pcap?: string): Promise<KernelOutcome> => {
  if (scenario.needsRoot && !canSwitchCredentials(nativeNetlink())) {
    return { kind: "needs-root", message: needsRootMessage(scenario) };
  }
  try {
    return { kind: "trace", lines: await runScenarioOnKernel(scenario, pcap === undefined ? {} : { pcap }) };
  } catch (e) {
    return { kind: "failed", message: e instanceof Error ? e.message : String(e) };
  }
};

/** Runs `nlsim scenario FILE --transport kernel` under `unshare -n` and collects its trace. */
const inNamespace = (file: string, timeoutMs: number, pcap?: string): Promise<KernelOutcome> =>
  new Promise((resolve) => {
    const child = spawn("unshare", ["-n", process.execPath, ...childArgs(file, pcap)], {
      env: { ...process.env, [NETNS_ENV]: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
      killSignal: "SIGKILL",
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", (e) => resolve({ kind: "failed", message: `cannot run unshare: ${e.message}` }));
    child.on("close", (code, signal) => {
      if (code === 0) resolve({ kind: "trace", lines: out.split("\n").filter((l) => l.length > 0) });
      else if (code === 3) resolve({ kind: "needs-root", message: err.trim() });
      else
        resolve({
          kind: "failed",
          message: `the kernel run of '${file}' exited with ${signal ?? code}${signal === "SIGKILL" ? ` (timeout ${timeoutMs} ms)` : ""}: ${err.trim()}`,
        });
    });
  });

/**
 * The kernel trace of a scenario file, run as `mode` says (the warning of "current" is the
 * caller's to print); with `pcap`, the run's capture is written there too.
 */
export const kernelTrace = (
  mode: KernelMode,
  file: string,
  scenario: Scenario,
  timeoutMs = 120_000,
  pcap?: string,
): Promise<KernelOutcome> => {
  switch (mode.kind) {
    case "unavailable":
      return Promise.resolve({ kind: "failed", message: `the kernel transport is unavailable: ${mode.reason}` });
    case "netns":
      return inNamespace(file, timeoutMs, pcap);
    case "inside":
    case "current":
      return inProcess(scenario, pcap);
  }
};

/** A re-executed child's exit status, passed on (the child printed its own messages). */
export class ChildExit extends Data.TaggedError("ChildExit")<{ readonly status: number }> {
  override get [Runtime.errorExitCode](): number {
    return this.status;
  }
}

/** Runs the scenario file under `unshare -n` (stdio shared); returns the child's exit status. */
export const runInNamespace = (file: string, pcap?: string): number => {
  const r = spawnSync("unshare", ["-n", process.execPath, ...childArgs(file, pcap)], {
    env: { ...process.env, [NETNS_ENV]: "1" },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.error !== undefined) {
    process.stderr.write(`nlsim: cannot run unshare: ${r.error.message}\n`);
    return 1;
  }
  return r.status ?? 1;
};
