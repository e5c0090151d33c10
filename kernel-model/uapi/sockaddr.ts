// struct sockaddr_nl and struct nl_pktinfo.
import { getU16, getU32, putU16, putU32 } from "./bytes.js";
import { NetlinkDecodeError } from "./decode-error.js";
import { NL_PKTINFO_SIZE, SOCKADDR_NL_SIZE } from "./netlink.js";
import { AF_NETLINK } from "./socket.js";

export interface SockaddrNl {
  readonly family: number;
  readonly pad: number;
  readonly pid: number;
  readonly groups: number;
}

export const encodeSockaddrNl = (a: { pid: number; groups: number; family?: number; pad?: number }): Uint8Array => {
  const b = new Uint8Array(SOCKADDR_NL_SIZE);
  putU16(b, 0, a.family ?? AF_NETLINK);
  putU16(b, 2, a.pad ?? 0);
  putU32(b, 4, a.pid >>> 0);
  putU32(b, 8, a.groups >>> 0);
  return b;
};

export const parseSockaddrNl = (b: Uint8Array): SockaddrNl => {
  if (b.length < SOCKADDR_NL_SIZE) {
    throw new NetlinkDecodeError(
      "short-struct",
      0,
      `address is ${b.length} bytes, struct sockaddr_nl needs ${SOCKADDR_NL_SIZE}`,
    );
  }
  return { family: getU16(b, 0), pad: getU16(b, 2), pid: getU32(b, 4), groups: getU32(b, 8) };
};

export const encodeNlPktinfo = (group: number): Uint8Array => {
  const b = new Uint8Array(NL_PKTINFO_SIZE);
  putU32(b, 0, group);
  return b;
};

export const parseNlPktinfo = (b: Uint8Array): number => {
  if (b.length < NL_PKTINFO_SIZE) {
    throw new NetlinkDecodeError("short-struct", 0, `control data is ${b.length} bytes, struct nl_pktinfo needs 4`);
  }
  return getU32(b, 0);
};
