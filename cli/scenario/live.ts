// Three traces of one conformance scenario: the simulator's, this host's live kernel's, and the
// one recorded from the reference kernel (<name>.kernel.jsonl). Which two differ says whose
// problem it is:
// - the simulator differs from the recording: a simulator bug (a failure);
// - the simulator matches the recording but this host's kernel does not: this kernel is built or
//   configured differently from the reference one. Reported with the line, the netlink unit and
//   the likely cause, not as a failure: kernels legitimately differ (units compiled out, the
//   NL_CFG_F_NONROOT_* flags a subsystem passes to netlink_kernel_create, generic netlink
//   families present, the namespace's links).
import type { KernelProfile } from "../../kernel-model/net/profile.js";
import { diffProfiles } from "../profile/format.js";
import type { Scenario } from "./model.js";

/** The reference kernel's profile and this host's (captured), when the comparison has them. */
export interface HostProfiles {
  readonly reference: KernelProfile;
  readonly host: KernelProfile;
}

/** The profile differences that concern `unit` (its own line; genl families for 16; rtnetlink for 0). */
export const profileDiffsFor = (profiles: HostProfiles, unit: number | undefined): string[] =>
  diffProfiles(profiles.reference, profiles.host).filter(
    (l) =>
      (unit !== undefined && l.startsWith(`unit ${unit}:`)) ||
      (unit !== undefined && l.startsWith(`unit ${unit} (`)) ||
      (unit === 16 && l.startsWith("family ")) ||
      (unit === 0 && l.startsWith("rtnetlink ")) ||
      l.startsWith("kernel:"),
  );

/** A line where this host's kernel and the recording differ, with what probably explains it. */
export interface HostDiff {
  readonly line: number;
  readonly recorded: string | undefined;
  readonly live: string | undefined;
  /** the netlink unit of the step's socket, when the line names one */
  readonly unit: number | undefined;
  readonly cause: string;
}

/** Unit numbers (include/uapi/linux/netlink.h) and the kernel option that registers each. */
const UNITS: Readonly<Record<number, { readonly name: string; readonly config: string }>> = {
  0: { name: "NETLINK_ROUTE", config: "always built in" },
  2: { name: "NETLINK_USERSOCK", config: "always built in" },
  4: { name: "NETLINK_SOCK_DIAG", config: "CONFIG_INET_DIAG / CONFIG_UNIX_DIAG / CONFIG_PACKET_DIAG" },
  5: { name: "NETLINK_NFLOG", config: "CONFIG_NETFILTER_NETLINK_LOG" },
  6: { name: "NETLINK_XFRM", config: "CONFIG_XFRM_USER" },
  7: { name: "NETLINK_SELINUX", config: "CONFIG_SECURITY_SELINUX" },
  8: { name: "NETLINK_ISCSI", config: "CONFIG_SCSI_ISCSI_ATTRS" },
  9: { name: "NETLINK_AUDIT", config: "CONFIG_AUDIT" },
  10: { name: "NETLINK_FIB_LOOKUP", config: "CONFIG_IP_FIB_TRIE (fib_frontend.c)" },
  11: { name: "NETLINK_CONNECTOR", config: "CONFIG_CONNECTOR" },
  12: { name: "NETLINK_NETFILTER", config: "CONFIG_NETFILTER_NETLINK" },
  15: { name: "NETLINK_KOBJECT_UEVENT", config: "CONFIG_NET (lib/kobject_uevent.c)" },
  16: { name: "NETLINK_GENERIC", config: "always built in" },
  18: { name: "NETLINK_SCSITRANSPORT", config: "CONFIG_SCSI_NETLINK" },
  20: { name: "NETLINK_RDMA", config: "CONFIG_INFINIBAND" },
  21: { name: "NETLINK_CRYPTO", config: "CONFIG_CRYPTO_USER" },
  22: { name: "NETLINK_SMC", config: "CONFIG_SMC" },
};

export const unitName = (unit: number): string => UNITS[unit]?.name ?? `unit ${unit}`;

/** The protocol of the socket a trace line's `sock` names (the scenario's default protocol otherwise). */
const unitOf = (scenario: Scenario, sock: unknown): number | undefined => {
  if (typeof sock !== "string") return undefined;
  for (const s of scenario.steps) if (s.do === "socket" && s.as === sock) return s.protocol;
  return scenario.protocol;
};

