// The C reference: bench/c/netlink_ref.c, the same two workloads as bench/programs.ts written as
// plain syscalls, built with the compiler at hand and run on real AF_NETLINK sockets, so the
// kernel transport's figures read as a ratio to what C gets on this machine in this run.
// No compiler, a failed build or no AF_NETLINK here: the workloads are not registered and the
// reason is printed as a skip line.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Suite, TimedRun } from "./harness.js";

const SOURCE = fileURLToPath(new URL("./c/netlink_ref.c", import.meta.url));
/** exit status of netlink_ref when AF_NETLINK is not usable here (it printed "skip <reason>") */
const EXIT_SKIP = 3;

/** The C compilers tried, in order: $CC, then the usual names (g++ compiling the file as C). */
const compilers = (): ReadonlyArray<readonly string[]> => {
  const env = process.env.CC;
  const list: string[][] = [["cc"], ["gcc"], ["clang"], ["g++", "-x", "c"]];
  return env !== undefined && env !== "" ? [[env], ...list] : list;
};

/** Builds netlink_ref once per source content (cached under the OS temp dir): its path, or why not. */
const build = (): { readonly path: string } | { readonly reason: string } => {
  if (process.platform !== "linux") return { reason: `not Linux (${process.platform}): no AF_NETLINK to compare with` };
  const src = readFileSync(SOURCE);
  const hash = createHash("sha256").update(src).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `nlsim-bench-c-${hash}`);
  const out = join(dir, "netlink_ref");
  if (existsSync(out)) return { path: out };
  mkdirSync(dir, { recursive: true });
  const errors: string[] = [];
  for (const [cc, ...pre] of compilers()) {
    const tmp = `${out}.${process.pid}.tmp`;
    try {
      execFileSync(cc!, [...pre, "-O2", "-std=gnu11", "-o", tmp, SOURCE], {
        stdio: ["ignore", "ignore", "pipe"],
        timeout: 60_000,
      });
      renameSync(tmp, out);
      return { path: out };
    } catch (e) {
      const err = e as { code?: string; stderr?: Buffer };
      errors.push(
        err.code === "ENOENT"
          ? `${cc}: not found`
          : `${cc}: ${
              String(err.stderr ?? e)
                .trim()
                .split("\n")[0]
            }`,
      );
    }
  }
  return { reason: `no C compiler built bench/c/netlink_ref.c (${errors.join("; ")})` };
};

/** Runs `netlink_ref workload n` and reads its report line. */
const runRef = (path: string, workload: "oneway" | "ack", n: number): TimedRun => {
  const r = spawnSync(path, [workload, String(n)], { encoding: "utf8", timeout: 120_000 });
  const line = (r.stdout ?? "").trim();
  const m = /^(\S+) (\d+) (\d+) (\d+) (-?\d+)$/.exec(line);
  if (r.status !== 0 || m === null) {
    throw new Error(
      `bench/c/netlink_ref ${workload} ${n} failed (status ${r.status}): ${line} ${(r.stderr ?? "").trim()}`,
    );
  }
  return { cpuNs: Number(m[3]), wallNs: Number(m[4]), checksum: Number(BigInt(m[5]!) & 0x7fffffffn) };
};

/** The C workloads' names beside the kernel-transport workloads they are the twins of. */
export const C_TWINS: Readonly<Record<string, string>> = {
  "api.kernel.unicast.oneway": "c.unicast.oneway",
  "api.kernel.ack.rtt": "c.ack.rtt",
  // the same one-way work as c.unicast.oneway, received in batches (C reads one per recv)
  "api.kernel.unicast.recvmmsg": "c.unicast.oneway",
};

/** Registers c.unicast.oneway and c.ack.rtt; returns why not when they cannot run here. */
export const registerC = (suite: Suite): string | undefined => {
  const b = build();
  if (!("path" in b)) return b.reason;
  // one short run: a sandbox without AF_NETLINK makes it print "skip <reason>"
  const probe = spawnSync(b.path, ["ack", "1"], { encoding: "utf8", timeout: 10_000 });
  if (probe.status === EXIT_SKIP)
    return `AF_NETLINK unavailable to C: ${(probe.stdout ?? "").trim().replace(/^skip /, "")}`;
  if (probe.status !== 0)
    return `bench/c/netlink_ref failed: ${(probe.stdout ?? "").trim()} ${(probe.stderr ?? "").trim()}`;
  suite.addTimed("c.unicast.oneway", (n) => runRef(b.path, "oneway", n));
  suite.addTimed("c.ack.rtt", (n) => runRef(b.path, "ack", n), "round trips/s");
  return undefined;
};
