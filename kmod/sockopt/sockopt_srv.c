// SPDX-License-Identifier: GPL-2.0
/*
 * The sockopt example's module (the article's sockopt_srv.c): nf_sockopt_ops on PF_INET with a
 * set range and a get range, as the article (and IPVS) do. The twin of
 * examples/sockopt/kernel.ts, function by function. buggy=0 (default) checks lengths and copy
 * results; buggy=1 is the article's recv_msg/send_msg kept as written: fixed 64-byte and
 * KMSG_LEN-byte copies whatever the length says, *len never set. The buggy handlers only
 * misuse the caller's own memory (a copy that runs off the user's buffer faults and stops, or
 * lands in the caller's memory), never the kernel's: safe to run.
 *
 *   insmod sockopt_srv.ko [buggy=1]
 *
 * 6.1's set handler takes a sockptr_t (kernel.ts's UserPtr); copy_from_sockptr is the
 * copy_from_user of it.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/netfilter.h>
#include <linux/sockptr.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/sock.h>

#include "sockopt_proto.h"

static bool buggy;
module_param(buggy, bool, 0444);
MODULE_PARM_DESC(buggy, "use the article's recv_msg/send_msg");

static char umsg[MSG_MAX];
static int ret;	/* module_init's nf_register_sockopt result */

/* set: a string of at most MSG_MAX bytes with its NUL (or MSG_MAX-1 without), copied whole or refused. */
static int recv_msg(struct sock *sk, int cmd, sockptr_t user, unsigned int len)
{
	char tmp[MSG_MAX] = { 0 };

	if (cmd != SOCKET_OPS_SET)
		return -EINVAL;
	if (len == 0 || len > MSG_MAX)
		return -EINVAL;
	if (copy_from_sockptr(tmp, user, len) != 0)
		return -EFAULT;
	if (len == MSG_MAX && tmp[MSG_MAX - 1] != 0)
		return -EINVAL;	/* no room for the NUL */
	memcpy(umsg, tmp, MSG_MAX);
	pr_info("sockopt: recv_msg: umsg = %s\n", umsg);
	return 0;
}

/* get: KMSG with its NUL if the caller's buffer holds it (else EINVAL, as IPVS does), *len set. */
static int send_msg(struct sock *sk, int cmd, void __user *user, int *len)
{
	if (cmd != SOCKET_OPS_GET)
		return -EINVAL;
	if (*len < (int)KMSG_LEN)
		return -EINVAL;
	if (copy_to_user(user, KMSG, KMSG_LEN) != 0)
		return -EFAULT;
	*len = KMSG_LEN;
	pr_info("sockopt: send_msg: %zu bytes\n", KMSG_LEN);
	return 0;
}

/* the article's recv_msg: copies 64 bytes whatever `len` says, ignores the result, returns 0. */
static int buggy_recv_msg(struct sock *sk, int cmd, sockptr_t user, unsigned int len)
{
	printk(KERN_INFO "sockopt: recv_msg()\n");
	if (cmd == SOCKET_OPS_SET) {
		char umsg64[64] = { 0 };
		/* copy_from_user's bytes-not-copied, as the article prints (copy_from_sockptr says only -EFAULT) */
		unsigned long r = sockptr_is_kernel(user) ? (memcpy(umsg64, user.kernel, 64), 0UL)
							  : copy_from_user(umsg64, user.user, 64);

		memcpy(umsg, umsg64, sizeof(umsg64));
		umsg[MSG_MAX - 1] = 0;	/* not in the article: keeps %s inside the buffer */
		printk("recv_msg: umsg = %s. ret = %lu\n", umsg, r);
	}
	return 0;
}

/* the article's send_msg: writes KMSG_LEN bytes whatever *len says, never sets *len, returns 0. */
static int buggy_send_msg(struct sock *sk, int cmd, void __user *user, int *len)
{
	printk(KERN_INFO "sockopt: send_msg()\n");
	if (cmd == SOCKET_OPS_GET) {
		unsigned long r = copy_to_user(user, KMSG, KMSG_LEN);

		printk("send_msg: umsg = %s. ret = %lu. success\n", KMSG, r);
	}
	return 0;
}

static struct nf_sockopt_ops test_sockops = {
	.pf = PF_INET,
	.set_optmin = SOCKET_OPS_SET,
	.set_optmax = SOCKET_OPS_MAX,
	.set = recv_msg,
	.get_optmin = SOCKET_OPS_GET,
	.get_optmax = SOCKET_OPS_MAX,
	.get = send_msg,
	.owner = THIS_MODULE,
};

static int __init init_sockopt(void)
{
	if (buggy) {
		test_sockops.set = buggy_recv_msg;
		test_sockops.get = buggy_send_msg;
	}
	pr_info("sockopt: init_sockopt()\n");
	ret = nf_register_sockopt(&test_sockops);
	if (ret < 0)
		pr_info("sockopt: nf_register_sockopt failed: %d\n", ret);
	return ret;
}

static void __exit fini_sockopt(void)
{
	pr_info("sockopt: fini_sockopt()\n");
	if (ret == 0)
		nf_unregister_sockopt(&test_sockops);
}

module_init(init_sockopt);
module_exit(fini_sockopt);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlsim sockopt example: nf_sockopt_ops on PF_INET");
