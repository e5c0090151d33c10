// `npm run test:kernel`: every example's C twin on a real kernel, in a QEMU guest, compared with
// the simulator. Steps: the packages (apt-get when missing), the kernel version (the newest with
// headers and an image), `make` of each module in modules.ts, the uncompressed kernel and a tiny
// initramfs, one boot that runs every case (guest.mjs: insmod, `nlsim run EXAMPLE --transport
// kernel --mode M`, rmmod, dmesg; one verdict file per case), and on the host, meanwhile, the same
// examples on the simulator (`nlsim run EXAMPLE --mode M`). Then each case's transcript is
// compared with the simulator's (compare.ts) and the report says, per case, ok or why not.
// Exit status: 0 when every case passed, 1 otherwise (with the reasons), 2 on bad usage.
//
//   npm run test:kernel                      all cases
//   npm run test:kernel -- --only nl-demo    one example (or nl-demo:unicast, one case)
//   npm run test:kernel -- --selftest        prove that a broken module, a failing guest program,
//                                            a differing transcript and a guest panic each fail
//   --out DIR                                where plan, transcripts and verdicts go (default kmod/harness/out)
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Progress } from "../../cli/progress.js";
import { bundleCli } from "./bundle.js";
import { compareExact, compareShape, normalize, parseGuestRun, parseSimRun, type Transcript } from "./compare.js";
import { type KernelModule, MODULES } from "./modules.js";
import { SELFTEST_MODULES, SELFTEST_PANIC, type SelftestCase, selftestExpectations } from "./selftest.js";
import { boot, buildInitramfs, buildModule, ensureTools, extractVmlinux, findKernel } from "./vm.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const say = (s: string): void => void process.stdout.write(`${s}\n`);

/** One case as the guest runs it (plan.json). */
export interface GuestCase {
  readonly id: string;
  readonly ko: string;
  readonly insmodArgs: ReadonlyArray<string>;
  readonly argv: ReadonlyArray<string>;
  readonly setup?: string;
  readonly afterInsmod?: string;
  readonly traffic?: string;
  readonly trafficWhen?: string;
  readonly rmmodWhen?: string;
  readonly signal?: NodeJS.Signals;
  readonly signalWhen?: string;
  readonly signalAfterMs?: number;
  readonly expectDmesg?: ReadonlyArray<string>;
  readonly rmmodRefused?: boolean;
  readonly settleMs: number;
  readonly expectExit: number;
  readonly timeoutSec: number;
}

export interface CaseResult {
  readonly id: string;
  readonly ok: boolean;
  readonly reasons: ReadonlyArray<string>;
  readonly guestMs?: number;
  readonly compare: string;
}

interface Planned {
  readonly mod: KernelModule;
  readonly c: SelftestCase;
  readonly guest: GuestCase;
}

/** The results share's path inside the guest (the init mounts it there), and the bundled CLI in it. */
const GUEST_OUT = "/run/nlsim";
const GUEST_CLI = `${GUEST_OUT}/nlsim.mjs`;

const caseId = (ex: string, mode: string) => `${ex}--${mode}`;
const moduleDir = (m: KernelModule): string => m.dir ?? `kmod/${m.example}`;

