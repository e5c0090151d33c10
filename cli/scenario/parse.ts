// Reads and validates a scenario file (shared/spec/scenario-format.md) before anything runs:
// unknown step kinds, keys or option names, bad hex, a socket no earlier step creates, invalid
// JSON — each a ScenarioError naming the step. Exit status 2 in the CLI.

import * as devinet from "../../kernel-model/net/ipv4/devinet.js";
import * as uapi from "../../kernel-model/uapi/index.js";
import {
  CAPABILITIES,
  MSG_FLAG_NAMES,
  NETLINK_SOCKOPT_NAMES,
  NLM_F_ACK_NAMES,
  NLM_F_COMMON_NAMES,
  NLM_F_DELETE_NAMES,
  NLM_F_DUMP,
  NLM_F_GET_NAMES,
  NLM_F_NEW_NAMES,
  SO_ATTACH_FILTER,
  SO_GET_FILTER,
  SO_NAMES,
  SOCK_CLOEXEC,
  SOCK_DCCP,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_PACKET,
  SOCK_RAW,
  SOCK_RDM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../../kernel-model/uapi/index.js";
import * as rtnetlink from "../../kernel-model/uapi/rtnetlink.js";
import type { AttrPath } from "../format/attrs.js";
import type { AddrSpec, AttrSpec, Creds, MsgSpec, OptValue, PortRef, Scenario, Step } from "./model.js";

export class ScenarioError extends Error {
  readonly _tag = "ScenarioError" as const;
}

type Json = unknown;
type Obj = Record<string, Json>;

const isObj = (v: Json): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isInt = (v: Json): v is number => typeof v === "number" && Number.isInteger(v);

const SOCK_TYPES: Readonly<Record<string, number>> = {
  SOCK_STREAM,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_RDM,
  SOCK_SEQPACKET,
  SOCK_DCCP,
  SOCK_PACKET,
  SOCK_NONBLOCK,
  SOCK_CLOEXEC,
};

const table = (...lists: ReadonlyArray<ReadonlyArray<readonly [number, string]>>): Map<string, number> => {
  const m = new Map<string, number>();
  for (const l of lists) for (const [bit, name] of l) m.set(name, bit);
  return m;
};
const NLM_FLAGS = table(NLM_F_COMMON_NAMES, NLM_F_GET_NAMES, NLM_F_NEW_NAMES, NLM_F_DELETE_NAMES, NLM_F_ACK_NAMES);
NLM_FLAGS.set("NLM_F_DUMP", NLM_F_DUMP);
const MSG_FLAGS = table(MSG_FLAG_NAMES);
const byName = (rec: Readonly<Record<number, string>>): Map<string, number> =>
  new Map(Object.entries(rec).map(([n, name]) => [name, Number(n)]));
const SO_BY_NAME = byName(SO_NAMES);
SO_BY_NAME.set("SO_GET_FILTER", SO_GET_FILTER);
const NETLINK_OPT_BY_NAME = byName(NETLINK_SOCKOPT_NAMES);

const STEP_KEYS: Readonly<Record<string, ReadonlyArray<string>>> = {
  socket: ["as", "type", "protocol"],
  bind: ["sock", "pid", "groups", "family", "pad", "addrlen"],
  connect: ["sock", "pid", "groups", "family", "pad", "addrlen", "unspec"],
  sendto: ["sock", "to", "msg", "msgs", "flags"],
  send: ["sock", "msg", "msgs", "flags"],
  recv: ["sock", "size", "flags", "decode", "mask"],
  recvmmsg: ["sock", "vlen", "size", "flags", "decode", "mask"],
  setsockopt: ["sock", "level", "name", "value", "size", "filter", "filterLen"],
  getsockopt: ["sock", "level", "name", "size"],
  getsockname: ["sock"],
  getpeername: ["sock"],
  close: ["sock"],
  proc: [],
};
const COMMON_STEP_KEYS = ["do", "comment", "repeat", "uid", "gid", "caps"];
const TOP_KEYS = ["name", "protocol", "steps", "description", "comment", "uid", "gid", "caps"];

/** The fields of one step, read and checked; a problem fails naming the step (`bad`). */
class StepFields {
  constructor(
    readonly raw: Obj,
    private readonly known: ReadonlySet<string>,
    readonly bad: (m: string) => never,
  ) {}

  sockRef(): string {
    const s = this.raw.sock;
    if (typeof s !== "string") return this.bad("'sock' must name a socket");
    if (!this.known.has(s)) return this.bad(`socket '${s}' is not created by an earlier step`);
    return s;
  }

  portRef(v: Json, what: string): PortRef {
    if (typeof v === "string" && v.startsWith("@")) {
      const s = v.slice(1);
      if (!this.known.has(s)) return this.bad(`${what} '${v}' names a socket no earlier step creates`);
      return { sock: s };
    }
    if (isInt(v) && v >= -(2 ** 31) && v < 2 ** 32) return { literal: v >>> 0 };
    return this.bad(`${what} must be a 32-bit integer or "@name"`);
  }

  u32(v: Json, what: string, dflt?: number): number {
    if (v === undefined && dflt !== undefined) return dflt;
    if (isInt(v) && v >= -(2 ** 31) && v < 2 ** 32) return v >>> 0;
    return this.bad(`${what} must be a 32-bit integer`);
  }

  addr(o: Obj, what: string): AddrSpec {
    if (o.pid === undefined) this.bad(`${what} needs 'pid'`);
    const opt = (k: string, max: number): number | undefined => {
      const v = o[k];
      if (v === undefined) return undefined;
      if (!isInt(v) || v < 0 || v > max) return this.bad(`${what} '${k}' must be an integer in 0..${max}`);
      return v;
    };
    return {
      pid: this.portRef(o.pid, `${what} pid`),
      groups: this.u32(o.groups, `${what} groups`, 0),
      family: opt("family", 0xffff),
      pad: opt("pad", 0xffff),
      addrlen: opt("addrlen", 4096),
    };
  }

  flagsOf(v: Json, names: Map<string, number>, what: string): number {
    if (v === undefined) return 0;
    if (isInt(v) && v >= 0) return v >>> 0;
    if (!Array.isArray(v)) return this.bad(`${what} must be a number or a list of names`);
    let f = 0;
    for (const n of v) {
      const bit = typeof n === "string" ? names.get(n) : undefined;
      if (bit === undefined) return this.bad(`unknown ${what} name ${JSON.stringify(n)}`);
      f |= bit;
    }
    return f >>> 0;
  }

  hexOf(v: Json, what: string): Uint8Array {
    if (typeof v === "string") {
      if (!/^([0-9a-fA-F]{2})*$/.test(v)) return this.bad(`${what} is not valid hex: ${JSON.stringify(v)}`);
      return Uint8Array.from(Buffer.from(v, "hex"));
    }
    if (isObj(v) && v.fill !== undefined) {
      for (const k of Object.keys(v)) if (k !== "fill" && k !== "count") this.bad(`unknown key '${k}' in ${what} fill`);
      const unit = this.hexOf(v.fill, `${what} fill`);
      if (!isInt(v.count) || v.count < 0 || v.count > 1 << 24)
        return this.bad(`${what} fill needs a 'count' in 0..16777216`);
      if (unit.length === 0) return this.bad(`${what} fill must not be empty`);
      const out = new Uint8Array(unit.length * v.count);
      for (let i = 0; i < v.count; i++) out.set(unit, i * unit.length);
      return out;
    }
    return this.bad(`${what} must be a hex string or {"fill", "count"}`);
  }

  attrsOf(list: Json, what: string): AttrSpec[] {
    if (!Array.isArray(list)) return this.bad(`${what} must be a list`);
    return list.map((a: Json, i: number): AttrSpec => {
      const w = `${what}[${i}]`;
      if (!isObj(a)) return this.bad(`${w} must be an object`);
      for (const k of Object.keys(a))
        if (!["type", "hex", "nested", "len"].includes(k)) this.bad(`unknown key '${k}' in ${w}`);
      if (!isInt(a.type) || a.type < 0 || a.type > 0xffff)
        return this.bad(`${w} 'type' must be an integer in 0..65535`);
      const len =
        a.len === undefined
          ? undefined
          : isInt(a.len) && a.len >= 0 && a.len <= 0xffff
            ? a.len
            : this.bad(`${w} 'len' must be in 0..65535`);
      const lenPart = len === undefined ? {} : { len };
      if (a.nested !== undefined) {
        if (a.hex !== undefined) this.bad(`${w} has both 'hex' and 'nested'`);
        return { type: a.type, nested: this.attrsOf(a.nested, `${w}.nested`), ...lenPart };
      }
      return {
        type: a.type,
        data: a.hex === undefined ? new Uint8Array(0) : this.hexOf(a.hex, `${w} hex`),
        ...lenPart,
      };
    });
  }

  msgOf(m: Json, what: string): MsgSpec {
    if (!isObj(m)) return this.bad(`${what} must be an object`);
    if (m.hex !== undefined) {
      for (const k of Object.keys(m)) if (k !== "hex") this.bad(`${what} with 'hex' takes no other key (found '${k}')`);
      return { kind: "hex", bytes: this.hexOf(m.hex, `${what} hex`) };
    }
    for (const k of Object.keys(m)) {
      if (!["type", "flags", "seq", "pid", "payload", "attrs", "len"].includes(k))
        this.bad(`unknown key '${k}' in ${what}`);
    }
    if (!isInt(m.type) || m.type < 0 || m.type > 0xffff)
      return this.bad(`${what} 'type' must be an integer in 0..65535`);
    const flags = this.flagsOf(m.flags, NLM_FLAGS, `${what} flag`);
    if (flags > 0xffff) this.bad(`${what} flags do not fit 16 bits`);
    return {
      kind: "fields",
      type: m.type,
      flags,
      seq: this.u32(m.seq, `${what} seq`, 0),
      pid: m.pid === undefined ? { literal: 0 } : this.portRef(m.pid, `${what} pid`),
      payload: m.payload === undefined ? new Uint8Array(0) : this.hexOf(m.payload, `${what} payload`),
      attrs: m.attrs === undefined ? undefined : this.attrsOf(m.attrs, `${what} attrs`),
      len: m.len === undefined ? undefined : this.u32(m.len, `${what} len`),
    };
  }

  msgsOf(): MsgSpec[] {
    if ((this.raw.msg === undefined) === (this.raw.msgs === undefined))
      return this.bad("give exactly one of 'msg' and 'msgs'");
    if (this.raw.msg !== undefined) return [this.msgOf(this.raw.msg, "msg")];
    if (!Array.isArray(this.raw.msgs) || this.raw.msgs.length === 0) return this.bad("'msgs' must be a non-empty list");
    return this.raw.msgs.map((m: Json, i: number) => this.msgOf(m, `msgs[${i}]`));
  }

  levelOf(v: Json): number {
    if (v === "SOL_SOCKET") return SOL_SOCKET;
    if (v === "SOL_NETLINK") return SOL_NETLINK;
    if (isInt(v) && v >= 0) return v;
    return this.bad(`unknown level ${JSON.stringify(v)} (SOL_SOCKET, SOL_NETLINK or a number)`);
  }

  optNameOf(v: Json, level: number): number {
    if (isInt(v) && v >= 0) return v;
    if (typeof v !== "string") return this.bad("'name' must be an option name or a number");
    const n =
      level === SOL_SOCKET
        ? SO_BY_NAME.get(v)
        : level === SOL_NETLINK
          ? (NETLINK_OPT_BY_NAME.get(v) ?? NETLINK_OPT_BY_NAME.get(`NETLINK_${v}`))
          : undefined;
    if (n === undefined) return this.bad(`unknown option name ${JSON.stringify(v)} at this level`);
    return n;
  }

  optValueOf(v: Json): OptValue {
    if (isInt(v)) return { kind: "int", value: v };
    if (isObj(v) && v.hex !== undefined) {
      for (const k of Object.keys(v)) if (k !== "hex") this.bad(`unknown key '${k}' in value`);
      return { kind: "hex", bytes: this.hexOf(v.hex, "value hex") };
    }
    if (isObj(v) && (v.sec !== undefined || v.usec !== undefined)) {
      for (const k of Object.keys(v)) if (k !== "sec" && k !== "usec") this.bad(`unknown key '${k}' in timeval value`);
      const sec = v.sec ?? 0;
      const usec = v.usec ?? 0;
      if (!isInt(sec) || !isInt(usec)) return this.bad("timeval 'sec' and 'usec' must be integers");
      return { kind: "timeval", sec, usec };
    }
    return this.bad("'value' must be an int, {sec, usec} or {hex}");
  }

  /** `filter`: [[code, jt, jf, k], ...] (k may be negative, as SKF_AD_OFF + n); `filterLen` overrides the count */
  fprogOf(v: Json, lenOverride: Json): OptValue {
    if (!Array.isArray(v)) return this.bad("'filter' must be an array of [code, jt, jf, k]");
    const insns = v.map((ins, i) => {
      const what = `'filter' instruction ${i}`;
      if (!Array.isArray(ins) || ins.length !== 4 || !ins.every(isInt))
        return this.bad(`${what} must be [code, jt, jf, k]`);
      const [code, jt, jf, k] = ins as number[];
      if (code! < 0 || code! > 0xffff) return this.bad(`${what}: code must be in 0..65535`);
      if (jt! < 0 || jt! > 255 || jf! < 0 || jf! > 255) return this.bad(`${what}: jt and jf must be in 0..255`);
      if (k! < -0x80000000 || k! > 0xffffffff) return this.bad(`${what}: k must be a 32-bit integer`);
      return { code: code!, jt: jt!, jf: jf!, k: k! >>> 0 };
    });
    if (lenOverride !== undefined && !(isInt(lenOverride) && lenOverride >= 0 && lenOverride <= 0xffff)) {
      return this.bad("'filterLen' must be an integer in 0..65535");
    }
    return { kind: "fprog", insns, len: (lenOverride as number | undefined) ?? insns.length };
  }

  /**
   * `"decode": "attrs"` and its `mask` (paths like "IFLA_AF_SPEC/AF_INET6/IFLA_INET6_CACHEINFO" or
   * "26/10/5"), or undefined without `decode`.
   */
  decodeOf(): { readonly masks: ReadonlyArray<AttrPath> } | undefined {
    const { decode, mask } = this.raw;
    if (decode === undefined) {
      if (mask !== undefined) return this.bad('\'mask\' needs "decode": "attrs"');
      return undefined;
    }
    if (decode !== "attrs") return this.bad(`'decode' must be "attrs"`);
    if (mask === undefined) return { masks: [] };
    if (!Array.isArray(mask) || !mask.every((m) => typeof m === "string" && m !== ""))
      return this.bad('\'mask\' must be a list of attribute paths such as "IFA_CACHEINFO" or "26/10/5"');
    // the uapi's constants by name (IFA_* still live with devinet.c's model)
    const ifa = Object.entries(devinet).filter(([k]) => k.startsWith("IFA_"));
    const table: Readonly<Record<string, unknown>> = { ...uapi, ...rtnetlink, ...Object.fromEntries(ifa) };
    const masks = (mask as string[]).map((path) =>
      path.split("/").map((part) => {
        const n = /^\d+$/.test(part) ? Number(part) : table[part];
        if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 0x3fff)
          return this.bad(`'mask' ${path}: ${part} is no attribute type (a number in 0..16383 or a constant's name)`);
        return n;
      }),
    );
    return { masks };
  }

  sizeOf(v: Json, dflt: number | undefined): number | undefined {
    if (v === undefined) return dflt;
    if (isInt(v) && v >= 0 && v <= 1 << 24) return v;
    return this.bad("'size' must be an integer in 0..16777216");
  }
}

