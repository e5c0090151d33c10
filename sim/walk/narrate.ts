// `nlsim walk`: a running commentary on a world, built from its trace as each event is recorded:
// who runs (a process, a kthread, a softirq on top of one, the idle task), the syscall and its
// result with errno names, the messages decoded (cli/format), the receiving sockets' queue depth,
// rmem and drops, printk and BUG lines, and notes where the API's history matters.

import { SOFTIRQ_OFFSET } from "../../kernel-model/kernel/preempt.js";
import { print_time } from "../../kernel-model/kernel/printk.js";
import { NF_INET_PRE_ROUTING, NFPROTO_IPV4, nf_hook_entries } from "../../kernel-model/net/netfilter/core.js";
import { NETLINK_S_CONGESTED, netlink_is_kernel } from "../../kernel-model/net/netlink/sock.js";
import {
  AF_INET,
  errnoMessage,
  NETLINK_SOCKOPT_NAMES,
  parseMessages,
  parseSockaddrNl,
  SO_NAMES,
  SOCK_DGRAM,
  SOCK_RAW,
  SOL_IP,
  SOL_NETLINK,
  SOL_SOCKET,
} from "../../kernel-model/uapi/index.js";
import { type SyscallEvent, type TraceEvent, unhandledEvent } from "../trace.js";
import type { RunResult, World } from "../world.js";
import { describeOptval } from "./optval.js";
import { messagesToText } from "./text.js";

/** Where the narration goes: lines, and the boundaries between steps (for --step). */
export interface NarrationSink {
  readonly line: (s: string) => void;
  readonly step: () => void;
}

const ESC = "\x1b[";
type Paint = (s: string) => string;
const painter =
  (color: boolean) =>
  (code: string): Paint =>
    color ? (s) => `${ESC}${code}m${s}${ESC}0m` : (s) => s;

const WHO_WIDTH = 33;
const INDENT = " ".repeat(15 + WHO_WIDTH);

const hexBytes = (hex: string): Uint8Array => {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};

/** The history notes the walkthrough itself knows (the example adds its own). */
export const NOTE_SOFTIRQ_INPUT =
  "Model note: this mode runs a kernel socket's input from a softirq right after the send returns, in atomic " +
  "context: no sleeping, no mutex, GFP_ATOMIC only. No kernel ever did that for netlink input; it is a stricter " +
  "model, the rules a handler must keep when the same code is also called from a timer or a netfilter hook. " +
  "2.6.13–2.6.23 ran input(sk, len) from netlink_sendskb → sk_data_ready in the sender's process context; since " +
  "2.6.24 netlink_unicast_kernel calls input(skb) there (model: kernel-model/net/netlink/input.ts).";
export const NOTE_PROCESS_INPUT =
  "API history: since 2.6.24 the input runs synchronously inside the sender's sendmsg, in its process context " +
  "(netlink_unicast_kernel → nlk->netlink_rcv in af_netlink.c; model: kernel-model/net/netlink/input.ts): the " +
  "module's lines come before sendto returns. From 2.6.13 to 2.6.23 it also ran in the sender's context, but " +
  "through the receive queue: netlink_sendskb → sk_data_ready → input(sk, len), which drained the queue.";
export const NOTE_DATA_READY_INPUT =
  "API history (2.6.13–2.6.23): netlink_unicast → netlink_sendskb queued the skb on the kernel socket's " +
  "sk_receive_queue and called sk->sk_data_ready, i.e. netlink_data_ready → nlk->data_ready(sk, len), the " +
  "module's input, synchronously in the sender's process context (af_netlink.c). The input drained the whole " +
  "queue (while ((skb = skb_dequeue(&sk->sk_receive_queue)))), so on SMP it could process skbs another sender had " +
  "queued, in this sender's context; handlers of that era took mutexes there (rtnetlink_rcv took rtnl_mutex; " +
  "2.6.13's with down_trylock, returning when another context held it, whose do/while loop on the queue length " +
  "then processed this sender's skb too). " +
  "2.6.24 replaced it with input(skb) called from netlink_unicast_kernel, one skb per call (model: " +
  "kernel-model/net/netlink/input.ts).";

