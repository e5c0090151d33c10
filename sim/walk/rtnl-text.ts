// `nlsim decode --proto route` and the walk: an rtnetlink message as its fixed header (ifinfomsg,
// ifaddrmsg, rtmsg decoded field by field; the others as hex) and its attributes, named for links
// (IFLA_*), addresses (IFA_*) and routes (RTA_*), with addresses printed as addresses.
import {
  AF_INET,
  attrString,
  NLMSG_HDRLEN,
  NLMSG_MIN_TYPE,
  type NlAttr,
  type NlAttrNode,
  type NlMsg,
  parseAttrTree,
  toHex,
} from "../../kernel-model/uapi/index.js";

/** The message families, by (type − 16) >> 2, and the size of their fixed header (NLMSG_ALIGNed). */
const RTM_FAMILIES: ReadonlyArray<readonly [string, string, number] | undefined> = [
  ["LINK", "ifinfomsg", 16],
  ["ADDR", "ifaddrmsg", 8],
  ["ROUTE", "rtmsg", 12],
  ["NEIGH", "ndmsg", 12],
  ["RULE", "fib_rule_hdr", 12],
  ["QDISC", "tcmsg", 20],
  ["TCLASS", "tcmsg", 20],
  ["TFILTER", "tcmsg", 20],
  ["ACTION", "tcamsg", 4],
  ["PREFIX", "prefixmsg", 12],
  ["MULTICAST", "ifaddrmsg", 8],
  ["ANYCAST", "ifaddrmsg", 8],
  ["NEIGHTBL", "ndtmsg", 4],
  ["NDUSEROPT", "nduseroptmsg", 16],
  ["ADDRLABEL", "ifaddrlblmsg", 12],
  ["DCB", "dcbmsg", 4],
  ["NETCONF", "netconfmsg", 4],
  ["MDB", "br_port_msg", 8],
  ["NSID", "rtgenmsg", 4],
  ["STATS", "if_stats_msg", 12],
  undefined,
  ["CHAIN", "tcmsg", 20],
  ["NEXTHOP", "nhmsg", 8],
  ["LINKPROP", "ifinfomsg", 16],
  ["VLAN", "br_vlan_msg", 8],
  ["NEXTHOPBUCKET", "nhmsg", 8],
  ["TUNNEL", "tunnel_msg", 8],
];
const VERBS = ["NEW", "DEL", "GET", "SET"] as const;

/** The size of an rtnetlink message's fixed header (NLMSG_ALIGNed), or undefined for a type without a family. */
export const rtmHeaderSize = (type: number): number | undefined =>
  type < NLMSG_MIN_TYPE ? undefined : RTM_FAMILIES[(type - NLMSG_MIN_TYPE) >> 2]?.[2];

/** "RTM_NEWLINK", or undefined for a type rtnetlink does not define. */
export const rtmTypeName = (type: number): string | undefined => {
  if (type < NLMSG_MIN_TYPE) return undefined;
  const f = RTM_FAMILIES[(type - NLMSG_MIN_TYPE) >> 2];
  if (f === undefined) return undefined;
  const verb = VERBS[(type - NLMSG_MIN_TYPE) & 3]!;
  // rtnetlink.h defines SET only for links and DCB (RTM_SETLINK, RTM_SETDCB), and GET/SET pairs for a few others
  if (verb === "SET" && f[0] !== "LINK" && f[0] !== "DCB" && f[0] !== "NEIGHTBL" && f[0] !== "STATS") return undefined;
  return `RTM_${verb}${f[0]}`;
};

