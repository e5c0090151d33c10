#!/usr/bin/env node
// The nlsim command: the CLI as `npm run build` bundles it (dist/bin/nlsim.js); in a checkout
// that has not been built, the TypeScript sources through tsx (a development dependency).
import { existsSync } from "node:fs";

const built = new URL("../dist/bin/nlsim.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../cli/main.ts");
}