export const NOTE_NET_RX_FRAME =
  "A network packet really is handled in softirq context: the NIC's interrupt queued the frame (netif_rx) and " +
  "NET_RX_SOFTIRQ runs net_rx_action → __netif_receive_skb → ip_rcv → NF_HOOK(NF_INET_PRE_ROUTING) on whatever " +
  "task the CPU was running (net/core/dev.c, net/ipv4/ip_input.c; model: kernel-model/net/core/dev.ts). A hook " +
  "runs in atomic context: GFP_ATOMIC, no mutex, and a netlink_unicast from it must not wait (nonblock).";
export const NOTE_OVERRUN =
  "Overrun: the receiver's queue was full. netlink_attachskb (a unicast) or netlink_broadcast_deliver charged the " +
  "skb's truesize to sk_rmem_alloc and it did not fit sk_rcvbuf, so the skb is dropped: netlink_overrun sets " +
  "NETLINK_S_CONGESTED and sk_err = ENOBUFS (once, unless NETLINK_NO_ENOBUFS) and counts every lost skb in " +
  "sk_drops (af_netlink.c; model: kernel-model/net/netlink/unicast.ts). The next recvmsg fails with ENOBUFS; " +
  "the congestion clears once the reader empties the queue (netlink_rcv_wake). A user sender to a full socket " +
  "would sleep or get EAGAIN instead.";

/** The `model:` line of a walk: how a kernel socket's input runs in this world. */
export const inputModelLine = (mode: "softirq" | "data_ready" | "process"): string =>
  mode === "softirq"
    ? "strict softirq model: a kernel socket's input runs from a softirq after the send returns, in atomic context (the handler must not sleep)"
    : mode === "data_ready"
      ? "2.6.13–2.6.23 kernel: the send queues the skb and sk_data_ready runs the input over the whole queue, in the sender's process context"
      : "today's kernel (2.6.24+): a kernel socket's input runs synchronously in the sender's process context";

/**
 * What a narration knows about the program it narrates: an example's protocol, names and notes, or
 * nothing (a user's test: every netlink socket watched, messages decoded by their own protocol).
 */
export interface NarrationSubject {
  /** the protocol whose user sockets are watched (undefined: every user netlink socket) */
  readonly protocol?: number;
  /** names of the program's own message types */
  readonly typeNames?: Readonly<Record<number, string>>;
  /** one line about a message's payload, when the program's format is known */
  readonly describePayload?: (type: number, payload: Uint8Array) => string | undefined;
  /** notes shown once, the first time a printk or output line matches */
  readonly notes?: ReadonlyArray<{ readonly match: RegExp; readonly note: string }>;
}

export interface NarratorOptions {
  /** colour with ANSI escapes */
  readonly color?: boolean;
  /**
   * decode what each sendto sends from its syscall event (when no runner calls onSend before the
   * send, as in a user's test)
   */
  readonly decodeSends?: boolean;
}

interface SockState {
  readonly key: string;
  readonly dead: boolean;
  readonly drops: number;
}

export class Narrator {
  private readonly tasks = new Map<number, string>();
  private readonly socks = new Map<object, SockState>();
  private readonly notesShown = new Set<string>();
  /** "pid:fd" of the AF_INET sockets open now (their options are IP_*, then netfilter's) */
  private readonly inetFds = new Set<string>();
  /** pid of a process whose sendto has started (tap) and not yet returned (syscall event) */
  private sending: number | undefined = undefined;
  private readonly dim: Paint;
  private readonly bold: Paint;
  private readonly red: Paint;
  private readonly yellow: Paint;
  private readonly green: Paint;
  private readonly cyan: Paint;
  private readonly magenta: Paint;
  private readonly blue: Paint;
  events = 0;

  private readonly decodeSends: boolean;

