import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { nlDemoExample } from "../../examples/nl-demo/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { traceDatagrams } from "../../sim/datagrams.js";
import type { Trace } from "../../sim/trace.js";
import { parseScenario } from "../scenario/parse.js";
import { runScenarioOnSim } from "../scenario/sim-api.js";
import { viewPage } from "./command.js";
import { buildViewModel } from "./model.js";
import { rerunForQueues } from "./queues.js";

const nlDemoTrace = async (mode: string): Promise<Trace> =>
  (await runExampleOnSim(nlDemoExample, { seed: 1, mode })).world.trace.snapshot();

const scenarioTrace = async (file: string): Promise<Trace> => {
  const text = readFileSync(file, "utf8");
  const run = await runScenarioOnSim(parseScenario(text, file), 1, { file, text });
  return run.world.trace.snapshot();
};

describe("the viewer's model of a trace", () => {
  it("has a lane for the kernel and one per socket, a row per datagram, printk lines in place", async () => {
    const trace = await nlDemoTrace("unicast");
    const rerun = await rerunForQueues(trace);
    const m = buildViewModel(trace, rerun.queues, rerun.processNames);
    expect(m.lanes.map((l) => l.label)).toEqual(["kernel", "nl_demo_daemon[1001] fd 3"]);
    expect(m.datagrams).toHaveLength(traceDatagrams(trace.events).length);
    expect(m.rows.filter((r) => "d" in r)).toHaveLength(m.datagrams.length);
    const first = m.datagrams[0]!;
    expect([first.from, first.to, first.label]).toEqual([1, 0, "NLDEMO_U_PID"]);
    expect(m.texts[first.text]).toContain("nlmsg_type   16 (NLDEMO_U_PID)");
    const evt = m.datagrams[1]!;
    expect([evt.from, evt.to, evt.ctx]).toEqual([0, 1, "softirq"]);
    expect(
      m.notes.some((n) => n.kind === "printk" && n.text.includes("K_EVT #1 netlink_unicast(port 1001) = 24")),
    ).toBe(true);
  });

  it("samples the receive queue by running the trace's world again: rmem charged by truesize", async () => {
    const trace = await nlDemoTrace("unicast");
    const { queues } = await rerunForQueues(trace);
    if ("unavailable" in queues) throw new Error(queues.unavailable);
    const q = queues.sockets.find((s) => s.id === "17:1001")!;
    const rmem = q.samples.filter((_, i) => i % 5 === 1);
    expect(rmem).toContain(832);
    expect(q.samples[2]).toBe(212992);
  });

  it("says why queues are missing when the trace's world cannot be run again", async () => {
    const trace = await nlDemoTrace("unicast");
    const other: Trace = { ...trace, header: { ...trace.header, run: { example: "no-such-example" } } };
    expect((await rerunForQueues(other)).queues).toEqual({
      unavailable: "the trace's example 'no-such-example' is not known here",
    });
    const changed: Trace = { ...trace, events: trace.events.slice(1) };
    expect((await rerunForQueues(changed)).queues).toHaveProperty("unavailable");
  });

  it("names generic netlink families from the nlctrl replies of the trace, and marks ENOBUFS", async () => {
    const genl = await scenarioTrace("transport/conformance/generic-getfamily-nlctrl.json");
    const m = buildViewModel(genl, { unavailable: "not needed" }, new Map());
    expect(m.datagrams.some((d) => d.label.includes("nlctrl"))).toBe(true);
    expect(m.texts.some((t) => t.includes("generic netlink family: nlctrl"))).toBe(true);
    const overrun = await scenarioTrace("docs/scenarios/overrun.json");
    const o = buildViewModel(overrun, { unavailable: "not needed" }, new Map());
    expect(o.notes.filter((n) => n.kind === "enobufs")).toHaveLength(1);
  });
});

describe("the viewer page", () => {
  it("is one file: its data inline, a CSP that allows its own script and style only, no URL to fetch", async () => {
    const { html } = await viewPage(await nlDemoTrace("multicast"));
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'sha256-/);
    expect(html).toContain("connect-src 'none'");
    expect(html).not.toMatch(/\b(src|href)="/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    const data = /<script type="application\/json" id="nlsim-data">([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(data).not.toContain("<");
    expect(JSON.parse(data).datagrams.length).toBeGreaterThan(0);
  });
});
