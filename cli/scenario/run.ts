// Runs a validated scenario on a transport and prints its trace: one compact JSON line per
// executed call, exactly as shared/spec/scenario-format.md says, so a sim run and a kernel run
// of the same scenario can be compared byte for byte.
import {
  AF_UNSPEC,
  decodeSockFilters,
  encodeSockFilters,
  encodeTimeval,
  getS32,
  MSG_FLAG_NAMES,
  NETLINK_LIST_MEMBERSHIPS,
  type NlMsg,
  parseMessages,
  putU32,
  SO_GET_FILTER,
  SOCK_FPROG_SIZE,
  SOL_NETLINK,
  SOL_SOCKET,
  toHex,
} from "../../kernel-model/uapi/index.js";
import { type JsonValue, messageToJson } from "../format/json.js";
import { type Fd, isErrno, type ScenarioSocketApi } from "./api.js";
import { datagramBytes, sockaddrBytes } from "./build.js";
import type { OptValue, PortRef, Scenario, Step } from "./model.js";

interface SockState {
  readonly name: string;
  readonly order: number;
  readonly protocol: number;
  fd: Fd | undefined;
  open: boolean;
  /** last known port id (re-read after every call, kept after close) */
  portid: number;
  bound: boolean;
  /** bound with an explicit non-zero pid (then autobind is null) */
  explicit: boolean;
}

/** Options that getsockopt returns as bytes, never as an int. */
const BYTE_VALUED = new Set([`${SOL_NETLINK}:${NETLINK_LIST_MEMBERSHIPS}`]);

const msgFlagNames = (flags: number): string[] => MSG_FLAG_NAMES.filter(([bit]) => flags & bit).map(([, n]) => n);

const optBytes = (v: OptValue, size: number | undefined): Uint8Array => {
  let bytes: Uint8Array;
  if (v.kind === "int") {
    bytes = new Uint8Array(4);
    putU32(bytes, 0, v.value >>> 0);
  } else if (v.kind === "timeval") {
    bytes = encodeTimeval(v.sec, v.usec);
  } else if (v.kind === "fprog") {
    bytes = encodeSockFilters(v.insns);
  } else {
    bytes = v.bytes;
  }
  if (size === undefined || size === bytes.length) return bytes;
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, size));
  return out;
};