type StepBase = Pick<Step, "index" | "repeat" | "creds">;

/** A `socket` step: its name must not be open, its type names or numbers, its protocol given here or on top. */
const socketStep = (base: StepBase, f: StepFields, protocol: number, open: Set<string>, known: Set<string>): Step => {
  const { raw, bad } = f;
  if (typeof raw.as !== "string" || raw.as === "") return bad("'as' must name the socket");
  if (open.has(raw.as)) return bad(`socket name '${raw.as}' is still open (close it before reusing the name)`);
  let type = SOCK_RAW;
  if (raw.type !== undefined) {
    const names = Array.isArray(raw.type) ? raw.type : [raw.type];
    type = 0;
    for (const t of names) {
      if (isInt(t) && t >= 0) type |= t;
      else if (typeof t === "string" && SOCK_TYPES[t] !== undefined) type |= SOCK_TYPES[t];
      else return bad(`unknown socket type ${JSON.stringify(t)}`);
    }
  }
  const proto = raw.protocol ?? (protocol >= 0 ? protocol : undefined);
  if (!isInt(proto)) return bad("no protocol: give 'protocol' on the step or at the top level");
  open.add(raw.as);
  known.add(raw.as);
  return { ...base, do: "socket", as: raw.as, type, protocol: proto };
};