const plan = (mods: ReadonlyArray<KernelModule>): Planned[] =>
  mods.flatMap((mod) =>
    mod.cases.map((c0) => {
      const c = c0 as Planned["c"];
      const sets = (c.sets ?? []).flatMap((s) => ["--set", s]);
      // the CLI bundled into the results share (bundle.ts says why): `nlsim run` as bin/nlsim.js runs it
      const argv = c.command ?? [
        process.execPath,
        GUEST_CLI,
        "run",
        mod.example,
        "--transport",
        "kernel",
        "--mode",
        c.mode,
        ...sets,
      ];
      const guest: GuestCase = {
        id: c.id ?? caseId(mod.example, c.mode),
        ko: join(REPO, moduleDir(mod), mod.ko),
        insmodArgs: c.insmodArgs ?? [],
        argv,
        ...(c.setup === undefined ? {} : { setup: join(REPO, c.setup) }),
        ...(c.afterInsmod === undefined ? {} : { afterInsmod: join(REPO, c.afterInsmod) }),
        ...(c.traffic === undefined ? {} : { traffic: join(REPO, c.traffic) }),
        ...(c.trafficWhen === undefined ? {} : { trafficWhen: c.trafficWhen }),
        ...(c.rmmodWhen === undefined ? {} : { rmmodWhen: c.rmmodWhen }),
        ...(c.signal === undefined ? {} : { signal: c.signal }),
        ...(c.signalWhen === undefined ? {} : { signalWhen: c.signalWhen }),
        ...(c.signalAfterMs === undefined ? {} : { signalAfterMs: c.signalAfterMs }),
        ...(c.expectDmesg === undefined ? {} : { expectDmesg: c.expectDmesg }),
        ...(c.rmmodRefused === undefined ? {} : { rmmodRefused: c.rmmodRefused }),
        settleMs: c.settleMs ?? 300,
        expectExit: c.expectExit ?? 0,
        timeoutSec: c.timeoutSec ?? 120,
      };
      return { mod, c, guest };
    }),
  );

/** `nlsim run EXAMPLE --mode M` on the simulator: its stdout, or an Error. */
const simRun = (p: Planned): Promise<string | Error> =>
  new Promise((done) => {
    const sets = (p.c.sets ?? []).flatMap((s) => ["--set", s]);
    const args = [join(REPO, "bin/nlsim.js"), "run", p.mod.example, "--mode", p.c.simMode ?? p.c.mode, "--seed", "1"];
    const child = spawn(process.execPath, [...args, ...sets], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (b) => {
      out += b;
    });
    child.stderr.on("data", (b) => {
      err += b;
    });
    child.on("close", (code) =>
      done(code === 0 ? out : new Error(`nlsim run ${p.mod.example} --mode ${p.c.mode} (sim) exited ${code}: ${err}`)),
    );
  });

/** Runs `tasks` with at most `n` at a time. */
const pool = async <T>(n: number, tasks: ReadonlyArray<() => Promise<T>>): Promise<T[]> => {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, tasks.length) }, worker));
  return results;
};

const readJson = <T>(path: string): T | undefined => {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as T;
  } catch {
    return undefined;
  }
};

/** Why the guest did not finish, from its serial log. */
const serialDiagnosis = (serial: string): string => {
  const lines = serial.split("\n");
  const panic = lines.find((l) => /Kernel panic|BUG:|Oops|general protection fault/.test(l));
  if (panic !== undefined) return `the guest kernel died: ${panic.replace(/^\[\s*\d+\.\d+\]\s?/, "").trim()}`;
  const init = lines.filter((l) => l.includes("nlsim-init:")).at(-1);
  return init === undefined ? "the guest never reached its init" : `last word from the guest: ${init.trim()}`;
};

export interface RunOptions {
  readonly modules: ReadonlyArray<KernelModule>;
  readonly out: string;
  readonly quiet?: boolean;
}

