// SEG6's tunnel source (seg6.ts) in a namespace booted from the 6.18 profile.
import { describe, expect, it } from "vitest";
import { ERRNO, NLM_F_ACK, NLM_F_REQUEST, NLMSG_ERROR, toHex } from "../../uapi/index.js";
import { booted, errorOf, exchange, messagesOf, replyAttrs, request } from "../genetlink/test-helpers.js";
import { ROOT, USER } from "../netlink/test-helpers.js";
import { SEG6_ATTR_DST, SEG6_CMD_GET_TUNSRC, SEG6_CMD_SET_TUNSRC } from "./seg6.js";

const SEG6 = 29;
const ADDR = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 7]);

describe("SEG6 tunnel source", () => {
  it("starts as ::, is replaced by SET_TUNSRC and read back by GET_TUNSRC, per namespace", () => {
    const a = booted();
    const b = booted();
    const get = (sk = a.sk) =>
      replyAttrs(messagesOf(exchange(sk, request(SEG6, NLM_F_REQUEST, SEG6_CMD_GET_TUNSRC)))[0]!);
    expect(toHex(get().get(SEG6_ATTR_DST)!.data)).toBe("00".repeat(16));
    const set = messagesOf(
      exchange(
        a.sk,
        request(SEG6, NLM_F_REQUEST | NLM_F_ACK, SEG6_CMD_SET_TUNSRC, (e) => e.binary(SEG6_ATTR_DST, ADDR)),
      ),
    );
    expect(errorOf(set[0]!)).toBe(0);
    expect(get().get(SEG6_ATTR_DST)!.data).toEqual(ADDR);
    expect(toHex(get(b.sk).get(SEG6_ATTR_DST)!.data)).toBe("00".repeat(16));
  });

  it("refuses SET_TUNSRC without an address, and both commands without CAP_NET_ADMIN", () => {
    const { sk } = booted();
    const ask = (cmd: number, cred = ROOT) =>
      messagesOf(exchange(sk, request(SEG6, NLM_F_REQUEST | NLM_F_ACK, cmd), cred))[0]!;
    expect(errorOf(ask(SEG6_CMD_SET_TUNSRC))).toBe(-ERRNO.EINVAL);
    const denied = ask(SEG6_CMD_GET_TUNSRC, USER);
    expect(denied.type).toBe(NLMSG_ERROR);
    expect(errorOf(denied)).toBe(-ERRNO.EPERM);
  });
});
