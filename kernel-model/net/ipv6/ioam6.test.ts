// IOAM6 namespaces and schemas (ioam6.ts) in a namespace booted from the 6.18 profile.
import { describe, expect, it } from "vitest";
import { getU16, getU32, NLM_F_ACK, NLM_F_DUMP, NLM_F_MULTI, NLM_F_REQUEST, NLMSG_DONE } from "../../uapi/index.js";
import { booted, errorOf, exchange, messagesOf, replyAttrs, request } from "../genetlink/test-helpers.js";
import {
  IOAM6_ATTR_NS_DATA,
  IOAM6_ATTR_NS_DATA_WIDE,
  IOAM6_ATTR_NS_ID,
  IOAM6_ATTR_SC_DATA,
  IOAM6_ATTR_SC_ID,
  IOAM6_CMD_ADD_NAMESPACE,
  IOAM6_CMD_ADD_SCHEMA,
  IOAM6_CMD_DEL_SCHEMA,
  IOAM6_CMD_DUMP_NAMESPACES,
  IOAM6_CMD_DUMP_SCHEMAS,
  IOAM6_CMD_NS_SET_SCHEMA,
} from "./ioam6.js";

const IOAM6 = 30;

describe("IOAM6 namespaces and schemas", () => {
  it("splits a dump over rounds and, as the kernel's rhashtable walk does, leaves out the element that did not fit", () => {
    const { sk } = booted();
    for (let id = 1; id <= 40; id++) {
      const add = request(IOAM6, NLM_F_REQUEST | NLM_F_ACK, IOAM6_CMD_ADD_SCHEMA, (e) =>
        e.u32(IOAM6_ATTR_SC_ID, id).binary(IOAM6_ATTR_SC_DATA, new Uint8Array(1020).fill(id)),
      );
      expect(errorOf(messagesOf(exchange(sk, add))[0]!)).toBe(0);
    }
    const datagrams = exchange(sk, request(IOAM6, NLM_F_REQUEST | NLM_F_DUMP, IOAM6_CMD_DUMP_SCHEMAS));
    const rounds = datagrams.map((d) => messagesOf([d]).length);
    expect(rounds).toEqual([30, 9, 1]); // 30 fit the first skb; the 31st is skipped; NLMSG_DONE alone
    const msgs = messagesOf(datagrams);
    expect(msgs.at(-1)!.type).toBe(NLMSG_DONE);
    const ids = msgs.slice(0, -1).map((m) => {
      expect(m.flags).toBe(NLM_F_MULTI);
      return getU32(replyAttrs(m).get(IOAM6_ATTR_SC_ID)!.data, 0);
    });
    expect(ids).toEqual(Array.from({ length: 40 }, (_, i) => i + 1).filter((id) => id !== 31));
  });

  it("links a namespace and a schema both ways, and a deleted schema unlinks its namespace", () => {
    const { sk } = booted();
    const ok = (cmd: number, attrs: Parameters<typeof request>[3]) =>
      expect(errorOf(messagesOf(exchange(sk, request(IOAM6, NLM_F_REQUEST | NLM_F_ACK, cmd, attrs)))[0]!)).toBe(0);
    ok(IOAM6_CMD_ADD_NAMESPACE, (e) => e.u16(IOAM6_ATTR_NS_ID, 7).u64(IOAM6_ATTR_NS_DATA_WIDE, 9n));
    ok(IOAM6_CMD_ADD_SCHEMA, (e) => e.u32(IOAM6_ATTR_SC_ID, 3).binary(IOAM6_ATTR_SC_DATA, Uint8Array.of(1)));
    ok(IOAM6_CMD_NS_SET_SCHEMA, (e) => e.u16(IOAM6_ATTR_NS_ID, 7).u32(IOAM6_ATTR_SC_ID, 3));
    const dump = (cmd: number) =>
      replyAttrs(messagesOf(exchange(sk, request(IOAM6, NLM_F_REQUEST | NLM_F_DUMP, cmd)))[0]!);
    const ns = dump(IOAM6_CMD_DUMP_NAMESPACES);
    expect(ns.has(IOAM6_ATTR_NS_DATA)).toBe(false); // not given: unavailable, not dumped
    expect(ns.get(IOAM6_ATTR_NS_DATA_WIDE)!.data.length).toBe(8);
    expect(getU32(ns.get(IOAM6_ATTR_SC_ID)!.data, 0)).toBe(3);
    const sc = dump(IOAM6_CMD_DUMP_SCHEMAS);
    expect(getU16(sc.get(IOAM6_ATTR_NS_ID)!.data, 0)).toBe(7);
    expect(sc.get(IOAM6_ATTR_SC_DATA)!.data).toEqual(Uint8Array.of(1, 0, 0, 0)); // padded to 4
    ok(IOAM6_CMD_DEL_SCHEMA, (e) => e.u32(IOAM6_ATTR_SC_ID, 3));
    expect(dump(IOAM6_CMD_DUMP_NAMESPACES).has(IOAM6_ATTR_SC_ID)).toBe(false);
  });
});
