#!/usr/bin/env node
// `npm run test:package`: nlsim as a user gets it. Packs the tarball (npm pack: `prepare` builds
// dist/), installs it into an empty "type": "module" project with TypeScript 5 and vitest 4, and
// checks there: a strict tsc (skipLibCheck false) over a test that imports the public entry
// points, that test under vitest, a plain node script on the Promise facade, `npx nlsim decode`,
// and exactly one installed copy of effect. Needs the npm registry. Exit 1 on the first failure.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "nlsim-package-"));
const app = join(work, "app");
const keep = process.argv.includes("--keep");

const step = (what, cmd, args, cwd, check) => {
  process.stdout.write(`== ${what}\n`);
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 600_000, env: { ...process.env, CI: "true" } });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  const problem = r.status !== 0 ? `exit ${r.status ?? r.signal}` : check?.(r.stdout ?? "");
  if (problem !== undefined && problem !== true) {
    process.stdout.write(
      `${out}\npackage test FAILED at "${what}": ${problem === false ? "unexpected output" : problem}\n(work dir: ${work})\n`,
    );
    process.exit(1);
  }
  return r.stdout ?? "";
};

step("npm pack", "npm", ["pack", "--pack-destination", work, "--silent"], root);
const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
if (tarball === undefined) throw new Error("npm pack wrote no tarball");
const listing = execFileSync("tar", ["-tzf", join(work, tarball)], { encoding: "utf8" });
for (const must of [
  "package/dist/transport/index.js",
  "package/dist/transport/index.d.ts",
  "package/dist/bin/nlsim.js",
  "package/dist/ynl/index.js",
  "package/ynl/specs/rt-link.yaml",
  "package/ynl/specs/ATTRIBUTION.md",
  "package/LICENSE",
  "package/README.md",
]) {
  if (!listing.includes(must)) {
    process.stdout.write(`package test FAILED: the tarball has no ${must}\n`);
    process.exit(1);
  }
}
for (const mustNot of [".test.ts", "package/kmod/", "package/bench/"]) {
  if (listing.includes(mustNot)) {
    process.stdout.write(`package test FAILED: the tarball ships ${mustNot}\n`);
    process.exit(1);
  }
}

mkdirSync(app);
writeFileSync(
  join(app, "package.json"),
  `${JSON.stringify({ name: "nlsim-user", private: true, type: "module" }, null, 2)}\n`,
);
writeFileSync(
  join(app, "tsconfig.json"),
  `${JSON.stringify(
    {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: ["node"],
      },
      include: ["*.ts"],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  join(app, "module.test.ts"),
  `import { Effect } from "effect";
import { NetlinkConn, runProcess } from "nlsim";
import { fakeModule, procRow, runWorld, withWorld } from "nlsim/testing";
import { encodeMessage, parseMessages } from "nlsim/uapi";
import { expect, it } from "vitest";

it("acks a request from a user program on the simulator", () =>
  withWorld(async (world) => {
    const mod = fakeModule(world, { protocol: 25, handle: (msg, reply) => void reply.send(0x11, msg.payload) });
    let port = 0;
    const p = runProcess(
      world,
      { name: "app", uid: 1000 },
      Effect.gen(function* () {
        const conn = yield* NetlinkConn.open(25);
        port = conn.portId;
        const replies = yield* conn.request({ type: 0x10, payload: Uint8Array.of(1, 2, 3, 4) });
        expect(procRow(world, 25, conn.portId).rmem).toBe(0);
        return replies.map((m) => m.type);
      }),
    );
    await runWorld(world);
    expect(p.exit()?._tag).toBe("Success");
    expect(port).toBeGreaterThan(0);
    expect(mod.received).toHaveLength(1);
    const [m] = parseMessages(encodeMessage({ type: 0x10, payload: Uint8Array.of(9) }));
    expect(m?.type).toBe(0x10);
  }));
`,
);
writeFileSync(
  join(app, "promise.mjs"),
  `import { runPromiseProcess } from "nlsim";
import { fakeModule, runWorld, withWorld } from "nlsim/testing";

await withWorld(async (world) => {
  fakeModule(world, { protocol: 25, handle: (msg, reply) => reply.ack() });
  runPromiseProcess(world, { name: "app" }, async (nl) => {
    const conn = await nl.openConn(25);
    const acked = await conn.requestAck({ type: 0x10 });
    console.log("acked", acked.length);
    await conn.close();
  });
  await runWorld(world);
});
`,
);
writeFileSync(
  join(app, "ynl.mjs"),
  `import { Effect } from "effect";
import { runProcess } from "nlsim";
import { World } from "nlsim/sim";
import { loadSpec, openYnl, registerSpecFamily } from "nlsim/ynl";

const world = new World({ seed: 1 });
registerSpecFamily(world, loadSpec("fou"), { get: { dump: () => [{ port: 5555, ipproto: 17 }] } });
const p = runProcess(
  world,
  { name: "app" },
  Effect.gen(function* () {
    const fou = yield* openYnl(loadSpec("fou"));
    return (yield* fou.dumpAll("get")).map((x) => x.port).join(",");
  }),
);
await world.run();
console.log("fou", p.exit()?.value);
`,
);

step(
  "npm install the tarball, typescript 5, vitest 4, @types/node 20",
  "npm",
  ["install", "--no-audit", "--no-fund", join(work, tarball), "typescript@5", "vitest@4", "@types/node@20"],
  app,
);
step("tsc --noEmit (strict, skipLibCheck false)", "npx", ["tsc", "-p", "."], app);
step("vitest run", "npx", ["vitest", "run"], app, (out) => out.includes("1 passed") || "no passing test");
step(
  "node promise.mjs",
  "node",
  ["promise.mjs"],
  app,
  (out) => out.trim() === "acked 0" || `printed ${JSON.stringify(out)}`,
);
step("node ynl.mjs", "node", ["ynl.mjs"], app, (out) => out.trim() === "fou 5555" || `printed ${JSON.stringify(out)}`);
step(
  "npx nlsim ynl show rt-addr",
  "npx",
  ["nlsim", "ynl", "show", "rt-addr"],
  app,
  (out) => out.includes("getaddr            22  dump") || `printed ${JSON.stringify(out)}`,
);
step(
  "npx nlsim decode --json",
  "npx",
  ["nlsim", "decode", "--json", "28000000020000000100000000000000a1ffffff14000000ff7f0500010000000000000011223344"],
  app,
  (out) => out.includes('"errno":"EOPNOTSUPP"') || `printed ${JSON.stringify(out)}`,
);
step("exactly one effect", "npm", ["ls", "effect", "--all", "--parseable"], app, (out) => {
  const copies = out.split("\n").filter((l) => l.endsWith("/effect"));
  return copies.length === 1 || `${copies.length} copies: ${copies.join(", ")}`;
});
process.stdout.write(`== package test passed (${tarball})\n`);
if (!keep) rmSync(work, { recursive: true, force: true });
