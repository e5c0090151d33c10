// vitest's global setup: bundles the CLI (node cli/build.mjs --cli, a second or two) so that the
// tests which run `bin/nlsim.js` run the sources as they are now, not an older build.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const setup = (): void => {
  const build = fileURLToPath(new URL("./build.mjs", import.meta.url));
  const r = spawnSync(process.execPath, [build, "--cli"], { stdio: "inherit", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`bundling the CLI failed (node cli/build.mjs --cli: ${r.status ?? r.signal})`);
};
