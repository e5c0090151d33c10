// net/ipv4/af_inet.c (inet_create, inet_release) and the setsockopt/getsockopt path of an AF_INET
// socket down to net/ipv4/ip_sockglue.c. The model has no IPv4 data path here: these sockets exist
// for their options (and so for nf_sockopt). SOCK_RAW needs CAP_NET_RAW, as inet_create checks.

import type { UserPtr } from "../../lib/usercopy.js";
import {
  CAPABILITIES,
  ERRNO,
  IPPROTO_ICMP,
  IPPROTO_IP,
  IPPROTO_MAX,
  IPPROTO_RAW,
  IPPROTO_TCP,
  IPPROTO_UDP,
  PF_INET,
  SOCK_DGRAM,
  SOCK_MAX,
  SOCK_RAW,
  SOCK_STREAM,
  SOL_RAW,
  SOL_SOCKET,
} from "../../uapi/index.js";
import type { Cred } from "../core/sock.js";
import type { IntPtr } from "../netfilter/nf_sockopt.js";
import { ip_getsockopt, ip_setsockopt } from "./ip_sockglue.js";

/** struct inet_sock, the fields its options touch. */
export class InetSock {
  readonly sk_family = PF_INET;
  /** IP_TOS */
  tos = 0;
  /** IP_TTL: -1 is the route's default (64) */
  uc_ttl = -1;
  /** IP_HDRINCL: on for IPPROTO_RAW */
  hdrincl: boolean;
  dead = false;
  constructor(
    readonly sk_type: number,
    readonly sk_protocol: number,
    /** the opener's credentials (sk->sk_socket->file->f_cred) */
    readonly cred: Cred,
  ) {
    this.hdrincl = sk_type === SOCK_RAW && sk_protocol === IPPROTO_RAW;
  }
}

/** inetsw: the (type, protocol) pairs the model knows; IPPROTO_IP in `protocol` is the wildcard. */
const inetsw: ReadonlyArray<{ readonly type: number; readonly protocol: number }> = [
  { type: SOCK_STREAM, protocol: IPPROTO_TCP },
  { type: SOCK_DGRAM, protocol: IPPROTO_UDP },
  { type: SOCK_DGRAM, protocol: IPPROTO_ICMP },
  { type: SOCK_RAW, protocol: IPPROTO_IP },
];

/**
 * __sock_create + inet_create(net, sock, protocol, kern): the socket, or -errno: EINVAL for a bad
 * type or protocol number, ESOCKTNOSUPPORT / EPROTONOSUPPORT from the inetsw lookup, EPERM for
 * SOCK_RAW without CAP_NET_RAW, EACCES for an ICMP datagram ("ping") socket outside
 * net.ipv4.ping_group_range (empty by default).
 */
export const inet_create = (cred: Cred, type: number, protocol: number): InetSock | number => {
  if (type < 0 || type >= SOCK_MAX) return -ERRNO.EINVAL;
  if (protocol < 0 || protocol >= IPPROTO_MAX) return -ERRNO.EINVAL;
  let err = -ERRNO.ESOCKTNOSUPPORT;
  let proto = protocol;
  for (const answer of inetsw) {
    if (answer.type !== type) continue;
    err = 0;
    if (protocol === answer.protocol) {
      if (protocol !== IPPROTO_IP) break;
    } else {
      if (protocol === IPPROTO_IP) {
        proto = answer.protocol;
        break;
      }
      if (answer.protocol === IPPROTO_IP) break;
    }
    err = -ERRNO.EPROTONOSUPPORT;
  }
  if (err < 0) return err;
  if (type === SOCK_RAW && !cred.caps.has(CAPABILITIES.CAP_NET_RAW)) return -ERRNO.EPERM;
  if (type === SOCK_DGRAM && proto === IPPROTO_ICMP) return -ERRNO.EACCES; // ping_init_sock
  return new InetSock(type, proto, cred);
};

/** inet_release */
export const inet_release = (sk: InetSock): number => {
  sk.dead = true;
  return 0;
};

/**
 * sock_common_setsockopt → raw_setsockopt / udp_setsockopt / tcp_setsockopt → ip_setsockopt. Only
 * the IPv4 level is modelled below the socket: SOL_SOCKET options are ENOPROTOOPT here (the real
 * sock_setsockopt handles SO_RCVBUF and friends), SOL_RAW too (ICMP_FILTER is not modelled).
 */
export const inet_setsockopt = (
  sk: InetSock,
  level: number,
  optname: number,
  optval: UserPtr,
  optlen: number,
): number => {
  if (level === SOL_SOCKET) return -ERRNO.ENOPROTOOPT;
  if (sk.sk_type === SOCK_RAW && level === SOL_RAW) return -ERRNO.ENOPROTOOPT;
  return ip_setsockopt(sk, level, optname, optval, optlen);
};

/** sock_common_getsockopt → raw_getsockopt / ... → ip_getsockopt (optlen in, written length out). */
export const inet_getsockopt = (
  sk: InetSock,
  level: number,
  optname: number,
  optval: UserPtr,
  optlen: IntPtr,
): number => {
  if (level === SOL_SOCKET) return -ERRNO.ENOPROTOOPT;
  if (sk.sk_type === SOCK_RAW && level === SOL_RAW) return -ERRNO.ENOPROTOOPT;
  return ip_getsockopt(sk, level, optname, optval, optlen);
};
