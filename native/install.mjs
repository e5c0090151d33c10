#!/usr/bin/env node
// The package's `install` script: the AF_NETLINK addon for the kernel transport.
// In an installed package that ships a binary for this platform (native/prebuilds/<platform>-<arch>/)
// which loads, that binary is used and nothing is built. Otherwise (a checkout, or no usable
// binary) node-gyp builds it from native/src. A failed build does not fail the install: the
// simulator needs no addon, and the kernel transport says why it is unavailable.
// (npm 11 runs a dependency's install script only when the project allows it: `npm install-scripts
// approve nlsim`; without that the shipped binary is what the kernel transport loads.)
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const checkout = existsSync(here("../tsconfig.json"));
const prebuilt = here(`./prebuilds/${process.platform}-${process.arch}/nlsim_netlink.node`);

const loads = (file) => {
  try {
    createRequire(import.meta.url)(file);
    return true;
  } catch {
    return false;
  }
};

if (!checkout && existsSync(prebuilt) && loads(prebuilt)) process.exit(0);
const gyp = spawnSync("node-gyp", ["rebuild", "--directory", here(".")], { stdio: "inherit", shell: false });
if (gyp.status !== 0) {
  console.warn(
    "nlsim: the native AF_NETLINK addon did not build; the simulator works, the kernel transport is " +
      "unavailable until it is built (see native/README.md)",
  );
}
