// ETHTOOL_MSG_LINKSTATE_GET (linkstate.ts, netlink.ts) in a namespace booted from the 6.18 profile.
import { describe, expect, it } from "vitest";
import {
  type AttributeEncoder,
  ERRNO,
  extAckInfo,
  NETLINK_EXT_ACK,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLMSG_DONE,
  parseNested,
  parseNlmsgerr,
  SOL_NETLINK,
} from "../../uapi/index.js";
import { IFF_UP } from "../../uapi/rtnetlink.js";
import { ALLOC_NETDEV_DEFAULTS, type LinkDevice } from "../core/loopback.js";
import { booted, errorOf, exchange, messagesOf, replyAttrs, request } from "../genetlink/test-helpers.js";
import { setsockopt } from "../netlink/af_netlink.js";
import { ROOT } from "../netlink/test-helpers.js";
import {
  __ethtool_get_link,
  ETHTOOL_A_LINKSTATE_HEADER,
  ETHTOOL_A_LINKSTATE_LINK,
  ETHTOOL_FLAG_STATS,
  ETHTOOL_MSG_LINKSTATE_GET,
} from "./linkstate.js";
import { ETHTOOL_A_HEADER_DEV_INDEX, ETHTOOL_A_HEADER_DEV_NAME, ETHTOOL_A_HEADER_FLAGS } from "./netlink.js";

const ETHTOOL = 21;

describe("ethtool link state", () => {
  it("asks the driver's get_link only while the device runs", () => {
    const dev = { ...ALLOC_NETDEV_DEFAULTS, flags: 0, ethtool_ops: { get_link: () => 1 } } as unknown as LinkDevice;
    expect(__ethtool_get_link(dev)).toBe(0);
    expect(__ethtool_get_link({ ...dev, flags: IFF_UP })).toBe(1);
    expect(__ethtool_get_link({ ...dev, flags: IFF_UP, ethtool_ops: {} })).toBe(-ERRNO.EOPNOTSUPP);
  });

  it("answers lo's link state with the reply header, and checks the request header", () => {
    const { sk } = booted();
    expect(setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_EXT_ACK, Uint8Array.of(1, 0, 0, 0))).toBe(0);
    const ask = (hdr: (e: AttributeEncoder) => unknown) =>
      messagesOf(
        exchange(
          sk,
          request(ETHTOOL, NLM_F_REQUEST | NLM_F_ACK, ETHTOOL_MSG_LINKSTATE_GET, (e) =>
            e.nested(ETHTOOL_A_LINKSTATE_HEADER, hdr),
          ),
        ),
      );
    const reply = ask((h) => h.string(ETHTOOL_A_HEADER_DEV_NAME, "lo"));
    const attrs = replyAttrs(reply[0]!);
    expect(attrs.get(ETHTOOL_A_LINKSTATE_LINK)!.data).toEqual(Uint8Array.of(0));
    expect(parseNested(attrs.get(ETHTOOL_A_LINKSTATE_HEADER)!).map((a) => a.type)).toEqual([
      ETHTOOL_A_HEADER_DEV_INDEX,
      ETHTOOL_A_HEADER_DEV_NAME,
    ]);
    expect(errorOf(reply[1]!)).toBe(0);
    const bad = ask((h) => h.u32(ETHTOOL_A_HEADER_DEV_INDEX, 1).string(ETHTOOL_A_HEADER_DEV_NAME, "ifb0"))[0]!;
    expect(errorOf(bad)).toBe(-ERRNO.ENODEV);
    expect(extAckInfo(parseNlmsgerr(bad).tlvs ?? []).msg).toBe("ifindex and name do not match");
    expect(errorOf(ask((h) => h.u32(ETHTOOL_A_HEADER_FLAGS, 0))[0]!)).toBe(-ERRNO.EINVAL);
    // statistics are not modelled: refused, not answered without them
    expect(
      errorOf(ask((h) => h.u32(ETHTOOL_A_HEADER_DEV_INDEX, 1).u32(ETHTOOL_A_HEADER_FLAGS, ETHTOOL_FLAG_STATS))[0]!),
    ).toBe(-ERRNO.EOPNOTSUPP);
  });
});

describe("ethtool dumps", () => {
  it("answers one NLM_F_MULTI message per device that can, and leaves out the others", () => {
    const { sk } = booted();
    const dump = (cmd: number) => messagesOf(exchange(sk, request(ETHTOOL, NLM_F_REQUEST | NLM_F_DUMP, cmd)));
    const linkstate = dump(ETHTOOL_MSG_LINKSTATE_GET);
    expect(linkstate.map((m) => [m.type, m.flags])).toEqual([
      [ETHTOOL, NLM_F_MULTI],
      [NLMSG_DONE, NLM_F_MULTI],
    ]);
    expect(replyAttrs(linkstate[0]!).get(ETHTOOL_A_LINKSTATE_LINK)!.data).toEqual(Uint8Array.of(0));
    expect(dump(15).map((m) => m.type)).toEqual([NLMSG_DONE]); // RINGS: lo has no get_ringparam
  });
});
