// The end of a narration: a sink that keeps only the last N steps the narrator hands over, for the
// testing kit to print when a test fails ("what happened just before").
import type { NarrationSink } from "./narrate.js";

export class TailSink implements NarrationSink {
  private readonly steps: string[][] = [[]];
  /** steps that fell out of the window */
  private dropped = 0;

  constructor(private readonly keep: number) {
    if (!Number.isSafeInteger(keep) || keep < 1)
      throw new RangeError(`TailSink: keep ${keep} is not a positive integer`);
  }

  line(s: string): void {
    this.steps[this.steps.length - 1]!.push(s);
  }

  step(): void {
    if (this.steps[this.steps.length - 1]!.length === 0) return;
    this.steps.push([]);
    // the step now open is one of the N
    if (this.steps.length > this.keep) {
      this.steps.shift();
      this.dropped++;
    }
  }

  /** How many steps were narrated in all, and how many of them are kept. */
  get counts(): { readonly total: number; readonly kept: number } {
    const kept = this.steps.filter((s) => s.length > 0).length;
    return { total: this.dropped + kept, kept };
  }

  /** The kept steps' lines, oldest first. */
  lines(): string[] {
    return this.steps.flat();
  }
}
