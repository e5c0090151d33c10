// kernel/kthread.c: kernel threads. A thread function is an async function of its data that
// returns its exit code; it runs as a task of the host's scheduler (kind "kthread"), in process
// context, and sleeps by awaiting msleep / schedule_timeout / wait_event_*.
import { need_kernel } from "./current.js";
import { KERN_ERR } from "./printk.js";
import {
  can_sleep,
  PF_KTHREAD,
  TASK_RUNNING,
  TASK_UNINTERRUPTIBLE,
  TaskStruct,
  WaitQueueHead,
  wake_up,
  wake_up_process,
} from "./sched.js";

const EINTR = 4;

export type KthreadFn<T> = (data: T) => Promise<number>;

/**
 * kthread_create(threadfn, data, namefmt): a new kernel thread, created asleep
 * (TASK_UNINTERRUPTIBLE): it starts when wake_up_process is called on it. A kthread_stop before
 * that means threadfn never runs (the thread exits with -EINTR), as in kthread().
 */
export const kthread_create = <T>(threadfn: KthreadFn<T>, data: T, namefmt: string): TaskStruct => {
  const k = need_kernel("kthread_create");
  const task = new TaskStruct(namefmt, k.host.alloc_pid());
  task.flags |= PF_KTHREAD;
  task.state = TASK_UNINTERRUPTIBLE;
  const info = { should_stop: false, exited: false, result: 0, exited_wq: new WaitQueueHead(`${task.comm}:exit`) };
  task.kthread = info;
  // kthread(): wait to be woken, then run threadfn unless already told to stop
  const body = async (): Promise<void> => {
    let ret = -EINTR;
    try {
      while (task.state !== TASK_RUNNING) await k.host.sleep([], Number.POSITIVE_INFINITY);
      if (!info.should_stop) ret = await threadfn(data);
    } catch (e) {
      k.printk(
        `${KERN_ERR}BUG: kernel thread ${task.comm}/${task.pid} died: ${e instanceof Error ? e.message : String(e)}`,
      );
      throw e;
    } finally {
      info.exited = true; // do_exit → complete(vfork_done)
      info.result = ret;
      wake_up(info.exited_wq);
    }
  };
  k.host.spawn_kthread(task, body);
  return task;
};

/** kthread_run: kthread_create + wake_up_process. */
export const kthread_run = <T>(threadfn: KthreadFn<T>, data: T, namefmt: string): TaskStruct => {
  const t = kthread_create(threadfn, data, namefmt);
  wake_up_process(t);
  return t;
};

/** kthread_should_stop: has kthread_stop been called on the current thread? */
export const kthread_should_stop = (): boolean =>
  need_kernel("kthread_should_stop").host.current()?.kthread?.should_stop ?? false;

/**
 * kthread_stop(k): tell the thread to stop, wake it, wait for it to exit, return its exit code.
 * Waiting needs a sleepable caller (a task, e.g. rmmod's module exit); elsewhere it is reported and
 * returns -EINTR if the thread has not exited yet.
 */
export const kthread_stop = async (t: TaskStruct): Promise<number> => {
  const k = need_kernel("kthread_stop");
  const info = t.kthread;
  if (info === null) return -EINTR;
  info.should_stop = true;
  wake_up_process(t);
  while (!info.exited) {
    if (!can_sleep(k, "kthread_stop")) return -EINTR;
    await k.host.sleep([info.exited_wq], Number.POSITIVE_INFINITY);
  }
  return info.result;
};