/** A `setsockopt` step: a `value`, or a `filter` for SO_ATTACH_FILTER. */
const setsockoptStep = (base: StepBase, f: StepFields): Step => {
  const { raw, bad } = f;
  const sock = f.sockRef();
  const level = f.levelOf(raw.level);
  if (raw.filter !== undefined && raw.value !== undefined) return bad("give either 'value' or 'filter', not both");
  if (raw.filter === undefined && raw.filterLen !== undefined) return bad("'filterLen' needs 'filter'");
  if (raw.value === undefined && raw.filter === undefined) return bad("'value' (or 'filter') is required");
  if (raw.filter !== undefined && (level !== SOL_SOCKET || f.optNameOf(raw.name, level) !== SO_ATTACH_FILTER)) {
    return bad("'filter' goes with SOL_SOCKET SO_ATTACH_FILTER only");
  }
  return {
    ...base,
    do: "setsockopt",
    sock,
    level,
    name: f.optNameOf(raw.name, level),
    value: raw.filter !== undefined ? f.fprogOf(raw.filter, raw.filterLen) : f.optValueOf(raw.value),
    size: f.sizeOf(raw.size, undefined),
  };
};

/** One step of kind `kind` (checked against STEP_KEYS); `open` and `known` follow the sockets it creates or closes. */
const readStep = (
  kind: string,
  base: StepBase,
  f: StepFields,
  protocol: number,
  open: Set<string>,
  known: Set<string>,
): Step => {
  const { raw } = f;
  switch (kind) {
    case "socket":
      return socketStep(base, f, protocol, open, known);
    case "bind":
      return { ...base, do: "bind", sock: f.sockRef(), addr: f.addr(raw, "address") };
    case "connect": {
      const sock = f.sockRef();
      if (raw.unspec === undefined) return { ...base, do: "connect", sock, addr: f.addr(raw, "address") };
      if (raw.unspec !== true) return f.bad("'unspec' can only be true");
      for (const k of ["pid", "groups"]) if (raw[k] !== undefined) f.bad(`'unspec' takes no '${k}'`);
      return { ...base, do: "connect", sock, addr: "unspec" };
    }
    case "sendto":
    case "send": {
      const sock = f.sockRef();
      const to =
        kind === "sendto" && raw.to !== undefined
          ? isObj(raw.to)
            ? f.addr(raw.to, "'to'")
            : f.bad("'to' must be an object")
          : undefined;
      return { ...base, do: kind, sock, to, msgs: f.msgsOf(), flags: f.flagsOf(raw.flags, MSG_FLAGS, "MSG flag") };
    }
    case "recv": {
      const sock = f.sockRef();
      return {
        ...base,
        do: "recv",
        sock,
        size: f.sizeOf(raw.size, 65536)!,
        flags: f.flagsOf(raw.flags, MSG_FLAGS, "MSG flag"),
        decode: f.decodeOf(),
      };
    }
    case "recvmmsg": {
      const sock = f.sockRef();
      const vlen = raw.vlen;
      if (!isInt(vlen) || vlen < 0 || vlen > 1024) return f.bad("'vlen' must be an integer in 0..1024");
      return {
        ...base,
        do: "recvmmsg",
        sock,
        vlen,
        size: f.sizeOf(raw.size, 65536)!,
        flags: f.flagsOf(raw.flags, MSG_FLAGS, "MSG flag"),
        decode: f.decodeOf(),
      };
    }
    case "setsockopt":
      return setsockoptStep(base, f);
    case "getsockopt": {
      const sock = f.sockRef();
      const level = f.levelOf(raw.level);
      return {
        ...base,
        do: "getsockopt",
        sock,
        level,
        name: f.optNameOf(raw.name, level),
        size: f.sizeOf(raw.size, 4)!,
      };
    }
    case "getsockname":
    case "getpeername":
      return { ...base, do: kind, sock: f.sockRef() };
    case "close": {
      const sock = f.sockRef();
      open.delete(sock);
      return { ...base, do: "close", sock };
    }
    case "proc":
      return { ...base, do: "proc" };
    default:
      return f.bad(`unknown step kind ${JSON.stringify(kind)}`);
  }
};

