// The socket API application code imports: the Netlink service and its types, the error, and the
// sim layer's entry point. (The kernel layer over native/ will sit beside sim.ts.)

export {
  type ConnOptions,
  DumpInterruptedError,
  type ExtAck,
  type GenlFamilyInfo,
  type GenlMessage,
  type GenlRequest,
  genlMessage,
  mnlCbRun,
  NetlinkConn,
  NetlinkProtocolError,
  NetlinkRequestError,
  openGeneric,
  parseFamilyInfo,
  parseGenl,
  type RequestError,
  type RequestOptions,
  type SubscriptionEvent,
  type UnmatchedPolicy,
} from "./client.js";
export * from "./creds.js";
export * from "./errors.js";
export * from "./inet.js";
export { KernelUnavailable, kernelLayer, makeKernelNetlink } from "./kernel.js";
export { kernelFilesLayer, makeKernelCreds, makeKernelInetRaw, makeKernelProcfs } from "./kernel-files.js";
export * from "./netlink.js";
export * from "./procfs.js";
export { type EffectProcess, makeSimNetlink, runProcess, simLayer } from "./sim.js";
export { makeSimCreds, makeSimInetRaw, makeSimProcfs, simFilesLayer } from "./sim-files.js";
export { SimRuntime } from "./sim-runtime.js";
