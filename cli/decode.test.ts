import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  encodeMessage,
  encodeNlmsgerr,
  NetlinkDecodeError,
  NLM_F_ACK,
  NLM_F_REQUEST,
} from "../kernel-model/uapi/index.js";
import { parseHex, parseProto, renderDecoded } from "./decode.js";
import { SAMPLES } from "./samples/build.js";

const SPEC_ERROR_HEX = "28000000020000000100000000000000a1ffffff14000000ff7f0500010000000000000011223344";
const bin = fileURLToPath(new URL("../bin/nlsim.js", import.meta.url));
const nlsim = (args: string[], input?: string) =>
  spawnSync(process.execPath, [bin, ...args], { input: input ?? "", encoding: "utf8", timeout: 60_000 });

describe("nlsim decode --json", () => {
  it("prints the 40-byte EOPNOTSUPP reply with error, errno name and the echoed request", () => {
    const out = JSON.parse(renderDecoded(parseHex(SPEC_ERROR_HEX), { json: true }));
    expect(out).toEqual([
      {
        len: 40,
        type: 2,
        flags: 0,
        seq: 1,
        pid: 0,
        error: -95,
        errno: "EOPNOTSUPP",
        req: { len: 20, type: 0x7fff, flags: 5, seq: 1, pid: 0, payload: "11223344" },
      },
    ]);
  });

  it("keeps the key order of the scenario trace shape", () => {
    const text = renderDecoded(parseHex(SPEC_ERROR_HEX), { json: true });
    expect(text).toBe(
      '[{"len":40,"type":2,"flags":0,"seq":1,"pid":0,"error":-95,"errno":"EOPNOTSUPP","req":{"len":20,"type":32767,"flags":5,"seq":1,"pid":0,"payload":"11223344"}}]\n',
    );
  });

  it("leaves the request payload out of req when NLM_F_CAPPED is set, and prints no errno for an ACK", () => {
    const out = JSON.parse(renderDecoded(SAMPLES["nlctrl-reply.bin"]!(), { json: true }));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ len: 136, type: 16, flags: 0, seq: 1, pid: 4242 });
    expect(out[0].payload).toHaveLength(240);
    expect(out[1]).toEqual({
      len: 36,
      type: 2,
      flags: 0x100,
      seq: 1,
      pid: 4242,
      error: 0,
      req: { len: 32, type: 16, flags: 5, seq: 1, pid: 0 },
    });
  });

  it("prints extack TLVs in wire order and the policy nest as hex", () => {
    const request = encodeMessage({
      type: 16,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 7,
      pid: 0,
      payload: new Uint8Array(20),
    });
    const reply = encodeNlmsgerr({
      error: -34,
      request,
      pid: 99,
      capped: true,
      extack: { msg: "Attribute failed policy validation", badAttr: 32, policy: { type: 5, len: 15 } },
    });
    const [m] = JSON.parse(renderDecoded(reply, { json: true }));
    expect(m.flags).toBe(0x300);
    expect(m.errno).toBe("ERANGE");
    expect(Object.keys(m.extack)).toEqual(["msg", "offs", "policy"]);
    expect(m.extack).toEqual({
      msg: "Attribute failed policy validation",
      offs: 32,
      // NL_POLICY_TYPE_ATTR_MAX_LENGTH (7) = 15, then NL_POLICY_TYPE_ATTR_TYPE (1) = NL_ATTR_TYPE_STRING (11)
      policy: "080007000f000000080001000b000000",
    });
    expect(m.tail).toBeUndefined();
  });

  it("shows a short NLMSG_ERROR (under 20 payload bytes) as a plain message", () => {
    const [m] = JSON.parse(renderDecoded(parseHex("14000000020000000000000000000000ffffffff"), { json: true }));
    expect(m).toEqual({ len: 20, type: 2, flags: 0, seq: 0, pid: 0, payload: "ffffffff" });
  });
});

