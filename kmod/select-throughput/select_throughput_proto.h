/* SPDX-License-Identifier: GPL-2.0 */
/*
 * select-throughput's wire protocol (the article's conf.h), shared by knl.c and user programs.
 * The twin of examples/select-throughput/proto.ts: kmod/proto-headers.test.ts checks they agree.
 */
#ifndef SELECT_THROUGHPUT_PROTO_H
#define SELECT_THROUGHPUT_PROTO_H

#define NETLINK_TEST      24    /* the article's 21 is NETLINK_CRYPTO in today's kernels */
#define MAX_DATA_LEN      768   /* the payload of one data message */
#define MAX_PROCESS_COUNT 100   /* kernel threads, and user sockets */
#define STATIC_PEROID     (1024 * 500)  /* the user's statistics period, bytes (the article's spelling) */
#define MSG_COUNT         10000 /* messages each kernel thread sends at most */

enum {
	NLT_HELLO = 0x10,	/* user -> kernel: the handshake, one per socket */
	NLT_DATA,		/* kernel -> user: MAX_DATA_LEN bytes of data */
};

#endif
