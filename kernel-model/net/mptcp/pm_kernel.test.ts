// The in-kernel path manager's endpoints and limits (pm_kernel.ts, pm_netlink.ts) in a namespace
// booted from the 6.18 profile.
import { describe, expect, it } from "vitest";
import {
  type AttributeEncoder,
  ERRNO,
  getU32,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  parseNested,
} from "../../uapi/index.js";
import { booted, errorOf, exchange, messagesOf, replyAttrs, request } from "../genetlink/test-helpers.js";
import { MPTCP_PM_ADDR_MAX } from "./pm_kernel.js";
import {
  AF_INET,
  AF_INET6,
  MPTCP_PM_ADDR_ATTR_ADDR4,
  MPTCP_PM_ADDR_ATTR_ADDR6,
  MPTCP_PM_ADDR_ATTR_FAMILY,
  MPTCP_PM_ADDR_ATTR_FLAGS,
  MPTCP_PM_ADDR_ATTR_ID,
  MPTCP_PM_ADDR_FLAG_SUBFLOW,
  MPTCP_PM_ATTR_ADDR,
  MPTCP_PM_ATTR_RCV_ADD_ADDRS,
  MPTCP_PM_ATTR_SUBFLOWS,
  MPTCP_PM_CMD_ADD_ADDR,
  MPTCP_PM_CMD_GET_ADDR,
  MPTCP_PM_CMD_GET_LIMITS,
  MPTCP_PM_CMD_SET_LIMITS,
  mptcp_addresses_equal,
} from "./pm_netlink.js";

const MPTCP_PM = 28;

const endpoint =
  (family: number, addr: Uint8Array, id?: number) =>
  (e: AttributeEncoder): unknown =>
    e.nested(MPTCP_PM_ATTR_ADDR, (n) => {
      n.u16(MPTCP_PM_ADDR_ATTR_FAMILY, family);
      if (id !== undefined) n.u8(MPTCP_PM_ADDR_ATTR_ID, id);
      n.binary(family === AF_INET ? MPTCP_PM_ADDR_ATTR_ADDR4 : MPTCP_PM_ADDR_ATTR_ADDR6, addr);
      n.u32(MPTCP_PM_ADDR_ATTR_FLAGS, MPTCP_PM_ADDR_FLAG_SUBFLOW);
    });

describe("mptcp_pm endpoints and limits", () => {
  it("treats an IPv4 address and its v4-mapped IPv6 form as the same endpoint", () => {
    const v4 = { family: AF_INET, id: 0, port: 0, addr: Uint8Array.of(10, 0, 0, 1) };
    const mapped = {
      family: AF_INET6,
      id: 0,
      port: 0,
      addr: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 0, 0, 1),
    };
    expect(mptcp_addresses_equal(v4, mapped, false)).toBe(true);
    expect(mptcp_addresses_equal(mapped, v4, false)).toBe(true);
    expect(mptcp_addresses_equal(v4, { ...v4, port: 80 }, true)).toBe(false);
    const { sk } = booted();
    const add = (family: number, addr: Uint8Array) =>
      errorOf(
        messagesOf(
          exchange(sk, request(MPTCP_PM, NLM_F_REQUEST | NLM_F_ACK, MPTCP_PM_CMD_ADD_ADDR, endpoint(family, addr))),
        )[0]!,
      );
    expect(add(AF_INET, v4.addr)).toBe(0);
    expect(add(AF_INET6, mapped.addr)).toBe(-ERRNO.EEXIST);
  });

  it("keeps at most MPTCP_PM_ADDR_MAX endpoints and dumps them in id order", () => {
    const { sk } = booted();
    const ids = [9, 4, 200, 1, 50, 7, 3, 120];
    ids.forEach((id, i) => {
      const req = request(
        MPTCP_PM,
        NLM_F_REQUEST | NLM_F_ACK,
        MPTCP_PM_CMD_ADD_ADDR,
        endpoint(AF_INET, Uint8Array.of(10, 0, 0, i + 1), id),
      );
      expect(errorOf(messagesOf(exchange(sk, req))[0]!)).toBe(0);
    });
    expect(ids.length).toBe(MPTCP_PM_ADDR_MAX);
    const more = request(
      MPTCP_PM,
      NLM_F_REQUEST | NLM_F_ACK,
      MPTCP_PM_CMD_ADD_ADDR,
      endpoint(AF_INET, Uint8Array.of(10, 0, 0, 99)),
    );
    expect(errorOf(messagesOf(exchange(sk, more))[0]!)).toBe(-ERRNO.ERANGE);
    const dumped = messagesOf(exchange(sk, request(MPTCP_PM, NLM_F_REQUEST | NLM_F_DUMP, MPTCP_PM_CMD_GET_ADDR)))
      .slice(0, -1)
      .map((m) => {
        const nest = parseNested(replyAttrs(m).get(MPTCP_PM_ATTR_ADDR)!);
        return nest.find((a) => a.type === MPTCP_PM_ADDR_ATTR_ID)!.data[0];
      });
    expect(dumped).toEqual([...ids].sort((a, b) => a - b));
  });

  it("changes both limits or neither", () => {
    const { sk } = booted();
    const limits = () => {
      const r = replyAttrs(messagesOf(exchange(sk, request(MPTCP_PM, NLM_F_REQUEST, MPTCP_PM_CMD_GET_LIMITS)))[0]!);
      return [getU32(r.get(MPTCP_PM_ATTR_RCV_ADD_ADDRS)!.data, 0), getU32(r.get(MPTCP_PM_ATTR_SUBFLOWS)!.data, 0)];
    };
    expect(limits()).toEqual([0, 2]);
    const set = (rcv: number, sub: number) =>
      errorOf(
        messagesOf(
          exchange(
            sk,
            request(MPTCP_PM, NLM_F_REQUEST | NLM_F_ACK, MPTCP_PM_CMD_SET_LIMITS, (e) =>
              e.u32(MPTCP_PM_ATTR_RCV_ADD_ADDRS, rcv).u32(MPTCP_PM_ATTR_SUBFLOWS, sub),
            ),
          ),
        )[0]!,
      );
    expect(set(4, MPTCP_PM_ADDR_MAX + 1)).toBe(-ERRNO.EINVAL);
    expect(limits()).toEqual([0, 2]);
    expect(set(4, 6)).toBe(0);
    expect(limits()).toEqual([4, 6]);
  });
});
