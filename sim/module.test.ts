// Module references in a world: a user socket of a netlink unit holds the module that registered
// the unit (netlink_create: try_module_get(nl_table[unit].module)), so delete_module (rmmod) is
// refused with EAGAIN and the exit function does not run until the socket is closed.
import { describe, expect, it } from "vitest";
import { find_module, Module, module_refcount, THIS_MODULE } from "../kernel-model/kernel/module.js";
import {
  type NetlinkSock,
  netlink_create,
  netlink_kernel_create,
  netlink_kernel_release,
} from "../kernel-model/net/netlink/index.js";
import { ERRNO, NETLINK_USERSOCK, SOCK_RAW } from "../kernel-model/uapi/index.js";
import { spawnProcess } from "./process.js";
import { World } from "./world.js";

const UNIT = 17;
const ROOT = { tgid: 1, uid: 0, gid: 0, caps: new Set<number>() };

/** A module "demo" that claims UNIT in its init and releases it in its exit (counted). */
const demo = (world: World, onExit: () => void = () => {}) => {
  const s = { nlfd: null as NetlinkSock | null, exits: 0 };
  const mod = new Module(
    "demo",
    () => {
      s.nlfd = netlink_kernel_create(world.net, UNIT, {});
      return s.nlfd === null ? -ERRNO.ENOMEM : 0;
    },
    () => {
      s.exits++;
      onExit();
      netlink_kernel_release(s.nlfd);
      s.nlfd = null;
    },
  );
  return { mod, s };
};

const deleteCalls = (w: World) =>
  w.trace
    .snapshot()
    .events.filter((e) => e.kind === "syscall" && e.call === "delete_module")
    .map((e) => [e.refcnt, e.ret, e.errno]);

describe("module references (try_module_get / module_put / delete_module)", () => {
  it("netlink_kernel_create records THIS_MODULE (the module being initialised) as the unit's owner", () => {
    const w = new World({ seed: 1 });
    const { mod } = demo(w);
    let during: Module | null = null;
    const probe = new Module(
      "probe",
      () => {
        during = THIS_MODULE();
        return 0;
      },
      () => {},
    );
    expect(w.init_module(probe)).toBe(0);
    expect(during).toBe(probe);
    expect(THIS_MODULE()).toBeNull(); // outside a loader: built-in code
    expect(w.init_module(mod)).toBe(0);
    expect(w.net.nl_table[UNIT]!.module).toBe(mod);
    // the kernel socket itself holds no reference
    expect(module_refcount(mod)).toBe(0);
    // a second insmod of the same name: EEXIST, the first stays
    expect(w.init_module(new Module("demo", () => 0, null))).toBe(-ERRNO.EEXIST);
    expect(find_module(w.kernel, "demo")).toBe(mod);
  });

  it("a user socket holds the module: rmmod is refused (EAGAIN, no exit); after close() rmmod unloads", async () => {
    const w = new World({ seed: 1 });
    const { mod, s } = demo(w);
    expect(w.init_module(mod)).toBe(0);
    const seen: number[] = [];
    spawnProcess(w, { name: "user" }, async (p) => {
      const fd = p.socket(SOCK_RAW, UNIT);
      expect(fd).toBeGreaterThanOrEqual(0);
      const fd2 = p.socket(SOCK_RAW, UNIT);
      seen.push(module_refcount(mod)); // two sockets, two references
      await w.msleep(20);
      p.close(fd);
      seen.push(module_refcount(mod));
      await w.msleep(20);
      p.close(fd2);
      seen.push(module_refcount(mod));
    });
    const rets: number[] = [];
    spawnProcess(w, { name: "rmmod" }, async (p) => {
      await w.msleep(10);
      rets.push(p.delete_module("demo"));
      expect(s.exits).toBe(0); // refused: the exit did not run, the unit is still there
      expect(s.nlfd).not.toBeNull();
      await w.msleep(20); // one socket closed, one open
      rets.push(p.delete_module("demo"));
      await w.msleep(20); // both closed
      rets.push(p.delete_module("demo"));
    });
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(seen).toEqual([2, 1, 0]);
    expect(rets).toEqual([-ERRNO.EAGAIN, -ERRNO.EAGAIN, 0]);
    expect(s.exits).toBe(1);
    expect(find_module(w.kernel, "demo")).toBeUndefined();
    expect(w.net.nl_table[UNIT]!.module).toBeNull();
    expect(deleteCalls(w)).toEqual([
      [2, -11, "EAGAIN"],
      [1, -11, "EAGAIN"],
      [0, 0, undefined],
    ]);
    // a second rmmod of a module that is gone
    spawnProcess(w, { name: "rmmod" }, async (p) => {
      expect(p.delete_module("demo")).toBe(-ERRNO.ENOENT);
    });
    expect((await w.run()).failed).toEqual([]);
  });

  it("a process that exits with the socket open releases its reference (exit_files → netlink_release)", async () => {
    const w = new World({ seed: 1 });
    const { mod, s } = demo(w);
    w.init_module(mod);
    spawnProcess(w, { name: "user" }, async (p) => {
      p.socket(SOCK_RAW, UNIT);
      await w.msleep(10);
    });
    spawnProcess(w, { name: "rmmod" }, async (p) => {
      expect(p.delete_module("demo")).toBe(-ERRNO.EAGAIN);
      await w.msleep(20);
      expect(p.delete_module("demo")).toBe(0);
    });
    expect((await w.run()).failed).toEqual([]);
    expect(s.exits).toBe(1);
  });

  it("socket() on a unit whose module is going away: EPROTONOSUPPORT (try_module_get fails)", async () => {
    const w = new World({ seed: 1 });
    let during: NetlinkSock | number = 0;
    const { mod } = demo(w, () => {
      // the exit runs with the module GOING and the unit still registered
      during = netlink_create(w.net, ROOT, SOCK_RAW, UNIT);
    });
    w.init_module(mod);
    spawnProcess(w, { name: "rmmod" }, async (p) => {
      expect(p.delete_module("demo")).toBe(0);
      // and after it: the unit is gone
      expect(p.socket(SOCK_RAW, UNIT)).toBe(-ERRNO.EPROTONOSUPPORT);
    });
    expect((await w.run()).failed).toEqual([]);
    expect(during).toBe(-ERRNO.EPROTONOSUPPORT);
    expect(module_refcount(mod)).toBe(0);
  });

  it("built-in units (no module) take no reference; a module cannot hold a unit it did not register", async () => {
    const w = new World({ seed: 1 });
    // NETLINK_USERSOCK is registered at boot (module NULL)
    expect(w.net.nl_table[NETLINK_USERSOCK]!.module).toBeNull();
    const { mod } = demo(w);
    w.init_module(mod);
    spawnProcess(w, { name: "user" }, async (p) => {
      expect(p.socket(SOCK_RAW, NETLINK_USERSOCK)).toBeGreaterThanOrEqual(0);
      expect(module_refcount(mod)).toBe(0);
      expect(p.delete_module("demo")).toBe(0);
    });
    expect((await w.run()).failed).toEqual([]);
  });
});
