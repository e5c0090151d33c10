import { describe, expect, it } from "vitest";
import { AttributeEncoder, attrU32, parseAttrs } from "./attr.js";
import { toHex } from "./bytes.js";
import { NetlinkDecodeError } from "./decode-error.js";
import { errnoName } from "./errno.js";
import { encodeMessage, parseMessage, parseMessages } from "./msg.js";
import {
  NL_ATTR_TYPE_STRING,
  NL_ATTR_TYPE_U32,
  NL_POLICY_TYPE_ATTR_MAX_LENGTH,
  NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
  NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
  NL_POLICY_TYPE_ATTR_TYPE,
  NLA_F_NESTED,
  NLM_F_ACK,
  NLM_F_ACK_TLVS,
  NLM_F_CAPPED,
  NLM_F_REQUEST,
  NLMSG_ERROR,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
} from "./netlink.js";
import { encodeExtAckTlvs, encodeNlmsgerr, extAckInfo, parseNlmsgerr } from "./nlmsgerr.js";
import { NLA_REJECT, NLA_STRING, NLA_U32, NLA_UNSPEC } from "./policy.js";

/** Bytes from hex, spaces ignored. */
const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));

const PORT_ID = 4242; // 0x00001092
const PORT_ID_LE = "92100000";

/** The live NETLINK_ROUTE request of af_netlink.md §7: 20 bytes, type 0x7fff, flags REQUEST|ACK, seq 1. */
const request4 = encodeMessage({
  type: 0x7fff,
  flags: NLM_F_REQUEST | NLM_F_ACK,
  seq: 1,
  pid: 0,
  payload: hex("11223344"),
});

describe("NLMSG_ERROR replies, byte for byte against the live kernel (af_netlink.md §7)", () => {
  it("the 20-byte request is the header the kernel saw", () => {
    expect(toHex(request4)).toBe("14000000ff7f05000100000000000000" + "11223344");
  });

  it("an EOPNOTSUPP reply to the 20-byte request is the kernel's 40 bytes", () => {
    const reply = encodeNlmsgerr({ error: -95, request: request4, pid: PORT_ID, capped: false });
    expect(toHex(reply)).toBe(
      toHex(hex(`28000000 0200 0000 01000000 ${PORT_ID_LE} a1ffffff 14000000 ff7f 0500 01000000 00000000 11223344`)),
    );
  });

  it("the 40-byte reply parses back to error -95, the echoed header and the echoed payload", () => {
    const bytes = hex(
      `28000000 0200 0000 01000000 ${PORT_ID_LE} a1ffffff 14000000 ff7f 0500 01000000 00000000 11223344`,
    );
    const msgs = parseMessages(bytes);
    expect(msgs).toHaveLength(1);
    const m = msgs[0]!;
    expect({ len: m.len, type: m.type, flags: m.flags, seq: m.seq, pid: m.pid }).toEqual({
      len: 40,
      type: NLMSG_ERROR,
      flags: 0,
      seq: 1,
      pid: PORT_ID,
    });
    const e = parseNlmsgerr(m);
    expect(e.error).toBe(-95);
    expect(errnoName(e.error)).toBe("EOPNOTSUPP");
    expect(e.req).toEqual({ len: 20, type: 0x7fff, flags: 0x5, seq: 1, pid: 0 });
    expect(toHex(e.reqPayload!)).toBe("11223344");
    expect(e.tlvs).toBeUndefined();
    expect(e.tail).toHaveLength(0);
  });

  it("a 5-byte request payload gives a 44-byte reply echoing nlmsg_len 21 and padding the payload", () => {
    const request5 = encodeMessage({ type: 0x7fff, flags: 0x5, seq: 1, payload: hex("1122334455") });
    expect(request5).toHaveLength(21);
    const reply = encodeNlmsgerr({ error: -95, request: request5, pid: PORT_ID, capped: false });
    expect(reply).toHaveLength(44);
    expect(toHex(reply)).toBe(
      toHex(
        hex(
          `2c000000 0200 0000 01000000 ${PORT_ID_LE} a1ffffff 15000000 ff7f 0500 01000000 00000000 11223344 55000000`,
        ),
      ),
    );
    const e = parseNlmsgerr(parseMessage(reply));
    expect(e.req.len).toBe(21);
    expect(toHex(e.reqPayload!)).toBe("1122334455");
    expect(e.tail).toHaveLength(0);
  });

  it("a success ACK is capped: 36 bytes, NLM_F_CAPPED (0x100), error 0 and only the request header", () => {
    const ack = encodeNlmsgerr({ error: 0, request: request4, pid: PORT_ID, capped: true });
    expect(toHex(ack)).toBe(
      toHex(hex(`24000000 0200 0001 01000000 ${PORT_ID_LE} 00000000 14000000 ff7f 0500 01000000 00000000`)),
    );
    const m = parseMessage(ack);
    expect(m.flags).toBe(NLM_F_CAPPED);
    const e = parseNlmsgerr(m);
    expect(e.error).toBe(0);
    expect(e.req).toEqual({ len: 20, type: 0x7fff, flags: 0x5, seq: 1, pid: 0 });
    expect(e.reqPayload).toBeUndefined();
    expect(e.tail).toHaveLength(0);
  });

  it("an error under NETLINK_CAP_ACK is capped too and keeps its errno", () => {
    const reply = encodeNlmsgerr({ error: -95, request: request4, pid: PORT_ID, capped: true });
    expect(reply).toHaveLength(36);
    const e = parseNlmsgerr(parseMessage(reply));
    expect(e.error).toBe(-95);
    expect(e.reqPayload).toBeUndefined();
  });

  it("an extack with nothing to say sets no NLM_F_ACK_TLVS and adds no bytes", () => {
    const reply = encodeNlmsgerr({ error: -95, request: request4, pid: PORT_ID, capped: false, extack: {} });
    expect(reply).toHaveLength(40);
    expect(parseMessage(reply).flags & NLM_F_ACK_TLVS).toBe(0);
  });
});

