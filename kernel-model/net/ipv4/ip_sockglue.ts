// net/ipv4/ip_sockglue.c: ip_setsockopt / ip_getsockopt for the options the model knows (IP_TOS,
// IP_TTL, IP_HDRINCL) and, for any other, the CONFIG_NETFILTER fall-through to nf_setsockopt /
// nf_getsockopt. Note the kernel's quirk kept here: do_ip_setsockopt answers ENOPROTOOPT for a
// level other than SOL_IP too, so a set at any level but SOL_SOCKET/SOL_RAW reaches netfilter;
// do_ip_getsockopt answers EOPNOTSUPP for a wrong level, which does not fall through.
import { copy_from_user, copy_to_user, type UserPtr } from "../../lib/usercopy.js";
import {
  ERRNO,
  IP_HDRINCL,
  IP_IPSEC_POLICY,
  IP_PKTOPTIONS,
  IP_TOS,
  IP_TTL,
  IP_XFRM_POLICY,
  MRT_BASE,
  MRT_MAX,
  PF_INET,
  SOCK_RAW,
  SOL_IP,
} from "../../uapi/index.js";
import { type IntPtr, nf_getsockopt, nf_setsockopt } from "../netfilter/nf_sockopt.js";
import type { InetSock } from "./af_inet.js";

/** sysctl net.ipv4.ip_default_ttl */
const IPDEFTTL = 64;

/** ip_mroute_opt(optname): the multicast routing options (never netfilter's) */
const ip_mroute_opt = (optname: number): boolean => optname >= MRT_BASE && optname <= MRT_MAX;

/** do_ip_setsockopt for the modelled options; anything else is -ENOPROTOOPT. */
const do_ip_setsockopt = (sk: InetSock, level: number, optname: number, optval: UserPtr, optlen: number): number => {
  if (level !== SOL_IP) return -ERRNO.ENOPROTOOPT;
  if (optname !== IP_TOS && optname !== IP_TTL && optname !== IP_HDRINCL) return -ERRNO.ENOPROTOOPT;
  // an int option: sizeof(int) bytes, or one byte for a shorter optlen
  let val = 0;
  if (optlen >= 4) {
    const b = new Uint8Array(4);
    if (copy_from_user(b, optval, 4) !== 0) return -ERRNO.EFAULT;
    val = b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
  } else if (optlen >= 1) {
    const b = new Uint8Array(1);
    if (copy_from_user(b, optval, 1) !== 0) return -ERRNO.EFAULT;
    val = b[0]!;
  } else return -ERRNO.EINVAL;
  switch (optname) {
    case IP_TOS:
      sk.tos = val & 0xff;
      return 0;
    case IP_TTL:
      if (optlen < 1) return -ERRNO.EINVAL;
      if (val !== -1 && (val < 1 || val > 255)) return -ERRNO.EINVAL;
      sk.uc_ttl = val;
      return 0;
    default: // IP_HDRINCL
      if (sk.sk_type !== SOCK_RAW) return -ERRNO.ENOPROTOOPT;
      sk.hdrincl = val !== 0;
      return 0;
  }
};

/** ip_setsockopt(sk, level, optname, optval, optlen) */
export const ip_setsockopt = (
  sk: InetSock,
  level: number,
  optname: number,
  optval: UserPtr,
  optlen: number,
): number => {
  let err = do_ip_setsockopt(sk, level, optname, optval, optlen);
  // CONFIG_NETFILTER: "we need to exclude all possible ENOPROTOOPTs except default case"
  if (
    err === -ERRNO.ENOPROTOOPT &&
    optname !== IP_HDRINCL &&
    optname !== IP_IPSEC_POLICY &&
    optname !== IP_XFRM_POLICY &&
    !ip_mroute_opt(optname)
  ) {
    err = nf_setsockopt(sk, PF_INET, optname, optval, optlen);
  }
  return err;
};

/** do_ip_getsockopt for the modelled options; anything else is -ENOPROTOOPT. */
const do_ip_getsockopt = (sk: InetSock, level: number, optname: number, optval: UserPtr, optlen: IntPtr): number => {
  if (level !== SOL_IP) return -ERRNO.EOPNOTSUPP;
  const len = optlen.value;
  if (len < 0) return -ERRNO.EINVAL;
  let val: number;
  switch (optname) {
    case IP_TOS:
      val = sk.tos;
      break;
    case IP_TTL:
      val = sk.uc_ttl === -1 ? IPDEFTTL : sk.uc_ttl;
      break;
    case IP_HDRINCL:
      val = sk.hdrincl ? 1 : 0;
      break;
    default:
      return -ERRNO.ENOPROTOOPT;
  }
  const b = new Uint8Array(4);
  b[0] = val & 0xff;
  b[1] = (val >>> 8) & 0xff;
  b[2] = (val >>> 16) & 0xff;
  b[3] = (val >>> 24) & 0xff;
  if (len < 4 && len > 0 && val >= 0 && val <= 255) {
    optlen.value = 1;
    return copy_to_user(optval, b.subarray(0, 1), 1) !== 0 ? -ERRNO.EFAULT : 0;
  }
  const n = Math.min(4, len);
  optlen.value = n;
  return copy_to_user(optval, b.subarray(0, n), n) !== 0 ? -ERRNO.EFAULT : 0;
};

/** ip_getsockopt(sk, level, optname, optval, optlen) */
export const ip_getsockopt = (
  sk: InetSock,
  level: number,
  optname: number,
  optval: UserPtr,
  optlen: IntPtr,
): number => {
  const err = do_ip_getsockopt(sk, level, optname, optval, optlen);
  if (err === -ERRNO.ENOPROTOOPT && optname !== IP_PKTOPTIONS && !ip_mroute_opt(optname)) {
    // get_user(len, optlen); nf_getsockopt(sk, PF_INET, optname, optval, &len); put_user(len, optlen)
    const len = { value: optlen.value };
    const ret = nf_getsockopt(sk, PF_INET, optname, optval, len);
    if (ret < 0) return ret;
    optlen.value = len.value; // err = put_user(len, optlen): 0, whatever the handler returned
    return 0;
  }
  return err;
};
