// Kernel profiles: what a kernel that the model boots has, netlink-wise, as plain data. A profile
// names the kernel (release, version), the netlink units registered in a fresh network namespace
// with their groups and flags and how the model serves each, the generic netlink families that
// namespace sees (ids, versions, header size, maxattr, ops with their flags, policies as nlctrl's
// CTRL_CMD_GETPOLICY reports them, multicast groups with their ids), and which rtnetlink requests
// the kernel answers. net_boot(net, profile) boots a namespace from one; `nlsim profile capture`
// records the host's. A profile is JSON-compatible, so a captured one is a file; profile_load
// checks one and says what is wrong and where.

/** How the model serves a unit (the kernel's pernet init that creates its socket). */
export type ProfileUnitModel =
  /** rtnetlink_net_init (lo) */
  | "rtnetlink"
  /** netlink_add_usersock_entry: registered by every Net, no kernel socket */
  | "usersock"
  /** genl_init / genl_pernet_init, with the profile's families */
  | "genetlink"
  /** uevent_net_init */
  | "uevent"
  /** a kernel socket whose requests the model does not answer (logged, dropped) */
  | "unmodelled"
  /** registered (socket() works) but the kernel socket lives in the initial namespace only */
  | "no-socket";

/** One netlink unit of the profile. Units the profile does not list are not registered (EPROTONOSUPPORT). */
export interface ProfileUnit {
  readonly unit: number;
  readonly model: ProfileUnitModel;
  /** nl_table[unit].groups (at least 32: netlink_kernel_create raises a smaller cfg value) */
  readonly groups: number;
  /** NL_CFG_F_NONROOT_RECV / NL_CFG_F_NONROOT_SEND */
  readonly flags: number;
}

/**
 * One attribute's policy as CTRL_CMD_GETPOLICY reports it (struct nla_policy seen from user space):
 * `type` is the NL_ATTR_TYPE_* name; integers have a range (min/max, decimal strings, as u64/s64
 * do not fit a JSON number) or a mask; strings and binaries a length range; nests the index of
 * their policy in the family's `policies` and its maxtype.
 */
export interface ProfilePolicyAttr {
  readonly type: ProfileAttrType;
  readonly min?: string;
  readonly max?: string;
  readonly mask?: string;
  readonly minLen?: number;
  readonly maxLen?: number;
  readonly policy?: number;
  readonly maxtype?: number;
  readonly bitfield32Mask?: number;
}

export const PROFILE_ATTR_TYPES = [
  "flag",
  "u8",
  "u16",
  "u32",
  "u64",
  "s8",
  "s16",
  "s32",
  "s64",
  "binary",
  "string",
  "nul-string",
  "nested",
  "nested-array",
  "bitfield32",
  "sint",
  "uint",
] as const;
export type ProfileAttrType = (typeof PROFILE_ATTR_TYPES)[number];

/** A policy: attribute type (decimal string key) → its policy. Types the dump skips (unspec, reject) are absent. */
export type ProfilePolicy = Readonly<Record<string, ProfilePolicyAttr>>;

/** One op as CTRL_ATTR_OPS and CTRL_ATTR_OP_POLICY report it. */
export interface ProfileGenlOp {
  readonly cmd: number;
  /** CTRL_ATTR_OP_FLAGS: GENL_ADMIN_PERM, GENL_CMD_CAP_DO/DUMP/HASPOL, GENL_UNS_ADMIN_PERM */
  readonly flags: number;
  /** index in the family's `policies` of the do / dump policy */
  readonly do?: number;
  readonly dump?: number;
  /**
   * GENL_DONT_VALIDATE_STRICT (1: the do parses liberally), GENL_DONT_VALIDATE_DUMP_STRICT (4: the
   * dump does); probed with an attribute type above maxattr, which strict parsing refuses
   */
  readonly validate?: number;
}

export interface ProfileGenlFamily {
  readonly name: string;
  readonly id: number;
  readonly version: number;
  readonly hdrsize: number;
  readonly maxattr: number;
  /** first command whose genlmsghdr.reserved and nlmsg_flags are checked (probed) */
  readonly resv_start_op: number;
  readonly ops: ReadonlyArray<ProfileGenlOp>;
  /** the family's policies in the order of a whole-family GETPOLICY dump (its policy indexes) */
  readonly policies: ReadonlyArray<ProfilePolicy>;
  /**
   * multicast groups: name, group id (mcgrp_offset + i) and, when joining needs a capability,
   * flags GENL_MCAST_CAP_NET_ADMIN (1) (probed: uid 1000 gets EPERM; CAP_SYS_ADMIN, 2, cannot be told apart)
   */
  readonly mcgrps: ReadonlyArray<{ readonly name: string; readonly id: number; readonly flags?: number }>;
}

