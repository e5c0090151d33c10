import { describe, expect, it } from "vitest";
import { alloc_skb, NETLINK_CB, type SkBuff, skb_clone } from "./skb.js";
import { SkbQueue } from "./sock.js";

describe("SkbQueue (sk_receive_queue)", () => {
  const skbs = (n: number): SkBuff[] => Array.from({ length: n }, () => alloc_skb(16));

  it("is FIFO across emptying, refilling and compaction", () => {
    const q = new SkbQueue();
    const model: SkBuff[] = [];
    const all = skbs(400);
    let next = 0;
    // uneven bursts: the queue empties, stays long (compaction) and refills
    for (const [push, pop] of [
      [1, 1],
      [3, 2],
      [2, 3],
      [150, 100],
      [10, 60],
      [200, 150],
      [0, 60],
      [5, 1],
    ] as const) {
      for (let i = 0; i < push; i++) {
        const s = all[next++]!;
        q.push(s);
        model.push(s);
      }
      for (let i = 0; i < pop; i++) {
        expect(q.peek()).toBe(model[0]);
        expect(q.shift()).toBe(model.shift());
      }
      expect(q.length).toBe(model.length);
      expect(q.toArray()).toEqual(model);
    }
  });

  it("empty: length 0, peek and shift give undefined", () => {
    const q = new SkbQueue();
    expect(q.length).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.shift()).toBeUndefined();
    const [a] = skbs(1);
    q.push(a!);
    expect(q.shift()).toBe(a);
    expect(q.shift()).toBeUndefined();
    expect(q.length).toBe(0);
    expect(q.toArray()).toEqual([]);
  });
});

describe("NETLINK_CB", () => {
  it("a clone has its own copy of the control block", () => {
    const skb = alloc_skb(16);
    NETLINK_CB(skb).portid = 7;
    NETLINK_CB(skb).dst_group = 3;
    const c = skb_clone(skb);
    expect(NETLINK_CB(c).portid).toBe(7);
    expect(NETLINK_CB(c).dst_group).toBe(3);
    NETLINK_CB(c).dst_group = 5;
    expect(NETLINK_CB(skb).dst_group).toBe(3);
    expect(c.head).toBe(skb.head);
  });
});
