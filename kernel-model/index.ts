// `nlsim/kernel`: the simulated kernel's API for module authors, with the kernel's own names
// (netlink_kernel_create, netlink_unicast, nlmsg_new, netlink_rcv_skb, genl_register_family,
// printk, kthreads, timers, locks, procfs, nf_sockopt, netfilter hooks), so a simulated module
// reads beside its C twin. The uapi part (constants, codec) is `nlsim/uapi`.
/**
 * The simulated kernel's API for module authors, with the kernel's own names.
 * @packageDocumentation
 * @module nlsim/kernel
 */
export * from "./fs/index.js";
export * from "./kernel/index.js";
// the same constant is declared by kernel/time.ts (schedule_timeout) and net/core/sock.ts (sk_rcvtimeo)
export { MAX_SCHEDULE_TIMEOUT } from "./kernel/time.js";
export * from "./lib/dynamic_debug.js";
export * from "./lib/usercopy.js";
export * from "./net/genetlink/index.js";
export * from "./net/netfilter/core.js";
export * from "./net/netfilter/nf_sockopt.js";
export * from "./net/netlink/index.js";
// kernel profiles: what a booted kernel has (units, genl families, rtnetlink handlers), and the default
export * from "./net/profile.js";
export { LINUX_6_18_NETNS } from "./net/profiles/linux-6.18.js";