/** Parses and validates scenario JSON text. */
export const parseScenario = (text: string, fileName = "scenario"): Scenario => {
  let root: Json;
  try {
    root = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`${fileName}: invalid JSON: ${(e as Error).message}`);
  }
  return validateScenario(root, fileName);
};

export const validateScenario = (root: Json, fileName = "scenario"): Scenario => {
  const fail = (where: string, msg: string): never => {
    throw new ScenarioError(`${fileName}: ${where}: ${msg}`);
  };
  if (!isObj(root)) return fail("top level", "a scenario is a JSON object");
  for (const k of Object.keys(root)) if (!TOP_KEYS.includes(k)) fail("top level", `unknown key '${k}'`);
  const name = root.name ?? fileName;
  if (typeof name !== "string") return fail("top level", "'name' must be a string");
  if (root.protocol !== undefined && !(isInt(root.protocol) && root.protocol >= 0)) {
    fail("top level", "'protocol' must be a non-negative integer");
  }
  const protocol = (root.protocol as number | undefined) ?? -1;
  if (!Array.isArray(root.steps)) return fail("top level", "'steps' must be an array");
  const topCreds = credsOf(root, undefined, (m) => fail("top level", m));

  const open = new Set<string>();
  const known = new Set<string>();
  const steps: Step[] = [];
  let needsRoot = topCreds !== undefined;
  for (const [index, raw] of (root.steps as Json[]).entries()) {
    const where = (): string => {
      const kind = isObj(raw) && typeof raw.do === "string" ? ` (${raw.do})` : "";
      return `step ${index}${kind}`;
    };
    const bad = (m: string): never => fail(where(), m);
    if (!isObj(raw)) return bad("a step is a JSON object");
    const kind = raw.do;
    if (typeof kind !== "string" || STEP_KEYS[kind] === undefined) {
      return bad(`unknown step kind ${JSON.stringify(kind)} (one of ${Object.keys(STEP_KEYS).join(", ")})`);
    }
    const allowed = STEP_KEYS[kind]!;
    for (const k of Object.keys(raw))
      if (!allowed.includes(k) && !COMMON_STEP_KEYS.includes(k)) bad(`unknown key '${k}'`);
    const repeat = raw.repeat ?? 1;
    if (!isInt(repeat) || repeat < 1) return bad("'repeat' must be an integer ≥ 1");
    const stepCreds = credsOf(raw, topCreds, bad);
    if (stepCreds !== undefined) needsRoot = true;
    const base = { index, repeat, creds: stepCreds ?? topCreds };

    steps.push(readStep(kind, base, new StepFields(raw, known, bad), protocol, open, known));
  }
  return { name, protocol, steps, needsRoot };
};

