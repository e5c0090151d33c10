// Keeps `nlsim walk` readable on large runs. The narrator hands over its output one step at a time
// (a syscall, a softirq, a printk, a task created...); this sink decides which steps are printed:
// - a step shaped like two earlier ones (the same lines once numbers are set aside) is folded into
//   one summary line, printed where the run stops repeating itself;
// - `--filter` keeps the steps of one socket (port id or fd), one process (name or pid) or one kind
//   (sendto, recvmsg, printk, softirq, ...);
// - `--limit N` stops after about N lines (500 by default) and says how much was left out;
// - `--all` prints every step, as the narrator wrote it.
// It also explains, once, the terms the narration uses without saying what they mean (rmem).
import type { NarrationSink } from "./narrate.js";

/** The walk's default bound, in lines. */
export const DEFAULT_WALK_LIMIT = 500;

/** A step is folded once this many steps of its shape have been printed. */
const SHOWN_PER_SHAPE = 2;

export type WalkFilter =
  | { readonly kind: "sock"; readonly id: number }
  | { readonly kind: "proc"; readonly name: string }
  | { readonly kind: "type"; readonly type: string };

export interface WalkBounds {
  /** the most lines printed before the end (undefined: no bound) */
  readonly limit: number | undefined;
  /** fold repeated steps */
  readonly fold: boolean;
  /** keep only the steps matching every filter */
  readonly filters: ReadonlyArray<WalkFilter>;
}

export const ALL_STEPS: WalkBounds = { limit: undefined, fold: false, filters: [] };

/** `sock=N`, `proc=NAME|PID` or `type=CALL`, or what is wrong with it. */
export const parseWalkFilter = (s: string): WalkFilter | { readonly error: string } => {
  const m = /^(sock|proc|type)=(.+)$/.exec(s.trim());
  if (m === null) return { error: `--filter ${s}: expected sock=PORT|FD, proc=NAME|PID or type=CALL` };
  const [, kind, value] = m as unknown as [string, "sock" | "proc" | "type", string];
  if (kind === "sock") {
    const id = Number(value);
    if (!Number.isSafeInteger(id) || id < 0) return { error: `--filter sock=${value}: a port id or an fd number` };
    return { kind, id };
  }
  if (kind === "proc") return { kind, name: value };
  return { kind, type: value.toLowerCase() };
};

const ANSI = new RegExp(`${"\x1b"}\\[[0-9;]*m`, "g");
const plain = (s: string): string => s.replace(ANSI, "");
/** "[    1.234567] " */
const TIME = /^\[\s*(\d+\.\d+)\]\s/;

/** A step's shape: its text with every number (decimal or hex) set aside. */
const shape = (lines: ReadonlyArray<string>): string =>
  lines
    .map((l) =>
      plain(l)
        .replace(TIME, "")
        .replace(/\b(0x)?[0-9a-f]*\d[0-9a-f]*\b/gi, "#"),
    )
    .join("\n");

/** The step's first line split into who ran and what happened. */
const headOf = (lines: ReadonlyArray<string>): { who: string; what: string; time: string } | undefined => {
  for (const l of lines) {
    const p = plain(l);
    const t = TIME.exec(p);
    if (t === null) continue;
    const rest = p.slice(t[0].length);
    // the narrator pads "who" to a column; the text starts after two or more spaces
    const i = rest.search(/\s{2,}\S/);
    if (i < 0) return { who: rest.trim(), what: "", time: t[1]! };
    return { who: rest.slice(0, i).trim(), what: rest.slice(i).trim(), time: t[1]! };
  }
  return undefined;
};