export const runScenario = async (scenario: Scenario, api: ScenarioSocketApi): Promise<string[]> => {
  const socks = new Map<string, SockState>();
  const all: SockState[] = [];
  const lines: string[] = [];

  const resolve = (ref: PortRef): number => ("literal" in ref ? ref.literal : (socks.get(ref.sock)?.portid ?? 0));

  /** Port-id normalisation: the socket that holds this id, as "@name", else the unsigned number. */
  const fmtPid =
    (callProto: number) =>
    (pid: number): JsonValue => {
      if (pid === 0) return 0;
      const u = pid >>> 0;
      let best: SockState | undefined;
      const key = (s: SockState): number[] => [
        s.open ? 0 : 1,
        s.protocol === callProto ? 0 : 1,
        s.bound ? 0 : 1,
        s.order,
      ];
      for (const s of all) {
        if (s.portid >>> 0 !== u) continue;
        if (best === undefined) {
          best = s;
          continue;
        }
        const a = key(s);
        const b = key(best);
        for (let i = 0; i < a.length; i++) {
          if (a[i]! !== b[i]!) {
            if (a[i]! < b[i]!) best = s;
            break;
          }
        }
      }
      return best === undefined ? u : `@${best.name}`;
    };

  const refresh = async (): Promise<void> => {
    const rows = await api.proc();
    const boundInodes = new Set(rows.map((r) => r.inode));
    for (const s of all) {
      if (!s.open || s.fd === undefined) continue;
      const r = await api.getsockname(s.fd);
      if (!isErrno(r)) s.portid = r.pid >>> 0;
      s.bound = boundInodes.has(api.inode(s.fd));
    }
  };

  const emit = (obj: Record<string, JsonValue>): void => {
    lines.push(JSON.stringify({ i: lines.length, ...obj }));
  };

  const runOne = async (step: Step): Promise<void> => {
    if (step.do === "proc") {
      const rows = await api.proc();
      const byInode = new Map(rows.map((r) => [r.inode, r]));
      const out: JsonValue[] = [];
      for (const s of all) {
        if (!s.open || s.fd === undefined) continue;
        const r = byInode.get(api.inode(s.fd));
        if (r === undefined) continue;
        out.push({
          sock: s.name,
          eth: r.protocol,
          groups: (r.groups >>> 0).toString(16).padStart(8, "0"),
          rmem: r.rmem,
          dump: r.dump,
          drops: r.drops,
        });
      }
      emit({ do: "proc", ret: 0, rows: out });
      return;
    }
    if (step.do === "socket") {
      const prev = socks.get(step.as);
      const s: SockState = {
        name: step.as,
        order: all.length,
        protocol: step.protocol,
        fd: undefined,
        open: true,
        portid: 0,
        bound: false,
        explicit: false,
      };
      if (prev?.open) throw new Error(`runner: socket name '${step.as}' reused while open`);
      const r = await api.socket(step.type, step.protocol);
      if (isErrno(r)) {
        s.open = false;
        socks.set(step.as, s);
        all.push(s);
        emit({ do: "socket", sock: step.as, errno: r.errno });
        return;
      }
      s.fd = r;
      socks.set(step.as, s);
      all.push(s);
      emit({ do: "socket", sock: step.as, ret: 0 });
      return;
    }
    const s = socks.get(step.sock);
    if (s === undefined || !s.open || s.fd === undefined) {
      emit({ do: step.do, sock: step.sock, errno: "EBADF" });
      return;
    }
    const fd = s.fd;
    const pid = fmtPid(s.protocol);
    const head = { do: step.do, sock: step.sock };
    switch (step.do) {
      case "bind": {
        const r = await api.bind(fd, sockaddrBytes(step.addr, resolve));
        if (isErrno(r)) return emit({ ...head, errno: r.errno });
        if (resolve(step.addr.pid) !== 0 && !s.bound) s.explicit = true;
        return emit({ ...head, ret: r });
      }
      case "connect": {
        const addr =
          step.addr === "unspec"
            ? Uint8Array.of(AF_UNSPEC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            : sockaddrBytes(step.addr, resolve);
        const r = await api.connect(fd, addr);
        return emit(isErrno(r) ? { ...head, errno: r.errno } : { ...head, ret: r });
      }
      case "sendto":
      case "send": {
        const data = datagramBytes(step.msgs, resolve);
        const to = step.do === "sendto" && step.to !== undefined ? sockaddrBytes(step.to, resolve) : undefined;
        const r = await api.sendto(fd, data, step.flags, to);
        return emit(isErrno(r) ? { ...head, errno: r.errno } : { ...head, ret: r });
      }
      case "recv": {
        const r = await api.recv(fd, step.size, step.flags);
        if (isErrno(r)) return emit({ ...head, errno: r.errno });
        // port ids are re-read before the line is printed, so a sender closed since is still named
        const out: Record<string, JsonValue> = {
          ...head,
          ret: r.ret,
          flags: msgFlagNames(r.flags),
          from: { pid: pid(r.from.pid), groups: r.from.groups >>> 0 },
        };
        if (r.pktinfo !== undefined) out.pktinfo = r.pktinfo;
        if (r.creds !== undefined) {
          out.creds = { pid: r.creds.pid === api.tgid ? "tgid" : r.creds.pid, uid: r.creds.uid, gid: r.creds.gid };
        }
        if (r.cmsgs !== undefined && r.cmsgs.length > 0) {
          out.cmsgs = r.cmsgs.map((c) => ({ level: c.level, type: c.type, hex: toHex(c.data) }));
        }
        let msgs: NlMsg[] | undefined;
        try {
          msgs = parseMessages(r.data);
        } catch {
          msgs = undefined;
        }
        if (msgs !== undefined) out.msgs = msgs.map((m) => messageToJson(m, pid));
        else out.hex = toHex(r.data);
        return emit(out);
      }
      case "setsockopt": {
        const v = step.value;
        const r =
          v.kind === "fprog"
            ? await api.setsockoptFprog(
                fd,
                step.level,
                step.name,
                encodeSockFilters(v.insns),
                v.len,
                step.size ?? SOCK_FPROG_SIZE,
              )
            : await api.setsockopt(fd, step.level, step.name, optBytes(v, step.size));
        return emit(isErrno(r) ? { ...head, errno: r.errno } : { ...head, ret: r });
      }
      case "getsockopt": {
        if (step.level === SOL_SOCKET && step.name === SO_GET_FILTER) {
          // optlen counts instructions here: the program comes back as [code, jt, jf, k] entries
          const f = await api.getsockoptFilter(fd, step.level, step.name, step.size);
          if (isErrno(f)) return emit({ ...head, errno: f.errno });
          const filter = decodeSockFilters(f.data).map((i) => [i.code, i.jt, i.jf, i.k]);
          return emit({ ...head, ret: f.ret, optlen: f.optlen, filter });
        }
        const r = await api.getsockopt(fd, step.level, step.name, step.size);
        if (isErrno(r)) return emit({ ...head, errno: r.errno });
        const out: Record<string, JsonValue> = { ...head, ret: r.ret, optlen: r.optlen };
        // the caller's buffer starts zeroed; the kernel writes what it copies, and the trace
        // shows the first min(size, optlen) bytes of that buffer
        const buf = new Uint8Array(step.size);
        buf.set(r.data.subarray(0, step.size));
        const shown = buf.subarray(0, Math.min(step.size, r.optlen));
        if (r.optlen === 4 && step.size >= 4 && !BYTE_VALUED.has(`${step.level}:${step.name}`))
          out.value = getS32(buf, 0);
        else out.hex = toHex(shown);
        return emit(out);
      }
      case "getsockname": {
        const r = await api.getsockname(fd);
        if (isErrno(r)) return emit({ ...head, errno: r.errno });
        const signed = r.pid | 0;
        const autobind = s.bound && !s.explicit ? (r.pid === api.tgid ? "tgid" : signed < 0 ? "negative" : null) : null;
        return emit({ ...head, ret: 0, addr: { pid: pid(r.pid), groups: r.groups >>> 0, autobind } });
      }
      case "getpeername": {
        const r = await api.getpeername(fd);
        if (isErrno(r)) return emit({ ...head, errno: r.errno });
        return emit({ ...head, ret: 0, addr: { pid: pid(r.pid), groups: r.groups >>> 0 } });
      }
      case "close": {
        const r = await api.close(fd);
        s.open = false;
        s.fd = undefined;
        return emit(isErrno(r) ? { ...head, errno: r.errno } : { ...head, ret: r });
      }
    }
  };

  try {
    for (const step of scenario.steps) {
      await api.setCreds(step.creds);
      for (let n = 0; n < step.repeat; n++) {
        await refresh();
        await runOne(step);
        await refresh();
      }
    }
  } finally {
    await api.setCreds(undefined);
    await api.dispose();
  }
  return lines;
};
