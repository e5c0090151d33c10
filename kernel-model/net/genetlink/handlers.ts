// The handlers of the generic netlink families the model implements beyond nlctrl, by family
// name: each lives in the file of its kernel counterpart (net/ipv6/seg6.c → ipv6/seg6.ts, …).
// A profile family (genetlink/profile.ts) whose command has no entry here answers "not modelled".
import { tcp_metrics_genl_handlers } from "../ipv4/tcp_metrics.js";
import { ioam6_genl_handlers } from "../ipv6/ioam6.js";
import { seg6_genl_handlers } from "../ipv6/seg6.js";
import { mptcp_pm_genl_handlers } from "../mptcp/mptcp_pm_gen.js";
import type { GenlFamilyHandlers } from "./family.js";

export const GENL_FAMILY_HANDLERS: Readonly<Record<string, GenlFamilyHandlers>> = {
  tcp_metrics: tcp_metrics_genl_handlers,
  mptcp_pm: mptcp_pm_genl_handlers,
  SEG6: seg6_genl_handlers,
  IOAM6: ioam6_genl_handlers,
};
