import { describe, expect, it } from "vitest";
import { encodeMessage } from "../kernel-model/uapi/index.js";
import { ARPHRD_NETLINK, encodePcap, LINKTYPE_NETLINK, PACKET_KERNEL, PACKET_USER, tracePcap } from "./pcap.js";
import type { TraceEvent } from "./trace.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

describe("encodePcap", () => {
  it("writes the global header, then per frame a record header, the 16-byte cooked header and the bytes", () => {
    const msg = encodeMessage({ type: 0x10, flags: 1, seq: 7, pid: 501 });
    const out = encodePcap([{ t: 1_500_000_123, protocol: 16, pktType: PACKET_KERNEL, bytes: msg }]);
    expect(out.length).toBe(24 + 16 + 16 + msg.length);
    const dv = new DataView(out.buffer);
    // nanosecond magic, version 2.4, no zone, snaplen, link type 253
    expect(hex(out.subarray(0, 4))).toBe("4d3cb2a1");
    expect([dv.getUint16(4, true), dv.getUint16(6, true), dv.getInt32(8, true), dv.getUint32(12, true)]).toEqual([
      2, 4, 0, 0,
    ]);
    expect(dv.getUint32(16, true)).toBe(262144);
    expect(dv.getUint32(20, true)).toBe(LINKTYPE_NETLINK);
    // record: 1 s and 500000123 ns, captured and original length
    expect([dv.getUint32(24, true), dv.getUint32(28, true), dv.getUint32(32, true), dv.getUint32(36, true)]).toEqual([
      1, 500_000_123, 32, 32,
    ]);
    // cooked header, big-endian: pkt_type 7 (to a kernel socket), ARPHRD_NETLINK, no address, protocol 16
    expect(hex(out.subarray(40, 56))).toBe(
      `0007${ARPHRD_NETLINK.toString(16).padStart(4, "0")}0000${"00".repeat(8)}0010`,
    );
    // the netlink message as sent, in host (little-endian) byte order
    expect(out.subarray(56)).toEqual(msg);
  });

  it("with microseconds, uses the classic magic and cuts the time to µs", () => {
    const out = encodePcap([{ t: 2_000_001_999, protocol: 0, pktType: PACKET_USER, bytes: new Uint8Array(0) }], {
      microseconds: true,
    });
    const dv = new DataView(out.buffer);
    expect(dv.getUint32(0, true)).toBe(0xa1b2c3d4);
    expect([dv.getUint32(24, true), dv.getUint32(28, true)]).toEqual([2, 1]);
    expect(dv.getUint16(40, false)).toBe(PACKET_USER);
  });

  it("refuses a time that is not a whole number of nanoseconds", () => {
    expect(() => encodePcap([{ t: -1, protocol: 0, pktType: PACKET_USER, bytes: new Uint8Array(0) }])).toThrow(
      /frame time -1/,
    );
  });

  it("one frame per datagram of a trace: a send and the receive that reads it are one frame", () => {
    const bytes = encodeMessage({ type: 0x10, seq: 1 });
    const base = { kind: "syscall", pid: 9, fd: 3, ctx: "process", groups: 0, protocol: 2 } as const;
    const events: TraceEvent[] = [
      { ...base, t: 1000, call: "sendto", ret: 16, from: 9, to: 10, bytes },
      { ...base, t: 2000, pid: 10, call: "recvmsg", ret: 16, from: 9, to: 10, bytes },
    ];
    const out = tracePcap(events);
    expect(out.length).toBe(24 + 16 + 16 + 16);
    expect(new DataView(out.buffer).getUint32(28, true)).toBe(1000);
  });
});
