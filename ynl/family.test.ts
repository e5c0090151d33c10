import { Effect, Exit, Fiber, Stream } from "effect";
import { describe, expect, it } from "vitest";
import { NLMSG_HDRLEN, parseAttrs } from "../kernel-model/uapi/index.js";
import { World } from "../sim/world.js";
import { type Netlink, runProcess } from "../transport/index.js";
import { openYnl } from "./client.js";
import { decodeAttrs, type YnlObject } from "./codec.js";
import { registerSpecFamily } from "./family.js";
import { loadSpec, loadSpecText } from "./load.js";
import type { FouOps } from "./types/fou.js";
import type { HandshakeOps } from "./types/handshake.js";
import type { NlctrlOps } from "./types/nlctrl.js";

const fou = loadSpec("fou");
const nlctrl = loadSpec("nlctrl");

/** fou's ports, kept by the simulated module: add, del, get (do and dump). */
const fouModule = (world: World) => {
  const ports = new Map<number, YnlObject>();
  return registerSpecFamily(world, fou, {
    add: {
      do: (req, info) => {
        const port = req.port as number;
        if (ports.has(port)) {
          info.extack!.msg = "port in use";
          return -17; // -EEXIST
        }
        ports.set(port, req);
        return undefined;
      },
    },
    del: { do: (req) => (ports.delete(req.port as number) ? undefined : -2) },
    get: {
      do: (req) => ports.get(req.port as number) ?? -2,
      dump: () => [...ports.values()],
    },
  });
};

const run = async <A, E>(world: World, program: Effect.Effect<A, E, Netlink>, uid = 0): Promise<A> => {
  const p = runProcess(world, { name: "user", uid }, program);
  await world.run();
  const e = p.exit();
  if (e === undefined || !Exit.isSuccess(e)) throw new Error(`program failed: ${String(e)}`);
  return e.value as A;
};

/** What a failed request said: errno, extack message, offset and the failed policy (decoded by nlctrl's spec). */
const failure = <A, R>(eff: Effect.Effect<A, unknown, R>) =>
  Effect.match(eff, {
    onSuccess: () => ({ errno: "none" }),
    onFailure: (e) => {
      const x = e as { errno?: string; extack?: { msg?: string; offset?: number; policy?: Uint8Array } };
      const policy = x.extack?.policy;
      return {
        errno: x.errno ?? String(e),
        msg: x.extack?.msg,
        offset: x.extack?.offset,
        policy:
          policy === undefined
            ? undefined
            : decodeAttrs(nlctrl, nlctrl.attributeSets.get("policy-attrs")!, parseAttrs(policy)),
      };
    },
  });