/** uid/gid/caps of an object, falling back to the inherited ones for the keys it does not set. */
const credsOf = (o: Obj, inherited: Creds | undefined, bad: (m: string) => never): Creds | undefined => {
  if (o.uid === undefined && o.gid === undefined && o.caps === undefined) return undefined;
  const uid = o.uid ?? inherited?.uid ?? 0;
  if (!isInt(uid) || uid < 0 || uid >= 2 ** 32 - 1) return bad("'uid' must be an integer in 0..4294967294");
  const gid = o.gid ?? (o.uid !== undefined ? uid : (inherited?.gid ?? 0));
  if (!isInt(gid) || gid < 0 || gid >= 2 ** 32 - 1) return bad("'gid' must be an integer in 0..4294967294");
  let caps = inherited?.caps;
  if (o.caps !== undefined) {
    if (!Array.isArray(o.caps)) return bad("'caps' must be a list of capability names");
    caps = o.caps.map((c: Json) => {
      const n = typeof c === "string" ? (CAPABILITIES as Record<string, number>)[c] : undefined;
      if (n === undefined) return bad(`unknown capability ${JSON.stringify(c)}`);
      return n;
    });
  } else if (o.uid !== undefined) {
    // without a caps list, root keeps every capability and any other uid none (as after setresuid)
    caps = uid === 0 ? undefined : [];
  }
  return { uid, gid, caps };
};
