// Random valid scenarios (the scenario format of transport/conformance/*.json) for differential
// fuzzing: socket calls, options and messages to user sockets and to the kernel's ROUTE and
// GENERIC families. Requests to the kernel are reads (GET, dumps, unknown or malformed types) or
// rtnetlink changes the kernel refuses (so the namespace stays as it was):
// nothing a scenario sends changes the namespace, so a kernel can run many in a row.
import { SeededPrng } from "../../sim/prng.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Step = { [k: string]: Json };
export interface GenScenario {
  name: string;
  protocol: number;
  steps: Step[];
}

export const PROTOCOLS: Readonly<Record<string, number>> = { usersock: 2, route: 0, generic: 16 };

const hex = (rnd: SeededPrng, n: number): string => {
  let s = "";
  for (let i = 0; i < n; i++) s += (rnd.nextU32() & 0xff).toString(16).padStart(2, "0");
  return s;
};
const pickOf = <T>(rnd: SeededPrng, xs: ReadonlyArray<T>): T => xs[rnd.nextInt(xs.length)]!;

const le32 = (v: number): string => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
};
/** struct ifinfomsg with this ifindex, flags and change */
const ifinfo = (index: number, flags = 0, change = 0): string => `00000000${le32(index)}${le32(flags)}${le32(change)}`;
/** struct ifaddrmsg (AF_INET) */
const ifaddr = (prefixlen: number, index: number): string =>
  `02${prefixlen.toString(16).padStart(2, "0")}0000${le32(index)}`;
/** struct rtmsg (AF_INET, main, boot, universe, unicast) with this prefix length and tos */
const rtmsgHex = (dst_len: number, tos = 0, table = 254): string =>
  `02${dst_len.toString(16).padStart(2, "0")}00${tos.toString(16).padStart(2, "0")}${table.toString(16).padStart(2, "0")}03000100000000`;
const IFNAME_NOSUCH = { type: 3, hex: "6e6f737563683000" }; // "nosuch0"
const IFA_LOCAL_10_9_9_9 = { type: 2, hex: "0a090909" };

/**
 * A change request to rtnetlink that the kernel refuses whatever the flags (so the namespace stays
 * as it was for the next scenario): links, addresses and routes that do not exist or cannot
 * (ENODEV, EOPNOTSUPP, EINVAL with the kernel's extack, EADDRNOTAVAIL, ESRCH, ENETUNREACH).
 */
const changeRequest = (rnd: SeededPrng, flags: number, seq: number, self: string): Step => {
  const templates: ReadonlyArray<() => { type: number; payload: string; attrs?: Json[] }> = [
    () => ({ type: 16, payload: ifinfo(9, 1, 1) }), // NEWLINK: no device 9
    () => ({ type: 16, payload: ifinfo(-1) }), // negative ifindex
    () => ({ type: 16, payload: ifinfo(0), attrs: [IFNAME_NOSUCH] }), // ENODEV, or "Unknown device type"
    () => ({ type: 17, payload: ifinfo(1) }), // DELLINK lo: EOPNOTSUPP
    () => ({ type: 17, payload: ifinfo(0) }), // DELLINK of nothing: EINVAL
    () => ({ type: 17, payload: ifinfo(0), attrs: [IFNAME_NOSUCH] }),
    () => ({ type: 19, payload: ifinfo(42, 1, 1) }), // SETLINK: ENODEV
    () => ({ type: 19, payload: ifinfo(0) }), // SETLINK of nothing: EINVAL
    () => ({ type: 20, payload: ifaddr(24, 9), attrs: [IFA_LOCAL_10_9_9_9] }), // "ipv4: Device not found"
    () => ({ type: 20, payload: ifaddr(33, 1), attrs: [IFA_LOCAL_10_9_9_9] }), // "ipv4: Invalid prefix length"
    () => ({ type: 20, payload: ifaddr(24, 1) }), // "ipv4: Local address is not supplied"
    () => ({ type: 21, payload: ifaddr(24, 1), attrs: [IFA_LOCAL_10_9_9_9] }), // "ipv4: Address not found"
    () => ({ type: 21, payload: ifaddr(24, 9) }),
    () => ({ type: 24, payload: rtmsgHex(33), attrs: [{ type: 1, hex: "0a000000" }] }), // "Invalid prefix length"
    () => ({ type: 24, payload: rtmsgHex(8), attrs: [{ type: 1, hex: "0a000001" }] }), // host bits set
    () => ({ type: 24, payload: rtmsgHex(24, 1), attrs: [{ type: 1, hex: "0a000000" }] }), // ECN bits in the tos
    () => ({
      type: 24,
      payload: rtmsgHex(24),
      attrs: [
        { type: 1, hex: "0a000000" },
        { type: 5, hex: "0a050505" },
      ],
    }), // no route to the gateway
    () => ({
      type: 24,
      payload: rtmsgHex(24),
      attrs: [
        { type: 1, hex: "0a000000" },
        { type: 4, hex: le32(9) },
      ],
    }), // ENODEV
    () => ({ type: 25, payload: rtmsgHex(24, 0, 77), attrs: [{ type: 1, hex: "0a000000" }] }), // "FIB table does not exist"
    () => ({ type: 25, payload: rtmsgHex(24), attrs: [{ type: 1, hex: "0a000000" }] }),
    () => ({ type: pickOf(rnd, [16, 17, 19, 20, 21, 24, 25]), payload: pickOf(rnd, ["", "00", "0200"]) }), // short headers
  ];
  const t = pickOf(rnd, templates)();
  const msg: Step = { type: t.type, flags, seq, pid: self, payload: t.payload };
  if (t.attrs !== undefined) msg.attrs = t.attrs;
  return msg;
};

