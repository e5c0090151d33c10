// A trace's datagrams as a capture file, in the format a netlink tap (the nlmon device) gives
// tcpdump and Wireshark: classic pcap, link type LINKTYPE_NETLINK (253), each frame a 16-byte
// cooked header (DLT_LINUX_SLL's layout) followed by the skb's bytes, the netlink messages in host
// byte order. One frame per datagram of sim/datagrams.ts (nlmon's rule: one per skb delivered).
import type { TraceDatagram } from "./datagrams.js";
import { traceDatagrams } from "./datagrams.js";
import type { TraceEvent } from "./trace.js";

/** LINKTYPE_NETLINK: the link type of an nlmon capture. */
export const LINKTYPE_NETLINK = 253;
/** ARPHRD_NETLINK (include/uapi/linux/if_arp.h): the nlmon device's type, in the cooked header. */
export const ARPHRD_NETLINK = 824;
/** skb->pkt_type of a tapped skb whose receiver is a user socket (include/uapi/linux/if_packet.h). */
export const PACKET_USER = 6;
/** skb->pkt_type of a tapped skb whose receiver is a kernel socket. */
export const PACKET_KERNEL = 7;

/** The pcap global header's magic: microsecond or nanosecond timestamps. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_HEADER_SIZE = 24;
const RECORD_HEADER_SIZE = 16;
/** the cooked header before each frame's netlink bytes */
export const COOKED_HEADER_SIZE = 16;
/** the snapshot length the file announces: more than any netlink datagram (32 KiB dump parts, 64 KiB sends) */
const SNAPLEN = 262144;

/** One frame: when, which netlink protocol, to whom, and the skb's bytes. */
export interface PcapFrame {
  /** nanoseconds (the capture's time base: virtual time on the simulator, real time on a kernel) */
  readonly t: number;
  readonly protocol: number;
  /** PACKET_USER or PACKET_KERNEL */
  readonly pktType: number;
  readonly bytes: Uint8Array;
}

export interface PcapOptions {
  /** timestamps in microseconds (the older magic, for tools that want it); default nanoseconds */
  readonly microseconds?: boolean;
  /** nanoseconds added to every frame's time (the epoch of time 0; default 0, 1970-01-01) */
  readonly epochNs?: number | bigint;
}

/** A datagram's frame: its pkt_type says whether a kernel socket or a user socket received it. */
export const datagramFrame = (d: TraceDatagram): PcapFrame => ({
  t: d.t,
  protocol: d.protocol,
  pktType: d.toKernel ? PACKET_KERNEL : PACKET_USER,
  bytes: d.bytes,
});

/** The capture file of `frames`, in their order. */
export const encodePcap = (frames: ReadonlyArray<PcapFrame>, opts: PcapOptions = {}): Uint8Array => {
  const size = frames.reduce((n, f) => n + RECORD_HEADER_SIZE + COOKED_HEADER_SIZE + f.bytes.length, PCAP_HEADER_SIZE);
  const out = new Uint8Array(size);
  const dv = new DataView(out.buffer);
  const us = opts.microseconds === true;
  // the global header in little-endian: readers tell the byte order from the magic
  dv.setUint32(0, us ? PCAP_MAGIC_US : PCAP_MAGIC_NS, true);
  dv.setUint16(4, 2, true);
  dv.setUint16(6, 4, true);
  dv.setInt32(8, 0, true); // thiszone
  dv.setUint32(12, 0, true); // sigfigs
  dv.setUint32(16, SNAPLEN, true);
  dv.setUint32(20, LINKTYPE_NETLINK, true);
  let off = PCAP_HEADER_SIZE;
  const epoch = BigInt(opts.epochNs ?? 0);
  for (const f of frames) {
    if (!Number.isInteger(f.t) || f.t < 0) throw new RangeError(`pcap: frame time ${f.t} is not a whole number of ns`);
    const ns = epoch + BigInt(f.t);
    const len = COOKED_HEADER_SIZE + f.bytes.length;
    dv.setUint32(off, Number(ns / 1_000_000_000n), true);
    dv.setUint32(off + 4, Number(us ? (ns % 1_000_000_000n) / 1000n : ns % 1_000_000_000n), true);
    dv.setUint32(off + 8, len, true); // incl_len
    dv.setUint32(off + 12, len, true); // orig_len
    off += RECORD_HEADER_SIZE;
    // the cooked header is big-endian (network order), as af_packet writes sockaddr_ll's fields
    dv.setUint16(off, f.pktType, false);
    dv.setUint16(off + 2, ARPHRD_NETLINK, false);
    dv.setUint16(off + 4, 0, false); // the nlmon device has no link-layer address
    // bytes 6..13: the (empty) address
    dv.setUint16(off + 14, f.protocol, false); // skb->protocol = htons(sk_protocol)
    off += COOKED_HEADER_SIZE;
    out.set(f.bytes, off);
    off += f.bytes.length;
  }
  return out;
};

/** The capture of a trace's events: one frame per datagram (sim/datagrams.ts). */
export const tracePcap = (events: ReadonlyArray<TraceEvent>, opts: PcapOptions = {}): Uint8Array =>
  encodePcap(traceDatagrams(events).map(datagramFrame), opts);