/** The kind of step: the syscall's name, "printk", "softirq", "created", "exits", ... */
const stepType = (what: string): string => {
  const call = /^([a-z_]+)\(/.exec(what);
  if (call !== null) return call[1]!;
  const word = /^([a-z_]+)/.exec(what);
  if (word === null) return "";
  if (word[1] === "kthread" || word[1] === "process") return / created /.test(what) ? "spawn" : word[1];
  if (/ exits$/.test(what)) return "exit";
  return word[1]!;
};

const matches = (f: WalkFilter, lines: ReadonlyArray<string>): boolean => {
  const head = headOf(lines);
  switch (f.kind) {
    case "sock": {
      const text = lines.map(plain).join("\n");
      return new RegExp(`\\b(port|fd) ${f.id}\\b|\\bfds \\[[^\\]]*\\b${f.id}\\b`).test(text);
    }
    case "proc": {
      if (head === undefined) return false;
      const who = head.who.replace(/^softirq on /, "").replace(/^kthread /, "");
      const m = /^(.*)\[(\d+)\]$/.exec(who);
      return m !== null ? m[1] === f.name || m[2] === f.name : who === f.name;
    }
    case "type": {
      if (head === undefined) return false;
      const t = stepType(head.what);
      return t === f.type || (f.type === "syscall" && /^[a-z_]+\(/.test(head.what));
    }
  }
};

/** Explanations added under the first line that uses a term. */
const GLOSSARY: ReadonlyArray<{ readonly term: RegExp; readonly text: ReadonlyArray<string> }> = [
  {
    term: /\brmem \d+\/\d+ B\b/,
    text: [
      "» rmem A/B: A is sk_rmem_alloc, the bytes charged to the socket's receive queue, B its sk_rcvbuf.",
      "  Each queued skb is charged its truesize, not its length: the data rounded up to 64 bytes plus",
      "  skb_shared_info (320), in a 576-byte slab or the next power of two, plus the sk_buff (256):",
      "  up to 256 bytes of data cost 832. A datagram is queued if rmem plus its truesize stays within",
      "  rcvbuf, or if the queue is empty (one skb always fits); otherwise it is dropped, counted in",
      "  /proc/net/netlink's Drops, and the reader's next recvmsg fails with ENOBUFS (netlink_overrun).",
    ],
  },
];

/** The markers the narration uses, printed once at the top of a walk. */
export const LEGEND: ReadonlyArray<string> = [
  "legend: [seconds] virtual time · who runs: a process name[pid], a kthread, softirq on <task>, swapper/0 (idle)",
  "        │ the program's output   ⇒ a socket's receive queue after the step   = the example's decoding",
  "        » a note on the kernel API   ⚠ a BUG/WARNING the kernel reports   ⋯ steps folded or left out",
];

const INDENT = " ".repeat(48);

/** A row of a payload's hex dump ("   16: 00 01 ...  ..") */
const DUMP_ROW = /^\s+\d+: (?:[0-9a-f]{2} )+/;
/** Rows of a long payload shown when repeated steps are folded. */
const DUMP_ROWS_SHOWN = 4;

/** A long hex dump cut to its first rows and a line saying how many were left out. */
const shortDumps = (lines: ReadonlyArray<string>): string[] => {
  const out: string[] = [];
  let run = 0;
  let hidden = 0;
  let indent = "";
  const flush = (): void => {
    if (hidden > 0) out.push(`${indent}⋯ ${hidden} more rows of the payload (--all shows them)`);
    hidden = 0;
    run = 0;
  };
  for (const l of lines) {
    if (DUMP_ROW.test(plain(l))) {
      run++;
      if (run <= DUMP_ROWS_SHOWN) {
        out.push(l);
        indent = /^\s*/.exec(plain(l))![0];
      } else hidden++;
      continue;
    }
    flush();
    out.push(l);
  }
  flush();
  return out;
};

export class BoundedSink implements NarrationSink {
  private current: string[] = [];
  private readonly shapes = new Map<string, number>();
  private readonly glossaryShown = new Set<number>();
  private printed = 0;
  /** steps folded since the last printed step, by kind */
  private folded = new Map<string, number>();
  private foldedSteps = 0;
  private foldedFrom: string | undefined = undefined;
  private foldedTo: string | undefined = undefined;
  private totalFolded = 0;
  private filteredOut = 0;
  private overLimit = 0;
  private overLimitLines = 0;
  private stepPending = false;

  constructor(
    private readonly out: NarrationSink,
    private readonly bounds: WalkBounds,
  ) {}

  /** A line with a time stamp starts an entry (a printk inside a step is one too); the rest belong to it. */
  line(s: string): void {
    if (this.current.length > 0 && TIME.test(plain(s))) this.close();
    this.current.push(s);
  }

  /** The narrator's step boundary (what --step waits at). */
  step(): void {
    this.close();
    this.stepPending = true;
  }

  private close(): void {
    const lines = this.current;
    this.current = [];
    if (lines.length > 0) this.consider(lines);
  }

  /** The end: the pending step (the narrator's last, its summary) is always printed. */
  finish(): void {
    const last = this.current;
    this.current = [];
    this.flushFolded();
    if (this.overLimit > 0) {
      this.emit(
        `⋯ --limit ${this.bounds.limit}: ${this.overLimit.toLocaleString("en")} more ${this.overLimit === 1 ? "step" : "steps"} (${this.overLimitLines.toLocaleString("en")} ${this.overLimitLines === 1 ? "line" : "lines"}) not shown; --limit N shows more, --all everything`,
      );
    }
    if (this.filteredOut > 0) this.emit(`⋯ ${this.filteredOut.toLocaleString("en")} steps did not match --filter`);
    if (this.totalFolded > 0 && this.bounds.limit !== undefined)
      this.emit(
        `⋯ ${this.totalFolded.toLocaleString("en")} repeated ${this.totalFolded === 1 ? "step was" : "steps were"} folded in all; --all prints them`,
      );
    this.out.step();
    for (const l of last) this.emit(l);
  }

  private consider(lines: ReadonlyArray<string>): void {
    if (!this.bounds.filters.every((f) => matches(f, lines))) {
      this.filteredOut++;
      return;
    }
    if (this.bounds.fold) {
      const s = shape(lines);
      const seen = this.shapes.get(s) ?? 0;
      if (seen >= SHOWN_PER_SHAPE) {
        const head = headOf(lines);
        const kind = head === undefined ? "other" : stepType(head.what) || "other";
        this.folded.set(kind, (this.folded.get(kind) ?? 0) + 1);
        this.foldedSteps++;
        this.totalFolded++;
        if (head !== undefined) {
          this.foldedFrom ??= head.time;
          this.foldedTo = head.time;
        }
        return;
      }
      this.shapes.set(s, seen + 1);
    }
    this.flushFolded();
    this.print(lines);
  }

  private print(all: ReadonlyArray<string>): void {
    const lines = this.bounds.fold ? shortDumps(all) : all;
    const withNotes: string[] = [];
    for (const l of lines) {
      withNotes.push(l);
      for (const [i, g] of GLOSSARY.entries()) {
        if (this.glossaryShown.has(i) || !g.term.test(plain(l))) continue;
        this.glossaryShown.add(i);
        for (const t of g.text) withNotes.push(`${INDENT}${t}`);
      }
    }
    if (this.bounds.limit !== undefined && this.printed + withNotes.length > this.bounds.limit) {
      this.overLimit++;
      this.overLimitLines += lines.length;
      return;
    }
    if (this.stepPending) this.out.step();
    this.stepPending = false;
    for (const l of withNotes) this.emit(l);
  }

  private flushFolded(): void {
    if (this.foldedSteps === 0) return;
    const kinds = [...this.folded.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${n.toLocaleString("en")} ${k}`)
      .join(", ");
    const when =
      this.foldedFrom === undefined
        ? ""
        : this.foldedFrom === this.foldedTo
          ? ` at ${this.foldedFrom} s`
          : ` from ${this.foldedFrom} to ${this.foldedTo} s`;
    const n = this.foldedSteps;
    const text = `${INDENT}⋯ ${n.toLocaleString("en")} ${n === 1 ? "step like the one" : "steps like the ones"} above${when} (${kinds})`;
    this.folded = new Map();
    this.foldedSteps = 0;
    this.foldedFrom = undefined;
    this.foldedTo = undefined;
    if (this.bounds.limit !== undefined && this.printed + 1 > this.bounds.limit) {
      this.overLimit++;
      this.overLimitLines++;
      return;
    }
    this.emit(text);
  }

  private emit(s: string): void {
    this.printed++;
    this.out.line(s);
  }
}
