// What the harness compares: a transcript is what an example's programs printed plus its module's
// dmesg lines, from `nlsim run EXAMPLE --mode M` on the simulator or from the guest (the same
// command with `--transport kernel`, and the real module's printk lines). Before comparing, both
// are normalised for what honestly differs between a model and a machine: port ids (the simulator
// numbers processes from 1001, the guest has real pids), jiffies (HZ and boot time) and dmesg
// timestamps. Everything else must match.

export interface Transcript {
  /** the programs' stdout, line by line */
  readonly out: ReadonlyArray<string>;
  /** the module's printk lines (its prefix only), without timestamps */
  readonly dmesg: ReadonlyArray<string>;
}

/**
 * Splits `nlsim run`'s output on the simulator: the programs' lines, then "--- dmesg (...) ---" and
 * dmesg. The dmesg lines kept are those starting with the prefix (or any of the prefixes) and those
 * matching one of `also`.
 */
export const parseSimRun = (
  stdout: string,
  dmesgPrefix: string | ReadonlyArray<string>,
  also: ReadonlyArray<RegExp> = [],
): Transcript => {
  const lines = stdout.split("\n").filter((l) => l !== "");
  const cut = lines.findIndex((l) => l.startsWith("--- dmesg ("));
  const out = cut < 0 ? lines : lines.slice(0, cut);
  const dmesg = cut < 0 ? [] : lines.slice(cut + 1);
  return { out, dmesg: moduleLines(dmesg, dmesgPrefix, also) };
};

/** The guest's transcript: the program's stdout and the kernel's dmesg (as `dmesg` prints it), kept as in parseSimRun. */
export const parseGuestRun = (
  stdout: string,
  dmesg: string,
  dmesgPrefix: string | ReadonlyArray<string>,
  also: ReadonlyArray<RegExp> = [],
): Transcript => ({
  out: stdout.split("\n").filter((l) => l !== ""),
  dmesg: moduleLines(dmesg.split("\n"), dmesgPrefix, also),
});

// the kernel's own lines about loading an unsigned out-of-tree module carry the module's prefix too
const LOADER_NOISE = /loading out-of-tree module taints kernel|module verification failed/;

/** The lines that start with the prefix (or any of the prefixes) or match one of `also`, in their order, timestamps cut. */
const moduleLines = (
  lines: ReadonlyArray<string>,
  prefix: string | ReadonlyArray<string>,
  also: ReadonlyArray<RegExp>,
): string[] => {
  const prefixes = typeof prefix === "string" ? [prefix] : prefix;
  return lines
    .map((l) => l.replace(/^\[\s*\d+\.\d+\]\s?/, ""))
    .filter((l) => (prefixes.some((p) => l.startsWith(p)) && !LOADER_NOISE.test(l)) || also.some((r) => r.test(l)));
};

/** Lines that say the kernel hit a bug: any of them fails a guest run. */
export const KERNEL_TROUBLE =
  /\b(BUG:|Oops|WARNING:|general protection fault|Call Trace:|Kernel panic|kernel BUG|UBSAN:|KASAN:|list_(add|del) corruption)/;

/** Every match of each of `masks` in `l` becomes "…". */
const maskLine = (l: string, masks: ReadonlyArray<RegExp>): string =>
  masks.reduce((s, m) => s.replace(new RegExp(m.source, m.flags.includes("g") ? m.flags : `${m.flags}g`), "…"), l);

/**
 * Normalises one transcript: port ids become P1, P2, ... in order of first appearance (port 0, the
 * kernel, stays), jiffies become J, every `mask` match becomes "…", and rmmod's own lines (a
 * refused rmmod's complaint) move after the programs' lines, in their order: where they fall among
 * them is real timing in the guest.
 */
export const normalize = (t: Transcript, mask: ReadonlyArray<RegExp> = []): Transcript => {
  const ports = new Map<string, string>();
  const port = (n: string): string => {
    if (n === "0") return n;
    let p = ports.get(n);
    if (p === undefined) {
      p = `P${ports.size + 1}`;
      ports.set(n, p);
    }
    return p;
  };
  const one = (l: string): string => {
    const s = l.replace(/\bport (\d+)/g, (_m, n: string) => `port ${port(n)}`).replace(/\bjiffies \d+/g, "jiffies J");
    return maskLine(s, mask);
  };
  // out first, then dmesg: the same port gets the same name in both (numbering is per transcript)
  const rmmod = (l: string) => l.startsWith("rmmod: ");
  const out = [...t.out.filter((l) => !rmmod(l)), ...t.out.filter(rmmod)].map(one);
  const dmesg = t.dmesg.map(one);
  return { out, dmesg };
};

/** Line-for-line differences between two lists ("" when equal). */
const diffLines = (what: string, sim: ReadonlyArray<string>, kern: ReadonlyArray<string>): string[] => {
  const d: string[] = [];
  const n = Math.max(sim.length, kern.length);
  for (let i = 0; i < n; i++) {
    if (sim[i] !== kern[i]) {
      d.push(
        `${what} line ${i + 1}: sim ${JSON.stringify(sim[i] ?? "(none)")} / kernel ${JSON.stringify(kern[i] ?? "(none)")}`,
      );
    }
  }
  return d;
};

/** "exact": both normalised transcripts, line for line. */
export const compareExact = (sim: Transcript, kern: Transcript): string[] => [
  ...diffLines("output", sim.out, kern.out),
  ...diffLines("dmesg", sim.dmesg, kern.dmesg),
];

/**
 * "exact", but the guest may show up to `slack` more dmesg lines that `extra` matches (after
 * `masks` turned what such a slip renumbers into "…"): an event the module sent while a dying
 * program had not yet been torn down on a slow guest. Everything else line for line.
 */
