// `nlsim profile capture`: this machine's kernel as a profile (kernel-model/net/profile.ts), from
// what user space can observe: /proc/net/netlink and socket() for the units, membership and
// uid-1000 probes for their groups and flags, nlctrl's family dump and CTRL_CMD_GETPOLICY for the
// generic families (and uid-1000 joins for their groups), probes for each family's resv_start_op and each op's strictness, and GET
// probes for rtnetlink. Every socket is non-blocking; a read waits at most TIMEOUT_MS. Run it in a
// fresh network namespace (the command does, as root), since a probe may reach a family's handler.
import { readFileSync } from "node:fs";
import { release } from "node:os";
import type {
  KernelProfile,
  ProfileAttrType,
  ProfileGenlFamily,
  ProfileGenlOp,
  ProfilePolicy,
  ProfilePolicyAttr,
  ProfileRtnlHandler,
  ProfileUnit,
  ProfileUnitModel,
} from "../../kernel-model/net/profile.js";
import {
  AttributeEncoder,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OP_POLICY,
  CTRL_ATTR_OPS,
  CTRL_ATTR_POLICY,
  CTRL_ATTR_POLICY_DO,
  CTRL_ATTR_POLICY_DUMP,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  concatBytes,
  encodeGenlmsghdr,
  encodeMessage,
  encodeSockaddrNl,
  GENL_CMD_CAP_DO,
  GENL_CMD_CAP_HASPOL,
  GENL_ID_CTRL,
  getU16,
  getU32,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NETLINK_KOBJECT_UEVENT,
  NETLINK_ROUTE,
  NETLINK_USERSOCK,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NlAttr,
  type NlMsg,
  parseAttrs,
  parseMessages,
  parseNested,
  SOCK_RAW,
  SOL_NETLINK,
  utf8Decode,
} from "../../kernel-model/uapi/index.js";
import type { NativeErrno, NetlinkAddon } from "../../native/index.js";

/** How long one read may wait for the kernel's answer. */
export const TIMEOUT_MS = 2000;

const isErr = (v: unknown): v is NativeErrno => typeof v === "object" && v !== null && "errno" in v;
const EAGAIN = 11;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
const sleep = (ms: number): void => void Atomics.wait(sleepCell, 0, 0, ms);

/** A non-blocking AF_NETLINK socket of one protocol, bound to an autobound port id. */
class ProbeSocket {
  private seq = 0;
  constructor(
    private readonly nl: NetlinkAddon,
    readonly fd: number,
  ) {}

  static open(nl: NetlinkAddon, protocol: number): ProbeSocket | number {
    const fd = nl.socket(SOCK_RAW, protocol);
    if (isErr(fd)) return fd.code;
    const b = nl.bind(fd, encodeSockaddrNl({ pid: 0, groups: 0 }));
    if (isErr(b)) {
      nl.close(fd);
      return b.code;
    }
    return new ProbeSocket(nl, fd);
  }

  setInt(level: number, name: number, v: number): number {
    const buf = new Uint8Array(4);
    new DataView(buf.buffer).setUint32(0, v, true);
    const r = this.nl.setsockopt(this.fd, level, name, buf);
    return isErr(r) ? r.code : 0;
  }

  /** Sends one message; the answer's messages until NLMSG_ERROR or NLMSG_DONE (or the timeout). */
  ask(type: number, flags: number, payload: Uint8Array): NlMsg[] {
    this.seq++;
    const msg = encodeMessage({ type, flags, seq: this.seq, pid: 0, payload });
    const s = this.nl.sendmsg(this.fd, msg, 0x40 /* MSG_DONTWAIT */, encodeSockaddrNl({ pid: 0, groups: 0 }));
    if (isErr(s)) throw new Error(`sendmsg to unit ${type}: errno ${s.errno}`);
    const out: NlMsg[] = [];
    const deadline = Date.now() + TIMEOUT_MS;
    for (;;) {
      const r = this.nl.recvmsg(this.fd, 65536, 0x40);
      if (isErr(r)) {
        if (r.code !== EAGAIN) throw new Error(`recvmsg: errno ${r.errno}`);
        if (Date.now() > deadline) throw new Error(`no answer within ${TIMEOUT_MS} ms to message type ${type}`);
        sleep(2);
        continue;
      }
      for (const m of parseMessages(r.data)) {
        if (m.seq !== this.seq) continue;
        out.push(m);
        if (m.type === NLMSG_ERROR || m.type === NLMSG_DONE) return out;
      }
    }
  }

