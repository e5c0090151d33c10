// The guest's verdict on a case's kernel log (plain JavaScript: guest.mjs imports it in the QEMU
// guest, kernel-log.test.ts on the host). A BUG/Oops/WARNING fails a case unless the case says it
// expects it (KernelCase.expectDmesg in modules.ts): then the report it belongs to is expected,
// and its absence is the failure.

/** Lines that say the kernel hit a bug. */
export const TROUBLE =
  /\b(BUG:|Oops|WARNING:|general protection fault|Call Trace:|Kernel panic|kernel BUG|UBSAN:|KASAN:|list_(add|del) corruption)/;

/** a dmesg line without its "[  12.345678] " */
const stamp = (l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, "");

/**
 * What the kernel log says against the case: the reasons to fail. A line matching TROUBLE fails
 * the case unless the case expects it: it matches one of `expect` (regular expressions on the
 * lines without their timestamps), or it is inside a report ("------------[ cut here ]" to
 * "---[ end trace") in which a line matches one. Each of `expect` must match some line.
 */
export const kernelLogVerdict = (log, expect = []) => {
  const lines = log.split("\n").map(stamp);
  const res = expect.map((e) => new RegExp(e));
  const expected = (l) => res.some((r) => r.test(l));
  const excused = new Set();
  for (let i = 0; i < lines.length; i++) {
    if (!/^-+\[ cut here \]-+$/.test(lines[i])) continue;
    let j = i + 1;
    while (
      j < lines.length &&
      !/^---\[ end trace /.test(lines[j]) &&
      !/^-+\[ cut here \]-+$/.test(lines[j + 1] ?? "")
    ) {
      j++;
    }
    if (lines.slice(i, j + 1).some(expected)) for (let k = i; k <= j; k++) excused.add(k);
    i = j;
  }
  const fail = [];
  const trouble = lines.findIndex((l, i) => TROUBLE.test(l) && !excused.has(i) && !expected(l));
  if (trouble >= 0) fail.push(`the kernel complained: ${lines[trouble].trim()}`);
  for (const r of res) {
    if (!lines.some((l) => r.test(l))) fail.push(`expected in the kernel log, never came: /${r.source}/`);
  }
  return fail;
};
