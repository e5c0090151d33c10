// The harness's side inside the QEMU guest (plain JavaScript: no compile step under TCG). The
// initramfs's init chroots into the host's root (shared read-only over 9p) and runs
//   node kmod/harness/guest.mjs /run/nlsim/plan.json
// with /run/nlsim the writable results share. For each case of the plan: setup script, insmod,
// the afterInsmod script (its output opens the transcript), the example's user side
// (`node bin/nlsim.js run EXAMPLE --transport kernel --mode M`), traffic when dmesg says so, a
// signal to the program when its case says so, rmmod, dmesg. Each case writes
// <id>/{stdout,stderr,dmesg,verdict.json}; the last thing written is done.json. A case fails on:
// insmod or rmmod failing (or an rmmod expected to be refused succeeding; its complaint goes to
// stdout, the transcript), the program's exit status, a timeout, a BUG/Oops/WARNING in dmesg that
// the case does not expect (expectDmesg), an expected line that never came. A missing done.json
// means the guest died.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { kernelLogVerdict } from "./kernel-log.mjs";

const planPath = process.argv[2];
const plan = JSON.parse(readFileSync(planPath, "utf8"));
const outDir = dirname(planPath);
const log = (s) => process.stdout.write(`nlsim-guest: ${s}\n`);

const sh = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
};
const dmesg = () => sh("dmesg", []).out;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The kernel's log as it is written, from /dev/kmsg (spawning `dmesg` to poll it would starve the
// program under test of the guest's one slow CPU). A child reads it: a read of /dev/kmsg in Node's
// own thread pool would block Node's exit. Cases look at what came after their start.
let kmsg = "";
const kmsgReader = spawn("cat", ["/dev/kmsg"], { stdio: ["ignore", "pipe", "ignore"] });
kmsgReader.stdout.setEncoding("utf8");
kmsgReader.stdout.on("data", (s) => {
  kmsg += s;
});