describe("nlsim decode text", () => {
  it("names fields, flags and the errno", () => {
    const text = renderDecoded(parseHex(SPEC_ERROR_HEX), { json: false, protocol: 0 });
    expect(text).toContain("nlmsg_type   2 (NLMSG_ERROR)");
    expect(text).toContain("error        -95 (EOPNOTSUPP: Operation not supported)");
    expect(text).toContain("nlmsg_flags  0x0005 (NLM_F_REQUEST|NLM_F_ACK)");
  });

  it("--proto generic names the nlctrl attributes, nests included", () => {
    const text = renderDecoded(SAMPLES["nlctrl-reply.bin"]!(), { json: false, protocol: 16 });
    expect(text).toContain("cmd          1 (CTRL_CMD_NEWFAMILY)");
    expect(text).toContain('@20 nla_len 11 CTRL_ATTR_FAMILY_NAME (2): "nlctrl"');
    expect(text).toContain("@32 nla_len 6 CTRL_ATTR_FAMILY_ID (1): u16 16");
    expect(text).toContain("@72 nla_len 8 CTRL_ATTR_OP_ID (1): u32 3");
    expect(text).toContain('@124 nla_len 11 CTRL_ATTR_MCAST_GRP_NAME (1): "notify"');
    expect(text).toContain("request payload left out (NLM_F_CAPPED)");
  });

  it("names NLM_F_DUMP on a dump request", () => {
    const text = renderDecoded(parseHex("14000000120001030100000000000000 00000000"), { json: false, protocol: 0 });
    expect(text).toContain("(NLM_F_REQUEST|NLM_F_DUMP)");
  });
});

describe("input parsing", () => {
  it("accepts spaces, 0x prefixes and colons in hex", () => {
    expect(Array.from(parseHex("0x10 00:00\n00"))).toEqual([0x10, 0, 0, 0]);
  });

  it("rejects odd and non-hex input with a decode error", () => {
    expect(() => parseHex("abc")).toThrow(NetlinkDecodeError);
    expect(() => parseHex("zz")).toThrow(/not a hex digit/);
  });

  it("knows protocols by short name, uapi name and number", () => {
    expect(parseProto("generic")).toBe(16);
    expect(parseProto("NETLINK_ROUTE")).toBe(0);
    expect(parseProto("2")).toBe(2);
    expect(parseProto("32")).toBeUndefined();
    expect(parseProto("bogus")).toBeUndefined();
  });

  it("reports malformed messages with the problem and offset", () => {
    expect(() => renderDecoded(parseHex("2800000002000000"), { json: true })).toThrow(
      /too short for a 16-byte nlmsghdr \(at byte offset 0\)/,
    );
    expect(() => renderDecoded(parseHex("08000000020000000000000000000000"), { json: true })).toThrow(/nlmsg_len 8/);
  });
});

describe("bundled samples", () => {
  it("match what the codec builds", () => {
    for (const [name, build] of Object.entries(SAMPLES)) {
      const onDisk = new Uint8Array(readFileSync(new URL(`./samples/${name}`, import.meta.url)));
      expect(onDisk, name).toEqual(build());
    }
  });
});

describe("the nlsim binary", () => {
  it("decodes hex from an argument with exit status 0", () => {
    const r = nlsim(["decode", "--json", SPEC_ERROR_HEX]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0].errno).toBe("EOPNOTSUPP");
  });

  it("reads hex from stdin", () => {
    const r = nlsim(["decode", "--json"], "10000000 0300 0200 01000000 00000000\n");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([{ len: 16, type: 3, flags: 2, seq: 1, pid: 0, payload: "" }]);
  });

  it("exits 2 with a clear message on malformed bytes, bad hex, a missing file and an unknown flag", () => {
    const short = nlsim(["decode", "2800"]);
    expect(short.status).toBe(2);
    expect(short.stderr).toContain("malformed netlink bytes");
    expect(short.stderr).toContain("short-header");
    const badHex = nlsim(["decode", "zz"]);
    expect(badHex.status).toBe(2);
    expect(badHex.stderr).toContain("not a hex digit");
    const missing = nlsim(["decode", "--file", "/nonexistent/nlsim.bin"]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("cannot read input");
    const flag = nlsim(["decode", "--bogus"]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain("--bogus");
  }, 120_000); // four CLI start-ups: a loaded machine takes ~9 s each
});
