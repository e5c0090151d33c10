// net/netlink/af_netlink.c: netlink_kernel_create / netlink_kernel_release, how a (simulated)
// kernel module claims a protocol unit.
import { type Module, THIS_MODULE } from "../../kernel/module.js";
import { MAX_LINKS, SOCK_DGRAM } from "../../uapi/index.js";
import { netlink_release } from "./af_netlink.js";
import {
  NETLINK_F_KERNEL_SOCKET,
  type NetlinkBindFn,
  type NetlinkInput,
  type NetlinkReleaseFn,
  NetlinkSock,
  type NetlinkUnbindFn,
  NLGRPWORDS,
} from "./sock.js";
import { type Net, netlink_insert } from "./table.js";

/** struct netlink_kernel_cfg */
export interface NetlinkKernelCfg {
  /** multicast groups of the unit (at least 32) */
  readonly groups?: number;
  /** NL_CFG_F_NONROOT_RECV / NL_CFG_F_NONROOT_SEND */
  readonly flags?: number;
  readonly input?: NetlinkInput;
  readonly bind?: NetlinkBindFn;
  readonly unbind?: NetlinkUnbindFn;
  readonly release?: NetlinkReleaseFn;
}

/**
 * __netlink_kernel_create(net, unit, module, cfg): the unit's kernel socket at port id 0, or null
 * when the unit is out of range or port id 0 is already taken. The first kernel socket of a unit
 * sets the unit's groups, flags, callbacks and owner module (whose references user sockets of the
 * unit take); a later one only counts (registered++). The kernel socket itself holds no reference.
 */
export const __netlink_kernel_create = (
  net: Net,
  unit: number,
  module: Module | null,
  cfg?: NetlinkKernelCfg,
): NetlinkSock | null => {
  if (unit < 0 || unit >= MAX_LINKS) return null;
  const sk = new NetlinkSock(net, SOCK_DGRAM, unit, 0);
  const groups = cfg?.groups === undefined || cfg.groups < 32 ? 32 : cfg.groups;
  if (cfg?.input !== undefined) sk.netlink_rcv = cfg.input;
  if (netlink_insert(sk, 0)) {
    sk.dead = true;
    return null;
  }
  sk.flags |= NETLINK_F_KERNEL_SOCKET;
  const tbl = net.nl_table[unit]!;
  if (!tbl.registered) {
    tbl.groups = groups;
    tbl.listeners = new Uint32Array(NLGRPWORDS(groups));
    tbl.module = module;
    tbl.bind = cfg?.bind ?? null;
    tbl.unbind = cfg?.unbind ?? null;
    tbl.release = cfg?.release ?? null;
    tbl.flags = cfg?.flags ?? 0;
    tbl.registered = 1;
  } else {
    tbl.registered++;
  }
  net.sockets.push(sk);
  return sk;
};

/**
 * netlink_kernel_create(net, unit, cfg): the inline of include/linux/netlink.h, which passes
 * THIS_MODULE — here the module whose init is running (null for built-in code).
 */
export const netlink_kernel_create = (net: Net, unit: number, cfg?: NetlinkKernelCfg): NetlinkSock | null =>
  __netlink_kernel_create(net, unit, THIS_MODULE(), cfg);

/** netlink_kernel_release(sk): release the kernel socket (and the unit with its last one). */
export const netlink_kernel_release = (sk: NetlinkSock | null): void => {
  if (sk === null) return;
  netlink_release(sk);
};
