// kernel/module/main.c and include/linux/module.h: struct module and its reference count, as far
// as netlink needs them. A module's code takes references on other modules' behalf
// (netlink_create: try_module_get(nl_table[protocol].module) for every user socket of a unit a
// module registered), and delete_module — rmmod's syscall — refuses to unload a module that still
// has references: EAGAIN (EWOULDBLOCK), and the exit function is not called.
//
// THIS_MODULE is a link-time constant in C (&__this_module of the .ko being built; NULL in built-in
// code). The model's module code is closures, so THIS_MODULE() is the module whose init or exit the
// loader is running on the installed kernel, and null anywhere else: code run without a loader
// (the model's unit tests, the boot-time units of net_boot) is built-in code, whose references are
// free (try_module_get(NULL) succeeds and counts nothing).

import { ERRNO, O_NONBLOCK } from "../uapi/index.js";
import { this_kernel } from "./current.js";
import type { Kernel } from "./kernel.js";
import { KERN_WARNING } from "./printk.js";

// enum module_state
export const MODULE_STATE_LIVE = 0;
export const MODULE_STATE_COMING = 1;
export const MODULE_STATE_GOING = 2;
export const MODULE_STATE_UNFORMED = 3;
export type ModuleState =
  | typeof MODULE_STATE_LIVE
  | typeof MODULE_STATE_COMING
  | typeof MODULE_STATE_GOING
  | typeof MODULE_STATE_UNFORMED;

/** /proc/modules' words for the states (m_show). */
export const module_state_name = (s: ModuleState): string =>
  s === MODULE_STATE_GOING ? "Unloading" : s === MODULE_STATE_COMING ? "Loading" : "Live";

/** struct module: the name, the state, the references, module_init and module_exit. */
export class Module {
  state: ModuleState = MODULE_STATE_UNFORMED;
  /**
   * The references others hold (module_refcount: the kernel's refcnt minus MODULE_REF_BASE): what
   * /proc/modules and lsmod show as "Used by".
   */
  refcnt = 0;
  constructor(
    readonly name: string,
    /** module_init: 0 or a negative errno */
    readonly init: (() => number) | null,
    /** module_exit: without one a module that has an init cannot be unloaded */
    readonly exit: (() => void) | null,
  ) {}
}

interface ModuleTable {
  /** the `modules` list, in load order */
  readonly list: Module[];
  /** the module whose init or exit runs now: THIS_MODULE for its code */
  running: Module | null;
}
const tables = new WeakMap<Kernel, ModuleTable>();
const modules_of = (k: Kernel): ModuleTable => {
  let t = tables.get(k);
  if (t === undefined) {
    t = { list: [], running: null };
    tables.set(k, t);
  }
  return t;
};

/** THIS_MODULE: the module whose init or exit is running on the installed kernel; null for built-in code. */
export const THIS_MODULE = (): Module | null => {
  const k = this_kernel();
  return k === undefined ? null : modules_of(k).running;
};

/** module_is_live: not on its way out. */
export const module_is_live = (mod: Module): boolean => mod.state !== MODULE_STATE_GOING;

/** try_module_get: take a reference, unless the module is going away; NULL (built-in) always succeeds. */
export const try_module_get = (mod: Module | null): boolean => {
  if (mod === null) return true;
  if (!module_is_live(mod)) return false;
  mod.refcnt++;
  return true;
};

/** __module_get: take a reference the caller knows it may take (it already holds one). */
export const __module_get = (mod: Module | null): void => {
  if (mod !== null) mod.refcnt++;
};

/** module_put: drop a reference (NULL: nothing). Below zero is the kernel's WARN_ON(ret < 0). */
export const module_put = (mod: Module | null): void => {
  if (mod === null) return;
  mod.refcnt--;
  if (mod.refcnt < 0) {
    this_kernel()?.printk(`${KERN_WARNING}WARNING: module_put: ${mod.name} refcount below zero`);
  }
};

/** module_refcount */
export const module_refcount = (mod: Module): number => mod.refcnt;

/** find_module: the loaded (or loading, or going) module of that name. */
export const find_module = (k: Kernel, name: string): Module | undefined =>
  modules_of(k).list.find((m) => m.name === name);

/** The modules list, in load order (lsmod prints it newest first). */
export const modules_list = (k: Kernel): ReadonlyArray<Module> => modules_of(k).list;

/** Runs `fn` as the code of `mod` (THIS_MODULE = mod), restoring what ran before. */
const as_module = <T>(k: Kernel, mod: Module, fn: () => T): T => {
  const t = modules_of(k);
  const prev = t.running;
  t.running = mod;
  try {
    return fn();
  } finally {
    t.running = prev;
  }
};

/**
 * load_module + do_init_module (init_module(2), insmod): -EEXIST when a module of that name is
 * loaded; else the module is listed (COMING), its init runs with THIS_MODULE = the module, and it
 * goes LIVE on 0. A negative return unloads it again (its exit is not called) and is the result.
 */
export const load_module = (k: Kernel, mod: Module): number => {
  const t = modules_of(k);
  if (find_module(k, mod.name) !== undefined) return -ERRNO.EEXIST;
  if (mod.state !== MODULE_STATE_UNFORMED) throw new Error(`load_module: ${mod.name} was loaded before`);
  mod.state = MODULE_STATE_COMING;
  t.list.push(mod);
  const ret = mod.init === null ? 0 : as_module(k, mod, mod.init);
  if (ret < 0) {
    mod.state = MODULE_STATE_GOING;
    t.list.splice(t.list.indexOf(mod), 1);
    mod.state = MODULE_STATE_UNFORMED;
    return ret;
  }
  mod.state = MODULE_STATE_LIVE;
  return 0;
};

/**
 * delete_module(name, flags) (rmmod): -ENOENT for no such module; -EBUSY while it is still
 * loading or already going, or when it has an init but no exit; -EAGAIN (EWOULDBLOCK: the kernel's
 * try_stop_module) while anyone holds a reference — the module stays, its exit is not called. Else
 * the module goes GOING (try_module_get on it now fails), its exit runs, and it is gone: 0. O_TRUNC
 * (rmmod --force) is not modelled: a forced unload is refused like any other; O_NONBLOCK is what
 * every unload is since 3.13.
 */
export const delete_module = (k: Kernel, name: string, _flags = O_NONBLOCK): number => {
  const t = modules_of(k);
  const mod = find_module(k, name);
  if (mod === undefined) return -ERRNO.ENOENT;
  if (mod.state !== MODULE_STATE_LIVE) return -ERRNO.EBUSY;
  if (mod.init !== null && mod.exit === null) return -ERRNO.EBUSY;
  if (mod.refcnt !== 0) return -ERRNO.EAGAIN;
  mod.state = MODULE_STATE_GOING;
  if (mod.exit !== null) as_module(k, mod, mod.exit);
  t.list.splice(t.list.indexOf(mod), 1);
  mod.state = MODULE_STATE_UNFORMED;
  return 0;
};

/** /proc/modules without sizes and addresses: "name refcnt - State" per module, newest first. */
export const proc_modules = (k: Kernel): string[] =>
  modules_of(k)
    .list.slice()
    .reverse()
    .map((m) => `${m.name} ${m.refcnt} - ${module_state_name(m.state)}`);
