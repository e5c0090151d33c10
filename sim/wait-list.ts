// An ordered list of waiting things (a wait queue's sleeping tasks, a process's waits) that keeps
// its memory when it empties. A V8 array that reaches length 0 (splice, pop, length = 0) gives up
// its backing store, and the next push allocates a new one (17 slots, about 150 bytes): a process
// that blocks, wakes and blocks again on one socket paid that on every wait, and in a world of
// thousands of blocked processes each such store lives until its process runs again.

export class WaitList<T> {
  private items: Array<T | undefined> = [];
  /** how many are in the list: items[0 .. size) */
  size = 0;

  /** the i-th, 0 ≤ i < size */
  at(i: number): T {
    return this.items[i] as T;
  }

  push(x: T): void {
    this.items[this.size++] = x;
  }

  /** Takes the last one out (undefined when empty). */
  pop(): T | undefined {
    if (this.size === 0) return undefined;
    const x = this.items[--this.size];
    this.items[this.size] = undefined;
    return x;
  }

  indexOf(x: T): number {
    for (let i = 0; i < this.size; i++) if (this.items[i] === x) return i;
    return -1;
  }

  /** Takes the i-th out; those after it move up one place. */
  removeAt(i: number): void {
    const items = this.items;
    const last = --this.size;
    for (let j = i; j < last; j++) items[j] = items[j + 1];
    items[last] = undefined;
  }

  /** Takes `x` out if it is in the list; whether it was. */
  remove(x: T): boolean {
    const i = this.indexOf(x);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** Empties the list (its memory is kept). */
  clear(): void {
    this.items.fill(undefined, 0, this.size);
    this.size = 0;
  }

  /** The members now, as an array of their own (to go through while the list changes). */
  toArray(): T[] {
    return this.items.slice(0, this.size) as T[];
  }
}
