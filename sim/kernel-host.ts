// The world as the kernel model's host (kernel-model/kernel/host.ts): virtual time, the world's
// timers, its tasks (kthreads are world tasks of kind "kthread"), sleeping and waking, and the trace.
import type { KernelHost, KernelTraceDetail, KernelWakeReason } from "../kernel-model/kernel/host.js";
import { TaskStruct, type WaitQueueHead } from "../kernel-model/kernel/sched.js";
import type { Task, World } from "./world.js";

export class WorldKernelHost implements KernelHost {
  private readonly structs = new Map<Task, TaskStruct>();
  private readonly tasks = new Map<TaskStruct, Task>();
  /** `current` while kernel code runs outside any task (insmod from the test or runner) */
  outsideTask: TaskStruct | undefined = undefined;

  constructor(private readonly world: World) {}

  now(): number {
    return this.world.now;
  }

  current(): TaskStruct | undefined {
    const t = this.world.currentTask;
    if (t === undefined) return this.outsideTask;
    return this.task_struct(t);
  }

  /** The task_struct of a world task (made on first use for processes: comm = name, their pid). */
  task_struct(t: Task): TaskStruct {
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

  record(kind: string, detail: KernelTraceDetail): void {
    this.world.record(kind, detail);
  }

  random_u32(): number {
    return this.world.prng.nextU32();
  }
}
