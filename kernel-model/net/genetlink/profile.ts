// The generic netlink families of a kernel profile (kernel-model/net/profile.ts), registered in a
// namespace as that kernel has them: the same ids, versions, header sizes, maxattr, ops with their
// flags, policies and multicast group ids, so nlctrl describes them byte for byte (GETFAMILY,
// the family dump, GETPOLICY) and requests to them are checked as the kernel checks them: the
// header (genl_header_check from resv_start_op on), the op (EOPNOTSUPP), permissions (EPERM) and
// the attribute policies (nla_parse with the kernel's extack). A command whose handler the model
// implements (genetlink/handlers.ts: SEG6's tunnel source, …) runs it; any other request that
// passes every check is logged (printk) and answered -EOPNOTSUPP, a reply the model cannot
// compute honestly being worse than a plain refusal.
import { KERN_NOTICE } from "../../kernel/printk.js";
import {
  ERRNO,
  GENL_ADMIN_PERM,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_UNS_ADMIN_PERM,
  NLA_BINARY,
  NLA_BITFIELD32,
  NLA_FLAG,
  NLA_NESTED,
  NLA_NESTED_ARRAY,
  NLA_NUL_STRING,
  NLA_S8,
  NLA_S16,
  NLA_S32,
  NLA_S64,
  NLA_SINT,
  NLA_STRING,
  NLA_U8,
  NLA_U16,
  NLA_U32,
  NLA_U64,
  NLA_UINT,
  type NlaPolicy,
  type NlaPolicySet,
  type NlaType,
} from "../../uapi/index.js";
import type { SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import type { KernelProfile, ProfileAttrType, ProfileGenlFamily, ProfilePolicyAttr } from "../profile.js";
import {
  GENL_DONT_VALIDATE_DUMP_STRICT,
  GENL_DONT_VALIDATE_STRICT,
  type GenlFamily,
  type GenlInfo,
  type GenlSplitOpsDecl,
  genl_register_family_as,
} from "./family.js";
import { GENL_FAMILY_HANDLERS, GENL_FAMILY_INITS } from "./handlers.js";

const NLA_OF: Readonly<Record<ProfileAttrType, NlaType>> = {
  flag: NLA_FLAG,
  u8: NLA_U8,
  u16: NLA_U16,
  u32: NLA_U32,
  u64: NLA_U64,
  s8: NLA_S8,
  s16: NLA_S16,
  s32: NLA_S32,
  s64: NLA_S64,
  binary: NLA_BINARY,
  string: NLA_STRING,
  "nul-string": NLA_NUL_STRING,
  nested: NLA_NESTED,
  "nested-array": NLA_NESTED_ARRAY,
  bitfield32: NLA_BITFIELD32,
  sint: NLA_SINT,
  uint: NLA_UINT,
};

/** The struct nla_policy entry a GETPOLICY description stands for (it advertises what validation uses). */
const nla_policy_of = (a: ProfilePolicyAttr, sets: ReadonlyArray<NlaPolicySet>): NlaPolicy => {
  const type = NLA_OF[a.type];
  switch (type) {
    case NLA_NESTED:
    case NLA_NESTED_ARRAY:
      return a.policy !== undefined && a.maxtype !== undefined
        ? { type, len: a.maxtype, nested: sets[a.policy]! }
        : { type };
    case NLA_BITFIELD32:
      return { type, bitfield32Valid: a.bitfield32Mask ?? 0 };
    case NLA_BINARY:
    case NLA_STRING:
    case NLA_NUL_STRING:
      // a length range (NLA_VALIDATE_RANGE) shows a minimum; a plain .len only a maximum
      if (a.minLen !== undefined) return { type, min: BigInt(a.minLen), max: BigInt(a.maxLen ?? 0xffff) };
      return a.maxLen !== undefined ? { type, len: a.maxLen } : { type };
    case NLA_FLAG:
      return { type };
    default:
      if (a.mask !== undefined) return { type, mask: BigInt(a.mask) };
      return {
        type,
        ...(a.min !== undefined ? { min: BigInt(a.min) } : {}),
        ...(a.max !== undefined ? { max: BigInt(a.max) } : {}),
      };
  }
};

/**
 * The family's policies as policy sets, by profile index. A nest gives its policy's maxtype; a
 * policy only ops use has the family's maxattr, or (per-op policies) its highest advertised type.
 */
export const genl_profile_policy_sets = (f: ProfileGenlFamily): NlaPolicySet[] => {
  const maxtypes = f.policies.map((p) =>
    f.maxattr > 0 ? f.maxattr : Math.max(1, ...Object.keys(p).map((k) => Number(k))),
  );
  for (const p of f.policies) {
    for (const a of Object.values(p))
      if (a.policy !== undefined && a.maxtype !== undefined) maxtypes[a.policy] = a.maxtype;
  }
  // the sets first (nests may point forward), then their entries
  const entries: Array<Array<NlaPolicy | undefined>> = f.policies.map((_, i) =>
    Array.from({ length: maxtypes[i]! + 1 }, () => undefined),
  );
  const sets: NlaPolicySet[] = entries.map((policy, i) => ({ maxtype: maxtypes[i]!, policy }));
  f.policies.forEach((p, i) => {
    for (const [k, a] of Object.entries(p)) {
      const t = Number(k);
      if (t < entries[i]!.length) entries[i]![t] = nla_policy_of(a, sets);
    }
  });
  return sets;
};

/** A handler the model does not implement: logged, answered −EOPNOTSUPP. */
const not_modelled = (family: string, cmd: number, net: Net): number => {
  net.kernel?.printk(`${KERN_NOTICE}nlsim: ${family} command ${cmd} is not modelled`);
  return -ERRNO.EOPNOTSUPP;
};

/**
 * The GenlFamily of a profile family: split ops from the ops' flags, policy indexes and probed
 * validation (legacy commands parse liberally).
 */
export const genl_family_from_profile = (f: ProfileGenlFamily): GenlFamily => {
  const sets = genl_profile_policy_sets(f);
  const split_ops: GenlSplitOpsDecl[] = [];
  const handlers = GENL_FAMILY_HANDLERS[f.name] ?? {};
  for (const op of f.ops) {
    const h = handlers[op.cmd] ?? {};
    const perm = op.flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM);
    const validate = op.validate ?? 0;
    const policy = (i: number | undefined) => (i === undefined ? {} : { policy: sets[i]!, maxattr: sets[i]!.maxtype });
    if (op.flags & GENL_CMD_CAP_DO) {
      split_ops.push({
        cmd: op.cmd,
        flags: perm | GENL_CMD_CAP_DO,
        validate: validate & GENL_DONT_VALIDATE_STRICT,
        ...policy(op.do),
        doit: h.doit ?? ((_skb: SkBuff, info: GenlInfo) => not_modelled(f.name, op.cmd, info.net)),
      });
    }
    if (op.flags & GENL_CMD_CAP_DUMP) {
      split_ops.push({
        cmd: op.cmd,
        flags: perm | GENL_CMD_CAP_DUMP,
        validate: validate & GENL_DONT_VALIDATE_DUMP_STRICT,
        ...policy(op.dump),
        ...(h.start !== undefined ? { start: h.start } : {}),
        dumpit: h.dumpit ?? ((skb: SkBuff) => not_modelled(f.name, op.cmd, (skb.owner as NetlinkSock).net)),
        ...(h.done !== undefined ? { done: h.done } : {}),
      });
    }
  }
  return {
    name: f.name,
    version: f.version,
    hdrsize: f.hdrsize,
    maxattr: f.maxattr,
    netnsok: true,
    resv_start_op: f.resv_start_op,
    split_ops,
    mcgrps: f.mcgrps.map((g) => (g.flags ? { name: g.name, flags: g.flags } : { name: g.name })),
  };
};

