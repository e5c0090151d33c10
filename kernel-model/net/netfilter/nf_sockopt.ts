// net/netfilter/nf_sockopt.c and include/linux/netfilter.h: a module's own setsockopt/getsockopt
// numbers on a protocol family (ipvsadm's way of talking to IPVS, the nf_sockopt seed article's).
// ip_setsockopt / ip_getsockopt fall through to nf_setsockopt / nf_getsockopt for an option they do
// not know (net/ipv4/ip_sockglue.c); the handler runs in the caller's process context and its
// return value is the syscall's. The list is global (not per network namespace), as in the kernel.
import { need_kernel } from "../../kernel/current.js";
import type { Kernel } from "../../kernel/kernel.js";
import { DEFINE_MUTEX, type Mutex, mutex_lock, mutex_unlock } from "../../kernel/locking.js";
import { DEFINE_DYNAMIC_DEBUG_METADATA, dynamic_pr_debug } from "../../lib/dynamic_debug.js";
import type { UserPtr } from "../../lib/usercopy.js";
import { WARN } from "../../lib/usercopy.js";
import { ERRNO } from "../../uapi/index.js";
import type { InetSock } from "../ipv4/af_inet.js";

/** `int *len` of a get handler: read the caller's optlen, set what was written. */
export interface IntPtr {
  value: number;
}

/**
 * struct nf_sockopt_ops. Ranges are [min, max): "non-inclusive ranges: use 0/0/NULL to never get
 * called". set's `user` is a sockptr_t in 5.9+ (a user pointer for setsockopt(2)).
 */
export interface NfSockoptOps {
  readonly pf: number;
  readonly set_optmin: number;
  readonly set_optmax: number;
  readonly set?: (sk: InetSock, optval: number, user: UserPtr, len: number) => number;
  readonly get_optmin: number;
  readonly get_optmax: number;
  readonly get?: (sk: InetSock, optval: number, user: UserPtr, len: IntPtr) => number;
  /** the module that registered it, for traces */
  readonly owner?: string;
}

interface NfSockoptState {
  readonly list: NfSockoptOps[];
  readonly mutex: Mutex;
}
const states = new WeakMap<Kernel, NfSockoptState>();
const nf_sockopts_of = (k: Kernel): NfSockoptState => {
  let s = states.get(k);
  if (s === undefined) {
    s = { list: [], mutex: DEFINE_MUTEX("nf_sockopt_mutex") };
    states.set(k, s);
  }
  return s;
};

/** overlap(min1, max1, min2, max2): do the half-open ranges meet? */
const overlap = (min1: number, max1: number, min2: number, max2: number): boolean => max1 > min2 && min1 < max2;

// the pr_debug in nf_register_sockopt: a dynamic debug call site, silent unless turned on
// (nf_sockopt.o is part of the built-in netfilter.o, hence the module name)
const nf_sock_overlap_dd = DEFINE_DYNAMIC_DEBUG_METADATA({
  modname: "netfilter",
  function: "nf_register_sockopt",
  filename: "net/netfilter/nf_sockopt.c",
  format: "nf_sock overlap: %u-%u/%u-%u v %u-%u/%u-%u\n",
});

/** nf_register_sockopt(reg): 0, or -EBUSY when a set or get range of the same pf overlaps one registered. */
export const nf_register_sockopt = (reg: NfSockoptOps): number => {
  const s = nf_sockopts_of(need_kernel("nf_register_sockopt"));
  mutex_lock(s.mutex);
  let ret = 0;
  for (const ops of s.list) {
    if (
      ops.pf === reg.pf &&
      (overlap(ops.set_optmin, ops.set_optmax, reg.set_optmin, reg.set_optmax) ||
        overlap(ops.get_optmin, ops.get_optmax, reg.get_optmin, reg.get_optmax))
    ) {
      dynamic_pr_debug(
        nf_sock_overlap_dd,
        `nf_sock overlap: ${ops.set_optmin}-${ops.set_optmax}/${ops.get_optmin}-${ops.get_optmax} v ${reg.set_optmin}-${reg.set_optmax}/${reg.get_optmin}-${reg.get_optmax}`,
      );
      ret = -ERRNO.EBUSY;
      break;
    }
  }
  if (ret === 0) s.list.push(reg);
  mutex_unlock(s.mutex);
  return ret;
};

/** nf_unregister_sockopt(reg): list_del; one that is not registered is a WARN (list corruption in C). */
export const nf_unregister_sockopt = (reg: NfSockoptOps): void => {
  const s = nf_sockopts_of(need_kernel("nf_unregister_sockopt"));
  mutex_lock(s.mutex);
  const i = s.list.indexOf(reg);
  if (i < 0)
    WARN("__list_del_entry_valid", "lib/list_debug.c:59", "list_del corruption: nf_sockopt_ops not registered");
  else s.list.splice(i, 1);
  mutex_unlock(s.mutex);
};

/** nf_sockopt_find(sk, pf, val, get): the ops whose range holds `val`, or -ENOPROTOOPT. */
const nf_sockopt_find = (k: Kernel, pf: number, val: number, get: boolean): NfSockoptOps | number => {
  const s = nf_sockopts_of(k);
  mutex_lock(s.mutex);
  let found: NfSockoptOps | number = -ERRNO.ENOPROTOOPT;
  for (const ops of s.list) {
    if (ops.pf !== pf) continue;
    if (get ? val >= ops.get_optmin && val < ops.get_optmax : val >= ops.set_optmin && val < ops.set_optmax) {
      found = ops;
      break;
    }
  }
  mutex_unlock(s.mutex);
  return found;
};

/** nf_setsockopt(sk, pf, val, opt, len): the set handler's return value, or -ENOPROTOOPT. */
export const nf_setsockopt = (sk: InetSock, pf: number, val: number, opt: UserPtr, len: number): number => {
  const ops = nf_sockopt_find(need_kernel("nf_setsockopt"), pf, val, false);
  if (typeof ops === "number") return ops;
  return ops.set === undefined ? -ERRNO.ENOPROTOOPT : ops.set(sk, val, opt, len);
};

/** nf_getsockopt(sk, pf, val, opt, len): the get handler's return value, or -ENOPROTOOPT. */
export const nf_getsockopt = (sk: InetSock, pf: number, val: number, opt: UserPtr, len: IntPtr): number => {
  const ops = nf_sockopt_find(need_kernel("nf_getsockopt"), pf, val, true);
  if (typeof ops === "number") return ops;
  return ops.get === undefined ? -ERRNO.ENOPROTOOPT : ops.get(sk, val, opt, len);
};

/** The registered ranges (for tests and a /proc-like listing). */
export const nf_sockopt_ranges = (k: Kernel): ReadonlyArray<NfSockoptOps> => nf_sockopts_of(k).list;
