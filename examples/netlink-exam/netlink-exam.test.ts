import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { SimFiles } from "../../sim/files.js";
import { spawnProcess } from "../../sim/process.js";
import { World } from "../../sim/world.js";
import { runProcess } from "../../transport/index.js";
import { runExampleOnSim } from "../runner.js";
import { netlinkExamExample } from "./index.js";
import { netlink_exam_init } from "./kernel.js";

const run = (file: string) => runExampleOnSim(netlinkExamExample, { seed: 1, file });

const dir = mkdtempSync(join(tmpdir(), "netlink-exam-"));
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("netlink-exam", () => {
  it("carries a file from the sender to the kernel buffer, /proc and the receiver", async () => {
    const text = "hello netlink\nsecond line\n";
    const r = await run(file("small.txt", text));
    expect(r.exitCode).toBe(0);
    expect(r.output).toEqual([
      "send: 42 bytes (26 of text)",
      "recv: 26 bytes from the kernel:",
      text,
      "$ cat /proc/netlink_exam_buffer  (26 bytes)",
      text,
    ]);
  });

  it("keeps the first 1023 bytes of a bigger file, and says so", async () => {
    const text = "x".repeat(3000);
    const r = await run(file("big.txt", text));
    expect(r.output[1]).toBe("recv: 1023 bytes from the kernel:");
    expect(r.output[3]).toBe("$ cat /proc/netlink_exam_buffer  (1023 bytes)");
    expect(r.dmesg).toContain("[    0.001000] netlink_exam: 3000 bytes do not fit, keeping 1023");
  });

  it("stops with exit status 2 and a clear message for a missing file", async () => {
    const r = await run(join(dir, "missing.txt"));
    expect(r.exitCode).toBe(2);
    expect(r.failed).toEqual([`netlink-exam-user-send: cannot read '${join(dir, "missing.txt")}': ENOENT`]);
    expect(r.output).toEqual([]);
    expect(r.dmesg).toEqual([]); // nothing was loaded
    expect(r.details).toBeUndefined();
  });

  it("lets /proc/netlink_exam_buffer be written (replacing the text) and refuses too much with ENOSPC", () => {
    const w = new World({ seed: 1 });
    const mod = w.insmod(() => netlink_exam_init(w.net));
    const f = SimFiles.of(spawnProcess(w, { name: "t" }, async () => {}));
    const fd = f.open("/proc/netlink_exam_buffer", 1);
    expect(f.write(fd, new TextEncoder().encode("from /proc"))).toBe(10);
    expect(mod.text()).toBe("from /proc");
    const fd2 = f.open("/proc/netlink_exam_buffer", 1);
    expect(f.write(fd2, new Uint8Array(1024))).toBe(-28);
    expect(
      SimFiles.of(spawnProcess(w, { name: "u", uid: 1000 }, async () => {})).open("/proc/netlink_exam_buffer", 1),
    ).toBe(-13);
  });

  it("runs both registry modes", async () => {
    const a = await runExampleOnSim(netlinkExamExample, { seed: 1, mode: "sample" });
    expect(a.failed).toEqual([]);
    expect(a.output[1]).toMatch(/^recv: 194 bytes/);
    const b = await runExampleOnSim(netlinkExamExample, { seed: 1, mode: "big" });
    expect(b.output[1]).toBe("recv: 1023 bytes from the kernel:");
  });

  it("sends --file's text from the user program of --transport kernel too (here on the sim transport)", async () => {
    const text = "given with --file\n";
    const w = new World({ seed: 1 });
    const mod = w.insmod(() => netlink_exam_init(w.net));
    const lines: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((l: string) => void lines.push(l));
    try {
      runProcess(w, { name: "netlink-exam-user" }, netlinkExamExample.userProgram!("big", {}, file("given.txt", text)));
      const r = await w.run();
      expect(r.failed).toEqual([]);
    } finally {
      log.mockRestore();
    }
    expect(mod.text()).toBe(text);
    expect(lines).toEqual([
      "send: 34 bytes (18 of text)",
      "recv: 18 bytes from the kernel:",
      text,
      "$ cat /proc/netlink_exam_buffer  (18 bytes)",
      text,
    ]);
  });

  it("refuses a missing --file on --transport kernel before touching the kernel (exit 2)", () => {
    const bin = fileURLToPath(new URL("../../bin/nlsim.js", import.meta.url));
    const missing = join(dir, "nope.txt");
    const r = spawnSync(process.execPath, [bin, "run", "netlink-exam", "--transport", "kernel", "--file", missing], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--file ${missing}: no such readable file`);
  });
});
