import { describe, expect, it } from "vitest";
import { init_waitqueue_head, type WaitQueueHead } from "../kernel-model/kernel/sched.js";
import {
  netlink_create,
  netlink_kernel_create,
  netlink_sendmsg,
  netlink_unicast,
  nlmsg_end,
  nlmsg_new,
  nlmsg_put,
} from "../kernel-model/net/netlink/index.js";
import {
  CAP_NET_ADMIN,
  encodeMessage,
  encodeSockaddrNl,
  MSG_DONTWAIT,
  NETLINK_USERSOCK,
  SO_RCVTIMEO,
  SOCK_RAW,
  SOL_SOCKET,
} from "../kernel-model/uapi/index.js";
import { Parked, spawnProcess } from "./process.js";
import { isSyscall, traceHash } from "./trace.js";
import { World } from "./world.js";

const ROOT_CRED = { tgid: 1, uid: 0, gid: 0, caps: new Set([CAP_NET_ADMIN]) };

const timeval = (sec: number, usec: number): Uint8Array => {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(usec), true);
  return b;
};

/** A receiver that blocks until a sender, scheduled after it, delivers three messages. */
const pingWorld = (seed: number): World => pingWorldIn(new World({ seed }));

function pingWorldIn(w: World): World {
  spawnProcess(w, { name: "receiver", pid: 500 }, async (p) => {
    const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
    p.bind(fd, encodeSockaddrNl({ pid: 0, groups: 0 }));
    for (let i = 0; i < 3; i++) {
      const r = await p.recvmsg(fd, 4096, 0);
      expect(r.ret).toBe(20);
    }
  });
  spawnProcess(w, { name: "sender", pid: 501 }, async (p) => {
    const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
    for (let i = 0; i < 3; i++) {
      const msg = encodeMessage({ type: 16, seq: i, payload: Uint8Array.of(1, 2, 3, 4) });
      expect(await p.sendto(fd, msg, 0, encodeSockaddrNl({ pid: 500, groups: 0 }))).toBe(20);
      await w.msleep(10);
    }
  });
  return w;
}

describe("World", () => {
  it("runs a blocked receiver when a sender delivers, and advances virtual time only through sleeps", async () => {
    const w = pingWorld(1);
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(r.deadlocked).toEqual([]);
    // three 10 ms sleeps by the sender
    expect(w.now).toBe(30_000_000);
    const recvs = w.trace.snapshot().events.filter((e) => e.kind === "syscall" && e.call === "recvmsg");
    expect(recvs.map((e) => e.t)).toEqual([0, 10_000_000, 20_000_000]);
  });

  it("gives the same trace, byte for byte, for the same seed", async () => {
    const a = pingWorld(7);
    const b = pingWorld(7);
    await a.run();
    await b.run();
    expect(traceHash(a.trace.snapshot())).toBe(traceHash(b.trace.snapshot()));
  });

  it("runs the same with tracing off, keeping no events", async () => {
    const on = pingWorld(8);
    const off = new World({ seed: 8, trace: false });
    expect(off.tracing).toBe(false);
    await on.run();
    expect(on.trace.length).toBeGreaterThan(0);
    // the same program in a world that keeps no trace ends at the same virtual time
    const w = pingWorldIn(off);
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(w.now).toBe(on.now);
    expect(w.trace.length).toBe(0);
  });

  it("times out a blocking recv after SO_RCVTIMEO in virtual time with EAGAIN", async () => {
    const w = new World({ seed: 2 });
    let ret = 0;
    spawnProcess(w, { name: "waiter" }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      p.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeval(0, 250_000));
      ret = (await p.recvmsg(fd, 100, 0)).ret;
    });
    await w.run();
    expect(ret).toBe(-11);
    expect(w.now).toBe(250_000_000);
  });

  it("reports tasks that sleep forever as deadlocked instead of hanging", async () => {
    const w = new World({ seed: 3 });
    spawnProcess(w, { name: "forever" }, async (p) => {
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      await p.recvmsg(fd, 100, 0);
    });
    const r = await w.run();
    expect(r.deadlocked).toEqual(["forever (task 1)"]);
  });

  it("wakes a task sleeping on several queues (poll) at the first one that fires", async () => {
    const w = new World({ seed: 4 });
    const order: string[] = [];
    spawnProcess(w, { name: "poller", pid: 600 }, async (p) => {
      const a = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      const b = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      p.bind(a, encodeSockaddrNl({ pid: 600, groups: 0 }));
      p.bind(b, encodeSockaddrNl({ pid: 601, groups: 0 }));
      const why = await w.sleepOn([p.sock(a)!.sk_wq, p.sock(b)!.sk_wq], 1e9);
      order.push(`woke:${why}`);
      order.push(`a:${p.recvmsgNow(a, 100, MSG_DONTWAIT).ret} b:${p.recvmsgNow(b, 100, 0).ret}`);
    });
    spawnProcess(w, { name: "sender" }, async (p) => {
      await w.msleep(5);
      const fd = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      p.sendtoNow(fd, encodeMessage({ type: 16 }), 0, encodeSockaddrNl({ pid: 601, groups: 0 }));
    });
    await w.run();
    expect(order).toEqual(["woke:woken", "a:-11 b:16"]);
    expect(w.now).toBe(5_000_000);
  });

  it("closes a process's sockets when it exits, so its port id is free again", async () => {
    const w = new World({ seed: 5 });
    let second = 0;
    spawnProcess(w, { name: "first", pid: 700 }, async (p) => {
      p.bind(p.socket(SOCK_RAW, NETLINK_USERSOCK), encodeSockaddrNl({ pid: 4242, groups: 0 }));
    });
    spawnProcess(w, { name: "second", pid: 701 }, async (p) => {
      second = p.bind(p.socket(SOCK_RAW, NETLINK_USERSOCK), encodeSockaddrNl({ pid: 4242, groups: 0 }));
    });
    await w.run();
    expect(second).toBe(0);
  });

  it("records a task that throws as failed, with its error", async () => {
    const w = new World({ seed: 6 });
    spawnProcess(w, { name: "crash" }, async () => {
      throw new Error("boom");
    });
    const r = await w.run();
    expect(r.failed.map((f) => [f.task, String(f.error)])).toEqual([["crash", "Error: boom"]]);
  });
});

