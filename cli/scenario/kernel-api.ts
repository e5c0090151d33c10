// The scenario runner on real AF_NETLINK sockets: the runner program over the kernel layers of
// Netlink and Creds, in this process, on Node's loop. Run it in a fresh network namespace
// (`nlsim scenario --transport kernel` re-executes itself under `unshare -n` when root) so the
// only netlink sockets are the scenario's and the kernel's.
import { writeFileSync } from "node:fs";
import { Effect, Layer } from "effect";
import { isErrno as isNativeErrno, type NetlinkAddon } from "../../native/index.js";
import { captureLayer, capturing } from "../../transport/capture.js";
import { kernelLayer, loadKernelAddon } from "../../transport/kernel.js";
import { kernelFilesLayer } from "../../transport/kernel-files.js";
import type { Scenario } from "./model.js";
import { runScenario } from "./run.js";

/** A credential switch failed: the scenario cannot run as asked (not root, say). */
export class CredentialError extends Error {
  override readonly name = "CredentialError";
}

/** Does this process have what scenarios with uid/caps steps need (euid 0, CAP_SETUID, CAP_SETGID)? */
export const canSwitchCredentials = (addon: NetlinkAddon): boolean => {
  const ids = addon.getresids();
  const caps = addon.capGet();
  if (isNativeErrno(ids) || isNativeErrno(caps)) return false;
  const CAP_SETGID = 6n;
  const CAP_SETUID = 7n;
  const need = (1n << CAP_SETGID) | (1n << CAP_SETUID);
  return ids.euid === 0 && (caps.effective & need) === need;
};

/**
 * Runs a scenario on real sockets in this process (and its network namespace): the trace lines.
 * With `pcap`, the datagrams the scenario sent and read are also written there as a capture
 * (transport/capture.ts), however the run ends.
 */
export const runScenarioOnKernel = async (
  scenario: Scenario,
  opts: { readonly pcap?: string } = {},
): Promise<string[]> => {
  const addon = await Effect.runPromise(loadKernelAddon);
  if (scenario.needsRoot && !canSwitchCredentials(addon)) {
    throw new CredentialError(`scenario '${scenario.name}' switches uid/caps and needs root`);
  }
  const run = Effect.scoped(runScenario(scenario, process.pid)).pipe(
    Effect.catchTag("CredError", (e) => Effect.die(new CredentialError(e.message))),
  );
  const pcap = opts.pcap;
  const program =
    pcap === undefined
      ? run.pipe(Effect.provide(Layer.merge(kernelLayer, kernelFilesLayer)))
      : capturing(run, (cap) =>
          Effect.try({
            try: () => writeFileSync(pcap, cap.pcap()),
            catch: (e) => new Error(`cannot write capture '${pcap}': ${(e as Error).message}`),
          }),
        ).pipe(Effect.provide(Layer.merge(Layer.provide(captureLayer, kernelLayer), kernelFilesLayer)));
  return Effect.runPromise(program).catch((e: unknown) => {
    // a defect comes back wrapped: pass the CredentialError on as itself
    const cause = e instanceof Error && e.cause instanceof CredentialError ? e.cause : e;
    throw cause;
  });
};