  constructor(
    private readonly subject: NarrationSubject,
    private readonly sink: NarrationSink,
    options: boolean | NarratorOptions = {},
  ) {
    const o = typeof options === "boolean" ? { color: options } : options;
    this.decodeSends = o.decodeSends ?? false;
    const p = painter(o.color ?? false);
    this.dim = p("2");
    this.bold = p("1");
    this.red = p("31");
    this.yellow = p("33");
    this.green = p("32");
    this.cyan = p("36");
    this.magenta = p("35");
    this.blue = p("34");
  }

  private line(world: World, who: string, text: string): void {
    this.sink.line(
      `${this.dim(print_time(world.now))} ${who}${" ".repeat(Math.max(1, WHO_WIDTH - visible(who)))}${text}`,
    );
  }
  private more(text: string): void {
    this.sink.line(`${INDENT}${text}`);
  }
  private note(key: string, text: string): void {
    if (this.notesShown.has(key)) return;
    this.notesShown.add(key);
    for (const [i, l] of wrap(text, 100).entries()) this.more(this.blue(`${i === 0 ? "» " : "  "}${l}`));
  }

  /** Who is running now: a softirq on top of a task, a process, a kthread, insmod, or the idle task. */
  private who(world: World): string {
    const t = world.currentTask;
    const outside = world.kernelHost.outsideTask;
    const base =
      t !== undefined
        ? `${t.kind === "kthread" ? "kthread " : ""}${t.name}[${t.pid}]`
        : outside !== undefined
          ? `${outside.comm}[${outside.pid}]`
          : "swapper/0";
    if ((world.kernel.preempt_count & SOFTIRQ_OFFSET) !== 0) return this.magenta(`softirq on ${base}`);
    return t?.kind === "kthread" ? this.yellow(base) : this.cyan(base);
  }

  private ret(e: SyscallEvent): string {
    const r = e.ret;
    if (r >= 0) return this.green(`= ${r}`);
    // "sendto: ECONNREFUSED (Connection refused)" without the syscall
    const what = errnoMessage(e.call, r).replace(/^[^:]*: /, "");
    return this.red(`= -1 ${what}`);
  }

  private decode(bytes: Uint8Array, protocol?: number): void {
    let text: string;
    try {
      const hint = { protocol: this.subject.protocol ?? protocol };
      text = messagesToText(parseMessages(bytes, { zeroPadding: false }), hint);
    } catch (e) {
      this.more(this.red(`(malformed: ${(e as Error).message})`));
      return;
    }
    const names = this.subject.typeNames ?? {};
    for (const l of text.trimEnd().split("\n")) {
      if (l === "") continue;
      this.more(
        this.dim(
          l.replace(/nlmsg_type {3}(\d+) \(protocol-specific\)/, (m, t: string) =>
            names[Number(t)] === undefined ? m : `nlmsg_type   ${t} (${names[Number(t)]})`,
          ),
        ),
      );
    }
    try {
      for (const m of parseMessages(bytes, { zeroPadding: false })) {
        const d = this.subject.describePayload?.(m.type, m.payload);
        if (d !== undefined) this.more(`= ${names[m.type] ?? m.type}: ${d}`);
      }
    } catch {
      // already reported above
    }
  }

  /** A user program is about to send (the runner's tap): what it sends, decoded. */
  onSend(
    world: World,
    who: { readonly name: string; readonly pid: number },
    data: Uint8Array,
    to?: { pid: number; groups: number },
  ): void {
    this.sink.step();
    const dest =
      to === undefined
        ? "its connected peer"
        : to.pid === 0 && to.groups === 0
          ? "the kernel (port 0)"
          : `port ${to.pid}${to.groups ? ` groups 0x${to.groups.toString(16)}` : ""}`;
    this.line(world, this.cyan(`${who.name}[${who.pid}]`), `${this.bold("sendto")} ${data.length} bytes to ${dest}:`);
    this.decode(data);
    this.sending = who.pid;
  }

