import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { traceDatagrams } from "../../sim/datagrams.js";
import { COOKED_HEADER_SIZE, LINKTYPE_NETLINK } from "../../sim/pcap.js";
import { NetlinkConn } from "../client.js";
import { runProcess } from "../sim.js";
import { fakeModule, nltest, runWorld, withWorld, worldPcap, writePcap } from "./index.js";

const tmp = mkdtempSync(join(tmpdir(), "nlsim-testing-pcap-"));

/** The frames of a capture file: [protocol (cooked header bytes 14..15), netlink bytes]. */
const framesOf = (file: Uint8Array): Array<[number, Uint8Array]> => {
  const dv = new DataView(file.buffer, file.byteOffset, file.length);
  expect(dv.getUint32(20, true)).toBe(LINKTYPE_NETLINK);
  const out: Array<[number, Uint8Array]> = [];
  for (let off = 24; off < file.length; ) {
    const len = dv.getUint32(off + 8, true);
    const frame = file.subarray(off + 16, off + 16 + len);
    out.push([(frame[14]! << 8) | frame[15]!, frame.subarray(COOKED_HEADER_SIZE)]);
    off += 16 + len;
  }
  return out;
};

const echo = { protocol: 25, handle: (_: unknown, reply: { ack: () => void }) => reply.ack() };

describe("a test's world as a capture", () => {
  it("worldPcap and writePcap hold one frame per datagram of the world's trace", () =>
    withWorld(async (world) => {
      fakeModule(world, echo);
      runProcess(
        world,
        { name: "app" },
        Effect.scoped(Effect.flatMap(NetlinkConn.open(25), (c) => c.requestAck({ type: 0x10 }))),
      );
      await runWorld(world);
      const datagrams = traceDatagrams(world.trace.snapshot().events);
      expect(datagrams.length).toBe(2); // the request and the ACK
      const bytes = worldPcap(world);
      expect(framesOf(bytes)).toEqual(datagrams.map((d) => [25, d.bytes]));
      const file = join(tmp, "world.pcap");
      expect(writePcap(file, world)).toBe(2);
      expect(new Uint8Array(readFileSync(file))).toEqual(bytes);
    }));

  it("the pcap option writes the capture when the test passes, and names it when the test fails", async () => {
    const passed = join(tmp, "passed.pcap");
    await nltest(echo, Effect.scoped(Effect.flatMap(NetlinkConn.open(25), (c) => c.requestAck({ type: 0x10 }))), {
      world: { pcap: passed },
    });
    expect(framesOf(new Uint8Array(readFileSync(passed))).length).toBe(2);

    const failed = join(tmp, "failed.pcap");
    const run = withWorld(
      3,
      async (world) => {
        fakeModule(world, echo);
        runProcess(
          world,
          { name: "app" },
          Effect.scoped(Effect.flatMap(NetlinkConn.open(25), (c) => c.requestAck({ type: 0x10 }))),
        );
        await runWorld(world);
        throw new Error("the assertion that failed");
      },
      { pcap: failed },
    );
    await expect(run).rejects.toThrow(`capture: ${failed} (2 frames; open it in Wireshark)`);
    expect(framesOf(new Uint8Array(readFileSync(failed))).length).toBe(2);
  });
});