  close(): void {
    this.nl.close(this.fd);
  }
}

/** The error of an answer's NLMSG_ERROR / NLMSG_DONE (0 for none), and its extended-ACK text. */
const answerError = (msgs: NlMsg[]): { error: number; text: string } => {
  const last = msgs[msgs.length - 1];
  if (last === undefined || (last.type !== NLMSG_ERROR && last.type !== NLMSG_DONE)) return { error: 0, text: "" };
  const error = new DataView(last.payload.buffer, last.payload.byteOffset).getInt32(0, true);
  return { error, text: utf8Decode(last.payload) };
};

const genl = (cmd: number, attrs?: (e: AttributeEncoder) => unknown, reserved = 0): Uint8Array => {
  const e = new AttributeEncoder();
  attrs?.(e);
  const hdr = encodeGenlmsghdr({ cmd, version: 1 });
  hdr[2] = reserved & 0xff;
  return concatBytes([hdr, e.finish()]);
};

const byType = (attrs: NlAttr[]): Map<number, NlAttr> => new Map(attrs.map((a) => [a.type, a]));
const strz = (a: NlAttr): string => {
  const z = a.data.indexOf(0);
  return utf8Decode(z < 0 ? a.data : a.data.subarray(0, z));
};
const u64 = (a: NlAttr): bigint => new DataView(a.data.buffer, a.data.byteOffset).getBigUint64(0, true);
const s64 = (a: NlAttr): bigint => new DataView(a.data.buffer, a.data.byteOffset).getBigInt64(0, true);

/** NL_ATTR_TYPE_* (1..17) to the profile's names. */
const ATTR_TYPE_NAMES: ReadonlyArray<ProfileAttrType | undefined> = [
  undefined,
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
];

/** One attribute's description (the NL_POLICY_TYPE_ATTR_* of a GETPOLICY message). */
const policyAttr = (nest: NlAttr): ProfilePolicyAttr => {
  const out: { -readonly [K in keyof ProfilePolicyAttr]: ProfilePolicyAttr[K] } = { type: "binary" };
  for (const a of parseNested(nest)) {
    switch (a.type) {
      case 1: {
        const t = ATTR_TYPE_NAMES[getU32(a.data, 0)];
        if (t === undefined) throw new Error(`unknown NL_ATTR_TYPE ${getU32(a.data, 0)}`);
        out.type = t;
        break;
      }
      case 2:
        out.min = s64(a).toString();
        break;
      case 3:
        out.max = s64(a).toString();
        break;
      case 4:
        out.min = u64(a).toString();
        break;
      case 5:
        out.max = u64(a).toString();
        break;
      case 6:
        out.minLen = getU32(a.data, 0);
        break;
      case 7:
        out.maxLen = getU32(a.data, 0);
        break;
      case 8:
        out.policy = getU32(a.data, 0);
        break;
      case 9:
        out.maxtype = getU32(a.data, 0);
        break;
      case 10:
        out.bitfield32Mask = getU32(a.data, 0);
        break;
      case 12:
        out.mask = u64(a).toString();
        break;
    }
  }
  return out;
};

interface FamilyDesc {
  name: string;
  id: number;
  version: number;
  hdrsize: number;
  maxattr: number;
  ops: Array<{ cmd: number; flags: number }>;
  mcgrps: Array<{ name: string; id: number }>;
}

