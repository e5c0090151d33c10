import { describe, expect, it } from "vitest";
import { World } from "../../sim/world.js";
import { runExampleOnSim } from "../runner.js";
import { procfsExample } from "./index.js";

const bugs = (w: World) => w.trace.snapshot().events.filter((e) => e.kind === "bug");

describe("procfs example, correct handlers", () => {
  it("cat ends at EOF, echo replaces the text, an over-long write is ENOSPC, a bad buffer EFAULT, offsets work", async () => {
    const r = await runExampleOnSim(procfsExample, { seed: 1, mode: "correct" });
    const w = r.world;
    expect(r.exitCode).toBe(0);
    expect(r.output).toEqual([
      "$ cat /proc/procfs_example",
      '  -> "hello from the kernel\\n" (2 reads, EOF)',
      "$ echo hi > /proc/procfs_example",
      "  -> wrote 3 of 3 bytes",
      "$ cat /proc/procfs_example",
      '  -> "hi\\n" (2 reads, EOF)',
      "$ write 200 bytes (more than the 128-byte buffer)",
      "  -> write: ENOSPC",
      "$ write(fd, NULL, 10) (a bad buffer)",
      "  -> write: EFAULT",
      "$ cat /proc/procfs_example",
      '  -> "hi\\n" (2 reads, EOF)',
      "$ echo hello > /proc/procfs_example",
      "  -> wrote 6 of 6 bytes",
      "$ read 4 bytes at a time, then lseek(1) and read the rest",
      '  -> read(4) x3: "hell", "o\\n", ""',
      '  -> lseek(1) = 1, read(100): "ello\\n"',
    ]);
    expect(bugs(w)).toEqual([]);
  });

  it("accepts exactly 127 bytes and refuses 128 (the NUL keeps its byte)", async () => {
    const { SimFiles } = await import("../../sim/files.js");
    const { spawnProcess } = await import("../../sim/process.js");
    const { procfs_example_init } = await import("./kernel.js");
    const w = new World({ seed: 1 });
    const mod = w.insmod(() => procfs_example_init({}));
    const f = SimFiles.of(spawnProcess(w, { name: "t" }, async () => {}));
    const fd = f.open("/proc/procfs_example", 1);
    expect(f.write(fd, new Uint8Array(128).fill(65))).toBe(-28);
    expect(f.write(fd, new Uint8Array(127).fill(66))).toBe(127);
    expect(mod.text()).toBe("B".repeat(127));
    expect(f.write(fd, new Uint8Array(1).fill(67))).toBe(-28); // at offset 127: no room
  });
});

describe("procfs example, the article's handlers", () => {
  it("reproduces each bug: endless cat, EPERM on success, success on a fault, the ULONG_MAX overflow", async () => {
    const r = await runExampleOnSim(procfsExample, { seed: 1, mode: "buggy" });
    const w = r.world;
    expect(r.output[1]).toBe('  -> no EOF after 16 reads, 352 bytes: "hello from the kernel\\n" every time');
    expect(r.output[4]).toBe("  -> write: EPERM"); // copy_from_user worked, the inverted check returned -1
    expect(r.output[6]).toContain('"hi\\nlo from the kernel\\n" every time'); // ...and the buffer changed anyway
    expect(r.output[9]).toBe("  -> write: EPERM"); // 200 bytes: count clamped to strlen - 1
    expect(r.output[11]).toBe("  -> wrote 10 of 10 bytes"); // NULL buffer: nothing copied, "success"
    expect(r.output[13]).toBe('  -> "" (1 reads, EOF)'); // copy_from_user zero-filled the buffer
    expect(r.output[15]).toBe("  -> write: EPERM");
    expect(r.dmesg).toContain("[    0.000000] Buffer overflow detected (128 < 18446744073709551615)!");
    expect(r.dmesg).toContain(
      "[    0.000000] The buggy address is located 1 bytes to the left of global variable 'kernel_buf' of size 128",
    );
    expect(bugs(w).map((b) => b.bug)).toEqual(["WARNING", "KASAN: global-out-of-bounds", "WARNING"]);
  });

  it("runs through the example registry, the same output for the same seed", async () => {
    const a = await runExampleOnSim(procfsExample, { seed: 3, mode: "buggy" });
    const b = await runExampleOnSim(procfsExample, { seed: 3, mode: "buggy" });
    expect(a.failed).toEqual([]);
    expect(a.output).toEqual(b.output);
    expect(a.world.trace.snapshot()).toEqual(b.world.trace.snapshot());
  });
});
