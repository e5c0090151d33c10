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
      {
        // rmmod while the daemon listens: its socket holds a reference on the module (netlink_create:
        // try_module_get(nl_table[17].module)), so rmmod is refused and the daemon carries on. The
        // guest's rmmod comes as soon as the daemon registered (the simulator's at 250 ms, between
        // events 2 and 3): the daemon then lives another second, time enough for a slow guest
        mode: "unload",
        insmodArgs: ["period_ms=150"],
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
    cases: [
      {
        mode: "correct",
        compare: "none",
        why: "the simulator's run adds a clashing registration and an unprivileged client; the guest runs the root client",
      },
      {
        mode: "buggy",
        insmodArgs: ["buggy=1"],
        compare: "none",
        why: "the simulator's run adds a clashing registration and an unprivileged client; the guest runs the root client",
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
