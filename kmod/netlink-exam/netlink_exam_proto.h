/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the netlink-exam module and its two programs share (the article's netlink-exam.h). The
 * twin of examples/netlink-exam/proto.ts: kmod/proto-headers.test.ts checks they agree.
 */
#ifndef NETLINK_EXAM_PROTO_H
#define NETLINK_EXAM_PROTO_H

#define NETLINK_EXAM          25	/* free in mainline: 0-22 are taken (18 is NETLINK_SCSITRANSPORT) */
#define NETLINK_EXAM_GROUP    1		/* the receivers' multicast group */
#define NETLINK_EXAM_GROUP_MASK (1 << (NETLINK_EXAM_GROUP - 1))	/* the group as a bind mask */
#define NLEXAM_MSG            0x10	/* the only message type: the text */
#define NETLINK_EXAM_BUFSIZE  1024	/* the kernel buffer (text + NUL) */
#define PROC_NAME             "netlink_exam_buffer"
#define PROC_PATH             "/proc/" PROC_NAME

#endif
