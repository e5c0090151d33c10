// SPDX-License-Identifier: GPL-2.0
/*
 * The sockopt example's second module: it asks for a get range, 127..129, that overlaps
 * sockopt_srv's 128..129 on PF_INET (as a module using ebtables' 128..130 would), reports what
 * nf_register_sockopt said and returns it from its init, so insmod refuses it with "Device or
 * resource busy" while sockopt_srv is loaded. The twin of examples/sockopt/clash.ts.
 *
 *   insmod sockopt_srv.ko; insmod sockopt_clash.ko    (kmod/sockopt/guest-clash.sh)
 *
 * nf_register_sockopt's own "nf_sock overlap: ..." line is a pr_debug: it shows in dmesg only
 * with dynamic debug on for net/netfilter/nf_sockopt.c (kmod/sockopt/guest-dyndbg.sh).
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/netfilter.h>
#include <net/sock.h>

#include "sockopt_proto.h"

#define CLASH_GET_MIN (SOCKET_OPS_BASE - 1)
#define CLASH_GET_MAX (SOCKET_OPS_BASE + 1)

/* never reached while the registration is refused; a get range needs a handler */
static int clash_get(struct sock *sk, int cmd, void __user *user, int *len)
{
	return -EINVAL;
}

static struct nf_sockopt_ops clash_sockops = {
	.pf = PF_INET,
	.set_optmin = 0,
	.set_optmax = 0,
	.get_optmin = CLASH_GET_MIN,
	.get_optmax = CLASH_GET_MAX,
	.get = clash_get,
	.owner = THIS_MODULE,
};

static int __init init_clash(void)
{
	int ret = nf_register_sockopt(&clash_sockops);

	pr_info("sockopt_clash: nf_register_sockopt(get range %d..%d) = %d\n", CLASH_GET_MIN, CLASH_GET_MAX, ret);
	return ret;
}

/* only reached when init returned 0 (no sockopt_srv loaded) */
static void __exit fini_clash(void)
{
	nf_unregister_sockopt(&clash_sockops);
}

module_init(init_clash);
module_exit(fini_clash);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlsim sockopt example: an nf_sockopt range that overlaps sockopt_srv's");
