// imp2's wire protocol (the IBM article's ICMP logger), defined once. A C header twin
// (kmod/icmp-logger/icmp_logger_proto.h) mirrors it line for line (kmod/proto.test.ts checks):
//
//   #define NETLINK_IMP2  23        /* the article's NL_IMP2; 23 is free in mainline */
//   enum { IMP2_U_PID = 0x10, IMP2_CLOSE, IMP2_K_MSG };
//   struct packet_info { __be32 src; __be32 dest; };   /* kernel -> user (IMP2_K_MSG) */
//
// U_PID and CLOSE carry no payload: the kernel takes the sender's port id from NETLINK_CB(skb).
// Imports only kernel-model/uapi, so both sides can use it.
import { encodeMessage, getBeU32, NLM_F_REQUEST, putBeU32 } from "../../kernel-model/uapi/index.js";
import { ipv4_ntoa } from "../../kernel-model/uapi/ip.js";

/** The protocol unit the module claims (MAX_LINKS is 32; 23 is unused by mainline). */
export const NETLINK_IMP2 = 23;

// message types start at NLMSG_MIN_TYPE (0x10): below it are NOOP, ERROR, DONE, OVERRUN
/** user → kernel: send me the packets (to the port this message came from) */
export const IMP2_U_PID = 0x10;
/** user → kernel: stop */
export const IMP2_CLOSE = 0x11;
/** kernel → user: one struct packet_info */
export const IMP2_K_MSG = 0x12;

/** sizeof(struct packet_info) */
export const PACKET_INFO_SIZE = 8;

/** struct packet_info: addresses as __be32 (10.0.0.1 is 0x0a000001). */
export interface PacketInfo {
  readonly src: number;
  readonly dest: number;
}

/** A U_PID or CLOSE request: a bare header (NLM_F_REQUEST), nlmsg_pid set as the article does. */
export const encodeImp2Request = (type: number, pid: number, seq = 0): Uint8Array =>
  encodeMessage({ type, flags: NLM_F_REQUEST, seq, pid, payload: new Uint8Array(0) });

/** Writes struct packet_info at `off` (memcpy of the two __be32). */
export const putPacketInfo = (b: Uint8Array, off: number, p: PacketInfo): void => {
  putBeU32(b, off, p.src);
  putBeU32(b, off + 4, p.dest);
};

/** Reads struct packet_info, or undefined when the payload is too short to hold one. */
export const decodePacketInfo = (payload: Uint8Array): PacketInfo | undefined =>
  payload.length < PACKET_INFO_SIZE ? undefined : { src: getBeU32(payload, 0), dest: getBeU32(payload, 4) };

/** The user program's line for one packet: "ICMP 10.0.0.2 -> 10.0.0.1". */
export const formatPacketInfo = (p: PacketInfo): string => `ICMP ${ipv4_ntoa(p.src)} -> ${ipv4_ntoa(p.dest)}`;
