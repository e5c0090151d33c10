// The world as the kernel model's host, one object for both sides of the model's boundary: the
// kernel's (kernel-model/kernel/host.ts: virtual time, timers, tasks, sleeping and waking, trace
// events) and the namespace's (kernel-model/net/netlink/table.ts NetHost: its kernel, socket
// wake-ups, BUG/WARN lines, the fault plan, randomness). Kthreads are world tasks of kind "kthread".
// It sees the world through HostedWorld (below), which sim/world.ts implements.

import type { KernelHost, KernelTraceEvent, KernelWakeReason } from "../kernel-model/kernel/host.js";
import type { Kernel } from "../kernel-model/kernel/kernel.js";
import { KERN_ERR, KERN_WARNING } from "../kernel-model/kernel/printk.js";
import { TaskStruct, type WaitQueueHead } from "../kernel-model/kernel/sched.js";
import type { KernelReport, NetFaults, NetHost, WaitQueue } from "../kernel-model/net/netlink/index.js";

/** A world task as the host needs it. */
export interface HostedTask {
  readonly name: string;
  pid: number;
}

/** What the host needs of the world that owns it. */
export interface HostedWorld<T extends HostedTask> {
  readonly now: number;
  readonly kernel: Kernel;
  readonly currentTask: T | undefined;
  allocPid(): number;
  addTimer(delayNs: number, fire: () => void): () => void;
  spawnTask(kind: "kthread", name: string, body: () => Promise<void>): T;
  sleepOn(queues: ReadonlyArray<WaitQueueHead>, timeoutNs: number, byWakeTask: boolean): Promise<KernelWakeReason>;
  wakeTask(t: T): boolean;
  wake_up(q: WaitQueue | WaitQueueHead): void;
  readonly tracing: boolean;
  record(e: KernelTraceEvent): void;
  printk(text: string): void;
  readonly prng: { nextU32(): number };
}

export class WorldKernelHost<T extends HostedTask> implements KernelHost, NetHost {
  private readonly structs = new Map<T, TaskStruct>();
  private readonly tasks = new Map<TaskStruct, T>();
  /** `current` while kernel code runs outside any task (insmod from the test or runner) */
  outsideTask: TaskStruct | undefined = undefined;
  /** the fault plan (sim/faults.ts installFaults); none: no allocation fails */
  faults: NetFaults | undefined = undefined;

  constructor(private readonly world: HostedWorld<T>) {}

  get kernel(): Kernel {
    return this.world.kernel;
  }

  now(): number {
    return this.world.now;
  }

  current(): TaskStruct | undefined {
    const t = this.world.currentTask;
    if (t === undefined) return this.outsideTask;
    return this.task_struct(t);
  }

  /** The task_struct of a world task (made on first use for processes: comm = name, their pid). */
  task_struct(t: T): TaskStruct {
    let ts = this.structs.get(t);
    if (ts === undefined) {
      ts = new TaskStruct(t.name, t.pid);
      this.structs.set(t, ts);
      this.tasks.set(ts, t);
    }
    return ts;
  }

  alloc_pid(): number {
    return this.world.allocPid();
  }

  add_timer(atNs: number, fire: () => void): () => void {
    return this.world.addTimer(atNs - this.world.now, fire);
  }

  spawn_kthread(task: TaskStruct, body: () => Promise<void>): void {
    const t = this.world.spawnTask("kthread", task.comm, body);
    t.pid = task.pid;
    this.structs.set(t, task);
    this.tasks.set(task, t);
  }

  sleep(queues: ReadonlyArray<WaitQueueHead>, timeoutNs: number): Promise<KernelWakeReason> {
    return this.world.sleepOn(queues, timeoutNs, true);
  }

  wake_up_task(task: TaskStruct): void {
    const t = this.tasks.get(task);
    if (t !== undefined) this.world.wakeTask(t);
  }

  wake_up_queue(q: WaitQueueHead): void {
    this.world.wake_up(q);
  }

  get tracing(): boolean {
    return this.world.tracing;
  }

  record(e: KernelTraceEvent): void {
    this.world.record(e);
  }

  random_u32(): number {
    return this.world.prng.nextU32();
  }

  // NetHost

  wake(q: WaitQueue): void {
    this.world.wake_up(q);
  }

  report(r: KernelReport): void {
    this.world.printk(`${r.level === "BUG" ? KERN_ERR : KERN_WARNING}${r.level}: ${r.msg}`);
  }

  allocFails(size: number, site: string): boolean {
    return this.faults?.allocFails(size, site) === true;
  }
}
