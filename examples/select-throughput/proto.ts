// The select-throughput model's wire protocol (the article's conf.h), defined once for the module
// and the user program; a C header twin (kmod/select-throughput/conf.h) mirrors it:
//
//   #define NETLINK_TEST      24    /* the article's 21 is NETLINK_CRYPTO in today's kernels */
//   #define MAX_DATA_LEN      768
//   #define MAX_PROCESS_COUNT 100   /* kernel threads, and user sockets */
//   #define STATIC_PEROID     (1024*500)
//   enum { NLT_HELLO = 0x10, NLT_DATA };
//
// Imports only kernel-model/uapi.
import { encodeMessage, NLM_F_REQUEST } from "../../kernel-model/uapi/index.js";

export const NETLINK_TEST = 24;
/** the payload of one data message */
export const MAX_DATA_LEN = 768;
/** sockets on the user side, kernel threads on the other */
export const MAX_PROCESS_COUNT = 100;
/** the user prints its statistics line every this many bytes (the article's spelling) */
export const STATIC_PEROID = 1024 * 500;
/** messages each kernel thread sends at most (the article's MSG_COUNT) */
export const MSG_COUNT = 10000;

/** user → kernel: the handshake, one per socket ("remember my port id") */
export const NLT_HELLO = 0x10;
/** kernel → user: MAX_DATA_LEN bytes of data */
export const NLT_DATA = 0x11;

/** The handshake request of socket `index`. */
export const encodeHello = (index: number, pid: number): Uint8Array =>
  encodeMessage({ type: NLT_HELLO, flags: NLM_F_REQUEST, seq: index, pid, payload: new Uint8Array(0) });

/**
 * The article's statistics line. Its C computes messages/s as `(float)(readnum * 1000 / millsec)`:
 * an integer division first, so the figure always ends in ".00"; kept as printed.
 */
export const formatStatistics = (bytes: number, messages: number, ms: number): string => {
  const kb = Math.floor(bytes / 1024);
  const per = ms > 0 ? Math.floor((messages * 1000) / ms) : 0;
  const speed = ms > 0 ? (kb * 1000) / ms : 0;
  return `received ${kb} Kbytes, consumed time is: ${ms}ms, speed is: ${speed.toFixed(3)}K/s, ${per.toFixed(2)}/s.`;
};
