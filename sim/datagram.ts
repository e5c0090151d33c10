// The datagram fields of a traced sendto or recvmsg (sim/trace.ts DatagramFields): protocol, the
// two port ids, the groups, a copy of the bytes and the context, read from the socket the call
// used. Only called with tracing on.
import { type NetlinkRecvResult, type NetlinkSock, netlink_group_mask } from "../kernel-model/net/netlink/index.js";
import { parseSockaddrNl, SOCKADDR_NL_SIZE } from "../kernel-model/uapi/index.js";
import type { DatagramFields } from "./trace.js";
import type { World } from "./world.js";

/** A sendto's datagram: from the socket's (possibly just autobound) port to `addr`, or to its connected peer. */
export const sentDatagram = (
  world: World,
  sk: NetlinkSock,
  data: Uint8Array,
  addr: Uint8Array | undefined,
): DatagramFields => {
  const to =
    addr !== undefined && addr.length >= SOCKADDR_NL_SIZE
      ? parseSockaddrNl(addr)
      : { pid: sk.dst_portid, groups: netlink_group_mask(sk.dst_group) };
  return {
    protocol: sk.sk_protocol,
    from: sk.portid,
    to: to.pid,
    groups: to.groups,
    bytes: data.slice(),
    ctx: world.context(),
  };
};

/** A recvmsg's datagram (when it read one): from msg_name's port to the socket's. */
export const receivedDatagram = (
  world: World,
  sk: NetlinkSock,
  r: NetlinkRecvResult,
): Omit<DatagramFields, "from"> | undefined =>
  r.ret < 0
    ? undefined
    : {
        protocol: sk.sk_protocol,
        to: sk.portid,
        groups: r.name?.groups ?? 0,
        bytes: r.data.slice(),
        ctx: world.context(),
      };
