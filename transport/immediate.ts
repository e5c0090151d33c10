// An Effect for a call that usually completes at once (the kernel layer's non-blocking sendto,
// recvmsg and recvmmsg, and the sim layer's, which end at once unless the model parks them),
// built so that `yield*` in Effect.gen costs no turn of Effect's run loop.
//
// Effect.gen runs its generator inside one frame of the run loop: each effect the generator
// yields goes back through the run loop (two turns for an Effect.suspend that returns an Exit,
// with the generator's frame pushed and popped between), except an Exit, which Effect.gen takes
// on the spot. `immediate(thunk)` is an Effect whose iterator (what `yield*` asks for) runs the
// thunk when the generator reaches it. The thunk returns the call's value itself, which ends the
// `yield*` before anything is yielded, or `later(effect)` for anything else: a failure (an Exit,
// which Effect.gen fails with on the spot) or a call that must wait (it goes through the run loop
// as before). Run any other way (Effect.runPromise, Effect.flatMap, a pipe), it is
// Effect.suspend(() => the thunk's outcome as an effect). docs/performance.md has the figures.
// `ImmediateCall` is the same with the call's arguments in fields and its thunk a method, `run()`:
// one object per call and no closure (the sim layer's calls, of which a world of thousands of
// blocked processes keeps one per process while it waits).
//
// The thunk's value is not wrapped in an Exit, and the effect is its own iterator at its first
// `yield*` (a later one, or a second fiber's, gets an iterator of its own): after a syscall the
// processor's caches and TLB are cold, and each object and function less on this path shows.
//
// The run loop also yields to other fibers every so many operations; calls that skip it would
// never count. So every FAIR_RUN calls taken on the spot, one goes through Effect.yieldNow first
// (counted for the whole Node process; an ImmediateCall may count otherwise: the sim layer counts
// per simulated process, so that a world runs the same whatever ran before it).
//
// It relies on two things of Effect 4's that are not its public API: a suspend effect keeps its
// thunk in one own property (read by the run loop), and Effect.gen takes a yielded Exit on the
// spot. Both are checked once, at the first call; if either does not hold (another version of
// effect), `immediate` is plain Effect.suspend.
import { Effect, Exit } from "effect";

const FAIR_RUN = 2048;
let fairBudget = FAIR_RUN;

declare const LaterTypes: unique symbol;

/** What an immediate thunk returns when its call does not end with a plain value: see later(). */
export interface Later<out A, out E, out R> {
  readonly [LaterTypes]: { readonly a: A; readonly e: E; readonly r: R };
}

// later() parks its effect here and returns LATER; whoever ran the thunk takes it at once
const LATER = Object.freeze({ later: true }) as unknown as Later<never, never, never>;
let parked: Effect.Effect<unknown, unknown, unknown> | undefined;

/** The thunk's outcome when it is not a plain value: a failure, or an effect that must wait. */
export const later = <A, E, R>(effect: Effect.Effect<A, E, R>): Later<A, E, R> => {
  parked = effect;
  return LATER;
};

const takeParked = (): Effect.Effect<unknown, unknown, unknown> => {
  const e = parked!;
  parked = undefined;
  return e;
};

type Thunk = () => unknown;

/** What an immediate effect runs at its yield*: a call, and whether it may take the shortcut now. */
interface Call {
  run(): unknown;
  /** false: this one goes through Effect.yieldNow first, so other fibers get a turn */
  fair(): boolean;
}

/** The process-wide budget of calls taken on the spot (the kernel layer's). */
const fairGlobal = (): boolean => {
  if (--fairBudget > 0) return true;
  fairBudget = FAIR_RUN;
  return false;
};

/** The call's outcome as an effect, as Effect.suspend's thunk returns it. */
const outcome = (call: Call): Effect.Effect<unknown, unknown, unknown> => {
  const r = call.run();
  return r === LATER ? takeParked() : Exit.succeed(r);
};

interface Iter {
  value: unknown;
  done: boolean;
  started: boolean;
}

/** One step of a `yield*` of `call`: the first runs it, the second (after a yielded effect) ends it. */
const advance = (it: Iter, call: Call, v: unknown): Iter => {
  if (it.started) {
    it.done = true;
    it.value = v;
    return it;
  }
  it.started = true;
  if (call.fair()) {
    let r: unknown;
    try {
      r = call.run();
    } catch (defect) {
      // as Effect.suspend: a thunk that throws is a defect of the effect, not an exception
      // the program's own try/catch around the yield* would see
      it.value = Exit.die(defect);
      return it;
    }
    if (r !== LATER) {
      // a value: the yield* is over before it yields anything
      it.done = true;
      it.value = r;
    } else {
      it.value = takeParked();
    }
  } else {
    it.value = Effect.andThen(
      Effect.yieldNow,
      Effect.suspend(() => outcome(call)),
    );
  }
  return it;
};

/** The iterator of a second (or concurrent) `yield*` of the same effect. */
class Step implements Iter {
  value: unknown = undefined;
  done = false;
  started = false;
  constructor(readonly call: Call) {}
  [Symbol.iterator](): this {
    return this;
  }
  next(v: unknown): Iter {
    return advance(this, this.call, v);
  }
}

