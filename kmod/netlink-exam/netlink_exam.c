// SPDX-License-Identifier: GPL-2.0
/*
 * netlink-exam's module (the article's netlink-exam-kern.c): receives a text over NETLINK_EXAM,
 * keeps it in a kernel buffer, exposes the buffer as /proc/netlink_exam_buffer (readable, and
 * writable to replace it) and forwards it to the receivers in NETLINK_EXAM_GROUP. The twin of
 * examples/netlink-exam/kernel.ts, function by function.
 *
 * kernel.ts is walked with the 2.6.14 input the article had (netlink_sendskb -> sk_data_ready ->
 * the input, draining the receive queue in the sender's process context); since 2.6.24 the input
 * is called with each skb, still in the sender's context. The locking is kernel.ts's and would
 * also hold if the input were called from a softirq: the buffer is guarded by a spinlock taken
 * with bottom halves off on the /proc side, allocations under it are GFP_ATOMIC, and a text
 * longer than the buffer is cut to NETLINK_EXAM_BUFSIZE - 1 bytes.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <net/sock.h>
#include <net/netlink.h>
#include <linux/netlink.h>

#include "netlink_exam_proto.h"

static char buffer[NETLINK_EXAM_BUFSIZE];
static size_t buffer_len;
static DEFINE_SPINLOCK(buffer_lock);
static struct sock *nl_sk;

/* forward the buffer to NETLINK_EXAM_GROUP (called with buffer_lock held) */
static void forward_locked(void)
{
	struct sk_buff *skb = nlmsg_new(buffer_len, GFP_ATOMIC);
	struct nlmsghdr *nlh;
	int err;

	if (!skb)
		return;
	nlh = nlmsg_put(skb, 0, 0, NLEXAM_MSG, buffer_len, 0);
	memcpy(nlmsg_data(nlh), buffer, buffer_len);
	nlmsg_end(skb, nlh);
	err = netlink_broadcast(nl_sk, skb, 0, NETLINK_EXAM_GROUP, GFP_ATOMIC);
	pr_info("netlink_exam: forwarded %zu bytes to group %d: %d\n", buffer_len, NETLINK_EXAM_GROUP, err);
}

/* input: every NLEXAM_MSG's payload replaces the buffer, then goes to the receivers. */
static void netlink_exam_input(struct sk_buff *skb)
{
	unsigned int off = 0;
	const u8 *d = skb->data;

	while (skb->len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(d + off);
		u32 len = nlh->nlmsg_len;

		if (len < NLMSG_HDRLEN || len > skb->len - off)
			break;	/* a malformed message ends the datagram */
		if (nlh->nlmsg_type == NLEXAM_MSG) {
			size_t n = len - NLMSG_HDRLEN;

			if (n > NETLINK_EXAM_BUFSIZE - 1) {
				pr_warn("netlink_exam: %zu bytes do not fit, keeping %d\n", n, NETLINK_EXAM_BUFSIZE - 1);
				n = NETLINK_EXAM_BUFSIZE - 1;
			}
			spin_lock(&buffer_lock);	/* the sender's process context: the /proc side takes it _bh */
			memcpy(buffer, d + off + NLMSG_HDRLEN, n);
			buffer_len = n;
			buffer[n] = 0;
			forward_locked();
			spin_unlock(&buffer_lock);
		}
		if (NLMSG_ALIGN(len) > skb->len - off)
			break;
		off += NLMSG_ALIGN(len);
	}
}

static ssize_t exam_proc_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	/* copy out of a snapshot: copy_to_user may fault and sleep, not under a spinlock */
	char *snap = kmalloc(NETLINK_EXAM_BUFSIZE, GFP_KERNEL);
	size_t len;
	ssize_t ret;

	if (!snap)
		return -ENOMEM;
	spin_lock_bh(&buffer_lock);
	memcpy(snap, buffer, NETLINK_EXAM_BUFSIZE);
	len = buffer_len;
	spin_unlock_bh(&buffer_lock);
	ret = simple_read_from_buffer(buf, count, ppos, snap, len);
	kfree(snap);
	return ret;
}

/* write: replaces the buffer (all or nothing: ENOSPC if it does not fit); not forwarded. */
static ssize_t exam_proc_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	char *tmp;

	if (*ppos != 0)
		return -EINVAL;
	if (count > NETLINK_EXAM_BUFSIZE - 1)
		return -ENOSPC;
	tmp = kzalloc(NETLINK_EXAM_BUFSIZE, GFP_KERNEL);
	if (!tmp)
		return -ENOMEM;
	if (copy_from_user(tmp, buf, count) != 0) {
		kfree(tmp);
		return -EFAULT;
	}
	spin_lock_bh(&buffer_lock);
	memcpy(buffer, tmp, NETLINK_EXAM_BUFSIZE);
	buffer_len = count;
	spin_unlock_bh(&buffer_lock);
	kfree(tmp);
	*ppos = count;
	return count;
}

static const struct proc_ops exam_proc_ops = {
	.proc_read = exam_proc_read,
	.proc_write = exam_proc_write,
	.proc_lseek = default_llseek,
};

static int __init netlink_exam_init(void)
{
	struct netlink_kernel_cfg cfg = { .input = netlink_exam_input };
	struct proc_dir_entry *entry;

	nl_sk = netlink_kernel_create(&init_net, NETLINK_EXAM, &cfg);
	if (!nl_sk) {
		pr_err("netlink_exam: netlink_kernel_create failed\n");
		return -EIO;
	}
	entry = proc_create(PROC_NAME, 0644, NULL, &exam_proc_ops);
	if (!entry) {
		netlink_kernel_release(nl_sk);
		pr_err("netlink_exam: proc_create failed\n");
		return -ENOMEM;
	}
	proc_set_size(entry, 0);
	pr_info("netlink_exam: loaded\n");
	return 0;
}

static void __exit netlink_exam_exit(void)
{
	remove_proc_entry(PROC_NAME, NULL);
	netlink_kernel_release(nl_sk);
	pr_info("netlink_exam: unloaded\n");
}

module_init(netlink_exam_init);
module_exit(netlink_exam_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlsim netlink-exam: a text over netlink into a kernel buffer, /proc and a group");
