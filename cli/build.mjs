#!/usr/bin/env node
// `npm run build` (also run by `prepare` and `prepack`): the package's compiled form in dist/.
// - the library (kernel-model, sim, transport, native/index.ts) compiled by tsc: ESM JavaScript,
//   .d.ts and source maps, one file per source file, imported through package.json's `exports`;
// - the CLI bundled by esbuild into dist/bin/ (nlsim.js and the kernel transport's per-scenario
//   child kernel-child.js, sharing chunks): one module graph to load instead of hundreds, which
//   is what makes `nlsim --version` start in a fraction of a second.
// `node cli/build.mjs --cli` bundles only the CLI (the test suite does that before it runs).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const cliOnly = process.argv.includes("--cli");

/** Bundles the CLI into dist/bin/ (its own copies of effect and msgpackr: the CLI is a program, not a library). */
export const bundleCli = async () => {
  const { build } = await import("esbuild");
  rmSync(new URL("../dist/bin", import.meta.url), { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: {
      nlsim: "cli/main.ts",
      "kernel-child": "cli/scenario/kernel-child.ts",
      "sweep-worker": "cli/sweep/sweep-worker.ts",
      "fuzz-kernel-server": "cli/fuzz/fuzz-kernel-server.ts",
    },
    outdir: "dist/bin",
    bundle: true,
    splitting: true,
    minify: true,
    // the walk names the module's functions (its input, its timers) from Function.name
    keepNames: true,
    sourcemap: "linked",
    sourcesContent: false,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
    // CommonJS dependencies bundled into ESM need a require
    banner: {
      js: "import{createRequire as __nlsimRequire}from'node:module';const require=__nlsimRequire(import.meta.url);",
    },
  });
};

const tsc = () => {
  rmSync(new URL("../dist", import.meta.url), { recursive: true, force: true });
  const r = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.resolve("typescript/bin/tsc")), "-p", "tsconfig.build.json"],
    {
      cwd: root,
      stdio: "inherit",
    },
  );
  if (r.status !== 0) {
    process.stderr.write("build: tsc failed\n");
    process.exit(r.status ?? 1);
  }
};

/** The addon built here becomes the binary the package ships for this platform (native/prebuilds/). */
const shipAddon = () => {
  const built = new URL("../native/build/Release/nlsim_netlink.node", import.meta.url);
  if (process.platform !== "linux" || !existsSync(built)) return;
  const dir = new URL(`../native/prebuilds/${process.platform}-${process.arch}/`, import.meta.url);
  mkdirSync(dir, { recursive: true });
  copyFileSync(built, new URL("nlsim_netlink.node", dir));
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!cliOnly) {
    tsc();
    shipAddon();
  }
  await bundleCli();
}
