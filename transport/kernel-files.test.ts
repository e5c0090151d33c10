// The kernel layers of Procfs and InetRaw (transport/kernel-files.ts) on the host's real kernel:
// what the host can show without a module (/proc/net/netlink, a raw socket's option numbers that
// nothing registered), and the examples' user sides against their kmod/ twins when the module is
// loaded (in the QEMU guest); skipped, with the reason printed, otherwise.
import { existsSync } from "node:fs";
import { Effect, type Scope } from "effect";
import { describe, expect, it } from "vitest";
import { SOCKET_OPS_GET, SOCKET_OPS_SET } from "../examples/sockopt/proto.js";
import { IPPROTO_IP, IPPROTO_RAW, O_RDONLY, SEEK_SET } from "../kernel-model/uapi/index.js";
import { nativeAvailability, nativeNetlink } from "../native/index.js";
import { Creds, cat, InetRaw, Procfs } from "./index.js";
import { kernelFilesLayer } from "./kernel-files.js";

const availability = nativeAvailability();
const procfsLoaded = existsSync("/proc/procfs_example");
const sockoptLoaded = existsSync("/sys/module/sockopt_srv");
if (!availability.ok) console.warn(`transport/kernel-files.test.ts: skipped: ${availability.reason}`);
const skip = !availability.ok;

/** Can this process open a raw IPv4 socket (CAP_NET_RAW)? */
const rawReason = ((): string | undefined => {
  if (!availability.ok) return availability.reason;
  const a = nativeNetlink();
  const fd = a.inetSocket(3, IPPROTO_RAW);
  if (typeof fd === "number") {
    a.close(fd);
    return undefined;
  }
  return `socket(AF_INET, SOCK_RAW) → ${fd.errno} (needs CAP_NET_RAW)`;
})();
if (!skip && rawReason !== undefined) console.warn(`transport/kernel-files.test.ts: raw sockets skipped: ${rawReason}`);

/** Can this process switch users (euid 0 with CAP_SETUID and CAP_SETGID)? */
const credsReason = ((): string | undefined => {
  if (!availability.ok) return availability.reason;
  const a = nativeNetlink();
  const ids = a.getresids();
  const caps = a.capGet();
  if ("errno" in ids || "errno" in caps) return "cannot read this process's credentials";
  const need = (1n << 6n) | (1n << 7n);
  return ids.euid === 0 && (caps.effective & need) === need ? undefined : "needs euid 0, CAP_SETUID and CAP_SETGID";
})();

const onKernel = <A, E>(program: Effect.Effect<A, E, Procfs | InetRaw | Creds | Scope.Scope>): Promise<A> =>
  Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(kernelFilesLayer)));

const errnoOf = <A, E extends { readonly errno: string }, R>(e: Effect.Effect<A, E, R>) =>
  e.pipe(
    Effect.map(() => "ok"),
    Effect.catch((x: E) => Effect.succeed(x.errno)),
  );

describe.skipIf(skip)("Procfs kernel layer on the host's /proc", () => {
  it("cats /proc/net/netlink to EOF, seeks back and reads its header line again", async () => {
    const r = await onKernel(
      Effect.gen(function* () {
        const all = yield* cat("/proc/net/netlink", { chunk: 512 });
        const fs = yield* Procfs;
        const f = yield* fs.open("/proc/net/netlink", O_RDONLY);
        const first = yield* fs.read(f, 8);
        const at = yield* fs.lseek(f, 0, SEEK_SET);
        const again = yield* fs.read(f, 8);
        return { all, first, at, again };
      }),
    );
    expect(r.all.eof).toBe(true);
    expect(new TextDecoder().decode(r.all.data)).toMatch(/^sk\s+Eth Pid/);
    expect(r.at).toBe(0);
    expect(r.again).toEqual(r.first);
  });

  it("reports errno names: ENOENT, and EFAULT for a NULL buffer", async () => {
    const r = await onKernel(
      Effect.gen(function* () {
        const fs = yield* Procfs;
        const missing = yield* errnoOf(fs.open("/proc/nlsim_no_such_file"));
        const f = yield* fs.open("/proc/net/netlink");
        const nullRead = yield* errnoOf(fs.read(f, 100, { mapped: 0 }));
        return { missing, nullRead };
      }),
    );
    expect(r).toEqual({ missing: "ENOENT", nullRead: "EFAULT" });
  });
});

