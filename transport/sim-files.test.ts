import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { proc_create } from "../kernel-model/fs/proc/generic.js";
import { PROC_NET_NETLINK_HEADER } from "../kernel-model/net/netlink/index.js";
import { IPPROTO_RAW, NETLINK_USERSOCK, O_RDONLY, O_WRONLY } from "../kernel-model/uapi/index.js";
import { World } from "../sim/world.js";
import { Creds, cat, InetRaw, Netlink, Procfs, runProcess } from "./index.js";

describe("Procfs and InetRaw over the simulator", () => {
  it("fail with tagged errors carrying the errno, the syscall and the path; files close with the scope", async () => {
    const w = new World({ seed: 1 });
    w.insmod(() => proc_create("ro", 0o444, null, { proc_read: () => 0 }));
    const seen: string[] = [];
    const proc = runProcess(
      w,
      { name: "t", uid: 1000 },
      Effect.gen(function* () {
        const fs = yield* Procfs;
        const e1 = yield* Effect.flip(fs.open("/proc/missing"));
        seen.push(`${e1._tag} ${e1.errno} ${e1.syscall} ${e1.path} | ${e1.message}`);
        const e2 = yield* Effect.flip(fs.open("/proc/ro", O_WRONLY));
        seen.push(`${e2.errno}`);
        const r = yield* cat("/proc/ro");
        seen.push(`cat ${r.reads} ${r.eof}`);
        yield* Effect.scoped(fs.open("/proc/ro", O_RDONLY));
        const inet = yield* InetRaw;
        const e3 = yield* Effect.flip(Effect.scoped(inet.socket(IPPROTO_RAW)));
        seen.push(`${e3._tag} ${e3.errno} ${e3.syscall}`);
      }),
    );
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(proc.exit()?._tag).toBe("Success");
    expect(seen).toEqual([
      "ProcfsError ENOENT open /proc/missing | open /proc/missing: ENOENT (No such file or directory)",
      "EACCES",
      "cat 1 true",
      "InetError EPERM socket",
    ]);
    const closes = w.trace.snapshot().events.filter((e) => e.kind === "syscall" && e.call === "close");
    expect(closes.map((e) => e.ret)).toEqual([0, 0]);
  });

  it("/proc/net/netlink is the world's netlink_seq_show: a bound socket's row appears, with its port and Drops", async () => {
    const w = new World({ seed: 1 });
    const texts: string[] = [];
    const ports: number[] = [];
    runProcess(
      w,
      { name: "t" },
      Effect.gen(function* () {
        const nl = yield* Netlink;
        const s = yield* nl.socket(NETLINK_USERSOCK);
        yield* nl.bind(s, { pid: 0, groups: 0 });
        ports.push((yield* nl.getsockname(s)).pid);
        texts.push(new TextDecoder().decode((yield* cat("/proc/net/netlink", { chunk: 100 })).data));
      }),
    );
    const r = await w.run();
    expect(r.failed).toEqual([]);
    const lines = texts[0]!.trimEnd().split("\n");
    expect(lines[0]).toBe(PROC_NET_NETLINK_HEADER);
    const mine = lines.map((l) => l.split(/\s+/)).filter((f) => f[1] === String(NETLINK_USERSOCK) && f[2] !== "0");
    expect(mine.map((f) => [f[2], f[8]])).toEqual([[String(ports[0]), "0"]]);
    // the text is the model's own, read in 100-byte pieces
    expect(lines.length).toBeGreaterThan(2);
  });

  it("Creds.asUser runs an effect as another user and restores the process's own cred, even when it fails", async () => {
    const w = new World({ seed: 1 });
    const seen: string[] = [];
    const rawSocket = Effect.gen(function* () {
      const inet = yield* InetRaw;
      yield* Effect.scoped(inet.socket(IPPROTO_RAW));
      return "ok";
    }).pipe(Effect.catchTag("InetError", (e) => Effect.succeed(e.errno)));
    const proc = runProcess(
      w,
      { name: "t" },
      Effect.gen(function* () {
        const creds = yield* Creds;
        seen.push(`root: ${yield* rawSocket}`);
        seen.push(`uid 1000: ${yield* creds.asUser({ uid: 1000 }, rawSocket)}`);
        seen.push(`uid 1000 + CAP_NET_RAW: ${yield* creds.asUser({ uid: 1000, caps: [13] }, rawSocket)}`);
        seen.push(`uid 0 without caps: ${yield* creds.asUser({ uid: 0, caps: [] }, rawSocket)}`);
        const failed = yield* Effect.flip(creds.asUser({ uid: 1000 }, Effect.fail("boom")));
        seen.push(`failed with ${String(failed)}`);
        seen.push(`root again: ${yield* rawSocket}`);
        const bad = yield* Effect.flip(creds.asUser({ uid: -1 }, rawSocket));
        seen.push(`${bad._tag === "CredError" ? bad.message : String(bad)}`);
        // an unprivileged user cannot become another (no CAP_SETUID)
        const nested = yield* creds.asUser({ uid: 1000 }, Effect.flip(creds.asUser({ uid: 1001 }, rawSocket)));
        seen.push(`${nested._tag === "CredError" ? nested.message : String(nested)}`);
      }),
    );
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(proc.exit()?._tag).toBe("Success");
    expect(seen).toEqual([
      "root: ok",
      "uid 1000: EPERM",
      "uid 1000 + CAP_NET_RAW: ok",
      "uid 0 without caps: EPERM",
      "failed with boom",
      "root again: ok",
      "asUser: uid -1: not a user id",
      "setresgid: EPERM (Operation not permitted)",
    ]);
    expect(proc.process.cred.uid).toBe(0);
  });
});
