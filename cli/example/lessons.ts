// `nlsim walk ack|dump|addressing|macros|notify`: walkthroughs of what netlink tutorials teach and no
// example program shows — ACKs, dumps, port ids and groups, several messages in one datagram,
// rtnetlink's notifications.
// Each lesson is a scenario (the conformance suite's format, cli/scenario) with a caption and a
// note for its steps; the walk runs it on the simulator, and a test compares its trace with the
// live kernel's. Historical claims name the kernel version and the function they come from.
import { Effect } from "effect";
import type { Example } from "../../examples/types.js";
import { NETLINK_ROUTE, NETLINK_USERSOCK } from "../../kernel-model/uapi/index.js";
import { runProcess } from "../../transport/sim.js";
import { datagramBytes } from "../scenario/build.js";
import type { Scenario } from "../scenario/model.js";
import { parseScenario } from "../scenario/parse.js";
import { runScenario } from "../scenario/run.js";

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** What a lesson says at a step (by index in the scenario's steps): a caption, and maybe a note. */
interface LessonStep {
  readonly say: string;
  readonly note?: string;
}

export interface Lesson {
  readonly name: string;
  readonly description: string;
  readonly protocol: number;
  /** the scenario, as a scenario file would hold it */
  readonly scenario: { readonly description: string; readonly steps: ReadonlyArray<Json> };
  readonly steps: Readonly<Record<number, LessonStep>>;
}

const DONTWAIT: Json = ["MSG_DONTWAIT"];
const KERNEL: Json = { pid: 0, groups: 0 };
const RTM_GETLINK = 18;
/** struct ifinfomsg with ifi_index `i` */
const ifinfomsg = (i: number): string => `00000000${i.toString(16).padStart(2, "0")}000000${"0".repeat(16)}`;

const MACROS: Lesson = {
  name: "macros",
  description: "several messages in one datagram: NLMSG_ALIGN padding, NLMSG_OK and NLMSG_NEXT (NETLINK_USERSOCK)",
  protocol: NETLINK_USERSOCK,
  scenario: {
    description: "three messages in one datagram, a last message without padding, a bad nlmsg_len, user to user",
    steps: [
      { do: "socket", as: "a" },
      { do: "bind", sock: "a", pid: 0, groups: 0 },
      { do: "socket", as: "b" },
      { do: "bind", sock: "b", pid: 0, groups: 0 },
      {
        do: "sendto",
        sock: "a",
        to: { pid: "@b", groups: 0 },
        msgs: [
          { type: 16, flags: 0, seq: 1, pid: "@a", payload: "01" },
          { type: 17, flags: 0, seq: 2, pid: "@a", payload: "02030405" },
          { type: 18, flags: 0, seq: 3, pid: "@a", payload: "060708090a" },
        ],
        flags: DONTWAIT,
      },
      { do: "recv", sock: "b", size: 4096, flags: DONTWAIT },
      {
        do: "sendto",
        sock: "a",
        to: { pid: "@b", groups: 0 },
        msg: { hex: "110000001000000001000000000000000b" },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "b", size: 4096, flags: DONTWAIT },
      {
        do: "sendto",
        sock: "a",
        to: { pid: "@b", groups: 0 },
        msg: { hex: "0f000000100000000100000000000000ff" },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "b", size: 4096, flags: DONTWAIT },
    ],
  },
  steps: {
    0: {
      say: "two NETLINK_USERSOCK sockets, a and b: user to user, the kernel only passes datagrams on",
      note:
        "NETLINK_USERSOCK (unit 2) has no kernel socket: netlink_sendmsg copies the datagram into an skb and " +
        "netlink_unicast queues it on the receiver (af_netlink.c). Nothing inside the datagram is checked on the " +
        "way, so what the reader sees is exactly what the writer built with the NLMSG_* macros.",
    },
    4: {
      say: "a sends ONE datagram holding three messages, with 1-, 4- and 5-byte payloads",
      note:
        "The macros of include/uapi/linux/netlink.h: NLMSG_ALIGNTO is 4 and NLMSG_ALIGN(len) rounds up to it; " +
        "NLMSG_HDRLEN is NLMSG_ALIGN(sizeof(struct nlmsghdr)) = 16; NLMSG_LENGTH(len) = len + NLMSG_HDRLEN is what " +
        "nlmsg_len holds; NLMSG_SPACE(len) = NLMSG_ALIGN(NLMSG_LENGTH(len)) is the room a message takes; " +
        "NLMSG_DATA(nlh) is the payload, NLMSG_LENGTH(0) bytes in. The 1-byte payload gives nlmsg_len 17 and 3 bytes " +
        "of padding before the next header; the 4-byte one none; the 5-byte one 3 again. In the kernel, nlmsg_put " +
        "and nlmsg_end (include/net/netlink.h) do the same arithmetic; 2.6-era modules used the NLMSG_PUT macro.",
    },
    5: {
      say: "b reads: one recvmsg returns the whole datagram, all three messages",
      note:
        "A reader walks the buffer: for (nlh = buf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)). NLMSG_OK(nlh, " +
        "len) holds while len ≥ 16, nlmsg_len ≥ 16 and nlmsg_len ≤ len; NLMSG_NEXT steps NLMSG_ALIGN(nlmsg_len) bytes " +
        "and takes them off len. recvmsg returns one datagram (never part of one, never two): a program that reads " +
        "one message per recvmsg, or treats the socket as a byte stream, loses or misreads the rest.",
    },
    6: {
      say: "a sends a 17-byte datagram: the last message ends without its padding",
      note:
        "The last message of a datagram needs no padding: after it NLMSG_NEXT leaves len at or below zero and " +
        "NLMSG_OK ends the loop. The kernel's own netlink_rcv_skb walks the same way (nlmsg_len aligned with " +
        "NLMSG_ALIGN, the rest of the skb ignored when it is shorter than a header).",
    },
    8: {
      say: "a sends a message whose nlmsg_len (15) is shorter than its own header",
      note:
        "Between user sockets nothing checks it: b gets the bytes as sent. NLMSG_OK refuses the message (nlmsg_len " +
        "< 16), so a correct reader stops here. A kernel socket's netlink_rcv_skb stops the same way, silently, " +
        "without an ACK (the ack walk shows the ACK rules).",
    },
  },
};

const ADDRESSING: Lesson = {
  name: "addressing",
  description:
    "port ids and groups: autobind, EADDRINUSE, nl_groups as a mask, group numbers, pid 0 (NETLINK_USERSOCK)",
  protocol: NETLINK_USERSOCK,
  scenario: {
    description: "autobind (tgid, then negative), EADDRINUSE, a groups mask, ADD_MEMBERSHIP, a group send, pid 0",
    steps: [
      { do: "socket", as: "a" },
      { do: "socket", as: "b" },
      { do: "socket", as: "c" },
      { do: "socket", as: "d" },
      { do: "bind", sock: "a", pid: 0, groups: 0 },
      { do: "getsockname", sock: "a" },
      { do: "bind", sock: "b", pid: 0, groups: 0 },
      { do: "getsockname", sock: "b" },
      { do: "bind", sock: "c", pid: "@a", groups: 0 },
      { do: "bind", sock: "d", pid: 0, groups: 5 },
      { do: "getsockname", sock: "d" },
      { do: "setsockopt", sock: "d", level: "SOL_NETLINK", name: "NETLINK_ADD_MEMBERSHIP", value: 2 },
      { do: "getsockname", sock: "d" },
      {
        do: "sendto",
        sock: "a",
        to: { pid: 0, groups: 4 },
        msg: { type: 16, flags: 0, seq: 1, pid: "@a", payload: "01020304" },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "d", size: 4096, flags: DONTWAIT },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: 16, flags: 1, seq: 2, pid: "@a", payload: "" },
        flags: DONTWAIT,
      },
      { do: "setsockopt", sock: "d", level: "SOL_NETLINK", name: "NETLINK_ADD_MEMBERSHIP", value: 33 },
      { do: "proc" },
    ],
  },
  steps: {
    0: {
      say: "four NETLINK_USERSOCK sockets a, b, c, d (no address yet)",
      note:
        "socket(AF_NETLINK, SOCK_RAW, unit): the unit picks the kernel subsystem. Today's units (include/uapi/" +
        "linux/netlink.h): 0 ROUTE, 2 USERSOCK, 3 FIREWALL (unused since ip_queue left in 3.5), 4 SOCK_DIAG " +
        "(INET_DIAG until 3.3), 5 NFLOG, 6 XFRM, 7 SELINUX, 8 ISCSI, 9 AUDIT, 10 FIB_LOOKUP, 11 CONNECTOR, 12 NETFILTER, 13 IP6_FW, 14 DNRTMSG, " +
        "15 KOBJECT_UEVENT, 16 GENERIC, 18 SCSITRANSPORT, 19 ECRYPTFS, 20 RDMA, 21 CRYPTO, 22 SMC; 1 is unused and 17 " +
        "and 23 to 31 are free (MAX_LINKS 32). Tutorials of the 2.6.14 days list only 0 to 16 and put a module on 17 " +
        "or above; the unit must be free on the kernel that runs it.",
    },
    4: {
      say: "bind(a, nl_pid 0): autobind picks the port id",
      note:
        "netlink_autobind (af_netlink.c) tries the process's tgid first (task_tgid_vnr(current)); a port id is " +
        "per unit, so the first autobound socket of each unit gets it. The port id names a socket, not a process: " +
        "nl_pid = getpid(), as many tutorials write, works for one socket per process and unit only.",
    },
    6: {
      say: "bind(b, nl_pid 0): the tgid is taken, so autobind goes negative",
      note:
        "With the tgid taken, netlink_autobind picks a negative port id counting down (2.6: a global rover from " +
        "-4097; today: from a random start in [-2^31, -4097]), so a program must read its own with getsockname, " +
        "never assume getpid().",
    },
    8: {
      say: "bind(c, nl_pid = a's port): taken",
      note:
        "netlink_insert finds the (unit, port id) pair already in nl_table and bind fails with EADDRINUSE. Port ids " +
        "are unique per unit only: a NETLINK_ROUTE socket could hold the same number.",
    },
    9: {
      say: "bind(d, nl_groups 0x5): joins groups 1 and 3",
      note:
        "sockaddr_nl.nl_groups is a bit MASK of groups 1 to 32: bit n-1 is group n, so 0x5 is groups 1 and 3 " +
        "(netlink_bind → netlink_update_subscriptions). In the kernel, netlink_broadcast(sk, skb, portid, group, gfp) " +
        "takes a group NUMBER (1-based), and its portid is a port to exclude; a mask there is a classic bug.",
    },
    11: {
      say: "setsockopt(d, NETLINK_ADD_MEMBERSHIP, 2): joins group 2 by number",
      note:
        "NETLINK_ADD_MEMBERSHIP (2.6.14+, netlink_setsockopt) takes a group number, not a mask, and is the only way " +
        "to join groups above 32 on units that have them (generic netlink families, NETLINK_ROUTE's RTNLGRP_*).",
    },
    13: {
      say: "a sends to nl_pid 0, nl_groups 0x4: a multicast to group 3",
      note:
        "A send with nl_groups set is a broadcast (netlink_broadcast with the lowest group of the mask, " +
        "ffs(nl_groups)); with nl_pid 0 nobody gets a unicast copy. d is in group 3, so its queue gets one copy. " +
        "On USERSOCK any user may send to groups (NL_CFG_F_NONROOT_SEND); on most units only root may. The " +
        "sendto still fails with ECONNREFUSED: after the broadcast, netlink_sendmsg unicasts to nl_pid 0 as well, " +
        "and USERSOCK has no kernel socket there. d's copy was delivered all the same.",
    },
    15: {
      say: "a sends to nl_pid 0, nl_groups 0: port 0 is the kernel",
      note:
        "Port id 0 is the kernel's socket of the unit. NETLINK_USERSOCK has none (no netlink_kernel_create for " +
        "unit 2), so netlink_unicast finds nobody and sendto fails with ECONNREFUSED; on a unit whose module " +
        "is loaded the message goes to the module's input.",
    },
    16: {
      say: "setsockopt(d, NETLINK_ADD_MEMBERSHIP, 33): USERSOCK has 32 groups",
      note:
        "A unit's group count is fixed by netlink_kernel_create (at least 32); a group number of 0 or above it is " +
        "EINVAL (netlink_setsockopt checks it against nlk->ngroups).",
    },
  },
};

