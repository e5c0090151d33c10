// icmp-logger as an example for `nlsim run` / `nlsim walk`: its modes and walkthrough notes.
import { ipv4_ntoa } from "../../kernel-model/uapi/ip.js";
import type { Example } from "../types.js";
import { decodePacketInfo, IMP2_CLOSE, IMP2_K_MSG, IMP2_U_PID, NETLINK_IMP2, PACKET_INFO_SIZE } from "./proto.js";
import { type IcmpLoggerDetails, type IcmpLoggerOptions, setupIcmpLogger } from "./run.js";
import { imp2_user } from "./user.js";

export const ICMP_LOGGER_MODES = [
  {
    name: "default",
    description: "imp2_u prints 5 s of pings from 10.0.0.2 and 10.0.0.3, then IMP2_CLOSE; noise ignored",
  },
  {
    name: "ctrl-c",
    description: "imp2_u is killed at 2.5 s (no IMP2_CLOSE): NETLINK_URELEASE stops the module's sends",
  },
  {
    name: "buggy",
    description:
      "the article's module: write_lock_bh(&user_proc.pid) mangles the port, sends go nowhere, CLOSE locks up",
  },
  { name: "gfp-kernel", description: "GFP_KERNEL in the softirq hook (the article uses GFP_ATOMIC): the BUG line" },
] as const;

const OPTIONS: Readonly<Record<string, IcmpLoggerOptions>> = {
  default: {},
  "ctrl-c": { killAtMs: 2500 },
  buggy: { buggy: true },
  "gfp-kernel": { gfpKernel: true },
};

const NOTES: Example["notes"] = [
  {
    match: /hooked NF_INET_PRE_ROUTING/,
    note:
      "nf_register_net_hook(&init_net, &imp2_ops) (model: kernel-model/net/netfilter/core.ts; kernel: " +
      "net/netfilter/core.c). The article's nf_register_hook(&ops) was removed in 4.13. The hook runs from " +
      "ip_rcv (net/ipv4/ip_input.c) in the NET_RX softirq, at priority NF_IP_PRI_FILTER - 1.",
  },
  {
    match: /sleeping function called from invalid context/,
    note:
      "send_to_user allocated with GFP_KERNEL from the netfilter hook, which runs in softirq context (pid 0, " +
      "swapper/0: the CPU was idle when the packet came in). GFP_KERNEL may sleep to reclaim memory; in softirq it " +
      "must not. The article's code uses GFP_ATOMIC; the port keeps it.",
  },
  {
    match: /after write_unlock_bh\(&user_proc\.pid\)/,
    note:
      "The article's write_lock_bh(&user_proc.pid) passes the pid, not the lock (a compiler warning it ignored). " +
      "On today's x86 rwlock (qrwlock, kernel/locking/qrwlock.c) the u32 is taken for the lock word: " +
      "queued_write_lock turns 0 into _QW_LOCKED (0xff), the code stores the pid over it, and queued_write_unlock " +
      "clears the low byte (lock->wlocked = 0): port 1001 (0x3e9) is registered as 768 (0x300). Every send goes " +
      "to a port nobody has, ECONNREFUSED, ignored. The real lock, user_proc.lock, is never taken for writing.",
  },
  {
    match: /soft lockup/,
    note:
      'IMP2_CLOSE takes write_lock_bh(&user_proc.pid) again, now on 768: the "lock word" looks held by three ' +
      "readers (_QR_BIAS is 0x100), so queued_write_lock_slowpath waits for them for ever, bottom halves off: " +
      "the CPU is stuck and the soft-lockup watchdog reports it after 20 s. (2.6's x86 rwlock would already " +
      "have spun on the first U_PID: it expects RW_LOCK_BIAS, 0x01000000, in an unlocked word.) The model " +
      "cannot spin, so it reports and goes on.",
  },
  {
    match: /netlink_unicast\(nlfd, skb, \d+, MSG_DONTWAIT\) = -111/,
    note:
      "send_to_user reads user_proc.pid again after get_icmp unlocked (the article: `if (user_proc.pid != 0) " +
      "{ read_unlock_bh(&user_proc.lock); ... send_to_user(&info); }`): on SMP an IMP2_CLOSE in between makes " +
      "it send to port 0, the module's own kernel socket. Here the pid is already wrong (768), and the article " +
      "ignores netlink_unicast's result, so nothing tells it.",
  },
  {
    match: /released, no more sends/,
    note:
      "netlink_release called the NETLINK_URELEASE notifiers for imp2_u's bound socket (model: " +
      "kernel-model/net/netlink/af_netlink.ts). The article has no notifier: after Ctrl-C it keeps sending to a dead " +
      "port and every netlink_unicast fails with ECONNREFUSED.",
  },
];

export const icmpLoggerExample: Example<IcmpLoggerOptions, IcmpLoggerDetails> = {
  name: "icmp-logger",
  description: "the IBM article's imp2: a netfilter hook sends each ICMP packet's addresses to a user process",
  modes: ICMP_LOGGER_MODES as unknown as Example["modes"],
  protocol: NETLINK_IMP2,
  netlinkInput: () => "process",
  options: (mode) => OPTIONS[mode] ?? {},
  setup: setupIcmpLogger,
  describePayload: (type, payload) => {
    if (type !== IMP2_K_MSG) return undefined;
    const p = decodePacketInfo(payload);
    return p === undefined
      ? `struct packet_info truncated (${payload.length} of ${PACKET_INFO_SIZE} bytes)`
      : `struct packet_info { src ${ipv4_ntoa(p.src)}, dest ${ipv4_ntoa(p.dest)} }`;
  },
  typeNames: { [IMP2_U_PID]: "IMP2_U_PID", [IMP2_CLOSE]: "IMP2_CLOSE", [IMP2_K_MSG]: "IMP2_K_MSG" },
  notes: NOTES,
  // each line as it comes, as imp2_u on the simulator: a Ctrl-C (SIGINT interrupts the program; the
  // scope closes its socket, so NETLINK_URELEASE tells the module) keeps what was printed before it
  userProgram: (mode) =>
    imp2_user({ durationMs: OPTIONS[mode]?.durationMs ?? 5000, out: (l) => void process.stdout.write(`${l}\n`) }),
};