describe("a simulated genl family declared from a spec (fou)", () => {
  it("appears in nlctrl's dump and GETPOLICY with ops, flags and the policies from `checks`", async () => {
    const world = new World({ seed: 1 });
    fouModule(world);
    const r = await run(
      world,
      Effect.scoped(
        Effect.gen(function* () {
          const ctrl = yield* openYnl<NlctrlOps>(nlctrl);
          const fam = yield* ctrl.do("getfamily", { familyName: "fou" });
          const names = (yield* ctrl.dumpAll("getfamily")).map((f) => f.familyName);
          const policies = yield* ctrl.dumpAll("getpolicy", { familyName: "fou" });
          return { fam, names, policies };
        }),
      ),
    );
    expect(r.names.at(-1)).toBe("fou");
    expect(r.fam).toMatchObject({ familyName: "fou", version: 1, hdrsize: 0, maxattr: 11 });
    expect(r.fam?.ops).toEqual([
      { id: 1, flags: ["admin-perm", "cmd-cap-do", "cmd-cap-haspol"] },
      { id: 2, flags: ["admin-perm", "cmd-cap-do", "cmd-cap-haspol"] },
      { id: 3, flags: ["cmd-cap-do", "cmd-cap-dump", "cmd-cap-haspol"] },
    ]);
    // kernel-policy: global — one policy for every op; its entries as the kernel dumps them
    const entries = Object.assign({}, ...r.policies.map((p) => p.policy?.[0] ?? {}));
    expect(entries[3]).toMatchObject({ type: "u8", minValueU: 1n, maxValueU: 255n }); // ipproto: min 1
    expect(entries[7]).toMatchObject({ type: "binary", minLength: 16, maxLength: 16 }); // local-v6: exact-len 16
    expect(entries[11]).toMatchObject({ type: "s32" });
  });

  it("answers the typed client: add, get, dump, del", async () => {
    const world = new World({ seed: 2 });
    fouModule(world);
    const r = await run(
      world,
      Effect.scoped(
        Effect.gen(function* () {
          const c = yield* openYnl<FouOps>(fou);
          yield* c.do("add", { port: 5555, ipproto: 17, localV4: 0x7f000001 });
          yield* c.do("add", { port: 6666, ipproto: 6 });
          const one = yield* c.do("get", { port: 5555 });
          const all = yield* c.dumpAll("get");
          yield* c.do("del", { port: 5555 });
          const gone = yield* failure(c.do("get", { port: 5555 }));
          const dup = yield* failure(c.do("add", { port: 6666, ipproto: 6 }));
          return { one, all, gone, dup };
        }),
      ),
    );
    expect(r.one).toEqual({ port: 5555, ipproto: 17, localV4: 0x7f000001 });
    expect(r.all.map((x) => x.port)).toEqual([5555, 6666]);
    expect(r.gone.errno).toBe("ENOENT");
    expect(r.dup).toMatchObject({ errno: "EEXIST", msg: "port in use" });
  });

  it("answers policy errors with the kernel's extack: message, offset and the failed policy", async () => {
    const world = new World({ seed: 3 });
    fouModule(world);
    const r = await run(
      world,
      Effect.scoped(
        Effect.gen(function* () {
          const c = yield* openYnl<FouOps>(fou);
          const proto0 = yield* failure(c.do("add", { port: 1, ipproto: 0 }));
          const shortV6 = yield* failure(c.do("add", { port: 1, ipproto: 17, localV6: new Uint8Array(15) }));
          return { proto0, shortV6 };
        }),
      ),
    );
    // port (8 bytes with its header) then ipproto: after nlmsghdr and genlmsghdr
    expect(r.proto0).toEqual({
      errno: "ERANGE",
      msg: "integer out of range",
      offset: NLMSG_HDRLEN + 4 + 8,
      policy: { type: "u8", minValueU: 1n, maxValueU: 255n },
    });
    expect(r.shortV6).toMatchObject({
      msg: "binary attribute size out of range",
      policy: { type: "binary", minLength: 16, maxLength: 16 },
    });
    expect("offset" in r.shortV6 && r.shortV6.offset).toBe(NLMSG_HDRLEN + 4 + 8 + 8);
  });

  it("admin-perm ops refuse a user without CAP_NET_ADMIN (EPERM); the others answer", async () => {
    const world = new World({ seed: 4 });
    fouModule(world);
    const r = await run(
      world,
      Effect.scoped(
        Effect.gen(function* () {
          const c = yield* openYnl<FouOps>(fou);
          const add = yield* failure(c.do("add", { port: 7, ipproto: 17 }));
          const dump = yield* c.dumpAll("get");
          return { add: add.errno, dump };
        }),
      ),
      1000,
    );
    expect(r).toEqual({ add: "EPERM", dump: [] });
  });

  it("a second family of the same name is refused (EEXIST)", () => {
    const world = new World({ seed: 5 });
    fouModule(world);
    expect(() => fouModule(world)).toThrow("genl_register_family(fou): EEXIST");
  });
});

const demoSpec = loadSpecText(
  `
name: demo
protocol: genetlink
doc: A family of counters with a notification group.
definitions:
  - { name: color, type: enum, entries: [red, green, blue] }
attribute-sets:
  - name: counter
    attributes:
      - { name: id, type: u32, checks: { max: 100 } }
      - { name: name, type: string, checks: { max-len: 8 } }
      - { name: color, type: u8, enum: color }
      - { name: value, type: u64 }
operations:
  list:
    - name: set
      attribute-set: counter
      flags: [uns-admin-perm]
      do:
        request: { attributes: [id, name, color, value] }
    - name: get
      attribute-set: counter
      do:
        request: { attributes: [id] }
        reply: { attributes: [id, name, color, value] }
    - name: changed
      attribute-set: counter
      event: { attributes: [id, value] }
      mcgrp: events
mcast-groups:
  list:
    - name: events
`,
  "demo.yaml",
);

describe("a family from the user's own spec: split policies, enums, groups", () => {
  it("validates per-op policies, bounds enums, and multicasts its notifications to subscribers", async () => {
    const world = new World({ seed: 6 });
    const counters = new Map<number, YnlObject>();
    const fam = registerSpecFamily(world, demoSpec, {
      set: {
        do: (req) => {
          counters.set(req.id as number, req);
          // the module announces every change to its group
          fam.notify("events", "changed", { id: req.id, value: req.value });
          return undefined;
        },
      },
      get: { do: (req) => counters.get(req.id as number) ?? -2 },
    });
    const r = await run(
      world,
      Effect.scoped(
        Effect.gen(function* () {
          const c = yield* openYnl(demoSpec);
          const events = yield* Effect.forkScoped(Stream.runCollect(Stream.take(c.subscribe("events"), 1)));
          yield* Effect.yieldNow;
          yield* c.do("set", { id: 3, name: "cpu", color: "blue", value: 2n ** 40n });
          const got = yield* c.do("get", { id: 3 });
          const big = yield* failure(c.do("set", { id: 101 }));
          const long = yield* failure(c.do("set", { id: 4, name: "much-too-long" }));
          const badColor = yield* failure(c.do("set", { id: 4, color: 7 }));
          // get's policy lists id only: name is not expected there
          const extra = yield* failure(c.do("get", { id: 3, name: "x" }));
          const seen = Array.from(yield* Fiber.join(events));
          return { got, big, long, badColor, extra, group: c.groupId("events"), seen, family: c.family };
        }),
      ),
    );
    expect(r.got).toEqual({ id: 3, name: "cpu", color: "blue", value: 2n ** 40n });
    expect(r.big).toMatchObject({ errno: "ERANGE", msg: "integer out of range", policy: { maxValueU: 100n } });
    expect(r.long).toMatchObject({ errno: "EINVAL", policy: { type: "nul-string", maxLength: 8 } });
    expect(r.badColor).toMatchObject({ errno: "ERANGE", policy: { type: "u8", minValueU: 0n, maxValueU: 2n } });
    expect(r.extra).toMatchObject({ errno: "EINVAL", msg: "Unknown attribute type" });
    expect(r.family?.mcastGroups.get("events")).toBe(r.group);
    expect(r.seen.map((n) => [n.op, n.value, n.group])).toEqual([["changed", { id: 3, value: 2n ** 40n }, r.group]]);
  });
});

