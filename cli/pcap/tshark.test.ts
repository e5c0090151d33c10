// Captures read back by Wireshark's tshark: every frame decodes (none malformed), one frame per
// datagram of the trace, generic netlink families named from the nlctrl exchange in the same
// capture, rtnetlink fields and NLMSG_ERROR decoded. Skipped (with the reason printed) where
// tshark is not installed; required under CI=true (.ci/run installs Debian's tshark).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { genl_register_family } from "../../kernel-model/net/genetlink/family.js";
import { nativeAvailability } from "../../native/index.js";
import { traceDatagrams } from "../../sim/datagrams.js";
import { tracePcap } from "../../sim/pcap.js";
import { decodeTrace, type TraceEvent } from "../../sim/trace.js";
import { World } from "../../sim/world.js";
import { genlMessage, openGeneric } from "../../transport/client.js";
import { runProcess } from "../../transport/index.js";
import { parseScenario } from "../scenario/parse.js";
import { runScenarioOnSim } from "../scenario/sim-api.js";

const tsharkVersion = spawnSync("tshark", ["--version"], { encoding: "utf8" });
const missing = tsharkVersion.error !== undefined || tsharkVersion.status !== 0;
const required = process.env.CI === "true";
if (missing && !required) {
  console.warn("cli/pcap/tshark.test.ts: skipped: tshark is not installed (apt-get install tshark)");
}

const av = nativeAvailability();
const kernelSkip = !av.ok || typeof process.geteuid !== "function" || process.geteuid() !== 0;

const tmp = mkdtempSync(join(tmpdir(), "nlsim-pcap-"));
const conformance = fileURLToPath(new URL("../../transport/conformance/", import.meta.url));
const bin = fileURLToPath(new URL("../../bin/nlsim.js", import.meta.url));

/** tshark's reading of one frame: its protocol stack and its full decode (-V) as text. */
interface Frame {
  readonly protocols: string;
  readonly text: string;
}

const tshark = (file: string): Frame[] => {
  const r = spawnSync("tshark", ["-r", file, "-V"], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`tshark -r ${file} failed (${r.status}): ${r.stderr}`);
  // -V prints each frame as a block that starts with "Frame N:" at the line's start
  return r.stdout
    .split(/^(?=Frame \d+: )/m)
    .filter((b) => b.startsWith("Frame "))
    .map((text) => ({ text, protocols: /\[Protocols in frame: ([^\]]*)\]/.exec(text)?.[1] ?? "" }));
};

/** The frames tshark could not decode: a malformed packet or an expert "malformed" note. */
const malformed = (frames: ReadonlyArray<Frame>): string[] =>
  frames.filter((f) => /malformed/i.test(f.text) || f.protocols.includes("_ws.malformed")).map((f) => f.text);

const capture = (name: string, events: ReadonlyArray<TraceEvent>): { file: string; datagrams: number } => {
  const file = join(tmp, `${name}.pcap`);
  writeFileSync(file, tracePcap(events));
  return { file, datagrams: traceDatagrams(events).length };
};

const scenarioEvents = async (name: string): Promise<ReadonlyArray<TraceEvent>> => {
  const path = join(conformance, `${name}.json`);
  const run = await runScenarioOnSim(parseScenario(readFileSync(path, "utf8"), path), 1);
  return run.world.trace.snapshot().events;
};