export const compareExactWithSlip =
  (opts: { readonly extra: RegExp; readonly slack: number; readonly masks: ReadonlyArray<RegExp> }) =>
  (sim: Transcript, kern: Transcript): string[] => {
    const a = maskTranscript(sim, opts.masks).dmesg;
    const b = maskTranscript(kern, opts.masks).dmesg;
    const kept: string[] = [];
    let budget = opts.slack;
    for (let i = 0, j = 0; j < b.length; j++) {
      if (a[i] !== b[j] && budget > 0 && opts.extra.test(b[j]!)) {
        budget--;
        continue;
      }
      kept.push(b[j]!);
      i++;
    }
    return [...diffLines("output", sim.out, kern.out), ...diffLines("dmesg", a, kept)];
  };

/** Distinct lines in order of first appearance, each with its count. */
const shapeOf = (lines: ReadonlyArray<string>): Array<[string, number]> => {
  const m = new Map<string, number>();
  for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
  return [...m.entries()];
};

/**
 * "shape": the same distinct lines, in the same order of first appearance, each as many times, or
 * within `slack` of it (the interleaving of lines is not compared: it is real timing in the guest).
 * A distinct line that `uncounted` matches must be there, in its place, but its count is not
 * compared (the caller checks it another way, or it is timing).
 */
export const compareShape = (sim: Transcript, kern: Transcript, slack = 0, uncounted?: RegExp): string[] => {
  const d: string[] = [];
  for (const [what, a, b] of [
    ["output", sim.out, kern.out],
    ["dmesg", sim.dmesg, kern.dmesg],
  ] as const) {
    const sa = shapeOf(a);
    const sb = shapeOf(b);
    const n = Math.max(sa.length, sb.length);
    for (let i = 0; i < n; i++) {
      const x = sa[i];
      const y = sb[i];
      const counted = x !== undefined && !(uncounted?.test(x[0]) ?? false);
      if (x?.[0] !== y?.[0] || x === undefined || y === undefined || (counted && Math.abs(x[1] - y[1]) > slack)) {
        const show = (e: [string, number] | undefined) =>
          e === undefined ? "(none)" : `${JSON.stringify(e[0])} ×${e[1]}`;
        d.push(`${what}, distinct line ${i + 1}: sim ${show(x)} / kernel ${show(y)}`);
      }
    }
  }
  return d;
};

/** Every match of each of `masks` becomes "…", in the output and the dmesg lines. */
export const maskTranscript = (t: Transcript, masks: ReadonlyArray<RegExp>): Transcript => ({
  out: t.out.map((l) => maskLine(l, masks)),
  dmesg: t.dmesg.map((l) => maskLine(l, masks)),
});

/**
 * The named groups of the only line (output or dmesg) that `re` matches, as numbers, or a
 * complaint when no line or more than one does, or a group is not a number.
 */
export const captureNumbers = (t: Transcript, re: RegExp): Record<string, number> | string => {
  const hits = [...t.out, ...t.dmesg].map((l) => re.exec(l)).filter((m) => m !== null);
  if (hits.length !== 1) return hits.length === 0 ? `no line matches ${re}` : `${hits.length} lines match ${re}`;
  const v: Record<string, number> = {};
  for (const [k, x] of Object.entries(hits[0]!.groups ?? {})) {
    const n = Number(x);
    if (x === undefined || !Number.isFinite(n)) return `${re}: ${k} is not a number (${x})`;
    v[k] = n;
  }
  return v;
};

/**
 * For runs whose numbers are timing (throughput): on each side, `check` (the relations between
 * its numbers that must hold whatever the timing: totals that add up, one count bounding another;
 * its complaints are prefixed "sim: " / "kernel: "), then the shape of both after `masks` turned
 * the timing numbers into "…" — the same distinct lines in the same order of first appearance,
 * each as many times except those `uncounted` matches.
 */
export const compareTotals =
  (opts: {
    readonly check: (t: Transcript) => string[];
    readonly masks: ReadonlyArray<RegExp>;
    readonly uncounted?: RegExp;
    /** how far a line's count may be from the simulator's (default 0) */
    readonly slack?: number;
  }) =>
  (sim: Transcript, kern: Transcript): string[] => [
    ...opts.check(sim).map((x) => `sim: ${x}`),
    ...opts.check(kern).map((x) => `kernel: ${x}`),
    ...compareShape(maskTranscript(sim, opts.masks), maskTranscript(kern, opts.masks), opts.slack ?? 0, opts.uncounted),
  ];

/**
 * For runs fed by real traffic whose packet counts are timing (a ping flow under TCG starts late on a
 * busy host): the same distinct lines in the same order of first appearance, each count within
 * `slack` of the simulator's, and in each transcript the module's total (the number `total` captures
 * from one of its dmesg lines) equal to the program lines `counted` matches — every packet the module
 * sent was printed, on both sides. The total's match is masked before the shape comparison.
 */
export const compareCounted = (opts: { readonly total: RegExp; readonly counted: RegExp; readonly slack: number }) =>
  compareTotals({
    check: (t) => {
      const line = t.dmesg.find((l) => opts.total.test(l));
      if (line === undefined) return [`no dmesg line matches ${opts.total}`];
      const total = Number(opts.total.exec(line)?.[1]);
      const n = t.out.filter((l) => opts.counted.test(l)).length;
      return total === n ? [] : [`the module's total is ${total}, the program printed ${n} (${opts.counted})`];
    },
    masks: [opts.total],
    slack: opts.slack,
  });