describe("extended-ACK TLVs", () => {
  // An RTM_NEWLINK-like request: nlmsghdr, a zeroed 16-byte ifinfomsg, then IFLA_IFNAME (3) of 20 characters.
  const ifinfomsg = new Uint8Array(16);
  const attrs = new AttributeEncoder().string(3, "abcdefghijklmnopqrst").finish();
  const payload = new Uint8Array(ifinfomsg.length + attrs.length);
  payload.set(ifinfomsg, 0);
  payload.set(attrs, ifinfomsg.length);
  const request = encodeMessage({ type: 16, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 7, payload });
  const extack = {
    msg: "Attribute failed policy validation",
    badAttr: 32,
    policy: { type: NLA_STRING, len: 15 } as const,
  };
  const reply = encodeNlmsgerr({ error: -34, request, pid: PORT_ID, capped: false, extack });
  const tlvStart = 16 + 20 + payload.length;

  it("sets NLM_F_ACK_TLVS and appends MSG, OFFS, POLICY after the echoed request", () => {
    expect(request).toHaveLength(60);
    const m = parseMessage(reply);
    expect(m.flags).toBe(NLM_F_ACK_TLVS);
    // "Attribute failed policy validation" is 34 characters: nla_len 4 + 35 = 39, padded to 40
    const msgTlv = `2700 0100 ${Buffer.from(extack.msg).toString("hex")} 00 00`;
    const offsTlv = "0800 0200 20000000";
    const policyTlv = "1400 0480 0800 0700 0f000000 0800 0100 0b000000";
    expect(toHex(reply.subarray(tlvStart))).toBe(toHex(hex(msgTlv + offsTlv + policyTlv)));
    expect(reply).toHaveLength(tlvStart + 40 + 8 + 20);
    expect(m.len).toBe(reply.length);
  });

  it("the POLICY TLV is a nest: NLA_F_NESTED set, MAX_LENGTH(7)=15 then TYPE(1)=NL_ATTR_TYPE_STRING(11)", () => {
    const e = parseNlmsgerr(parseMessage(reply));
    expect(e.tlvs!.map((t) => t.type)).toEqual([NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS, NLMSGERR_ATTR_POLICY]);
    const policy = e.tlvs![2]!;
    expect(policy.nested).toBe(true);
    expect(reply[policy.offset + 3]! & (NLA_F_NESTED >> 8)).toBe(0x80);
    const inner = parseAttrs(policy.data);
    expect(inner.map((a) => [a.type, attrU32(a)])).toEqual([
      [NL_POLICY_TYPE_ATTR_MAX_LENGTH, 15],
      [NL_POLICY_TYPE_ATTR_TYPE, NL_ATTR_TYPE_STRING],
    ]);
  });

  it("parses back with extAckInfo: message, offset 32 and the policy nest's content", () => {
    const e = parseNlmsgerr(parseMessage(reply));
    expect(e.error).toBe(-34);
    expect(errnoName(e.error)).toBe("ERANGE");
    expect(toHex(e.reqPayload!)).toBe(toHex(payload));
    expect(e.tail).toHaveLength(0);
    const info = extAckInfo(e.tlvs!);
    expect(info.msg).toBe("Attribute failed policy validation");
    expect(info.offs).toBe(32);
    expect(toHex(info.policy!)).toBe("080007000f000000080001000b000000");
    expect(info.cookie).toBeUndefined();
    expect(info.missType).toBeUndefined();
  });

  it("TLV offsets count from the start of the NLMSG_ERROR message", () => {
    const e = parseNlmsgerr(parseMessage(reply));
    expect(e.tlvs!.map((t) => t.offset)).toEqual([tlvStart, tlvStart + 40, tlvStart + 48]);
  });

  it("a success ACK carries only MSG and COOKIE, never OFFS or POLICY", () => {
    const tlvs = encodeExtAckTlvs(0, { msg: "warn", badAttr: 32, policy: { type: NLA_U32 }, cookie: hex("0102") });
    expect(parseAttrs(tlvs).map((a) => a.type)).toEqual([NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_COOKIE]);
    const ack = encodeNlmsgerr({ error: 0, request: request4, pid: 1, capped: true, extack: { cookie: hex("0102") } });
    const m = parseMessage(ack);
    expect(m.flags).toBe(NLM_F_CAPPED | NLM_F_ACK_TLVS);
    expect(toHex(extAckInfo(parseNlmsgerr(m).tlvs!).cookie!)).toBe("0102");
  });

  it("an error keeps its cookie, right after MSG (netlink_ack_tlv_fill since 6.0)", () => {
    const tlvs = encodeExtAckTlvs(-22, { msg: "bad", cookie: hex("aabbcc"), badAttr: 20, missType: 5, missNest: 24 });
    expect(parseAttrs(tlvs).map((a) => a.type)).toEqual([
      NLMSGERR_ATTR_MSG,
      NLMSGERR_ATTR_COOKIE,
      NLMSGERR_ATTR_OFFS,
      NLMSGERR_ATTR_MISS_TYPE,
      NLMSGERR_ATTR_MISS_NEST,
    ]);
    const info = extAckInfo(parseAttrs(tlvs));
    expect(info).toEqual({ msg: "bad", cookie: hex("aabbcc"), offs: 20, missType: 5, missNest: 24 });
  });

  it("a policy the kernel cannot describe (NLA_REJECT, NLA_UNSPEC) writes no POLICY TLV", () => {
    for (const type of [NLA_REJECT, NLA_UNSPEC] as const) {
      const tlvs = encodeExtAckTlvs(-22, { msg: "x", badAttr: 20, policy: { type } });
      expect(parseAttrs(tlvs).map((a) => a.type)).toEqual([NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS]);
      // and with nothing else to say there are no TLVs at all
      expect(encodeExtAckTlvs(-22, { policy: { type } })).toHaveLength(0);
    }
  });

  it("an NLA_U32 policy is described with its full unsigned range before its type", () => {
    const tlvs = encodeExtAckTlvs(-22, { policy: { type: NLA_U32 } });
    expect(toHex(tlvs)).toBe(
      toHex(hex("2400 0480 0c00 0400 0000000000000000 0c00 0500 ffffffff00000000 0800 0100 04000000")),
    );
    const inner = parseAttrs(parseAttrs(tlvs)[0]!.data);
    expect(inner.map((a) => a.type)).toEqual([
      NL_POLICY_TYPE_ATTR_MIN_VALUE_U,
      NL_POLICY_TYPE_ATTR_MAX_VALUE_U,
      NL_POLICY_TYPE_ATTR_TYPE,
    ]);
    expect(attrU32(inner[2]!)).toBe(NL_ATTR_TYPE_U32);
  });
});

