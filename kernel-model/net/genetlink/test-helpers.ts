// Test helpers for generic netlink families of a booted namespace: a world booted from a profile
// with a bound NETLINK_GENERIC socket, a request builder, and a send-then-drain exchange.
import { expect } from "vitest";
import {
  AttributeEncoder,
  ERRNO,
  encodeGenlmsghdr,
  encodeMessage,
  GENL_HDRLEN,
  MSG_DONTWAIT,
  NETLINK_GENERIC,
  NLMSG_ERROR,
  type NlAttr,
  type NlMsg,
  parseAttrs,
  parseMessages,
  parseNlmsgerr,
} from "../../uapi/index.js";
import { net_boot } from "../boot.js";
import { netlink_recvmsg, netlink_sendmsg } from "../netlink/af_netlink.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import { newNet, nladdr, openBound, ROOT } from "../netlink/test-helpers.js";
import type { KernelProfile } from "../profile.js";
import { LINUX_6_18_NETNS } from "../profiles/linux-6.18.js";

/** The port id of the socket `booted` opens. */
export const PORT = 0x1092;

/** A namespace booted from `profile` and a NETLINK_GENERIC socket bound to PORT. */
export const booted = (profile: KernelProfile = LINUX_6_18_NETNS): { net: Net; sk: NetlinkSock } => {
  const net = newNet();
  net_boot(net, profile);
  return { net, sk: openBound(net, PORT, 0, NETLINK_GENERIC) };
};

/** A generic netlink request from PORT (version 1, seq 1) with the attributes `attrs` writes. */
export const request = (
  type: number,
  flags: number,
  cmd: number,
  attrs?: (e: AttributeEncoder) => unknown,
): Uint8Array => {
  const e = new AttributeEncoder();
  attrs?.(e);
  const a = e.finish();
  const payload = new Uint8Array(4 + a.length);
  payload.set(encodeGenlmsghdr({ cmd, version: 1 }));
  payload.set(a, 4);
  return encodeMessage({ type, flags, seq: 1, pid: PORT, payload });
};

/** Sends `req` to the kernel and returns every datagram queued on `sk` afterwards. */
export const exchange = (sk: NetlinkSock, req: Uint8Array, cred = ROOT): Uint8Array[] => {
  expect(netlink_sendmsg(sk, cred, req, 0, nladdr(0))).toBe(req.length);
  return drain(sk);
};

/** Every datagram queued on `sk`. */
export const drain = (sk: NetlinkSock): Uint8Array[] => {
  const out: Uint8Array[] = [];
  for (;;) {
    const r = netlink_recvmsg(sk, 32768, MSG_DONTWAIT);
    if (r.ret === -ERRNO.EAGAIN) return out;
    out.push(r.data);
  }
};

/** The error of an NLMSG_ERROR message. */
export const errorOf = (m: NlMsg): number => {
  expect(m.type).toBe(NLMSG_ERROR);
  return parseNlmsgerr(m).error;
};

/** Every message of the datagrams, in order. */
export const messagesOf = (datagrams: Uint8Array[]): NlMsg[] => datagrams.flatMap((d) => parseMessages(d));

/** A generic netlink reply's attributes (after the 4-byte genlmsghdr), by type (the last wins). */
export const replyAttrs = (m: NlMsg): Map<number, NlAttr> =>
  new Map(parseAttrs(m.payload.subarray(GENL_HDRLEN)).map((a) => [a.type, a]));
