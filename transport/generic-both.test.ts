// The same program, unchanged, on both transports against NETLINK_GENERIC: resolving the nlctrl
// family with the client (CTRL_CMD_GETFAMILY) and asking for a family that does not exist.
import { Effect, Exit } from "effect";
import { describe, expect, it } from "vitest";
import { nativeAvailability } from "../native/index.js";
import { World } from "../sim/world.js";
import { openGeneric } from "./client.js";
import { runProcess } from "./index.js";
import { kernelLayer } from "./kernel.js";

const availability = nativeAvailability();
if (!availability.ok)
  console.warn(`transport/generic-both.test.ts: the kernel side is skipped: ${availability.reason}`);

/** The program under test: it only knows the Netlink service. */
const program = Effect.gen(function* () {
  const conn = yield* openGeneric();
  const f = yield* conn.resolveFamily("nlctrl");
  const missing = yield* conn
    .resolveFamily("no-such-family")
    .pipe(Effect.match({ onFailure: (e) => ("errno" in e ? String(e.errno) : e._tag), onSuccess: () => "found" }));
  return {
    id: f.id,
    version: f.version,
    ops: f.ops.map((o) => `${o.cmd}:${o.flags}`).join(","),
    groups: [...f.mcastGroups.entries()].map(([n, id]) => `${n}=${id}`).join(","),
    missing,
  };
});

const onSim = async () => {
  const w = new World({ seed: 3 });
  const p = runProcess(w, { name: "genl" }, program);
  await w.run();
  const e = p.exit();
  if (e === undefined || !Exit.isSuccess(e)) throw new Error(`sim: ${String(e)}`);
  return e.value;
};

describe("one program, both transports, NETLINK_GENERIC", () => {
  it("resolves nlctrl and fails ENOENT for an unknown family on the simulator", async () => {
    expect(await onSim()).toEqual({ id: 16, version: 2, ops: "3:14,10:12", groups: "notify=16", missing: "ENOENT" });
  });

  it.skipIf(!availability.ok)("gives the same answers on the real kernel", async () => {
    const kernel = await Effect.runPromise(Effect.scoped(program).pipe(Effect.provide(kernelLayer)));
    expect(kernel).toEqual(await onSim());
  });
});