/** A NEWFAMILY message's description. */
const familyOf = (m: NlMsg): FamilyDesc => {
  const t = byType(parseAttrs(m.payload.subarray(4), 20));
  const ops = t.has(CTRL_ATTR_OPS)
    ? parseNested(t.get(CTRL_ATTR_OPS)!).map((n) => {
        const o = byType(parseNested(n));
        return { cmd: getU32(o.get(CTRL_ATTR_OP_ID)!.data, 0), flags: getU32(o.get(CTRL_ATTR_OP_FLAGS)!.data, 0) };
      })
    : [];
  const mcgrps = t.has(CTRL_ATTR_MCAST_GROUPS)
    ? parseNested(t.get(CTRL_ATTR_MCAST_GROUPS)!).map((n) => {
        const g = byType(parseNested(n));
        return { name: strz(g.get(CTRL_ATTR_MCAST_GRP_NAME)!), id: getU32(g.get(CTRL_ATTR_MCAST_GRP_ID)!.data, 0) };
      })
    : [];
  return {
    name: strz(t.get(CTRL_ATTR_FAMILY_NAME)!),
    id: getU16(t.get(CTRL_ATTR_FAMILY_ID)!.data, 0),
    version: getU32(t.get(CTRL_ATTR_VERSION)!.data, 0),
    hdrsize: getU32(t.get(CTRL_ATTR_HDRSIZE)!.data, 0),
    maxattr: getU32(t.get(CTRL_ATTR_MAXATTR)!.data, 0),
    ops,
    mcgrps,
  };
};

/** A whole-family GETPOLICY dump: the op map (in order, keyed by the do's command or 0) and the policies. */
const capturePolicies = (
  sk: ProbeSocket,
  id: number,
): { map: Array<{ key: number; do?: number; dump?: number }>; policies: ProfilePolicy[] } => {
  const msgs = sk.ask(
    GENL_ID_CTRL,
    NLM_F_REQUEST | NLM_F_DUMP,
    genl(CTRL_CMD_GETPOLICY, (e) => e.u16(CTRL_ATTR_FAMILY_ID, id)),
  );
  const map: Array<{ key: number; do?: number; dump?: number }> = [];
  const policies: Array<Record<string, ProfilePolicyAttr>> = [];
  for (const m of msgs) {
    if (m.type !== GENL_ID_CTRL) continue;
    for (const a of parseAttrs(m.payload.subarray(4), 20)) {
      if (a.type === CTRL_ATTR_OP_POLICY) {
        for (const op of parseNested(a)) {
          const o = byType(parseNested(op));
          map.push({
            key: op.type,
            ...(o.has(CTRL_ATTR_POLICY_DO) ? { do: getU32(o.get(CTRL_ATTR_POLICY_DO)!.data, 0) } : {}),
            ...(o.has(CTRL_ATTR_POLICY_DUMP) ? { dump: getU32(o.get(CTRL_ATTR_POLICY_DUMP)!.data, 0) } : {}),
          });
        }
      } else if (a.type === CTRL_ATTR_POLICY) {
        for (const p of parseNested(a)) {
          for (const attr of parseNested(p)) {
            while (policies.length <= p.type) policies.push({});
            policies[p.type]![String(attr.type)] = policyAttr(attr);
          }
        }
      }
    }
  }
  return { map, policies };
};

/** The first command whose genlmsghdr.reserved the family refuses (its resv_start_op), 256 when none. */
const probeResvStartOp = (sk: ProbeSocket, id: number): number => {
  for (let cmd = 0; cmd < 256; cmd++) {
    const { text } = answerError(sk.ask(id, NLM_F_REQUEST | NLM_F_ACK, genl(cmd, undefined, 1)));
    if (text.includes("genlmsghdr.reserved field is not 0")) return cmd;
  }
  return 256;
};