  /** A line the program printed. */
  onOut(line: string): void {
    this.more(this.bold(`│ ${line}`));
    this.notesFor(line);
  }

  /** The example's notes whose pattern matches `text` (a printk line or a program's output line), once each. */
  private notesFor(text: string): void {
    for (const n of this.subject.notes ?? []) {
      if (n.match.test(text)) this.note(n.match.source, n.note);
    }
  }

  onEvent(e: TraceEvent, world: World): void {
    // a tap repeats a delivery the syscalls around it narrate (a pcap frame, not a step), but for
    // the kernel's own sends from a softirq (a timer, a netfilter hook), which no syscall shows
    if (e.kind === "tap") {
      if (e.fn === "__netlink_sendskb" && e.from === 0 && e.ctx === "softirq") this.kernelDelivery(e, world);
      return;
    }
    this.events++;
    switch (e.kind) {
      case "spawn":
        this.tasks.set(e.task, e.name);
        this.sink.step();
        this.line(world, this.dim("scheduler"), this.dim(`${e.taskKind} ${e.name} created (task ${e.task})`));
        break;
      case "exit":
        this.sink.step();
        this.line(world, this.dim("scheduler"), this.dim(`${this.tasks.get(e.task) ?? `task ${e.task}`} exits`));
        break;
      case "syscall":
        this.syscall(e, world);
        break;
      case "softirq":
        this.softirq(e, world);
        break;
      case "data_ready": {
        this.sink.step();
        const from = e.queued.map((p) => `port ${p}`).join(", ");
        this.line(
          world,
          this.who(world),
          `${this.bold("sk_data_ready")}: netlink_data_ready → ${e.fn}(sk, ${e.len}), ${e.ctx} context; drains ${e.queued.length} skb${e.queued.length === 1 ? "" : "s"} (from ${from})`,
        );
        this.note("data-ready-input", NOTE_DATA_READY_INPUT);
        break;
      }
      case "printk":
        this.printk(e, world);
        break;
      case "bug":
        this.more(this.red(`⚠ ${e.bug} in ${e.fn} (${e.context ?? ""} context, ${e.comm}/${e.pid})`));
        break;
      case "nosleep":
        this.more(
          this.yellow(`(${e.fn} would sleep here; the model cannot suspend a synchronous path, so it goes on)`),
        );
        break;
      case "fault":
        this.sink.step();
        // an allocation fault has no process name or reason: those stay blank
        this.line(
          world,
          this.red("fault"),
          this.red(e.fault === "kill" ? `${e.fault} ${e.name} (${e.reason})` : `${e.fault}  ()`),
        );
        break;
      case "task-failed":
        this.line(world, this.red(e.name), this.red(`task failed: ${e.error}`));
        break;
      case "deadlock":
        this.line(world, this.red("world"), this.red(`deadlock: ${JSON.stringify(e.tasks)}`));
        break;
      case "log":
        this.line(world, this.yellow(`pid ${e.pid}`), this.yellow(`${e.level.toLowerCase()}: ${e.text}`));
        break;
      case "packet":
        this.packet(e, world);
        break;
      case "busy-wait":
      case "fault-plan":
      case "traffic-plan":
        // shown as recorded
        this.line(world, this.who(world), this.dim(`${e.kind} ${JSON.stringify(e)}`));
        break;
      default:
        unhandledEvent(e);
    }
    this.watchSockets(world);
  }

