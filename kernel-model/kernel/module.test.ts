import { describe, expect, it } from "vitest";
import { ERRNO } from "../uapi/index.js";
import { kernel_enter } from "./current.js";
import type { KernelHost } from "./host.js";
import { Kernel } from "./kernel.js";
import {
  delete_module,
  find_module,
  load_module,
  MODULE_STATE_GOING,
  MODULE_STATE_LIVE,
  Module,
  module_put,
  proc_modules,
  THIS_MODULE,
  try_module_get,
} from "./module.js";
import { dmesg } from "./printk.js";
import { TaskStruct } from "./sched.js";

const host = (): KernelHost => ({
  now: () => 0,
  current: () => new TaskStruct("insmod", 100),
  alloc_pid: () => 2000,
  add_timer: () => () => {},
  spawn_kthread: () => {},
  sleep: () => Promise.resolve("timeout" as const),
  wake_up_task: () => {},
  wake_up_queue: () => {},
  tracing: false,
  record: () => {},
  random_u32: () => 0,
});

const withKernel = <T>(fn: (k: Kernel) => T): T => {
  const k = new Kernel(host());
  return kernel_enter(k, () => fn(k));
};

describe("struct module", () => {
  it("try_module_get counts while LIVE, fails while GOING; NULL (built-in) always succeeds", () => {
    const m = new Module("m", null, null);
    m.state = MODULE_STATE_LIVE;
    expect(try_module_get(m)).toBe(true);
    expect(try_module_get(m)).toBe(true);
    expect(m.refcnt).toBe(2);
    module_put(m);
    m.state = MODULE_STATE_GOING;
    expect(try_module_get(m)).toBe(false);
    expect(m.refcnt).toBe(1);
    expect(try_module_get(null)).toBe(true);
    module_put(null);
  });

  it("load_module runs init as THIS_MODULE; a failing init leaves nothing loaded and no exit runs", () =>
    withKernel((k) => {
      let exits = 0;
      const bad = new Module(
        "bad",
        () => {
          expect(THIS_MODULE()?.name).toBe("bad");
          return -ERRNO.ENODEV;
        },
        () => void exits++,
      );
      expect(load_module(k, bad)).toBe(-ERRNO.ENODEV);
      expect(find_module(k, "bad")).toBeUndefined();
      expect(exits).toBe(0);
      expect(THIS_MODULE()).toBeNull();
    }));

  it("delete_module: EAGAIN with references (exit not called), EBUSY without an exit, ENOENT when absent", () =>
    withKernel((k) => {
      let exits = 0;
      const m = new Module(
        "m",
        () => 0,
        () => {
          expect(m.state).toBe(MODULE_STATE_GOING);
          exits++;
        },
      );
      expect(load_module(k, m)).toBe(0);
      expect(try_module_get(m)).toBe(true);
      expect(proc_modules(k)).toEqual(["m 1 - Live"]);
      expect(delete_module(k, "m")).toBe(-ERRNO.EAGAIN);
      expect(exits).toBe(0);
      expect(m.state).toBe(MODULE_STATE_LIVE);
      module_put(m);
      expect(delete_module(k, "m")).toBe(0);
      expect(exits).toBe(1);
      expect(delete_module(k, "m")).toBe(-ERRNO.ENOENT);
      const noExit = new Module("noexit", () => 0, null);
      expect(load_module(k, noExit)).toBe(0);
      expect(delete_module(k, "noexit")).toBe(-ERRNO.EBUSY);
      expect(proc_modules(k)).toEqual(["noexit 0 - Live"]);
    }));

  it("module_put below zero is the kernel's WARN_ON", () =>
    withKernel((k) => {
      const m = new Module("m", null, null);
      module_put(m);
      expect(dmesg(k)).toEqual(["[    0.000000] WARNING: module_put: m refcount below zero"]);
    }));
});
