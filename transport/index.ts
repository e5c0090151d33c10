// `nlsim`: the socket API application code imports. The Netlink service and its two layers (the
// simulator's, the real kernel's), runProcess, the client (NetlinkConn, its errors, generic
// netlink helpers), the Promise facade (runPromiseProcess on the simulator, runPromiseKernel on
// the real kernel), credentials, procfs and raw IPv4 services.
/**
 * The socket API: the `Netlink` service and its simulator and kernel layers, `runProcess`, the client (`NetlinkConn`), the Promise facade (`runPromiseProcess`, `runPromiseKernel`), credentials, procfs and raw IPv4 services.
 * @packageDocumentation
 * @module nlsim
 */

export {
  captureLayer,
  capturing,
  makeCapture,
  NetlinkCapture,
  type NetlinkCaptureService,
} from "./capture.js";
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
export {
  type PromiseConn,
  type PromiseNetlink,
  type PromiseScoped,
  promiseNetlink,
  runPromiseProcess,
} from "./promise.js";
export { runPromiseKernel } from "./promise-kernel.js";
export { type EffectProcess, makeSimNetlink, runProcess, simLayer } from "./sim.js";
export { makeSimCreds, makeSimInetRaw, makeSimProcfs, simFilesLayer } from "./sim-files.js";
export { SimRuntime } from "./sim-runtime.js";
