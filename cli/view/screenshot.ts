// `npm run docs:screenshot`: docs/viewer-nl-demo.png, the viewer's page of nl-demo (multicast mode,
// seed 1) with one event's decoding open, taken in headless Chromium.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { nlDemoExample } from "../../examples/nl-demo/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { CHROMIUM_ARGS, findChromium } from "./browser.js";
import { viewPage } from "./command.js";

const out = fileURLToPath(new URL("../../docs/viewer-nl-demo.png", import.meta.url));
const executable = findChromium();
if (executable === undefined) {
  process.stderr.write("docs:screenshot: no chromium (install Debian's chromium, or set NLSIM_CHROMIUM)\n");
  process.exit(2);
}
const r = await runExampleOnSim(nlDemoExample, { seed: 1, mode: "multicast" });
const dir = mkdtempSync(join(tmpdir(), "nlsim-shot-"));
try {
  const file = join(dir, "nl-demo.html");
  writeFileSync(file, (await viewPage(r.world.trace.snapshot())).html);
  const browser = await chromium.launch({ executablePath: executable, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  await page.goto(`file://${file}`);
  await page.locator("[data-datagram='1']").click();
  await page.screenshot({ path: out });
  await browser.close();
  process.stdout.write(`wrote ${out}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
