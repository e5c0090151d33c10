// The units the model implements in part (sock_diag, xfrm, audit, nfnetlink): what they cannot
// compute gets no answer and one printk line, and the datagram's next messages are still handled.
// (What they answer is compared with the live kernel by the units-*-dispatch conformance scenarios.)
import { describe, expect, it } from "vitest";
import { netlink_recvmsg, netlink_sendmsg } from "../kernel-model/net/netlink/af_netlink.js";
import { nladdr, openBound, ROOT } from "../kernel-model/net/netlink/test-helpers.js";
import {
  CAPABILITIES,
  concatBytes,
  ERRNO,
  encodeMessage,
  MSG_DONTWAIT,
  NETLINK_AUDIT,
  NETLINK_NETFILTER,
  NETLINK_SOCK_DIAG,
  NETLINK_XFRM,
  NLM_F_ACK,
  NLM_F_REQUEST,
  parseMessages,
  parseNlmsgerr,
} from "../kernel-model/uapi/index.js";
import { World } from "./world.js";

const answers = (unit: number, ...msgs: Uint8Array[]): { errors: number[]; log: string[] } => {
  // input in the sender's context, so that the answer is queued when sendmsg returns
  const world = new World({ seed: 1, netlinkInput: "process" });
  const net = world.net;
  const sk = openBound(net, 0x1092, 0, unit);
  const cred = { ...ROOT, caps: new Set([...ROOT.caps, CAPABILITIES.CAP_AUDIT_CONTROL]) };
  const req = concatBytes(msgs);
  expect(netlink_sendmsg(sk, cred, req, 0, nladdr(0))).toBe(req.length);
  const errors: number[] = [];
  for (;;) {
    const r = netlink_recvmsg(sk, 32768, MSG_DONTWAIT);
    if (r.ret === -ERRNO.EAGAIN) break;
    for (const m of parseMessages(r.data)) errors.push(parseNlmsgerr(m).error);
  }
  return { errors, log: world.dmesg().filter((l) => l.includes("nlsim:")) };
};

const msg = (type: number, seq: number, payload = new Uint8Array(0)): Uint8Array =>
  encodeMessage({ type, flags: NLM_F_REQUEST | NLM_F_ACK, seq, pid: 0x1092, payload });

describe("partly modelled units", () => {
  it("leave what they cannot compute unanswered, logged, and go on with the datagram", () => {
    // root: an xfrm GETSA, then a type past XFRM_MSG_MAX
    const xfrm = answers(NETLINK_XFRM, msg(0x12, 1), msg(0x29, 2));
    expect(xfrm.errors).toEqual([-ERRNO.EINVAL]);
    expect(xfrm.log).toEqual([expect.stringMatching(/NETLINK_XFRM request \(type 18\) is not modelled: no answer/)]);
    // a netlink_diag dump (AF_NETLINK, all protocols), then NLMSG_NOOP
    const diag = answers(NETLINK_SOCK_DIAG, msg(20, 1, Uint8Array.of(16, 255, 0, 0)), msg(1, 2));
    expect(diag.errors).toEqual([0]);
    expect(diag.log[0]).toMatch(/NETLINK_SOCK_DIAG family 16 dump \(type 20\) is not modelled/);
    // AUDIT_GET as root: allowed, so not modelled; AUDIT_LIST is gone
    const audit = answers(NETLINK_AUDIT, msg(1000, 1), msg(1002, 2));
    expect(audit.errors).toEqual([-ERRNO.EOPNOTSUPP]);
    expect(audit.log[0]).toMatch(/NETLINK_AUDIT request \(type 1000\)/);
    // a conntrack request (subsystem 1) and a batch
    const nf = answers(NETLINK_NETFILTER, msg(0x100, 1, new Uint8Array(4)));
    expect(nf.errors).toEqual([]);
    expect(nf.log[0]).toMatch(/NETLINK_NETFILTER subsystem 1 request/);
    expect(answers(NETLINK_NETFILTER, msg(16, 1, new Uint8Array(4))).log[0]).toMatch(/batch/);
  });
});
