// The sockopt example's module: nf_sockopt_ops on PF_INET with a set range and a get range, as
// the seed article (and IPVS) do. `mode: "correct"` checks lengths and copy results; `mode:
// "buggy"` is the article's recv_msg/send_msg kept as written (see README.md). Written with the
// kernel's names so kmod/sockopt/sockopt_srv.c reads beside it line by line.
import { pr_info, printk } from "../../kernel-model/kernel/index.js";
import { copy_from_user, copy_to_user, type UserPtr } from "../../kernel-model/lib/usercopy.js";
import type { InetSock } from "../../kernel-model/net/ipv4/af_inet.js";
import {
  type IntPtr,
  type NfSockoptOps,
  nf_register_sockopt,
  nf_unregister_sockopt,
} from "../../kernel-model/net/netfilter/nf_sockopt.js";
import { ERRNO, PF_INET } from "../../kernel-model/uapi/index.js";
import { cstr, fromCstr, KMSG, KMSG_LEN, MSG_MAX, SOCKET_OPS_GET, SOCKET_OPS_MAX, SOCKET_OPS_SET } from "./proto.js";

export type SockoptMode = "correct" | "buggy";

export interface SockoptModule {
  /** module_init's return value (nf_register_sockopt's) */
  readonly ret: number;
  readonly exit: () => void;
  /** the last string received (for tests) */
  readonly last: () => string;
}

/** insmod: init_sockopt. A failed registration is returned in `ret`, as insmod reports it. */
export const sockopt_init = (mode: SockoptMode = "correct"): SockoptModule => {
  const umsg = new Uint8Array(MSG_MAX); // static char umsg[MSG_MAX];

  /** set: a string of at most MSG_MAX bytes with its NUL (or MSG_MAX-1 without), copied whole or refused. */
  const recv_msg = (_sk: InetSock, cmd: number, user: UserPtr, len: number): number => {
    if (cmd !== SOCKET_OPS_SET) return -ERRNO.EINVAL;
    if (len === 0 || len > MSG_MAX) return -ERRNO.EINVAL;
    const tmp = new Uint8Array(MSG_MAX);
    if (copy_from_user(tmp, user, len) !== 0) return -ERRNO.EFAULT;
    if (len === MSG_MAX && tmp[MSG_MAX - 1] !== 0) return -ERRNO.EINVAL; // no room for the NUL
    umsg.set(tmp);
    pr_info(`sockopt: recv_msg: umsg = ${fromCstr(umsg)}`);
    return 0;
  };

  /** get: KMSG with its NUL if the caller's buffer holds it (else EINVAL, as IPVS does), *len set. */
  const send_msg = (_sk: InetSock, cmd: number, user: UserPtr, len: IntPtr): number => {
    if (cmd !== SOCKET_OPS_GET) return -ERRNO.EINVAL;
    if (len.value < KMSG_LEN) return -ERRNO.EINVAL;
    if (copy_to_user(user, cstr(KMSG), KMSG_LEN) !== 0) return -ERRNO.EFAULT;
    len.value = KMSG_LEN;
    pr_info(`sockopt: send_msg: ${KMSG_LEN} bytes`);
    return 0;
  };

  /** the article's recv_msg: copies 64 bytes whatever `len` says, ignores the result, returns 0. */
  const buggy_recv_msg = (_sk: InetSock, cmd: number, user: UserPtr, _len: number): number => {
    printk("\x016sockopt: recv_msg()");
    if (cmd === SOCKET_OPS_SET) {
      const umsg64 = new Uint8Array(64);
      const ret = copy_from_user(umsg64, user, 64);
      umsg.set(umsg64);
      printk(`recv_msg: umsg = ${fromCstr(umsg64)}. ret = ${ret}`);
    }
    return 0;
  };

  /** the article's send_msg: writes KMSG_LEN bytes whatever *len says, never sets *len, returns 0. */
  const buggy_send_msg = (_sk: InetSock, cmd: number, user: UserPtr, _len: IntPtr): number => {
    printk("\x016sockopt: send_msg()");
    if (cmd === SOCKET_OPS_GET) {
      const ret = copy_to_user(user, cstr(KMSG), KMSG_LEN);
      printk(`send_msg: umsg = ${KMSG}. ret = ${ret}. success`);
    }
    return 0;
  };

  const test_sockops: NfSockoptOps = {
    pf: PF_INET,
    set_optmin: SOCKET_OPS_SET,
    set_optmax: SOCKET_OPS_MAX,
    set: mode === "correct" ? recv_msg : buggy_recv_msg,
    get_optmin: SOCKET_OPS_GET,
    get_optmax: SOCKET_OPS_MAX,
    get: mode === "correct" ? send_msg : buggy_send_msg,
    owner: "sockopt",
  };

  pr_info("sockopt: init_sockopt()");
  const ret = nf_register_sockopt(test_sockops);
  if (ret < 0) pr_info(`sockopt: nf_register_sockopt failed: ${ret}`);
  return {
    ret,
    exit: () => {
      pr_info("sockopt: fini_sockopt()");
      if (ret === 0) nf_unregister_sockopt(test_sockops);
    },
    last: () => fromCstr(umsg),
  };
};
