// kernel-model/fs: /proc and the VFS calls a simulated process makes on it.
export * from "./file.js";
export * from "./libfs.js";
export * from "./proc/generic.js";
export * from "./seq_file.js";
export * from "./vfs.js";
