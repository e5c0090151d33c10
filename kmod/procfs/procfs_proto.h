/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the procfs module and its user programs share. The twin of examples/procfs/proto.ts:
 * kmod/proto-headers.test.ts checks they agree.
 */
#ifndef PROCFS_PROTO_H
#define PROCFS_PROTO_H

#define PROC_NAME      "procfs_example"
#define PROC_PATH      "/proc/" PROC_NAME
#define PROC_BUF_SIZE  128	/* the kernel buffer, NUL included */
#define PROC_MODE      0666

#endif
