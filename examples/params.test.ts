import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findExample } from "./index.js";
import { runExampleOnSim } from "./runner.js";
import { parseExampleParams } from "./types.js";

describe("--set parameters", () => {
  const st = findExample("select-throughput")!;

  it("reads name=integer within range", () => {
    expect(parseExampleParams(st, ["n=3", "size=100"])).toEqual({ params: { n: 3, size: 100 } });
  });

  it("refuses unknown names, non-integers and values out of range with a message", () => {
    expect(parseExampleParams(st, ["bogus=1"])).toEqual({
      error: "select-throughput has no parameter 'bogus' (parameters: n, size, sleepMs, rcvbuf, durationMs, workUs)",
    });
    expect(parseExampleParams(st, ["n=x"])).toEqual({ error: "--set n=x: expected name=integer" });
    expect(parseExampleParams(st, ["n=0"])).toMatchObject({ error: expect.stringContaining("must be in 1..1000") });
    expect(parseExampleParams(findExample("procfs")!, ["n=1"])).toMatchObject({
      error: expect.stringContaining("takes none"),
    });
  });

  it("changes the select-throughput run: N sockets and the message size show in the statistics", async () => {
    const r = await runExampleOnSim(st, { seed: 1, mode: "n1", params: { durationMs: 500, size: 100 } });
    const out = r.output.join("\n");
    expect(r.failed).toEqual([]);
    // one socket, one thread, 50 ms sleeps while usr reads 500 ms: 11 messages (0 … 500 ms) of
    // 100 bytes + the 16-byte header; two more refused before rmmod
    expect(r.world.dmesg().join("\n")).toContain("sent 13, delivered 11, 1276 bytes");
    expect(out).toContain("usr: 1 sockets registered");
    expect(out).toContain("usr: read 11 messages (1276 bytes)");
  });
});

describe("--file", () => {
  it("sends the given file through netlink-exam to the receiver", async () => {
    const f = join(tmpdir(), `nlsim-exam-${process.pid}.txt`);
    writeFileSync(f, "hello from a file\n");
    const r = await runExampleOnSim(findExample("netlink-exam")!, { seed: 1, file: f });
    expect(r.output.join("\n")).toContain("hello from a file");
  });
});