  /** A softirq: a frame from a device (ip_rcv and the hooks), a kernel socket's input, or a timer. */
  private softirq(e: Extract<TraceEvent, { kind: "softirq" }>, world: World): void {
    this.sink.step();
    if (e.vec === "NET_RX" && "dev" in e) {
      // a frame from a device: ip_rcv, then the PRE_ROUTING hooks registered now
      const hooks = nf_hook_entries(world.net, NFPROTO_IPV4, NF_INET_PRE_ROUTING).map((o) => o.hook.name || "hook");
      this.line(
        world,
        this.who(world),
        `${this.bold("softirq NET_RX")}: ${e.fn}(skb) from ${e.dev ?? "?"}, ${e.len} bytes → ip_rcv → NF_HOOK(NF_INET_PRE_ROUTING)${hooks.length === 0 ? "" : `: ${hooks.join(", ")}`}, atomic context`,
      );
      this.note("net-rx-frame", NOTE_NET_RX_FRAME);
    } else if (e.vec === "NET_RX") {
      this.line(
        world,
        this.who(world),
        `${this.bold("softirq NET_RX")}: ${e.fn}(skb) runs with ${e.len} bytes from port ${e.from} (protocol ${e.protocol}), atomic context`,
      );
      this.note("softirq-input", NOTE_SOFTIRQ_INPUT);
    } else {
      this.line(world, this.who(world), `${this.bold(`softirq ${e.vec}`)}: ${e.fn}() (timer tick → run_timer_softirq)`);
    }
  }

  /** A printk line, with the notes it calls up. */
  private printk(e: Extract<TraceEvent, { kind: "printk" }>, world: World): void {
    const level = e.level;
    const text = e.text;
    const paint = level <= 3 ? this.red : level === 4 ? this.yellow : (s: string) => s;
    this.line(world, this.who(world), paint(`printk <${level}> ${text}`));
    if (
      this.sending !== undefined &&
      world.kernel.netlink_input === "process" &&
      world.currentTask?.pid === this.sending &&
      (world.kernel.preempt_count & SOFTIRQ_OFFSET) === 0
    ) {
      this.note("process-input", NOTE_PROCESS_INPUT);
    }
    this.notesFor(text);
  }

  /** A network packet arriving at a device. */
  private packet(e: Extract<TraceEvent, { kind: "packet" }>, world: World): void {
    const proto = IPPROTO_NAMES[e.protocol]?.replace("IPPROTO_", "") ?? `protocol ${e.protocol}`;
    const ids = e.protocol === 1 ? ` (echo id ${e.id}, seq ${e.seq})` : "";
    this.line(
      world,
      this.dim(e.dev),
      this.dim(`a ${e.len}-byte ${proto} packet ${e.src} → ${e.dst} arrives${ids}: the NIC raises its interrupt`),
    );
  }

