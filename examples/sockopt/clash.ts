// The sockopt example's second module (kmod/sockopt/sockopt_clash.c): it asks nf_sockopt for a
// get range that overlaps sockopt_srv's, as a module using ebtables' 128..130 would, and fails
// its init with nf_register_sockopt's -EBUSY, so insmod refuses it. Its twin, line for line.
import { pr_info } from "../../kernel-model/kernel/index.js";
import type { UserPtr } from "../../kernel-model/lib/usercopy.js";
import type { InetSock } from "../../kernel-model/net/ipv4/af_inet.js";
import {
  type IntPtr,
  type NfSockoptOps,
  nf_register_sockopt,
  nf_unregister_sockopt,
} from "../../kernel-model/net/netfilter/nf_sockopt.js";
import { ERRNO, PF_INET } from "../../kernel-model/uapi/index.js";
import { SOCKET_OPS_BASE } from "./proto.js";

/** the clashing get range, [CLASH_GET_MIN, CLASH_GET_MAX) */
export const CLASH_GET_MIN = SOCKET_OPS_BASE - 1;
export const CLASH_GET_MAX = SOCKET_OPS_BASE + 1;

export interface ClashModule {
  /** module_init's return value: insmod fails with it when it is negative */
  readonly ret: number;
  /** rmmod (only a module whose init returned 0 is loaded) */
  readonly exit: () => void;
}

/** clash_get: never reached while the registration is refused; a get range needs a handler. */
const clash_get = (_sk: InetSock, _cmd: number, _user: UserPtr, _len: IntPtr): number => -ERRNO.EINVAL;

/** insmod sockopt_clash.ko: init_clash. */
export const sockopt_clash_init = (): ClashModule => {
  const clash_sockops: NfSockoptOps = {
    pf: PF_INET,
    set_optmin: 0,
    set_optmax: 0,
    get_optmin: CLASH_GET_MIN,
    get_optmax: CLASH_GET_MAX,
    get: clash_get,
    owner: "sockopt_clash",
  };
  const ret = nf_register_sockopt(clash_sockops);
  pr_info(`sockopt_clash: nf_register_sockopt(get range ${CLASH_GET_MIN}..${CLASH_GET_MAX}) = ${ret}`);
  return { ret, exit: () => nf_unregister_sockopt(clash_sockops) };
};
