// kernel-model/net/netlink: af_netlink. The simulator and the transport use the syscall side
// (af_netlink.ts); simulated kernel modules use kernel-api.ts.
export * from "../core/sock.js";
export * from "./ack.js";
export * from "./af_netlink.js";
export * from "./broadcast.js";
export * from "./capable.js";
export * from "./dump.js";
export * from "./kernel.js";
export * from "./nlmsg.js";
export * from "./proc.js";
export * from "./skb.js";
export * from "./sock.js";
export * from "./table.js";
export * from "./unicast.js";
