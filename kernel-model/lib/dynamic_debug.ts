// lib/dynamic_debug.c and include/linux/dynamic_debug.h: with CONFIG_DYNAMIC_DEBUG (Debian's
// kernel has it), every pr_debug call site is a descriptor whose flags start empty ("=_" in
// /proc/dynamic_debug/control) unless its file defines DEBUG, so it prints nothing until a query
// turns its `p` flag on:
//   echo 'file net/netfilter/nf_sockopt.c +p' > /proc/dynamic_debug/control
// (or the same query as the `dyndbg=` boot parameter). The model keeps the descriptors' `p` flag
// per kernel and the query language's file/module/func matches with wildcards; the flags that
// only change the line's prefix (m, f, l, t) are not modelled and are refused.
import { need_kernel } from "../kernel/current.js";
import type { Kernel } from "../kernel/kernel.js";
import { KERN_DEBUG, KERN_ERR, printk, vprintk_emit } from "../kernel/printk.js";
import { ERRNO } from "../uapi/index.js";

/** struct _ddebug: one pr_debug call site. */
export interface DdebugDescriptor {
  /** KBUILD_MODNAME of the object (a built-in composite's name, e.g. "netfilter" for nf_sockopt.o) */
  readonly modname: string;
  /** __func__ */
  readonly function: string;
  /** __FILE__, relative to the source tree */
  readonly filename: string;
  /** the format string, for the control file's listing */
  readonly format: string;
}

const descriptors: DdebugDescriptor[] = [];
const enabled = new WeakMap<Kernel, Set<DdebugDescriptor>>();
const enabledOf = (k: Kernel): Set<DdebugDescriptor> => {
  let s = enabled.get(k);
  if (s === undefined) {
    s = new Set();
    enabled.set(k, s);
  }
  return s;
};

/** DEFINE_DYNAMIC_DEBUG_METADATA: declares a call site (once, where the C macro expands). */
export const DEFINE_DYNAMIC_DEBUG_METADATA = (d: DdebugDescriptor): DdebugDescriptor => {
  descriptors.push(d);
  return d;
};

/** dynamic_pr_debug(descriptor, text): printk(KERN_DEBUG text) when the site's `p` flag is on. */
export const dynamic_pr_debug = (d: DdebugDescriptor, s: string): number => {
  const k = need_kernel("dynamic_pr_debug");
  return enabledOf(k).has(d) ? printk(KERN_DEBUG + s) : 0;
};

/** Is the call site's `p` flag on in `k`? (the control file's "=p") */
export const ddebug_enabled = (k: Kernel, d: DdebugDescriptor): boolean => enabledOf(k).has(d);

/** match_wildcard: `*` any run of characters, `?` one character. */
const match_wildcard = (pattern: string, s: string): boolean => {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`).test(s);
};

const kbasename = (path: string): string => path.slice(path.lastIndexOf("/") + 1);

interface Query {
  file?: string;
  module?: string;
  func?: string;
}

/** ddebug_parse_query + ddebug_parse_flags for one command: match-specs, then [+-=]p or =_. */
const ddebug_parse = (words: ReadonlyArray<string>): { query: Query; op: string } | string => {
  if (words.length === 0) return "empty query";
  const flags = words[words.length - 1]!;
  const m = /^([+\-=])([pmflt_]+)$/.exec(flags);
  if (m === null) return `bad flag-spec "${flags}" (expected [+-=] and flags)`;
  const op = m[1]!;
  const f = m[2]!;
  if (f !== "p" && !(op === "=" && f === "_")) return `flags "${f}": only p (and =_) are modelled`;
  const specs = words.slice(0, -1);
  if (specs.length % 2 !== 0) return `expecting pairs of match-spec <value>, got "${specs.join(" ")}"`;
  const query: Query = {};
  for (let i = 0; i < specs.length; i += 2) {
    const key = specs[i]!;
    const value = specs[i + 1]!;
    if (key !== "file" && key !== "module" && key !== "func") return `unknown keyword "${key}"`;
    if (query[key] !== undefined) return `match-spec:${key} val:${value} overridden by ${query[key]}`;
    query[key] = value;
  }
  return { query, op: op === "=" && f === "_" ? "-" : op === "=" ? "+" : op };
};

/** ddebug_change's match: every given spec must hold (file: the path, its basename or a wildcard of them). */
const matches = (q: Query, d: DdebugDescriptor): boolean =>
  (q.file === undefined || match_wildcard(q.file, d.filename) || match_wildcard(q.file, kbasename(d.filename))) &&
  (q.module === undefined || match_wildcard(q.module, d.modname)) &&
  (q.func === undefined || match_wildcard(q.func, d.function));

/**
 * ddebug_exec_queries(query): what a write to /proc/dynamic_debug/control does. Commands are
 * separated by ";" or newlines. Returns the number of call sites matched, or -EINVAL (with the
 * kernel's "dyndbg:" error line) when a command does not parse; nothing is changed then.
 */
export const ddebug_exec_queries = (k: Kernel, text: string): number => {
  const commands = text
    .split(/[;\n]/)
    .map((c) => c.replace(/#.*/, "").trim())
    .filter((c) => c !== "");
  const parsed: Array<{ query: Query; op: string }> = [];
  for (const c of commands) {
    const p = ddebug_parse(c.split(/\s+/));
    if (typeof p === "string") {
      vprintk_emit(k, `${KERN_ERR}dyndbg: ${p}`);
      return -ERRNO.EINVAL;
    }
    parsed.push(p);
  }
  const on = enabledOf(k);
  let found = 0;
  for (const { query, op } of parsed) {
    for (const d of descriptors) {
      if (!matches(query, d)) continue;
      found++;
      if (op === "+") on.add(d);
      else on.delete(d);
    }
  }
  return found;
};

/** The control file's lines for the known call sites: "file [module]function =p|=_ "format"". */
export const ddebug_control = (k: Kernel): string[] =>
  descriptors.map(
    (d) => `${d.filename} [${d.modname}]${d.function} =${enabledOf(k).has(d) ? "p" : "_"} ${JSON.stringify(d.format)}`,
  );
