// The YNL client as a Promise API, for programs that use the Promise facade (runPromiseProcess on
// the simulator, runPromiseKernel on the real kernel) instead of Effect:
//   runPromiseProcess(world, { name: "ip" }, async (nl) => {
//     const link = await openPromiseYnl<RtLinkOps>(nl, loadSpec("rt-link"));
//     for (const l of await link.dumpAll("getlink")) console.log(l.ifname);
//     await link.close();
//   });
// Each method runs the Effect client's operation through the facade: the same requests, replies,
// errors (thrown as is: NetlinkRequestError, YnlEncodeError, ...) and notifications.
import type { NlMsg } from "../kernel-model/uapi/index.js";
import type { ConnOptions, GenlFamilyInfo, PromiseNetlink } from "../transport/index.js";
import { iteratorTracker } from "../transport/promise.js";
import {
  openYnl,
  type YnlAnyOps,
  type YnlClient,
  type YnlDoOps,
  type YnlDoReply,
  type YnlDoRequest,
  type YnlDumpOps,
  type YnlDumpReply,
  type YnlDumpRequest,
  type YnlNotification,
  type YnlRequestOptions,
} from "./client.js";
import type { YnlSpec } from "./spec.js";

export interface PromiseYnlClient<F = YnlAnyOps> {
  readonly spec: YnlSpec;
  /** genetlink: the family as nlctrl described it (its id, version, groups) */
  readonly family: GenlFamilyInfo | undefined;
  /** the Effect client underneath */
  readonly client: YnlClient<F>;
  /** A do: resolves with the decoded reply, or undefined for an operation that only acknowledges. */
  do<K extends YnlDoOps<F>>(
    op: K,
    request: YnlDoRequest<F, K>,
    options?: YnlRequestOptions,
  ): Promise<YnlDoReply<F, K> | undefined>;
  /** A dump, read with `for await`; `break` stops reading it. */
  dump<K extends YnlDumpOps<F>>(
    op: K,
    request?: YnlDumpRequest<F, K>,
    options?: YnlRequestOptions,
  ): AsyncIterableIterator<YnlDumpReply<F, K>>;
  /** A dump collected into an array. */
  dumpAll<K extends YnlDumpOps<F>>(
    op: K,
    request?: YnlDumpRequest<F, K>,
    options?: YnlRequestOptions,
  ): Promise<Array<YnlDumpReply<F, K>>>;
  /**
   * The spec's multicast groups by name, decoded, read with `for await`. The socket is opened
   * and joins the groups when the first `next()` runs; an overrun throws NetlinkProtocolError.
   */
  subscribe(groups: string | ReadonlyArray<string>): AsyncIterableIterator<YnlNotification>;
  /** The number of a multicast group by its spec name (genetlink: as nlctrl gave it). */
  groupId(name: string): number;
  /** Decodes any message of this family by the operation it belongs to. */
  decode(msg: NlMsg): YnlNotification;
  /** Ends the dumps and subscriptions still open and closes the client's sockets. */
  close(): Promise<void>;
}

/**
 * Opens a YNL client for `spec` through a Promise facade (`runPromiseProcess`'s or
 * `runPromiseKernel`'s `nl`). genetlink: resolves the family through nlctrl first and rejects
 * with ENOENT when the kernel lacks it.
 */
export const openPromiseYnl = async <F = YnlAnyOps>(
  nl: PromiseNetlink,
  spec: YnlSpec,
  options: ConnOptions = {},
): Promise<PromiseYnlClient<F>> => {
  const opened = await nl.scoped(openYnl<YnlAnyOps>(spec, options));
  const c = opened.value;
  const { track, endAll } = iteratorTracker();
  const client: PromiseYnlClient<YnlAnyOps> = {
    spec,
    family: c.family,
    client: c,
    do: (op, request, o) => nl.run(c.do(op, request, o)),
    dump: (op, request, o) => track(nl.iterate(c.dump(op, request, o))),
    dumpAll: (op, request, o) => nl.run(c.dumpAll(op, request, o)),
    subscribe: (groups) => track(nl.iterate(c.subscribe(groups))),
    groupId: c.groupId,
    decode: c.decode,
    async close() {
      await endAll();
      await opened.close();
    },
  };
  return client as unknown as PromiseYnlClient<F>;
};
