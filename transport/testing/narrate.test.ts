import { describe, expect, it } from "vitest";
import { TailSink } from "../../sim/walk/tail.js";
import { nltest } from "./nltest.js";
import { noteNarrationOnErrors } from "./vitest.js";
import { NARRATION_HEAD, narrateFromEnv, testWorld, withWorld, worldNarration } from "./world.js";

const PROTO = 25;

describe("the testing kit narrates a failing test's last steps", () => {
  it("adds the last N steps, decoded as nlsim walk decodes them, before the seed note", async () => {
    const run = nltest(
      { protocol: PROTO, handle: (msg, reply) => (msg.payload.length === 4 ? reply.ack() : reply.error("EINVAL")) },
      async (nl) => {
        const conn = await nl.openConn(PROTO);
        await conn.requestAck({ type: 0x10, payload: Uint8Array.of(1, 0, 0, 0) });
        await conn.requestAck({ type: 0x10 }); // EINVAL: the test's failure
      },
      { seed: 4, world: { narrate: 6 } },
    );
    const err = (await run.catch((e: unknown) => e)) as Error;
    const lines = err.message.split("\n");
    const head = lines.findIndex((l) => l.startsWith(NARRATION_HEAD));
    expect(head).toBeGreaterThan(0);
    // the failure first, then the narration, then the seed note last
    expect(lines.slice(0, head).join("\n")).toMatch(/EINVAL/);
    expect(lines[lines.length - 1]).toBe("seed 4 (replay: NLSIM_SEED=4)");
    expect(lines[head]).toMatch(/\(6 of \d+ steps, narrated as nlsim walk does\):$/);
    const walk = lines.slice(head + 1, -1).join("\n");
    // the failing request as sent (decoded from the sendto), the kernel's answer as received
    expect(walk).toMatch(/sendto\(fd \d+, 16 bytes/);
    expect(walk).toMatch(/nlmsg_type +16/);
    expect(walk).toMatch(/recvmsg\(fd \d+, buf \d+/);
    expect(walk).toMatch(/NLMSG_ERROR/);
    expect(walk).toMatch(/-22|EINVAL/);
    expect(walk).toMatch(/task failed/);
    // only the last steps: the first request's ACK was narrated earlier and fell out of the window
    expect(walk.match(/sendto\(/g)?.length).toBe(1);
  });

  it("adds nothing without narrate (and NLSIM_NARRATE unset)", async () => {
    const err = (await withWorld(2, () => {
      throw new Error("plain");
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe("plain\nseed 2 (replay: NLSIM_SEED=2)");
    expect(worldNarration(testWorld(1))).toBeUndefined();
  });

  it("reads NLSIM_NARRATE and refuses a value that is not a number of steps", () => {
    expect(narrateFromEnv({})).toBeUndefined();
    expect(narrateFromEnv({ NLSIM_NARRATE: "40" })).toBe(40);
    expect(() => narrateFromEnv({ NLSIM_NARRATE: "many" })).toThrow(/NLSIM_NARRATE=many is not a number of steps/);
    expect(() => testWorld(1, { narrate: -1 })).toThrow(/narrate: -1/);
  });

  it("notes the narration on a vitest task's errors once", () => {
    const world = testWorld(1, { narrate: 3 });
    world.printk("hello from the test");
    const errors = [{ message: "expected 1 to be 2" }];
    noteNarrationOnErrors(errors, world);
    noteNarrationOnErrors(errors, world);
    expect(errors[0]!.message.split(NARRATION_HEAD).length).toBe(2);
    expect(errors[0]!.message).toMatch(/printk <\d> hello from the test/);
  });

  it("TailSink keeps the last N steps and counts the rest", () => {
    const t = new TailSink(2);
    for (const s of ["a", "b", "c"]) {
      t.step();
      t.line(s);
      t.line(`${s}'`);
    }
    t.step();
    t.step();
    expect(t.lines()).toEqual(["c", "c'"]);
    expect(t.counts).toEqual({ total: 3, kept: 1 });
    t.line("d");
    expect(t.lines()).toEqual(["c", "c'", "d"]);
    expect(() => new TailSink(0)).toThrow(/not a positive integer/);
  });
});
