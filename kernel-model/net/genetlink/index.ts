// kernel-model/net/genetlink: the generic netlink core (genetlink.ts, family.ts) and nlctrl (ctrl.ts).
export * from "./ctrl.js";
export * from "./family.js";
export * from "./genetlink.js";
