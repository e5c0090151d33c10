/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_demo's wire protocol: what the module and the daemon share, defined once for C.
 * The TypeScript twin is examples/nl-demo/proto.ts; kmod/proto.test.ts checks that the two agree
 * (every #define, enum value and struct size below).
 */
#ifndef NL_DEMO_PROTO_H
#define NL_DEMO_PROTO_H

#include <linux/types.h>

#define NETLINK_NLDEMO 17 /* a free unit: 17 is unused by mainline */
#define NLDEMO_GROUP 1    /* multicast group number (bind mask 1 << 0) */

/* message types start at NLMSG_MIN_TYPE (0x10) */
enum {
	NLDEMO_U_PID = 0x10, /* user -> kernel: register my port id (and a group, 0 for unicast) */
	NLDEMO_CLOSE = 0x11, /* user -> kernel: stop sending me events */
	NLDEMO_K_EVT = 0x12, /* kernel -> user: an event */
};

/* user -> kernel (U_PID, CLOSE) */
struct nldemo_krnl_msg {
	__u32 gid; /* the group to multicast on (a group number); 0: unicast to my port id */
};

/* kernel -> user (K_EVT) */
struct nldemo_usr_msg {
	__u32 seq;     /* the event's sequence number, from 1 */
	__u32 jiffies; /* the kernel's jiffies when the event was made */
};

#define NLDEMO_KRNL_MSG_SIZE 4 /* sizeof(struct nldemo_krnl_msg) */
#define NLDEMO_USR_MSG_SIZE 8  /* sizeof(struct nldemo_usr_msg) */

#endif /* NL_DEMO_PROTO_H */
