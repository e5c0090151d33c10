// `nlsim decode` without --json: an annotated dump that reads like a lesson in the wire format.
import {
  attrString,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OPS,
  CTRL_ATTR_VERSION,
  CTRL_CMD_NAMES,
  errnoName,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NETLINK_PROTOCOL_NAMES,
  NETLINK_ROUTE,
  NLA_HDRLEN,
  NLM_F_ACK_NAMES,
  NLM_F_CAPPED,
  NLM_F_COMMON_NAMES,
  NLM_F_DELETE_NAMES,
  NLM_F_DUMP,
  NLM_F_GET_NAMES,
  NLM_F_NEW_NAMES,
  NLM_F_REQUEST,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  NLMSG_TYPE_NAMES,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
  NLMSGERR_SIZE,
  type NlAttr,
  type NlAttrNode,
  type NlMsg,
  type NlMsgHdr,
  parseAttrTree,
  parseGenlmsghdr,
  parseNlmsgerr,
  toHex,
} from "../../kernel-model/uapi/index.js";
import { rtmTypeName, rtnetlinkLines } from "./rtnl-text.js";

/** What the dump knows about the protocol the bytes were captured on. */
export type ProtoHint = { readonly protocol: number | undefined };

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  ESRCH: "No such process",
  EINTR: "Interrupted system call",
  EAGAIN: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  ENODEV: "No such device",
  EINVAL: "Invalid argument",
  ERANGE: "Numerical result out of range",
  ENODATA: "No data available",
  EMSGSIZE: "Message too long",
  ENOPROTOOPT: "Protocol not available",
  EPROTONOSUPPORT: "Protocol not supported",
  EOPNOTSUPP: "Operation not supported",
  EADDRINUSE: "Address already in use",
  ENOBUFS: "No buffer space available",
  ECONNREFUSED: "Connection refused",
};

const hex16 = (n: number): string => `0x${n.toString(16).padStart(4, "0")}`;

/** The 0x100..0x800 bits mean different things for GET, NEW and DELETE requests and for ACKs. */
type FlagContext = "get" | "new" | "delete" | "ack" | "unknown";

const flagContext = (m: NlMsgHdr, hint: ProtoHint): FlagContext => {
  if (m.type === NLMSG_ERROR) return "ack";
  if (hint.protocol === NETLINK_ROUTE && m.type >= NLMSG_MIN_TYPE) {
    // rtnetlink types come in fours: NEW, DEL, GET, SET
    return (["new", "delete", "get", "new"] as const)[m.type % 4]!;
  }
  if (m.flags & NLM_F_REQUEST && (m.flags & NLM_F_DUMP) === NLM_F_DUMP) return "get";
  return "unknown";
};

export const flagNames = (flags: number, ctx: FlagContext): string => {
  const names: string[] = [];
  let rest = flags;
  const take = (table: ReadonlyArray<readonly [number, string]>): void => {
    for (const [bit, name] of table) {
      if (rest & bit) {
        names.push(name);
        rest &= ~bit;
      }
    }
  };
  take(NLM_F_COMMON_NAMES);
  if (ctx === "get" && (rest & NLM_F_DUMP) === NLM_F_DUMP) {
    names.push("NLM_F_DUMP");
    rest &= ~NLM_F_DUMP;
  }
  if (ctx === "get") take(NLM_F_GET_NAMES);
  else if (ctx === "new") take(NLM_F_NEW_NAMES);
  else if (ctx === "delete") take(NLM_F_DELETE_NAMES);
  else if (ctx === "ack") take(NLM_F_ACK_NAMES);
  else {
    // without knowing the request kind, say what each high bit could be
    const ambiguous: Array<readonly [number, string]> = [
      [0x100, "NLM_F_ROOT/REPLACE/CAPPED"],
      [0x200, "NLM_F_MATCH/EXCL/ACK_TLVS"],
      [0x400, "NLM_F_ATOMIC/CREATE"],
      [0x800, "NLM_F_APPEND"],
    ];
    take(ambiguous);
  }
  if (rest !== 0) names.push(hex16(rest));
  return names.length === 0 ? "none" : names.join("|");
};