describe("parseNlmsgerr on odd input", () => {
  it("a payload shorter than struct nlmsgerr throws short-nlmsgerr at offset 16", () => {
    const m = parseMessage(encodeMessage({ type: NLMSG_ERROR, payload: new Uint8Array(19) }));
    let err: unknown;
    try {
      parseNlmsgerr(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NetlinkDecodeError);
    expect((err as NetlinkDecodeError).problem).toBe("short-nlmsgerr");
    expect((err as NetlinkDecodeError).offset).toBe(16);
  });

  it("exactly 20 payload bytes parse (the header-only echo of a capped ACK)", () => {
    const payload = hex("00000000 10000000 0300 0000 00000000 00000000");
    const e = parseNlmsgerr(parseMessage(encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_CAPPED, payload })));
    expect(e.error).toBe(0);
    expect(e.req).toEqual({ len: 16, type: 3, flags: 0, seq: 0, pid: 0 });
  });

  it("an echoed nlmsg_len beyond the message clamps the echoed payload to what is there and leaves no tail", () => {
    // req.len 0xfffffff0: NLMSG_ALIGN of the payload length must not wrap to a negative offset
    const payload = hex("a1ffffff f0ffffff ff7f 0500 01000000 00000000 11223344 55667788 99aabbcc");
    const e = parseNlmsgerr(parseMessage(encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_ACK_TLVS, payload })));
    expect(e.req.len).toBe(0xfffffff0);
    expect(toHex(e.reqPayload!)).toBe("112233445566778899aabbcc");
    expect(e.tlvs).toEqual([]);
    expect(e.tail).toHaveLength(0);
  });

  it("a TLV area that stops being whole goes to the tail", () => {
    const good = new AttributeEncoder().u32(NLMSGERR_ATTR_OFFS, 20).finish();
    const payload = new Uint8Array(20 + good.length + 6);
    payload.set(hex("eaffffff 10000000 0300 0000 00000000 00000000"), 0);
    payload.set(good, 20);
    payload.set(hex("4000 0100 0000"), 20 + good.length); // nla_len 64 runs past the end
    const e = parseNlmsgerr(
      parseMessage(encodeMessage({ type: NLMSG_ERROR, flags: NLM_F_CAPPED | NLM_F_ACK_TLVS, payload })),
    );
    expect(e.tlvs!.map((t) => t.type)).toEqual([NLMSGERR_ATTR_OFFS]);
    expect(toHex(e.tail)).toBe("400001000000");
  });
});
