// The netdev family's device side (netdev-genl.ts) in a namespace booted from the 6.18 profile:
// DEV_GET, and the mgmt group's notifications as rtnetlink creates and deletes an ifb device.
import { describe, expect, it } from "vitest";
import {
  encodeMessage,
  getU32,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_GENERIC,
  NETLINK_ROUTE,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  NLMSG_DONE,
  parseGenlmsghdr,
  SOL_NETLINK,
} from "../../uapi/index.js";
import { booted, drain, exchange, messagesOf, replyAttrs, request } from "../genetlink/test-helpers.js";
import { netlink_sendmsg, setsockopt } from "../netlink/af_netlink.js";
import { nladdr, openBound, ROOT } from "../netlink/test-helpers.js";
import {
  NETDEV_A_DEV_IFINDEX,
  NETDEV_CMD_DEV_ADD_NTF,
  NETDEV_CMD_DEV_DEL_NTF,
  NETDEV_CMD_DEV_GET,
} from "./netdev-genl.js";

const NETDEV = 20;
/** RTM_NEWLINK ifb0 (IFLA_IFNAME, IFLA_LINKINFO {IFLA_INFO_KIND "ifb"}) and RTM_DELLINK of ifindex 2 */
const NEWLINK_IFB0 = encodeMessage({
  type: 16,
  flags: NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
  seq: 1,
  payload: Uint8Array.from([
    ...new Array(16).fill(0),
    ...[9, 0, 3, 0, 0x69, 0x66, 0x62, 0x30, 0, 0, 0, 0],
    ...[12, 0, 18, 0, 8, 0, 1, 0, 0x69, 0x66, 0x62, 0],
  ]),
});
const DELLINK_2 = encodeMessage({
  type: 17,
  flags: NLM_F_REQUEST | NLM_F_ACK,
  seq: 2,
  payload: Uint8Array.of(0, 0, 0, 0, 2, 0, 0, 0, ...new Array(8).fill(0)),
});

describe("netdev devices", () => {
  it("announces a device's registration and unregistration to the mgmt group, only when someone listens", () => {
    const { net, sk } = booted();
    const rt = openBound(net, 0x2000, 0, NETLINK_ROUTE);
    const deaf = openBound(net, 0x3000, 0, NETLINK_GENERIC);
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, Uint8Array.of(4, 0, 0, 0))).toBe(0);
    netlink_sendmsg(rt, ROOT, NEWLINK_IFB0, 0, nladdr(0));
    const add = messagesOf(drain(sk));
    expect(add.length).toBe(1);
    expect(add[0]!.seq).toBe(0);
    expect(parseGenlmsghdr(add[0]!.payload).cmd).toBe(NETDEV_CMD_DEV_ADD_NTF);
    expect(getU32(replyAttrs(add[0]!).get(NETDEV_A_DEV_IFINDEX)!.data, 0)).toBe(2);
    const dump = messagesOf(exchange(deaf, request(NETDEV, NLM_F_REQUEST | NLM_F_DUMP, NETDEV_CMD_DEV_GET)));
    expect(dump.map((m) => m.type)).toEqual([NETDEV, NETDEV, NLMSG_DONE]);
    expect(dump[0]!.flags).toBe(0); // genlmsg_iput: no NLM_F_MULTI
    netlink_sendmsg(rt, ROOT, DELLINK_2, 0, nladdr(0));
    const del = messagesOf(drain(sk));
    expect(del.map((m) => parseGenlmsghdr(m.payload).cmd)).toEqual([NETDEV_CMD_DEV_DEL_NTF]);
    expect(drain(deaf)).toEqual([]);
  });
});