type Line = { readonly do?: unknown; readonly sock?: unknown; readonly errno?: unknown; readonly ret?: unknown };

const parse = (l: string | undefined): Line | undefined => {
  if (l === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(l);
    return typeof v === "object" && v !== null ? (v as Line) : undefined;
  } catch {
    return undefined;
  }
};

/** What most likely makes this host's kernel answer `live` where the reference kernel answered `recorded`. */
export const explainHostDiff = (
  scenario: Scenario,
  recorded: string | undefined,
  live: string | undefined,
  profiles?: HostProfiles,
): { unit: number | undefined; cause: string } => {
  const e = explainFromTraces(scenario, recorded, live);
  if (profiles === undefined) return e;
  const lines = profileDiffsFor(profiles, e.unit);
  if (lines.length === 0) return e;
  // the captured profile names what this kernel has differently; the guess from the traces follows
  return {
    unit: e.unit,
    cause: `this host's profile differs from ${profiles.reference.name}: ${lines.join("; ")} (${e.cause})`,
  };
};

const explainFromTraces = (
  scenario: Scenario,
  recorded: string | undefined,
  live: string | undefined,
): { unit: number | undefined; cause: string } => {
  const r = parse(recorded);
  const l = parse(live);
  const step = r ?? l;
  const unit = unitOf(scenario, step?.sock);
  const name = unit === undefined ? "the unit" : `${unitName(unit)} (${unit})`;
  const config = unit === undefined ? undefined : UNITS[unit]?.config;
  const errnos = [r?.errno, l?.errno];
  if (r === undefined || l === undefined) {
    return { unit, cause: "the traces have different lengths: an earlier difference changed what followed" };
  }
  if (step?.do === "socket" && errnos.includes("EPROTONOSUPPORT")) {
    return {
      unit,
      cause: `${name} is registered on one kernel and not on the other (${config ?? "its subsystem"} built in, as a module not loaded, or compiled out)`,
    };
  }
  if ((step?.do === "bind" || step?.do === "setsockopt") && errnos.includes("EPERM")) {
    return {
      unit,
      cause: `whether a process without CAP_NET_ADMIN may join ${name}'s multicast groups is the NL_CFG_F_NONROOT_RECV flag its subsystem passes to netlink_kernel_create; it differs between kernel versions and builds`,
    };
  }
  if ((step?.do === "sendto" || step?.do === "send") && errnos.includes("EPERM")) {
    return {
      unit,
      cause: `whether a process without CAP_NET_ADMIN may send to ${name}'s groups is the NL_CFG_F_NONROOT_SEND flag its subsystem passes to netlink_kernel_create; it differs between kernel builds`,
    };
  }
  if ((step?.do === "sendto" || step?.do === "send") && errnos.includes("ECONNREFUSED")) {
    return {
      unit,
      cause: `${name} has a kernel socket on one kernel and none on the other (a subsystem that registers it per namespace or only when loaded)`,
    };
  }
  if (unit === 16) {
    return {
      unit,
      cause:
        "the generic netlink families differ (which families are built in or loaded, their ids, versions, ops and groups depend on the kernel's configuration)",
    };
  }
  if (unit === 0) {
    return {
      unit,
      cause:
        "rtnetlink answers differently: the namespace's links and addresses, or the attributes this kernel version fills, differ from the reference kernel's",
    };
  }
  return {
    unit,
    cause: `this kernel answers differently from the reference one on ${name} (another version or build)`,
  };
};

/** The host's differences from the recording, each explained (the simulator matched the recording). */
export const hostDiffs = (
  scenario: Scenario,
  recorded: ReadonlyArray<string>,
  live: ReadonlyArray<string>,
  profiles?: HostProfiles,
): HostDiff[] => {
  const out: HostDiff[] = [];
  const n = Math.max(recorded.length, live.length);
  for (let i = 0; i < n; i++) {
    if (recorded[i] === live[i]) continue;
    out.push({
      line: i + 1,
      recorded: recorded[i],
      live: live[i],
      ...explainHostDiff(scenario, recorded[i], live[i], profiles),
    });
  }
  return out;
};