/** Whether the op parses strictly: an attribute type far above maxattr gets "Unknown attribute type". */
const probeStrict = (sk: ProbeSocket, id: number, cmd: number, dump: boolean): boolean => {
  const flags = NLM_F_REQUEST | NLM_F_ACK | (dump ? NLM_F_DUMP : 0);
  const { text } = answerError(
    sk.ask(
      id,
      flags,
      genl(cmd, (e) => e.u32(0x3ff0, 0)),
    ),
  );
  return text.includes("Unknown attribute type");
};

/** The generic families this namespace sees, with policies and probes. */
export const captureGenl = (nl: NetlinkAddon): ProfileGenlFamily[] => {
  const sk = ProbeSocket.open(nl, NETLINK_GENERIC);
  if (typeof sk === "number") throw new Error(`socket(NETLINK_GENERIC): errno ${sk}`);
  try {
    sk.setInt(SOL_NETLINK, NETLINK_EXT_ACK, 1);
    const fams = sk
      .ask(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, genl(CTRL_CMD_GETFAMILY))
      .filter((m) => m.type === GENL_ID_CTRL)
      .map(familyOf);
    return fams.map((f) => {
      const { map, policies } = capturePolicies(sk, f.id);
      const pending = map.slice();
      const resv = probeResvStartOp(sk, f.id);
      const ops: ProfileGenlOp[] = f.ops.map((op) => {
        let polDo: number | undefined;
        let polDump: number | undefined;
        if (op.flags & GENL_CMD_CAP_HASPOL) {
          // the op map's nests are numbered by the do half's command: 0 for a dump-only op
          const key = op.flags & GENL_CMD_CAP_DO ? op.cmd : 0;
          const i = pending.findIndex((p) => p.key === key);
          if (i >= 0) {
            polDo = pending[i]!.do;
            polDump = pending[i]!.dump;
            pending.splice(i, 1);
          }
        }
        let validate = 0;
        if (polDo !== undefined && !probeStrict(sk, f.id, op.cmd, false)) validate |= 1;
        if (polDump !== undefined && !probeStrict(sk, f.id, op.cmd, true)) validate |= 4;
        return {
          cmd: op.cmd,
          flags: op.flags,
          ...(polDo !== undefined ? { do: polDo } : {}),
          ...(polDump !== undefined ? { dump: polDump } : {}),
          ...(validate ? { validate } : {}),
        };
      });
      return {
        name: f.name,
        id: f.id,
        version: f.version,
        hdrsize: f.hdrsize,
        maxattr: f.maxattr,
        resv_start_op: resv,
        ops,
        policies,
        mcgrps: f.mcgrps,
      };
    });
  } finally {
    sk.close();
  }
};

/**
 * Which families' groups refuse uid 1000 (genl_bind: GENL_MCAST_CAP_NET_ADMIN, or SYS_ADMIN, which
 * this probe cannot tell apart): as root only, with setresuid and back; the groups get flags 1.
 */
const probeGroupCaps = (nl: NetlinkAddon, families: ProfileGenlFamily[]): ProfileGenlFamily[] => {
  const root = typeof process.geteuid === "function" && process.geteuid() === 0;
  if (!root || isErr(nl.setresuid(0, 1000, 0))) return families;
  try {
    const fd = nl.socket(SOCK_RAW, NETLINK_GENERIC);
    if (isErr(fd)) return families;
    try {
      return families.map((f) => ({
        ...f,
        mcgrps: f.mcgrps.map((g) => {
          const v = new Uint8Array(4);
          new DataView(v.buffer).setUint32(0, g.id, true);
          const r = nl.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, v);
          return isErr(r) && r.code === 1 ? { ...g, flags: 1 } : g;
        }),
      }));
    } finally {
      nl.close(fd);
    }
  } finally {
    nl.setresuid(0, 0, 0);
  }
};

