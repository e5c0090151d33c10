// kernel-model/uapi: what user space and the kernel share. Imports nothing of the project.
/**
 * What user space and the kernel share: constants, struct layouts, the message and attribute codec, policies and extended ACKs.
 * @packageDocumentation
 * @module nlsim/uapi
 */
export * from "./align.js";
export * from "./attr.js";
export * from "./bytes.js";
export * from "./capability.js";
export * from "./decode-error.js";
export * from "./errno.js";
export * from "./fcntl.js";
export * from "./filter.js";
export * from "./genetlink.js";
export * from "./genl.js";
export * from "./in.js";
export * from "./msg.js";
export * from "./netlink.js";
export * from "./nlmsgerr.js";
export * from "./policy.js";
export * from "./sockaddr.js";
export * from "./socket.js";
