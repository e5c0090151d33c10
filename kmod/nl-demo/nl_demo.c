// SPDX-License-Identifier: GPL-2.0
/*
 * nl_demo, the kernel side: the seed article's module ported to today's API. It claims
 * NETLINK_NLDEMO, lets one daemon register (NLDEMO_U_PID) and unregister (NLDEMO_CLOSE), and sends
 * it an NLDEMO_K_EVT every `period_ms` from a kernel timer: by netlink_unicast to its port id, or by
 * netlink_broadcast to its group. A daemon that dies without CLOSE is forgotten on NETLINK_URELEASE.
 *
 * The C twin of examples/nl-demo/kernel.ts: the same functions in the same order, the same
 * printk lines (the QEMU harness compares them with the simulator's dmesg). What changed from
 * the article is listed at the top of kernel.ts and in examples/nl-demo/README.md.
 */
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/version.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "nl_demo_proto.h"

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define timer_delete_sync del_timer_sync /* renamed in 6.2 */
#endif

/* module_param()s */
static unsigned int period_ms = 100;
module_param(period_ms, uint, 0444);
MODULE_PARM_DESC(period_ms, "the event period (default 100 ms)");
static bool use_notifier = true;
module_param(use_notifier, bool, 0444);
MODULE_PARM_DESC(use_notifier, "register the NETLINK_URELEASE notifier (0 shows the ECONNREFUSED backstop alone)");

/* The module's state (kernel.ts: NlDemoState). */
static struct sock *nlfd;
static struct {
	u32 pid; /* the registered daemon's port id (0: none) */
	u32 gid; /* its group (0: unicast) */
} user_proc;
static DEFINE_RWLOCK(user_proc_lock);
static struct {
	unsigned int events, delivered, refused, no_listeners;
} stats;
static struct timer_list nl_demo_timer;

/* Forget the daemon (caller holds user_proc_lock). */
static void nl_demo_unregister_locked(void)
{
	user_proc.pid = 0;
	user_proc.gid = 0;
}

/* A netlink_* return value as the module logs it: "24", or "-111 (ECONNREFUSED)". */
static const char *show(int ret, char *buf, size_t len)
{
	const char *name = ret == -ECONNREFUSED ? "ECONNREFUSED" :
			   ret == -ESRCH	 ? "ESRCH" :
			   ret == -EAGAIN	 ? "EAGAIN" :
			   ret == -ENOBUFS	 ? "ENOBUFS" :
			   ret == -ENOMEM	 ? "ENOMEM" :
			   ret == -EMSGSIZE	 ? "EMSGSIZE" :
						   "?";

	if (ret < 0)
		snprintf(buf, len, "%d (%s)", ret, name);
	else
		snprintf(buf, len, "%d", ret);
	return buf;
}

/* nl_demo_send: one K_EVT to the registered daemon; the netlink_* result, or 0 if none is registered. */
static int nl_demo_send(void)
{
	struct nldemo_usr_msg *msg;
	struct nlmsghdr *nlh;
	struct sk_buff *skb;
	char buf[32];
	u32 pid, gid, seq;
	int ret;

	read_lock(&user_proc_lock);
	pid = user_proc.pid;
	gid = user_proc.gid;
	read_unlock(&user_proc_lock);
	if (pid == 0)
		return 0;

	skb = nlmsg_new(NLDEMO_USR_MSG_SIZE, GFP_ATOMIC); /* softirq context: no sleeping allocation */
	if (!skb)
		return -ENOMEM;
	seq = ++stats.events;
	nlh = nlmsg_put(skb, 0, seq, NLDEMO_K_EVT, NLDEMO_USR_MSG_SIZE, 0);
	if (!nlh) {
		kfree_skb(skb);
		return -EMSGSIZE;
	}
	msg = nlmsg_data(nlh);
	msg->seq = seq;
	msg->jiffies = (u32)jiffies;
	nlmsg_end(skb, nlh);

	if (gid == 0) {
		ret = netlink_unicast(nlfd, skb, pid, MSG_DONTWAIT); /* a full queue drops, never sleeps */
		pr_info("nl_demo: K_EVT #%u netlink_unicast(port %u) = %s\n", seq, pid, show(ret, buf, sizeof(buf)));
		if (ret == -ECONNREFUSED) {
			/* nobody holds that port any more (the daemon died and no URELEASE told us): stop */
			write_lock_bh(&user_proc_lock);
			if (user_proc.pid == pid)
				nl_demo_unregister_locked();
			write_unlock_bh(&user_proc_lock);
			stats.refused++;
			pr_info("nl_demo: port %u is gone (ECONNREFUSED); unregistered\n", pid);
		} else if (ret >= 0) {
			stats.delivered++;
		}
	} else {
		NETLINK_CB(skb).dst_group = gid; /* receivers see the group in msg_name and NETLINK_PKTINFO */
		/* exclusion port id 0: exclude nobody (the article passed `pid` and excluded its own daemon) */
		ret = netlink_broadcast(nlfd, skb, 0, gid, GFP_ATOMIC);
		pr_info("nl_demo: K_EVT #%u netlink_broadcast(group %u, exclude port 0) = %s\n", seq, gid,
			show(ret, buf, sizeof(buf)));
		if (ret == -ESRCH)
			stats.no_listeners++;
		else if (ret == 0)
			stats.delivered++;
	}
	return ret;
}

