// THE list of kernel modules the QEMU harness builds, loads and runs (`npm run test:kernel`).
// To add an example's C twin: put kmod/<example>/ (a Kbuild Makefile with obj-m, the .c, the
// <example>_proto.h) next to the others, then add one entry below: the module, and the modes of
// `nlsim run <example> --transport kernel --mode M` to run with it in the guest. Each case gets a
// verdict of its own (guest: insmod, the program's exit status, rmmod, no BUG/Oops/WARNING in
// dmesg but those of `expectDmesg`; host: the comparison with `nlsim run <example> --mode M` on
// the simulator).
import { captureNumbers, compareCounted, compareExactWithSlip, compareTotals, type Transcript } from "./compare.js";

/**
 * icmp-logger's comparison: real pings' counts are timing under TCG (a flow that starts late on a busy
 * host loses a ping or two at the end of imp2_u's window), so each line's count may differ from the
 * simulator's by 2; what must hold exactly is the set and order of lines and, on each side, that the
 * unload line's "M sent" equals the ICMP lines imp2_u printed.
 */
const PINGS = compareCounted({ total: /(\d+) sent\)/, counted: /^ICMP /, slack: 2 });
const PINGS_WHY =
  "the lines in the same order of first appearance, each count within 2 of the simulator's (real pings under TCG), " +
  "and on both sides the unload line's count of those sent equal to the ICMP lines imp2_u printed";

/**
 * select-throughput's comparison (its counts, bytes, times and rates are the guest scheduler's):
 * on each side the totals must add up, then the shape with those numbers masked. `n` sockets and
 * threads, usr reading `durationMs`, `wire` bytes a message (header + payload), the module's
 * FAIL_PRINTS printk budget for failed sends.
 */
