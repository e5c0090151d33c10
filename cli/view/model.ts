// What the trace viewer page shows, computed from a trace: the lanes (the kernel, each user socket),
// one row per datagram (sim/datagrams.ts, nlmon's rule: one per delivery) with its messages decoded
// as `nlsim decode` decodes them, the printk lines and the failures in place, and each socket's
// receive queue over time. Plain data: the page (page.ts) embeds it as JSON.
import { findExample } from "../../examples/index.js";
import {
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_CMD_NEWFAMILY,
  GENL_HDRLEN,
  GENL_ID_CTRL,
  NETLINK_GENERIC,
  NETLINK_PROTOCOL_NAMES,
  NLMSG_ERROR,
  NLMSG_TYPE_NAMES,
  type NlMsg,
  parseAttrs,
  parseMessages,
} from "../../kernel-model/uapi/index.js";
import { type TraceDatagram, traceDatagrams } from "../../sim/datagrams.js";
import { type Trace, unhandledEvent } from "../../sim/trace.js";
import { messagesToText } from "../../sim/walk/text.js";
import type { QueueSamples } from "./queues.js";

export interface ViewLane {
  /** "kernel", or "PROTOCOL:PORT" for a user socket */
  readonly id: string;
  readonly label: string;
  /** the second line: port and protocol, or what runs there */
  readonly sub: string;
  /** the process that uses the socket (null: the kernel lane, or nobody seen) */
  readonly pid: number | null;
  readonly process: string;
}

/** One datagram: [index, t, fromLane, toLane, ctx, protocol, length, label, groups]. */
export interface ViewDatagram {
  readonly i: number;
  readonly t: number;
  readonly from: number;
  readonly to: number;
  readonly ctx: string;
  readonly protocol: number;
  readonly len: number;
  /** the messages' types, short */
  readonly label: string;
  readonly groups: number;
  /** who sent and who read it, in words */
  readonly info: string;
  /** key into ViewModel.texts: the decoded messages */
  readonly text: number;
}

/** A line in the diagram that is not a datagram: a printk line, a BUG, ENOBUFS, a failed task. */
export interface ViewNote {
  readonly t: number;
  /** the lane it belongs to (the kernel's for printk) */
  readonly lane: number;
  readonly kind: "printk" | "bug" | "enobufs" | "failure" | "log";
  readonly text: string;
}

/** A row of the diagram, in trace order: a datagram (by index) or a note. */
export type ViewRow = { readonly d: number } | { readonly n: number };

export interface ViewModel {
  readonly title: string;
  readonly seed: number;
  readonly run: string;
  readonly events: number;
  readonly lanes: ReadonlyArray<ViewLane>;
  readonly datagrams: ReadonlyArray<ViewDatagram>;
  readonly notes: ReadonlyArray<ViewNote>;
  readonly rows: ReadonlyArray<ViewRow>;
  /** decoded texts, shared by datagrams that decode the same */
  readonly texts: ReadonlyArray<string>;
  readonly queues: QueueSamples | { readonly unavailable: string };
  readonly end: number;
}

/** Hex dump rows equal to the row above become one "*" line, as hexdump(1) writes them. */
const squeezeDump = (text: string): string => {
  const out: string[] = [];
  let prev: string | undefined;
  let starred = false;
  for (const l of text.split("\n")) {
    const m = /^(\s+)\d+: (.*)$/.exec(l);
    if (m !== null && /^(?:[0-9a-f]{2} )/.test(m[2]!)) {
      if (m[2] === prev) {
        if (!starred) out.push(`${m[1]}*`);
        starred = true;
        continue;
      }
      prev = m[2];
      starred = false;
    } else {
      prev = undefined;
      starred = false;
    }
    out.push(l);
  }
  return out.join("\n");
};

