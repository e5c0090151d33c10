// The guest's verdict on a kernel log (kernel-log.mjs) and the dmesg lines a transcript keeps
// (compare.ts): what `expectDmesg` and `dmesgAlso` of kmod/harness/modules.ts do, without QEMU.
import { describe, expect, it } from "vitest";
import { parseGuestRun } from "./compare.js";
// @ts-expect-error: plain JavaScript for the guest, no declarations
import { kernelLogVerdict } from "./kernel-log.mjs";

const verdict = kernelLogVerdict as (log: string, expect?: ReadonlyArray<string>) => string[];

// the shape of procfs --mode buggy's log on Debian's 6.1 (the guest's, shortened)
const WARN_LOG = [
  "[   15.756876] read:",
  "[   15.780470] ------------[ cut here ]------------",
  "[   15.780837] Buffer overflow detected (128 < 18446744073709551615)!",
  "[   15.781859] WARNING: CPU: 0 PID: 130 at mm/maccess.c:228 __copy_overflow+0x16/0x30",
  "[   15.782480] Modules linked in: procfs_example(OE) 9p",
  "[   15.788037] Call Trace:",
  "[   15.789331]  buggy_write+0x87/0xb0 [procfs_example]",
  "[   15.800243] ---[ end trace 0000000000000000 ]---",
  "[   15.800479] write:",
  "[   16.675954] procfs_example: removed",
].join("\n");
const OVERFLOW = "^Buffer overflow detected \\(128 < 18446744073709551615\\)!$";

describe("kernelLogVerdict (the guest's)", () => {
  it("fails on a WARNING nobody expects", () => {
    expect(verdict(WARN_LOG)).toEqual([
      "the kernel complained: WARNING: CPU: 0 PID: 130 at mm/maccess.c:228 __copy_overflow+0x16/0x30",
    ]);
  });

  it("passes an expected WARN, its whole report included (Call Trace)", () => {
    expect(verdict(WARN_LOG, [OVERFLOW])).toEqual([]);
  });

  it("fails when the expected line never came", () => {
    const quiet = "[    1.000000] procfs_example: removed\n";
    expect(verdict(quiet, [OVERFLOW])).toEqual([`expected in the kernel log, never came: /${OVERFLOW}/`]);
  });

  it("still fails on another report next to the expected one", () => {
    const more = `${WARN_LOG}\n[   17.0] ------------[ cut here ]------------\n[   17.1] WARNING: CPU: 0 PID: 130 at fs/x.c:1 other+0x1/0x2\n[   17.2] ---[ end trace 0000000000000000 ]---\n[   17.3] BUG: unable to handle page fault`;
    expect(verdict(more, [OVERFLOW])).toEqual([
      "the kernel complained: WARNING: CPU: 0 PID: 130 at fs/x.c:1 other+0x1/0x2",
    ]);
  });

  it("expects a lone trouble line by matching it itself", () => {
    const bug = "[    2.0] BUG: sleeping function called from invalid context at include/linux/sched/mm.h:274";
    expect(verdict(bug)).toHaveLength(1);
    expect(verdict(bug, ["^BUG: sleeping function called"])).toEqual([]);
  });
});

describe("a transcript's dmesg lines (compare.ts)", () => {
  it("keeps the module's prefixed lines, and those of dmesgAlso", () => {
    expect(parseGuestRun("", WARN_LOG, "procfs_example:").dmesg).toEqual(["procfs_example: removed"]);
    expect(parseGuestRun("", WARN_LOG, "procfs_example:", [/^(read|write):/, /^Buffer overflow/]).dmesg).toEqual([
      "read:",
      "Buffer overflow detected (128 < 18446744073709551615)!",
      "write:",
      "procfs_example: removed",
    ]);
  });
});
