import { describe, expect, it } from "vitest";
import { compareExact, normalize, parseSimRun } from "./compare.js";

describe("harness transcripts", () => {
  it("a refused rmmod's complaint is compared after the program's lines, wherever it fell among them", () => {
    const sim = parseSimRun(
      ["daemon: event #2", "rmmod: ERROR: Module nl_demo is in use", "daemon: event #3", "--- dmesg (x) ---"].join(
        "\n",
      ),
      "nl_demo:",
    );
    const guestEarly = {
      out: ["rmmod: ERROR: Module nl_demo is in use", "daemon: event #2", "daemon: event #3"],
      dmesg: [],
    };
    expect(normalize(sim).out).toEqual([
      "daemon: event #2",
      "daemon: event #3",
      "rmmod: ERROR: Module nl_demo is in use",
    ]);
    expect(compareExact(normalize(sim), normalize(guestEarly))).toEqual([]);
    // a guest rmmod that said something else, or nothing, still differs
    const guestQuiet = { out: ["daemon: event #2", "daemon: event #3"], dmesg: [] };
    expect(compareExact(normalize(sim), normalize(guestQuiet))).toEqual([
      'output line 3: sim "rmmod: ERROR: Module nl_demo is in use" / kernel "(none)"',
    ]);
  });
});