export const selectThroughputShape = (o: {
  readonly n: number;
  readonly durationMs: number;
  readonly wire: number;
  readonly failPrints: number;
}) =>
  compareTotals({
    check: (t) => {
      const bad: string[] = [];
      const num = (re: RegExp): Record<string, number> | undefined => {
        const v = captureNumbers(t, re);
        if (typeof v === "string") bad.push(v);
        return typeof v === "string" ? undefined : v;
      };
      const k = num(
        /^net_link: remove ok \(sent (?<sent>\d+), delivered (?<delivered>\d+), (?<bytes>\d+) bytes, EAGAIN (?<eagain>\d+), ECONNREFUSED (?<refused>\d+), other (?<other>\d+)\)\.$/,
      );
      const u = num(/^usr: read (?<messages>\d+) messages \((?<bytes>\d+) bytes\), ENOBUFS (?<enobufs>\d+)$/);
      const p = num(/^\/proc\/net\/netlink: Drops (?<drops>\d+) over (?<sockets>\d+) sockets of protocol 24$/);
      const tot = num(
        /^total: received (?<kb>\d+) Kbytes, consumed time is: (?<ms>\d+)ms, speed is: (?<speed>\d+\.\d{3})K\/s, (?<rate>\d+)\.00\/s\.$/,
      );
      const must = (ok: boolean, what: string) => {
        if (!ok) bad.push(what);
      };
      if (k !== undefined) {
        const failed = k.eagain! + k.refused! + k.other!;
        must(k.sent === k.delivered! + failed, `sent ${k.sent} ≠ delivered ${k.delivered} + failures ${failed}`);
        must(k.bytes === k.delivered! * o.wire, `delivered bytes ${k.bytes} ≠ ${k.delivered} × ${o.wire}`);
        const printed = t.dmesg.filter((l) => l.startsWith("net_link: can not unicast skb:")).length;
        must(
          printed === Math.min(o.failPrints, failed),
          `${printed} "can not unicast" lines for ${failed} failures (the budget is ${o.failPrints})`,
        );
      }
      if (u !== undefined) {
        must(u.bytes === u.messages! * o.wire, `usr's bytes ${u.bytes} ≠ ${u.messages} × ${o.wire}`);
        if (k !== undefined)
          must(u.messages! <= k.delivered!, `usr read ${u.messages} messages, the module delivered ${k.delivered}`);
      }
      if (p !== undefined) {
        must(p.sockets === o.n, `/proc/net/netlink lists ${p.sockets} of usr's ${o.n} sockets`);
        if (u !== undefined) must(u.enobufs! <= p.drops!, `ENOBUFS ${u.enobufs} > Drops ${p.drops}`);
        if (k !== undefined) must(p.drops! <= k.eagain!, `Drops ${p.drops} > EAGAIN ${k.eagain}`);
      }
      if (tot !== undefined && u !== undefined) {
        must(tot.kb === Math.floor(u.bytes! / 1024), `total's ${tot.kb} Kbytes ≠ ${u.bytes} bytes / 1024`);
        must(tot.ms! >= o.durationMs, `usr read ${tot.ms} ms, less than ${o.durationMs}`);
        if (tot.ms! > 0) {
          must(
            tot.rate === Math.floor((u.messages! * 1000) / tot.ms!),
            `total's ${tot.rate}/s ≠ ${u.messages} in ${tot.ms} ms`,
          );
          must(
            tot.speed === Number(((tot.kb! * 1000) / tot.ms!).toFixed(3)),
            `total's ${tot.speed}K/s ≠ ${tot.kb} Kbytes in ${tot.ms} ms`,
          );
        }
      }
      return bad;
    },
    masks: [
      /(?<=^(total: )?received )\d+(?= Kbytes, consumed time is: \d+ms, speed is: )/,
      /(?<=consumed time is: )\d+(?=ms)/,
      /(?<=speed is: )\d+\.\d+(?=K\/s)/,
      /\d+\.\d+(?=\/s\.$)/,
      /(?<=^usr: read )\d+(?= messages)/,
      /(?<=^usr: read … messages \()\d+(?= bytes\))/,
      /(?<=ENOBUFS )\d+$/,
      /(?<=^\/proc\/net\/netlink: Drops )\d+/,
      /(?<=^start thread \[)\d+(?=\]\.$)/,
      /(?<=^thread )\d+(?= exit!$)/,
      /(?<=a is: )\d+/,
      /(?<=peerpid is: )\d+/,
      /(?<=^net_link: remove ok \(.*)\d+/,
    ],
    // the failure printks: their number is checked on each side (min(budget, failures)); the
    // article's periodic statistics lines: how many is throughput
    uncounted: /^(net_link: can not unicast skb: |received )/,
  });

export interface KernelCase {
  /** `--mode` of the example */
  readonly mode: string;
  /** insmod arguments (module parameters), e.g. ["use_notifier=0"] */
  readonly insmodArgs?: ReadonlyArray<string>;
  /**
   * How the guest's transcript is compared with the simulator's (after both are normalised: port
   * ids, jiffies, timestamps):
   * - "exact": the program's output and the module's dmesg lines, line for line;
   * - "shape": the same distinct lines in the same order of first appearance, each as often
   *   (for runs whose timing is real: traffic, throughput);
   * - a function: the differences, empty when they agree (say in `why` what it checks);
   * - "none": run in the guest only (verdict from the guest), no comparison.
   */
  readonly compare: "exact" | "shape" | "none" | ((sim: Transcript, kernel: Transcript) => string[]);
  /** regular expressions whose matches become "…" in both transcripts before comparing (what honestly differs) */
  readonly mask?: ReadonlyArray<string>;
  /**
   * regular expressions: kernel log lines (without their timestamps) that belong to the compared
   * transcript besides the module's own (`dmesgPrefix`), e.g. a WARN the mode draws on purpose
   */
  readonly dmesgAlso?: ReadonlyArray<string>;
  /**
   * regular expressions the guest's kernel log must match (lines without their timestamps), each
   * at least once, or the case fails. A BUG/Oops/WARNING line they match, or one inside a
   * "[ cut here ]" … "---[ end trace" report in which one of them matches, is expected: it does not
   * fail the case. Any other such line still does.
   */
  readonly expectDmesg?: ReadonlyArray<string>;
  /**
   * a signal for the program (e.g. "SIGINT", a Ctrl-C), sent `signalAfterMs` after the first dmesg
   * or stdout line matching `signalWhen` (after the program's start without it). A case whose
   * signal never went fails.
   */
  readonly signal?: NodeJS.Signals;
  /** when to start counting `signalAfterMs` (a regular expression on dmesg and the program's stdout, multiline) */
  readonly signalWhen?: string;
  /** ms between `signalWhen`'s match (or the program's start) and the signal (default 0) */
  readonly signalAfterMs?: number;
  /** why the comparison is what it is (printed in the report) */
  readonly why?: string;
  /** rmmod as soon as a dmesg line matches this (while the program runs), e.g. the unload scenario */
  readonly rmmodWhen?: string;
  /**
   * `rmmodWhen`'s rmmod must be refused (the module is in use: a user socket holds it). What rmmod
   * says becomes part of the transcript, as the simulator's rmmod prints it, and the module is
   * unloaded after the program as usual. An rmmod that unloads the module fails the case.
   */
  readonly rmmodRefused?: boolean;
  /** a guest shell script (path relative to the repository) to run once a dmesg line matches `trafficWhen` */
  readonly traffic?: string;
  /** when to start `traffic` (a regular expression on dmesg; default: at once, before the program) */
  readonly trafficWhen?: string;
  /** a guest shell script to run before insmod (network setup, ...) */
  readonly setup?: string;
  /**
   * a guest shell script (path relative to the repository) to run after insmod, before the
   * program; what it prints (stdout and stderr) opens the program's transcript, so the
   * simulator's run must print the same first (e.g. a second module's insmod and its outcome).
   * A non-zero exit fails the case.
   */
  readonly afterInsmod?: string;
  /** wait this long after the program exits before rmmod, so the module's timers can play out (ms, default 300) */
  readonly settleMs?: number;
  /** the program's expected exit status (default 0) */
  readonly expectExit?: number;
  /** `--set name=value` parameters for both the guest run and the simulator run */
  readonly sets?: ReadonlyArray<string>;
  /** seconds before the case is killed in the guest (default 120) */
  readonly timeoutSec?: number;
}

export interface KernelModule {
  /** the example's name (examples/index.ts), and the directory kmod/<example>/ */
  readonly example: string;
  /** where the module's Makefile is, relative to the repository (default kmod/<example>) */
  readonly dir?: string;
  /** the module file `make` builds there, e.g. "nl_demo.ko" */
  readonly ko: string;
  /** the module's printk prefix: the dmesg lines compared are those that start with it */
  readonly dmesgPrefix: string;
  /** more prefixes of dmesg lines to compare, in their places among the module's (a second module's, a kernel line a case turns on) */
  readonly dmesgPrefixes?: ReadonlyArray<string>;
  readonly cases: ReadonlyArray<KernelCase>;
}

/** __might_sleep's report (kernel/sched/core.c): its three lines */
const ATOMIC_SLEEP = /^(BUG: sleeping function called from invalid context|in_atomic\(\)|preempt_count:)/;

const PERIOD =
  "line for line, both runs with --set scale=3 (events every 300 ms, the daemon's waits 900 ms); jiffies and " +
  "port ids normalised";

/**
 * The daemon dies after its last event; on a slow guest (TCG on a loaded host) its exit can take
 * longer than the 300 ms to the module's next event, which is then still delivered ("= 24") before
 * the port is gone: one such line more, and the events after it numbered one higher, are allowed.
 */
const DEATH = compareExactWithSlip({
  extra: /K_EVT #… netlink_unicast\(port P1\) = \d+$/,
  slack: 1,
  masks: [/(?<=K_EVT #)\d+/],
});
const DEATH_WHY = `${PERIOD}; one more event delivered before the dying daemon's port is gone is allowed (a slow guest's exit), the events' numbers masked`;

/** nl-demo's timeline stretched 3 times on both sides (`--set scale=3`, insmod period_ms=300). */
const SCALED = { sets: ["scale=3"], insmodArgs: ["period_ms=300"] } as const;

export const MODULES: ReadonlyArray<KernelModule> = [
  {
    example: "nl-demo",
    ko: "nl_demo.ko",
    dmesgPrefix: "nl_demo:",
    cases: [
      // scale=3: Node under TCG, on a busy host, can take more than 150 ms between reading an event
      // and its next step (NLDEMO_CLOSE, exit), and one more event would slip in; the stretched
      // timeline gives it 300 ms, the same run on both sides
      { mode: "unicast", ...SCALED, compare: "exact", why: PERIOD },
      { mode: "multicast", ...SCALED, compare: "exact", why: PERIOD },
      { mode: "dies", ...SCALED, compare: DEATH, settleMs: 1500, why: DEATH_WHY },
      {
        mode: "dies-no-notifier",
        ...SCALED,
        insmodArgs: [...SCALED.insmodArgs, "use_notifier=0"],
        compare: DEATH,
        settleMs: 1500,
        why: DEATH_WHY,
      },
      { mode: "short", compare: "exact" },
      {
        // rmmod while the daemon listens: its socket holds a reference on the module (netlink_create:
        // try_module_get(nl_table[17].module)), so rmmod is refused and the daemon carries on. The
        // guest's rmmod comes as soon as the daemon registered (the simulator's at 250 ms × 3, between
        // events 2 and 3): the daemon then lives another 2.5 s, time enough for a slow guest
        mode: "unload",
        ...SCALED,
        compare: "exact",
        rmmodWhen: "nl_demo: NLDEMO_U_PID: registered",
        rmmodRefused: true,
        why: `${PERIOD}; rmmod once the daemon registered is refused ("in use"), the module is unloaded after it exits`,
      },
      // "buggy" is the 2.6 module (softirq input, the article's bugs): no 6.1 twin, by design.
    ],
  },
  {
    example: "icmp-logger",
    ko: "imp2_k.ko",
    dmesgPrefix: "imp2:",
    cases: [
      {
        mode: "default",
        compare: PINGS,
        setup: "kmod/icmp-logger/guest-net.sh",
        traffic: "kmod/icmp-logger/guest-ping.sh",
        trafficWhen: "imp2: user port \\d+ registered",
        mask: ["\\d+ ICMP packets seen"],
        why:
          "real pings (busybox ping from 10.0.0.2 and 10.0.0.3 in a second namespace, over a veth pair, to " +
          "10.0.0.1) at the simulator's rates: " +
          PINGS_WHY +
          "; the order between the two flows is real timing; the unload line's count of ICMP packets seen is masked " +
          "(the simulator's traffic goes on 1 s after imp2_u leaves)",
      },
      {
        // Ctrl-C: SIGINT interrupts imp2_u (transport/kernel.ts: the scope closes its socket, no
        // IMP2_CLOSE), exit status 130; netlink_release's NETLINK_URELEASE tells the module
        mode: "ctrl-c",
        compare: PINGS,
        setup: "kmod/icmp-logger/guest-net.sh",
        traffic: "kmod/icmp-logger/guest-ping.sh",
        trafficWhen: "imp2: user port \\d+ registered",
        signal: "SIGINT",
        signalWhen: "^ICMP 10\\.0\\.0\\.3 -> 10\\.0\\.0\\.1$",
        signalAfterMs: 2000,
        expectExit: 130,
        mask: ["\\d+ ICMP packets seen"],
        why:
          "the default case's pings; SIGINT 2.0 s after imp2_u printed its first ping from 10.0.0.3, between that " +
          "flow's 5th and 6th ping and before 10.0.0.2's 4th, as the simulator's kill at 2.5 s falls (3 + 5 pings " +
          "printed): " +
          PINGS_WHY +
          ", the released line instead of closed",
      },
      {
        // GFP_KERNEL in the softirq hook (insmod buggy=1, kmod/icmp-logger/imp2_k.c); the article's own
        // bugs (mode buggy) have no twin: its write_lock_bh(&user_proc.pid) would lock the guest up
        mode: "gfp-kernel",
        insmodArgs: ["buggy=1"],
        setup: "kmod/icmp-logger/guest-net.sh",
        traffic: "kmod/icmp-logger/guest-ping.sh",
        trafficWhen: "imp2: user port \\d+ registered",
        dmesgAlso: [ATOMIC_SLEEP.source],
        mask: ["\\d+ ICMP packets seen"],
        compare: (sim, kern) => {
          const without = (t: Transcript): Transcript => ({
            out: t.out,
            dmesg: t.dmesg.filter((l) => !ATOMIC_SLEEP.test(l)),
          });
          const missing = sim.dmesg.some((l) => l.startsWith("BUG: sleeping function called from invalid context"))
            ? []
            : ['the simulator printed no "BUG: sleeping function called from invalid context"'];
          return [...missing, ...PINGS(without(sim), without(kern))];
        },
        why:
          "as the default case (imp2_u's 5 s, 5 + 10 pings): " +
          PINGS_WHY +
          ", except the simulator's " +
          '"BUG: sleeping function called from invalid context" report (its three lines), which must be in the ' +
          "simulator's dmesg and is not looked for in the guest's: Debian's 6.1 kernel has CONFIG_DEBUG_ATOMIC_SLEEP " +
          "off (/boot/config-*), so __might_sleep prints nothing there (were it on, the guest verdict would fail on the BUG line)",
      },
    ],
  },
  {
    example: "procfs",
    ko: "procfs_example.ko",
    dmesgPrefix: "procfs_example:",
    cases: [
      { mode: "correct", compare: "exact" },
      {
        // the article's handlers (kmod/procfs/procfs_example.c): safe to run, but they draw
        // check_copy_size's WARNs on purpose (the ULONG_MAX write, the read past the text)
        mode: "buggy",
        insmodArgs: ["buggy=1"],
        compare: "exact",
        expectDmesg: [
          "^Buffer overflow detected \\(128 < 18446744073709551615\\)!$",
          "^WARNING: CPU: \\d+ PID: \\d+ at include/linux/thread_info\\.h:\\d+ buggy_read\\b",
        ],
        dmesgAlso: ["^(read|write):", "^-+\\[ cut here \\]-+$", "^Buffer overflow detected", "^WARNING: "],
        mask: [
          "(?<=^WARNING: )CPU: \\d+ PID: \\d+",
          "(?<=^WARNING: .* [A-Za-z_][\\w.]*)(\\+0x[0-9a-f]+/0x[0-9a-f]+( \\[\\w+\\])?)?$",
        ],
        why:
          "line for line: the output, the module's lines, its unprefixed read:/write: printks (their first line: " +
          "dmesg indents a text's further lines) and each WARN's head (cut here, the message, the WARNING line with " +
          "CPU/PID and the symbol's +offset/size [module] masked); the rest of a WARN (modules, registers, call " +
          "trace) is the machine's and not compared. The simulator's KASAN report of kernel_buf[ULONG_MAX] = 0 is " +
          "not compared: Debian's kernel has no CONFIG_KASAN (the guard byte takes the store)",
      },
    ],
  },
  {
    example: "sockopt",
    ko: "sockopt_srv.ko",
    dmesgPrefix: "sockopt:",
    // the clashing module's line, nf_register_sockopt's pr_debug (on by guest-dyndbg.sh), and the
    // article's handlers' unprefixed printk lines (buggy=1)
    dmesgPrefixes: ["sockopt_clash:", "nf_sock overlap:", "recv_msg:", "send_msg:"],
    cases: [
      {
        mode: "correct",
        setup: "kmod/sockopt/guest-dyndbg.sh",
        afterInsmod: "kmod/sockopt/guest-clash.sh",
        compare: "exact",
        why: "line for line: the clash's insmod error, both clients (root, uid 1000), the modules' and nf_sockopt's lines",
      },
      {
        mode: "buggy",
        insmodArgs: ["buggy=1"],
        setup: "kmod/sockopt/guest-dyndbg.sh",
        afterInsmod: "kmod/sockopt/guest-clash.sh",
        compare: "exact",
        why:
          "line for line, as correct, with the article's recv_msg/send_msg lines and their bytes-not-copied counts " +
          "(the kernel transport's user buffers end at a guard page, as the model's end at the caller's bytes)",
      },
    ],
  },
  {
    example: "netlink-exam",
    ko: "netlink_exam.ko",
    dmesgPrefix: "netlink_exam:",
    cases: [
      { mode: "sample", compare: "exact" },
      { mode: "big", compare: "exact" },
    ],
  },
  {
    example: "select-throughput",
    ko: "knl.ko",
    dmesgPrefix: "net_link:",
    cases: [
      {
        mode: "default",
        insmodArgs: ["threads=4", "pids=4"],
        sets: ["n=4", "durationMs=1000"],
        dmesgAlso: ["^start thread \\[\\d+\\]\\.$", "^thread \\d+ exit!$"],
        compare: selectThroughputShape({ n: 4, durationMs: 1000, wire: 16 + 768, failPrints: 5 }),
        why:
          "the shape, numbers that are the guest scheduler's masked (counts, bytes, times, rates, thread indices, " +
          "a is / peerpid): the same distinct lines in the same order of first appearance, each as many times " +
          '(4 threads start and exit) but the "can not unicast" printks; on each side: the unload line\'s sent = ' +
          "delivered + EAGAIN + ECONNREFUSED + other, its bytes = delivered × 784, as many failure printks as " +
          "min(5, failures), usr's bytes = messages × 784 and messages ≤ delivered, /proc/net/netlink listing its " +
          "4 sockets with ENOBUFS ≤ Drops ≤ EAGAIN, the total line's Kbytes, rate and speed from usr's messages and " +
          "bytes, read for ≥ 1000 ms. Both runs have the same sequence: usr reads 1 s and leaves, the threads " +
          "(refused now: the -111 line must be on both sides) go on until rmmod 300 ms later (settleMs)",
      },
    ],
  },
];
