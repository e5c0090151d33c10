// A profile as text (`nlsim profile show`) and the differences between two (`nlsim profile diff`).
import type { KernelProfile, ProfileGenlFamily } from "../../kernel-model/net/profile.js";
import { errnoName as errnoOf } from "../../kernel-model/uapi/index.js";

const hex = (n: number): string => `0x${n.toString(16)}`;
/** JSON with object keys sorted, so that two captures compare whatever order their keys came in. */
const canon = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    typeof x === "object" && x !== null && !Array.isArray(x)
      ? Object.fromEntries(
          Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : x,
  );
const errnoName = (e: number): string => (e === 0 ? "answers" : (errnoOf(e) ?? `errno ${e}`));

/** The summary `nlsim profile show` prints. */
export const formatProfile = (p: KernelProfile): string => {
  const lines: string[] = [];
  lines.push(`profile ${p.name}: Linux ${p.kernel.release} (${p.kernel.version.join(".")})`);
  lines.push(`units (${p.units.length}):`);
  for (const u of p.units)
    lines.push(`  ${String(u.unit).padStart(2)}  ${u.model.padEnd(10)} groups ${u.groups}, flags ${hex(u.flags)}`);
  lines.push(`generic netlink families (${p.genl.families.length}):`);
  for (const f of p.genl.families) {
    const grps = f.mcgrps.map((g) => `${g.name}=${g.id}`).join(", ");
    lines.push(
      `  ${String(f.id).padStart(3)}  ${f.name.padEnd(12)} v${f.version} hdrsize ${f.hdrsize} maxattr ${f.maxattr} resv_start_op ${f.resv_start_op}, ${f.ops.length} ops, ${f.policies.length} policies${grps ? `, groups ${grps}` : ""}`,
    );
  }
  const answered = p.rtnetlink.handlers.filter((h) => h.errno !== 95);
  lines.push(`rtnetlink GET probes: ${answered.length} of ${p.rtnetlink.handlers.length} not EOPNOTSUPP`);
  for (const h of answered) lines.push(`  type ${h.type} ${h.kind}: ${errnoName(h.errno)}`);
  return `${lines.join("\n")}\n`;
};

const familyDiff = (a: ProfileGenlFamily, b: ProfileGenlFamily): string[] => {
  const out: string[] = [];
  for (const k of ["id", "version", "hdrsize", "maxattr", "resv_start_op"] as const) {
    if (a[k] !== b[k]) out.push(`family ${a.name}: ${k} ${a[k]} → ${b[k]}`);
  }
  const opsA = new Map(a.ops.map((o) => [o.cmd, o]));
  const opsB = new Map(b.ops.map((o) => [o.cmd, o]));
  for (const [cmd, o] of opsA) {
    const ob = opsB.get(cmd);
    if (ob === undefined) out.push(`family ${a.name}: op ${cmd} only in the first`);
    else if (o.flags !== ob.flags || (o.validate ?? 0) !== (ob.validate ?? 0)) {
      out.push(
        `family ${a.name}: op ${cmd} flags ${hex(o.flags)}/validate ${o.validate ?? 0} → ${hex(ob.flags)}/validate ${ob.validate ?? 0}`,
      );
    }
  }
  for (const cmd of opsB.keys()) if (!opsA.has(cmd)) out.push(`family ${a.name}: op ${cmd} only in the second`);
  if (canon(a.policies) !== canon(b.policies)) {
    const n = Math.max(a.policies.length, b.policies.length);
    let changed = 0;
    for (let i = 0; i < n; i++) if (canon(a.policies[i]) !== canon(b.policies[i])) changed++;
    if (changed > 0) out.push(`family ${a.name}: ${changed} of ${n} policies differ`);
  }
  if (canon(a.mcgrps) !== canon(b.mcgrps)) {
    out.push(`family ${a.name}: groups ${JSON.stringify(a.mcgrps)} → ${JSON.stringify(b.mcgrps)}`);
  }
  return out;
};

/** One line per difference between profiles a and b; empty when they describe the same kernel. */
export const diffProfiles = (a: KernelProfile, b: KernelProfile): string[] => {
  const out: string[] = [];
  // the release string names a build; behaviour follows the version
  if (a.kernel.version.join(".") !== b.kernel.version.join(".")) {
    out.push(
      `kernel: ${a.kernel.release} (${a.kernel.version.join(".")}) → ${b.kernel.release} (${b.kernel.version.join(".")})`,
    );
  }
  const ua = new Map(a.units.map((u) => [u.unit, u]));
  const ub = new Map(b.units.map((u) => [u.unit, u]));
  for (const [n, u] of ua) {
    const v = ub.get(n);
    if (v === undefined) out.push(`unit ${n} (${u.model}): only in the first`);
    else if (u.model !== v.model || u.groups !== v.groups || u.flags !== v.flags) {
      out.push(
        `unit ${n}: ${u.model} groups ${u.groups} flags ${hex(u.flags)} → ${v.model} groups ${v.groups} flags ${hex(v.flags)}`,
      );
    }
  }
  for (const [n, v] of ub) if (!ua.has(n)) out.push(`unit ${n} (${v.model}): only in the second`);
  const fa = new Map(a.genl.families.map((f) => [f.name, f]));
  const fb = new Map(b.genl.families.map((f) => [f.name, f]));
  for (const [n, f] of fa) {
    const g = fb.get(n);
    if (g === undefined) out.push(`family ${n} (${f.id}): only in the first`);
    else out.push(...familyDiff(f, g));
  }
  for (const [n, g] of fb) if (!fa.has(n)) out.push(`family ${n} (${g.id}): only in the second`);
  const ha = new Map(a.rtnetlink.handlers.map((h) => [`${h.type}/${h.kind}`, h.errno]));
  for (const h of b.rtnetlink.handlers) {
    const e = ha.get(`${h.type}/${h.kind}`);
    if (e !== undefined && e !== h.errno)
      out.push(`rtnetlink type ${h.type} ${h.kind}: ${errnoName(e)} → ${errnoName(h.errno)}`);
  }
  return out;
};
