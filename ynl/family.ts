// A simulated generic netlink family declared from a YNL spec, as the kernel's ynl-gen-c
// (tools/net/ynl/pyynl/ynl_gen_c.py) generates one for a module: the policies from each
// attribute's type and `checks` (NLA_POLICY_MIN/MAX/RANGE, EXACT_LEN, MIN_LEN, .len, masks for
// flags, the enum's range for enums), the ops with GENL_ADMIN_PERM / GENL_UNS_ADMIN_PERM from
// `flags` and GENL_DONT_VALIDATE_* from `dont-validate`, split ops with per-operation policies (or
// one family policy for `kernel-policy: global`), and the multicast groups. The result is a
// struct genl_family for genl_register_family; the kernel model then validates requests, answers
// policy errors with the kernel's extack, lists the family in nlctrl and its policies in
// CTRL_CMD_GETPOLICY.
//
// Handlers are the kernel's (doit(skb, info), dumpit(skb, cb)) or, more briefly, functions from
// a decoded request to a reply object (`do`) or a list of them (`dump`).
import { kernel_enter } from "../kernel-model/kernel/index.js";
import {
  GENL_DONT_VALIDATE_DUMP,
  GENL_DONT_VALIDATE_DUMP_STRICT,
  GENL_DONT_VALIDATE_STRICT,
  GENLMSG_DEFAULT_SIZE,
  type GenlDoit,
  type GenlDumpit,
  type GenlFamily,
  type GenlInfo,
  type GenlMulticastGroup,
  type GenlOps,
  type GenlSplitOpsDecl,
  genl_info_dump,
  genl_register_family,
  genl_unregister_family,
  genlmsg_cancel,
  genlmsg_end,
  genlmsg_multicast,
  genlmsg_new,
  genlmsg_put,
  genlmsg_reply,
} from "../kernel-model/net/genetlink/index.js";
import { NETLINK_CB, nlmsg_append } from "../kernel-model/net/netlink/kernel-api.js";
import type { SkBuff } from "../kernel-model/net/netlink/skb.js";
import {
  ERRNO,
  GENL_ADMIN_PERM,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_DUMP,
  GENL_HDRLEN,
  GENL_UNS_ADMIN_PERM,
  NLA_BE16,
  NLA_BE32,
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
  NLM_F_MULTI,
  NLMSG_HDRLEN,
  type NlaPolicy,
  type NlaPolicySet,
  type NlaType,
  parseAttrs,
} from "../kernel-model/uapi/index.js";
import type { World } from "../sim/world.js";
import { replyId, requestId } from "./client.js";
import { decodeAttrs, encodeAttrs, type YnlObject } from "./codec.js";
import { camel, specEnum, specSet, type YnlAttr, type YnlAttrSet, type YnlOperation, type YnlSpec } from "./spec.js";

/** What a spec family does for one operation: the kernel's handlers, or the brief forms. */
export interface YnlOpImpl {
  /** the kernel's doit (takes precedence over `do`) */
  readonly doit?: GenlDoit;
  /** the kernel's dumpit (takes precedence over `dump`) */
  readonly dumpit?: GenlDumpit;
  /**
   * The decoded request to the reply's content (sent with the op's reply id), undefined for an
   * ACK only, or a negative errno (set `info.extack.msg` for the message, as NL_SET_ERR_MSG does).
   */
  readonly do?: (request: YnlObject, info: GenlInfo) => YnlObject | undefined | number;
  /** The decoded dump request to every object of the dump, in order (split across rounds as they fill). */
  readonly dump?: (request: YnlObject, info: GenlInfo) => ReadonlyArray<YnlObject> | number;
}

/** The implementation of a spec family: one entry per operation (camelCase or spec name). */
export type YnlFamilyImpl = { readonly [op: string]: YnlOpImpl };

export interface YnlFamilyOptions {
  /** the family version nlctrl reports (default: the spec's, 1) */
  readonly version?: number;
  /** the family's name, if not the spec's */
  readonly name?: string;
}

const INT_NLA: Readonly<Record<string, NlaType>> = {
  u8: NLA_U8,
  u16: NLA_U16,
  u32: NLA_U32,
  u64: NLA_U64,
  s8: NLA_S8,
  s16: NLA_S16,
  s32: NLA_S32,
  s64: NLA_S64,
  uint: NLA_UINT,
  sint: NLA_SINT,
};

