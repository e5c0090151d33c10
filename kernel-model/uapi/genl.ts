// struct genlmsghdr: the 4-byte header after nlmsghdr on NETLINK_GENERIC.
import { NetlinkDecodeError } from "./decode-error.js";
import { GENL_HDRLEN } from "./genetlink.js";
import { NLMSG_HDRLEN } from "./netlink.js";

export interface GenlMsgHdr {
  readonly cmd: number;
  readonly version: number;
  readonly reserved: number;
}

export const encodeGenlmsghdr = (h: { cmd: number; version: number; reserved?: number }): Uint8Array =>
  Uint8Array.of(h.cmd & 0xff, h.version & 0xff, (h.reserved ?? 0) & 0xff, ((h.reserved ?? 0) >>> 8) & 0xff);

/** Reads the genlmsghdr at the start of a NETLINK_GENERIC message payload. */
export const parseGenlmsghdr = (payload: Uint8Array): GenlMsgHdr => {
  if (payload.length < GENL_HDRLEN) {
    throw new NetlinkDecodeError(
      "short-struct",
      NLMSG_HDRLEN,
      `payload is ${payload.length} bytes, struct genlmsghdr needs ${GENL_HDRLEN}`,
    );
  }
  return { cmd: payload[0]!, version: payload[1]!, reserved: payload[2]! | (payload[3]! << 8) };
};