/** Builds, boots, runs and compares. Returns one result per case (never throws for a failing case). */
export const runHarness = async (
  opts: RunOptions,
): Promise<{ results: CaseResult[]; timings: Record<string, number> }> => {
  const timings: Record<string, number> = {};
  const log = opts.quiet ? () => {} : say;
  let t = Date.now();
  const lap = (what: string) => {
    timings[what] = (Date.now() - t) / 1000;
    t = Date.now();
  };
  timings.install = ensureTools();
  t = Date.now();
  const kver = findKernel()!;
  log(`kernel ${kver} (headers /lib/modules/${kver}/build)`);
  const planned = plan(opts.modules);
  const dirs = [...new Set(opts.modules.map((m) => join(REPO, moduleDir(m))))];
  for (const d of dirs) buildModule(d, kver);
  lap("build");
  const vmlinux = extractVmlinux(kver);
  const initramfs = buildInitramfs(kver, join(REPO, "kmod/harness/guest.mjs"));

  rmSync(opts.out, { recursive: true, force: true });
  mkdirSync(opts.out, { recursive: true });
  await bundleCli(REPO, join(opts.out, "nlsim.mjs"));
  writeFileSync(
    join(opts.out, "plan.json"),
    `${JSON.stringify({ repo: REPO, warmup: [process.execPath, GUEST_CLI, "--version"], cases: planned.map((p) => p.guest) }, null, 2)}\n`,
  );
  const timeoutSec = 90 + planned.reduce((s, p) => s + p.guest.timeoutSec, 0);
  const serialLog = join(opts.out, "serial.log");
  lap("image");
  log(`booting QEMU (TCG) for ${planned.length} cases; serial log ${serialLog}`);
  const toCompare = planned.filter((p) => p.c.compare !== "none");
  // the guest writes each case's verdict.json into the shared results directory as it goes:
  // count them for the progress line (on stderr: redrawn on a terminal, every 10 % when piped)
  const progress = new Progress({
    total: planned.length,
    unit: "cases",
    label: "test:kernel guest",
    ...(opts.quiet ? { stream: { write: () => true } } : {}),
  });
  const countVerdicts = (): void => {
    const n = planned.filter((p) => existsSync(join(opts.out, p.guest.id, "verdict.json"))).length;
    if (n > progress.done) progress.tick(n - progress.done);
  };
  const watch = setInterval(countVerdicts, 1000);
  const [bootResult, sims] = await Promise.all([
    boot({ vmlinux, initramfs, resultsDir: opts.out, serialLog, timeoutSec }),
    pool(
      1,
      toCompare.map((p) => () => simRun(p)),
    ),
  ]).finally(() => {
    clearInterval(watch);
    countVerdicts();
    progress.finish();
  });
  timings.guest = bootResult.seconds;
  t = Date.now();
  const simById = new Map(toCompare.map((p, i) => [p.guest.id, sims[i]!]));

  const serial = existsSync(serialLog) ? readFileSync(serialLog, "utf8") : "";
  const finished = existsSync(join(opts.out, "done.json"));
  const guestProblem = bootResult.timedOut
    ? `the guest hung: QEMU killed after ${timeoutSec} s`
    : finished
      ? undefined
      : `the guest did not finish its plan (QEMU exit ${bootResult.status}): ${serialDiagnosis(serial)}`;
  if (guestProblem !== undefined) log(`GUEST: ${guestProblem}`);

  const results: CaseResult[] = planned.map((p) => {
    const dir = join(opts.out, p.guest.id);
    const v = readJson<{ ok: boolean; reasons: string[]; ms: number }>(join(dir, "verdict.json"));
    const reasons: string[] = [];
    if (v === undefined) reasons.push(`no verdict from the guest (${guestProblem ?? "the case did not run"})`);
    else reasons.push(...v.reasons);
    let compare = "not compared";
    if (p.c.compare !== "none" && v !== undefined) {
      const sim = simById.get(p.guest.id)!;
      if (sim instanceof Error) reasons.push(sim.message);
      else {
        const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : "");
        const mask = (p.c.mask ?? []).map((m) => new RegExp(m));
        const also = (p.c.dmesgAlso ?? []).map((m) => new RegExp(m));
        const prefixes = [p.mod.dmesgPrefix, ...(p.mod.dmesgPrefixes ?? [])];
        const a = normalize(parseSimRun(sim, prefixes, also), mask);
        const b = normalize(parseGuestRun(read("stdout"), read("dmesg"), prefixes, also), mask);
        writeFileSync(join(dir, "sim.normalized"), transcriptText(a));
        writeFileSync(join(dir, "kernel.normalized"), transcriptText(b));
        const how = p.c.compare;
        const diffs = how === "exact" ? compareExact(a, b) : how === "shape" ? compareShape(a, b) : how(a, b);
        compare = typeof how === "function" ? "custom" : how;
        if (diffs.length > 0) reasons.push(`differs from the simulator (${compare}):`, ...diffs.map((d) => `  ${d}`));
      }
    }
    return {
      id: p.guest.id,
      ok: reasons.length === 0,
      reasons,
      ...(v === undefined ? {} : { guestMs: v.ms }),
      compare,
    };
  });
  lap("compare");
  return { results, timings };
};

