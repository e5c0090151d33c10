import { describe, expect, it } from "vitest";
import { parseScenario, ScenarioError } from "./parse.js";

const SPEC_EXAMPLE = {
  name: "overrun-small-rcvbuf",
  protocol: 2,
  steps: [
    { do: "socket", as: "a" },
    { do: "bind", sock: "a", pid: 0, groups: 0 },
    { do: "socket", as: "b" },
    { do: "bind", sock: "b", pid: 0, groups: 1 },
    { do: "setsockopt", sock: "b", level: "SOL_SOCKET", name: "SO_RCVBUF", value: 1024 },
    {
      do: "sendto",
      sock: "a",
      to: { pid: 0, groups: 1 },
      msg: { type: 16, flags: 0, seq: 1, pid: "@a", payload: "68656c6c6f" },
      flags: ["MSG_DONTWAIT"],
      repeat: 5,
    },
    { do: "recv", sock: "b", size: 4096, flags: ["MSG_DONTWAIT"], repeat: 6 },
    { do: "proc" },
  ],
};

const parse = (o: unknown) => parseScenario(JSON.stringify(o), "t.json");
const withSteps = (steps: unknown[], extra: object = {}) => parse({ name: "t", protocol: 2, steps, ...extra });

describe("parseScenario", () => {
  it("reads the example of the format spec, resolving names to numbers", () => {
    const s = parse(SPEC_EXAMPLE);
    expect(s.name).toBe("overrun-small-rcvbuf");
    expect(s.steps).toHaveLength(8);
    expect(s.steps[0]).toMatchObject({ do: "socket", as: "a", type: 3, protocol: 2, repeat: 1 });
    expect(s.steps[4]).toMatchObject({ do: "setsockopt", level: 1, name: 8, value: { kind: "int", value: 1024 } });
    const send = s.steps[5]!;
    expect(send).toMatchObject({ do: "sendto", flags: 0x40, repeat: 5, to: { pid: { literal: 0 }, groups: 1 } });
    if (send.do !== "sendto") throw new Error("unreachable");
    expect(send.msgs[0]).toMatchObject({ kind: "fields", type: 16, pid: { sock: "a" } });
    expect(s.needsRoot).toBe(false);
  });

  it("expands fill hex, names of flags, socket types and NETLINK_ options without their prefix", () => {
    const s = withSteps([
      { do: "socket", as: "a", type: ["SOCK_DGRAM", "SOCK_NONBLOCK"] },
      {
        do: "send",
        sock: "a",
        msg: { type: 16, flags: ["NLM_F_REQUEST", "NLM_F_DUMP"], payload: { fill: "41", count: 3 } },
      },
      { do: "setsockopt", sock: "a", level: "SOL_NETLINK", name: "PKTINFO", value: 1 },
      { do: "getsockopt", sock: "a", level: 270, name: "NETLINK_LIST_MEMBERSHIPS", size: 8 },
    ]);
    expect(s.steps[0]).toMatchObject({ type: 2 | 0o4000 });
    const send = s.steps[1]!;
    if (send.do !== "send") throw new Error("unreachable");
    expect(send.msgs[0]).toMatchObject({ flags: 0x301, payload: Uint8Array.of(0x41, 0x41, 0x41) });
    expect(s.steps[2]).toMatchObject({ level: 270, name: 3 });
    expect(s.steps[3]).toMatchObject({ name: 9, size: 8 });
  });

  it("takes credentials from the top level and lets a step override them", () => {
    const s = withSteps(
      [
        { do: "socket", as: "a" },
        { do: "socket", as: "b", uid: 0, caps: ["CAP_NET_ADMIN"] },
      ],
      { uid: 1000 },
    );
    expect(s.steps[0]!.creds).toEqual({ uid: 1000, gid: 1000, caps: [] });
    expect(s.steps[1]!.creds).toEqual({ uid: 0, gid: 0, caps: [12] });
    expect(s.needsRoot).toBe(true);
  });

  const rejects: Array<[string, unknown, RegExp]> = [
    ["invalid JSON", "{", /invalid JSON/],
    ["an unknown step kind", { steps: [{ do: "fly" }] }, /step 0 \(fly\): unknown step kind "fly"/],
    [
      "an unknown key",
      { protocol: 2, steps: [{ do: "socket", as: "a", colour: 1 }] },
      /step 0 \(socket\): unknown key 'colour'/,
    ],
    [
      "bad hex",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "send", sock: "a", msg: { hex: "zz" } },
        ],
      },
      /step 1 \(send\): msg hex is not valid hex/,
    ],
    [
      "a socket no earlier step creates",
      { protocol: 2, steps: [{ do: "close", sock: "x" }] },
      /socket 'x' is not created by an earlier step/,
    ],
    [
      "a port id naming an unknown socket",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "bind", sock: "a", pid: "@zz", groups: 0 },
        ],
      },
      /'@zz' names a socket/,
    ],
    [
      "a name reused while open",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "socket", as: "a" },
        ],
      },
      /still open/,
    ],
    [
      "an unknown option name",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "getsockopt", sock: "a", level: "SOL_SOCKET", name: "SO_NOPE" },
        ],
      },
      /unknown option name "SO_NOPE"/,
    ],
    [
      "an unknown flag name",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "recv", sock: "a", flags: ["MSG_NOPE"] },
        ],
      },
      /unknown MSG flag name "MSG_NOPE"/,
    ],
    [
      "a recvmmsg without a vlen in 0..1024",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "recvmmsg", sock: "a", vlen: 2000 },
        ],
      },
      /'vlen' must be an integer in 0..1024/,
    ],
    ["an unknown capability", { protocol: 2, caps: ["CAP_MAGIC"], steps: [] }, /unknown capability "CAP_MAGIC"/],
    ["a socket without any protocol", { steps: [{ do: "socket", as: "a" }] }, /no protocol/],
    [
      "both msg and msgs",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "send", sock: "a", msg: { hex: "" }, msgs: [] },
        ],
      },
      /exactly one of 'msg' and 'msgs'/,
    ],
    [
      "a filter instruction that is not [code, jt, jf, k]",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "setsockopt", sock: "a", level: "SOL_SOCKET", name: "SO_ATTACH_FILTER", filter: [[6, 0, 0]] },
        ],
      },
      /step 1 \(setsockopt\): 'filter' instruction 0 must be \[code, jt, jf, k\]/,
    ],
    [
      "a filter jump offset above 255",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "setsockopt", sock: "a", level: "SOL_SOCKET", name: "SO_ATTACH_FILTER", filter: [[21, 256, 0, 0]] },
        ],
      },
      /jt and jf must be in 0..255/,
    ],
    [
      "both value and filter",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "setsockopt", sock: "a", level: "SOL_SOCKET", name: "SO_ATTACH_FILTER", value: 0, filter: [] },
        ],
      },
      /either 'value' or 'filter'/,
    ],
    [
      "filterLen without filter",
      {
        protocol: 2,
        steps: [
          { do: "socket", as: "a" },
          { do: "setsockopt", sock: "a", level: "SOL_SOCKET", name: "SO_ATTACH_FILTER", value: 0, filterLen: 1 },
        ],
      },
      /'filterLen' needs 'filter'/,
    ],
  ];
  for (const [what, input, re] of rejects) {
    it(`rejects ${what} with a message naming the step`, () => {
      const text = typeof input === "string" ? input : JSON.stringify(input);
      expect(() => parseScenario(text, "t.json")).toThrow(ScenarioError);
      expect(() => parseScenario(text, "t.json")).toThrow(re);
    });
  }

  it("reads a filter program as a struct sock_fprog (k may be negative) and SO_GET_FILTER by name", () => {
    const s = withSteps([
      { do: "socket", as: "a" },
      {
        do: "setsockopt",
        sock: "a",
        level: "SOL_SOCKET",
        name: "SO_ATTACH_FILTER",
        filter: [
          [0x20, 0, 0, -4084],
          [0x16, 0, 0, 0],
        ],
      },
      { do: "setsockopt", sock: "a", level: "SOL_SOCKET", name: "SO_ATTACH_FILTER", filter: [], filterLen: 4097 },
      { do: "getsockopt", sock: "a", level: "SOL_SOCKET", name: "SO_GET_FILTER", size: 8 },
    ]);
    expect(s.steps[1]).toMatchObject({
      name: 26,
      value: {
        kind: "fprog",
        len: 2,
        insns: [
          { code: 0x20, jt: 0, jf: 0, k: 0xfffff00c },
          { code: 0x16, jt: 0, jf: 0, k: 0 },
        ],
      },
    });
    expect(s.steps[2]).toMatchObject({ value: { kind: "fprog", len: 4097, insns: [] } });
    expect(s.steps[3]).toMatchObject({ do: "getsockopt", name: 26, size: 8 });
  });

  it("allows reusing a name after close", () => {
    const s = withSteps([
      { do: "socket", as: "a" },
      { do: "close", sock: "a" },
      { do: "socket", as: "a" },
    ]);
    expect(s.steps).toHaveLength(3);
  });
});
