// The fuzzers' short runs (the long ones are commands, with figures in docs/reliability.md):
// the codec gives only typed errors, inputs are a function of the seed, generated scenarios are
// valid and run the same twice on the simulator.
import { describe, expect, it } from "vitest";
import { parseScenario } from "../scenario/parse.js";
import { codecInput, fuzzCodec, newCodecStats } from "./codec.js";
import { generateScenario } from "./gen.js";
import { fuzzScenarios, maskTgid } from "./scenarios.js";

describe("nlsim fuzz codec", () => {
  it("20,000 random and mutated datagrams: only NetlinkDecodeError escapes the decoders (untyped 0)", () => {
    const stats = newCodecStats();
    fuzzCodec(1, 0, 20_000, stats);
    expect(stats.findings).toEqual([]);
    expect(stats.untyped).toBe(0);
    // both ways are exercised: datagrams that parse, and typed refusals, and nla_parse refusals
    expect(stats.parsed).toBeGreaterThan(2000);
    expect(stats.typed).toBeGreaterThan(2000);
    expect(stats.nlaRefused).toBeGreaterThan(1000);
    expect(stats.nlaParses - stats.nlaRefused).toBeGreaterThan(1000);
  }, 120_000);

  it("input i of seed s is always the same bytes", () => {
    expect(codecInput(7, 12345)).toEqual(codecInput(7, 12345));
    expect(codecInput(7, 12345)).not.toEqual(codecInput(8, 12345));
  });
});

describe("nlsim fuzz scenarios (simulator side)", () => {
  it("generates valid scenarios for each protocol, the same for the same seed", () => {
    for (const protocol of [undefined, 0, 2, 16]) {
      for (let i = 0; i < 50; i++) {
        const g = generateScenario(3, i, protocol);
        expect(() => parseScenario(JSON.stringify(g), g.name)).not.toThrow();
        expect(generateScenario(3, i, protocol)).toEqual(g);
      }
    }
  });

  it("runs 40 scenarios on the simulator without a crash or a nondeterministic trace", async () => {
    const log: string[] = [];
    const r = await fuzzScenarios({ count: 40, seed: 5, outDir: "/nonexistent", log: (l) => log.push(l) });
    expect(r.simFailures).toBe(0);
    expect(r.against).toBeNull();
    expect(r.differ).toBe(0);
    expect(log.filter((l) => l.includes("failed"))).toEqual([]);
  }, 120_000);
});

describe("nlsim fuzz scenarios: masking the process id", () => {
  it("masks the tgid in the first message's nlmsg_pid of a raw hex field only, not in content", () => {
    const line =
      '{"i":8,"do":"recv","sock":"s0","ret":100,"flags":["MSG_TRUNC"],"hex":"e40200001000020005000000e8030000e8030000"}';
    const parsed = '{"i":5,"do":"recv","msgs":[{"payload":"08000d00e8030000"}]}';
    expect(maskTgid([line, parsed], 1000)).toEqual([
      '{"i":8,"do":"recv","sock":"s0","ret":100,"flags":["MSG_TRUNC"],"hex":"e40200001000020005000000<tgid>e8030000"}',
      parsed,
    ]);
    expect(maskTgid([line], 0)).toEqual([line]);
    // two messages (20 and 24 bytes), the second truncated after its header: both pids masked
    const two = '{"hex":"140000000300020001000000e803000000000000180000000200000002000000e8030000fe000000"}';
    expect(maskTgid([two], 1000)).toEqual([
      '{"hex":"140000000300020001000000<tgid>00000000180000000200000002000000<tgid>fe000000"}',
    ]);
  });
});