const IFLA = [
  "",
  "IFLA_ADDRESS",
  "IFLA_BROADCAST",
  "IFLA_IFNAME",
  "IFLA_MTU",
  "IFLA_LINK",
  "IFLA_QDISC",
  "IFLA_STATS",
  "IFLA_COST",
  "IFLA_PRIORITY",
  "IFLA_MASTER",
  "IFLA_WIRELESS",
  "IFLA_PROTINFO",
  "IFLA_TXQLEN",
  "IFLA_MAP",
  "IFLA_WEIGHT",
  "IFLA_OPERSTATE",
  "IFLA_LINKMODE",
  "IFLA_LINKINFO",
  "IFLA_NET_NS_PID",
  "IFLA_IFALIAS",
  "IFLA_NUM_VF",
  "IFLA_VFINFO_LIST",
  "IFLA_STATS64",
  "IFLA_VF_PORTS",
  "IFLA_PORT_SELF",
  "IFLA_AF_SPEC",
  "IFLA_GROUP",
  "IFLA_NET_NS_FD",
  "IFLA_EXT_MASK",
  "IFLA_PROMISCUITY",
  "IFLA_NUM_TX_QUEUES",
  "IFLA_NUM_RX_QUEUES",
  "IFLA_CARRIER",
  "IFLA_PHYS_PORT_ID",
  "IFLA_CARRIER_CHANGES",
  "IFLA_PHYS_SWITCH_ID",
  "IFLA_LINK_NETNSID",
  "IFLA_PHYS_PORT_NAME",
  "IFLA_PROTO_DOWN",
  "IFLA_GSO_MAX_SEGS",
  "IFLA_GSO_MAX_SIZE",
  "IFLA_PAD",
  "IFLA_XDP",
  "IFLA_EVENT",
  "IFLA_NEW_NETNSID",
  "IFLA_TARGET_NETNSID",
  "IFLA_CARRIER_UP_COUNT",
  "IFLA_CARRIER_DOWN_COUNT",
  "IFLA_NEW_IFINDEX",
  "IFLA_MIN_MTU",
  "IFLA_MAX_MTU",
  "IFLA_PROP_LIST",
  "IFLA_ALT_IFNAME",
  "IFLA_PERM_ADDRESS",
  "IFLA_PROTO_DOWN_REASON",
  "IFLA_PARENT_DEV_NAME",
  "IFLA_PARENT_DEV_BUS_NAME",
  "IFLA_GRO_MAX_SIZE",
  "IFLA_TSO_MAX_SIZE",
  "IFLA_TSO_MAX_SEGS",
  "IFLA_ALLMULTI",
  "IFLA_DEVLINK_PORT",
  "IFLA_GSO_IPV4_MAX_SIZE",
  "IFLA_GRO_IPV4_MAX_SIZE",
  "IFLA_DPLL_PIN",
  "IFLA_MAX_PACING_OFFLOAD_HORIZON",
  "IFLA_NETNS_IMMUTABLE",
  "IFLA_HEADROOM",
  "IFLA_TAILROOM",
];
const IFLA_INFO = [
  "",
  "IFLA_INFO_KIND",
  "IFLA_INFO_DATA",
  "IFLA_INFO_XSTATS",
  "IFLA_INFO_SLAVE_KIND",
  "IFLA_INFO_SLAVE_DATA",
];
const IFLA_INET = ["", "IFLA_INET_CONF"];
const IFLA_INET6 = [
  "",
  "IFLA_INET6_FLAGS",
  "IFLA_INET6_CONF",
  "IFLA_INET6_STATS",
  "IFLA_INET6_MCAST",
  "IFLA_INET6_CACHEINFO",
  "IFLA_INET6_ICMP6STATS",
  "IFLA_INET6_TOKEN",
  "IFLA_INET6_ADDR_GEN_MODE",
  "IFLA_INET6_RA_MTU",
];
const IFA = [
  "",
  "IFA_ADDRESS",
  "IFA_LOCAL",
  "IFA_LABEL",
  "IFA_BROADCAST",
  "IFA_ANYCAST",
  "IFA_CACHEINFO",
  "IFA_MULTICAST",
  "IFA_FLAGS",
  "IFA_RT_PRIORITY",
  "IFA_TARGET_NETNSID",
  "IFA_PROTO",
];
const RTA = [
  "",
  "RTA_DST",
  "RTA_SRC",
  "RTA_IIF",
  "RTA_OIF",
  "RTA_GATEWAY",
  "RTA_PRIORITY",
  "RTA_PREFSRC",
  "RTA_METRICS",
  "RTA_MULTIPATH",
  "RTA_PROTOINFO",
  "RTA_FLOW",
  "RTA_CACHEINFO",
  "RTA_SESSION",
  "RTA_MP_ALGO",
  "RTA_TABLE",
  "RTA_MARK",
  "RTA_MFC_STATS",
  "RTA_VIA",
  "RTA_NEWDST",
  "RTA_PREF",
  "RTA_ENCAP_TYPE",
  "RTA_ENCAP",
  "RTA_EXPIRES",
  "RTA_PAD",
  "RTA_UID",
  "RTA_TTL_PROPAGATE",
  "RTA_IP_PROTO",
  "RTA_SPORT",
  "RTA_DPORT",
  "RTA_NH_ID",
  "RTA_FLOWLABEL",
];
const IFLA_AF_SPEC = 26;
const IFLA_LINKINFO = 18;
const IFLA_PROTINFO = 12;
const IFLA_PROP_LIST = 52;
const AF_INET6 = 10;

