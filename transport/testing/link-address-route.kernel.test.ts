// README's link/address/route program on the real kernel: where this process may make a network
// namespace (root, util-linux's unshare, the native addon built), the program runs there and must
// hear what the simulator's run hears; elsewhere the test is skipped and says why.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { nativeAvailability } from "../../native/index.js";
import { runPromiseProcess } from "../index.js";
import { runWorld, withWorld } from "./index.js";
import { type Heard, linkAddressRoute } from "./link-address-route.js";

/** Why the kernel run cannot happen here, or undefined when it can. */
const whyNot = (): string | undefined => {
  const av = nativeAvailability();
  if (!av.ok) return `no kernel transport: ${av.reason}`;
  if (typeof process.geteuid !== "function" || process.geteuid() !== 0)
    return "not root (a network namespace needs it)";
  const r = spawnSync("unshare", ["-n", "true"], { timeout: 10_000, stdio: "ignore" });
  if (r.error !== undefined) return `unshare: ${r.error.message}`;
  if (r.status !== 0) return "`unshare -n` fails here";
  return undefined;
};

it("the same program hears the same notifications from the kernel, in a fresh network namespace", async (ctx) => {
  const reason = whyNot();
  if (reason !== undefined) {
    ctx.skip(reason);
    return;
  }
  const script = fileURLToPath(new URL("./link-address-route-kernel.ts", import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const r = spawnSync("unshare", ["-n", process.execPath, "--import", tsx, script], {
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(r.status, r.stderr).toBe(0);
  const kernel = JSON.parse(r.stdout.trim()) as Heard[];
  const sim = await withWorld(async (world) => {
    let heard: ReadonlyArray<Heard> = [];
    runPromiseProcess(world, { name: "ip" }, async (nl) => {
      heard = await linkAddressRoute(nl);
    });
    await runWorld(world);
    return heard;
  });
  expect(sim).toEqual(kernel);
}, 60_000);
