// What the scenario runner needs from a transport: the raw calls, with the kernel's results
// (a value or an errno name), so the same scenario runs on the simulator and on real sockets.
import type { Creds } from "./model.js";

export interface Errno {
  readonly errno: string;
}
export type Ret<T> = T | Errno;
export const isErrno = (r: unknown): r is Errno => typeof r === "object" && r !== null && "errno" in r;

export interface RecvOut {
  readonly ret: number;
  /** msg_flags as the kernel set them */
  readonly flags: number;
  readonly from: { readonly pid: number; readonly groups: number };
  readonly pktinfo?: number;
  readonly creds?: { readonly pid: number; readonly uid: number; readonly gid: number };
  readonly cmsgs?: ReadonlyArray<{ readonly level: number; readonly type: number; readonly data: Uint8Array }>;
  /** the bytes copied to the buffer */
  readonly data: Uint8Array;
}

export interface ProcRow {
  readonly inode: number;
  readonly protocol: number;
  readonly portid: number;
  readonly groups: number;
  readonly rmem: number;
  readonly dump: number;
  readonly drops: number;
}

/** One open socket, as the runner sees it. */
export type Fd = number;

export interface ScenarioSocketApi {
  /** the process id of the scenario's process (autobind's first candidate) */
  readonly tgid: number;
  /** credentials for the next calls (undefined: the process's own) */
  setCreds(creds: Creds | undefined): Promise<void>;
  socket(type: number, protocol: number): Promise<Ret<Fd>>;
  bind(fd: Fd, addr: Uint8Array): Promise<Ret<number>>;
  connect(fd: Fd, addr: Uint8Array): Promise<Ret<number>>;
  /** `addr` undefined = a NULL address */
  sendto(fd: Fd, data: Uint8Array, flags: number, addr: Uint8Array | undefined): Promise<Ret<number>>;
  recv(fd: Fd, size: number, flags: number): Promise<Ret<RecvOut>>;
  setsockopt(fd: Fd, level: number, name: number, value: Uint8Array): Promise<Ret<number>>;
  getsockopt(
    fd: Fd,
    level: number,
    name: number,
    size: number,
  ): Promise<Ret<{ ret: number; optlen: number; data: Uint8Array }>>;
  /** setsockopt with a struct sock_fprog {len, pointer to insns (empty: NULL)}, optlen as given */
  setsockoptFprog(
    fd: Fd,
    level: number,
    name: number,
    insns: Uint8Array,
    len: number,
    optlen: number,
  ): Promise<Ret<number>>;
  /** getsockopt of SO_GET_FILTER: a buffer of `count` instructions, optlen (in instructions) `count` */
  getsockoptFilter(
    fd: Fd,
    level: number,
    name: number,
    count: number,
  ): Promise<Ret<{ ret: number; optlen: number; data: Uint8Array }>>;
  getsockname(fd: Fd): Promise<Ret<{ pid: number; groups: number }>>;
  getpeername(fd: Fd): Promise<Ret<{ pid: number; groups: number }>>;
  close(fd: Fd): Promise<Ret<number>>;
  /** the rows of /proc/net/netlink */
  proc(): Promise<ReadonlyArray<ProcRow>>;
  /** the inode /proc/net/netlink shows for this socket */
  inode(fd: Fd): number;
  /** release everything (end of the scenario) */
  dispose(): Promise<void>;
}
