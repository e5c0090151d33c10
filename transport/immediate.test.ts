import { Cause, Duration, Effect, Exit, Fiber } from "effect";
import { describe, expect, it } from "vitest";
import { immediate, immediateShortcut, later } from "./immediate.js";

describe("immediate: Effect.suspend whose yield* takes a value without the run loop", () => {
  it("takes its shortcut with the installed version of effect", () => {
    expect(immediateShortcut()).toBe(true);
  });

  it("runs the thunk when the generator reaches it, again at each yield*, never when built", async () => {
    let runs = 0;
    const next = immediate(() => ++runs);
    expect(runs).toBe(0);
    const got = await Effect.runPromise(
      Effect.gen(function* () {
        const a = yield* next;
        const b = yield* next;
        return [a, b, runs];
      }),
    );
    expect(got).toEqual([1, 2, 2]);
    expect(await Effect.runPromise(next)).toBe(3);
    expect(Effect.runSync(Effect.map(next, (x) => x * 10))).toBe(40);
  });

  it("fails with the thunk's typed failure, caught like any other", async () => {
    const bad = immediate(() => later(Effect.fail({ _tag: "E", code: 11 } as const)));
    const caught = await Effect.runPromise(
      Effect.gen(function* () {
        yield* bad;
        return "not reached";
      }).pipe(Effect.catchTag("E", (e) => Effect.succeed(`caught ${e.code}`))),
    );
    expect(caught).toBe("caught 11");
    const exit = await Effect.runPromise(Effect.exit(bad));
    expect(Exit.isFailure(exit)).toBe(true);
  });

  it("makes a thunk that throws a defect, as Effect.suspend does, out of reach of a try/catch in the generator", () => {
    const throwers: ReadonlyArray<Effect.Effect<number>> = [
      Effect.suspend((): Effect.Effect<number> => {
        throw new TypeError("boom");
      }),
      immediate((): number => {
        throw new TypeError("boom");
      }),
    ];
    for (const boom of throwers) {
      let caught = false;
      const exit = Effect.runSyncExit(
        Effect.gen(function* () {
          try {
            yield* boom;
          } catch {
            caught = true;
          }
          return 1;
        }),
      );
      expect(caught).toBe(false);
      expect(Exit.isFailure(exit) && Cause.hasDies(exit.cause)).toBe(true);
    }
  });

  it("gives what later() holds (an Exit, an effect) the same way yielded or run, also when the thunk runs another", async () => {
    const exitValue = immediate(() => later(Exit.succeed(5)));
    const mapped = immediate(() => later(Effect.map(Effect.succeed(6), (x) => x * 7)));
    // the outer thunk runs an inner immediate effect before it parks its own outcome
    const nested = immediate(() => {
      const inner = Effect.runSync(immediate(() => later(Effect.succeed("inner"))));
      return later(Effect.succeed(`${inner}+outer`));
    });
    const yielded = await Effect.runPromise(
      Effect.gen(function* () {
        return [yield* exitValue, yield* mapped, yield* nested] as const;
      }),
    );
    expect(yielded).toEqual([5, 42, "inner+outer"]);
    expect(await Effect.runPromise(Effect.all([exitValue, mapped, nested]))).toEqual([5, 42, "inner+outer"]);
  });

  it("passes an effect that must wait to the run loop, also when two fibers yield the same one", async () => {
    let n = 0;
    const slow = immediate(() =>
      later(
        Effect.delay(
          Effect.sync(() => ++n),
          Duration.millis(5),
        ),
      ),
    );
    const both = await Effect.runPromise(
      Effect.all(
        [
          Effect.gen(function* () {
            return (yield* slow) + 100;
          }),
          Effect.gen(function* () {
            return (yield* slow) + 200;
          }),
        ],
        { concurrency: 2 },
      ),
    );
    expect(both.map((x) => x % 100).sort()).toEqual([1, 2]);
    expect(both.map((x) => Math.floor(x / 100))).toEqual([1, 2]);
  });

  it("lets other fibers run during a long run of calls taken on the spot, and can be interrupted there", async () => {
    let flag = false;
    const seen = await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.forkChild(Effect.sync(() => (flag = true)));
        let i = 0;
        while (!(yield* immediate(() => flag)) && i < 100_000) i++;
        return i;
      }),
    );
    expect(seen).toBeLessThan(100_000);
    const spin = Effect.gen(function* () {
      for (;;) yield* immediate(() => 0);
    });
    const interrupted = await Effect.runPromise(
      Effect.gen(function* () {
        const f = yield* Effect.forkChild(spin);
        yield* Effect.yieldNow;
        return yield* Fiber.interrupt(f).pipe(Effect.as("interrupted"));
      }),
    );
    expect(interrupted).toBe("interrupted");
  });
});