const probe = Effect.suspend(() => Exit.succeed(0));
const probeKeys = Reflect.ownKeys(probe);
const thunkKey = probeKeys[0];

/**
 * An effect whose yield* runs `run()` on the spot: a suspend primitive (its prototype's), and
 * its own iterator at its first yield*. Subclass it for a call whose arguments are fields (one
 * object per call, no closure), and hand it out with `immediateCall`; `immediate(thunk)` is the
 * closure's version.
 */
export abstract class ImmediateCall<out A, out E = never, out R = never> implements Iter, Call {
  value: unknown = undefined;
  done = false;
  started = false;
  private iterated = false;
  /** the call's value, or `later(effect)` for a failure or a call that must wait */
  abstract run(): A | Later<A, E, R>;
  /** whether this call may take the shortcut (default: a process-wide budget) */
  fair(): boolean {
    return fairGlobal();
  }
  next(v: unknown): Iter {
    return advance(this, this, v);
  }
  [Symbol.iterator](): Iter {
    if (this.iterated) return new Step(this);
    this.iterated = true;
    return this;
  }
  /**
   * Readies this call to be handed out again, as the effect of another call with the same
   * arguments (an effect is a value: two equal calls may be one object). False while its own
   * iteration (its first `yield*`) is under way: then it cannot be. A finished iteration is
   * rewound, so that the next `yield*` takes the shortcut with this object as its iterator.
   */
  protected rewind(): boolean {
    if (!this.iterated) return true;
    if (!this.done) return false;
    this.value = undefined;
    this.done = false;
    this.started = false;
    this.iterated = false;
    return true;
  }
}
/**
 * immediate's effect: a thunk. Not a subclass of ImmediateCall (V8 builds a derived class's
 * object more slowly, and the kernel layer builds one for every call): a class of its own with
 * ImmediateCall's fields, and its methods taken from ImmediateCall's prototype.
 */
class ThunkCall implements Iter, Call {
  value: unknown = undefined;
  done = false;
  started = false;
  iterated = false;
  constructor(readonly thunk: Thunk) {}
  run(): unknown {
    return this.thunk();
  }
  declare fair: () => boolean;
  declare next: (v: unknown) => Iter;
  declare [Symbol.iterator]: () => Iter;
}
ThunkCall.prototype.fair = ImmediateCall.prototype.fair;
ThunkCall.prototype.next = ImmediateCall.prototype.next;
ThunkCall.prototype[Symbol.iterator] = ImmediateCall.prototype[Symbol.iterator];

for (const proto of [ImmediateCall.prototype, ThunkCall.prototype]) {
  Object.setPrototypeOf(proto, Object.getPrototypeOf(probe) as object);
  if (thunkKey !== undefined) {
    // what the run loop reads of a suspend primitive: a thunk returning an effect
    Object.defineProperty(proto, thunkKey, {
      get(this: Call) {
        return () => outcome(this);
      },
    });
  }
}

const make = <A, E = never, R = never>(thunk: () => A | Later<A, E, R>): Effect.Effect<A, E, R> =>
  new ThunkCall(thunk) as unknown as Effect.Effect<A, E, R>;

/** Whether `make` behaves as Effect.suspend with this version of effect, yielded and run. */
const check = (): boolean => {
  if (thunkKey === undefined || probeKeys.length !== 1) return false;
  try {
    let runs = 0;
    const once = make(() => {
      runs++;
      return 20;
    });
    const sum = Effect.runSync(
      Effect.gen(function* () {
        const a = yield* once;
        const b = yield* make(() => later(Effect.map(Effect.succeed(11), (x) => x * 2)));
        const c = yield* Effect.flip(make(() => later(Effect.fail("e"))));
        const d = yield* once;
        return a + b + d + (c === "e" ? 0 : 1000);
      }),
    );
    const direct = Effect.runSync(Effect.map(once, (x) => x + 1));
    const failed = Effect.runSync(Effect.exit(make(() => later(Effect.fail("f")))));
    const inGen = Effect.runSync(
      Effect.flip(
        Effect.gen(function* () {
          yield* make(() => later(Effect.fail("g")));
          return "not reached";
        }),
      ),
    );
    return (
      sum === 62 && direct === 21 && runs === 3 && Exit.isFailure(failed) && inGen === "g" && Effect.isEffect(once)
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
 * Effect.suspend over a thunk that returns its call's value, or `later(effect)` for a failure or
 * a call that must wait; its `yield*` in Effect.gen runs the thunk on the spot, and a value (or
 * an Exit given to later) reaches the generator without a turn of the run loop.
 */
export const immediate = <A, E = never, R = never>(thunk: () => A | Later<A, E, R>): Effect.Effect<A, E, R> =>
  immediateShortcut()
    ? make(thunk)
    : (Effect.suspend(() => outcome(new ThunkCall(thunk))) as unknown as Effect.Effect<A, E, R>);

/** A call object as its effect: itself with the shortcut, else Effect.suspend over its run(). */
export const immediateCall = <A, E, R>(call: ImmediateCall<A, E, R>): Effect.Effect<A, E, R> =>
  immediateShortcut()
    ? (call as unknown as Effect.Effect<A, E, R>)
    : (Effect.suspend(() => outcome(call)) as unknown as Effect.Effect<A, E, R>);