/** A message to the kernel of `protocol` (rtnetlink GETs, nlctrl GETFAMILY, odd types and lengths). */
const kernelMsg = (rnd: SeededPrng, protocol: number, seq: number, self: string): Step => {
  const flags = pickOf(rnd, [1, 5, 0x301, 0x305, 0, 4, 0x101]);
  if (protocol === 0 && rnd.chance(0.3)) return changeRequest(rnd, flags, seq, self);
  if (protocol === 0) {
    // GET requests (18 link, 22 addr, 26 route, 30 neigh, 34 rule), control types, out of range
    const type = pickOf(rnd, [18, 18, 22, 26, 30, 34, 2, 3, 1, 15, 0x7fff]);
    // rtgenmsg / ifinfomsg / ifaddrmsg-sized payloads, sometimes short
    const payload = pickOf(rnd, ["", "00", "00000000", "00000000000000000000000000000000", "0a000000", "02000000"]);
    const msg: Step = { type, flags, seq, pid: self, payload };
    if (rnd.chance(0.15)) msg.len = pickOf(rnd, [15, 16, 17, 24, 4096]);
    return msg;
  }
  if (protocol === 16) {
    const cmd = pickOf(rnd, [3, 3, 3, 1, 0, 10]);
    const attrs: Json[] = [];
    const k = rnd.nextInt(5);
    if (k === 0)
      attrs.push({ type: 2, hex: "6e6c6374726c00" }); // "nlctrl"
    else if (k === 1) attrs.push({ type: 1, hex: pickOf(rnd, ["1000", "ff0f", "0000"]) });
    else if (k === 2)
      attrs.push({ type: 2, hex: "6e6f7375636800" }); // "nosuch"
    else if (k === 3) attrs.push({ type: pickOf(rnd, [1, 2, 9, 0]), hex: hex(rnd, rnd.nextInt(6)) });
    const msg: Step = {
      type: pickOf(rnd, [16, 16, 16, 17, 0x20, 2]),
      flags,
      seq,
      pid: self,
      payload: `${cmd.toString(16).padStart(2, "0")}010000`,
    };
    if (attrs.length > 0) msg.attrs = attrs;
    if (rnd.chance(0.1)) msg.len = pickOf(rnd, [16, 19, 20, 4096]);
    return msg;
  }
  return {
    type: pickOf(rnd, [16, 17, 3, 2]),
    flags: pickOf(rnd, [0, 1, 5]),
    seq,
    pid: self,
    payload: hex(rnd, rnd.nextInt(24)),
  };
};

/** What a generated scenario's steps may refer to: the open sockets and every socket ever made. */
interface GenState {
  readonly rnd: SeededPrng;
  readonly proto: number;
  readonly everMade: string[];
  seq: number;
}

const SETSOCKOPTS = [
  ["SOL_SOCKET", "SO_RCVBUF", [0, 1, 256, 1024, 2304, 4096, 65536]],
  ["SOL_SOCKET", "SO_SNDBUF", [0, 1024, 4096, 65536]],
  ["SOL_SOCKET", "SO_PASSCRED", [0, 1]],
  ["SOL_NETLINK", "NETLINK_ADD_MEMBERSHIP", [0, 1, 2, 31, 32, 33]],
  ["SOL_NETLINK", "NETLINK_DROP_MEMBERSHIP", [1, 2, 33]],
  ["SOL_NETLINK", "NETLINK_PKTINFO", [0, 1]],
  ["SOL_NETLINK", "NETLINK_CAP_ACK", [0, 1]],
  ["SOL_NETLINK", "NETLINK_EXT_ACK", [0, 1]],
  ["SOL_NETLINK", "NETLINK_NO_ENOBUFS", [0, 1]],
  ["SOL_NETLINK", "NETLINK_BROADCAST_ERROR", [0, 1]],
  ["SOL_NETLINK", "NETLINK_GET_STRICT_CHK", [0, 1]],
] as const;

const GETSOCKOPTS = [
  ["SOL_SOCKET", "SO_RCVBUF"],
  ["SOL_SOCKET", "SO_ERROR"],
  ["SOL_SOCKET", "SO_PROTOCOL"],
  ["SOL_SOCKET", "SO_TYPE"],
  ["SOL_NETLINK", "NETLINK_PKTINFO"],
  ["SOL_NETLINK", "NETLINK_CAP_ACK"],
  ["SOL_NETLINK", "NETLINK_NO_ENOBUFS"],
  ["SOL_NETLINK", "NETLINK_LIST_MEMBERSHIPS"],
] as const;

