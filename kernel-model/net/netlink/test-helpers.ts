// Small helpers for this directory's tests: a namespace with a fixed PRNG sequence, callers, addresses.
import {
  CAP_NET_ADMIN,
  concatBytes,
  encodeMessage,
  encodeSockaddrNl,
  NETLINK_USERSOCK,
  SOCK_RAW,
} from "../../uapi/index.js";
import type { Cred } from "../core/sock.js";
import { netlink_bind, netlink_create } from "./af_netlink.js";
import type { NetlinkSock } from "./sock.js";
import { Net, type Prng } from "./table.js";

/** A PRNG that returns the given values in order, then repeats the last. */
export const fixedPrng = (...values: number[]): Prng & { draws: number } => {
  const p = {
    draws: 0,
    nextU32(): number {
      const v = values[Math.min(p.draws, values.length - 1)] ?? 0;
      p.draws++;
      return v >>> 0;
    },
  };
  return p;
};

export const newNet = (...prng: number[]): Net => new Net({ prng: fixedPrng(...(prng.length ? prng : [0])) });

export const ROOT: Cred = { tgid: 1000, uid: 0, gid: 0, caps: new Set([CAP_NET_ADMIN]) };
export const USER: Cred = { tgid: 1000, uid: 1000, gid: 1000, caps: new Set() };
export const withTgid = (c: Cred, tgid: number): Cred => ({ ...c, tgid });

export const nladdr = (pid: number, groups = 0): Uint8Array => encodeSockaddrNl({ pid, groups });

/** socket(AF_NETLINK, SOCK_RAW, protocol) that must succeed. */
export const open = (net: Net, protocol = NETLINK_USERSOCK, cred: Cred = ROOT): NetlinkSock => {
  const sk = netlink_create(net, cred, SOCK_RAW, protocol);
  if (typeof sk === "number") throw new Error(`socket failed: ${sk}`);
  return sk;
};

/** socket + bind(pid, groups) that must succeed. */
export const openBound = (net: Net, pid: number, groups = 0, protocol = NETLINK_USERSOCK, cred = ROOT): NetlinkSock => {
  const sk = open(net, protocol, cred);
  const r = netlink_bind(sk, cred, nladdr(pid, groups));
  if (r !== 0) throw new Error(`bind failed: ${r}`);
  return sk;
};

/** A datagram of exactly `len` bytes (one message header, the rest payload). */
export const datagram = (len: number, type = 0x10): Uint8Array => {
  if (len < 16) return new Uint8Array(len).fill(0x41);
  return encodeMessage({ type, payload: new Uint8Array(len - 16).fill(0x41) });
};

/** One attribute (nla_len counts the data, the bytes are padded to 4), as a request carries it. */
export const attr = (type: number, data: Uint8Array = new Uint8Array(0)): Uint8Array => {
  const b = new Uint8Array(4 + ((data.length + 3) & ~3));
  const v = new DataView(b.buffer);
  v.setUint16(0, 4 + data.length, true);
  v.setUint16(2, type, true);
  b.set(data, 4);
  return b;
};

/** A little-endian u32. */
export const u32 = (v: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return b;
};

/** The parts one after the other. */
export const cat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);
