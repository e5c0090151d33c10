// `nlsim/ynl`: the kernel's YNL specs as typed clients and as simulated families.
/**
 * YNL: load the kernel's netlink family specs (YAML), talk to a family through a client
 * generated from its spec on either transport, and declare a simulated generic netlink family
 * from a spec.
 * @packageDocumentation
 * @module nlsim/ynl
 */
export {
  decodePayload,
  encodeRequest,
  openYnl,
  replyId,
  requestId,
  type YnlAnyOps,
  type YnlClient,
  type YnlDoOps,
  type YnlDoReply,
  type YnlDoRequest,
  type YnlDumpOps,
  type YnlDumpReply,
  type YnlDumpRequest,
  type YnlError,
  type YnlFamilyOps,
  type YnlNotification,
  type YnlOpShape,
  type YnlRequestOptions,
} from "./client.js";
export {
  decodeAttrs,
  decodeStruct,
  encodeAttrs,
  encodeStruct,
  YnlEncodeError,
  type YnlObject,
  type YnlValue,
} from "./codec.js";
export {
  genlFamilyFromSpec,
  registerSpecFamily,
  type SpecFamily,
  type YnlFamilyImpl,
  type YnlFamilyOptions,
  type YnlOpImpl,
} from "./family.js";
export { generateTypes } from "./gen.js";
export { BUNDLED_SPECS, type BundledSpec, loadSpec, loadSpecFile, loadSpecText } from "./load.js";
export { openPromiseYnl, type PromiseYnlClient } from "./promise.js";
export * from "./spec.js";
export type * from "./types/fou.js";
export type * from "./types/handshake.js";
export type * from "./types/nlctrl.js";
export type * from "./types/rt-addr.js";
export type * from "./types/rt-link.js";
export type * from "./types/rt-route.js";
