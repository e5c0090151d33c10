// The addon under abuse: EINTR storms, fds closed under a blocked call or a poller, concurrent
// closes from other fibers, huge and zero buffers, ENOBUFS under a multicast flood. Nothing may
// crash, leak an fd (counted in /proc/self/fd) or grow memory without bound, and every failure is
// the errno the kernel gives. Skipped cleanly where the addon is not built; every call is
// non-blocking or bounded by SO_RCVTIMEO or a timeout.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { Effect, Exit, Fiber } from "effect";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Netlink } from "../transport/index.js";
import { kernelLayer } from "../transport/kernel.js";
import { intOpt, isErrno, type NativeErrno, nativeAvailability, nativeNetlink, sockaddrNl } from "./index.js";

const availability = nativeAvailability();
const skip = !availability.ok;
if (!availability.ok) console.warn(`native/abuse.test.ts skipped: ${availability.reason}`);

const NETLINK_USERSOCK = 2;
const DONTWAIT = 0x40;
const fdCount = (): number => readdirSync("/proc/self/fd").length;
const ok = <T>(r: T | NativeErrno): T => {
  if (isErrno(r)) throw new Error(`unexpected ${r.errno}`);
  return r;
};
const errnoOf = (r: unknown): string | undefined => (isErrno(r) ? r.errno : undefined);

let fdsBefore = 0;
let opened: number[] = [];
beforeEach(() => {
  fdsBefore = fdCount();
});
afterEach(() => {
  if (skip) return;
  for (const fd of opened) nativeNetlink().close(fd);
  opened = [];
});
const open = (): { fd: number; pid: number } => {
  const n = nativeNetlink();
  const fd = ok(n.socket(n.constants.SOCK_RAW | n.constants.SOCK_CLOEXEC, NETLINK_USERSOCK));
  opened.push(fd);
  ok(n.bind(fd, sockaddrNl(0)));
  return { fd, pid: ok(n.getsockname(fd)).pid };
};
const closeAll = (): void => {
  for (const fd of opened) nativeNetlink().close(fd);
  opened = [];
};

