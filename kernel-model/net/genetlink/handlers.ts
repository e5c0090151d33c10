// The handlers of the generic netlink families the model implements beyond nlctrl, by family
// name: each lives in the file of its kernel counterpart (net/ipv6/seg6.c → ipv6/seg6.ts, …).
// A profile family (genetlink/profile.ts) whose command has no entry here answers "not modelled".

import { netdev_genl_handlers, netdev_genl_init } from "../core/netdev-genl.js";
import { ethtool_genl_handlers } from "../ethtool/netlink.js";
import { tcp_metrics_genl_handlers } from "../ipv4/tcp_metrics.js";
import { ioam6_genl_handlers } from "../ipv6/ioam6.js";
import { seg6_genl_handlers } from "../ipv6/seg6.js";
import { mptcp_pm_genl_handlers } from "../mptcp/mptcp_pm_gen.js";
import type { Net } from "../netlink/table.js";
import type { GenlFamily, GenlFamilyHandlers } from "./family.js";

export const GENL_FAMILY_HANDLERS: Readonly<Record<string, GenlFamilyHandlers>> = {
  netdev: netdev_genl_handlers,
  ethtool: ethtool_genl_handlers,
  tcp_metrics: tcp_metrics_genl_handlers,
  mptcp_pm: mptcp_pm_genl_handlers,
  SEG6: seg6_genl_handlers,
  IOAM6: ioam6_genl_handlers,
};

/**
 * What a family's init does in a namespace besides registering it (netdev_genl_init registers its
 * netdevice notifier), run by genl_boot_profile once the family is registered there.
 */
export const GENL_FAMILY_INITS: Readonly<Record<string, (net: Net, family: GenlFamily) => void>> = {
  netdev: netdev_genl_init,
};