describe("the world as the model's host", () => {
  it("queues a kernel socket's input for the softirq even when the send comes from outside any task", () => {
    const w = new World({ seed: 1 });
    const got: number[] = [];
    const unit = 25;
    const ksk = w.insmod(() => netlink_kernel_create(w.net, unit, { input: (skb) => void got.push(skb.len) }));
    expect(ksk).not.toBeNull();
    // no task runs and no kernel is installed here: the namespace knows its kernel all the same
    const sk = netlink_create(w.net, ROOT_CRED, SOCK_RAW, unit);
    if (typeof sk === "number") throw new Error(`socket: ${sk}`);
    const msg = encodeMessage({ type: 16, payload: Uint8Array.of(1, 2, 3, 4) });
    expect(netlink_sendmsg(sk, ROOT_CRED, msg, MSG_DONTWAIT, encodeSockaddrNl({ pid: 0, groups: 0 }))).toBe(20);
    expect(got).toEqual([]); // softirq-era input: queued, not run inside sendmsg
    w.softirq();
    expect(got).toEqual([20]);
  });

  it("gives each world its own skb numbers in BUG lines", () => {
    const bug = (): string[] => {
      const w = new World({ seed: 1 });
      const ksk = w.insmod(() => netlink_kernel_create(w.net, 25, {}))!;
      const skb = nlmsg_new(0);
      nlmsg_end(skb, nlmsg_put(skb, 0, 0, 16, 0, 0)!);
      w.inKernel(() => netlink_unicast(ksk, skb, 99, true)); // consumed
      w.inKernel(() => netlink_unicast(ksk, skb, 99, true));
      return w.dmesg().filter((l) => l.includes("freed skb"));
    };
    const first = bug();
    expect(first).toEqual(["[    0.000000] BUG: BUG: netlink_unicast on freed skb #1"]);
    expect(bug()).toEqual(first);
  });
});

