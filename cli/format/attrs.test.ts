import { describe, expect, it } from "vitest";
import { NETLINK_GENERIC, NETLINK_ROUTE, NETLINK_USERSOCK } from "../../kernel-model/uapi/index.js";
import { parseScenario } from "../scenario/parse.js";
import { fixedHeaderSize, withAttrs } from "./attrs.js";

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const attr = (type: number, data: string): string => {
  const len = 4 + data.length / 2;
  const h = (n: number) => [n & 0xff, n >> 8].map((b) => b.toString(16).padStart(2, "0")).join("");
  return h(len) + h(type) + data + "00".repeat((4 - (len % 4)) % 4);
};
const head = { len: 0, type: 16, flags: 0, seq: 1, pid: 0 };

describe("decode: attrs", () => {
  it("knows the fixed header of each rtnetlink family and genlmsghdr", () => {
    expect(fixedHeaderSize(NETLINK_ROUTE, 16)).toBe(16); // RTM_NEWLINK: ifinfomsg
    expect(fixedHeaderSize(NETLINK_ROUTE, 20)).toBe(8); // RTM_NEWADDR: ifaddrmsg
    expect(fixedHeaderSize(NETLINK_ROUTE, 24)).toBe(12); // RTM_NEWROUTE: rtmsg
    expect(fixedHeaderSize(NETLINK_ROUTE, 80)).toBe(4); // RTM_NEWNETCONF: netconfmsg, aligned
    expect(fixedHeaderSize(NETLINK_ROUTE, 96)).toBeUndefined(); // RTM_NEWCACHEREPORT
    expect(fixedHeaderSize(NETLINK_ROUTE, 3)).toBeUndefined(); // NLMSG_DONE
    expect(fixedHeaderSize(NETLINK_GENERIC, 16)).toBe(4);
    expect(fixedHeaderSize(NETLINK_USERSOCK, 16)).toBeUndefined();
  });

  it("prints attributes, opens the nests a mask goes through and masks its last element", () => {
    const nest = attr(10, attr(1, "00000000") + attr(5, "11".repeat(16)));
    const payload = hex(`${"00".repeat(16)}${attr(3, "6c6f00")}${attr(26, nest)}${attr(7, "2a000000")}`);
    const out = withAttrs({ ...head, payload: "x" }, NETLINK_ROUTE, 16, payload, [[26, 10, 5], [7]]);
    expect(out).toEqual({
      ...head,
      hdr: "00".repeat(16),
      attrs: [
        { type: 3, hex: "6c6f00" },
        {
          type: 26,
          attrs: [
            {
              type: 10,
              attrs: [
                { type: 1, hex: "00000000" },
                { type: 5, len: 20, masked: true },
              ],
            },
          ],
        },
        { type: 7, len: 8, masked: true },
      ],
    });
  });

  it("leaves a message it cannot split as it was", () => {
    const msg = { ...head, payload: "x" };
    // nla_len past the end, non-zero padding, a header longer than the payload, an unknown protocol
    expect(withAttrs(msg, NETLINK_ROUTE, 16, hex(`${"00".repeat(16)}2000030061620000`), [])).toBe(msg);
    expect(withAttrs(msg, NETLINK_ROUTE, 16, hex(`${"00".repeat(16)}0500030061ffffff`), [])).toBe(msg);
    expect(withAttrs(msg, NETLINK_ROUTE, 16, hex("0000"), [])).toBe(msg);
    expect(withAttrs(msg, NETLINK_USERSOCK, 16, hex("04000100"), [])).toBe(msg);
  });

  it("reads decode and mask in a scenario, names or numbers, and refuses bad ones", () => {
    const s = (recv: object) =>
      parseScenario(
        JSON.stringify({
          name: "t",
          protocol: 0,
          steps: [
            { do: "socket", as: "a" },
            { do: "recv", sock: "a", ...recv },
          ],
        }),
        "t.json",
      );
    const r = s({ decode: "attrs", mask: ["IFLA_AF_SPEC/AF_INET6/IFLA_INET6_CACHEINFO", "6", "IFA_CACHEINFO"] })
      .steps[1]!;
    expect(r).toMatchObject({ do: "recv", decode: { masks: [[26, 10, 5], [6], [6]] } });
    expect(s({}).steps[1]).toMatchObject({ decode: undefined });
    expect(() => s({ mask: ["6"] })).toThrow(/'mask' needs "decode": "attrs"/);
    expect(() => s({ decode: "hex" })).toThrow(/'decode' must be "attrs"/);
    expect(() => s({ decode: "attrs", mask: "6" })).toThrow(/'mask' must be a list/);
    expect(() => s({ decode: "attrs", mask: ["IFLA_NOPE"] })).toThrow(/IFLA_NOPE is no attribute type/);
    expect(() => s({ decode: "attrs", mask: ["70000"] })).toThrow(/70000 is no attribute type/);
  });
});
