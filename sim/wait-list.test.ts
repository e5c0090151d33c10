import { describe, expect, it } from "vitest";
import { WaitList } from "./wait-list.js";

describe("WaitList", () => {
  it("keeps its members in order through pushes and removals, as an array's splice would", () => {
    const list = new WaitList<number>();
    const ref: number[] = [];
    let x = 1;
    // a fixed pseudo-random walk of pushes and removals, emptying the list now and then
    for (let step = 0; step < 2000; step++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      if (ref.length === 0 || x % 3 !== 0) {
        list.push(step);
        ref.push(step);
      } else {
        const i = x % ref.length;
        expect(list.remove(ref[i]!)).toBe(true);
        ref.splice(i, 1);
      }
      if (step % 97 === 0) {
        list.clear();
        ref.length = 0;
      }
      expect(list.size).toBe(ref.length);
    }
    expect(list.toArray()).toEqual(ref);
    for (let i = 0; i < ref.length; i++) expect(list.at(i)).toBe(ref[i]);
  });

  it("finds members by identity and reports what is not there", () => {
    const a = { n: 1 };
    const b = { n: 1 };
    const list = new WaitList<object>();
    list.push(a);
    expect(list.indexOf(a)).toBe(0);
    expect(list.indexOf(b)).toBe(-1);
    expect(list.remove(b)).toBe(false);
    expect(list.remove(a)).toBe(true);
    expect(list.size).toBe(0);
    expect(list.toArray()).toEqual([]);
    // emptied and used again
    list.push(b);
    expect(list.toArray()).toEqual([b]);
    list.push(a);
    expect(list.pop()).toBe(a);
    expect(list.pop()).toBe(b);
    expect(list.pop()).toBeUndefined();
    expect(list.size).toBe(0);
  });
});
