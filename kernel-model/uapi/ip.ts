// include/uapi/linux/ip.h, icmp.h, in.h and if_ether.h, as far as the netfilter examples need them:
// struct iphdr and struct icmphdr on the wire, the protocol numbers, the Internet checksum, and
// dotted-quad addresses. Addresses are __be32 read as big-endian numbers: 10.0.0.1 is 0x0a000001.
import { getBeU16, getBeU32, putBeU16, putBeU32 } from "./bytes.js";

/** ETH_P_IP: skb->protocol of an IPv4 packet */
export const ETH_P_IP = 0x0800;
// include/uapi/linux/in.h
export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
// include/uapi/linux/icmp.h
export const ICMP_ECHOREPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO = 8;

/** sizeof(struct iphdr) without options */
export const IPHDR_LEN = 20;
/** sizeof(struct icmphdr) */
export const ICMPHDR_LEN = 8;

/** struct iphdr (the fields a hook reads). */
export interface Iphdr {
  readonly version: number;
  /** header length in 32-bit words */
  readonly ihl: number;
  readonly tos: number;
  readonly tot_len: number;
  readonly id: number;
  readonly frag_off: number;
  readonly ttl: number;
  readonly protocol: number;
  readonly check: number;
  /** __be32 */
  readonly saddr: number;
  /** __be32 */
  readonly daddr: number;
}

/** struct icmphdr, echo variant (un.echo.id / un.echo.sequence). */
export interface Icmphdr {
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly id: number;
  readonly sequence: number;
}

/** Reads struct iphdr at `off` (the caller checked there are IPHDR_LEN bytes). */
export const getIphdr = (b: Uint8Array, off: number): Iphdr => ({
  version: b[off]! >>> 4,
  ihl: b[off]! & 0xf,
  tos: b[off + 1]!,
  tot_len: getBeU16(b, off + 2),
  id: getBeU16(b, off + 4),
  frag_off: getBeU16(b, off + 6),
  ttl: b[off + 8]!,
  protocol: b[off + 9]!,
  check: getBeU16(b, off + 10),
  saddr: getBeU32(b, off + 12),
  daddr: getBeU32(b, off + 16),
});

/** Reads struct icmphdr at `off` (the caller checked there are ICMPHDR_LEN bytes). */
export const getIcmphdr = (b: Uint8Array, off: number): Icmphdr => ({
  type: b[off]!,
  code: b[off + 1]!,
  checksum: getBeU16(b, off + 2),
  id: getBeU16(b, off + 4),
  sequence: getBeU16(b, off + 6),
});

/** The Internet checksum (RFC 1071) of b[off, off+len): ip_fast_csum / ip_compute_csum. 0 means valid. */
export const ip_compute_csum = (b: Uint8Array, off: number, len: number): number => {
  let sum = 0;
  for (let i = 0; i + 1 < len; i += 2) sum += (b[off + i]! << 8) | b[off + i + 1]!;
  if (len & 1) sum += b[off + len - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
};

export interface Ipv4PacketInit {
  readonly saddr: number;
  readonly daddr: number;
  readonly protocol: number;
  readonly ttl?: number;
  readonly id?: number;
  /** the transport header and data after the IP header */
  readonly payload: Uint8Array;
}

/** An IPv4 datagram (no options) with a correct header checksum. */
export const buildIpv4Packet = (p: Ipv4PacketInit): Uint8Array => {
  const b = new Uint8Array(IPHDR_LEN + p.payload.length);
  b[0] = 0x45;
  putBeU16(b, 2, b.length);
  putBeU16(b, 4, p.id ?? 0);
  putBeU16(b, 6, 0x4000); // DF
  b[8] = p.ttl ?? 64;
  b[9] = p.protocol;
  putBeU32(b, 12, p.saddr);
  putBeU32(b, 16, p.daddr);
  putBeU16(b, 10, ip_compute_csum(b, 0, IPHDR_LEN));
  b.set(p.payload, IPHDR_LEN);
  return b;
};

/** An ICMP echo request or reply (with `dataLen` bytes of pattern data) inside an IPv4 datagram. */
export const buildIcmpEcho = (
  saddr: number,
  daddr: number,
  echo: { readonly type?: number; readonly id: number; readonly sequence: number; readonly ttl?: number },
  dataLen = 56,
): Uint8Array => {
  const icmp = new Uint8Array(ICMPHDR_LEN + dataLen);
  icmp[0] = echo.type ?? ICMP_ECHO;
  putBeU16(icmp, 4, echo.id);
  putBeU16(icmp, 6, echo.sequence);
  for (let i = 0; i < dataLen; i++) icmp[ICMPHDR_LEN + i] = (0x10 + i) & 0xff;
  putBeU16(icmp, 2, ip_compute_csum(icmp, 0, icmp.length));
  return buildIpv4Packet({
    saddr,
    daddr,
    protocol: IPPROTO_ICMP,
    ttl: echo.ttl ?? 64,
    id: echo.sequence,
    payload: icmp,
  });
};

/** in_aton("10.0.0.1") → 0x0a000001; throws on anything but four decimal octets. */
export const in_aton = (s: string): number => {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((x) => /^[0-9]{1,3}$/.test(x) && Number(x) <= 255)) {
    throw new RangeError(`not a dotted-quad IPv4 address: ${JSON.stringify(s)}`);
  }
  return parts.reduce((a, x) => a * 256 + Number(x), 0) >>> 0;
};

/** %pI4: 0x0a000001 → "10.0.0.1" */
export const ipv4_ntoa = (a: number): string => `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