const ACK: Lesson = {
  name: "ack",
  description:
    "NLM_F_ACK: a success ACK, an error echoing the request, NETLINK_CAP_ACK, NETLINK_EXT_ACK (NETLINK_ROUTE)",
  protocol: NETLINK_ROUTE,
  scenario: {
    description: "ACK rules of netlink_rcv_skb/netlink_ack on rtnetlink",
    steps: [
      { do: "socket", as: "a" },
      { do: "bind", sock: "a", pid: 0, groups: 0 },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: 3, flags: 5, seq: 1, pid: "@a", payload: "" },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: RTM_GETLINK, flags: 5, seq: 2, pid: "@a", payload: ifinfomsg(99) },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
      { do: "setsockopt", sock: "a", level: "SOL_NETLINK", name: "NETLINK_CAP_ACK", value: 1 },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: RTM_GETLINK, flags: 5, seq: 3, pid: "@a", payload: ifinfomsg(99) },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
      { do: "setsockopt", sock: "a", level: "SOL_NETLINK", name: "NETLINK_EXT_ACK", value: 1 },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: {
          type: RTM_GETLINK,
          flags: 5,
          seq: 4,
          pid: "@a",
          payload: ifinfomsg(0),
          attrs: [{ type: 3, hex: "6161616161616161616161616161616100" }],
        },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: 3, flags: 1, seq: 5, pid: "@a", payload: "" },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
    ],
  },
  steps: {
    2: {
      say: "a sends NLMSG_DONE with NLM_F_REQUEST|NLM_F_ACK: a control message, nothing to do but the ACK",
      note:
        "NLM_F_ACK (0x4) is a REQUEST flag: it asks the receiver to answer with an NLMSG_ERROR whose error is 0 " +
        "(an ACK) or a negative errno. It does not mark a message as a reply, as some tutorials say. " +
        "netlink_rcv_skb (af_netlink.c) skips control types (below NLMSG_MIN_TYPE, 0x10) and, because of NLM_F_ACK, " +
        "calls netlink_ack(skb, nlh, 0, NULL).",
    },
    3: {
      say: "a reads the success ACK",
      note:
        "struct nlmsgerr { int error; struct nlmsghdr msg; }: error 0 and the request's header echoed. A success " +
        "ACK never echoes the payload; since 4.12 netlink_ack also says so with NLM_F_CAPPED (0x100).",
    },
    4: {
      say: "a asks RTM_GETLINK for ifindex 99, which does not exist, with NLM_F_ACK",
      note:
        "rtnl_getlink returns -ENODEV; netlink_rcv_skb hands the error to netlink_ack, which sends it whether or " +
        "not NLM_F_ACK was set: an error always gets an answer.",
    },
    5: {
      say: "a reads the error: ENODEV with the whole request echoed",
      note:
        "Without NETLINK_CAP_ACK an error echoes the whole request, header and payload, after the errno " +
        "(nlmsgerr.msg then the payload): the reader can tell which request failed even in a batch.",
    },
    6: {
      say: "setsockopt(NETLINK_CAP_ACK, 1): errors echo only the header",
      note:
        "NETLINK_CAP_ACK (4.3+): netlink_ack echoes only the request's header and sets NLM_F_CAPPED, so a big " +
        "request's error does not cost a big reply.",
    },
    9: {
      say: "setsockopt(NETLINK_EXT_ACK, 1): errors carry extended-ACK TLVs",
      note:
        "NETLINK_EXT_ACK (4.12+): netlink_ack appends TLVs after struct nlmsgerr (NLM_F_ACK_TLVS, 0x200): " +
        "NLMSGERR_ATTR_MSG (a text), NLMSGERR_ATTR_OFFS (the offending attribute's offset in the request), and " +
        "later NLMSGERR_ATTR_POLICY and MISS_TYPE. Handlers fill them with NL_SET_ERR_MSG and friends.",
    },
    10: {
      say: "a sends RTM_GETLINK with IFLA_IFNAME of 17 bytes (the policy allows 16)",
      note:
        "rtnl_getlink parses the attributes with the IFLA policy (nlmsg_parse_deprecated → __nla_validate); " +
        "IFLA_IFNAME is NLA_STRING with len IFNAMSIZ-1, so the parse fails with ERANGE and fills the extack: " +
        "a message and the attribute's offset.",
    },
    12: {
      say: "a sends NLMSG_DONE with NLM_F_REQUEST only: no ACK asked",
      note:
        "Without NLM_F_ACK a message that succeeds gets no answer at all: the recv that follows would block " +
        "(here MSG_DONTWAIT: EAGAIN). Libraries set NLM_F_ACK on every request that has no reply of its own.",
    },
  },
};

