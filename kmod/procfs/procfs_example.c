// SPDX-License-Identifier: GPL-2.0
/*
 * The procfs example's module: a /proc file over a 128-byte kernel buffer, with read and write
 * handlers. The twin of examples/procfs/kernel.ts, function by function.
 *
 * buggy=0 (default) is the port to today's proc_ops done right. buggy=1 is the seed article's
 * read_proc/write_proc logic kept as written (ported to proc_ops), made safe to run by one
 * thing only: a guard byte in front of kernel_buf (the article's kernel_buf[count] = 0 with
 * count = ULONG_MAX lands on it, where KASAN reports "1 bytes to the left of kernel_buf").
 * What it does: cat never ends (the reader gives up), a write that worked returns EPERM, a
 * faulting write "succeeds", the ULONG_MAX write draws copy_from_user's WARN "Buffer overflow
 * detected (128 < 18446744073709551615)!", and a read after a seek past the text computes a
 * negative count (the article's int arithmetic), which copy_to_user's check_copy_size refuses
 * with a WARN too: the read returns -1 (EPERM). WARNs taint the kernel; no oops, no corruption.
 *
 *   insmod procfs_example.ko [buggy=1] [initial="text"]
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/proc_fs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "procfs_proto.h"

static bool buggy;
module_param(buggy, bool, 0444);
MODULE_PARM_DESC(buggy, "use the article's read_proc/write_proc logic (see the header comment)");
/* run.ts's first text (kernel.ts's own default is "", as in the article) */
static char *initial = "hello from the kernel\n";
module_param(initial, charp, 0444);
MODULE_PARM_DESC(initial, "the buffer's first text");

/* static char kernel_buf[PROC_BUF_SIZE], behind a guard byte for buggy=1 */
static struct {
	char guard;
	char kernel_buf[PROC_BUF_SIZE];
} g;
#define kernel_buf (g.kernel_buf)
static size_t kernel_len;
static DEFINE_MUTEX(buf_lock);
static struct proc_dir_entry *entry;

/* ---- the correct handlers ---- */

/* read: simple_read_from_buffer does the offset work: clamp, copy, advance *ppos, 0 at EOF. */
static ssize_t procfs_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&buf_lock);
	ret = simple_read_from_buffer(buf, count, ppos, kernel_buf, kernel_len);
	mutex_unlock(&buf_lock);
	return ret;
}

/*
 * write: the text from *ppos on is replaced by the written bytes (a write at 0 replaces the
 * whole text, as `echo x >` expects: O_TRUNC never reaches a proc handler). All or nothing: a
 * write that does not fit (keeping the NUL) is ENOSPC and changes nothing; a fault is EFAULT
 * and changes nothing (the bytes go through a local buffer first).
 */
static ssize_t procfs_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	char tmp[PROC_BUF_SIZE];
	loff_t pos;

	mutex_lock(&buf_lock);
	pos = *ppos;
	if (pos < 0 || pos > kernel_len) {
		mutex_unlock(&buf_lock);
		return -EINVAL;	/* no holes */
	}
	if (count > PROC_BUF_SIZE - 1 - pos) {
		mutex_unlock(&buf_lock);
		return -ENOSPC;
	}
	if (copy_from_user(tmp, buf, count) != 0) {
		mutex_unlock(&buf_lock);
		return -EFAULT;
	}
	memcpy(kernel_buf + pos, tmp, count);
	kernel_len = pos + count;
	kernel_buf[kernel_len] = 0;
	proc_set_size(entry, kernel_len);
	mutex_unlock(&buf_lock);
	*ppos = pos + count;
	pr_info("%s: wrote %zu bytes at %lld, %zu in the buffer\n", PROC_NAME, count, pos, kernel_len);
	return count;
}

/* ---- the article's handlers, bugs kept (see README.md) ---- */

/*
 * read_proc ported to proc_read as written: it copies from kernel_buf + off but never advances
 * *ppos (the 2.6 read_proc_t contract did that, and *eof ended the read). Every read(2) returns
 * the whole text again: cat never sees 0 and loops forever. copy_to_user's result is ignored.
 * The article's lengths are ints: once off passes the text, len - off is negative and becomes
 * count (ULONG_MAX as a size_t), which check_copy_size refuses (WARN, nothing copied); the
 * handler then returns it, -1.
 */
static ssize_t buggy_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	loff_t off = *ppos;
	ssize_t len = strlen(kernel_buf);	/* signed, as the article's int */

	if ((ssize_t)count > len - off)
		count = len - off;	/* negative past the text: a huge size_t */
	OPTIMIZER_HIDE_VAR(count);	/* as in buggy_write: a run-time bug, not a build error */
	if (copy_to_user(buf, kernel_buf + off, count)) {
		/* ignored, as in the article */
	}
	printk("read:%s\n", kernel_buf);
	return count;
}

/*
 * write_proc as written. The bound is strlen(kernel_buf), the text, not sizeof(kernel_buf): on
 * an empty buffer `len - 1` is -1, which count (a size_t) makes ULONG_MAX. The check of
 * copy_from_user is inverted: a copy that worked returns -1 (EPERM to the writer), one that
 * failed is taken as success. Then kernel_buf[count] = 0 with whatever count is.
 */
static ssize_t buggy_write(struct file *file, const char __user *buf, size_t count, loff_t *ppos)
{
	size_t len = strlen(kernel_buf);

	if (count > len)
		count = len - 1;	/* size_t: -1 is ULONG_MAX */
	/*
	 * Not in the article: gcc 12 sees that on an empty buffer count is the constant ULONG_MAX
	 * and check_copy_size() stops the build (__bad_copy_to: "copy destination size is too
	 * small"). Hiding the value keeps the bug a run-time one, where copy_from_user WARNs.
	 */
	OPTIMIZER_HIDE_VAR(count);
	if (!copy_from_user(kernel_buf, buf, count))
		return -1;
	kernel_buf[count] = 0;	/* count = ULONG_MAX: g.guard, one byte before kernel_buf */
	printk("write:%s\n", kernel_buf);
	return count;
}

static const struct proc_ops proc_fops = {
	.proc_read = procfs_read,
	.proc_write = procfs_write,
	.proc_lseek = default_llseek,
};

static const struct proc_ops buggy_fops = {
	.proc_read = buggy_read,
	.proc_write = buggy_write,
	.proc_lseek = default_llseek,
};

/* insmod: module_init of the procfs example */
static int __init procfs_example_init(void)
{
	strscpy(kernel_buf, initial, PROC_BUF_SIZE);
	kernel_len = strlen(kernel_buf);
	entry = proc_create(PROC_NAME, PROC_MODE, NULL, buggy ? &buggy_fops : &proc_fops);
	if (!entry)
		return -ENOMEM;
	proc_set_size(entry, kernel_len);
	pr_info("%s: /proc/%s created (%s)\n", PROC_NAME, PROC_NAME, buggy ? "buggy" : "correct");
	return 0;
}

static void __exit procfs_example_exit(void)
{
	remove_proc_entry(PROC_NAME, NULL);
	pr_info("%s: removed\n", PROC_NAME);
}

module_init(procfs_example_init);
module_exit(procfs_example_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlsim procfs example: a /proc file over a 128-byte buffer");