  private syscall(e: SyscallEvent, world: World): void {
    const call = e.call;
    const fd = `fd ${"fd" in e ? e.fd : ""}`;
    if (call !== "sendto") this.sink.step();
    if (call === "sendto") this.sending = undefined;
    let args: string;
    let fallThrough: "setsockopt" | "getsockopt" | undefined;
    let stuck = false;
    switch (e.call) {
      case "socket": {
        const type = e.type & 0xf;
        const inet = e.family === AF_INET;
        if (inet && e.ret >= 0) this.inetFds.add(`${e.pid}:${e.ret}`);
        const proto = inet ? (IPPROTO_NAMES[e.protocol] ?? String(e.protocol)) : String(e.protocol);
        args = `${inet ? "AF_INET" : "AF_NETLINK"}, ${type === SOCK_RAW ? "SOCK_RAW" : type === SOCK_DGRAM ? "SOCK_DGRAM" : type}, ${proto}`;
        break;
      }
      case "bind":
      case "connect": {
        const a = parseSockaddrNl(hexBytes(e.addr ?? ""));
        args = `${fd}, {nl_pid ${a.pid}${a.pid === 0 && call === "bind" ? " (autobind)" : ""}, nl_groups 0x${a.groups.toString(16)}}`;
        break;
      }
      case "setsockopt":
      case "getsockopt": {
        const o = this.sockoptArgs(e, fd);
        args = o.args;
        fallThrough = o.fallThrough;
        break;
      }
      case "sendto":
        args = `${fd}, ${e.len ?? ""} bytes, flags 0x${(e.flags ?? Number.NaN).toString(16)}`;
        break;
      case "recvmsg":
        // a read of a recvmmsg's batch shows its place there (the call itself follows its reads)
        args = `${fd}, ${e.mmsg === undefined ? "" : `recvmmsg's msgvec[${e.mmsg}], `}buf ${e.size ?? ""}, flags 0x${(e.flags ?? Number.NaN).toString(16)}`;
        break;
      case "recvmmsg":
        args = `${fd}, vlen ${e.vlen ?? ""}, buf ${e.size ?? ""} each, flags 0x${(e.flags ?? Number.NaN).toString(16)}`;
        break;
      case "poll":
        args = `fds [${e.fds}], timeout ${e.timeout} ms`;
        break;
      case "init_module":
        args = `"${e.name}"`;
        break;
      case "delete_module":
        // the references it had: each open user socket of a unit the module registered is one
        args = `"${e.name}", O_NONBLOCK${e.refcnt === null ? "" : ` ${this.dim(`(refcnt ${e.refcnt})`)}`}`;
        break;
      case "setresuid":
        args = `${e.ruid}, ${e.euid}, ${e.suid}`;
        break;
      case "setresgid":
        args = `${e.rgid}, ${e.egid}, ${e.sgid}`;
        break;
      case "open":
        args = `"${e.path}", ${openFlags(e.flags)}`;
        break;
      case "read":
      case "write":
        // the file position the handler got in *ppos, and where it left it
        args = `${fd}, count ${e.count}${e.pos === undefined ? "" : `, *ppos ${e.pos}${e.pos_out !== undefined && e.pos_out !== e.pos ? ` → ${e.pos_out}` : ""}`}`;
        if (e.call === "read" && e.ret > 0 && e.pos !== undefined && e.pos_out === e.pos) stuck = true;
        break;
      case "lseek":
        args = `${fd}, ${e.offset}, ${["SEEK_SET", "SEEK_CUR", "SEEK_END"][e.whence] ?? e.whence}`;
        break;
      case "close":
        if (e.ret === 0) this.inetFds.delete(`${e.pid}:${e.fd}`);
        args = fd;
        break;
      case "sendmsg":
        args = fd;
        break;
      default:
        args = unhandledEvent(e);
    }
    const from = e.call === "recvmsg" && e.ret >= 0 ? ` ${this.dim(`(msg_name: port ${e.from ?? ""})`)}` : "";
    this.line(world, this.who(world), `${this.bold(call)}(${args}) ${this.ret(e)}${from}`);
    this.syscallData(e);
    this.syscallNotes(e, stuck, fallThrough);
  }

  /** The bytes a syscall moved, decoded: a recvmsg's datagram (or its truncation), a sendto's when asked. */
  private syscallData(e: SyscallEvent): void {
    if (e.call === "recvmsg" && typeof e.data === "string" && e.ret > 0) {
      const data = hexBytes(e.data);
      if (e.ret > data.length) {
        // MSG_TRUNC: recvmsg returned the datagram's real length; the buffer got only its start
        this.more(
          this.yellow(`(truncated: ${data.length} of ${e.ret} bytes copied, the rest of the datagram is discarded)`),
        );
      } else this.decode(data, e.protocol);
    }
    if (e.call === "sendto" && this.decodeSends && e.bytes !== undefined && e.ret >= 0)
      this.decode(e.bytes, e.protocol);
  }