describe("the kernel's handshake spec as a simulated family", () => {
  const handshake = loadSpec("handshake");

  /** A handshake module: one queued request for tlshd; `done` announces the next on the tlshd group. */
  const handshakeModule = (world: World) => {
    const finished: YnlObject[] = [];
    const hs = registerSpecFamily(world, handshake, {
      accept: {
        do: (req) =>
          req.handlerClass === "tlshd"
            ? {
                sockfd: 7,
                messageType: "clienthello",
                timeout: 5000,
                authMode: "x509",
                peerIdentity: [11, 12],
                certificate: [{ cert: 1, privkey: 2 }],
              }
            : -2,
      },
      done: {
        do: (req) => {
          finished.push(req);
          hs.notify("tlshd", "ready", { handlerClass: "tlshd" });
          return undefined;
        },
      },
    });
    return { hs, finished };
  };

  it("lists its groups and ops, bounds its enum, and sends `ready` to tlshd's subscribers", async () => {
    const world = new World({ seed: 7 });
    const { finished } = handshakeModule(world);
    const r = await run(
      world,
      Effect.scoped(
        Effect.gen(function* () {
          const fam = yield* (yield* openYnl<NlctrlOps>(nlctrl)).do("getfamily", { familyName: "handshake" });
          const c = yield* openYnl<HandshakeOps>(handshake);
          const ready = yield* Effect.forkScoped(Stream.runCollect(Stream.take(c.subscribe("tlshd"), 1)));
          yield* Effect.yieldNow;
          const req = yield* c.do("accept", { handlerClass: "tlshd" });
          const none = yield* failure(c.do("accept", { handlerClass: "none" }));
          const outOfEnum = yield* failure(c.do("accept", { handlerClass: 3 }));
          yield* c.do("done", { status: 0, sockfd: 7, remoteAuth: [11] });
          const seen = Array.from(yield* Fiber.join(ready));
          return { fam, req, none, outOfEnum, seen: seen.map((n) => [n.op, n.value]) };
        }),
      ),
    );
    expect(r.fam?.mcastGroups?.map((g) => g.name)).toEqual(["none", "tlshd"]);
    // `ready` has no handler (a notification), so nlctrl lists accept and done
    expect(r.fam?.ops).toEqual([
      { id: 2, flags: ["admin-perm", "cmd-cap-do", "cmd-cap-haspol"] },
      { id: 3, flags: ["cmd-cap-do", "cmd-cap-haspol"] },
    ]);
    expect(r.req).toEqual({
      sockfd: 7,
      messageType: "clienthello",
      timeout: 5000,
      authMode: "x509",
      peerIdentity: [11, 12],
      certificate: [{ cert: 1, privkey: 2 }],
    });
    expect(r.none.errno).toBe("ENOENT");
    // the kernel's generated policy: NLA_POLICY_MAX(NLA_U32, HANDSHAKE_HANDLER_CLASS_MAX)
    expect(r.outOfEnum).toMatchObject({
      errno: "ERANGE",
      msg: "integer out of range",
      policy: { type: "u32", minValueU: 0n, maxValueU: 2n },
    });
    expect(finished).toEqual([{ status: 0, sockfd: 7, remoteAuth: [11] }]);
    expect(r.seen).toEqual([["ready", { handlerClass: "tlshd" }]]);
  });

  it("accept is admin-perm: EPERM for uid 1000, while done answers", async () => {
    const world = new World({ seed: 8 });
    handshakeModule(world);
    const r = await run(
      world,
      Effect.scoped(
        Effect.gen(function* () {
          const c = yield* openYnl<HandshakeOps>(handshake);
          const accept = yield* failure(c.do("accept", { handlerClass: "tlshd" }));
          const done = yield* failure(c.do("done", { status: 1 }));
          return { accept: accept.errno, done: done.errno };
        }),
      ),
      1000,
    );
    expect(r).toEqual({ accept: "EPERM", done: "none" });
  });
});
