import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { nativeAvailability } from "../../native/index.js";
import { decodeTrace } from "../../sim/trace.js";

const bin = fileURLToPath(new URL("../../bin/nlsim.js", import.meta.url));
const nlsim = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000, input: "" });
const tmp = mkdtempSync(join(tmpdir(), "nlsim-scenario-"));
const av = nativeAvailability();
const kernelSkip = !av.ok
  ? av.reason
  : typeof process.geteuid !== "function" || process.geteuid() !== 0
    ? "needs root (a fresh network namespace)"
    : undefined;

const SCENARIO = {
  name: "two-sockets",
  protocol: 2,
  steps: [
    { do: "socket", as: "a" },
    { do: "bind", sock: "a", pid: 0, groups: 0 },
    { do: "socket", as: "b" },
    { do: "sendto", sock: "b", to: { pid: "@a", groups: 0 }, msg: { type: 16, seq: 9, pid: "@b", payload: "0102" } },
    { do: "recv", sock: "a", size: 64 },
    { do: "recv", sock: "a", size: 64, flags: ["MSG_DONTWAIT"] },
    { do: "close", sock: "a" },
    { do: "recv", sock: "a", size: 64 },
  ],
};

describe("nlsim scenario --transport sim", () => {
  const file = join(tmp, "two.json");
  writeFileSync(file, JSON.stringify(SCENARIO));

  it("prints one JSON line per call with normalised port ids", () => {
    const r = nlsim(["scenario", file, "--transport", "sim", "--seed", "3"]);
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.do)).toEqual(["socket", "bind", "socket", "sendto", "recv", "recv", "close", "recv"]);
    expect(lines[3]).toEqual({ i: 3, do: "sendto", sock: "b", ret: 18 });
    expect(lines[4]).toEqual({
      i: 4,
      do: "recv",
      sock: "a",
      ret: 18,
      flags: [],
      from: { pid: "@b", groups: 0 },
      // "@b" was resolved before the sendto autobound b, so the header carries port id 0
      msgs: [{ len: 18, type: 16, flags: 0, seq: 9, pid: 0, payload: "0102" }],
    });
    expect(lines[5]).toEqual({ i: 5, do: "recv", sock: "a", errno: "EAGAIN" });
    expect(lines[7]).toEqual({ i: 7, do: "recv", sock: "a", errno: "EBADF" });
  });

  it("checks determinism and writes a trace that `nlsim replay` reproduces", () => {
    const traceFile = join(tmp, "two.msgpack");
    const r = nlsim(["scenario", file, "--determinism", "--trace", traceFile]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/deterministic: \d+ events, trace sha256 [0-9a-f]{64}/);
    const t = decodeTrace(new Uint8Array(readFileSync(traceFile)));
    expect(t.header.seed).toBe(1);
    expect(t.events.some((e) => e.kind === "syscall" && e.call === "recvmsg")).toBe(true);
    const rep = nlsim(["replay", traceFile]);
    expect(rep.status).toBe(0);
    expect(rep.stdout).toMatch(/identical/);
  });

  it("exits 2 naming the step for a bad scenario, and for a missing file", () => {
    const bad = join(tmp, "bad.json");
    writeFileSync(
      bad,
      JSON.stringify({
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "recv", sock: "zz" },
        ],
      }),
    );
    const r = nlsim(["scenario", bad]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("step 1 (recv): socket 'zz' is not created by an earlier step");
    expect(r.stdout).toBe("");
    const missing = nlsim(["scenario", join(tmp, "nope.json")]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("cannot read scenario");
  });

  it("refuses --trace/--determinism with --transport kernel (they record the simulator)", () => {
    const r = nlsim(["scenario", file, "--transport", "kernel", "--determinism"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("use them with --transport sim");
  });

  it.skipIf(kernelSkip !== undefined)(
    `--transport kernel prints the simulator's trace for the same scenario${kernelSkip === undefined ? "" : ` (skipped: ${kernelSkip})`}`,
    () => {
      const sim = nlsim(["scenario", file, "--transport", "sim"]);
      const kernel = nlsim(["scenario", file, "--transport", "kernel"]);
      expect(kernel.stderr).toBe("");
      expect(kernel.status).toBe(0);
      expect(kernel.stdout).toBe(sim.stdout);
    },
    120_000,
  );

  it.skipIf(kernelSkip !== undefined)(
    `--transport kernel exits 3 for a uid scenario when not root${kernelSkip === undefined ? "" : ` (skipped: ${kernelSkip})`}`,
    () => {
      const uidFile = join(tmp, "uid.json");
      writeFileSync(uidFile, JSON.stringify({ ...SCENARIO, uid: 1000 }));
      chmodSync(tmp, 0o755);
      chmodSync(uidFile, 0o644);
      const r = spawnSync(
        "setpriv",
        [
          "--reuid=65534",
          "--regid=65534",
          "--clear-groups",
          process.execPath,
          bin,
          "scenario",
          uidFile,
          "--transport",
          "kernel",
        ],
        { encoding: "utf8", timeout: 60_000, input: "" },
      );
      expect(r.stderr).toContain("needs root");
      expect(r.status).toBe(3);
    },
    60_000,
  );

  it("rejects a trace file that is not a trace", () => {
    const junk = join(tmp, "junk.msgpack");
    writeFileSync(junk, "hello");
    const r = nlsim(["replay", junk]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/not (a msgpack trace|an nlsim trace)/);
  });
});