/* The event source: a timer_list callback, in softirq context, re-armed while someone listens. */
static void nl_demo_tick(struct timer_list *t)
{
	bool registered;

	nl_demo_send();
	read_lock(&user_proc_lock);
	registered = user_proc.pid != 0;
	read_unlock(&user_proc_lock);
	if (registered)
		mod_timer(t, jiffies + msecs_to_jiffies(period_ms));
}

/* The per-message handler netlink_rcv_skb calls (4.12+: with extack). */
static int nl_demo_rcv_msg(struct sk_buff *skb, struct nlmsghdr *nlh, struct netlink_ext_ack *extack)
{
	struct nldemo_krnl_msg *msg;
	u32 portid;
	bool mine;

	/* netlink_rcv_skb checked the header and that nlmsg_len fits the skb; the payload is ours to check */
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nldemo_krnl_msg))) {
		NL_SET_ERR_MSG(extack, "nl_demo: payload shorter than struct nldemo_krnl_msg");
		pr_info("nl_demo: %u-byte message from port %u is too short: EINVAL\n", nlh->nlmsg_len,
			NETLINK_CB(skb).portid);
		return -EINVAL;
	}
	msg = nlmsg_data(nlh);
	portid = NETLINK_CB(skb).portid; /* who sent it, whatever nlh->nlmsg_pid says */
	switch (nlh->nlmsg_type) {
	case NLDEMO_U_PID:
		if (msg->gid > 32) {
			NL_SET_ERR_MSG(extack, "nl_demo: gid out of range");
			return -EINVAL;
		}
		write_lock_bh(&user_proc_lock);
		user_proc.pid = portid;
		user_proc.gid = msg->gid;
		write_unlock_bh(&user_proc_lock);
		if (msg->gid == 0)
			pr_info("nl_demo: NLDEMO_U_PID: registered port %u, unicast\n", portid);
		else
			pr_info("nl_demo: NLDEMO_U_PID: registered port %u, group %u\n", portid, msg->gid);
		if (!timer_pending(&nl_demo_timer))
			mod_timer(&nl_demo_timer, jiffies + msecs_to_jiffies(period_ms));
		return 0;
	case NLDEMO_CLOSE:
		write_lock_bh(&user_proc_lock);
		mine = user_proc.pid == portid;
		if (mine)
			nl_demo_unregister_locked();
		write_unlock_bh(&user_proc_lock);
		pr_info("nl_demo: NLDEMO_CLOSE from port %u: %s\n", portid, mine ? "unregistered" : "was not registered");
		return 0;
	default:
		NL_SET_ERR_MSG(extack, "nl_demo: unknown message type");
		return -EOPNOTSUPP;
	}
}

/* cfg.input: since 2.6.24 one skb per call, synchronously in the sender's context. */
static void nl_demo_rcv(struct sk_buff *skb)
{
	netlink_rcv_skb(skb, nl_demo_rcv_msg);
}

/* NETLINK_URELEASE: a user socket of our unit was released; forget it if it was the daemon. */
static int nl_demo_notify(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	bool mine;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_NLDEMO || !net_eq(n->net, &init_net))
		return NOTIFY_DONE;
	write_lock_bh(&user_proc_lock);
	mine = user_proc.pid == n->portid;
	if (mine)
		nl_demo_unregister_locked();
	write_unlock_bh(&user_proc_lock);
	if (mine)
		pr_info("nl_demo: NETLINK_URELEASE: port %u closed without NLDEMO_CLOSE; unregistered\n", n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block nl_demo_nb = { .notifier_call = nl_demo_notify };

static int __init nl_demo_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.input = nl_demo_rcv,
		.groups = 32,
		.flags = NL_CFG_F_NONROOT_RECV, /* let unprivileged daemons join the group */
	};

	rwlock_init(&user_proc_lock);
	timer_setup(&nl_demo_timer, nl_demo_tick, 0);
	nlfd = netlink_kernel_create(&init_net, NETLINK_NLDEMO, &cfg);
	if (!nlfd) {
		pr_err("nl_demo: netlink_kernel_create(NETLINK_NLDEMO %d) failed: unit taken?\n", NETLINK_NLDEMO);
		return -ENOMEM;
	}
	if (use_notifier)
		netlink_register_notifier(&nl_demo_nb);
	pr_info("nl_demo: netlink_kernel_create(&init_net, %d, &cfg) ok\n", NETLINK_NLDEMO);
	return 0;
}

static void __exit nl_demo_exit(void)
{
	timer_delete_sync(&nl_demo_timer); /* no event may run after the socket is gone */
	if (use_notifier)
		netlink_unregister_notifier(&nl_demo_nb);
	netlink_kernel_release(nlfd);
	nlfd = NULL;
	pr_info("nl_demo: netlink_kernel_release done, unloaded\n");
}

module_init(nl_demo_init);
module_exit(nl_demo_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nl_demo: two-way messaging over a custom netlink protocol (nlsim's examples/nl-demo)");
