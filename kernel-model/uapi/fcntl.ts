// include/uapi/asm-generic/fcntl.h, include/uapi/linux/fs.h and include/uapi/linux/stat.h: the
// open flags, lseek whences and mode bits a program uses on /proc files (x86_64 values).

export const O_ACCMODE = 0o3;
export const O_RDONLY = 0o0;
export const O_WRONLY = 0o1;
export const O_RDWR = 0o2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DIRECTORY = 0o200000;
export const O_CLOEXEC = 0o2000000;

export const SEEK_SET = 0;
export const SEEK_CUR = 1;
export const SEEK_END = 2;

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IRWXU = 0o700;
export const S_IRUSR = 0o400;
export const S_IWUSR = 0o200;
export const S_IXUSR = 0o100;
export const S_IRWXG = 0o070;
export const S_IRGRP = 0o040;
export const S_IWGRP = 0o020;
export const S_IXGRP = 0o010;
export const S_IRWXO = 0o007;
export const S_IROTH = 0o004;
export const S_IWOTH = 0o002;
export const S_IXOTH = 0o001;
/** include/linux/stat.h */
export const S_IRUGO = S_IRUSR | S_IRGRP | S_IROTH;
export const S_IWUGO = S_IWUSR | S_IWGRP | S_IWOTH;
export const S_IXUGO = S_IXUSR | S_IXGRP | S_IXOTH;