describe.skipIf(skip)("the native binding under abuse", () => {
  it("an EINTR storm: a blocked recvmsg returns EINTR or EAGAIN, never crashes, leaks no fd", async () => {
    // a child blocks in recvmsg (SO_RCVTIMEO 2 s) while this process signals it again and again
    const addonPath = createRequire(import.meta.url).resolve("./build/Release/nlsim_netlink.node");
    const child = `
      const n = require(${JSON.stringify(addonPath)});
      const fs = require("node:fs");
      process.on("SIGUSR2", () => {});
      const fd = n.socket(n.constants.SOCK_RAW | n.constants.SOCK_CLOEXEC, 2);
      const tv = Buffer.alloc(16); tv.writeBigInt64LE(2n, 0);
      n.setsockopt(fd, n.constants.SOL_SOCKET, n.constants.SO_RCVTIMEO, tv);
      n.bind(fd, new Uint8Array([16,0,0,0,0,0,0,0,0,0,0,0]));
      process.stdout.write("ready\\n");
      const before = fs.readdirSync("/proc/self/fd").length - 1; // without the socket
      const seen = {};
      let eintr = 0;
      for (let i = 0; i < 40 && eintr < 5; i++) {
        const r = n.recvmsg(fd, 4096, 0);
        const k = r && r.errno ? r.errno : "data";
        seen[k] = (seen[k] || 0) + 1;
        if (k === "EINTR") eintr++;
      }
      n.close(fd);
      process.stdout.write(JSON.stringify({ seen, leaked: fs.readdirSync("/proc/self/fd").length - before }) + "\\n");
      setTimeout(() => {}, 300); // signals still in flight find the handler
    `;
    const p = spawn(process.execPath, ["-e", child], { stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
    let out = "";
    let storm: NodeJS.Timeout | undefined;
    p.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("seen")) clearInterval(storm);
      else if (storm === undefined && out.includes("ready")) {
        storm = setInterval(() => {
          if (p.exitCode === null) p.kill("SIGUSR2");
        }, 5);
      }
    });
    let err = "";
    p.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    const code = await new Promise<string>((resolve) => p.on("close", (c, sig) => resolve(`${c ?? sig}`)));
    clearInterval(storm);
    expect({ code, out, err }).toEqual({ code: "0", out: expect.stringContaining("seen"), err: "" });
    const last = JSON.parse(out.trim().split("\n").pop()!) as { seen: Record<string, number>; leaked: number };
    expect(Object.keys(last.seen).every((k) => k === "EINTR" || k === "EAGAIN")).toBe(true);
    expect(last.seen.EINTR).toBeGreaterThan(0);
    expect(last.leaked).toBe(0);
  }, 90_000);

  it("a closed fd mid-use: every call is EBADF, a reused fd number is a fresh socket", () => {
    const n = nativeNetlink();
    const a = open();
    const b = open();
    ok(n.sendmsg(a.fd, Uint8Array.of(16, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, sockaddrNl(b.pid)));
    expect(n.close(b.fd)).toBe(0);
    opened = opened.filter((fd) => fd !== b.fd);
    for (let i = 0; i < 1000; i++) {
      expect(errnoOf(n.recvmsg(b.fd, 4096, DONTWAIT))).toBe("EBADF");
      expect(errnoOf(n.sendmsg(b.fd, Uint8Array.of(1), DONTWAIT))).toBe("EBADF");
      expect(errnoOf(n.setsockopt(b.fd, 1, 8, intOpt(4096)))).toBe("EBADF");
    }
    // the number comes back for the next socket, which has nothing queued
    const c = open();
    expect(c.fd).toBe(b.fd);
    expect(errnoOf(n.recvmsg(c.fd, 4096, DONTWAIT))).toBe("EAGAIN");
    closeAll();
    expect(fdCount()).toBe(fdsBefore);
  });

  // As with threads in C, closing an fd does not wake a call blocked on it elsewhere: the reader
  // sees EBADF when its SO_RCVTIMEO ends its wait and it retries on the closed socket.
  it("concurrent closes from other fibers: one close wins, the blocked reader ends with EBADF", async () => {
    const program = Effect.gen(function* () {
      const nl = yield* Netlink;
      const results: string[] = [];
      for (let round = 0; round < 5; round++) {
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(s, { pid: 0, groups: 0 });
        const tv = new Uint8Array(16);
        new DataView(tv.buffer).setBigInt64(8, 200_000n, true); // 200 ms
        yield* nl.setsockopt(s, 1, 20 /* SO_RCVTIMEO */, tv);
        const reader = yield* Effect.forkChild(nl.recvmsg(s, 4096));
        yield* Effect.yieldNow;
        // two fibers close it at once: one wins, the other gets EBADF
        const closes = yield* Effect.all([Effect.exit(nl.close(s)), Effect.exit(nl.close(s))], {
          concurrency: "unbounded",
        });
        results.push(closes.filter(Exit.isSuccess).length === 1 ? "one-close" : "closes?");
        const r = yield* Fiber.join(reader).pipe(
          Effect.map(() => "data"),
          Effect.catchTag("NetlinkError", (e) => Effect.succeed(e.errno)),
          Effect.timeoutOrElse({ duration: "10 seconds", orElse: () => Effect.succeed("hung") }),
        );
        results.push(r);
      }
      return results;
    });
    const results = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(kernelLayer)));
    expect(new Set(results)).toEqual(new Set(["one-close", "EBADF"]));
    expect(fdCount()).toBe(fdsBefore);
  }, 60_000);

  it("huge and zero buffers: EMSGSIZE past sndbuf, ENODATA for nothing, EINVAL for absurd sizes; memory stays bounded", () => {
    const n = nativeNetlink();
    const a = open();
    const b = open();
    expect(errnoOf(n.sendmsg(a.fd, new Uint8Array(4 << 20), DONTWAIT, sockaddrNl(b.pid)))).toBe("EMSGSIZE");
    expect(errnoOf(n.sendmsg(a.fd, new Uint8Array(0), DONTWAIT, sockaddrNl(b.pid)))).toBe("ENODATA");
    expect(errnoOf(n.recvmsg(b.fd, 2 ** 40, DONTWAIT))).toBe("EINVAL");
    const rss0 = process.memoryUsage().rss;
    for (let i = 0; i < 300; i++) {
      // a 16 MiB receive buffer on an empty socket, 300 times: nothing may stay allocated
      expect(errnoOf(n.recvmsg(b.fd, 16 << 20, DONTWAIT))).toBe("EAGAIN");
      expect(errnoOf(n.sendmsg(a.fd, new Uint8Array(1 << 20), DONTWAIT, sockaddrNl(b.pid)))).toBe("EMSGSIZE");
    }
    // 300 leaked 16 MiB buffers would be 4.8 GB
    expect(process.memoryUsage().rss - rss0).toBeLessThan(512 << 20);
    closeAll();
    expect(fdCount()).toBe(fdsBefore);
  });

  it("ENOBUFS under a multicast flood: reported once, the drops counted, then the queue drains to EAGAIN", () => {
    const n = nativeNetlink();
    const rx = open();
    const tx = open();
    ok(n.setsockopt(rx.fd, n.constants.SOL_NETLINK, n.constants.NETLINK_ADD_MEMBERSHIP, intOpt(1)));
    ok(n.setsockopt(rx.fd, n.constants.SOL_SOCKET, n.constants.SO_RCVBUF, intOpt(1024)));
    const msg = new Uint8Array(512);
    new DataView(msg.buffer).setUint32(0, 512, true);
    // a user's group send also unicasts to port 0, which USERSOCK lacks: ECONNREFUSED after the broadcast
    for (let i = 0; i < 2000; i++)
      expect(errnoOf(n.sendmsg(tx.fd, msg, DONTWAIT, sockaddrNl(0, 1)))).toBe("ECONNREFUSED");
    expect(errnoOf(n.recvmsg(rx.fd, 4096, DONTWAIT))).toBe("ENOBUFS");
    let got = 0;
    for (;;) {
      const r = n.recvmsg(rx.fd, 4096, DONTWAIT);
      if (isErrno(r)) {
        expect(r.errno).toBe("EAGAIN"); // no second ENOBUFS for the same congestion
        break;
      }
      got++;
    }
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(2000);
    closeAll();
    expect(fdCount()).toBe(fdsBefore);
  });
});
