// kernel/printk/printk.c: printk with a level prefix into the log ring (log_buf), and the dmesg
// view of it. Timestamps are virtual time, printed like the kernel's "[%5lu.%06lu] ".
import { need_kernel, this_kernel } from "./current.js";
import type { Kernel } from "./kernel.js";

// include/linux/kern_levels.h: KERN_SOH ("\001") followed by the level digit
export const KERN_SOH = "\x01";
export const KERN_EMERG = "\x010";
export const KERN_ALERT = "\x011";
export const KERN_CRIT = "\x012";
export const KERN_ERR = "\x013";
export const KERN_WARNING = "\x014";
export const KERN_NOTICE = "\x015";
export const KERN_INFO = "\x016";
export const KERN_DEBUG = "\x017";
export const KERN_DEFAULT = "";
/** KERN_CONT: continue the previous line */
export const KERN_CONT = "\x01c";

export const LOGLEVEL_EMERG = 0;
export const LOGLEVEL_ALERT = 1;
export const LOGLEVEL_CRIT = 2;
export const LOGLEVEL_ERR = 3;
export const LOGLEVEL_WARNING = 4;
export const LOGLEVEL_NOTICE = 5;
export const LOGLEVEL_INFO = 6;
export const LOGLEVEL_DEBUG = 7;
/** MESSAGE_LOGLEVEL_DEFAULT: the level of a printk without a prefix */
export const MESSAGE_LOGLEVEL_DEFAULT = LOGLEVEL_WARNING;

/** One record of the ring (struct printk_info + its text). */
export interface PrintkRecord {
  readonly seq: number;
  /** virtual nanoseconds since boot */
  readonly ts_nsec: number;
  readonly level: number;
  text: string;
}

/** LOG_BUF_LEN with CONFIG_LOG_BUF_SHIFT=17: the oldest records go when the text outgrows it. */
export const LOG_BUF_LEN = 1 << 17;

/** The printk ring buffer (log_buf). */
export class PrintkRing {
  private records: PrintkRecord[] = [];
  private head = 0;
  private bytes = 0;
  next_seq = 0;

  append(ts_nsec: number, level: number, text: string): PrintkRecord {
    const r: PrintkRecord = { seq: this.next_seq++, ts_nsec, level, text };
    this.records.push(r);
    this.bytes += text.length;
    while (this.bytes > LOG_BUF_LEN && this.head < this.records.length - 1) {
      this.bytes -= this.records[this.head]!.text.length;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
    return r;
  }
  /** the last record, for KERN_CONT */
  last(): PrintkRecord | undefined {
    return this.head < this.records.length ? this.records[this.records.length - 1] : undefined;
  }
  extend(r: PrintkRecord, more: string): void {
    r.text += more;
    this.bytes += more.length;
  }
  /** the records still in the ring, oldest first */
  toArray(): PrintkRecord[] {
    return this.records.slice(this.head);
  }
}

/** printk_get_level + printk_skip_level: the level a prefixed string asks for, and its text. */
const parse_level = (s: string): { level: number; cont: boolean; text: string } => {
  let level = -1;
  let cont = false;
  while (s.length >= 2 && s[0] === KERN_SOH) {
    const c = s[1]!;
    if (c >= "0" && c <= "7") level = c.charCodeAt(0) - 48;
    else if (c === "c") cont = true;
    else break;
    s = s.slice(2);
  }
  return { level: level < 0 ? MESSAGE_LOGLEVEL_DEFAULT : level, cont: cont && level < 0, text: s };
};

/** vprintk_emit: one record per line, each also a trace event. Returns the characters stored. */
export const vprintk_emit = (k: Kernel, fmt: string): number => {
  const { level, cont, text } = parse_level(fmt);
  const lines = text.endsWith("\n") ? text.slice(0, -1).split("\n") : text.split("\n");
  let n = 0;
  lines.forEach((line, i) => {
    const last = k.log.last();
    if (i === 0 && cont && last !== undefined) {
      k.log.extend(last, line);
      k.host.record({ kind: "printk", level: last.level, cont: true, text: line });
    } else {
      const r = k.log.append(k.host.now(), level, line);
      k.host.record({ kind: "printk", level: r.level, text: line });
    }
    n += line.length;
  });
  return n;
};

/** printk(fmt): the text (already formatted; TypeScript has template strings), with an optional KERN_* prefix. */
export const printk = (fmt: string): number => vprintk_emit(need_kernel("printk"), fmt);
/** pr_emerg */
export const pr_emerg = (s: string): number => printk(KERN_EMERG + s);
/** pr_alert */
export const pr_alert = (s: string): number => printk(KERN_ALERT + s);
/** pr_crit */
export const pr_crit = (s: string): number => printk(KERN_CRIT + s);
/** pr_err */
export const pr_err = (s: string): number => printk(KERN_ERR + s);
/** pr_warn */
export const pr_warn = (s: string): number => printk(KERN_WARNING + s);
/** pr_notice */
export const pr_notice = (s: string): number => printk(KERN_NOTICE + s);
/** pr_info */
export const pr_info = (s: string): number => printk(KERN_INFO + s);
/** pr_debug: logged as if DEBUG were defined for every module (dynamic debug is not modelled) */
export const pr_debug = (s: string): number => printk(KERN_DEBUG + s);
/** pr_cont */
export const pr_cont = (s: string): number => printk(KERN_CONT + s);

/** print_time: "[%5lu.%06lu]" from nanoseconds */
export const print_time = (ts_nsec: number): string => {
  const sec = Math.floor(ts_nsec / 1_000_000_000);
  const usec = Math.floor((ts_nsec % 1_000_000_000) / 1000);
  return `[${String(sec).padStart(5, " ")}.${String(usec).padStart(6, "0")}]`;
};

/** One dmesg line: "[    0.000123] text", or with `raw` (dmesg -r) "<6>[    0.000123] text". */
export const format_dmesg_line = (r: PrintkRecord, raw = false): string =>
  `${raw ? `<${r.level}>` : ""}${print_time(r.ts_nsec)} ${r.text}`;

export interface DmesgOptions {
  /** dmesg -r: prefix each line with <level> */
  readonly raw?: boolean;
  /** dmesg -l: only records at or more urgent than this level */
  readonly maxLevel?: number;
}

/** dmesg: the ring as text lines, oldest first (the given kernel, or the installed one). */
export const dmesg = (k: Kernel | undefined = this_kernel(), opts: DmesgOptions = {}): string[] => {
  if (k === undefined) return [];
  const max = opts.maxLevel ?? LOGLEVEL_DEBUG;
  return k.log
    .toArray()
    .filter((r) => r.level <= max)
    .map((r) => format_dmesg_line(r, opts.raw ?? false));
};