const typeName = (type: number, hint: ProtoHint): string => {
  const ctl = NLMSG_TYPE_NAMES[type];
  if (ctl !== undefined) return ctl;
  if (type < NLMSG_MIN_TYPE) return "reserved control type";
  if (hint.protocol === NETLINK_GENERIC)
    return type === GENL_ID_CTRL ? "GENL_ID_CTRL (nlctrl)" : "generic netlink family id";
  if (hint.protocol === NETLINK_ROUTE) return rtmTypeName(type) ?? "not an rtnetlink type";
  return "protocol-specific";
};

const hexLines = (b: Uint8Array, indent: string, startOffset: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < b.length; i += 16) {
    const chunk = b.subarray(i, i + 16);
    const bytes = Array.from(chunk, (x) => x.toString(16).padStart(2, "0")).join(" ");
    const ascii = Array.from(chunk, (x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : ".")).join("");
    out.push(`${indent}${String(startOffset + i).padStart(5)}: ${bytes.padEnd(47)}  ${ascii}`);
  }
  return out;
};

const headerLines = (h: NlMsgHdr, indent: string, ctx: FlagContext, hint: ProtoHint): string[] => [
  `${indent}nlmsg_len    ${h.len}`,
  `${indent}nlmsg_type   ${h.type} (${typeName(h.type, hint)})`,
  `${indent}nlmsg_flags  ${hex16(h.flags)} (${flagNames(h.flags, ctx)})`,
  `${indent}nlmsg_seq    ${h.seq}`,
  `${indent}nlmsg_pid    ${h.pid}${h.pid === 0 ? " (the kernel, or an unbound socket)" : ""}`,
];

const u32 = (a: NlAttr): string =>
  a.data.length === 4
    ? String((a.data[0]! | (a.data[1]! << 8) | (a.data[2]! << 16) | (a.data[3]! << 24)) >>> 0)
    : `0x${toHex(a.data)}`;

const genericValue = (a: NlAttr): string => {
  const d = a.data;
  if (d.length === 0) return "(empty: a flag)";
  const printable = d.length > 1 && d[d.length - 1] === 0 && d.subarray(0, -1).every((x) => x >= 0x20 && x < 0x7f);
  if (printable) return `"${attrString(a)}"`;
  if (d.length === 1) return `u8 ${d[0]}`;
  if (d.length === 2) return `u16 ${d[0]! | (d[1]! << 8)}`;
  if (d.length === 4) return `u32 ${u32(a)} (0x${toHex(d)})`;
  return `${d.length} bytes: ${toHex(d)}`;
};

/** Names for the nlctrl family's attributes, by nesting path. */
const ctrlName = (path: ReadonlyArray<number>, type: number): string | undefined => {
  if (path.length === 0) {
    return (
      {
        [CTRL_ATTR_FAMILY_ID]: "CTRL_ATTR_FAMILY_ID",
        [CTRL_ATTR_FAMILY_NAME]: "CTRL_ATTR_FAMILY_NAME",
        [CTRL_ATTR_VERSION]: "CTRL_ATTR_VERSION",
        [CTRL_ATTR_HDRSIZE]: "CTRL_ATTR_HDRSIZE",
        [CTRL_ATTR_MAXATTR]: "CTRL_ATTR_MAXATTR",
        [CTRL_ATTR_OPS]: "CTRL_ATTR_OPS",
        [CTRL_ATTR_MCAST_GROUPS]: "CTRL_ATTR_MCAST_GROUPS",
      } as Record<number, string>
    )[type];
  }
  if (path.length === 1) return path[0] === CTRL_ATTR_OPS ? `op #${type}` : `group #${type}`;
  if (path[0] === CTRL_ATTR_OPS)
    return type === CTRL_ATTR_OP_ID
      ? "CTRL_ATTR_OP_ID"
      : type === CTRL_ATTR_OP_FLAGS
        ? "CTRL_ATTR_OP_FLAGS"
        : undefined;
  return type === CTRL_ATTR_MCAST_GRP_ID
    ? "CTRL_ATTR_MCAST_GRP_ID"
    : type === CTRL_ATTR_MCAST_GRP_NAME
      ? "CTRL_ATTR_MCAST_GRP_NAME"
      : undefined;
};

