// A vitest fixture: `worldTest("...", async ({ world }) => ...)` gives each test a fresh world
// (seed from NLSIM_SEED, else 1) and, when the test fails, adds "seed N (replay: NLSIM_SEED=N)"
// to its errors. Kept apart from index.ts: importing it needs a running vitest.
/**
 * The vitest fixture `worldTest`: a fresh world per test, its seed added to a failure.
 * @packageDocumentation
 * @module nlsim/testing/vitest
 */
import { test } from "vitest";
import type { World } from "../../sim/world.js";
import { NARRATION_HEAD, seedNote, testWorld, worldNarration } from "./world.js";

/** Adds the seed note to the recorded errors of a failed test (what the reporter prints). */
export const noteSeedOnErrors = (
  errors: ReadonlyArray<{ message?: string; stack?: string }> | undefined,
  seed: number,
): void => {
  const note = seedNote(seed);
  for (const e of errors ?? []) {
    if (typeof e.message === "string" && !e.message.includes(note)) e.message = `${e.message}\n${note}`;
    if (typeof e.stack === "string" && !e.stack.includes(note)) e.stack = `${e.stack}\n${note}`;
  }
};

/** Adds a narrated world's last steps (testWorld's `narrate`, NLSIM_NARRATE) to the recorded errors of a failed test. */
export const noteNarrationOnErrors = (errors: ReadonlyArray<{ message?: string }> | undefined, world: World): void => {
  const text = worldNarration(world);
  if (text === undefined) return;
  for (const e of errors ?? []) {
    if (typeof e.message === "string" && !e.message.includes(NARRATION_HEAD)) e.message = `${e.message}\n${text}`;
  }
};

export const worldTest = test.extend<{ world: World }>({
  world: async ({ onTestFailed }, use) => {
    const world = testWorld();
    onTestFailed(({ task }) => {
      noteNarrationOnErrors(task.result?.errors, world);
      noteSeedOnErrors(task.result?.errors, world.prng.seed);
    });
    await use(world);
  },
});
