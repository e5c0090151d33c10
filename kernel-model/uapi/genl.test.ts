import { describe, expect, it } from "vitest";
import {
  AttributeDecoder,
  AttributeEncoder,
  attrString,
  attrU16,
  attrU32,
  type NlAttrNode,
  parseAttrTree,
} from "./attr.js";
import { getU16, toHex } from "./bytes.js";
import { NetlinkDecodeError } from "./decode-error.js";
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OPS,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_CMD_NEWFAMILY,
  GENL_HDRLEN,
  GENL_ID_CTRL,
} from "./genetlink.js";
import { encodeGenlmsghdr, parseGenlmsghdr } from "./genl.js";
import { encodeMessage, parseMessages } from "./msg.js";
import { NLMSG_HDRLEN } from "./netlink.js";

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));

/**
 * The nlctrl reply to CTRL_CMD_GETFAMILY "nlctrl", in ctrl_fill_info's order. The kernel opens the
 * OPS / MCAST_GROUPS nests with nla_nest_start_noflag, so NLA_F_NESTED is clear on the wire.
 */
const nlctrlAttrs = (): Uint8Array =>
  new AttributeEncoder()
    .string(CTRL_ATTR_FAMILY_NAME, "nlctrl")
    .u16(CTRL_ATTR_FAMILY_ID, GENL_ID_CTRL)
    .u32(CTRL_ATTR_VERSION, 2)
    .u32(CTRL_ATTR_HDRSIZE, 0)
    .u32(CTRL_ATTR_MAXATTR, 0)
    .nested(
      CTRL_ATTR_OPS,
      (ops) =>
        ops
          .nested(1, (op) => op.u32(CTRL_ATTR_OP_ID, CTRL_CMD_GETFAMILY).u32(CTRL_ATTR_OP_FLAGS, 0x0e), false)
          .nested(2, (op) => op.u32(CTRL_ATTR_OP_ID, CTRL_CMD_GETPOLICY).u32(CTRL_ATTR_OP_FLAGS, 0x0c), false),
      false,
    )
    .nested(
      CTRL_ATTR_MCAST_GROUPS,
      (groups) =>
        groups.nested(
          1,
          (g) => g.u32(CTRL_ATTR_MCAST_GRP_ID, GENL_ID_CTRL).string(CTRL_ATTR_MCAST_GRP_NAME, "notify"),
          false,
        ),
      false,
    )
    .finish();

const reply = encodeMessage({
  type: GENL_ID_CTRL,
  flags: 0,
  seq: 1,
  pid: 4242,
  payload: concat(encodeGenlmsghdr({ cmd: CTRL_CMD_NEWFAMILY, version: 2 }), nlctrlAttrs()),
});

/** nlctrl's nests: OPS and MCAST_GROUPS at the top, their numbered entries one level down. */
const ctrlNests = (type: number, depth: number): boolean =>
  (depth === 0 && (type === CTRL_ATTR_OPS || type === CTRL_ATTR_MCAST_GROUPS)) || depth === 1;