type Kind = "LINK" | "ADDR" | "ROUTE" | "other";

/** The name of an attribute at `path` in a message of `kind`. */
const attrName = (kind: Kind, family: number, path: ReadonlyArray<number>, type: number): string | undefined => {
  const at = (names: ReadonlyArray<string>): string | undefined => names[type] || undefined;
  if (kind === "ADDR" && path.length === 0) return at(IFA);
  if (kind === "ROUTE" && path.length === 0) return at(RTA);
  if (kind !== "LINK") return undefined;
  if (path.length === 0) return at(IFLA);
  if (path[0] === IFLA_LINKINFO && path.length === 1) return at(IFLA_INFO);
  if (path[0] === IFLA_AF_SPEC && path.length === 1)
    return type === AF_INET ? "AF_INET" : type === AF_INET6 ? "AF_INET6" : undefined;
  if (path[0] === IFLA_AF_SPEC && path.length === 2)
    return path[1] === AF_INET ? at(IFLA_INET) : path[1] === AF_INET6 ? at(IFLA_INET6) : undefined;
  // an AF_INET6 RTM_NEWLINK carries IFLA_INET6_* in IFLA_PROTINFO
  if (path[0] === IFLA_PROTINFO && path.length === 1 && family === AF_INET6) return at(IFLA_INET6);
  return undefined;
};

/** The nests rtnetlink builds without NLA_F_NESTED. */
const isNest = (kind: Kind, family: number) => (type: number, depth: number, path: ReadonlyArray<number>) => {
  if (kind !== "LINK") return false;
  if (depth === 0)
    return (
      type === IFLA_AF_SPEC ||
      type === IFLA_LINKINFO ||
      type === IFLA_PROP_LIST ||
      (type === IFLA_PROTINFO && family === AF_INET6)
    );
  return depth === 1 && path[0] === IFLA_AF_SPEC;
};