/** The policy entry ynl-gen-c writes for an attribute. */
const attrPolicy = (spec: YnlSpec, a: YnlAttr, seen: Map<string, NlaPolicySet>): NlaPolicy | undefined => {
  const c = a.checks;
  switch (a.type) {
    case "pad":
    case "unused":
      return undefined;
    case "flag":
      return { type: NLA_FLAG };
    case "string": {
      if (c.exactLen !== undefined) return { type: NLA_BINARY, min: BigInt(c.exactLen), max: BigInt(c.exactLen) };
      const type = c.unterminatedOk ? NLA_STRING : NLA_NUL_STRING;
      return c.maxLen !== undefined ? { type, len: c.maxLen } : { type };
    }
    case "binary": {
      if (c.exactLen !== undefined) return { type: NLA_BINARY, min: BigInt(c.exactLen), max: BigInt(c.exactLen) };
      const p: { -readonly [K in keyof NlaPolicy]: NlaPolicy[K] } = { type: NLA_BINARY };
      if (c.minLen !== undefined) p.min = BigInt(c.minLen);
      if (c.maxLen !== undefined) p.len = c.maxLen;
      return p;
    }
    case "bitfield32": {
      const e = specEnum(spec, a.enum);
      const valid = e === undefined ? 0xffffffff : e.entries.reduce((m, x) => m | x.value, 0);
      return { type: NLA_BITFIELD32, bitfield32Valid: valid >>> 0 };
    }
    case "nest":
      return { type: NLA_NESTED, nested: setPolicy(spec, specSet(spec, a.nestedAttributes!), seen) };
    case "indexed-array":
      return a.subType === "nest"
        ? { type: NLA_NESTED_ARRAY, nested: setPolicy(spec, specSet(spec, a.nestedAttributes!), seen) }
        : { type: NLA_NESTED_ARRAY };
    case "nest-type-value":
    case "sub-message":
      return { type: NLA_NESTED };
    default: {
      let type = INT_NLA[a.type]!;
      if (a.byteOrder === "big-endian" && a.type === "u16") type = NLA_BE16;
      if (a.byteOrder === "big-endian" && a.type === "u32") type = NLA_BE32;
      const p: { -readonly [K in keyof NlaPolicy]: NlaPolicy[K] } = { type };
      let min = c.min;
      let max = c.max;
      const e = specEnum(spec, a.enum);
      if (c.flagsMask !== undefined) p.mask = c.flagsMask;
      else if (e !== undefined && (e.kind === "flags" || a.enumAsFlags)) {
        p.mask = e.entries.reduce((m, x) => m | BigInt(x.value), 0n);
      } else if (e !== undefined && e.entries.length > 0) {
        // an enum bounds its attribute (ynl-gen-c's TypeScalar): up to its last value, from its first if not 0
        const values = e.entries.map((x) => x.value);
        const lo = BigInt(Math.min(...values));
        const hi = BigInt(Math.max(...values));
        if (min === undefined && (lo !== 0n || a.type.startsWith("s"))) min = lo;
        if (max === undefined) max = hi;
      }
      if (min !== undefined) p.min = min;
      if (max !== undefined) p.max = max;
      return p;
    }
  }
};

/** The policy of a whole attribute set (a nest's, or the family's global policy), built once per set. */
const setPolicy = (spec: YnlSpec, set: YnlAttrSet, seen: Map<string, NlaPolicySet>): NlaPolicySet => {
  const done = seen.get(set.name);
  if (done !== undefined) return done;
  const policy: Array<NlaPolicy | undefined> = Array.from({ length: set.maxValue + 1 }, () => undefined);
  const out: NlaPolicySet = { maxtype: set.maxValue, policy };
  seen.set(set.name, out);
  for (const a of set.attributes) policy[a.value] = attrPolicy(spec, a, seen);
  return out;
};

/** A request's policy: only the attributes it lists (ynl-gen-c's per-op policies), maxattr the largest. */
const requestPolicy = (
  spec: YnlSpec,
  set: YnlAttrSet,
  names: ReadonlyArray<string>,
  seen: Map<string, NlaPolicySet>,
): NlaPolicySet | undefined => {
  const attrs = names.map((n) => set.byName.get(n)!).filter((a) => a.type !== "pad" && a.type !== "unused");
  if (attrs.length === 0) return undefined;
  const maxtype = attrs.reduce((m, a) => Math.max(m, a.value), 0);
  const policy: Array<NlaPolicy | undefined> = Array.from({ length: maxtype + 1 }, () => undefined);
  for (const a of attrs) policy[a.value] = attrPolicy(spec, a, seen);
  return { maxtype, policy };
};

const opFlags = (op: YnlOperation): number =>
  (op.flags.includes("admin-perm") ? GENL_ADMIN_PERM : 0) |
  (op.flags.includes("uns-admin-perm") ? GENL_UNS_ADMIN_PERM : 0);

const validateFlags = (op: YnlOperation): number =>
  (op.dontValidate.includes("strict") ? GENL_DONT_VALIDATE_STRICT : 0) |
  (op.dontValidate.includes("dump") ? GENL_DONT_VALIDATE_DUMP : 0) |
  (op.dontValidate.includes("dump-strict") ? GENL_DONT_VALIDATE_DUMP_STRICT : 0);

