// One typed program, generated from the kernel's nlctrl, rt-link, rt-addr and rt-route specs, on
// both transports: the simulator, and the real kernel (non-blocking sockets, a timeout, and only
// what any Linux host has: NETLINK_ROUTE, NETLINK_GENERIC, nlctrl and lo).
import { Effect, Exit, Fiber, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { NLM_F_CREATE, NLM_F_EXCL } from "../kernel-model/uapi/index.js";
import { nativeAvailability } from "../native/index.js";
import { World } from "../sim/world.js";
import { runProcess } from "../transport/index.js";
import { kernelLayer } from "../transport/kernel.js";
import { openYnl } from "./client.js";
import { loadSpec } from "./load.js";
import type { NlctrlOps } from "./types/nlctrl.js";
import type { RtAddrOps } from "./types/rt-addr.js";
import type { RtLinkOps } from "./types/rt-link.js";
import type { RtRouteOps } from "./types/rt-route.js";

const availability = nativeAvailability();
if (!availability.ok) console.warn(`ynl/client.test.ts: the kernel side is skipped: ${availability.reason}`);

const program = Effect.gen(function* () {
  const ctrl = yield* openYnl<NlctrlOps>(loadSpec("nlctrl"));
  const nlctrl = yield* ctrl.do("getfamily", { familyName: "nlctrl" });
  const families = yield* ctrl.dumpAll("getfamily");
  const policies = yield* ctrl.dumpAll("getpolicy", { familyName: "nlctrl" });
  const missing = yield* ctrl
    .do("getfamily", { familyName: "no-such-family" })
    .pipe(Effect.match({ onFailure: (e) => ("errno" in e ? e.errno : e._tag), onSuccess: () => "found" }));

  const link = yield* openYnl<RtLinkOps>(loadSpec("rt-link"));
  const links = yield* link.dumpAll("getlink");
  const lo = yield* link.do("getlink", { ifname: "lo" });
  const noSuchLink = yield* link
    .do("getlink", { ifname: "nlsim-none0" })
    .pipe(Effect.match({ onFailure: (e) => ("errno" in e ? e.errno : e._tag), onSuccess: () => "found" }));
  const addrs = yield* (yield* openYnl<RtAddrOps>(loadSpec("rt-addr"))).dumpAll("getaddr");
  const routes = yield* (yield* openYnl<RtRouteOps>(loadSpec("rt-route"))).dumpAll("getroute");
  return { nlctrl, families, policies, missing, links, lo, noSuchLink, addrs, routes };
});

type Result = Effect.Success<typeof program>;

const onSim = async (): Promise<Result> => {
  const w = new World({ seed: 5 });
  const p = runProcess(w, { name: "ynl" }, Effect.scoped(program));
  await w.run();
  const e = p.exit();
  if (e === undefined || !Exit.isSuccess(e)) throw new Error(`sim: ${String(e)}`);
  return e.value;
};

/** What holds on any kernel: nlctrl as the kernel registers it, lo, and well-formed objects. */
const checkAnyKernel = (r: Result): void => {
  expect(r.nlctrl).toMatchObject({ familyName: "nlctrl", familyId: 16, mcastGroups: [{ name: "notify", id: 16 }] });
  expect(r.nlctrl?.ops?.map((o) => o.id)).toEqual([3, 10]);
  expect(r.nlctrl?.ops?.[0]?.flags).toEqual(["cmd-cap-do", "cmd-cap-dump", "cmd-cap-haspol"]);
  expect(r.families.map((f) => f.familyName)).toContain("nlctrl");
  // GETPOLICY names nlctrl's two policies: the family-id and family-name attributes of getfamily
  const policyTypes = r.policies.flatMap((p) => Object.values(p.policy ?? {}).flatMap((x) => Object.values(x)));
  expect(policyTypes.map((t) => t.type)).toEqual(expect.arrayContaining(["u16", "nul-string"]));
  expect(r.missing).toBe("ENOENT");
  const lo = r.links.find((l) => l.ifname === "lo");
  expect(lo).toMatchObject({ ifiIndex: 1, ifiType: 772, mtu: 65536 });
  expect(lo?.ifiFlags).toContain("loopback");
  expect(r.lo).toMatchObject({ ifname: "lo", ifiIndex: 1 });
  expect(r.noSuchLink).toBe("ENODEV");
  for (const a of r.addrs) expect([2, 10]).toContain(a.ifaFamily);
  for (const rt of r.routes) expect(typeof rt.rtmTable).toBe("number");
};

describe("a typed YNL client on both transports", () => {
  it("answers nlctrl, rt-link, rt-addr and rt-route on the simulator", async () => {
    const r = await onSim();
    checkAnyKernel(r);
    // the default profile: a fresh namespace, lo down, so no addresses or routes yet
    expect(r.families.map((f) => f.familyName)).toEqual([
      "nlctrl",
      "netdev",
      "ethtool",
      "tcp_metrics",
      "mptcp_pm",
      "SEG6",
      "IOAM6",
      "TASKSTATS",
    ]);
    expect(r.links.map((l) => l.ifname)).toEqual(["lo"]);
    expect(r.addrs).toEqual([]);
    expect(r.routes).toEqual([]);
  });

  it.skipIf(!availability.ok)("runs unchanged on the real kernel", async () => {
    const r = await Effect.runPromise(
      Effect.scoped(program).pipe(Effect.provide(kernelLayer), Effect.timeout("20 seconds")),
    );
    checkAnyKernel(r);
    const sim = await onSim();
    expect(r.nlctrl).toEqual(sim.nlctrl);
  });
});

/** Compile-time checks (typecheck runs them; the program itself never runs): the generated types refuse what the spec does not allow. */
const typeChecks = Effect.gen(function* () {
  const link = yield* openYnl<RtLinkOps>(loadSpec("rt-link"));
  // @ts-expect-error: no such operation
  yield* link.do("getlinks", {});
  // @ts-expect-error: a getlink do request does not carry mtu
  yield* link.do("getlink", { mtu: 1500 });
  // @ts-expect-error: ifname is a string
  yield* link.do("getlink", { ifname: 1 });
  const ctrl = yield* openYnl<NlctrlOps>(loadSpec("nlctrl"));
  const f = yield* ctrl.do("getfamily", { familyName: "nlctrl" });
  // @ts-expect-error: familyId is a number
  const s: string | undefined = f?.familyId;
  return s;
});
void typeChecks;

describe("the typed client changes rtnetlink state and hears it (simulator)", () => {
  it("creates ifb0, brings it up, adds 10.0.0.1/24, and decodes the RTM_NEWLINK notifications", async () => {
    const w = new World({ seed: 9 });
    const p = runProcess(
      w,
      { name: "ip" },
      Effect.scoped(
        Effect.gen(function* () {
          const link = yield* openYnl<RtLinkOps>(loadSpec("rt-link"));
          const addr = yield* openYnl<RtAddrOps>(loadSpec("rt-addr"));
          const heard = yield* Effect.forkScoped(Stream.runCollect(Stream.take(link.subscribe("rtnlgrp-link"), 2)));
          yield* Effect.yieldNow;
          yield* link.do(
            "newlink",
            { ifname: "ifb0", linkinfo: { kind: "ifb" } },
            { flags: NLM_F_CREATE | NLM_F_EXCL },
          );
          const ifb = yield* link.do("getlink", { ifname: "ifb0" });
          const index = ifb?.ifiIndex ?? 0;
          yield* link.do("setlink", { ifiIndex: index, ifiFlags: ["up"], ifiChange: 1 });
          yield* addr.do(
            "newaddr",
            {
              ifaFamily: 2,
              ifaPrefixlen: 24,
              ifaIndex: index,
              local: Uint8Array.of(10, 0, 0, 1),
              address: Uint8Array.of(10, 0, 0, 1),
            },
            { flags: NLM_F_CREATE | NLM_F_EXCL },
          );
          const addrs = yield* addr.dumpAll("getaddr");
          const notes = Array.from(yield* Fiber.join(heard));
          return {
            kind: ifb?.linkinfo?.kind,
            notes: notes.map((n) => [n.op, (n.value as { ifname?: string }).ifname, n.group]),
            up: ((notes[1]?.value ?? {}) as { ifiFlags?: ReadonlyArray<unknown> }).ifiFlags?.includes("up"),
            addrs: addrs.map((a) => [a.ifaIndex, a.ifaPrefixlen, Array.from(a.local ?? [])]),
            index,
          };
        }),
      ),
    );
    await w.run();
    const e = p.exit();
    if (e === undefined || !Exit.isSuccess(e)) throw new Error(`sim: ${String(e)}`);
    const r = e.value;
    expect(r.kind).toBe("ifb");
    expect(r.notes).toEqual([
      ["newlinkNtf", "ifb0", 1],
      ["newlinkNtf", "ifb0", 1],
    ]);
    expect(r.up).toBe(true);
    // IPv4's address, then IPv6's: up gave ifb0 its EUI-64 link-local fe80::/64 (no IFA_LOCAL)
    expect(r.addrs).toEqual([
      [r.index, 24, [10, 0, 0, 1]],
      [r.index, 64, []],
    ]);
  });
});