describe.skipIf(skip || rawReason !== undefined)("InetRaw kernel layer on the host's raw sockets", () => {
  it.skipIf(sockoptLoaded)(
    "the sockopt example's option number, with no module registering it, is ENOPROTOOPT; IP_TTL reads back",
    async () => {
      const r = await onKernel(
        Effect.gen(function* () {
          const inet = yield* InetRaw;
          const s = yield* inet.socket(IPPROTO_RAW);
          const set = yield* errnoOf(inet.setsockopt(s, IPPROTO_IP, SOCKET_OPS_SET, new Uint8Array([1, 2, 3, 0])));
          const get = yield* errnoOf(inet.getsockopt(s, IPPROTO_IP, SOCKET_OPS_GET, 64));
          const ttl = yield* inet.setsockopt(s, IPPROTO_IP, 2 /* IP_TTL */, 33);
          const back = yield* inet.getsockopt(s, IPPROTO_IP, 2, 64);
          return { set, get, ttl, back };
        }),
      );
      expect(r.set).toBe("ENOPROTOOPT");
      expect(r.get).toBe("ENOPROTOOPT");
      expect(r.ttl).toBe(0);
      expect(r.back.optlen).toBe(4);
      expect(Array.from(r.back.data)).toEqual([33, 0, 0, 0]);
    },
  );

  it.skipIf(credsReason !== undefined)(
    "Creds.asUser: uid 1000 without capabilities gets EPERM for a raw socket; the process's own ids and caps come back",
    async () => {
      const a = nativeNetlink();
      const before = { ids: a.getresids(), caps: a.capGet() };
      const r = await onKernel(
        Effect.gen(function* () {
          const inet = yield* InetRaw;
          const creds = yield* Creds;
          const raw = errnoOf(Effect.scoped(inet.socket(IPPROTO_RAW)));
          const as1000 = yield* creds.asUser({ uid: 1000, caps: [] }, raw);
          const inside = yield* creds.asUser(
            { uid: 1000, caps: [] },
            Effect.sync(() => a.getresids()),
          );
          const failed = yield* Effect.flip(creds.asUser({ uid: 1000 }, Effect.fail("boom")));
          const after = yield* raw;
          return { as1000, inside, failed, after };
        }),
      );
      expect(r.as1000).toBe("EPERM");
      expect(r.inside).toMatchObject({ ruid: 1000, euid: 1000, suid: 0, rgid: 1000, egid: 1000 });
      expect(r.failed).toBe("boom");
      expect(r.after).toBe("ok");
      expect({ ids: a.getresids(), caps: a.capGet() }).toEqual(before);
    },
  );

  it("a NULL optval is EFAULT (the kernel's own IP_TTL handler)", async () => {
    const e = await onKernel(
      Effect.gen(function* () {
        const inet = yield* InetRaw;
        const s = yield* inet.socket(IPPROTO_RAW);
        return yield* errnoOf(inet.setsockopt(s, IPPROTO_IP, 2, null, { optlen: 4 }));
      }),
    );
    expect(e).toBe("EFAULT");
  });
});

// The examples' user sides against the C modules: only where the module is loaded (the guest).
if (!procfsLoaded)
  console.warn("transport/kernel-files.test.ts: procfs example skipped: kmod/procfs/procfs_example.ko is not loaded");
if (!sockoptLoaded)
  console.warn("transport/kernel-files.test.ts: sockopt example skipped: kmod/sockopt/sockopt_srv.ko is not loaded");

describe.skipIf(skip || !procfsLoaded)("procfs example on kmod/procfs (module loaded)", () => {
  it("runs the walkthrough's steps", async () => {
    const { procfsDemo } = await import("../examples/procfs/user.js");
    const out: string[] = [];
    await onKernel(procfsDemo((l) => out.push(l)));
    expect(out[0]).toBe("$ cat /proc/procfs_example");
    expect(out.length).toBeGreaterThan(10);
  });
});

describe.skipIf(skip || !sockoptLoaded || rawReason !== undefined)(
  "sockopt example on kmod/sockopt (module loaded)",
  () => {
    it("exchanges the strings", async () => {
      const { sockoptClient } = await import("../examples/sockopt/user.js");
      const out: string[] = [];
      await onKernel(sockoptClient((l) => out.push(l)));
      expect(out[0]).toBe("setsockopt: ret = 0. msg = a message from userspace");
      expect(out[1]).toBe("getsockopt: optlen = 22. msg = a message from kernel");
    });
  },
);
