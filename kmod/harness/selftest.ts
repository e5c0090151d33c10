// The harness's self-test cases: each is broken on purpose and must make the harness fail, for
// the reason given. They run with `npm run test:kernel -- --selftest` (two boots: the panic ends
// the first guest that meets it, so it has a boot of its own).
import type { KernelCase, KernelModule } from "./modules.js";

export interface SelftestCase extends KernelCase {
  /** the case's id (default EXAMPLE--MODE) */
  readonly id?: string;
  /** run this in the guest instead of `nlsim run EXAMPLE --transport kernel --mode M` */
  readonly command?: ReadonlyArray<string>;
  /** compare with this mode's simulator run instead of `mode` */
  readonly simMode?: string;
}

const broken = { example: "nl-demo", dir: "kmod/harness/selftest", ko: "nlsim_broken.ko", dmesgPrefix: "nl_demo:" };
const nlDemo = { example: "nl-demo", ko: "nl_demo.ko", dmesgPrefix: "nl_demo:" };

export const SELFTEST_MODULES: ReadonlyArray<KernelModule> = [
  { ...broken, cases: [{ id: "selftest-einval", mode: "unicast", compare: "exact" } as SelftestCase] },
  {
    ...nlDemo,
    cases: [
      { id: "selftest-exit1", mode: "unicast", compare: "none", command: ["sh", "-c", "echo failing; exit 1"] },
      { id: "selftest-hang", mode: "unicast", compare: "none", command: ["sleep", "600"], timeoutSec: 3 },
      { id: "selftest-differs", mode: "short", simMode: "unicast", compare: "exact" },
      // a case that expects a kernel line (expectDmesg) which never comes
      {
        id: "selftest-expected",
        mode: "short",
        compare: "none",
        expectDmesg: ["^nl_demo: a line nl_demo never prints$"],
      },
    ] as SelftestCase[],
  },
];

export const selftestExpectations: ReadonlyArray<{ id: string; reason: RegExp }> = [
  { id: "selftest-einval", reason: /insmod .*nlsim_broken\.ko failed/ },
  { id: "selftest-exit1", reason: /the program exited 1, expected 0/ },
  { id: "selftest-hang", reason: /timeout/ },
  { id: "selftest-differs", reason: /differs from the simulator/ },
  { id: "selftest-expected", reason: /expected in the kernel log, never came/ },
];

export const SELFTEST_PANIC: ReadonlyArray<KernelModule> = [
  {
    ...broken,
    cases: [{ id: "selftest-panic", mode: "unicast", insmodArgs: ["fail=panic"], compare: "none" } as SelftestCase],
  },
];