const DUMP: Lesson = {
  name: "dump",
  description: "NLM_F_DUMP: NLM_F_MULTI parts, NLMSG_DONE in a later round, EBUSY for a second dump (NETLINK_ROUTE)",
  protocol: NETLINK_ROUTE,
  scenario: {
    description: "an RTM_GETLINK dump in a namespace with only lo, a second dump while it runs, the rounds",
    steps: [
      { do: "socket", as: "a" },
      { do: "bind", sock: "a", pid: 4242, groups: 0 },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: RTM_GETLINK, flags: 769, seq: 1, pid: "@a", payload: ifinfomsg(0) },
        flags: DONTWAIT,
      },
      { do: "proc" },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: RTM_GETLINK, flags: 769, seq: 2, pid: "@a", payload: ifinfomsg(0) },
        flags: DONTWAIT,
      },
      { do: "proc" },
      { do: "recv", sock: "a", size: 16, flags: ["MSG_DONTWAIT", "MSG_TRUNC"] },
      { do: "recv", sock: "a", size: 32768, flags: DONTWAIT },
      { do: "recv", sock: "a", size: 32768, flags: DONTWAIT },
      { do: "recv", sock: "a", size: 32768, flags: DONTWAIT },
      { do: "proc" },
    ],
  },
  steps: {
    2: {
      say: "a asks RTM_GETLINK with NLM_F_REQUEST|NLM_F_DUMP (0x301): every link",
      note:
        "NLM_F_DUMP is NLM_F_ROOT|NLM_F_MATCH (0x300) and is implemented: some tutorials call it unused. " +
        "rtnetlink_rcv_msg sees it and calls netlink_dump_start (af_netlink.c), which runs the first round of the " +
        "dump callback at once, in the sender's context: as many RTM_NEWLINK messages as fit one skb, each with " +
        "NLM_F_MULTI.",
    },
    3: {
      say: "/proc/net/netlink: the dump is still running",
      note:
        "The dump's state lives on the socket (nlk->cb_running, the Dump column): lo fitted in the first round, " +
        "but NLMSG_DONE goes out only in the next round, which the reader's recvmsg drives (netlink_recvmsg calls " +
        "netlink_dump once the queue has room).",
    },
    4: {
      say: "a asks for a second dump while the first runs",
      note:
        "One dump per socket at a time: __netlink_dump_start returns -EBUSY, and netlink_rcv_skb answers the " +
        "second request with an NLMSG_ERROR EBUSY, queued behind the first dump's parts.",
    },
    6: {
      say: "a reads the first part (its header only: MSG_TRUNC gives the real length)",
      note:
        "Each part is an RTM_NEWLINK with NLM_F_MULTI (0x2). A reader must use a buffer of at least " +
        "NLMSG_GOODSIZE (a page, up to 8 KiB) or read with MSG_PEEK|MSG_TRUNC first: a short buffer loses the " +
        "rest of the datagram.",
    },
    7: {
      say: "a reads on: the EBUSY error",
    },
    8: {
      say: "a reads on: NLMSG_DONE, from a later dump round that netlink_recvmsg ran",
      note:
        "NLMSG_DONE (type 3, with NLM_F_MULTI and an int: 0, or an errno) ends the dump; the reader stops there. " +
        "A dump that spans several rounds arrives in several datagrams, so the loop must keep reading until " +
        "NLMSG_DONE, not until one recvmsg returns.",
    },
    9: {
      say: "a reads once more: nothing is left",
    },
  },
};

