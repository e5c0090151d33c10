// SPDX-License-Identifier: GPL-2.0
/*
 * knl: the article's kernel side of the 100-socket select() model, for 6.1. The twin of
 * examples/select-throughput/kernel.ts, function by function: nl_data_ready remembers each
 * handshake's port id; when all have arrived it wakes the kernel threads, each sending
 * MAX_DATA_LEN-byte messages to a random registered port with MSG_DONTWAIT and sleeping between
 * sends. Changes from the article are kernel.ts's (NETLINK_CB(skb).portid, a checked handshake,
 * get_random_u32_below over all ports, rate-limited failure printks, schedule_timeout_interruptible
 * instead of interruptible_sleep_on_timeout). Changes from kernel.ts, both because C is not the
 * model: a spinlock around pids[] (nl_data_ready can run in several senders at once on a real
 * SMP kernel), and the payload is zeroed (nlmsg_put leaves it uninitialised: no kernel memory to
 * user space).
 *
 * The unload line gives the totals (sent, delivered, bytes, EAGAIN, ECONNREFUSED, other), as
 * kernel.ts's does. The threads run until rmmod: those that send after the program closed its
 * sockets get ECONNREFUSED, which the simulator shows too (it runs the harness's sequence).
 *
 * kthread_run is kthread_create + wake_up_process; as in kernel.ts the threads are created at
 * init and woken by the last handshake. Each holds a task reference so that kthread_stop is safe
 * after a thread has already returned.
 *
 *   insmod knl.ko threads=4 pids=4 sleep_ms=50 msg_count=10000 size=768 target_own=0
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/atomic.h>
#include <linux/spinlock.h>
#include <linux/jiffies.h>
#include <net/sock.h>
#include <net/netlink.h>
#include <linux/netlink.h>

#include "select_throughput_proto.h"

/* KnlOptions */
static int threads = MAX_PROCESS_COUNT;
module_param(threads, int, 0444);
MODULE_PARM_DESC(threads, "kernel threads (MAX_PROCESS_COUNT)");
static int pids_wanted = MAX_PROCESS_COUNT;
module_param_named(pids, pids_wanted, int, 0444);
MODULE_PARM_DESC(pids, "handshakes to wait for before the threads start (MAX_PID_COUNT)");
static int size = MAX_DATA_LEN;
module_param(size, int, 0444);
MODULE_PARM_DESC(size, "payload bytes per message (MAX_DATA_LEN)");
static int sleep_ms = 50;
module_param(sleep_ms, int, 0444);
MODULE_PARM_DESC(sleep_ms, "sleep between sends, ms (the article: 0.05 * HZ)");
static int backoff_ms = 100;
module_param(backoff_ms, int, 0444);
MODULE_PARM_DESC(backoff_ms, "sleep after a failed send, ms (the article: 0.1 * HZ)");
static int msg_count = MSG_COUNT;
module_param(msg_count, int, 0444);
MODULE_PARM_DESC(msg_count, "messages per thread at most (MSG_COUNT)");
static bool target_own;
module_param(target_own, bool, 0444);
MODULE_PARM_DESC(target_own, "thread i -> socket i, what the article's arithmetic does");

/* KnlStats */
static atomic_t sent = ATOMIC_INIT(0);
static atomic_t delivered = ATOMIC_INIT(0);
static atomic64_t delivered_bytes = ATOMIC64_INIT(0);
static atomic_t failed_eagain = ATOMIC_INIT(0);
static atomic_t failed_econnrefused = ATOMIC_INIT(0);
static atomic_t failed_other = ATOMIC_INIT(0);

/* KnlModule: the module's globals */
static struct sock *nl_sk;
static u32 *pids;
static int pidindex;
static DEFINE_SPINLOCK(pids_lock);
static struct task_struct **task_test;
static int ntasks;

/* printk budget for failed unicasts (net_ratelimit-like) */
#define FAIL_PRINTS 5
static atomic_t fail_prints = ATOMIC_INIT(0);

