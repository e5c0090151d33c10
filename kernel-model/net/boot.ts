// What a kernel has in a fresh network namespace, netlink-wise, booted from a profile (profile.ts; the
// default is stock 6.18, af_netlink.md §1 and §13). The units of the default profile and their model:
// the pernet init functions that create kernel sockets, and the units whose (global) nl_table entry
// exists although their kernel socket lives in the initial namespace only.
//
//   unit                 model
//   0  ROUTE             rtnetlink (net/core/rtnetlink.ts), lo
//   2  USERSOCK          registered by the Net constructor (netlink_add_usersock_entry)
//   4  SOCK_DIAG         registered + kernel socket; dispatch and errors (net/core/sock_diag.ts),
//                        the dumps not modelled (see below)
//   6  XFRM              registered + kernel socket; type range and CAP_NET_ADMIN
//                        (net/xfrm/xfrm_user.ts), the SAD/SPD not modelled
//   7  SELINUX           registered, no kernel socket in a new namespace (selnl_init uses
//                        init_net): socket() works, unicast to port 0 → ECONNREFUSED [live]
//   9  AUDIT             registered + kernel socket; audit_netlink_ok's checks (net/audit.ts),
//                        the audit state not modelled
//  10  FIB_LOOKUP        registered + kernel socket; requests not modelled
//  11  CONNECTOR         registered, no kernel socket in a new namespace (cn_init uses init_net) [live]
//  12  NETFILTER         registered + kernel socket; CAP_NET_ADMIN, nfgenmsg and subsystem checks
//                        (net/netfilter/nfnetlink.ts), the subsystems not modelled
//  15  KOBJECT_UEVENT    uevent_net_init: kernel socket, input uevent_net_rcv (CAP_SYS_ADMIN, then
//                        the message is rebroadcast to group 1 with a SEQNUM; a success ACK) [live]
//  16  GENERIC           genl_init (net/genetlink), nlctrl
//
// Units whose protocol the model does not implement (SOCK_DIAG, XFRM, AUDIT, FIB_LOOKUP, NETFILTER)
// are registered with the kernel's group counts and NONROOT flags and a kernel socket at port 0,
// because on a stock kernel socket(), bind(), memberships and the send itself succeed, and programs
// probe for them that way. What their input cannot compute it logs "not modelled" (printk) and
// drops without a reply; the checks in front of it (types, lengths, capabilities) answer as the
// kernel's do (conformance: units-*-dispatch): a reply the model cannot compute honestly would be worse than none, and leaving the units
// closed (EPROTONOSUPPORT) would misreport every step before the request. The group counts and the
// uid-1000 bind results were measured (conformance: units-socket-groups-permissions).
import { GFP_ATOMIC } from "../kernel/gfp.js";
import { KERN_NOTICE } from "../kernel/printk.js";
import {
  CAP_SYS_ADMIN,
  ERRNO,
  NETLINK_AUDIT,
  NETLINK_KOBJECT_UEVENT,
  NETLINK_NETFILTER,
  NETLINK_PROTOCOL_NAMES,
  NETLINK_SOCK_DIAG,
  NETLINK_XFRM,
  type NetlinkExtAck,
  NL_CFG_F_NONROOT_RECV,
  NLMSG_HDRLEN,
} from "../uapi/index.js";
import { audit_receive } from "./audit.js";
import { loopback_net_init } from "./core/loopback.js";
import { rtnetlink_net_init } from "./core/rtnetlink.js";
import { rtnl_subsys_net_init } from "./core/rtnl_subsys.js";
import { sock_diag_rcv } from "./core/sock_diag.js";
import { genl_init } from "./genetlink/ctrl.js";
import { genl_boot_profile } from "./genetlink/profile.js";
import { nfnetlink_rcv } from "./netfilter/nfnetlink.js";
import { type Nlmsghdr, netlink_rcv_skb } from "./netlink/ack.js";
import { netlink_broadcast } from "./netlink/broadcast.js";
import { netlink_ns_capable } from "./netlink/capable.js";
import { netlink_kernel_create } from "./netlink/kernel.js";
import { alloc_skb, type SkBuff, skb_put } from "./netlink/skb.js";
import { type NetlinkSock, NLGRPWORDS } from "./netlink/sock.js";
import type { Net } from "./netlink/table.js";
import type { KernelProfile } from "./profile.js";
import { LINUX_6_18_NETNS } from "./profiles/linux-6.18.js";
import { xfrm_netlink_rcv } from "./xfrm/xfrm_user.js";

/** UEVENT_BUFFER_SIZE (include/linux/kobject.h) */
const UEVENT_BUFFER_SIZE = 2048;

interface UeventNet {
  sk: NetlinkSock | null;
  /** uevent_seqnum: global and host-specific in the kernel (every uevent since boot); counted from 0 here */
  seqnum: bigint;
}
const uevent_nets = new WeakMap<Net, UeventNet>();