const ctrlValue = (path: ReadonlyArray<number>, a: NlAttr): string => {
  if (path.length === 0 && a.type === CTRL_ATTR_FAMILY_ID && a.data.length === 2)
    return `u16 ${a.data[0]! | (a.data[1]! << 8)}`;
  if (path.length === 0 && a.type === CTRL_ATTR_FAMILY_NAME) return `"${attrString(a)}"`;
  if (path.length === 2 && path[0] === CTRL_ATTR_MCAST_GROUPS && a.type === CTRL_ATTR_MCAST_GRP_NAME)
    return `"${attrString(a)}"`;
  if (a.data.length === 4) return `u32 ${u32(a)}`;
  return genericValue(a);
};

type Namer = (path: ReadonlyArray<number>, type: number) => string | undefined;

const attrLines = (
  nodes: ReadonlyArray<NlAttrNode>,
  indent: string,
  path: number[],
  namer: Namer | undefined,
  value: (path: ReadonlyArray<number>, a: NlAttr) => string,
): string[] => {
  const out: string[] = [];
  for (const a of nodes) {
    const name = namer?.(path, a.type);
    const flags = [a.nested ? "NLA_F_NESTED" : "", a.netByteOrder ? "NLA_F_NET_BYTEORDER" : ""]
      .filter(Boolean)
      .join("|");
    const label = `${name ?? `attr type ${a.type}`}${name !== undefined ? ` (${a.type})` : ""}${flags ? ` [${flags}]` : ""}`;
    const head = `${indent}@${a.offset} nla_len ${a.data.length + NLA_HDRLEN} ${label}`;
    if (a.children !== undefined) {
      out.push(`${head}: nest of ${a.children.length}`);
      out.push(...attrLines(a.children, `${indent}  `, [...path, a.type], namer, value));
    } else {
      out.push(`${head}: ${value(path, a)}`);
    }
  }
  return out;
};

const errorLines = (m: NlMsg, indent: string, hint: ProtoHint): string[] => {
  const e = parseNlmsgerr(m);
  const name = errnoName(e.error);
  const what =
    e.error === 0
      ? "0 (success: this is an ACK)"
      : `${e.error} (${name ?? "unknown errno"}${name !== undefined && ERRNO_TEXT[name] ? `: ${ERRNO_TEXT[name]}` : ""})`;
  const out = [
    `${indent}struct nlmsgerr`,
    `${indent}  error        ${what}`,
    `${indent}  msg          the request's header, echoed:`,
  ];
  out.push(...headerLines(e.req, `${indent}    `, flagContext(e.req, hint), hint));
  if (m.flags & NLM_F_CAPPED) out.push(`${indent}  request payload left out (NLM_F_CAPPED)`);
  else if (e.reqPayload !== undefined) {
    out.push(`${indent}  request payload, echoed (${e.reqPayload.length} bytes):`);
    out.push(...hexLines(e.reqPayload, `${indent}    `, NLMSG_HDRLEN + NLMSGERR_SIZE));
  }
  if (e.tlvs !== undefined) {
    out.push(`${indent}  extended ACK (NLM_F_ACK_TLVS):`);
    for (const t of e.tlvs) {
      switch (t.type) {
        case NLMSGERR_ATTR_MSG:
          out.push(`${indent}    NLMSGERR_ATTR_MSG       "${attrString(t)}"`);
          break;
        case NLMSGERR_ATTR_OFFS:
          out.push(`${indent}    NLMSGERR_ATTR_OFFS      ${u32(t)} (byte offset of the bad attribute in the request)`);
          break;
        case NLMSGERR_ATTR_COOKIE:
          out.push(`${indent}    NLMSGERR_ATTR_COOKIE    ${toHex(t.data)}`);
          break;
        case NLMSGERR_ATTR_POLICY:
          out.push(`${indent}    NLMSGERR_ATTR_POLICY    ${toHex(t.data)} (the policy the attribute failed)`);
          break;
        case NLMSGERR_ATTR_MISS_TYPE:
          out.push(`${indent}    NLMSGERR_ATTR_MISS_TYPE ${u32(t)} (a required attribute is missing)`);
          break;
        case NLMSGERR_ATTR_MISS_NEST:
          out.push(`${indent}    NLMSGERR_ATTR_MISS_NEST ${u32(t)} (offset of the nest it is missing from)`);
          break;
        default:
          out.push(`${indent}    TLV type ${t.type}          ${toHex(t.data)}`);
      }
    }
  }
  if (e.tail.length > 0) {
    out.push(`${indent}  ${e.tail.length} bytes left over:`);
    out.push(...hexLines(e.tail, `${indent}    `, m.len - e.tail.length));
  }
  return out;
};

