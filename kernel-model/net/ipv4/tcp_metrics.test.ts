// tcp_metrics (tcp_metrics.ts): the model has no TCP, so a namespace's cache stays empty.
import { describe, expect, it } from "vitest";
import { ERRNO, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NLMSG_DONE } from "../../uapi/index.js";
import { booted, errorOf, exchange, messagesOf, request } from "../genetlink/test-helpers.js";
import { USER } from "../netlink/test-helpers.js";
import { TCP_METRICS_ATTR_ADDR_IPV4, TCP_METRICS_CMD_DEL, TCP_METRICS_CMD_GET } from "./tcp_metrics.js";

const TCP_METRICS = 27;

describe("tcp_metrics on an empty cache", () => {
  it("needs a destination to get, finds none, dumps nothing, and flushes without one", () => {
    const { sk } = booted();
    const ask = (cmd: number, attrs?: Parameters<typeof request>[3]) =>
      messagesOf(exchange(sk, request(TCP_METRICS, NLM_F_REQUEST | NLM_F_ACK, cmd, attrs)));
    expect(errorOf(ask(TCP_METRICS_CMD_GET)[0]!)).toBe(-ERRNO.EAFNOSUPPORT);
    expect(errorOf(ask(TCP_METRICS_CMD_GET, (e) => e.u32(TCP_METRICS_ATTR_ADDR_IPV4, 0x0100007f))[0]!)).toBe(
      -ERRNO.ESRCH,
    );
    expect(errorOf(ask(TCP_METRICS_CMD_DEL, (e) => e.u32(TCP_METRICS_ATTR_ADDR_IPV4, 0x0100007f))[0]!)).toBe(
      -ERRNO.ESRCH,
    );
    expect(errorOf(ask(TCP_METRICS_CMD_DEL)[0]!)).toBe(0);
    const dump = messagesOf(exchange(sk, request(TCP_METRICS, NLM_F_REQUEST | NLM_F_DUMP, TCP_METRICS_CMD_GET)));
    expect(dump.map((m) => m.type)).toEqual([NLMSG_DONE]);
    expect(
      errorOf(messagesOf(exchange(sk, request(TCP_METRICS, NLM_F_REQUEST | NLM_F_ACK, TCP_METRICS_CMD_DEL), USER))[0]!),
    ).toBe(-ERRNO.EPERM);
  });
});
