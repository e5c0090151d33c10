// The Promise API on the real kernel: the kernel layer (AF_NETLINK through native/) built for the
// duration of one async program, so a Promise program switches from the simulator by changing
// its runner only:
//   await runPromiseKernel(async (nl) => {
//     const conn = await nl.openConn(NETLINK_ROUTE);
//     for await (const m of conn.dump({ type: RTM_GETLINK, payload: new Uint8Array(16) })) console.log(m.type);
//   });
import { Effect, Exit, Layer, Scope } from "effect";
import { kernelLayer } from "./kernel.js";
import { type PromiseNetlink, promiseNetlink } from "./promise.js";

/**
 * Runs `main` with the Promise API over real AF_NETLINK sockets and resolves with its result.
 * Rejects with `KernelUnavailable` (its message says why: not Linux, the addon not built, …)
 * before `main` runs when there is no kernel transport. Sockets the program left open are
 * closed when it ends, as a scope closes them.
 */
export const runPromiseKernel = async <A>(main: (nl: PromiseNetlink) => Promise<A>): Promise<A> => {
  const scope = Effect.runSync(Scope.make());
  try {
    const context = await Effect.runPromise(Layer.buildWithScope(kernelLayer, scope));
    return await main(promiseNetlink(context));
  } finally {
    await Effect.runPromise(Scope.close(scope, Exit.void));
  }
};