const transcriptText = (t: Transcript): string => [...t.out, "--- dmesg ---", ...t.dmesg, ""].join("\n");

const report = (results: ReadonlyArray<CaseResult>, mods: ReadonlyArray<KernelModule>): void => {
  for (const r of results) {
    const c = mods
      .flatMap((m) => m.cases.map((c) => [caseId(m.example, c.mode), c] as const))
      .find(([id]) => id === r.id)?.[1];
    const time = r.guestMs === undefined ? "" : ` (guest ${(r.guestMs / 1000).toFixed(1)} s)`;
    say(`${r.ok ? "ok  " : "FAIL"} ${r.id}: ${r.compare}${time}`);
    if (c?.why !== undefined && r.ok) say(`       ${r.compare}: ${c.why}`);
    for (const x of r.reasons) say(`       ${x}`);
  }
};

const main = async (): Promise<number> => {
  const argv = process.argv.slice(2);
  let out = join(REPO, "kmod/harness/out");
  let only: string | undefined;
  let selftest = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--out") out = resolve(argv[++i] ?? "");
    else if (a === "--only") only = argv[++i];
    else if (a === "--selftest") selftest = true;
    else {
      process.stderr.write(`test:kernel: unknown argument ${a} (--only EX[:MODE], --out DIR, --selftest)\n`);
      return 2;
    }
  }
  const t0 = Date.now();
  if (selftest) return runSelftest(out);
  let mods = MODULES;
  if (only !== undefined) {
    const [ex, mode] = only.split(":");
    mods = MODULES.filter((m) => m.example === ex).map((m) => ({
      ...m,
      cases: m.cases.filter((c) => mode === undefined || c.mode === mode),
    }));
    if (mods.length === 0 || mods[0]!.cases.length === 0) {
      process.stderr.write(`test:kernel: no case ${only} in kmod/harness/modules.ts\n`);
      return 2;
    }
  }
  const { results, timings } = await runHarness({ modules: mods, out });
  report(results, mods);
  const failed = results.filter((r) => !r.ok);
  const times = Object.entries(timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(", ");
  say(
    `${results.length - failed.length}/${results.length} cases passed; ${times}; total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  say(`transcripts and verdicts: ${out}`);
  return failed.length === 0 ? 0 : 1;
};

/** The self-test: each deliberately broken case must fail, for the expected reason. */
const runSelftest = async (out: string): Promise<number> => {
  const bad: string[] = [];
  const check = (results: ReadonlyArray<CaseResult>, expect: ReadonlyArray<{ id: string; reason: RegExp }>) => {
    for (const e of expect) {
      const r = results.find((x) => x.id === e.id);
      const all = r?.reasons.join("\n") ?? "";
      if (r === undefined) bad.push(`${e.id}: no result`);
      else if (r.ok) bad.push(`${e.id}: PASSED, but it is broken on purpose`);
      else if (!e.reason.test(all)) bad.push(`${e.id}: failed, but not for ${e.reason}: ${all}`);
      else say(`selftest ok: ${e.id} fails as it must: ${r.reasons[0]}`);
    }
  };
  const a = await runHarness({
    modules: SELFTEST_MODULES,
    out: join(out, "selftest"),
    quiet: true,
  });
  check(a.results, selftestExpectations);
  const b = await runHarness({ modules: SELFTEST_PANIC, out: join(out, "selftest-panic"), quiet: true });
  check(b.results, [{ id: "selftest-panic", reason: /Kernel panic/ }]);
  for (const x of bad) say(`selftest FAIL: ${x}`);
  say(bad.length === 0 ? "selftest: every broken case made the harness fail" : "selftest: FAILED");
  return bad.length === 0 ? 0 : 1;
};

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`test:kernel: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