const runCase = async (c) => {
  const dir = join(outDir, c.id);
  mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  const fail = [];
  let stdout = "";
  let stderr = "";
  let exitCode = null;
  let loaded = false;
  sh("dmesg", ["--clear"]);
  const mark = kmsg.length;

  if (c.setup) {
    const r = sh("sh", [c.setup]);
    if (r.status !== 0) fail.push(`setup ${c.setup} exited ${r.status}: ${r.out.trim()}`);
  }
  if (fail.length === 0) {
    const r = sh("insmod", [c.ko, ...c.insmodArgs]);
    if (r.status !== 0) fail.push(`insmod ${c.ko} failed (exit ${r.status}): ${r.out.trim()}`);
    else loaded = true;
  }
  if (loaded && c.afterInsmod) {
    // its output opens the transcript (a second module's insmod, say)
    const r = sh("sh", [c.afterInsmod]);
    stdout += r.out;
    if (r.status !== 0) fail.push(`afterInsmod ${c.afterInsmod} exited ${r.status}: ${r.out.trim()}`);
  }
  if (loaded) {
    const child = spawn(c.argv[0], c.argv.slice(1), { cwd: plan.repo, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (b) => {
      stdout += b;
    });
    child.stderr.on("data", (b) => {
      stderr += b;
    });
    const exited = new Promise((r) => child.on("close", (code, signal) => r(code ?? `signal ${signal}`)));
    let done = false;
    exited.then(() => {
      done = true;
    });
    let trafficStarted = false;
    let rmmodTried = false;
    let traffic;
    // the traffic script leads a process group of its own: at the program's exit every process it
    // started goes (a ping left running would cross into the next case)
    const startTraffic = () => {
      trafficStarted = true;
      traffic = spawn("sh", [c.traffic], { cwd: plan.repo, stdio: ["ignore", "pipe", "pipe"], detached: true });
      traffic.stdout.on("data", () => {});
      traffic.stderr.on("data", (b) => {
        stderr += `[traffic] ${b}`;
      });
    };
    if (c.traffic && !c.trafficWhen) startTraffic();
    // the signal: `signalAfterMs` after the first dmesg or stdout line matching `signalWhen` (after
    // the program's start without one), like a Ctrl-C at the console
    let signalAt = c.signal && !c.signalWhen ? Date.now() + (c.signalAfterMs ?? 0) : undefined;
    let signalSent = false;
    const deadline = t0 + c.timeoutSec * 1000;
    while (!done) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        fail.push(`timeout: the program ran longer than ${c.timeoutSec} s`);
        break;
      }
      if (c.signal && !signalSent) {
        if (signalAt === undefined && new RegExp(c.signalWhen, "m").test(`${kmsg.slice(mark)}\n${stdout}`)) {
          signalAt = Date.now() + (c.signalAfterMs ?? 0);
        }
        if (signalAt !== undefined && Date.now() >= signalAt) {
          child.kill(c.signal);
          signalSent = true;
        }
      }
      if ((c.traffic && !trafficStarted) || (c.rmmodWhen && !rmmodTried)) {
        const d = kmsg.slice(mark);
        if (c.traffic && !trafficStarted && new RegExp(c.trafficWhen).test(d)) startTraffic();
        if (c.rmmodWhen && !rmmodTried && d.includes(c.rmmodWhen)) {
          rmmodTried = true;
          const r = sh("rmmod", [c.ko]);
          if (c.rmmodRefused) {
            // refused: what rmmod said is part of the transcript (the simulator's rmmod prints it too)
            if (r.status === 0) fail.push(`rmmod ${c.ko} (on "${c.rmmodWhen}") unloaded it; it should be refused`);
            else stdout += `${r.out.trim()}\n`;
          } else if (r.status !== 0) fail.push(`rmmod ${c.ko} (on "${c.rmmodWhen}") failed: ${r.out.trim()}`);
          loaded = r.status !== 0;
        }
      }
      await Promise.race([exited, sleep(10)]);
    }
    exitCode = await exited;
    if (traffic) {
      try {
        process.kill(-traffic.pid, "SIGKILL");
      } catch {
        // the group is gone already
      }
    }
    if (exitCode !== c.expectExit) fail.push(`the program exited ${exitCode}, expected ${c.expectExit}`);
    if (c.trafficWhen && !trafficStarted) fail.push(`traffic never started: no dmesg line matched /${c.trafficWhen}/`);
    if (c.signal && !signalSent) {
      fail.push(`${c.signal} never sent: no dmesg or stdout line matched /${c.signalWhen}/ while the program ran`);
    }
    if (c.rmmodWhen && !rmmodTried) fail.push(`rmmod never ran: no dmesg line contained "${c.rmmodWhen}"`);
    await sleep(c.settleMs);
  }
  if (loaded) {
    const r = sh("rmmod", [c.ko]);
    if (r.status !== 0) fail.push(`rmmod ${c.ko} failed: ${r.out.trim()}`);
  }
  const d = dmesg();
  fail.push(...kernelLogVerdict(d, c.expectDmesg));
  writeFileSync(join(dir, "stdout"), stdout);
  writeFileSync(join(dir, "stderr"), stderr);
  writeFileSync(join(dir, "dmesg"), d);
  const verdict = { ok: fail.length === 0, reasons: fail, exitCode, ms: Date.now() - t0 };
  writeFileSync(join(dir, "verdict.json"), `${JSON.stringify(verdict)}\n`);
  log(`${c.id}: ${verdict.ok ? "ok" : `FAIL: ${fail.join("; ")}`} (${verdict.ms} ms)`);
};

const started = Date.now();
log(`kernel ${sh("uname", ["-r"]).out.trim()}, node ${process.version}, ${plan.cases.length} cases`);
sh("ip", ["link", "set", "lo", "up"]);
// warm-up: the first Node run of the bundled CLI reads it over 9p and is much slower than the next
// ones, slow enough to miss an example's 300 ms deadlines; run it once before the cases
if (plan.warmup) log(`warm-up: ${sh(plan.warmup[0], plan.warmup.slice(1)).status === 0 ? "ok" : "failed"}`);
for (const c of plan.cases) {
  try {
    await runCase(c);
  } catch (e) {
    log(`${c.id}: harness error ${e?.stack ?? e}`);
    writeFileSync(
      join(outDir, c.id, "verdict.json"),
      `${JSON.stringify({ ok: false, reasons: [`guest harness error: ${e}`], exitCode: null, ms: 0 })}\n`,
    );
  }
}
writeFileSync(join(outDir, "done.json"), `${JSON.stringify({ ms: Date.now() - started })}\n`);
log(`done in ${Date.now() - started} ms`);
kmsgReader.kill("SIGKILL");
process.exit(0);