const bindStep = ({ rnd }: GenState, sock: string): Step => {
  const pid: Json = rnd.chance(0.6) ? 0 : pickOf(rnd, [4242, 4243, 1, 0x7fffffff]);
  const groups = rnd.chance(0.6) ? 0 : pickOf(rnd, [1, 2, 3, 0x80000000, 0xffffffff]);
  return { do: "bind", sock, pid, groups };
};

const connectStep = ({ rnd, everMade }: GenState, sock: string): Step => {
  if (rnd.chance(0.2)) return { do: "connect", sock, unspec: true };
  const other = pickOf(rnd, everMade);
  return { do: "connect", sock, pid: rnd.chance(0.5) ? `@${other}` : 0, groups: rnd.chance(0.8) ? 0 : 1 };
};

const setsockoptStep = ({ rnd }: GenState, sock: string): Step => {
  const [level, name, values] = pickOf(rnd, SETSOCKOPTS);
  const step: Step = { do: "setsockopt", sock, level, name, value: pickOf(rnd, values) };
  if (rnd.chance(0.1)) step.size = pickOf(rnd, [0, 1, 2, 8]);
  return step;
};

const getsockoptStep = ({ rnd }: GenState, sock: string): Step => {
  const [level, name] = pickOf(rnd, GETSOCKOPTS);
  const step: Step = { do: "getsockopt", sock, level, name };
  if (rnd.chance(0.2)) step.size = pickOf(rnd, [0, 2, 8]);
  return step;
};

const sendStep = (g: GenState, sock: string): Step => {
  const { rnd, proto } = g;
  const toKernel = proto !== 2 && rnd.chance(0.8);
  const self = `@${sock}`;
  const repeat = rnd.chance(0.15) ? 2 + rnd.nextInt(6) : 1;
  const msg = toKernel ? kernelMsg(rnd, proto, g.seq++, self) : kernelMsg(rnd, 2, g.seq++, self);
  // on ROUTE/GENERIC a user-to-user message may still reach the kernel (port 0, a group send,
  // no address): without NLM_F_REQUEST the family skips it, so nothing changes the namespace
  if (!toKernel && proto !== 2) msg.flags = 0;
  const step: Step = { do: "sendto", sock, msg, flags: ["MSG_DONTWAIT"] };
  if (toKernel) step.to = { pid: 0, groups: 0 };
  else if (rnd.chance(0.85)) {
    const other = pickOf(rnd, g.everMade);
    step.to = rnd.chance(0.3) ? { pid: 0, groups: pickOf(rnd, [1, 2]) } : { pid: `@${other}`, groups: 0 };
  }
  if (repeat > 1) step.repeat = repeat;
  return step;
};

const recvStep = ({ rnd }: GenState, sock: string): Step => {
  const flags: Json[] = ["MSG_DONTWAIT"];
  if (rnd.chance(0.1)) flags.push("MSG_PEEK");
  if (rnd.chance(0.1)) flags.push("MSG_TRUNC");
  const step: Step = { do: "recv", sock, size: pickOf(rnd, [4096, 4096, 16384, 16, 20, 0, 100]), flags };
  if (rnd.chance(0.2)) step.repeat = 2 + rnd.nextInt(3);
  return step;
};

/** Scenario `index` of a fuzz run with `seed`, for `protocol` (a number) or a mix when undefined. */
export const generateScenario = (seed: number, index: number, protocol?: number): GenScenario => {
  const rnd = new SeededPrng(seed * 1_000_003 + index);
  const g: GenState = { rnd, proto: protocol ?? pickOf(rnd, [2, 2, 0, 16]), everMade: [], seq: 1 };
  const steps: Step[] = [];
  const open: string[] = [];
  const n = 4 + rnd.nextInt(14);
  const newSocket = (): void => {
    const as = `s${g.everMade.length}`;
    const step: Step = { do: "socket", as };
    if (rnd.chance(0.15)) step.type = pickOf(rnd, ["SOCK_DGRAM", "SOCK_RAW"]);
    steps.push(step);
    open.push(as);
    g.everMade.push(as);
  };
  newSocket();
  for (let i = 0; i < n; i++) {
    const k = rnd.nextInt(100);
    if ((k < 8 && open.length < 4) || open.length === 0) {
      newSocket();
      continue;
    }
    const sock = pickOf(rnd, open);
    if (k < 20) steps.push(bindStep(g, sock));
    else if (k < 26) steps.push(connectStep(g, sock));
    else if (k < 36) steps.push(setsockoptStep(g, sock));
    else if (k < 42) steps.push(getsockoptStep(g, sock));
    else if (k < 66) steps.push(sendStep(g, sock));
    else if (k < 90) steps.push(recvStep(g, sock));
    else if (k < 94) steps.push({ do: rnd.chance(0.7) ? "getsockname" : "getpeername", sock });
    else if (k < 97) {
      steps.push({ do: "close", sock });
      open.splice(open.indexOf(sock), 1);
    } else steps.push({ do: "proc" });
  }
  if (rnd.chance(0.5)) steps.push({ do: "proc" });
  return { name: `fuzz-${seed}-${index}`, protocol: g.proto, steps };
};
