// Workloads through the kernel model directly (no scheduler, no Effect): the per-message core.
import type { Cred } from "../kernel-model/net/core/sock.js";
import {
  Net,
  type NetlinkSock,
  netlink_bind,
  netlink_broadcast,
  netlink_create,
  netlink_kernel_create,
  netlink_rcv_skb,
  netlink_recvmsg,
  netlink_sendmsg,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../kernel-model/net/netlink/index.js";
import {
  CAP_NET_ADMIN,
  encodeMessage,
  encodeSockaddrNl,
  MSG_DONTWAIT,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_REQUEST,
  SOCK_RAW,
} from "../kernel-model/uapi/index.js";
import { SeededPrng } from "../sim/prng.js";
import type { Suite } from "./harness.js";

const ROOT: Cred = { tgid: 1000, uid: 0, gid: 0, caps: new Set([CAP_NET_ADMIN]) };
const ECHO_UNIT = 25;
const BATCH = 64;

/** A socket of `protocol` bound to port `pid` and the `groups` mask (set-up: a failure throws). */
export const open = (net: Net, protocol: number, pid: number, groups = 0): NetlinkSock => {
  const sk = netlink_create(net, ROOT, SOCK_RAW, protocol);
  if (typeof sk === "number") throw new Error(`socket: ${sk}`);
  const r = netlink_bind(sk, ROOT, encodeSockaddrNl({ pid, groups }));
  if (r !== 0) throw new Error(`bind: ${r}`);
  return sk;
};

const expect = (what: string, got: number, want: number): void => {
  if (got !== want) throw new Error(`bench setup: ${what} returned ${got}, expected ${want}`);
};

/** model.unicast.oneway: user → user unicast of a 64-byte payload, sent and received in batches of 64. */
const unicastOneway = (): ((n: number) => number) => {
  const net = new Net({ prng: new SeededPrng(1) });
  const tx = open(net, NETLINK_USERSOCK, 100);
  const rx = open(net, NETLINK_USERSOCK, 200);
  const msg = encodeMessage({ type: 16, payload: new Uint8Array(64).fill(0x61) });
  const to = encodeSockaddrNl({ pid: 200, groups: 0 });
  expect("sendmsg", netlink_sendmsg(tx, ROOT, msg, MSG_DONTWAIT, to), msg.length);
  expect("recvmsg", netlink_recvmsg(rx, 4096, MSG_DONTWAIT).ret, msg.length);
  return (n) => {
    let sum = 0;
    for (let done = 0; done < n; ) {
      const k = Math.min(BATCH, n - done);
      for (let i = 0; i < k; i++) sum += netlink_sendmsg(tx, ROOT, msg, MSG_DONTWAIT, to);
      for (let i = 0; i < k; i++) sum += netlink_recvmsg(rx, 4096, MSG_DONTWAIT).ret;
      done += k;
    }
    return sum;
  };
};

/** model.echo.rtt: a request with NLM_F_ACK to a kernel module (netlink_rcv_skb), and its ACK back. */
const echoRtt = (): ((n: number) => number) => {
  const net = new Net({ prng: new SeededPrng(2) });
  const ksk = netlink_kernel_create(net, ECHO_UNIT, {
    input: (skb) => {
      netlink_rcv_skb(skb, () => 0);
    },
  });
  if (ksk === null) throw new Error("netlink_kernel_create failed");
  const user = open(net, ECHO_UNIT, 300);
  const req = encodeMessage({ type: 16, flags: NLM_F_REQUEST | NLM_F_ACK, seq: 1, payload: new Uint8Array(16) });
  const to = encodeSockaddrNl({ pid: 0, groups: 0 });
  expect("sendmsg", netlink_sendmsg(user, ROOT, req, MSG_DONTWAIT, to), req.length);
  expect("recvmsg (ACK)", netlink_recvmsg(user, 4096, MSG_DONTWAIT).ret, 36);
  return (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum += netlink_sendmsg(user, ROOT, req, MSG_DONTWAIT, to);
      sum += netlink_recvmsg(user, 4096, MSG_DONTWAIT).ret;
    }
    return sum;
  };
};

const LISTENERS = 1000;

/** model.broadcast.deliveries: a kernel socket broadcasts a 64-byte event to 1,000 listeners, which read it. */
const broadcastDeliveries = (): ((n: number) => number) => {
  const net = new Net({ prng: new SeededPrng(3) });
  const ksk = netlink_kernel_create(net, ECHO_UNIT, { groups: 32 });
  if (ksk === null) throw new Error("netlink_kernel_create failed");
  const listeners = Array.from({ length: LISTENERS }, (_, i) => open(net, ECHO_UNIT, 1000 + i, 1));
  const event = (): ReturnType<typeof nlmsg_new> => {
    const skb = nlmsg_new(64);
    const nlh = nlmsg_put(skb, 0, 0, 16, 64, 0);
    if (nlh === null) throw new Error("nlmsg_put failed");
    nlmsg_end(skb, nlh);
    return skb;
  };
  expect("netlink_broadcast", netlink_broadcast(ksk, event(), 0, 1), 0);
  for (const l of listeners) expect("recvmsg", netlink_recvmsg(l, 4096, MSG_DONTWAIT).ret, 80);
  // one operation = one broadcast and its LISTENERS reads (registered with scale LISTENERS)
  return (n) => {
    let sum = 0;
    for (let r = 0; r < n; r++) {
      sum += netlink_broadcast(ksk, event(), 0, 1);
      for (const l of listeners) sum += netlink_recvmsg(l, 4096, MSG_DONTWAIT).ret;
    }
    return sum;
  };
};

export const registerModel = (suite: Suite): void => {
  suite.add("model.unicast.oneway", unicastOneway());
  suite.add("model.echo.rtt", echoRtt(), "round trips/s");
  suite.add("model.broadcast.deliveries", broadcastDeliveries(), "deliveries/s", LISTENERS);
};