/** Generic netlink family ids named by the nlctrl replies (CTRL_CMD_NEWFAMILY) in the trace. */
const genlFamilies = (datagrams: ReadonlyArray<TraceDatagram>): Map<number, string> => {
  const out = new Map<number, string>([[GENL_ID_CTRL, "nlctrl"]]);
  for (const d of datagrams) {
    if (d.protocol !== NETLINK_GENERIC) continue;
    let msgs: NlMsg[];
    try {
      msgs = parseMessages(d.bytes, { zeroPadding: false });
    } catch {
      continue;
    }
    for (const m of msgs) {
      if (m.type !== GENL_ID_CTRL || m.payload.length < GENL_HDRLEN || m.payload[0] !== CTRL_CMD_NEWFAMILY) continue;
      try {
        const attrs = parseAttrs(m.payload.subarray(GENL_HDRLEN));
        const id = attrs.find((a) => a.type === CTRL_ATTR_FAMILY_ID);
        const name = attrs.find((a) => a.type === CTRL_ATTR_FAMILY_NAME);
        if (id === undefined || name === undefined || id.data.length < 2) continue;
        const text = new TextDecoder().decode(name.data).replace(/\0+$/, "");
        out.set(id.data[0]! | (id.data[1]! << 8), text);
      } catch {
        // a malformed reply names nothing
      }
    }
  }
  return out;
};

const typeLabel = (
  m: NlMsg,
  protocol: number,
  families: ReadonlyMap<number, string>,
  names: Readonly<Record<number, string>>,
): string => {
  const ctl = NLMSG_TYPE_NAMES[m.type];
  if (m.type === NLMSG_ERROR && m.payload.length >= 4) {
    const err = m.payload[0]! | (m.payload[1]! << 8) | (m.payload[2]! << 16) | (m.payload[3]! << 24);
    return err === 0 ? "ACK" : `NLMSG_ERROR ${err}`;
  }
  if (ctl !== undefined) return ctl;
  if (protocol === NETLINK_GENERIC) return families.get(m.type) ?? `genl family ${m.type}`;
  return names[m.type] ?? `type ${m.type}`;
};

/** Who uses each socket ("protocol:port"): the process and fd of the sendto and recvmsg calls on it. */
const socketOwners = (trace: Trace): Map<string, { pid: number; fd: number }> => {
  const owners = new Map<string, { pid: number; fd: number }>();
  for (const e of trace.events) {
    if (e.kind !== "syscall") continue;
    if (e.call === "sendto" && e.protocol !== undefined && e.from !== undefined && e.from !== 0)
      owners.set(`${e.protocol}:${e.from >>> 0}`, { pid: e.pid, fd: e.fd });
    if (e.call === "recvmsg" && e.protocol !== undefined && e.to !== undefined && e.to !== 0)
      owners.set(`${e.protocol}:${e.to >>> 0}`, { pid: e.pid, fd: e.fd });
  }
  return owners;
};

/** The lanes of the diagram: the kernel's first, then one per socket in order of first use. */
class Lanes {
  readonly list: ViewLane[] = [
    { id: "kernel", label: "kernel", sub: "kernel sockets, softirq, kthreads", pid: null, process: "kernel" },
  ];
  private readonly index = new Map<string, number>([["kernel", 0]]);

  constructor(
    private readonly owners: ReadonlyMap<string, { pid: number; fd: number }>,
    private readonly nameOf: (pid: number) => string,
  ) {}

  /** The lane of a socket (port 0 is the kernel's). */
  of(protocol: number, port: number): number {
    if (port === 0) return 0;
    const id = `${protocol}:${port >>> 0}`;
    const known = this.index.get(id);
    if (known !== undefined) return known;
    const o = this.owners.get(id);
    const proto = NETLINK_PROTOCOL_NAMES[protocol] ?? `protocol ${protocol}`;
    this.list.push({
      id,
      label: o === undefined ? `port ${port >>> 0}` : `${this.nameOf(o.pid)}[${o.pid}] fd ${o.fd}`,
      sub: `port ${port >>> 0} · ${proto}`,
      pid: o?.pid ?? null,
      process: o === undefined ? "" : this.nameOf(o.pid),
    });
    this.index.set(id, this.list.length - 1);
    return this.list.length - 1;
  }
}

