// What the sockopt module and its user program share (the C header twin, sockopt.h):
//
//   #define SOCKET_OPS_BASE  128
//   #define SOCKET_OPS_SET   (SOCKET_OPS_BASE)       /* setsockopt: user -> kernel string */
//   #define SOCKET_OPS_GET   (SOCKET_OPS_BASE)       /* getsockopt: kernel -> user string */
//   #define SOCKET_OPS_MAX   (SOCKET_OPS_BASE + 1)   /* ranges are [min, max) */
//   #define KMSG             "a message from kernel"
//   #define UMSG             "a message from userspace"
//   #define MSG_MAX          64                      /* the module's buffer, NUL included */
//
// 128 is the article's number. On a real machine it is EBT_BASE_CTL: with ebtables loaded,
// nf_register_sockopt of this range fails with EBUSY (the walkthrough shows the clash).
export const SOCKET_OPS_BASE = 128;
export const SOCKET_OPS_SET = SOCKET_OPS_BASE;
export const SOCKET_OPS_GET = SOCKET_OPS_BASE;
export const SOCKET_OPS_MAX = SOCKET_OPS_BASE + 1;
export const KMSG = "a message from kernel";
export const UMSG = "a message from userspace";
export const MSG_MAX = 64;
/** sizeof(KMSG) / sizeof(UMSG): the strings with their NUL */
export const KMSG_LEN = KMSG.length + 1;
export const UMSG_LEN = UMSG.length + 1;

/** "text\0" as bytes */
export const cstr = (s: string): Uint8Array => {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
};
/** the text up to the first NUL */
export const fromCstr = (b: Uint8Array): string => {
  const i = b.indexOf(0);
  return new TextDecoder().decode(i < 0 ? b : b.subarray(0, i));
};
