// SPDX-License-Identifier: GPL-2.0
/*
 * imp2_k: the IBM article's ICMP logger on today's API. It hooks NF_INET_PRE_ROUTING and, for
 * each ICMP packet, sends struct packet_info {src, dest} to the one registered user process over
 * NETLINK_IMP2.
 *
 * The C twin of examples/icmp-logger/kernel.ts: the same functions in the same order, the same
 * printk lines. What changed from the article, and why, is listed at the top of kernel.ts.
 */
#include <linux/init.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "icmp_logger_proto.h"

/* kernel.ts's Imp2Options.gfp (mode gfp-kernel): GFP_KERNEL in the softirq hook, a bug the article avoids */
static bool buggy;
module_param(buggy, bool, 0444);
MODULE_PARM_DESC(buggy, "allocate with GFP_KERNEL in send_to_user (a bug: the hook runs in softirq)");

/* The module's static state (kernel.ts: Imp2Module). */
static struct sock *nlfd;
static struct {
	u32 pid; /* 0 when nobody is registered */
	spinlock_t lock;
} user_proc = { .lock = __SPIN_LOCK_UNLOCKED(user_proc.lock) };
static gfp_t gfp;
static struct {
	unsigned int icmp, sent, failed;
} stats;

/* send_to_user: one IMP2_K_MSG to `pid`. 0 or a negative errno. */
static int send_to_user(u32 pid, const struct packet_info *info)
{
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	int ret;

	skb = nlmsg_new(PACKET_INFO_SIZE, gfp);
	if (!skb)
		return -ENOMEM;
	nlh = nlmsg_put(skb, 0, 0, IMP2_K_MSG, PACKET_INFO_SIZE, 0);
	if (!nlh) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	memcpy(nlmsg_data(nlh), info, sizeof(*info));
	nlmsg_end(skb, nlh);
	ret = netlink_unicast(nlfd, skb, pid, MSG_DONTWAIT); /* a softirq cannot wait */
	if (ret < 0) {
		stats.failed++;
		return ret;
	}
	stats.sent++;
	return 0;
}

/* imp2_rcv_msg: one request, whole and length-checked by netlink_rcv_skb. */
static int imp2_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh, struct netlink_ext_ack *extack)
{
	u32 portid = NETLINK_CB(skb).portid;

	switch (nlh->nlmsg_type) {
	case IMP2_U_PID:
		spin_lock_bh(&user_proc.lock);
		user_proc.pid = portid;
		spin_unlock_bh(&user_proc.lock);
		pr_info("imp2: user port %u registered\n", portid);
		return 0;
	case IMP2_CLOSE:
		spin_lock_bh(&user_proc.lock);
		if (portid == user_proc.pid)
			user_proc.pid = 0;
		spin_unlock_bh(&user_proc.lock);
		pr_info("imp2: user port %u closed\n", portid);
		return 0;
	default:
		return -EINVAL;
	}
}

/* kernel_receive: the kernel socket's input (the sender's context on 2.6.24+). */
static void kernel_receive(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, imp2_rcv_msg);
}

/* get_icmp: the NF_INET_PRE_ROUTING hook, in softirq context. Never changes the packet's fate. */
static unsigned int get_icmp(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct packet_info info;
	u32 pid;

	if (iph->protocol != IPPROTO_ICMP)
		return NF_ACCEPT;
	stats.icmp++;
	spin_lock_bh(&user_proc.lock);
	pid = user_proc.pid;
	spin_unlock_bh(&user_proc.lock);
	if (pid != 0) {
		info.src = iph->saddr;
		info.dest = iph->daddr;
		send_to_user(pid, &info);
	}
	return NF_ACCEPT;
}

/* imp2_netlink_event: a bound NETLINK_IMP2 socket went away (close, exit, Ctrl-C). */
static int imp2_netlink_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	u32 was;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_IMP2)
		return NOTIFY_DONE;
	spin_lock_bh(&user_proc.lock);
	was = user_proc.pid;
	if (n->portid == user_proc.pid)
		user_proc.pid = 0;
	spin_unlock_bh(&user_proc.lock);
	if (was != 0 && was == n->portid)
		pr_info("imp2: user port %u released, no more sends\n", n->portid);
	return NOTIFY_DONE;
}

static struct nf_hook_ops imp2_ops = {
	.hook = get_icmp,
	.pf = NFPROTO_IPV4,
	.hooknum = NF_INET_PRE_ROUTING,
	.priority = NF_IP_PRI_FILTER - 1,
};

static struct notifier_block imp2_notifier = { .notifier_call = imp2_netlink_event };

/* imp2_init (module_init): the kernel socket, the release notifier, the hook. */
static int __init imp2_init(void)
{
	struct netlink_kernel_cfg cfg = { .input = kernel_receive };
	int err;

	gfp = buggy ? GFP_KERNEL : GFP_ATOMIC;
	nlfd = netlink_kernel_create(&init_net, NETLINK_IMP2, &cfg);
	if (!nlfd) {
		printk("imp2: can not create a netlink socket\n");
		return -ENOMEM;
	}
	netlink_register_notifier(&imp2_notifier);
	err = nf_register_net_hook(&init_net, &imp2_ops);
	if (err < 0) {
		netlink_unregister_notifier(&imp2_notifier);
		netlink_kernel_release(nlfd);
		return err;
	}
	if (buggy)
		pr_warn("imp2: loaded with GFP_KERNEL in send_to_user (a bug: the hook runs in softirq)\n");
	pr_info("imp2: hooked NF_INET_PRE_ROUTING\n");
	return 0;
}

/* imp2_exit (module_exit): the reverse order of init. */
static void __exit imp2_exit(void)
{
	nf_unregister_net_hook(&init_net, &imp2_ops);
	netlink_unregister_notifier(&imp2_notifier);
	netlink_kernel_release(nlfd);
	nlfd = NULL;
	pr_info("imp2: unloaded (%u ICMP packets seen, %u sent)\n", stats.icmp, stats.sent);
}

module_init(imp2_init);
module_exit(imp2_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("imp2_k: ICMP logger over NETLINK_IMP2 (nlsim's examples/icmp-logger)");
