// Socket filters through the Promise facade: the same calls as the Netlink service's (what a
// filter does to delivery is pinned by transport/filter.test.ts and the conformance scenarios).
import { describe, expect, it } from "vitest";
import { BPF_K, BPF_RET, BPF_STMT, NETLINK_USERSOCK } from "../kernel-model/uapi/index.js";
import { NetlinkError } from "./errors.js";
import { runPromiseProcess } from "./promise.js";
import { runWorld, testWorld } from "./testing/world.js";

describe("Promise API: socket filters", () => {
  it("detach without a filter is ENOENT; attach, read back, lock, and then detach is EPERM", async () => {
    const world = testWorld(1);
    const seen: unknown[] = [];
    runPromiseProcess(world, { name: "app" }, async (nl) => {
      const rx = await nl.openConn(NETLINK_USERSOCK);
      const dropAll = [BPF_STMT(BPF_RET | BPF_K, 0)];
      await expect(rx.detachFilter()).rejects.toMatchObject({ errno: "ENOENT" });
      await rx.attachFilter(dropAll);
      seen.push(await rx.getFilter());
      await rx.lockFilter();
      const err = await rx.detachFilter().catch((e: unknown) => e);
      seen.push(err instanceof NetlinkError ? err.errno : err);
      await rx.close();
    });
    await runWorld(world);
    expect(seen).toEqual([[{ code: BPF_RET | BPF_K, jt: 0, jf: 0, k: 0 }], "EPERM"]);
  });
});