/** What a listener masks in rtnetlink notifications: counters and timestamps, whose bytes vary between runs. */
const VOLATILE: Json = [
  "IFLA_STATS",
  "IFLA_STATS64",
  "IFLA_AF_SPEC/AF_INET6/IFLA_INET6_CACHEINFO",
  "IFLA_AF_SPEC/AF_INET6/IFLA_INET6_STATS",
  "IFLA_AF_SPEC/AF_INET6/IFLA_INET6_ICMP6STATS",
  "IFA_CACHEINFO",
];
const listen = (n: number): Json[] =>
  Array.from({ length: n }, () => ({
    do: "recv",
    sock: "l",
    size: 65536,
    flags: DONTWAIT,
    decode: "attrs",
    mask: VOLATILE,
  }));
/** struct ifaddrmsg for 192.0.2.1/24 on lo, and its IFA_LOCAL (and IFA_ADDRESS) */
const ADDR = "0218000001000000";
const IFA_192_0_2_1: Json = { type: 2, hex: "c0000201" };

const NOTIFY: Lesson = {
  name: "notify",
  description:
    "rtnetlink notifications: groups by mask and by number, what lo up, a new address and its removal announce (NETLINK_ROUTE)",
  protocol: NETLINK_ROUTE,
  scenario: {
    description:
      "a listener on RTNLGRP_LINK, IPV4_IFADDR, IPV4_ROUTE and IPV4_MCADDR; a second socket brings lo up, adds 192.0.2.1/24 to it and removes it",
    steps: [
      { do: "socket", as: "l" },
      { do: "bind", sock: "l", pid: 0, groups: 0x51 },
      { do: "setsockopt", sock: "l", level: "SOL_NETLINK", name: "NETLINK_ADD_MEMBERSHIP", value: 37 },
      { do: "setsockopt", sock: "l", level: "SOL_NETLINK", name: "NETLINK_PKTINFO", value: 1 },
      { do: "socket", as: "a" },
      { do: "bind", sock: "a", pid: 4242, groups: 0 },
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: 16, flags: 5, seq: 1, pid: "@a", payload: "00000000010000000100000001000000" },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
      ...listen(7),
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: {
          type: 20,
          flags: 0x605,
          seq: 2,
          pid: "@a",
          payload: ADDR,
          attrs: [IFA_192_0_2_1, { ...IFA_192_0_2_1, type: 1 }],
        },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
      ...listen(5),
      {
        do: "sendto",
        sock: "a",
        to: KERNEL,
        msg: { type: 21, flags: 5, seq: 3, pid: "@a", payload: ADDR, attrs: [IFA_192_0_2_1] },
        flags: DONTWAIT,
      },
      { do: "recv", sock: "a", size: 4096, flags: DONTWAIT },
      ...listen(5),
    ],
  },
  steps: {
    1: {
      say: "l binds with nl_groups 0x51: RTNLGRP_LINK (1), RTNLGRP_IPV4_IFADDR (5), RTNLGRP_IPV4_ROUTE (7)",
      note:
        "nl_groups is a bit mask, bit n-1 for group n (RTMGRP_LINK 0x1, RTMGRP_IPV4_IFADDR 0x10, RTMGRP_IPV4_ROUTE " +
        "0x40 in linux/rtnetlink.h): it reaches the first 32 groups only. Binding with groups needs no privilege " +
        "on NETLINK_ROUTE (NL_CFG_F_NONROOT_RECV).",
    },
    2: {
      say: "l joins RTNLGRP_IPV4_MCADDR (37) by number: above 32, no mask bit can name it",
      note:
        "NETLINK_ADD_MEMBERSHIP (2.6.14) takes a group number, any group the unit has (RTNLGRP_MAX, 40-odd " +
        "groups in 6.x). The IPv4 multicast address notifications (RTM_NEWMULTICAST/DELMULTICAST on group 37) " +
        "came with 6.15; before that a program polled RTM_GETMULTICAST.",
    },
    3: {
      say: "l asks NETLINK_PKTINFO: each notification read says which group brought it",
    },
    6: {
      say: "a brings lo up: RTM_NEWLINK for ifindex 1, ifi_flags IFF_UP, ifi_change IFF_UP",
      note:
        "A change is a request like any other: rtnl_newlink → do_setlink → dev_change_flags (rtnetlink.c, " +
        "dev.c). It needs CAP_NET_ADMIN; a's ACK says only that it worked. What changed is announced to the " +
        "groups, by the kernel (pid 0), with nlmsg_seq 0 and nlmsg_pid 0 unless the change answers a request " +
        "that asked for it (the address below carries a's seq).",
    },
    8: {
      say: "l reads: RTM_NEWLINK for lo, now up (group 1)",
      note:
        "rtmsg_ifinfo sends the whole link, every IFLA_* attribute, as a dump would: a listener need not ask " +
        "again. Counters and timestamps (IFLA_STATS64, IFLA_INET6_CACHEINFO) differ from run to run: the " +
        "lesson's trace, which a test compares with the live kernel's, masks them (the scenario format's " +
        "decode and mask).",
    },
    9: {
      say: "l reads: RTM_NEWADDR 127.0.0.1/8 (group 5): the kernel gives lo its address when lo comes up",
      note:
        "inetdev_event on NETDEV_UP adds 127.0.0.1/8 to a loopback device (devinet.c); nobody asked for it, " +
        "so the notification has seq 0. Then the routes the address implies follow on group 7.",
    },
    10: {
      say: "l reads: RTM_NEWROUTE, a route in table local (group 7), and two more below",
      note:
        "fib_add_ifaddr adds a host route for the address itself, one for its prefix and the broadcast route, " +
        "all in table local (255), each announced by rtmsg_fib with NLM_F_EXCL|NLM_F_CREATE as if requested.",
    },
    13: {
      say: "l reads: RTM_NEWMULTICAST 224.0.0.1 (group 37, joined by number)",
    },
    14: { say: "l reads: nothing more" },
    15: {
      say: "a adds 192.0.2.1/24 to lo: RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL",
    },
    17: {
      say: "l reads: RTM_NEWADDR 192.0.2.1/24 with a's seq: it answers a's request",
      note:
        "The notification of a change someone asked for carries the requester's nlmsg_seq and port id " +
        "(inet_rtm_newaddr passes them to rtmsg_ifa): a program can tell its own changes from others'.",
    },
    18: { say: "l reads: the new address's routes, in table local and main" },
    22: { say: "a removes 192.0.2.1: RTM_DELADDR" },
    24: {
      say: "l reads: RTM_DELADDR, then RTM_DELROUTE for each of its routes",
      note:
        "A removal is announced as the addition was, with the DEL types (21, 25); the routes go with their " +
        "address (fib_del_ifaddr), with no request of their own.",
    },
    28: { say: "l reads: nothing more" },
  },
};

