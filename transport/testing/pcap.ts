// A test's world as a capture file for Wireshark: every datagram of its trace (each delivery, as
// the nlmon device would have seen it) as one pcap frame, timestamped by the virtual clock.
import { writeFileSync } from "node:fs";
import { traceDatagrams } from "../../sim/datagrams.js";
import { datagramFrame, encodePcap, type PcapOptions } from "../../sim/pcap.js";
import type { Trace, TraceEvent } from "../../sim/trace.js";
import { World } from "../../sim/world.js";

/** What a capture is made from: a world (its trace so far), a trace, or a trace's events. */
export type CaptureSource = World | Trace | ReadonlyArray<TraceEvent>;

const eventsOf = (source: CaptureSource): ReadonlyArray<TraceEvent> =>
  source instanceof World ? source.trace.snapshot().events : "events" in source ? source.events : source;

/** The capture file (pcap, LINKTYPE_NETLINK) of a world's datagrams so far. */
export const worldPcap = (source: CaptureSource, opts: PcapOptions = {}): Uint8Array =>
  encodePcap(traceDatagrams(eventsOf(source)).map(datagramFrame), opts);

/** Writes the capture of a world's datagrams to `path`; returns how many frames it holds. */
export const writePcap = (path: string, source: CaptureSource, opts: PcapOptions = {}): number => {
  const frames = traceDatagrams(eventsOf(source)).map(datagramFrame);
  writeFileSync(path, encodePcap(frames, opts));
  return frames.length;
};