/** What a probe of an rtnetlink request found: answered (content or its own error) or EOPNOTSUPP. */
export interface ProfileRtnlHandler {
  /** RTM_* message type */
  readonly type: number;
  /** "doit" or "dumpit" */
  readonly kind: "doit" | "dumpit";
  /** the errno of the probe's answer, 0 for content */
  readonly errno: number;
}

export interface KernelProfile {
  readonly name: string;
  readonly kernel: {
    /** uname -r */
    readonly release: string;
    /** [major, minor] for behaviour that depends on the version */
    readonly version: readonly [number, number];
  };
  /** the units registered in a fresh namespace, in the order net_boot creates them */
  readonly units: ReadonlyArray<ProfileUnit>;
  readonly genl: {
    /** the families a fresh namespace sees (netnsok), in id order; nlctrl first */
    readonly families: ReadonlyArray<ProfileGenlFamily>;
  };
  readonly rtnetlink: {
    /** probe results for the GET requests (absent: not probed) */
    readonly handlers: ReadonlyArray<ProfileRtnlHandler>;
  };
}

/** A profile that does not have the shape of one: what is wrong and where (a JSON path). */
export class ProfileError extends Error {
  readonly _tag = "ProfileError" as const;
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`profile ${path}: ${problem}`);
  }
}

const UNIT_MODELS: ReadonlyArray<ProfileUnitModel> = [
  "rtnetlink",
  "usersock",
  "genetlink",
  "uevent",
  "unmodelled",
  "no-socket",
];