  /** setsockopt/getsockopt's arguments named by level, and whether an AF_INET call falls through to netfilter. */
  private sockoptArgs(
    e: Extract<SyscallEvent, { call: "setsockopt" | "getsockopt" }>,
    fd: string,
  ): { readonly args: string; readonly fallThrough: "setsockopt" | "getsockopt" | undefined } {
    const level = e.level ?? Number.NaN;
    const name = e.name ?? Number.NaN;
    const inet = "fd" in e && this.inetFds.has(`${e.pid}:${e.fd}`);
    const lname =
      inet && level === SOL_IP
        ? "SOL_IP"
        : level === SOL_NETLINK
          ? "SOL_NETLINK"
          : level === SOL_SOCKET
            ? "SOL_SOCKET"
            : String(level);
    const oname =
      (inet && level === SOL_IP
        ? IP_SOCKOPT_NAMES[name]
        : level === SOL_NETLINK
          ? NETLINK_SOCKOPT_NAMES[name]
          : level === SOL_SOCKET
            ? SO_NAMES[name]
            : undefined) ?? String(name);
    const args = `${fd}, ${lname}, ${oname}${e.call === "setsockopt" ? `, ${describeOptval(level, name, e.value)}` : ""}`;
    const fallThrough = inet && level === SOL_IP && IP_SOCKOPT_NAMES[name] === undefined ? e.call : undefined;
    return { args, fallThrough };
  }

  /** What a syscall's line leaves unsaid: a read whose *ppos did not move, a sockopt that went on to netfilter. */
  private syscallNotes(e: SyscallEvent, stuck: boolean, fallThrough: "setsockopt" | "getsockopt" | undefined): void {
    if (stuck) {
      this.more(this.red("⤷ *ppos did not move: the next read starts at the same place"));
      this.note(
        "ppos",
        "A read handler gets the file position in *ppos and must advance it by what it copied " +
          "(simple_read_from_buffer does); returning 0 is end of file. A handler that returns its whole text " +
          "every time and never moves *ppos makes cat read forever (fs/read_write.c vfs_read; model: " +
          "kernel-model/fs/vfs.ts).",
      );
    }
    if (fallThrough !== undefined) {
      const nf = fallThrough === "setsockopt" ? "nf_setsockopt" : "nf_getsockopt";
      this.more(
        this.dim(
          `⤷ ip_${fallThrough}: ${"name" in e ? e.name : ""} is no IP_* option, so it falls through to ${nf}(sk, PF_INET, ${"name" in e ? e.name : ""}, …)`,
        ),
      );
      this.note(
        "nf-sockopt",
        `How it got there: ${fallThrough}(2) on an AF_INET socket → sock_common_${fallThrough} → raw_${fallThrough} (level ` +
          `SOL_IP) → ip_${fallThrough} (net/ipv4/ip_sockglue.c). do_ip_${fallThrough} knows no option ${"name" in e ? e.name : ""} ` +
          `and answers ENOPROTOOPT; with CONFIG_NETFILTER ip_${fallThrough} then calls ${nf} (net/netfilter/nf_sockopt.c), ` +
          "which finds the nf_sockopt_ops whose range holds the number and calls its handler; with none, the caller " +
          "still sees ENOPROTOOPT (model: kernel-model/net/ipv4/ip_sockglue.ts, kernel-model/net/netfilter/nf_sockopt.ts).",
      );
    }
  }

  /** A skb the kernel queued on a user socket from a softirq (netlink_unicast or a broadcast copy). */
  private kernelDelivery(e: Extract<TraceEvent, { kind: "tap" }>, world: World): void {
    let what = `${e.bytes.length} bytes`;
    try {
      const names = this.subject.typeNames ?? {};
      const types = parseMessages(e.bytes, { zeroPadding: false }).map((m) => names[m.type] ?? `type ${m.type}`);
      what = `${e.bytes.length} bytes (${types.join(", ")})`;
    } catch {
      // malformed: the bytes' length is all there is to say
    }
    const how = e.groups === 0 ? "netlink_unicast" : `netlink_broadcast (group mask 0x${e.groups.toString(16)})`;
    this.line(world, this.who(world), this.dim(`${how} → port ${e.to}: ${what} queued by __netlink_sendskb`));
  }