const u32le = (d: Uint8Array, o: number): number =>
  (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
const s32le = (d: Uint8Array, o: number): number => u32le(d, o) | 0;

const ipv6 = (d: Uint8Array): string => {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((d[i]! << 8) | d[i + 1]!).toString(16));
  // the longest run of zero groups as "::"
  let best = -1;
  let len = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > len && j - i > 1) {
      best = i;
      len = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + len).join(":")}`;
};

/** Address attributes: IFA_ADDRESS/LOCAL/BROADCAST/ANYCAST/MULTICAST, RTA_DST/SRC/GATEWAY/PREFSRC. */
const isAddress = (kind: Kind, path: ReadonlyArray<number>, type: number): boolean =>
  path.length === 0 &&
  ((kind === "ADDR" && [1, 2, 4, 5, 7].includes(type)) || (kind === "ROUTE" && [1, 2, 5, 7].includes(type)));

const value = (kind: Kind, path: ReadonlyArray<number>, a: NlAttr): string => {
  const d = a.data;
  if (isAddress(kind, path, a.type)) {
    if (d.length === 4) return d.join(".");
    if (d.length === 16) return ipv6(d);
  }
  if (d.length === 0) return "(empty)";
  const printable = d.length > 1 && d[d.length - 1] === 0 && d.subarray(0, -1).every((x) => x >= 0x20 && x < 0x7f);
  if (printable) return `"${attrString(a)}"`;
  if (d.length === 1) return `u8 ${d[0]}`;
  if (d.length === 2) return `u16 ${d[0]! | (d[1]! << 8)}`;
  if (d.length === 4) return `u32 ${u32le(d, 0)}`;
  return d.length <= 16 ? toHex(d) : `${toHex(d.subarray(0, 16))}… (${d.length} bytes)`;
};

const attrLines = (
  nodes: ReadonlyArray<NlAttrNode>,
  indent: string,
  path: number[],
  kind: Kind,
  family: number,
): string[] => {
  const out: string[] = [];
  for (const a of nodes) {
    const name = attrName(kind, family, path, a.type);
    const label = name === undefined ? `attr type ${a.type}` : `${name} (${a.type})`;
    const head = `${indent}@${a.offset} nla_len ${a.data.length + 4} ${label}`;
    if (a.children !== undefined) {
      out.push(`${head}: nest of ${a.children.length}`);
      out.push(...attrLines(a.children, `${indent}  `, [...path, a.type], kind, family));
    } else out.push(`${head}: ${value(kind, path, a)}`);
  }
  return out;
};

/** The fixed header, field by field where the model knows the struct. */
const headerLines = (struct: string, h: Uint8Array, indent: string): string[] => {
  const f = (name: string, v: number | string): string => `${indent}  ${name.padEnd(12)} ${v}`;
  switch (struct) {
    case "ifinfomsg":
      return [
        `${indent}struct ifinfomsg`,
        f("ifi_family", h[0]!),
        f("ifi_type", h[2]! | (h[3]! << 8)),
        f("ifi_index", s32le(h, 4)),
        f("ifi_flags", `0x${u32le(h, 8).toString(16)}`),
        f("ifi_change", `0x${u32le(h, 12).toString(16)}`),
      ];
    case "ifaddrmsg":
      return [
        `${indent}struct ifaddrmsg`,
        f("ifa_family", h[0]!),
        f("ifa_prefixlen", h[1]!),
        f("ifa_flags", `0x${h[2]!.toString(16)}`),
        f("ifa_scope", h[3]!),
        f("ifa_index", u32le(h, 4)),
      ];
    case "rtmsg":
      return [
        `${indent}struct rtmsg`,
        f("rtm_family", h[0]!),
        f("rtm_dst_len", h[1]!),
        f("rtm_src_len", h[2]!),
        f("rtm_tos", h[3]!),
        f("rtm_table", h[4]!),
        f("rtm_protocol", h[5]!),
        f("rtm_scope", h[6]!),
        f("rtm_type", h[7]!),
        f("rtm_flags", `0x${u32le(h, 8).toString(16)}`),
      ];
    default:
      return [`${indent}struct ${struct} ${toHex(h)}`];
  }
};

/**
 * An rtnetlink message's payload as lines: the fixed header, then the attributes (offsets from the
 * message start). Undefined when the type is not rtnetlink's or the payload does not parse.
 */
export const rtnetlinkLines = (m: NlMsg, indent: string): string[] | undefined => {
  if (m.type < NLMSG_MIN_TYPE) return undefined;
  const fam = RTM_FAMILIES[(m.type - NLMSG_MIN_TYPE) >> 2];
  if (fam === undefined || m.payload.length < fam[2]) return undefined;
  const [what, struct, size] = fam;
  const kind: Kind = what === "LINK" || what === "ADDR" || what === "ROUTE" ? what : "other";
  // the multicast and anycast dumps use ifaddrmsg and IFA_* too
  const k: Kind = what === "MULTICAST" || what === "ANYCAST" ? "ADDR" : kind;
  const family = m.payload[0]!;
  let tree: NlAttrNode[];
  try {
    tree = parseAttrTree(m.payload.subarray(size), NLMSG_HDRLEN + size, isNest(k, family));
  } catch {
    return undefined;
  }
  const out = headerLines(struct, m.payload.subarray(0, size), indent);
  if (tree.length > 0) {
    out.push(`${indent}attributes (offsets from the message start):`);
    out.push(...attrLines(tree, `${indent}  `, [], k, family));
  }
  return out;
};
