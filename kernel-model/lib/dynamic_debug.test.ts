// Dynamic debug: pr_debug call sites silent until a control query turns them on.
import { describe, expect, it } from "vitest";
import { World } from "../../sim/world.js";
import { nf_register_sockopt } from "../net/netfilter/nf_sockopt.js";
import { ERRNO, PF_INET } from "../uapi/index.js";
import { ddebug_control, ddebug_exec_queries } from "./dynamic_debug.js";

const range = (min: number, max: number) => ({
  pf: PF_INET,
  set_optmin: 0,
  set_optmax: 0,
  get_optmin: min,
  get_optmax: max,
});

/** A world with one registration, then a clashing one: the dmesg lines of the clash. */
const clash = (query?: string): { ret: number; dmesg: string[] } => {
  const w = new World({ seed: 1 });
  if (query !== undefined) expect(ddebug_exec_queries(w.kernel, query)).toBeGreaterThan(0);
  w.insmod(() => nf_register_sockopt(range(300, 302)));
  const ret = w.insmod(() => nf_register_sockopt(range(301, 303)));
  return { ret, dmesg: w.dmesg().map((l) => l.replace(/^\[[^\]]*\] /, "")) };
};

describe("dynamic debug", () => {
  it("keeps nf_register_sockopt's overlap pr_debug silent by default, as a CONFIG_DYNAMIC_DEBUG kernel does", () => {
    const r = clash();
    expect(r.ret).toBe(-ERRNO.EBUSY);
    expect(r.dmesg).toEqual([]);
  });

  it("prints it once 'file net/netfilter/nf_sockopt.c +p' (or the basename, the module, a wildcard) turns it on", () => {
    const line = "nf_sock overlap: 0-0/300-302 v 0-0/301-303";
    expect(clash("file net/netfilter/nf_sockopt.c +p").dmesg).toEqual([line]);
    expect(clash("file nf_sockopt.c +p").dmesg).toEqual([line]);
    expect(clash("module netfilter func nf_register_* +p").dmesg).toEqual([line]);
    expect(clash("file nf_sockopt.c +p; file nf_sockopt.c -p").dmesg).toEqual([]);
    expect(clash("file nf_sockopt.c +p\nfile nf_sockopt.c =_").dmesg).toEqual([]);
  });

  it("is per kernel, and the control listing shows the flag", () => {
    const a = new World({ seed: 1 });
    const b = new World({ seed: 1 });
    ddebug_exec_queries(a.kernel, "file nf_sockopt.c +p");
    const site = (w: World) => ddebug_control(w.kernel).find((l) => l.startsWith("net/netfilter/nf_sockopt.c "));
    expect(site(a)).toBe(
      'net/netfilter/nf_sockopt.c [netfilter]nf_register_sockopt =p "nf_sock overlap: %u-%u/%u-%u v %u-%u/%u-%u\\n"',
    );
    expect(site(b)).toContain(" =_ ");
  });

  it("refuses a query it cannot parse with EINVAL and the kernel's dyndbg: line, changing nothing", () => {
    const w = new World({ seed: 1 });
    expect(ddebug_exec_queries(w.kernel, "file nf_sockopt.c +p; flie x +p")).toBe(-ERRNO.EINVAL);
    expect(ddebug_exec_queries(w.kernel, "file nf_sockopt.c")).toBe(-ERRNO.EINVAL);
    expect(ddebug_exec_queries(w.kernel, "file nf_sockopt.c +pf")).toBe(-ERRNO.EINVAL);
    expect(ddebug_exec_queries(w.kernel, "file nofile.c +p")).toBe(0);
    expect(w.dmesg().map((l) => l.replace(/^\[[^\]]*\] /, ""))).toEqual([
      'dyndbg: unknown keyword "flie"',
      'dyndbg: bad flag-spec "nf_sockopt.c" (expected [+-=] and flags)',
      'dyndbg: flags "pf": only p (and =_) are modelled',
    ]);
    expect(ddebug_control(w.kernel).find((l) => l.startsWith("net/netfilter/nf_sockopt.c "))).toContain(" =_ ");
  });
});