const genericLines = (m: NlMsg, indent: string): string[] => {
  const g = parseGenlmsghdr(m.payload);
  const isCtrl = m.type === GENL_ID_CTRL;
  const cmd = isCtrl ? (CTRL_CMD_NAMES[g.cmd] ?? "unknown nlctrl command") : "family-specific";
  const out = [
    `${indent}struct genlmsghdr`,
    `${indent}  cmd          ${g.cmd} (${cmd})`,
    `${indent}  version      ${g.version}`,
  ];
  if (g.reserved !== 0) out.push(`${indent}  reserved     ${g.reserved} (should be 0)`);
  const attrs = m.payload.subarray(GENL_HDRLEN);
  if (attrs.length === 0) return out;
  const base = NLMSG_HDRLEN + GENL_HDRLEN;
  // nlctrl nests OPS and MCAST_GROUPS two levels deep without NLA_F_NESTED on every level
  const nests = isCtrl
    ? (type: number, depth: number, path: ReadonlyArray<number>) =>
        (depth === 0 && (type === CTRL_ATTR_OPS || type === CTRL_ATTR_MCAST_GROUPS)) ||
        (depth === 1 && (path[0] === CTRL_ATTR_OPS || path[0] === CTRL_ATTR_MCAST_GROUPS))
    : undefined;
  const tree = parseAttrTree(attrs, base, nests);
  out.push(`${indent}attributes (offsets from the message start):`);
  out.push(
    ...attrLines(
      tree,
      `${indent}  `,
      [],
      isCtrl ? ctrlName : undefined,
      isCtrl ? ctrlValue : (_p, a) => genericValue(a),
    ),
  );
  return out;
};

/** The annotated dump of a datagram's messages. */
export const messagesToText = (msgs: ReadonlyArray<NlMsg>, hint: ProtoHint): string => {
  const lines: string[] = [];
  const proto =
    hint.protocol === undefined ? "" : ` on ${NETLINK_PROTOCOL_NAMES[hint.protocol] ?? `protocol ${hint.protocol}`}`;
  lines.push(`${msgs.length} message${msgs.length === 1 ? "" : "s"}${proto}`);
  let off = 0;
  msgs.forEach((m, i) => {
    lines.push("");
    lines.push(`message ${i + 1} at byte ${off}: ${m.len} bytes (16-byte header + ${m.payload.length} payload)`);
    lines.push(...headerLines(m, "  ", flagContext(m, hint), hint));
    if (m.type === NLMSG_ERROR && m.payload.length >= NLMSGERR_SIZE) {
      lines.push(...errorLines(m, "  ", hint));
    } else if (m.type === NLMSG_DONE && m.payload.length >= 4) {
      const status = m.payload[0]! | (m.payload[1]! << 8) | (m.payload[2]! << 16) | (m.payload[3]! << 24);
      lines.push(
        `  NLMSG_DONE status ${status}${status < 0 ? ` (${errnoName(status) ?? "errno"})` : " (end of dump)"}`,
      );
    } else if (hint.protocol === NETLINK_GENERIC && m.type >= NLMSG_MIN_TYPE && m.payload.length >= GENL_HDRLEN) {
      lines.push(...genericLines(m, "  "));
    } else if (hint.protocol === NETLINK_ROUTE && rtnetlinkLines(m, "  ") !== undefined) {
      lines.push(...rtnetlinkLines(m, "  ")!);
    } else if (m.payload.length > 0) {
      lines.push(`  payload (${m.payload.length} bytes):`);
      lines.push(...hexLines(m.payload, "    ", off + NLMSG_HDRLEN));
    }
    off += (m.len + 3) & ~3;
  });
  return `${lines.join("\n")}\n`;
};
