// The viewer in a real browser: headless Chromium through playwright-core. Skipped (with the
// reason) when there is no chromium, except under CI, where a missing browser is a failure.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nlDemoExample } from "../../examples/nl-demo/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { traceDatagrams } from "../../sim/datagrams.js";
import { CHROMIUM_ARGS, findChromium } from "./browser.js";
import { viewPage } from "./command.js";

const chromium = findChromium();
const ci = process.env.CI === "true";

it.runIf(ci)("CI has a chromium for the viewer's browser test (apt-get install chromium, or NLSIM_CHROMIUM)", () => {
  expect(chromium, "no chromium at NLSIM_CHROMIUM or /usr/bin/chromium").toBeDefined();
});

describe.skipIf(chromium === undefined)(
  `the viewer page in headless Chromium${chromium === undefined ? " (skipped: no chromium; install Debian's chromium or set NLSIM_CHROMIUM)" : ""}`,
  () => {
    let dir: string;
    let file: string;
    let datagrams: number;
    type Browser = Awaited<ReturnType<typeof import("playwright-core")["chromium"]["launch"]>>;
    let browser: Browser;

    beforeAll(async () => {
      const r = await runExampleOnSim(nlDemoExample, { seed: 1, mode: "multicast" });
      const trace = r.world.trace.snapshot();
      datagrams = traceDatagrams(trace.events).length;
      dir = mkdtempSync(join(tmpdir(), "nlsim-view-"));
      file = join(dir, "nl-demo.html");
      writeFileSync(file, (await viewPage(trace)).html);
      const pw = await import("playwright-core");
      browser = await pw.chromium.launch({ executablePath: chromium!, args: CHROMIUM_ARGS });
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });

    it("loads from file:// with no console error and no network request; one data-datagram per datagram", async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("request", (r) => {
        if (!r.url().startsWith("file:")) requests.push(r.url());
      });
      await page.goto(`file://${file}`);
      expect(datagrams).toBeGreaterThan(3);
      expect(await page.locator("[data-datagram]").count()).toBe(datagrams);
      expect(await page.locator(".lane-head").allTextContents()).toEqual([
        expect.stringContaining("kernel"),
        expect.stringContaining("nl_demo_daemon[1001] fd 3"),
      ]);
      // the queue chart: one strip per socket, drawn
      expect(await page.locator("#queues .queue[data-socket='17:1001'] canvas").count()).toBe(1);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      await page.close();
    }, 60_000);

    it("shows a datagram's decoded messages on click, and filters rows by type and by search", async () => {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(`file://${file}`);
      await page.locator("[data-datagram='1']").click();
      const detail = await page.locator("#detail").textContent();
      expect(detail).toContain("datagram 1: NLDEMO_K_EVT");
      expect(detail).toContain("nlmsg_type   18 (NLDEMO_K_EVT)");
      expect(detail).toContain("group mask 0x1");

      await page.selectOption("#f-type", "printk");
      expect(await page.locator("[data-datagram]").count()).toBe(0);
      const notes = await page.locator("[data-note]").count();
      expect(notes).toBeGreaterThan(0);
      expect(await page.locator("#count").textContent()).toMatch(new RegExp(`^${notes} of \\d+ rows$`));

      await page.selectOption("#f-type", "");
      await page.fill("#search", "NLDEMO_U_PID");
      expect(await page.locator("[data-datagram]").count()).toBe(1);
      await page.close();
    }, 60_000);
  },
);