describe("trace events", () => {
  it("give each datagram its protocol, ports, groups, bytes, time and context", async () => {
    const w = pingWorld(1);
    await w.run();
    const events = w.trace.snapshot().events;
    const msg0 = encodeMessage({ type: 16, seq: 0, payload: Uint8Array.of(1, 2, 3, 4) });
    const sent = events.filter((e) => isSyscall(e, "sendto"))[0]!;
    expect(sent).toMatchObject({ t: 0, pid: 501, protocol: NETLINK_USERSOCK, to: 500, groups: 0, ctx: "process" });
    expect(sent.from).toBeGreaterThan(0); // the sender's autobound port
    expect(sent.bytes).toEqual(msg0);
    const got = events.filter((e) => isSyscall(e, "recvmsg"))[0]!;
    expect(got).toMatchObject({ t: 0, pid: 500, protocol: NETLINK_USERSOCK, from: sent.from, to: 500, groups: 0 });
    expect(got.ctx).toBe("process");
    expect(got.bytes).toEqual(msg0);
  });

  it("give a kernel socket's input run from NET_RX the datagram it is given, in softirq context", async () => {
    const w = new World({ seed: 1 });
    const unit = 25;
    w.insmod(() => netlink_kernel_create(w.net, unit, { input: function echo_input() {} }));
    const msg = encodeMessage({ type: 16, payload: Uint8Array.of(9) });
    spawnProcess(w, { name: "sender", pid: 501 }, async (p) => {
      const fd = p.socket(SOCK_RAW, unit);
      p.sendtoNow(fd, msg, 0, encodeSockaddrNl({ pid: 0, groups: 0 }));
    });
    await w.run();
    const input = w.trace.snapshot().events.find((e) => e.kind === "softirq");
    expect(input).toMatchObject({ vec: "NET_RX", fn: "echo_input", protocol: unit, to: 0, groups: 0, ctx: "softirq" });
    expect(input !== undefined && "bytes" in input ? input.bytes : undefined).toEqual(msg);
  });
});

describe("World's run queue", () => {
  /** `n` tasks that each note when they run, sleep 1 ms (all wake at once), and note it again */
  const queueWorld = (n: number, pickNext?: (runnable: number) => number): { w: World; order: number[] } => {
    const w = new World(pickNext === undefined ? { seed: 1, trace: false } : { seed: 1, trace: false, pickNext });
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      w.spawnTask("kthread", `t${i}`, async () => {
        order.push(i);
        await w.msleep(1);
        order.push(i);
      });
    }
    return { w, order };
  };

  it("runs thousands of runnable tasks first in first out", async () => {
    const { w, order } = queueWorld(3000);
    const r = await w.run();
    expect(r.failed).toEqual([]);
    const ids = Array.from({ length: 3000 }, (_, i) => i);
    expect(order).toEqual([...ids, ...ids]);
  });

  it("takes the place pickNext names, as a plain array's splice would", async () => {
    // a reference: the same choices made on an array of the runnable tasks
    const picks = (k: number): number => (k * 7919) % 5;
    let call = 0;
    const { w, order } = queueWorld(2500, (runnable) => picks(call++) % runnable);
    await w.run();
    const expected: number[] = [];
    const queue = Array.from({ length: 2500 }, (_, i) => i);
    let c = 0;
    while (queue.length > 0) expected.push(queue.splice(queue.length < 2 ? 0 : picks(c++) % queue.length, 1)[0]!);
    // the wake-ups: one timer at a time, so one runnable task at a time, in the order they slept
    expected.push(...expected);
    expect(order).toEqual(expected);
  });
});

describe("tasks driven by callbacks (sleepOnThen)", () => {
  it("run on in the world's loop when woken, between promise-driven tasks, in the order they woke", async () => {
    const w = new World({ seed: 1, trace: false });
    const log: string[] = [];
    const byCallback = (name: string, delays: ReadonlyArray<number>): void => {
      w.spawnTask("kthread", name, () => {
        return new Promise<void>((done) => {
          let i = 0;
          const step = (): void => {
            log.push(`${name}@${w.now / 1e6}`);
            if (i === delays.length) done();
            else w.sleepOnThen(undefined, delays[i++]! * 1e6, step);
          };
          step();
        });
      });
    };
    byCallback("a", [2, 2, 2]);
    w.spawnTask("kthread", "p", async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`p@${w.now / 1e6}`);
        await w.msleep(3);
      }
    });
    byCallback("b", [3, 3]);
    const r = await w.run();
    expect(r.failed).toEqual([]);
    // at 6 ms: the timers in the order they were set (p and b at 3 ms, a at 4 ms)
    expect(log).toEqual(["a@0", "p@0", "b@0", "a@2", "p@3", "b@3", "a@4", "p@6", "b@6", "a@6"]);
    expect(w.now).toBe(9e6);
  });

  it("fails the task whose continuation throws, and goes on with the others", async () => {
    const w = new World({ seed: 1, trace: false });
    w.spawnTask("kthread", "thrower", () => {
      return new Promise<void>(() => {
        w.sleepOnThen(undefined, 1e6, () => {
          throw new Error("boom");
        });
      });
    });
    let after = false;
    w.spawnTask("kthread", "other", async () => {
      await w.msleep(2);
      after = true;
    });
    const r = await w.run();
    expect(r.failed.map((f) => [f.task, String(f.error)])).toEqual([["thrower", "Error: boom"]]);
    expect(after).toBe(true);
  });
});

