// Progress of a long command on stderr. On a terminal: one line redrawn in place (at most every
// 100 ms, and at the end). Piped (CI logs): a line each time another `everyPercent` of the work is
// done, and at the end, so a log shows the run moving without a line per item. Messages that must
// stay (a failure, a finding) go through `log`, which clears the redrawn line first.

/** Where progress goes: stderr, or a test's stand-in. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  /** how many items the work has (0: nothing to count) */
  readonly total: number;
  /** the items' name in the plural: "seeds", "scenarios", "cases" */
  readonly unit: string;
  /** what runs, at the start of each line (e.g. "conform") */
  readonly label?: string;
  /** the text after the count: failures so far, findings, … */
  readonly detail?: () => string;
  /** piped: a line per this share of the work (default 10 %) */
  readonly everyPercent?: number;
  readonly stream?: ProgressStream;
  /** milliseconds, for the rate and the redraw throttle (default performance.now) */
  readonly now?: () => number;
}

const REDRAW_MS = 100;

export class Progress {
  private done_ = 0;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private lastQuiet = 0;
  private drawn = false;
  private finished = false;
  private readonly t0: number;
  private readonly stream: ProgressStream;
  private readonly now: () => number;
  private readonly tty: boolean;
  private readonly step: number;

  constructor(private readonly opts: ProgressOptions) {
    if (!Number.isInteger(opts.total) || opts.total < 0) throw new RangeError(`progress: total ${opts.total}`);
    this.stream = opts.stream ?? process.stderr;
    this.now = opts.now ?? (() => performance.now());
    this.tty = this.stream.isTTY === true;
    this.t0 = this.now();
    const every = opts.everyPercent ?? 10;
    if (!(every > 0 && every <= 100)) throw new RangeError(`progress: everyPercent ${every} is not in (0, 100]`);
    this.step = Math.max(1, Math.ceil((opts.total * every) / 100));
  }

  get done(): number {
    return this.done_;
  }

  /** The progress line: "label: 12/64 scenarios (18%), detail, 4.2 scenarios/s, 2.9 s". */
  line(): string {
    const { total, unit, label, detail } = this.opts;
    const secs = (this.now() - this.t0) / 1000;
    const pct = total === 0 ? 100 : Math.floor((this.done_ * 100) / total);
    const rate = secs > 0 ? this.done_ / secs : 0;
    const parts = [`${this.done_}/${total} ${unit} (${pct}%)`];
    const d = detail?.();
    if (d !== undefined && d !== "") parts.push(d);
    parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} ${unit}/s`, `${secs.toFixed(1)} s`);
    return `${label === undefined ? "" : `${label}: `}${parts.join(", ")}`;
  }

  /** `n` more items done. */
  tick(n = 1): void {
    this.done_ = Math.min(this.opts.total, this.done_ + n);
    this.show();
  }

  /**
   * A line that stays (above the progress line on a terminal); `to` writes it elsewhere (stdout,
   * for a command's results) after the progress line is cleared.
   */
  log(text: string, to: ProgressStream = this.stream): void {
    if (this.tty && this.drawn) this.stream.write("\r\x1b[K");
    to.write(`${text}\n`);
    this.drawn = false;
    if (this.tty && !this.finished && this.done_ > 0) this.draw();
  }

  /** The end: the final line (on a terminal, the redrawn line is left in place). */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.tty) {
      this.draw();
      this.stream.write("\n");
    } else if (this.lastQuiet !== this.done_ || this.done_ === 0) {
      this.stream.write(`${this.line()}\n`);
    }
  }

  private show(): void {
    if (this.finished) return;
    if (this.tty) {
      const t = this.now();
      if (t - this.lastDraw >= REDRAW_MS || this.done_ === this.opts.total) this.draw();
      return;
    }
    if (this.done_ === this.opts.total || this.done_ >= this.lastQuiet + this.step) {
      this.lastQuiet = this.done_;
      this.stream.write(`${this.line()}\n`);
    }
  }

  private draw(): void {
    this.lastDraw = this.now();
    this.stream.write(`\r\x1b[K${this.line()}`);
    this.drawn = true;
  }
}
