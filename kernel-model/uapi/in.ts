// include/uapi/linux/in.h: IPv4 protocol numbers and the SOL_IP options a program meets before
// netfilter's nf_sockopt ranges (IPT_BASE_CTL 64, EBT_BASE_CTL 128, IP_VS_BASE_CTL 1088...).

// IPPROTO_ICMP, IPPROTO_TCP and IPPROTO_UDP live in ip.ts (one binding, however it is imported)
export { IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP } from "./ip.js";
export const IPPROTO_IP = 0;
export const IPPROTO_RAW = 255;
/** IPPROTO_MAX (6.x: IPPROTO_MPTCP is 262) */
export const IPPROTO_MAX = 263;

/** SOL_IP: the level of IPv4 options (== IPPROTO_IP) */
export const SOL_IP = 0;
/** SOL_RAW: raw socket options (ICMP_FILTER) */
export const SOL_RAW = 255;

export const IP_TOS = 1;
export const IP_TTL = 2;
export const IP_HDRINCL = 3;
export const IP_OPTIONS = 4;
export const IP_PKTOPTIONS = 9;
/** ip_mroute_opt: MRT_BASE..MRT_MAX (200..212) never fall through to netfilter */
export const MRT_BASE = 200;
export const MRT_MAX = 212;
/** IP_IPSEC_POLICY / IP_XFRM_POLICY: excluded from the netfilter fall-through too */
export const IP_IPSEC_POLICY = 16;
export const IP_XFRM_POLICY = 17;