export const LESSONS: Readonly<Record<string, Lesson>> = {
  ack: ACK,
  dump: DUMP,
  addressing: ADDRESSING,
  macros: MACROS,
  notify: NOTIFY,
};

/** The lesson's scenario, validated as a scenario file would be. */
export const lessonScenario = (lesson: Lesson): Scenario =>
  parseScenario(
    JSON.stringify({ name: `lesson-${lesson.name}`, protocol: lesson.protocol, ...lesson.scenario }),
    `lesson ${lesson.name}`,
  );

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What a scenario walk says beside the trace: its name, description, and captions by step. */
interface ScenarioCaptions {
  readonly name: string;
  readonly description: string;
  readonly mode: string;
  readonly steps: Readonly<Record<number, LessonStep>>;
}

/** A scenario as an example `nlsim walk` and `nlsim run` take: one process running it. */
const scenarioExample = (scenario: Scenario, c: ScenarioCaptions): Example => {
  const caption = (i: number, say: string): string => `step ${i}: ${say}`;
  return {
    name: c.name,
    description: c.description,
    modes: [{ name: "default", description: c.mode }],
    protocol: scenario.protocol,
    // rtnetlink's input runs in the sender's context (today's kernel); USERSOCK has no kernel socket
    netlinkInput: () => (scenario.protocol === NETLINK_USERSOCK ? null : "process"),
    notes: Object.entries(c.steps).flatMap(([i, s]) =>
      s.note === undefined ? [] : [{ match: new RegExp(`^${escapeRegExp(caption(Number(i), s.say))}$`), note: s.note }],
    ),
    options: () => undefined,
    setup: (world, _options, hooks) => {
      const pid = world.allocPid();
      const who = { name: c.name, pid };
      runProcess(
        world,
        { name: c.name, pid },
        runScenario(scenario, pid, (step, resolve) =>
          Effect.sync(() => {
            const s = c.steps[step.index];
            if (s !== undefined) hooks.out(caption(step.index, s.say));
            // the port id getsockname is about to report (the runner re-read it before this step)
            if (step.do === "getsockname")
              hooks.out(`getsockname(${step.sock}): nl_pid ${resolve({ sock: step.sock }) | 0}`);
            if ((step.do === "sendto" || step.do === "send") && hooks.onSend !== undefined) {
              const to = step.do === "sendto" && step.to !== undefined ? step.to : undefined;
              hooks.onSend(
                who,
                datagramBytes(step.msgs, resolve),
                to === undefined ? undefined : { pid: resolve(to.pid) >>> 0, groups: to.groups },
              );
            }
          }),
        ),
      );
      return { details: () => undefined };
    },
  };
};