/** The attributes after nlmsghdr, genlmsghdr and the family header, decoded by `set`. */
const requestObject = (spec: YnlSpec, set: YnlAttrSet | undefined, msg: Uint8Array, hdrsize: number): YnlObject => {
  if (set === undefined) return {};
  const off = NLMSG_HDRLEN + GENL_HDRLEN + hdrsize;
  return decodeAttrs(spec, set, parseAttrs(msg.subarray(off), off));
};

/** genlmsg_put + the encoded attributes + genlmsg_end; false when the skb is full (the message is cancelled). */
const putMessage = (
  skb: SkBuff,
  family: GenlFamily,
  portid: number,
  seq: number,
  flags: number,
  cmd: number,
  attrs: Uint8Array,
): boolean => {
  const hdr = genlmsg_put(skb, portid, seq, family, flags, cmd);
  if (hdr === null) return false;
  const at = nlmsg_append(skb, attrs.length);
  if (at === null) {
    genlmsg_cancel(skb, hdr);
    return false;
  }
  skb.head.set(attrs, at);
  genlmsg_end(skb, hdr);
  return true;
};

const briefDoit =
  (spec: YnlSpec, op: YnlOperation, set: YnlAttrSet | undefined, f: NonNullable<YnlOpImpl["do"]>): GenlDoit =>
  (_skb, info) => {
    const out = f(requestObject(spec, set, info.nlhdr.msg, info.family.hdrsize ?? 0), info);
    if (typeof out === "number") return out;
    if (out === undefined) return 0;
    const attrs = set === undefined ? new Uint8Array(0) : encodeAttrs(spec, set, out, camel(op.name));
    const skb = genlmsg_new(Math.max(attrs.length, GENLMSG_DEFAULT_SIZE));
    if (!putMessage(skb, info.family, info.snd_portid, info.snd_seq, 0, replyId(op), attrs)) return -ERRNO.EMSGSIZE;
    return genlmsg_reply(skb, info);
  };

const briefDumpit =
  (spec: YnlSpec, op: YnlOperation, set: YnlAttrSet | undefined, f: NonNullable<YnlOpImpl["dump"]>): GenlDumpit =>
  (skb, cb) => {
    const info = genl_info_dump(cb);
    const items = f(requestObject(spec, set, cb.nlh.msg, info.family.hdrsize ?? 0), info);
    if (typeof items === "number") return items;
    // cb->args[0]: the next object; a round ends when the skb is full
    const start = cb.args[0]!;
    let i = start;
    for (; i < items.length; i++) {
      const attrs = set === undefined ? new Uint8Array(0) : encodeAttrs(spec, set, items[i]!, camel(op.name));
      const ok = putMessage(
        skb,
        info.family,
        NETLINK_CB(cb.skb).portid,
        cb.nlh.nlmsg_seq,
        NLM_F_MULTI,
        replyId(op),
        attrs,
      );
      if (!ok) {
        if (i === start) return -ERRNO.EMSGSIZE;
        break;
      }
    }
    cb.args[0] = i;
    return skb.len;
  };

const implFor = (impl: YnlFamilyImpl, op: YnlOperation): YnlOpImpl | undefined => impl[camel(op.name)] ?? impl[op.name];

/**
 * The struct genl_family ynl-gen-c would write for `spec`, with `impl`'s handlers. Register it with
 * genl_register_family(net, family) (as a module's init does), or use registerSpecFamily.
 * Throws when the spec is not a generic netlink spec, or an operation of `impl` is not the spec's.
 */