/**
 * The GenlFamily of each profile family, built once: it is derived from the profile alone (ops,
 * policies, groups; the handlers take the namespace from their request), never written after it
 * is built, and the same for every world, so each namespace registers a shallow copy of its own
 * (genl_register_family_as writes id and mcgrp_offset on that copy) instead of rebuilding the
 * policies, which made a world's boot twice as expensive.
 */
const profile_families = new WeakMap<ProfileGenlFamily, GenlFamily>();

const genl_profile_family = (f: ProfileGenlFamily): GenlFamily => {
  let family = profile_families.get(f);
  if (family === undefined) {
    family = genl_family_from_profile(f);
    profile_families.set(f, family);
  }
  return { ...family };
};

/**
 * Registers the profile's families other than nlctrl (which genl_init registers) under the
 * profile's ids and group ids. Returns 0 or the first registration's error.
 */
export const genl_boot_profile = (net: Net, profile: KernelProfile): number => {
  for (const f of profile.genl.families) {
    if (f.name === "nlctrl") continue;
    // the kernel gives a family consecutive group ids (mcgrp_offset + i)
    if (f.mcgrps.some((g, i) => g.id !== f.mcgrps[0]!.id + i)) return -ERRNO.EINVAL;
    const family = genl_profile_family(f);
    const err = genl_register_family_as(net, family, f.id, f.mcgrps[0]?.id ?? 0);
    if (err) return err;
    GENL_FAMILY_INITS[f.name]?.(net, family);
  }
  return 0;
};