/** A lesson as an example `nlsim walk` and `nlsim run` take: one process running its scenario. */
export const lessonExample = (lesson: Lesson): Example =>
  scenarioExample(lessonScenario(lesson), {
    name: lesson.name,
    description: lesson.description,
    mode: lesson.scenario.description,
    steps: lesson.steps,
  });

/**
 * A scenario file (docs/scenario-format.md) as an example: `nlsim walk FILE.json` narrates it on the
 * simulator. Its process is named after the file's `name`; its `comment` keys become captions.
 */
export const scenarioFileExample = (text: string, fileName: string): Example => {
  const scenario = parseScenario(text, fileName);
  const raw = JSON.parse(text) as { description?: unknown; steps?: ReadonlyArray<{ comment?: unknown }> };
  const steps: Record<number, LessonStep> = {};
  raw.steps?.forEach((st, i) => {
    if (typeof st?.comment === "string" && st.comment !== "") steps[i] = { say: st.comment };
  });
  const description = typeof raw.description === "string" ? raw.description : `the scenario ${fileName}`;
  return scenarioExample(scenario, {
    name: scenario.name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 15) || "scenario",
    description,
    mode: description,
    steps,
  });
};

export const LESSON_EXAMPLES: Readonly<Record<string, Example>> = Object.fromEntries(
  Object.entries(LESSONS).map(([k, l]) => [k, lessonExample(l)]),
);