  /** Queue depth, rmem and drops of the example's user sockets, when they change. */
  private watchSockets(world: World): void {
    for (const sk of world.net.sockets) {
      if (netlink_is_kernel(sk)) continue;
      if (this.subject.protocol !== undefined && sk.sk_protocol !== this.subject.protocol) continue;
      const q = sk.sk_receive_queue.length;
      const key = `${q}/${sk.sk_rmem_alloc}/${sk.sk_drops}/${sk.sk_err}`;
      const prev = this.socks.get(sk);
      if (sk.dead) {
        if (prev !== undefined && !prev.dead) this.more(this.dim(`⇒ port ${sk.portid}: socket released`));
        this.socks.set(sk, { key, dead: true, drops: sk.sk_drops });
        continue;
      }
      if (prev === undefined && key === "0/0/0/0") {
        this.socks.set(sk, { key, dead: false, drops: 0 });
        continue;
      }
      if (prev?.key === key) continue;
      this.socks.set(sk, { key, dead: false, drops: sk.sk_drops });
      if (sk.sk_drops > (prev?.drops ?? 0)) {
        this.more(
          this.red(
            `✗ overrun at port ${sk.portid}: ${sk.sk_drops - (prev?.drops ?? 0)} skb${sk.sk_drops - (prev?.drops ?? 0) === 1 ? "" : "s"} dropped (queue full: rmem ${sk.sk_rmem_alloc}/${sk.sk_rcvbuf} B${(sk.state & NETLINK_S_CONGESTED) !== 0 ? ", congested" : ""})`,
          ),
        );
        this.note("overrun", NOTE_OVERRUN);
      }
      const drops = sk.sk_drops > 0 ? this.red(`, drops ${sk.sk_drops}`) : "";
      const err = sk.sk_err !== 0 ? this.red(`, sk_err ${sk.sk_err}`) : "";
      this.more(
        this.dim(
          `⇒ port ${sk.portid}: receive queue ${q} skb${q === 1 ? "" : "s"}, rmem ${sk.sk_rmem_alloc}/${sk.sk_rcvbuf} B`,
        ) +
          drops +
          err,
      );
    }
  }

  /** The end of the run. */
  finish(world: World, result: RunResult): void {
    this.sink.step();
    const problems = result.failed.length + result.deadlocked.length;
    this.sink.line(
      `${this.dim(print_time(world.now))} ${this.bold("end")}: ${this.events} trace events, ${world.dmesg().length} printk lines${problems === 0 ? "" : this.red(`, ${result.failed.length} failed tasks, ${result.deadlocked.length} deadlocked`)}`,
    );
    for (const f of result.failed) this.more(this.red(`${f.task}: ${String(f.error)}`));
  }
}

/** open(2)'s access mode and the flags a walk meets */
const openFlags = (flags: number): string => {
  const acc = ["O_RDONLY", "O_WRONLY", "O_RDWR"][flags & 3] ?? String(flags & 3);
  const rest = [
    [0o100, "O_CREAT"],
    [0o1000, "O_TRUNC"],
    [0o2000, "O_APPEND"],
    [0o4000, "O_NONBLOCK"],
  ] as const;
  return [acc, ...rest.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n)].join("|");
};

/** The IP_* options ip_setsockopt handles itself (the model's; any other number goes to netfilter) */
const IP_SOCKOPT_NAMES: Readonly<Record<number, string>> = { 1: "IP_TOS", 2: "IP_TTL", 3: "IP_HDRINCL" };
const IPPROTO_NAMES: Readonly<Record<number, string>> = {
  1: "IPPROTO_ICMP",
  6: "IPPROTO_TCP",
  17: "IPPROTO_UDP",
  255: "IPPROTO_RAW",
};

/** Length without ANSI escapes. */
const ANSI = new RegExp(`${ESC.replace("[", "\\[")}[0-9;]*m`, "g");
const visible = (s: string): number => s.replace(ANSI, "").length;

const wrap = (text: string, width: number): string[] => {
  const out: string[] = [];
  let cur = "";
  for (const w of text.split(" ")) {
    if (cur.length > 0 && cur.length + 1 + w.length > width) {
      out.push(cur);
      cur = w;
    } else cur = cur.length === 0 ? w : `${cur} ${w}`;
  }
  if (cur.length > 0) out.push(cur);
  return out;
};
