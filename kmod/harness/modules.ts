// THE list of kernel modules the QEMU harness builds, loads and runs (`npm run test:kernel`).
// To add an example's C twin: put kmod/<example>/ (a Kbuild Makefile with obj-m, the .c, the
// <example>_proto.h) next to the others, then add one entry below: the module, and the modes of
// `nlsim run <example> --transport kernel --mode M` to run with it in the guest. Each case gets a
// verdict of its own (guest: insmod, the program's exit status, rmmod, no BUG/Oops/WARNING in
// dmesg; host: the comparison with `nlsim run <example> --mode M` on the simulator).
import type { Transcript } from "./compare.js";

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
  /** why the comparison is what it is (printed in the report) */
  readonly why?: string;
  /** rmmod as soon as a dmesg line matches this (while the program runs), e.g. the unload scenario */
  readonly rmmodWhen?: string;
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
  readonly dmesgAlso?: ReadonlyArray<string>;
  readonly cases: ReadonlyArray<KernelCase>;
}

const PERIOD =
  "line for line; events every 150 ms in the guest (100 in the simulator), jiffies and port ids normalised";

export const MODULES: ReadonlyArray<KernelModule> = [
  {
    example: "nl-demo",
    ko: "nl_demo.ko",
    dmesgPrefix: "nl_demo:",
    cases: [
      // period_ms=150 (the simulator's is 100): Node under TCG can take more than 100 ms between
      // reading an event and its next step (CLOSE, exit), and one more event would slip in
      { mode: "unicast", insmodArgs: ["period_ms=150"], compare: "exact", why: PERIOD },
      { mode: "multicast", insmodArgs: ["period_ms=150"], compare: "exact", why: PERIOD },
      { mode: "dies", insmodArgs: ["period_ms=150"], compare: "exact", settleMs: 800, why: PERIOD },
      {
        mode: "dies-no-notifier",
        insmodArgs: ["period_ms=150", "use_notifier=0"],
        compare: "exact",
        settleMs: 800,
        why: PERIOD,
      },
      { mode: "short", compare: "exact" },
      // "unload" (rmmod while the daemon listens) cannot happen on a real kernel: every user socket
      // of the unit holds a reference on the module (netlink_create: try_module_get(nl_table[unit].module)),
      // so rmmod says "Module nl_demo is in use" until the daemon closes its socket. Not run.
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
        compare: "shape",
        setup: "kmod/icmp-logger/guest-net.sh",
        traffic: "kmod/icmp-logger/guest-ping.sh",
        trafficWhen: "imp2: user port \\d+ registered",
        mask: ["\\d+ ICMP packets seen"],
        why:
          "real pings (busybox ping from 10.0.0.2 and 10.0.0.3 in a second namespace, over a veth pair, to " +
          "10.0.0.1) at the simulator's rates: same lines and counts, the order between the two flows is real " +
          "timing; the unload line's count of ICMP packets seen is masked (the simulator's traffic goes on 1 s after " +
          "imp2_u leaves), its count of those sent is compared",
      },
      // "ctrl-c" needs a kill at 2.5 s of the program's life and "buggy" needs CONFIG_DEBUG_ATOMIC_SLEEP
      // (Debian's kernel has it off, so GFP_KERNEL in the hook prints nothing): not run in the guest.
    ],
  },
  {
    example: "procfs",
    ko: "procfs_example.ko",
    dmesgPrefix: "procfs_example:",
    cases: [
      { mode: "correct", compare: "exact" },
      // "buggy" (insmod buggy=1) runs safely but draws copy_from_user's WARN on purpose, which a
      // guest verdict counts as a failure: run it by hand (kmod/procfs/procfs_example.c).
    ],
  },
  {
    example: "sockopt",
    ko: "sockopt_srv.ko",
    dmesgPrefix: "sockopt:",
    // the clashing module's line, nf_register_sockopt's pr_debug (on by guest-dyndbg.sh), and the
    // article's handlers' unprefixed printk lines (buggy=1)
    dmesgAlso: ["sockopt_clash:", "nf_sock overlap:", "recv_msg:", "send_msg:"],
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
        compare: "none",
        why: "real timing: message counts depend on the guest's scheduler (TCG), so the guest verdict only",
      },
    ],
  },
];
