// The scenario runner on the simulator: the runner program as one simulated process of a fresh
// world (the sim layer of Netlink and Creds), so blocking calls sleep in virtual time.
import { World } from "../../sim/world.js";
import { runProcess } from "../../transport/sim.js";
import type { Scenario } from "./model.js";
import { runScenario } from "./run.js";

export interface SimScenarioRun {
  readonly lines: ReadonlyArray<string>;
  readonly world: World;
}

/** Runs a scenario on the simulator and returns its trace lines. */
export const runScenarioOnSim = async (
  scenario: Scenario,
  seed: number,
  source?: { readonly file: string; readonly text: string },
  onWorld?: (world: World) => void,
): Promise<SimScenarioRun> => {
  // the trace header carries the scenario itself, so `nlsim replay` needs nothing else
  const world = new World({ seed, run: { scenario: scenario.name, ...(source ?? {}) } });
  onWorld?.(world);
  const pid = world.allocPid();
  const proc = runProcess(world, { name: "scenario", pid }, runScenario(scenario, pid));
  const result = await world.run();
  if (result.failed.length > 0) throw result.failed[0]!.error;
  if (result.deadlocked.length > 0)
    throw new Error(`scenario '${scenario.name}' left tasks sleeping: ${result.deadlocked.join(", ")}`);
  const exit = proc.exit();
  if (exit === undefined || exit._tag !== "Success") throw new Error(`scenario '${scenario.name}' did not finish`);
  return { lines: exit.value, world };
};
