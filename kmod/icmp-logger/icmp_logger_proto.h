/* SPDX-License-Identifier: GPL-2.0 */
/*
 * imp2's wire protocol (the IBM article's ICMP logger), defined once for C.
 * The TypeScript twin is examples/icmp-logger/proto.ts; kmod/proto.test.ts checks that the two
 * agree (every #define, enum value and struct size below).
 *
 * U_PID and CLOSE carry no payload: the kernel takes the sender's port id from NETLINK_CB(skb).
 */
#ifndef ICMP_LOGGER_PROTO_H
#define ICMP_LOGGER_PROTO_H

#include <linux/types.h>

#define NETLINK_IMP2 23 /* the article's NL_IMP2; 23 is free in mainline */

/* message types start at NLMSG_MIN_TYPE (0x10) */
enum {
	IMP2_U_PID = 0x10, /* user -> kernel: send me the packets (to the port this came from) */
	IMP2_CLOSE = 0x11, /* user -> kernel: stop */
	IMP2_K_MSG = 0x12, /* kernel -> user: one struct packet_info */
};

/* kernel -> user (IMP2_K_MSG): addresses as __be32 (10.0.0.1 is 0x0a000001) */
struct packet_info {
	__be32 src;
	__be32 dest;
};

#define PACKET_INFO_SIZE 8 /* sizeof(struct packet_info) */

#endif /* ICMP_LOGGER_PROTO_H */
