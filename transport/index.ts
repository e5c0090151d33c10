// The socket API application code imports: the Netlink service and its types, the error, and the
// sim layer's entry point. (The kernel layer over native/ will sit beside sim.ts.)
export * from "./errors.js";
export * from "./netlink.js";
export { type EffectProcess, makeSimNetlink, runProcess, SimRuntime, simLayer } from "./sim.js";