/** rtnetlink GET probes (a 16-byte zero payload: AF_UNSPEC), do and dump, types 18..138. */
export const captureRtnl = (nl: NetlinkAddon): ProfileRtnlHandler[] => {
  const sk = ProbeSocket.open(nl, NETLINK_ROUTE);
  if (typeof sk === "number") throw new Error(`socket(NETLINK_ROUTE): errno ${sk}`);
  try {
    const out: ProfileRtnlHandler[] = [];
    for (let type = 18; type < 140; type += 4) {
      for (const [kind, flags] of [
        ["doit", NLM_F_REQUEST | NLM_F_ACK],
        ["dumpit", NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP],
      ] as const) {
        const { error } = answerError(sk.ask(type, flags, new Uint8Array(16)));
        out.push({ type, kind, errno: error < 0 ? -error : 0 });
      }
    }
    return out;
  } finally {
    sk.close();
  }
};

/** The kernel sockets' units of /proc/net/netlink (rows with port id 0). */
const procKernelUnits = (): Set<number> => {
  const out = new Set<number>();
  for (const line of readFileSync("/proc/net/netlink", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 3 && f[2] === "0") out.add(Number(f[1]));
  }
  return out;
};

const MODEL_OF: Readonly<Record<number, ProfileUnitModel>> = {
  [NETLINK_ROUTE]: "rtnetlink",
  [NETLINK_USERSOCK]: "usersock",
  [NETLINK_GENERIC]: "genetlink",
  [NETLINK_KOBJECT_UEVENT]: "uevent",
};

/**
 * The registered units: socket() works; the group count by NETLINK_ADD_MEMBERSHIP (as root; the
 * table's minimum, 32, otherwise); NONROOT_RECV / NONROOT_SEND by binding to group 1 and sending
 * to group 1 as uid 1000 (when root, with setresuid and back; otherwise the flags read 0).
 */
export const captureUnits = (nl: NetlinkAddon): ProfileUnit[] => {
  const kernel = procKernelUnits();
  const root = typeof process.geteuid === "function" && process.geteuid() === 0;
  const units: ProfileUnit[] = [];
  for (let unit = 0; unit < 32; unit++) {
    const fd = nl.socket(SOCK_RAW, unit);
    if (isErr(fd)) continue;
    let groups = 32;
    if (root) {
      // netlink_setsockopt: EINVAL once the group is past nl_table[unit].groups
      let lo = 32;
      let hi = 1024;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        const v = new Uint8Array(4);
        new DataView(v.buffer).setUint32(0, mid, true);
        if (isErr(nl.setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, v))) hi = mid - 1;
        else lo = mid;
      }
      groups = lo;
    }
    nl.close(fd);
    let flags = 0;
    if (root && !isErr(nl.setresuid(0, 1000, 0))) {
      try {
        const u = nl.socket(SOCK_RAW, unit);
        if (!isErr(u)) {
          if (!isErr(nl.bind(u, encodeSockaddrNl({ pid: 0, groups: 1 })))) flags |= 1;
          const s = nl.sendmsg(
            u,
            encodeMessage({ type: 0x10, flags: 0, seq: 1, pid: 0 }),
            0x40,
            encodeSockaddrNl({ pid: 0, groups: 1 }),
          );
          if (!(isErr(s) && s.code === 1)) flags |= 2;
          nl.close(u);
        }
      } finally {
        nl.setresuid(0, 0, 0);
      }
    }
    const model = MODEL_OF[unit] ?? (kernel.has(unit) ? "unmodelled" : "no-socket");
    units.push({ unit, model, groups, flags });
  }
  return units;
};

/** The whole profile of this kernel, in this namespace. */
export const captureProfile = (nl: NetlinkAddon, name: string): KernelProfile => {
  const rel = release();
  const m = /^(\d+)\.(\d+)/.exec(rel);
  return {
    name,
    kernel: { release: rel, version: [Number(m?.[1] ?? 0), Number(m?.[2] ?? 0)] },
    units: captureUnits(nl),
    genl: { families: probeGroupCaps(nl, captureGenl(nl)) },
    rtnetlink: { handlers: captureRtnl(nl) },
  };
};
