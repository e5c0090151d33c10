// Model invariants under random operation sequences, over many seeds:
// - rmem_alloc always equals the sum of the truesizes queued on the socket;
// - every message sent is delivered, counted as a drop, or reported to the sender as an error;
// - port ids stay unique per protocol, and the port-id hash agrees with the sockets.
import { describe, expect, it } from "vitest";
import { SeededPrng } from "../../../sim/prng.js";
import {
  CAP_NET_ADMIN,
  encodeMessage,
  encodeSockaddrNl,
  MSG_DONTWAIT,
  MSG_PEEK,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_DROP_MEMBERSHIP,
  NETLINK_NO_ENOBUFS,
  NETLINK_USERSOCK,
  SO_RCVBUF,
  SOCK_RAW,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../../uapi/index.js";
import type { Cred } from "../core/sock.js";
import {
  netlink_bind,
  netlink_create,
  netlink_recvmsg,
  netlink_release,
  netlink_sendmsg,
  setsockopt,
} from "./af_netlink.js";
import { type NetlinkSock, nlk_test_group } from "./sock.js";
import { Net } from "./table.js";

const ROOT: Cred = { tgid: 4000, uid: 0, gid: 0, caps: new Set([CAP_NET_ADMIN]) };
const int = (v: number): Uint8Array => Uint8Array.of(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);

const SEEDS = 150;
const STEPS = 250;

const queued = (sk: NetlinkSock): number => sk.sk_receive_queue.toArray().reduce((n, skb) => n + skb.truesize, 0);

const checkInvariants = (net: Net, live: NetlinkSock[], where: string): void => {
  for (const sk of live) {
    expect(sk.sk_rmem_alloc, `${where}: rmem_alloc of port ${sk.portid}`).toBe(queued(sk));
  }
  const bound = live.filter((s) => s.bound);
  const ids = bound.map((s) => s.portid >>> 0);
  expect(new Set(ids).size, `${where}: port ids unique`).toBe(ids.length);
  const hash = net.nl_table[NETLINK_USERSOCK]!.hash;
  expect(hash.size, `${where}: hash size`).toBe(bound.length);
  for (const s of bound) expect(hash.get(s.portid >>> 0), `${where}: hash entry of ${s.portid}`).toBe(s);
};

const runSeed = (seed: number): void => {
  const rnd = new SeededPrng(seed);
  const net = new Net({ prng: new SeededPrng(seed + 1_000_000) });
  const live: NetlinkSock[] = [];
  const pick = (): NetlinkSock | undefined => (live.length === 0 ? undefined : live[rnd.nextInt(live.length)]);

  for (let step = 0; step < STEPS; step++) {
    const where = `seed ${seed} step ${step}`;
    const op = rnd.nextInt(100);
    if (op < 8 || live.length === 0) {
      if (live.length < 8) {
        const sk = netlink_create(net, ROOT, SOCK_RAW, NETLINK_USERSOCK);
        if (typeof sk !== "number") live.push(sk);
      }
    } else if (op < 18) {
      const sk = pick()!;
      const pid = rnd.chance(0.5) ? 0 : 1 + rnd.nextInt(12);
      netlink_bind(sk, ROOT, encodeSockaddrNl({ pid, groups: rnd.chance(0.5) ? 1 << rnd.nextInt(3) : 0 }));
    } else if (op < 24) {
      const sk = pick()!;
      const r = rnd.nextInt(3);
      if (r === 0) setsockopt(sk, ROOT, SOL_SOCKET, SO_RCVBUF, int(1 + rnd.nextInt(6000)));
      else if (r === 1) setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_NO_ENOBUFS, int(rnd.nextInt(2)));
      else {
        const opt = rnd.chance(0.7) ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP;
        setsockopt(sk, ROOT, SOL_NETLINK, opt, int(1 + rnd.nextInt(3)));
      }
    } else if (op < 70) {
      // a send: unicast to a (maybe unknown) port id, or to a group
      const tx = pick()!;
      const group = rnd.chance(0.4) ? 1 + rnd.nextInt(3) : 0;
      const target = rnd.chance(0.8) ? pick() : undefined;
      const dst = group !== 0 && rnd.chance(0.5) ? 0 : target?.bound ? target.portid : 1 + rnd.nextInt(12);
      const msg = encodeMessage({ type: 16, payload: new Uint8Array(rnd.nextInt(rnd.chance(0.9) ? 300 : 5000)) });
      const before = live.map((s) => ({ q: s.sk_receive_queue.length, d: s.sk_drops }));
      const txWasBound = tx.bound;
      const ret = netlink_sendmsg(
        tx,
        ROOT,
        msg,
        MSG_DONTWAIT,
        encodeSockaddrNl({ pid: dst, groups: group ? 1 << (group - 1) : 0 }),
      );
      live.forEach((s, i) => {
        // broadcast copy: a member of the group other than the sender, not the excluded port id
        const member = group !== 0 && s !== tx && s.portid !== dst && nlk_test_group(s, group);
        const unicast = ret >= 0 && s.bound && s.portid === dst ? 1 : 0;
        const got = s.sk_receive_queue.length - before[i]!.q + (s.sk_drops - before[i]!.d);
        expect(
          got,
          `${where}: copies to port ${s.portid} (ret ${ret}, group ${group}, dst ${dst}, tx bound ${txWasBound})`,
        ).toBe((member ? 1 : 0) + unicast);
      });
      if (ret < 0) expect([-11, -111, -90, -105, -1]).toContain(ret);
      else expect(ret).toBe(msg.length);
    } else if (op < 95) {
      const sk = pick()!;
      const before = sk.sk_receive_queue.length;
      const peek = rnd.chance(0.1);
      const r = netlink_recvmsg(sk, rnd.nextInt(400), MSG_DONTWAIT | (peek ? MSG_PEEK : 0));
      const after = sk.sk_receive_queue.length;
      expect(after, `${where}: queue after recv (ret ${r.ret})`).toBe(r.ret >= 0 && !peek ? before - 1 : before);
    } else {
      const i = rnd.nextInt(live.length);
      netlink_release(live[i]!);
      live.splice(i, 1);
    }
    checkInvariants(net, live, where);
  }
};

describe("model invariants under random operations", () => {
  it(`hold for ${SEEDS} seeds × ${STEPS} steps (rmem = queued truesize, every copy delivered or dropped, unique port ids)`, () => {
    for (let seed = 1; seed <= SEEDS; seed++) runSeed(seed);
  }, 300_000);
});
