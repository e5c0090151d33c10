// The lessons of `nlsim walk ack|dump|addressing|macros`: each narrates its steps with notes, and
// its scenario's trace on the simulator is the live kernel's, line for line (skipped where the
// kernel transport is unavailable; the NETLINK_ROUTE lessons need a fresh network namespace, so
// that the host's links cannot show).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runExampleOnSim } from "../../examples/runner.js";
import { NETLINK_USERSOCK } from "../../kernel-model/uapi/index.js";
import { Narrator } from "../../sim/walk/narrate.js";
import { kernelMode, kernelTrace } from "../scenario/kernel-run.js";
import { runScenarioOnSim } from "../scenario/sim-api.js";
import { LESSON_EXAMPLES, LESSONS, lessonScenario } from "./lessons.js";

const walk = async (name: string): Promise<string> => {
  const example = LESSON_EXAMPLES[name]!;
  const lines: string[] = [];
  const n = new Narrator(example, { line: (s) => lines.push(s), step: () => {} }, false);
  let world: Parameters<Narrator["onSend"]>[0] | undefined;
  const r = await runExampleOnSim(example, {
    seed: 1,
    onWorld: (w) => {
      world = w;
    },
    onEvent: (e, w) => n.onEvent(e, w),
    hooks: { out: (l) => n.onOut(l), onSend: (who, d, to) => n.onSend(world!, who, d, to) },
  });
  expect(r.failed).toEqual([]);
  n.finish(r.world, r.run);
  return lines.join("\n");
};

const mode = kernelMode();
const dir = mkdtempSync(join(tmpdir(), "nlsim-lessons-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(Object.keys(LESSONS))("the %s lesson", (name) => {
  const lesson = LESSONS[name]!;

  it("captions every step it explains and shows each note once", async () => {
    const text = await walk(name);
    for (const [i, s] of Object.entries(lesson.steps)) {
      expect(text).toContain(`│ step ${i}: ${s.say}`);
      if (s.note !== undefined) {
        const first = s.note.split(" ").slice(0, 6).join(" ");
        expect(text.split(`» ${first}`).length - 1).toBe(1);
      }
    }
  });

  const live =
    mode.kind === "unavailable" || (lesson.protocol !== NETLINK_USERSOCK && mode.kind === "current") ? it.skip : it;
  live(
    "its trace on the simulator is the live kernel's",
    async () => {
      const scenario = lessonScenario(lesson);
      const file = join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ name: scenario.name, protocol: lesson.protocol, ...lesson.scenario }));
      const sim = (await runScenarioOnSim(scenario, 1)).lines;
      const kernel = await kernelTrace(mode, file, scenario);
      expect(kernel.kind).toBe("trace");
      if (kernel.kind === "trace") expect(sim).toEqual(kernel.lines);
    },
    60_000,
  );
});
