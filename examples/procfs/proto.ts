// What the procfs module and its user programs share (a C header twin mirrors it line by line):
//
//   #define PROC_NAME      "procfs_example"
//   #define PROC_BUF_SIZE  128        /* the kernel buffer, NUL included */
//   #define PROC_MODE      0666
export const PROC_NAME = "procfs_example";
export const PROC_PATH = `/proc/${PROC_NAME}`;
/** the kernel buffer's size: at most PROC_BUF_SIZE - 1 bytes of text and a NUL */
export const PROC_BUF_SIZE = 128;
export const PROC_MODE = 0o666;