export const genlFamilyFromSpec = (spec: YnlSpec, impl: YnlFamilyImpl, options: YnlFamilyOptions = {}): GenlFamily => {
  if (spec.protocol === "netlink-raw")
    throw new Error(`${spec.file}: a netlink-raw spec does not describe a generic netlink family`);
  for (const k of Object.keys(impl)) {
    if (!spec.operations.some((o) => camel(o.name) === k || o.name === k)) {
      throw new Error(
        `${spec.file}: no operation "${k}" to implement (${spec.operations.map((o) => camel(o.name)).join(", ")})`,
      );
    }
  }
  const seen = new Map<string, NlaPolicySet>();
  const global = spec.kernelPolicy === "global";
  const ops: GenlOps[] = [];
  const split: GenlSplitOpsDecl[] = [];
  let familySet: YnlAttrSet | undefined;
  let resv = 0;
  for (const op of spec.operations) {
    const i = implFor(impl, op);
    const set = op.attributeSet === undefined ? undefined : specSet(spec, op.attributeSet);
    const doit = i?.doit ?? (i?.do !== undefined && op.do !== undefined ? briefDoit(spec, op, set, i.do) : undefined);
    const dumpit =
      i?.dumpit ?? (i?.dump !== undefined && op.dump !== undefined ? briefDumpit(spec, op, set, i.dump) : undefined);
    if (doit === undefined && dumpit === undefined) continue;
    const cmd = requestId(op);
    const flags = opFlags(op);
    const validate = validateFlags(op);
    // the validate flags are only allowed below resv_start_op
    if (validate !== 0) resv = Math.max(resv, cmd + 1);
    if (global) {
      familySet ??= set;
      ops.push({
        cmd,
        flags,
        validate,
        ...(doit !== undefined ? { doit } : {}),
        ...(dumpit !== undefined ? { dumpit } : {}),
      });
      continue;
    }
    if (doit !== undefined) {
      const pol = set === undefined ? undefined : requestPolicy(spec, set, op.do?.request?.attributes ?? [], seen);
      split.push({
        cmd,
        flags: flags | GENL_CMD_CAP_DO,
        validate,
        doit,
        ...(pol !== undefined ? { policy: pol, maxattr: pol.maxtype } : {}),
      });
    }
    if (dumpit !== undefined) {
      const pol = set === undefined ? undefined : requestPolicy(spec, set, op.dump?.request?.attributes ?? [], seen);
      split.push({
        cmd,
        flags: flags | GENL_CMD_CAP_DUMP,
        validate,
        dumpit,
        ...(pol !== undefined ? { policy: pol, maxattr: pol.maxtype } : {}),
      });
    }
  }
  const mcgrps: GenlMulticastGroup[] = spec.mcastGroups.map((g) => ({ name: g.name }));
  const family: GenlFamily = {
    name: options.name ?? spec.name,
    version: options.version ?? spec.version,
    netnsok: true,
    resv_start_op: resv,
    ...(mcgrps.length > 0 ? { mcgrps } : {}),
    ...(global && familySet !== undefined
      ? { policy: setPolicy(spec, familySet, seen), maxattr: familySet.maxValue, ops }
      : {}),
    ...(!global ? { split_ops: split } : {}),
  };
  return family;
};

/** A spec family loaded into a world: its kernel object, notifications, and rmmod. */
export interface SpecFamily {
  readonly family: GenlFamily;
  /**
   * Multicasts a notification to one of the spec's groups (by name): the content of `op`'s reply
   * (or event), encoded by its attribute set. 0, or a negative errno (−ESRCH: nobody listens).
   */
  notify(group: string, op: string, value: YnlObject): number;
  /** genl_unregister_family */
  unregister(): void;
}

/**
 * Registers the family of `spec` in `world`'s namespace, as a module's init would
 * (genl_register_family in an insmod context). Throws with the errno when the kernel refuses it
 * (EEXIST: a family of that name exists; EINVAL: ops or groups the kernel rejects).
 */
export const registerSpecFamily = (
  world: World,
  spec: YnlSpec,
  impl: YnlFamilyImpl,
  options?: YnlFamilyOptions,
): SpecFamily => {
  const family = genlFamilyFromSpec(spec, impl, options);
  const err = world.insmod(() => genl_register_family(world.net, family), `${family.name}-init`);
  if (err < 0)
    throw new Error(
      `genl_register_family(${family.name}): ${-err === ERRNO.EEXIST ? "EEXIST" : -err === ERRNO.EINVAL ? "EINVAL" : err}`,
    );
  return {
    family,
    notify: (group, opName, value) =>
      kernel_enter(world.kernel, () => {
        const idx = spec.mcastGroups.findIndex((g) => g.name === group);
        if (idx < 0) throw new Error(`${spec.file}: no multicast group "${group}"`);
        const op = spec.operations.find((o) => camel(o.name) === opName || o.name === opName);
        if (op === undefined) throw new Error(`${spec.file}: no operation "${opName}"`);
        const setName =
          op.attributeSet ?? (op.notify !== undefined ? spec.operationsByName.get(op.notify)?.attributeSet : undefined);
        const attrs =
          setName === undefined ? new Uint8Array(0) : encodeAttrs(spec, specSet(spec, setName), value, camel(op.name));
        const skb = genlmsg_new(Math.max(attrs.length, GENLMSG_DEFAULT_SIZE));
        const cmd = op.notify !== undefined || op.event !== undefined ? op.value : replyId(op);
        if (!putMessage(skb, family, 0, 0, 0, cmd, attrs)) return -ERRNO.EMSGSIZE;
        return genlmsg_multicast(world.net, family, skb, 0, idx);
      }),
    unregister: () => {
      world.insmod(() => genl_unregister_family(world.net, family), `${family.name}-exit`);
    },
  };
};