describe.skipIf(missing && !required)("captures read back by tshark", () => {
  it("tshark is installed (CI requires it)", () => {
    expect(missing, "tshark is missing: .ci/run installs it with apt-get").toBe(false);
  });

  it("names a generic family from the nlctrl exchange in the same capture and decodes its ACK", async () => {
    const world = new World({ seed: 1 });
    world.insmod(() =>
      genl_register_family(world.net, { name: "nlsim_demo", version: 1, small_ops: [{ cmd: 1, doit: () => 0 }] }),
    );
    const proc = runProcess(
      world,
      { name: "genl" },
      Effect.gen(function* () {
        const conn = yield* openGeneric();
        const fam = yield* conn.resolveFamily("nlsim_demo");
        yield* conn.requestAck(genlMessage(fam.id, { cmd: 1 }));
        return fam.id;
      }),
    );
    await world.run();
    const exit = proc.exit();
    if (exit === undefined || !Exit.isSuccess(exit)) throw new Error(`the program failed: ${String(exit)}`);
    const { file, datagrams } = capture("genl", world.trace.snapshot().events);
    const frames = tshark(file);
    expect(frames.length).toBe(datagrams);
    expect(malformed(frames)).toEqual([]);
    // request and reply of CTRL_CMD_GETFAMILY, then the request to the new family and its ACK
    expect(frames.map((f) => f.protocols)).toEqual([
      "netlink:genl:genl",
      "netlink:genl:genl",
      "netlink:genl:data",
      "netlink",
    ]);
    expect(frames[0]!.text).toContain("Command: CTRL_CMD_GETFAMILY (3)");
    expect(frames[1]!.text).toContain("Family Name: nlsim_demo");
    const id = `0x${exit.value.toString(16)}`;
    // Wireshark learnt the id → name mapping from frame 2 (CTRL_CMD_NEWFAMILY)
    expect(frames[2]!.text).toContain(`Family ID: ${id} (nlsim_demo)`);
    expect(frames[3]!.text).toMatch(/Message type: Error \(0x0002\)/);
    expect(frames[3]!.text).toMatch(/Error code: Success \(0\)/);
  });

  it("decodes rtnetlink: RTM_GETLINK's request and the loopback device's attributes", async () => {
    const { file, datagrams } = capture("getlink", await scenarioEvents("route-getlink-lo"));
    const frames = tshark(file);
    expect(frames.length).toBe(datagrams);
    expect(malformed(frames)).toEqual([]);
    const all = frames.map((f) => f.text).join("\n");
    expect(all).toMatch(/Message type: Get network interface info \(18\)/);
    expect(all).toMatch(/Message type: Create network interface \(16\)/);
    expect(all).toMatch(/Device name: lo/);
    expect(frames.every((f) => f.protocols.startsWith("netlink:netlink-route") || f.protocols === "netlink")).toBe(
      true,
    );
  });

  it("decodes NLMSG_ERROR with its errno and the request it quotes", async () => {
    const events = await scenarioEvents("route-ifname-too-long-extack");
    const { file, datagrams } = capture("extack", events);
    // the extended ACK's TLVs are in the frame (Wireshark 4.0 shows the errno and the quoted header, not the TLVs)
    expect(Buffer.from(readFileSync(file)).includes("Attribute failed policy validation")).toBe(true);
    const frames = tshark(file);
    expect(frames.length).toBe(datagrams);
    expect(malformed(frames)).toEqual([]);
    const errors = frames.filter((f) => /Message type: Error \(0x0002\)/.test(f.text));
    expect(errors.length).toBeGreaterThanOrEqual(2);
    expect(errors.map((f) => /Error code: ([^\n]*)/.exec(f.text)?.[1])).toEqual(
      expect.arrayContaining([expect.stringContaining("ERANGE"), expect.stringContaining("ENODEV")]),
    );
  });

  it("every conformance scenario's capture decodes, one frame per datagram", async () => {
    for (const name of ["generic-getfamily-dump-first", "route-getaddr-families", "usersock-overrun-enobufs-once"]) {
      const { file, datagrams } = capture(name, await scenarioEvents(name));
      const frames = tshark(file);
      expect(frames.length, name).toBe(datagrams);
      expect(malformed(frames), name).toEqual([]);
    }
  });

  it("nlsim scenario --pcap and nlsim pcap write the same capture", () => {
    const scenario = join(conformance, "generic-getfamily-nlctrl.json");
    const direct = join(tmp, "direct.pcap");
    const trace = join(tmp, "t.msgpack");
    const fromTrace = join(tmp, "from-trace.pcap");
    const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
    const a = run(["scenario", scenario, "--pcap", direct, "--trace", trace]);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/wrote \d+ frames to /);
    const b = run(["pcap", trace, "-o", fromTrace]);
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(fromTrace)).toEqual(readFileSync(direct));
    const frames = tshark(direct);
    expect(frames.length).toBe(traceDatagrams(decodeTrace(new Uint8Array(readFileSync(trace))).events).length);
    expect(malformed(frames)).toEqual([]);
  });

  it.skipIf(kernelSkip)("nlsim scenario --transport kernel --pcap: the same frames as the simulator's, decoded", () => {
    const scenario = join(conformance, "generic-getfamily-nlctrl.json");
    const sim = join(tmp, "sim.pcap");
    const kernel = join(tmp, "kernel.pcap");
    const run = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", timeout: 60_000 });
    expect(run(["scenario", scenario, "--pcap", sim]).status).toBe(0);
    const k = run(["scenario", scenario, "--transport", "kernel", "--pcap", kernel]);
    expect(k.status, k.stderr).toBe(0);
    const [a, b] = [tshark(sim), tshark(kernel)];
    expect(malformed(b)).toEqual([]);
    expect(b.map((f) => f.protocols)).toEqual(a.map((f) => f.protocols));
    expect(b[1]!.text).toContain("Family Name: nlctrl");
  });
});