static int childDataThread(void *data)
{
	int threadindex = (int)(long)data;
	int a = msg_count;
	u32 seq = 0;

	pr_info("start thread [%d].\n", threadindex);
	while (a-- > 0 && !kthread_should_stop()) {
		struct sk_buff *skb = nlmsg_new(size, GFP_KERNEL);	/* process context: it may sleep */
		struct nlmsghdr *nlh;
		u32 index, peer;
		int rc;

		if (!skb) {
			schedule_timeout_interruptible(msecs_to_jiffies(backoff_ms));
			continue;
		}
		nlh = nlmsg_put(skb, 0, ++seq, NLT_DATA, size, 0);
		memset(nlmsg_data(nlh), 0, size);
		nlmsg_end(skb, nlh);
		index = target_own ? threadindex % pidindex : get_random_u32_below(pidindex);
		peer = pids[index];
		atomic_inc(&sent);
		rc = netlink_unicast(nl_sk, skb, peer, MSG_DONTWAIT);
		if (rc < 0) {
			if (rc == -EAGAIN)
				atomic_inc(&failed_eagain);
			else if (rc == -ECONNREFUSED)
				atomic_inc(&failed_econnrefused);
			else
				atomic_inc(&failed_other);
			if (atomic_inc_return(&fail_prints) <= FAIL_PRINTS)
				pr_err("net_link: can not unicast skb: %d, a is: %d, peerpid is: %u\n", rc, a, peer);
			schedule_timeout_interruptible(msecs_to_jiffies(backoff_ms));
			if (kthread_should_stop())
				break;	/* kthread_stop woke the back-off: do not sleep again */
		} else {
			atomic_inc(&delivered);
			atomic64_add(rc, &delivered_bytes);
		}
		schedule_timeout_interruptible(msecs_to_jiffies(sleep_ms));
	}
	pr_info("thread %d exit!\n", threadindex);
	return 0;
}

/* nl_data_ready: a handshake; the last one starts the threads. */
static void nl_data_ready(struct sk_buff *skb)
{
	struct nlmsghdr *nlh;
	bool all = false;
	int i;

	if (skb->len < NLMSG_HDRLEN)
		return;
	nlh = nlmsg_hdr(skb);
	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > skb->len || nlh->nlmsg_type != NLT_HELLO)
		return;
	spin_lock(&pids_lock);
	if (pidindex >= pids_wanted) {
		spin_unlock(&pids_lock);
		return;
	}
	pids[pidindex++] = NETLINK_CB(skb).portid;
	all = pidindex == pids_wanted;
	spin_unlock(&pids_lock);
	if (all) {
		for (i = 0; i < ntasks; i++)
			wake_up_process(task_test[i]);
		pr_info("net_link: %d sockets registered, woke %d threads\n", pids_wanted, ntasks);
	}
}

static int __init knl_init(void)
{
	struct netlink_kernel_cfg cfg = { .input = nl_data_ready };
	int i;

	if (threads < 0 || pids_wanted < 1 || size < 0 || sleep_ms < 0 || backoff_ms < 0)
		return -EINVAL;
	pids = kcalloc(pids_wanted, sizeof(*pids), GFP_KERNEL);
	task_test = kcalloc(threads ? threads : 1, sizeof(*task_test), GFP_KERNEL);
	if (!pids || !task_test)
		goto nomem;

	nl_sk = netlink_kernel_create(&init_net, NETLINK_TEST, &cfg);
	if (!nl_sk) {
		pr_err("net_link: Cannot create netlink socket.\n");
		kfree(pids);
		kfree(task_test);
		return -EIO;
	}
	pr_info("net_link: create socket ok.\n");
	for (i = 0; i < threads; i++) {
		struct task_struct *t = kthread_create(childDataThread, (void *)(long)i, "childDataThread-%d", i);

		if (IS_ERR(t))
			break;
		get_task_struct(t);
		task_test[ntasks++] = t;
	}
	return 0;
nomem:
	kfree(pids);
	kfree(task_test);
	return -ENOMEM;
}

/* knl_exit (module_exit): stop every thread (waits for each), release the socket. */
static void __exit knl_exit(void)
{
	int i;

	for (i = 0; i < ntasks; i++) {
		kthread_stop(task_test[i]);
		put_task_struct(task_test[i]);
	}
	netlink_kernel_release(nl_sk);
	nl_sk = NULL;
	pr_info("net_link: remove ok (sent %d, delivered %d, %lld bytes, EAGAIN %d, ECONNREFUSED %d, other %d).\n",
		atomic_read(&sent), atomic_read(&delivered), (long long)atomic64_read(&delivered_bytes),
		atomic_read(&failed_eagain), atomic_read(&failed_econnrefused), atomic_read(&failed_other));
	kfree(pids);
	kfree(task_test);
}

module_init(knl_init);
module_exit(knl_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlsim select-throughput: kernel threads unicasting to 100 netlink sockets");
