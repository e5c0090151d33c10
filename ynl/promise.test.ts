// The YNL client through the Promise facade: the same typed operations as ynl/client.test.ts, on a
// simulated process (runPromiseProcess) and on the real kernel (runPromiseKernel).
import { describe, expect, it } from "vitest";
import { NLM_F_CREATE, NLM_F_EXCL } from "../kernel-model/uapi/index.js";
import { nativeAvailability } from "../native/index.js";
import { World } from "../sim/world.js";
import { NetlinkRequestError, type PromiseNetlink, runPromiseKernel, runPromiseProcess } from "../transport/index.js";
import { YnlEncodeError } from "./codec.js";
import { loadSpec } from "./load.js";
import { openPromiseYnl } from "./promise.js";
import type { NlctrlOps } from "./types/nlctrl.js";
import type { RtAddrOps } from "./types/rt-addr.js";
import type { RtLinkOps } from "./types/rt-link.js";

const availability = nativeAvailability();
if (!availability.ok) console.warn(`ynl/promise.test.ts: the kernel side is skipped: ${availability.reason}`);

/** What any kernel answers: nlctrl, lo, a missing link, a value the spec cannot encode. */
const queries = async (nl: PromiseNetlink) => {
  const ctrl = await openPromiseYnl<NlctrlOps>(nl, loadSpec("nlctrl"));
  const nlctrl = await ctrl.do("getfamily", { familyName: "nlctrl" });
  const names: string[] = [];
  for await (const f of ctrl.dump("getfamily")) names.push(f.familyName ?? "");
  const link = await openPromiseYnl<RtLinkOps>(nl, loadSpec("rt-link"));
  const lo = await link.do("getlink", { ifname: "lo" });
  const links = await link.dumpAll("getlink");
  const missing = await link.do("getlink", { ifname: "nlsim-none0" }).then(
    () => "found",
    (e: unknown) => (e instanceof NetlinkRequestError ? e.errno : String(e)),
  );
  // refused before anything is sent
  const tooBig = await link.do("newlink", { ifname: "nlsim-x0", mtu: 2 ** 32 }).then(
    () => "sent",
    (e: unknown) => (e instanceof YnlEncodeError ? e.message : String(e)),
  );
  await ctrl.close();
  await link.close();
  return { nlctrl, names, lo, links: links.map((l) => l.ifname), missing, tooBig };
};

const checkAnyKernel = (r: Awaited<ReturnType<typeof queries>>): void => {
  expect(r.nlctrl).toMatchObject({ familyName: "nlctrl", familyId: 16 });
  expect(r.names).toContain("nlctrl");
  expect(r.lo).toMatchObject({ ifname: "lo", ifiIndex: 1, mtu: 65536 });
  expect(r.links).toContain("lo");
  expect(r.missing).toBe("ENODEV");
  expect(r.tooBig).toBe("rt-link.yaml: newlink.mtu: 4294967296 is outside u32 (0..4294967295)");
};

describe("the YNL client through the Promise facade", () => {
  it("answers nlctrl and rt-link in a simulated process", async () => {
    const w = new World({ seed: 3 });
    let r: Awaited<ReturnType<typeof queries>> | undefined;
    runPromiseProcess(w, { name: "ynl" }, async (nl) => {
      r = await queries(nl);
    });
    const run = await w.run();
    expect(run.failed).toEqual([]);
    checkAnyKernel(r!);
    // the default profile: a fresh namespace has lo only
    expect(r!.links).toEqual(["lo"]);
  });

  it("hears the notifications of the changes another process makes", async () => {
    const w = new World({ seed: 4 });
    const heard: Array<[string | undefined, string | undefined, number]> = [];
    runPromiseProcess(w, { name: "monitor" }, async (nl) => {
      const link = await openPromiseYnl<RtLinkOps>(nl, loadSpec("rt-link"));
      for await (const n of link.subscribe("rtnlgrp-link")) {
        heard.push([n.op, (n.value as { ifname?: string }).ifname, n.group]);
        if (heard.length === 2) break;
      }
      await link.close();
    });
    let addrs: Array<[number | undefined, number | undefined]> = [];
    runPromiseProcess(w, { name: "ip" }, async (nl) => {
      const link = await openPromiseYnl<RtLinkOps>(nl, loadSpec("rt-link"));
      const addr = await openPromiseYnl<RtAddrOps>(nl, loadSpec("rt-addr"));
      await link.do("newlink", { ifname: "ifb0", linkinfo: { kind: "ifb" } }, { flags: NLM_F_CREATE | NLM_F_EXCL });
      const ifb = await link.do("getlink", { ifname: "ifb0" });
      const index = ifb?.ifiIndex ?? 0;
      await link.do("setlink", { ifiIndex: index, ifiFlags: ["up"], ifiChange: 1 });
      await addr.do(
        "newaddr",
        { ifaFamily: 2, ifaPrefixlen: 24, ifaIndex: index, local: Uint8Array.of(10, 0, 0, 1) },
        { flags: NLM_F_CREATE | NLM_F_EXCL },
      );
      addrs = (await addr.dumpAll("getaddr")).map((a) => [a.ifaIndex, a.ifaPrefixlen]);
      await link.close();
      await addr.close();
    });
    const run = await w.run();
    expect(run.failed).toEqual([]);
    expect(heard).toEqual([
      ["newlinkNtf", "ifb0", 1],
      ["newlinkNtf", "ifb0", 1],
    ]);
    // IPv4's address, then the EUI-64 link-local fe80::/64 that bringing ifb0 up gave it
    expect(addrs).toEqual([
      [2, 24],
      [2, 64],
    ]);
  });

  it("rejects a genetlink spec whose family the kernel lacks with ENOENT", async () => {
    const w = new World({ seed: 5 });
    let errno = "";
    runPromiseProcess(w, { name: "ynl" }, async (nl) => {
      errno = await openPromiseYnl(nl, loadSpec("fou")).then(
        () => "opened",
        (e: unknown) => (e instanceof NetlinkRequestError ? e.errno : String(e)),
      );
    });
    await w.run();
    expect(errno).toBe("ENOENT");
  });

  it.skipIf(!availability.ok)("runs unchanged on the real kernel", async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("the kernel did not answer within 20 s")), 20_000);
    });
    try {
      const r = await Promise.race([runPromiseKernel(queries), timeout]);
      checkAnyKernel(r);
    } finally {
      clearTimeout(timer);
    }
  });
});
