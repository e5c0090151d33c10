import { describe, expect, it } from "vitest";
import { AttributeEncoder, NLA_F_NESTED, NLMSG_HDRLEN, parseAttrs, toHex } from "../kernel-model/uapi/index.js";
import { decodePayload, encodeRequest } from "./client.js";
import { decodeAttrs, encodeAttrs, YnlEncodeError } from "./codec.js";
import { loadSpec } from "./load.js";

const link = loadSpec("rt-link");
const newlink = link.operationsByName.get("newlink")!;
const linkAttrs = link.attributeSets.get("link-attrs")!;

describe("encoding by a spec", () => {
  it("a fixed header then attributes, flags by name, a sub-message chosen by its selector", () => {
    const payload = encodeRequest(link, newlink, {
      ifiIndex: 7,
      ifiFlags: ["up", "lower-up"],
      ifname: "v0",
      mtu: 1400,
      linkinfo: { kind: "vlan", data: { id: 5, protocol: "8021q" } },
    });
    const header = "00000000" + "07000000" + "01000100" + "00000000"; // family, type, index 7, IFF_UP|IFF_LOWER_UP, change
    const attrs = new AttributeEncoder()
      .string(3, "v0")
      .u32(4, 1400)
      .nested(18, (li) => li.string(1, "vlan").nested(2, (d) => d.u16(1, 5).be16(5, 0x8100)))
      .finish();
    expect(toHex(payload)).toBe(header + toHex(attrs));
  });

  it("decodes what it encodes, enum names and flag lists included", () => {
    const req = {
      ifiFamily: 0,
      ifiType: 1,
      ifiIndex: 7,
      ifiFlags: ["up", "lower-up"],
      ifiChange: 0,
      ifname: "v0",
      linkinfo: { kind: "vlan", data: { id: 5, protocol: "8021q", flags: { flags: ["gvrp"], mask: 2 } } },
      propList: { altIfname: ["alt-a", "alt-b"] },
      afSpec: { inet6: { addrGenMode: 1 } },
    };
    const payload = encodeRequest(link, newlink, req);
    expect(decodePayload(link, newlink, payload, NLMSG_HDRLEN)).toEqual(req);
  });

  it("64-bit values are bigints, nest flags are set, multi-attr lists repeat the attribute", () => {
    const bytes = encodeAttrs(link, link.attributeSets.get("prop-list-link-attrs")!, { altIfname: ["a", "b"] });
    expect(parseAttrs(bytes).map((a) => a.type)).toEqual([53, 53]);
    const stats = link.attributeSets.get("vf-stats-attrs")!;
    const out = decodeAttrs(link, stats, parseAttrs(encodeAttrs(link, stats, { rxPackets: 2n ** 40n })));
    expect(out).toEqual({ rxPackets: 2n ** 40n });
    const nest = parseAttrs(encodeAttrs(link, linkAttrs, { linkinfo: { kind: "dummy" } }))[0]!;
    expect(nest.nested).toBe(true);
    expect(nest.type).toBe(18);
    expect(NLA_F_NESTED).toBe(0x8000);
  });

  it("a value that cannot be encoded is an error naming the key", () => {
    const attempt = (v: Record<string, unknown>) => {
      try {
        encodeRequest(link, newlink, v as never);
      } catch (e) {
        if (e instanceof YnlEncodeError) return e.message;
        throw e;
      }
      return "encoded";
    };
    expect(attempt({ mtu: 2 ** 32 })).toBe("rt-link.yaml: newlink.mtu: 4294967296 is outside u32 (0..4294967295)");
    expect(attempt({ ifname: 3 })).toBe("rt-link.yaml: newlink.ifname: expected a string, got number");
    expect(attempt({ bogus: 1 })).toBe(
      'rt-link.yaml: newlink.bogus: attribute set link-attrs has no attribute "bogus"',
    );
    expect(attempt({ ifiFlags: ["up", "sideways"] })).toMatch(
      /^rt-link\.yaml: newlink\.ifiFlags: "sideways" is not an entry of flags ifinfo-flags \(up, broadcast/,
    );
    expect(attempt({ linkinfo: { kind: "nosuch", data: {} } })).toBe(
      'rt-link.yaml: newlink.linkinfo.data: the selector kind is "nosuch", which sub-message linkinfo-data-msg has no format for',
    );
  });

  it("attributes a newer kernel sends, unknown to the spec, are left out", () => {
    const bytes = new AttributeEncoder().string(3, "lo").u32(999, 1).finish();
    expect(decodeAttrs(link, linkAttrs, parseAttrs(bytes))).toEqual({ ifname: "lo" });
  });
});