/** Texts shared by datagrams (a dump's identical parts are stored once). */
class Texts {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  intern(s: string): number {
    const k = this.index.get(s);
    if (k !== undefined) return k;
    this.list.push(s);
    this.index.set(s, this.list.length - 1);
    return this.list.length - 1;
  }
}

/** A datagram's decoding (as `nlsim decode` prints it, the example's and families' names added) and its label. */
const decodeDatagram = (
  d: TraceDatagram,
  families: ReadonlyMap<number, string>,
  typeNames: Readonly<Record<number, string>>,
): { text: string; label: string } => {
  try {
    const msgs = parseMessages(d.bytes, { zeroPadding: false });
    // the example's own names for its protocol's types, as the walk shows them
    let text = squeezeDump(messagesToText(msgs, { protocol: d.protocol }))
      .trimEnd()
      .replace(/nlmsg_type {3}(\d+) \(protocol-specific\)/g, (m, t: string) =>
        typeNames[Number(t)] === undefined ? m : `nlmsg_type   ${t} (${typeNames[Number(t)]})`,
      );
    const fams = d.protocol === NETLINK_GENERIC ? msgs.map((m) => families.get(m.type)).filter((x) => x) : [];
    if (fams.length > 0)
      text += `\n\ngeneric netlink family: ${[...new Set(fams)].join(", ")} (named from the nlctrl replies in this trace)`;
    const named = msgs.map((m) => typeLabel(m, d.protocol, families, typeNames));
    const label = named.length > 3 ? `${named.slice(0, 2).join(", ")} +${named.length - 2}` : named.join(", ");
    return { text, label };
  } catch (e) {
    return { text: `malformed: ${(e as Error).message}`, label: "malformed" };
  }
};

/** Where a datagram went, who sent and read it, in which context. */
const datagramInfo = (d: TraceDatagram, nameOf: (pid: number) => string): string => {
  const who = (x: { pid: number; fd: number; t: number } | null): string =>
    x === null ? "" : `${nameOf(x.pid)}[${x.pid}] fd ${x.fd} at ${(x.t / 1e9).toFixed(6)} s`;
  return [
    `from port ${d.from >>> 0}${d.from === 0 ? " (the kernel)" : ""} to ${d.toKernel ? "a kernel socket" : `port ${d.to >>> 0}`}${d.groups !== 0 ? `, group mask 0x${(d.groups >>> 0).toString(16)}` : ""}`,
    `context: ${d.ctx}${d.senderPid === null ? "" : ` (${nameOf(d.senderPid)}[${d.senderPid}])`}`,
    d.sentBy === null ? "" : `sent by ${who(d.sentBy)}`,
    d.toKernel ? "" : d.readBy === null ? "never read" : `read by ${who(d.readBy)}`,
  ]
    .filter((x) => x !== "")
    .join("\n");
};

