// The program of README.md's "Links, addresses and routes": it creates an ifb link, brings it
// up, gives it 10.0.0.1/24, adds a route to 10.1.0.0/16 through 10.0.0.2, and returns what a
// listener on RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV4_ROUTE heard meanwhile. It uses the
// Promise client only, so the same function runs on the simulator (runPromiseProcess) and on the
// kernel (runPromiseKernel, as root in a network namespace: link-address-route-kernel.ts).
import {
  AttributeEncoder,
  concatBytes,
  NETLINK_ROUTE,
  NLM_F_CREATE,
  NLM_F_EXCL,
} from "../../kernel-model/uapi/index.js";
import type { PromiseNetlink } from "../promise.js";

// linux/rtnetlink.h, if_link.h, if_addr.h (the few this program needs)
export const RTM_NEWLINK = 16;
export const RTM_NEWADDR = 20;
export const RTM_NEWROUTE = 24;
const RTM_GETLINK = 18;
const IFLA_IFNAME = 3;
const IFLA_LINKINFO = 18;
const IFLA_INFO_KIND = 1;
const IFA_LOCAL = 2;
const IFA_ADDRESS = 1;
const RTA_DST = 1;
const RTA_GATEWAY = 5;
const IFF_UP = 1;
const AF_INET = 2;
const RTNLGRP_LINK = 1;
const RTNLGRP_IPV4_IFADDR = 5;
const RTNLGRP_IPV4_ROUTE = 7;

/** struct ifinfomsg {family, pad, type, index, flags, change} */
const ifinfomsg = (index: number, flags = 0, change = 0): Uint8Array => {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setInt32(4, index, true);
  v.setUint32(8, flags, true);
  v.setUint32(12, change, true);
  return b;
};
/** struct ifaddrmsg {family, prefixlen, flags, scope, index} */
const ifaddrmsg = (prefixlen: number, index: number): Uint8Array => {
  const b = Uint8Array.of(AF_INET, prefixlen, 0, 0, 0, 0, 0, 0);
  new DataView(b.buffer).setUint32(4, index, true);
  return b;
};
/** struct rtmsg: AF_INET, table main, protocol boot, scope universe, unicast */
const rtmsg = (dst_len: number): Uint8Array => Uint8Array.of(AF_INET, dst_len, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0);
const ipv4 = (a: string): number => a.split(".").reduce((n, x) => n * 256 + Number(x), 0);

/** What the listener heard: each notification's type and the group it came to. */
export interface Heard {
  readonly type: number;
  readonly group: number;
}

export const linkAddressRoute = async (nl: PromiseNetlink): Promise<ReadonlyArray<Heard>> => {
  const groups = [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE];
  const listener = await nl.openConn(NETLINK_ROUTE, { groups: groups.reduce((m, g) => m | (1 << (g - 1)), 0) });
  const conn = await nl.openConn(NETLINK_ROUTE);

  // ip link add ifb0 type ifb
  const link = new AttributeEncoder()
    .string(IFLA_IFNAME, "ifb0")
    .nested(IFLA_LINKINFO, (e) => e.string(IFLA_INFO_KIND, "ifb"))
    .finish();
  await conn.requestAck({
    type: RTM_NEWLINK,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    payload: concatBytes([ifinfomsg(0), link]),
  });
  const [got] = await conn.requestAck({
    type: RTM_GETLINK,
    payload: concatBytes([ifinfomsg(0), new AttributeEncoder().string(IFLA_IFNAME, "ifb0").finish()]),
  });
  const index = new DataView(got!.payload.buffer, got!.payload.byteOffset).getInt32(4, true);
  // ip link set ifb0 up
  await conn.requestAck({ type: RTM_NEWLINK, payload: ifinfomsg(index, IFF_UP, IFF_UP) });
  // ip address add 10.0.0.1/24 dev ifb0
  const addr = new AttributeEncoder().be32(IFA_LOCAL, ipv4("10.0.0.1")).be32(IFA_ADDRESS, ipv4("10.0.0.1")).finish();
  await conn.requestAck({
    type: RTM_NEWADDR,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    payload: concatBytes([ifaddrmsg(24, index), addr]),
  });
  // ip route add 10.1.0.0/16 via 10.0.0.2
  const route = new AttributeEncoder().be32(RTA_DST, ipv4("10.1.0.0")).be32(RTA_GATEWAY, ipv4("10.0.0.2")).finish();
  await conn.requestAck({
    type: RTM_NEWROUTE,
    flags: NLM_F_CREATE | NLM_F_EXCL,
    payload: concatBytes([rtmsg(16), route]),
  });

  // the notifications are queued on the listener by now; read up to our route's (rtm_protocol boot)
  const heard: Heard[] = [];
  for await (const e of listener.subscribe(groups)) {
    if (e._tag !== "Message") continue;
    heard.push({ type: e.message.type, group: e.group });
    if (e.message.type === RTM_NEWROUTE && e.message.payload[5] === 3) break;
  }
  await conn.close();
  await listener.close();
  return heard;
};
