// The headless Chromium the viewer's test and the docs screenshot drive (playwright-core, no
// browser download): NLSIM_CHROMIUM, else Debian's /usr/bin/chromium.
import { accessSync, constants } from "node:fs";

/** The chromium executable, or undefined when there is none. */
export const findChromium = (env: Readonly<Record<string, string | undefined>> = process.env): string | undefined => {
  for (const p of [env.NLSIM_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"]) {
    if (p === undefined || p === "") continue;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // try the next
    }
  }
  return undefined;
};

/** Flags for a headless run in a container (no sandbox as root, no GPU, no shared memory limits). */
export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"];
