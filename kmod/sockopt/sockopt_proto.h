/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the sockopt module and its user program share. The twin of examples/sockopt/proto.ts:
 * kmod/proto-headers.test.ts checks they agree.
 *
 * 128 is the article's number. On a real machine it is EBT_BASE_CTL: with ebtables loaded,
 * nf_register_sockopt of this range fails with EBUSY.
 */
#ifndef SOCKOPT_PROTO_H
#define SOCKOPT_PROTO_H

#define SOCKET_OPS_BASE  128
#define SOCKET_OPS_SET   (SOCKET_OPS_BASE)	/* setsockopt: user -> kernel string */
#define SOCKET_OPS_GET   (SOCKET_OPS_BASE)	/* getsockopt: kernel -> user string */
#define SOCKET_OPS_MAX   (SOCKET_OPS_BASE + 1)	/* ranges are [min, max) */
#define KMSG             "a message from kernel"
#define UMSG             "a message from userspace"
#define KMSG_LEN         (sizeof(KMSG))		/* the strings with their NUL */
#define UMSG_LEN         (sizeof(UMSG))
#define MSG_MAX          64			/* the module's buffer, NUL included */

#endif
