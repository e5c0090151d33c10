// What the netlink-exam module and its two programs share (netlink-exam.h in the C twin):
//
//   #define NETLINK_EXAM        25      /* free in mainline: 0-22 are taken (18 is NETLINK_SCSITRANSPORT) */
//   #define NETLINK_EXAM_GROUP  1       /* the receivers' multicast group */
//   #define NLEXAM_MSG          0x10    /* the only message type: the text */
//   #define NETLINK_EXAM_BUFSIZE 1024   /* the kernel buffer (text + NUL) */
//   #define PROC_NAME "netlink_exam_buffer"
export const NETLINK_EXAM = 25;
export const NETLINK_EXAM_GROUP = 1;
export const NLEXAM_MSG = 0x10;
export const NETLINK_EXAM_BUFSIZE = 1024;
export const PROC_NAME = "netlink_exam_buffer";
export const PROC_PATH = `/proc/${PROC_NAME}`;
/** the group as a bind mask */
export const NETLINK_EXAM_GROUP_MASK = 1 << (NETLINK_EXAM_GROUP - 1);