describe('the nlctrl GETFAMILY reply for "nlctrl" (af_netlink.md §12, §13)', () => {
  it("is exactly the kernel's 136 bytes", () => {
    expect(reply).toHaveLength(136);
    expect(toHex(reply)).toBe(
      toHex(
        hex(
          "88000000 1000 0000 01000000 92100000" + // nlmsghdr: len 136, type 0x10, seq 1
            "01 02 0000" + // genlmsghdr: CTRL_CMD_NEWFAMILY, version 2
            "0b00 0200 6e6c6374726c00 00" + // FAMILY_NAME "nlctrl"
            "0600 0100 1000 0000" + // FAMILY_ID u16 16, nla_len 6
            "0800 0300 02000000" + // VERSION 2
            "0800 0400 00000000" + // HDRSIZE 0
            "0800 0500 00000000" + // MAXATTR 0
            "2c00 0600" + // OPS
            "1400 0100 0800 0100 03000000 0800 0200 0e000000" +
            "1400 0200 0800 0100 0a000000 0800 0200 0c000000" +
            "1c00 0700" + // MCAST_GROUPS
            "1800 0100 0800 0200 10000000 0b00 0100 6e6f7469667900 00",
        ),
      ),
    );
  });

  it("parses back with the genlmsghdr and the attributes in the kernel's order", () => {
    const [m] = parseMessages(reply);
    expect(m!.len).toBe(136);
    expect(m!.type).toBe(GENL_ID_CTRL);
    expect(parseGenlmsghdr(m!.payload)).toEqual({ cmd: CTRL_CMD_NEWFAMILY, version: 2, reserved: 0 });
    const tree = parseAttrTree(m!.payload.subarray(GENL_HDRLEN), NLMSG_HDRLEN + GENL_HDRLEN, ctrlNests);
    expect(tree.map((a) => a.type)).toEqual([
      CTRL_ATTR_FAMILY_NAME,
      CTRL_ATTR_FAMILY_ID,
      CTRL_ATTR_VERSION,
      CTRL_ATTR_HDRSIZE,
      CTRL_ATTR_MAXATTR,
      CTRL_ATTR_OPS,
      CTRL_ATTR_MCAST_GROUPS,
    ]);
    expect(tree.map((a) => a.offset)).toEqual([20, 32, 40, 48, 56, 64, 108]);
    const [name, id, version, hdrsize, maxattr, ops, groups] = tree as [NlAttrNode, ...NlAttrNode[]];
    expect(attrString(name)).toBe("nlctrl");
    expect(getU16(reply, id!.offset)).toBe(6); // FAMILY_ID is a u16 attribute: nla_len 6
    expect(attrU16(id!)).toBe(16);
    expect([attrU32(version!), attrU32(hdrsize!), attrU32(maxattr!)]).toEqual([2, 0, 0]);
    expect(ops!.nested).toBe(false);
    const opList = ops!.children!.map((op) => ({
      index: op.type,
      fields: op.children!.map((f) => [f.type, attrU32(f)]),
    }));
    expect(opList).toEqual([
      {
        index: 1,
        fields: [
          [CTRL_ATTR_OP_ID, 3],
          [CTRL_ATTR_OP_FLAGS, 0x0e],
        ],
      },
      {
        index: 2,
        fields: [
          [CTRL_ATTR_OP_ID, 10],
          [CTRL_ATTR_OP_FLAGS, 0x0c],
        ],
      },
    ]);
    const [grp] = groups!.children!;
    expect(grp!.type).toBe(1);
    expect(grp!.children!.map((f) => f.type)).toEqual([CTRL_ATTR_MCAST_GRP_ID, CTRL_ATTR_MCAST_GRP_NAME]);
    expect(attrU32(grp!.children![0]!)).toBe(16);
    expect(attrString(grp!.children![1]!)).toBe("notify");
  });

  it("reads the same way with AttributeDecoder, nested decoders continuing the offsets", () => {
    const d = new AttributeDecoder(reply.subarray(20), 20);
    const seen: Array<[number, unknown]> = [];
    while (d.next()) {
      switch (d.type) {
        case CTRL_ATTR_FAMILY_NAME:
          seen.push([d.type, d.strz()]);
          break;
        case CTRL_ATTR_FAMILY_ID:
          seen.push([d.type, d.u16()]);
          break;
        case CTRL_ATTR_OPS: {
          const ops = d.nested();
          const ids: number[] = [];
          while (ops.next()) {
            const op = ops.nested();
            expect(op.next()).toBe(true);
            expect(op.attr.offset).toBe(ops.attr.offset + 4);
            ids.push(op.u32());
          }
          expect(ops.err).toBeUndefined();
          seen.push([d.type, ids]);
          break;
        }
        default:
          seen.push([d.type, d.attr.data.length]);
      }
    }
    expect(d.err).toBeUndefined();
    expect(seen).toEqual([
      [CTRL_ATTR_FAMILY_NAME, "nlctrl"],
      [CTRL_ATTR_FAMILY_ID, 16],
      [CTRL_ATTR_VERSION, 4],
      [CTRL_ATTR_HDRSIZE, 4],
      [CTRL_ATTR_MAXATTR, 4],
      [CTRL_ATTR_OPS, [3, 10]],
      [CTRL_ATTR_MCAST_GROUPS, 24],
    ]);
  });
});

describe("struct genlmsghdr", () => {
  it("encodes cmd, version and a little-endian reserved field", () => {
    expect(toHex(encodeGenlmsghdr({ cmd: 3, version: 1, reserved: 0x1234 }))).toBe("03013412");
    expect(parseGenlmsghdr(hex("03013412"))).toEqual({ cmd: 3, version: 1, reserved: 0x1234 });
  });

  it("a payload under 4 bytes throws short-struct at offset 16", () => {
    let err: unknown;
    try {
      parseGenlmsghdr(hex("0301"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkDecodeError);
    expect((err as NetlinkDecodeError).problem).toBe("short-struct");
    expect((err as NetlinkDecodeError).offset).toBe(16);
  });
});
