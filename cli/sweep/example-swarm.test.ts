// `nlsim sweep example` in swarm worlds: the seed draws the schedule, the default receive buffer
// and allocation failures; the verdict holds the simulator to what it guarantees whatever the
// program meets (identical runs, no crash, a sound end state).
import { describe, expect, it } from "vitest";
import { findExample } from "../../examples/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { drawProgramSwarm, installProgramSwarm, programSwarmWorldOptions } from "../../sim/swarm.js";
import { replayCommand, runSeed } from "./targets.js";

describe("sweep example in swarm worlds", () => {
  it("draws different worlds from different seeds, the same from the same seed", () => {
    const draws = Array.from({ length: 40 }, (_, i) => drawProgramSwarm(i + 1));
    expect(new Set(draws.map((d) => d.interleave)).size).toBe(2);
    expect(new Set(draws.map((d) => d.rmemDefault)).size).toBeGreaterThan(2);
    expect(draws.some((d) => d.allocFailure > 0)).toBe(true);
    expect(drawProgramSwarm(7)).toEqual(drawProgramSwarm(7));
  });

  it("gives every socket the drawn default receive buffer", async () => {
    const seed = Array.from({ length: 40 }, (_, i) => i + 1).find((s) => drawProgramSwarm(s).rmemDefault !== 212992)!;
    const d = drawProgramSwarm(seed);
    const r = await runExampleOnSim(findExample("nl-demo")!, {
      seed,
      ...programSwarmWorldOptions(seed, d),
      onWorld: (w) => installProgramSwarm(w, d),
    });
    const users = r.world.net.sockets.filter((s) => s.sk_protocol === 17 && s.portid > 0 && s.dead);
    expect(users.length).toBeGreaterThan(0);
    for (const s of users) expect(s.sk_rcvbuf).toBe(d.rmemDefault);
  });

  it("passes nl-demo's seeds with and without swarm, and replays with the same choice", async () => {
    for (const swarm of [true, false]) {
      const target = { kind: "example", name: "nl-demo", swarm } as const;
      for (const seed of [1, 2, 3]) expect(await runSeed(target, seed)).toEqual({ seed, ok: true });
      expect(replayCommand(target, 9)).toBe(
        `nlsim sweep example nl-demo --from 9 --seeds 1${swarm ? "" : " --no-swarm"}`,
      );
    }
  });

  it("fails a seed whose example does not exist, naming it", async () => {
    expect(await runSeed({ kind: "example", name: "nope", swarm: true }, 1)).toEqual({
      seed: 1,
      ok: false,
      error: "no example 'nope'",
    });
  });
});
