import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { proc_create } from "../kernel-model/fs/proc/generic.js";
import { IPPROTO_RAW, O_RDONLY, O_WRONLY } from "../kernel-model/uapi/index.js";
import { World } from "../sim/world.js";
import { cat, InetRaw, Procfs, runProcess } from "./index.js";

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
});