type Obj = { readonly [k: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const obj = (v: unknown, path: string): Obj => {
  if (!isObj(v)) throw new ProfileError(path, "expected an object");
  return v;
};
const arr = (v: unknown, path: string): ReadonlyArray<unknown> => {
  if (!Array.isArray(v)) throw new ProfileError(path, "expected an array");
  return v;
};
const int = (v: unknown, path: string, min = 0, max = 0xffffffff): number => {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ProfileError(path, `expected an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
};
const str = (v: unknown, path: string): string => {
  if (typeof v !== "string") throw new ProfileError(path, `expected a string, got ${JSON.stringify(v)}`);
  return v;
};
const bigStr = (v: unknown, path: string): string => {
  const s = str(v, path);
  if (!/^-?\d+$/.test(s)) throw new ProfileError(path, `expected a decimal integer string, got ${JSON.stringify(s)}`);
  return s;
};

const loadPolicyAttr = (v: unknown, path: string, npolicies: number): ProfilePolicyAttr => {
  const o = obj(v, path);
  const type = str(o.type, `${path}.type`);
  if (!(PROFILE_ATTR_TYPES as ReadonlyArray<string>).includes(type)) {
    throw new ProfileError(`${path}.type`, `unknown attribute type ${JSON.stringify(type)}`);
  }
  const out: { -readonly [K in keyof ProfilePolicyAttr]: ProfilePolicyAttr[K] } = { type: type as ProfileAttrType };
  for (const k of ["min", "max", "mask"] as const) if (o[k] !== undefined) out[k] = bigStr(o[k], `${path}.${k}`);
  for (const k of ["minLen", "maxLen", "maxtype", "bitfield32Mask"] as const) {
    if (o[k] !== undefined) out[k] = int(o[k], `${path}.${k}`);
  }
  if (o.policy !== undefined) out.policy = int(o.policy, `${path}.policy`, 0, npolicies - 1);
  if ((type === "nested" || type === "nested-array") && (out.policy === undefined) !== (out.maxtype === undefined)) {
    throw new ProfileError(path, "a nest has both policy and maxtype, or neither");
  }
  return out;
};

const loadFamily = (v: unknown, path: string): ProfileGenlFamily => {
  const o = obj(v, path);
  const policiesRaw = arr(o.policies, `${path}.policies`);
  const policies = policiesRaw.map((p, i) => {
    const po = obj(p, `${path}.policies[${i}]`);
    const out: Record<string, ProfilePolicyAttr> = {};
    for (const [k, a] of Object.entries(po)) {
      if (!/^\d+$/.test(k) || Number(k) > 0x3fff) {
        throw new ProfileError(`${path}.policies[${i}]`, `attribute type ${JSON.stringify(k)} is not in [0, 16383]`);
      }
      out[k] = loadPolicyAttr(a, `${path}.policies[${i}].${k}`, policiesRaw.length);
    }
    return out;
  });
  const pidx = (x: unknown, p: string): number | undefined =>
    x === undefined ? undefined : int(x, p, 0, Math.max(0, policies.length - 1));
  const ops = arr(o.ops, `${path}.ops`).map((x, i) => {
    const op = obj(x, `${path}.ops[${i}]`);
    const d = pidx(op.do, `${path}.ops[${i}].do`);
    const u = pidx(op.dump, `${path}.ops[${i}].dump`);
    const v = op.validate === undefined ? undefined : int(op.validate, `${path}.ops[${i}].validate`, 0, 7);
    return {
      cmd: int(op.cmd, `${path}.ops[${i}].cmd`, 0, 255),
      flags: int(op.flags, `${path}.ops[${i}].flags`),
      ...(d !== undefined ? { do: d } : {}),
      ...(u !== undefined ? { dump: u } : {}),
      ...(v !== undefined ? { validate: v } : {}),
    };
  });
  const mcgrps = arr(o.mcgrps, `${path}.mcgrps`).map((x, i) => {
    const g = obj(x, `${path}.mcgrps[${i}]`);
    const flags = g.flags === undefined ? undefined : int(g.flags, `${path}.mcgrps[${i}].flags`, 0, 3);
    return {
      name: str(g.name, `${path}.mcgrps[${i}].name`),
      id: int(g.id, `${path}.mcgrps[${i}].id`, 1),
      ...(flags !== undefined ? { flags } : {}),
    };
  });
  const name = str(o.name, `${path}.name`);
  if (name.length === 0 || name.length >= 16) throw new ProfileError(`${path}.name`, "a family name has 1 to 15 bytes");
  return {
    name,
    id: int(o.id, `${path}.id`, 16, 1023),
    version: int(o.version, `${path}.version`, 0, 255),
    hdrsize: int(o.hdrsize, `${path}.hdrsize`),
    maxattr: int(o.maxattr, `${path}.maxattr`),
    resv_start_op: int(o.resv_start_op, `${path}.resv_start_op`, 0, 256),
    ops,
    policies,
    mcgrps,
  };
};

/** profile_load: a profile from parsed JSON, checked; ProfileError names the first problem and its path. */
export const profile_load = (v: unknown): KernelProfile => {
  const o = obj(v, "$");
  const k = obj(o.kernel, "$.kernel");
  const version = arr(k.version, "$.kernel.version");
  if (version.length !== 2) throw new ProfileError("$.kernel.version", "expected [major, minor]");
  const units = arr(o.units, "$.units").map((x, i) => {
    const u = obj(x, `$.units[${i}]`);
    const model = str(u.model, `$.units[${i}].model`);
    if (!(UNIT_MODELS as ReadonlyArray<string>).includes(model)) {
      throw new ProfileError(`$.units[${i}].model`, `expected one of ${UNIT_MODELS.join(", ")}`);
    }
    return {
      unit: int(u.unit, `$.units[${i}].unit`, 0, 31),
      model: model as ProfileUnitModel,
      groups: int(u.groups, `$.units[${i}].groups`),
      flags: int(u.flags, `$.units[${i}].flags`),
    };
  });
  const seen = new Set<number>();
  for (const [i, u] of units.entries()) {
    if (seen.has(u.unit)) throw new ProfileError(`$.units[${i}].unit`, `unit ${u.unit} is listed twice`);
    seen.add(u.unit);
  }
  const g = obj(o.genl, "$.genl");
  const families = arr(g.families, "$.genl.families").map((f, i) => loadFamily(f, `$.genl.families[${i}]`));
  const ids = new Set<number>();
  for (const [i, f] of families.entries()) {
    if (ids.has(f.id)) throw new ProfileError(`$.genl.families[${i}].id`, `family id ${f.id} is listed twice`);
    ids.add(f.id);
  }
  const r = obj(o.rtnetlink, "$.rtnetlink");
  const handlers = arr(r.handlers, "$.rtnetlink.handlers").map((x, i) => {
    const h = obj(x, `$.rtnetlink.handlers[${i}]`);
    const kind = str(h.kind, `$.rtnetlink.handlers[${i}].kind`);
    if (kind !== "doit" && kind !== "dumpit") {
      throw new ProfileError(`$.rtnetlink.handlers[${i}].kind`, 'expected "doit" or "dumpit"');
    }
    return {
      type: int(h.type, `$.rtnetlink.handlers[${i}].type`, 0, 0xffff),
      kind: kind as "doit" | "dumpit",
      errno: int(h.errno, `$.rtnetlink.handlers[${i}].errno`, 0, 4095),
    };
  });
  return {
    name: str(o.name, "$.name"),
    kernel: {
      release: str(k.release, "$.kernel.release"),
      version: [int(version[0], "$.kernel.version[0]", 0, 99), int(version[1], "$.kernel.version[1]", 0, 999)],
    },
    units,
    genl: { families },
    rtnetlink: { handlers },
  };
};

/** The unit entry of a profile, or undefined when the profile does not register it. */
export const profile_unit = (p: KernelProfile, unit: number): ProfileUnit | undefined =>
  p.units.find((u) => u.unit === unit);

/** Whether the profile's kernel is at least major.minor (version-dependent behaviour). */
export const profile_kernel_at_least = (p: KernelProfile, major: number, minor: number): boolean =>
  p.kernel.version[0] > major || (p.kernel.version[0] === major && p.kernel.version[1] >= minor);