/** uevent_net_broadcast: the request (without its nlmsghdr, and whatever follows it) + "SEQNUM=n\0" to group 1. */
const uevent_net_broadcast = (usk: NetlinkSock, skb: SkBuff, extack: NetlinkExtAck, u: UeventNet): number => {
  u.seqnum += 1n;
  const seq = new TextEncoder().encode(`SEQNUM=${u.seqnum}\0`);
  if (skb.len + seq.length > UEVENT_BUFFER_SIZE) {
    extack.msg = "uevent message too big";
    return -ERRNO.EINVAL;
  }
  const body = skb.data.subarray(NLMSG_HDRLEN);
  const skbc = alloc_skb(body.length + seq.length, GFP_ATOMIC);
  const off = skb_put(skbc, body.length + seq.length);
  skbc.head.set(body, off);
  skbc.head.set(seq, off + body.length);
  skbc.cb.portid = 0;
  skbc.cb.dst_group = 1;
  const ret = netlink_broadcast(usk, skbc, 0, 1, 0);
  // ENOBUFS should be handled in userspace
  return ret === -ERRNO.ENOBUFS || ret === -ERRNO.ESRCH ? 0 : ret;
};

/** uevent_net_rcv_skb: CAP_SYS_ADMIN over the namespace, then the rebroadcast. */
const uevent_net_rcv_skb =
  (u: UeventNet) =>
  (skb: SkBuff, _nlh: Nlmsghdr, extack: NetlinkExtAck): number => {
    if (!netlink_ns_capable(skb, CAP_SYS_ADMIN)) {
      extack.msg = "missing CAP_SYS_ADMIN capability";
      return -ERRNO.EPERM;
    }
    return uevent_net_broadcast(u.sk!, skb, extack, u);
  };

/** uevent_net_init: the per-namespace NETLINK_KOBJECT_UEVENT socket (1 group, NONROOT_RECV). */
export const uevent_net_init = (net: Net): NetlinkSock | number => {
  if (uevent_nets.has(net)) return -ERRNO.EEXIST;
  const u: UeventNet = { sk: null, seqnum: 0n };
  const rcv = uevent_net_rcv_skb(u);
  const sk = netlink_kernel_create(net, NETLINK_KOBJECT_UEVENT, {
    groups: 1,
    flags: NL_CFG_F_NONROOT_RECV,
    input: (skb) => {
      netlink_rcv_skb(skb, rcv);
    },
  });
  if (sk === null) return -ERRNO.ENOMEM;
  u.sk = sk;
  uevent_nets.set(net, u);
  return sk;
};

/**
 * A unit whose kernel socket exists only in the initial namespace: its nl_table entry is global in
 * the kernel, so socket() works in any namespace, but nothing listens at port 0 here.
 */
const netlink_register_unit_without_socket = (net: Net, unit: number, groups: number, flags: number): void => {
  const tbl = net.nl_table[unit]!;
  if (tbl.registered) return;
  tbl.groups = Math.max(groups, 32);
  tbl.listeners = new Uint32Array(NLGRPWORDS(tbl.groups));
  tbl.flags = flags;
  tbl.registered = 1;
};

/**
 * The input of a unit the model implements only in part: its dispatch and permission checks, as
 * the kernel's input runs them, with the requests it cannot answer logged and left unanswered.
 */
const PARTIAL_INPUTS: Readonly<Record<number, (net: Net) => (skb: SkBuff) => void>> = {
  [NETLINK_SOCK_DIAG]: sock_diag_rcv,
  [NETLINK_XFRM]: xfrm_netlink_rcv,
  [NETLINK_AUDIT]: audit_receive,
  [NETLINK_NETFILTER]: nfnetlink_rcv,
};

/**
 * A unit the model registers but does not implement (or implements in part, PARTIAL_INPUTS): its
 * input logs and drops what it cannot answer.
 */
const netlink_create_unmodelled_unit = (net: Net, unit: number, groups: number, flags: number): void => {
  const name = NETLINK_PROTOCOL_NAMES[unit] ?? `unit ${unit}`;
  const partial = PARTIAL_INPUTS[unit];
  netlink_kernel_create(net, unit, {
    groups,
    flags,
    input:
      partial !== undefined
        ? partial(net)
        : (skb) => {
            net.kernel?.printk(`${KERN_NOTICE}nlsim: ${name} requests are not modelled: ${skb.len} bytes dropped`);
          },
  });
};

/**
 * net_boot(net, profile): the netlink side of a kernel's fresh network namespace, as the profile
 * has it (default: Linux 6.18, kernel-model/net/profiles/linux-6.18.ts). Call once on a new Net (the
 * World does); a bare `new Net()` stays bare (USERSOCK only) for unit tests.
 */
export const net_boot = (net: Net, profile: KernelProfile = LINUX_6_18_NETNS): void => {
  loopback_net_init(net);
  for (const u of profile.units) {
    switch (u.model) {
      case "rtnetlink":
        rtnetlink_net_init(net);
        rtnl_subsys_net_init(net);
        break;
      case "usersock":
        // netlink_add_usersock_entry: every Net registers it
        break;
      case "unmodelled":
        netlink_create_unmodelled_unit(net, u.unit, u.groups, u.flags);
        break;
      case "no-socket":
        netlink_register_unit_without_socket(net, u.unit, u.groups, u.flags);
        break;
      case "uevent":
        uevent_net_init(net);
        break;
      case "genetlink":
        genl_init(net);
        genl_boot_profile(net, profile);
        break;
    }
  }
};