/** The note an event puts in place on the diagram (printk, BUG, ENOBUFS, failures, logs), if any. */
const eventNote = (e: Trace["events"][number], lanes: Lanes, nameOf: (pid: number) => string): ViewNote | undefined => {
  switch (e.kind) {
    case "printk":
      return { t: e.t, lane: 0, kind: "printk", text: `<${e.level}> ${e.text}` };
    case "bug":
      return {
        t: e.t,
        lane: 0,
        kind: "bug",
        text: `${e.bug} in ${e.fn} (${e.context ?? ""} context, ${e.comm}/${e.pid})`,
      };
    case "syscall":
      if (e.call === "recvmsg" && e.errno === "ENOBUFS")
        return {
          t: e.t,
          lane: e.protocol !== undefined && e.to !== undefined ? lanes.of(e.protocol, e.to) : 0,
          kind: "enobufs",
          text: `${nameOf(e.pid)}[${e.pid}] recvmsg(fd ${e.fd}) = -1 ENOBUFS: the queue overran, messages were dropped`,
        };
      return undefined;
    case "task-failed":
      return { t: e.t, lane: 0, kind: "failure", text: `${e.name} failed: ${e.error}` };
    case "deadlock":
      return { t: e.t, lane: 0, kind: "failure", text: `deadlock: ${e.tasks.join(", ")}` };
    case "log":
      return { t: e.t, lane: 0, kind: "log", text: `${nameOf(e.pid)}[${e.pid}] ${e.level.toLowerCase()}: ${e.text}` };
    case "data_ready":
      // 2.6.13–2.6.23: the send queued the skb and sk_data_ready ran the input over the whole queue
      return {
        t: e.t,
        lane: 0,
        kind: "printk",
        text: `sk_data_ready → ${e.fn}(sk, ${e.len}) in ${e.ctx} context: drains ${e.queued.length} skb${e.queued.length === 1 ? "" : "s"}`,
      };
    case "tap":
    case "softirq":
    case "nosleep":
    case "busy-wait":
    case "spawn":
    case "exit":
    case "fault":
    case "fault-plan":
    case "traffic-plan":
    case "packet":
      return undefined;
    default:
      return unhandledEvent(e);
  }
};

/** The view of `trace`; `queues` are its sockets' receive queues (queues.ts), when they could be had. */
export const buildViewModel = (
  trace: Trace,
  queues: QueueSamples | { readonly unavailable: string },
  processNames: ReadonlyMap<number, string>,
): ViewModel => {
  const run = trace.header.run;
  const example = typeof run.example === "string" ? findExample(run.example) : undefined;
  const typeNames = example?.typeNames ?? {};
  const datagrams = traceDatagrams(trace.events);
  const families = genlFamilies(datagrams);
  const nameOf = (pid: number): string => processNames.get(pid) ?? `pid ${pid}`;
  const lanes = new Lanes(socketOwners(trace), nameOf);
  const texts = new Texts();

  const viewDatagrams: ViewDatagram[] = datagrams.map((d) => {
    const { text, label } = decodeDatagram(d, families, typeNames);
    return {
      i: d.index,
      t: d.t,
      from: d.from === 0 ? 0 : lanes.of(d.protocol, d.from),
      to: d.toKernel ? 0 : lanes.of(d.protocol, d.to),
      ctx: d.ctx,
      protocol: d.protocol,
      len: d.bytes.length,
      label,
      groups: d.groups,
      info: datagramInfo(d, nameOf),
      text: texts.intern(text),
    };
  });

  // the rows in trace order: each datagram where it was sent, each note where its event is
  const notes: ViewNote[] = [];
  const rows: ViewRow[] = [];
  let next = 0;
  trace.events.forEach((e, i) => {
    while (next < datagrams.length && datagrams[next]!.event === i) rows.push({ d: next++ });
    const note = eventNote(e, lanes, nameOf);
    if (note !== undefined) {
      notes.push(note);
      rows.push({ n: notes.length - 1 });
    }
  });
  while (next < datagrams.length) rows.push({ d: next++ });

  const what =
    typeof run.example === "string"
      ? `${run.example}${typeof run.mode === "string" ? ` --mode ${run.mode}` : ""}`
      : typeof run.scenario === "string"
        ? `scenario ${run.scenario}`
        : JSON.stringify(run);
  return {
    title: `nlsim trace: ${what}, seed ${trace.header.seed}`,
    seed: trace.header.seed,
    run: what,
    events: trace.events.length,
    lanes: lanes.list,
    datagrams: viewDatagrams,
    notes,
    rows,
    texts: texts.list,
    queues,
    end: trace.events.at(-1)?.t ?? 0,
  };
};
