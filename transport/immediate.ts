// An Effect for a call that usually completes at once (the kernel layer's non-blocking sendto
// and recvmsg), built so that `yield*` in Effect.gen costs no turn of Effect's run loop.
//
// Effect.gen runs its generator inside one frame of the run loop: each effect the generator
// yields goes back through the run loop (two turns for an Effect.suspend that returns an Exit,
// with the generator's frame pushed and popped between), except an Exit, which Effect.gen takes
// on the spot. `immediate(thunk)` is an Effect.suspend(thunk) with one difference: its iterator
// (what `yield*` asks for) runs the thunk when the generator reaches it. A success (an Exit, as
// Effect.succeed returns) ends the `yield*` with its value before anything is yielded; a failure
// Exit is yielded, and Effect.gen fails with it on the spot; any other effect (a call that must
// wait) goes through the run loop as before. Run any other way (Effect.runPromise, Effect.flatMap,
// a pipe), it is the Effect.suspend it extends. docs/performance.md has the figures.
//
// The run loop also yields to other fibers every so many operations; calls that skip it would
// never count. So every FAIR_RUN calls taken on the spot, one goes through Effect.yieldNow first.
//
// It relies on two things of Effect 4's that are not its public API: a suspend effect keeps its
// thunk in one own property, and Effect.gen takes a yielded Exit on the spot. Both are checked
// once, at the first call; if either does not hold (another version of effect), `immediate` is
// plain Effect.suspend.
import { Effect, Exit } from "effect";

const FAIR_RUN = 2048;
let fairBudget = FAIR_RUN;

/** The iterator of one `yield*`: its own result object (as Effect's SingleShotGen is). */
class Step {
  value: unknown = undefined;
  done = false;
  private started = false;
  constructor(private readonly thunk: () => unknown) {}
  next(v: unknown): this {
    if (this.started) {
      this.done = true;
      this.value = v;
      return this;
    }
    this.started = true;
    if (--fairBudget > 0) {
      let r: { readonly _tag?: unknown; readonly value?: unknown };
      try {
        r = this.thunk() as typeof r;
      } catch (defect) {
        // as Effect.suspend: a thunk that throws is a defect of the effect, not an exception
        // the program's own try/catch around the yield* would see
        this.value = Exit.die(defect);
        return this;
      }
      if (Exit.isExit(r) && r._tag === "Success") {
        // a success: the yield* is over before it yields anything
        this.done = true;
        this.value = r.value;
      } else {
        this.value = r;
      }
    } else {
      fairBudget = FAIR_RUN;
      this.value = Effect.andThen(Effect.yieldNow, Effect.suspend(this.thunk as () => Effect.Effect<unknown>));
    }
    return this;
  }
  [Symbol.iterator](): this {
    return this;
  }
}

const probeThunk = () => Exit.succeed(0);
const probe = Effect.suspend(probeThunk);
const thunkKey = Reflect.ownKeys(probe).find(
  (k) => (probe as unknown as Record<PropertyKey, unknown>)[k] === probeThunk,
);

const Proto: object = Object.create(Object.getPrototypeOf(probe) as object, {
  [Symbol.iterator]: {
    value(this: Record<PropertyKey, () => unknown>) {
      return new Step(this[thunkKey!]!);
    },
  },
});

const make = <A, E, R>(thunk: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> => {
  const e = Object.create(Proto) as Record<PropertyKey, unknown>;
  e[thunkKey!] = thunk;
  return e as unknown as Effect.Effect<A, E, R>;
};

/** Whether `make` behaves as Effect.suspend with this version of effect, yielded and run. */
const check = (): boolean => {
  if (thunkKey === undefined || Reflect.ownKeys(probe).length !== 1) return false;
  try {
    let runs = 0;
    const once = make(() => {
      runs++;
      return Effect.succeed(20);
    });
    const sum = Effect.runSync(
      Effect.gen(function* () {
        const a = yield* once;
        const b = yield* make(() => Effect.map(Effect.succeed(11), (x) => x * 2));
        const c = yield* Effect.flip(make(() => Effect.fail("e")));
        return a + b + (c === "e" ? 0 : 1000);
      }),
    );
    const direct = Effect.runSync(Effect.map(once, (x) => x + 1));
    const failed = Effect.runSync(Effect.exit(make(() => Effect.fail("f"))));
    const inGen = Effect.runSync(
      Effect.flip(
        Effect.gen(function* () {
          yield* make(() => Effect.fail("g"));
          return "not reached";
        }),
      ),
    );
    return (
      sum === 42 && direct === 21 && runs === 2 && Exit.isFailure(failed) && inGen === "g" && Effect.isEffect(once)
    );
  } catch {
    return false;
  }
};

// decided at the first call, not when the module loads: the check runs Effect programs (a few
// milliseconds cold), which a process that never makes a kernel-layer call need not pay
let works: boolean | undefined;

/** Whether `immediate` takes its shortcut with the installed effect (false: it is Effect.suspend). */
export const immediateShortcut = (): boolean => {
  if (works === undefined) works = check();
  return works;
};

/**
 * Effect.suspend(thunk), whose `yield*` in Effect.gen runs the thunk on the spot: an Exit it
 * returns (Effect.succeed, Effect.fail) reaches the generator without a turn of the run loop.
 */
export const immediate = <A, E, R>(thunk: () => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  immediateShortcut() ? make(thunk) : Effect.suspend(thunk);
