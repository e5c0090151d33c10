// nl_demo's wire protocol: what the module and the daemon share, defined once. Written so that a C
// header twin (kmod/nl-demo/nl_demo_proto.h) mirrors it line for line (kmod/proto.test.ts checks):
//
//   #define NETLINK_NLDEMO   17          /* a free unit: 17 is unused by mainline */
//   #define NLDEMO_GROUP     1           /* multicast group number (bind mask 1 << 0) */
//   enum { NLDEMO_U_PID = 0x10, NLDEMO_CLOSE, NLDEMO_K_EVT };
//   struct nldemo_krnl_msg { __u32 gid; };                 /* user -> kernel (U_PID, CLOSE) */
//   struct nldemo_usr_msg  { __u32 seq; __u32 jiffies; };   /* kernel -> user (K_EVT) */
//
// Imports only kernel-model/uapi, so both sides (and the walkthrough) can use it.
import { encodeMessage, getU32, NLM_F_REQUEST, NLMSG_HDRLEN, putU32 } from "../../kernel-model/uapi/index.js";

/** The protocol unit the module claims (MAX_LINKS is 32; 17 is free in mainline). */
export const NETLINK_NLDEMO = 17;
/** The multicast group a daemon may ask for (a group number, 1-based). */
export const NLDEMO_GROUP = 1;

// message types start at NLMSG_MIN_TYPE (0x10): below it are NOOP, ERROR, DONE, OVERRUN
/** user → kernel: register my port id (and a group, 0 for unicast) */
export const NLDEMO_U_PID = 0x10;
/** user → kernel: stop sending me events */
export const NLDEMO_CLOSE = 0x11;
/** kernel → user: an event */
export const NLDEMO_K_EVT = 0x12;

export const NLDEMO_TYPE_NAMES: Readonly<Record<number, string>> = {
  [NLDEMO_U_PID]: "NLDEMO_U_PID",
  [NLDEMO_CLOSE]: "NLDEMO_CLOSE",
  [NLDEMO_K_EVT]: "NLDEMO_K_EVT",
};

/** sizeof(struct nldemo_krnl_msg) */
export const NLDEMO_KRNL_MSG_SIZE = 4;
/** sizeof(struct nldemo_usr_msg) */
export const NLDEMO_USR_MSG_SIZE = 8;

/** struct nldemo_krnl_msg: the payload of U_PID and CLOSE. */
export interface NldemoKrnlMsg {
  /** the group to multicast on (a group number); 0: unicast to my port id */
  readonly gid: number;
}

/** struct nldemo_usr_msg: the payload of K_EVT. */
export interface NldemoUsrMsg {
  /** the event's sequence number, from 1 */
  readonly seq: number;
  /** the kernel's jiffies when the event was made */
  readonly jiffies: number;
}

/** group number → bind mask (sockaddr_nl.nl_groups holds groups 1..32 as bits 0..31). */
export const groupMask = (group: number): number => (group === 0 ? 0 : (1 << (group - 1)) >>> 0);

/** A complete U_PID or CLOSE request (NLM_F_REQUEST, so netlink_rcv_skb hands it to the handler). */
export const encodeKrnlRequest = (type: number, msg: NldemoKrnlMsg, seq = 0, pid = 0): Uint8Array => {
  const payload = new Uint8Array(NLDEMO_KRNL_MSG_SIZE);
  putU32(payload, 0, msg.gid);
  return encodeMessage({ type, flags: NLM_F_REQUEST, seq, pid, payload });
};

export const putUsrMsg = (b: Uint8Array, off: number, m: NldemoUsrMsg): void => {
  putU32(b, off, m.seq);
  putU32(b, off + 4, m.jiffies);
};

/** The K_EVT payload, or undefined when it is too short to hold one. */
export const decodeUsrMsg = (payload: Uint8Array): NldemoUsrMsg | undefined =>
  payload.length < NLDEMO_USR_MSG_SIZE ? undefined : { seq: getU32(payload, 0), jiffies: getU32(payload, 4) };

/** The U_PID/CLOSE payload, or undefined when it is too short to hold one. */
export const decodeKrnlMsg = (payload: Uint8Array): NldemoKrnlMsg | undefined =>
  payload.length < NLDEMO_KRNL_MSG_SIZE ? undefined : { gid: getU32(payload, 0) };

/** One line describing an nl_demo payload, for walkthroughs and the daemon's log. */
export const describePayload = (type: number, payload: Uint8Array): string | undefined => {
  if (type === NLDEMO_K_EVT) {
    const m = decodeUsrMsg(payload);
    return m === undefined
      ? `struct nldemo_usr_msg truncated (${payload.length} of ${NLDEMO_USR_MSG_SIZE} bytes)`
      : `struct nldemo_usr_msg { seq ${m.seq}, jiffies ${m.jiffies} }`;
  }
  if (type === NLDEMO_U_PID || type === NLDEMO_CLOSE) {
    const m = decodeKrnlMsg(payload);
    return m === undefined
      ? `struct nldemo_krnl_msg truncated (${payload.length} of ${NLDEMO_KRNL_MSG_SIZE} bytes)`
      : `struct nldemo_krnl_msg { gid ${m.gid} }`;
  }
  return undefined;
};

/** NLMSG_LENGTH(sizeof(struct nldemo_krnl_msg)) */
export const NLDEMO_KRNL_MSG_LEN = NLMSG_HDRLEN + NLDEMO_KRNL_MSG_SIZE;