describe("a queue's sleepers", () => {
  it("wake in the order they slept; a task asleep on two queues wakes once, taken off both", async () => {
    const w = new World({ seed: 1, trace: false });
    const q = init_waitqueue_head("q");
    const q2 = init_waitqueue_head("q2");
    const log: string[] = [];
    const sleeper = (name: string, on: ReadonlyArray<WaitQueueHead>, times: number): void => {
      w.spawnTask("kthread", name, async () => {
        for (let i = 0; i < times; i++) {
          const why = await w.sleepOn(on.length === 1 ? on[0] : on, Number.POSITIVE_INFINITY);
          log.push(`${name}:${why}`);
        }
      });
    };
    sleeper("a", [q2, q], 2);
    sleeper("b", [q], 2);
    sleeper("c", [q], 1);
    w.spawnTask("kthread", "waker", async () => {
      await w.msleep(1);
      w.wake_up(q2); // a only, taken off q too
      await w.msleep(1);
      w.wake_up(q); // b, c, then a (asleep again on both, after them)
      await w.msleep(1);
      w.wake_up(q2); // nobody: a is done
      w.wake_up(q); // b
      await w.msleep(1);
      w.wake_up(q); // nobody
    });
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(log).toEqual(["a:woken", "b:woken", "c:woken", "a:woken", "b:woken"]);
    expect(w.now).toBe(4e6);
    expect(q.sleepers === undefined || (q.sleepers as { size: number }).size === 0).toBe(true);
    expect(q2.sleepers).toBeUndefined();
  });
});

describe("a process's parked reads", () => {
  it("take the object of a read whose call has ended, never one still asleep", async () => {
    const w = new World({ seed: 1, trace: false });
    const log: string[] = [];
    spawnProcess(w, { name: "reader", pid: 100 }, async (p) => {
      const a = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      const b = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      const tx = p.socket(SOCK_RAW, NETLINK_USERSOCK);
      expect(p.bind(a, encodeSockaddrNl({ pid: 100, groups: 0 }))).toBe(0);
      expect(p.bind(b, encodeSockaddrNl({ pid: 101, groups: 0 }))).toBe(0);
      const send = (to: number, seq: number): void => {
        expect(p.sendtoNow(tx, encodeMessage({ type: 0x10, seq }), 0, encodeSockaddrNl({ pid: to, groups: 0 }))).toBe(
          16,
        );
      };
      const seqOf = (r: { data: Uint8Array } | undefined): number =>
        new DataView(r!.data.buffer, r!.data.byteOffset).getUint32(8, true);
      const pa = p.recvmsgCall(a, 100, 0);
      const pb = p.recvmsgCall(b, 100, 0);
      if (!(pa instanceof Parked) || !(pb instanceof Parked)) throw new Error("the reads did not park");
      // two reads asleep at once: two objects
      expect(pb).not.toBe(pa);
      expect(pa.resume(false)).toBeUndefined(); // nothing for a yet: it sleeps on
      send(101, 1);
      log.push(`b ${seqOf(pb.resume(false))}`);
      // b's call has ended: b's next read that sleeps takes its object; a's is still asleep
      const pb2 = p.recvmsgCall(b, 100, 0);
      expect(pb2).toBe(pb);
      const pa2 = p.recvmsgCall(a, 100, 0); // a second read of a while the first sleeps
      expect(pa2).not.toBe(pa);
      expect(pa2).not.toBe(pb);
      send(100, 2);
      send(101, 3);
      log.push(`a ${seqOf(pa.resume(false) as { data: Uint8Array })}`);
      expect(pa2 instanceof Parked && pa2.resume(false)).toBeUndefined(); // the first read took a's datagram
      log.push(`b ${seqOf((pb2 as Parked<{ data: Uint8Array }>).resume(false))}`);
      expect((pb2 as Parked<unknown>).wq()).toBe(p.sock(b)!.sk_wq);
    });
    const r = await w.run();
    expect(r.failed).toEqual([]);
    expect(log).toEqual(["b 1", "a 2", "b 3"]);
  });
});
