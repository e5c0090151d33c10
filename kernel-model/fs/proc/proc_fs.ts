// include/linux/proc_fs.h, include/linux/seq_file.h, include/linux/fs.h and include/linux/uaccess.h
// for a module: the names a simulated module with a /proc file uses, as its C twin does.

export {
  __asan_store1,
  copy_from_user,
  copy_to_user,
  get_user_int,
  put_user_int,
  runtime_offset,
  type UserPtr,
} from "../../lib/usercopy.js";
export { File, file_inode, type Inode, type LoffT } from "../file.js";
export { simple_read_from_buffer, simple_write_to_buffer } from "../libfs.js";
export {
  SeqFile,
  seq_lseek,
  seq_printf,
  seq_putc,
  seq_puts,
  seq_read,
  seq_write,
  single_open,
  single_release,
} from "../seq_file.js";
export { default_llseek } from "../vfs.js";
export {
  type ProcDirEntry,
  type ProcOps,
  pde_data,
  proc_create,
  proc_create_data,
  proc_mkdir,
  proc_remove,
  proc_set_size,
  remove_proc_entry,
} from "./generic.js";
