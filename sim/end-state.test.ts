import { describe, expect, it } from "vitest";
import { encodeMessage, encodeSockaddrNl, NETLINK_USERSOCK, SOCK_RAW } from "../kernel-model/uapi/index.js";
import { endStateProblems } from "./end-state.js";
import { spawnProcess } from "./process.js";
import { World } from "./world.js";

/** A receiver that reads `reads` of the three messages a sender sends it, then exits. */
const world = (reads: number): World => {
  const w = new World({ seed: 3 });
  spawnProcess(w, { name: "receiver", pid: 500 }, async (p) => {
    const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
    p.bind(fd, encodeSockaddrNl({ pid: 0, groups: 0 }));
    await w.msleep(5);
    for (let i = 0; i < reads; i++) await p.recvmsg(fd, 4096, 0);
    await w.msleep(100);
  });
  spawnProcess(w, { name: "sender", pid: 501 }, async (p) => {
    const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
    for (let i = 0; i < 3; i++) {
      await p.sendto(fd, encodeMessage({ type: 16, seq: i }), 0, encodeSockaddrNl({ pid: 500, groups: 0 }));
    }
    await w.msleep(10);
  });
  return w;
};

describe("endStateProblems", () => {
  it("finds nothing wrong when the programs exit, whether or not they drained their queues", async () => {
    for (const reads of [0, 3]) {
      const w = world(reads);
      const run = await w.run();
      expect(run.failed).toEqual([]);
      expect(endStateProblems(w, run)).toEqual([]);
    }
  });

  it("reports memory charged beyond the queued truesize", async () => {
    const w = world(1);
    let receiver: { sk_rmem_alloc: number } | undefined;
    // stop the receiver before it exits: the socket stays live with two messages queued
    spawnProcess(w, { name: "inspector", pid: 502 }, async () => {
      await w.msleep(50);
      receiver = w.net.sockets.find((s) => s.portid === 500 && !s.dead);
      if (receiver !== undefined) receiver.sk_rmem_alloc += 1;
    });
    const run = await w.run();
    expect(receiver).toBeDefined();
    // the receiver's release uncharges its queue; the extra byte stays with the released socket
    expect(endStateProblems(w, run)).toEqual([
      expect.stringMatching(/^released user socket of protocol 2 \(port 500\) still has 1 bytes charged$/),
    ]);
  });
});
