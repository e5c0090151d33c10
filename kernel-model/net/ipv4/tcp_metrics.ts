// net/ipv4/tcp_metrics.c, the tcp_metrics generic netlink family's handlers. The kernel fills its
// metrics cache (tcp_metrics_hash) from TCP connections as they close; the model has no TCP, so a
// namespace's part of the cache stays empty, as a fresh namespace's is: TCP_METRICS_CMD_GET finds
// nothing (ESRCH), its dump is empty, TCP_METRICS_CMD_DEL of a destination finds nothing and without
// one flushes nothing. The family's ops, flags and policy come from the kernel profile.
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO } from "../../uapi/index.js";
import type { GenlFamilyHandlers, GenlInfo } from "../genetlink/family.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import type { SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";

// include/uapi/linux/tcp_metrics.h
export const TCP_METRICS_ATTR_ADDR_IPV4 = 1;
export const TCP_METRICS_ATTR_ADDR_IPV6 = 2;
export const TCP_METRICS_ATTR_SADDR_IPV4 = 11;
export const TCP_METRICS_ATTR_SADDR_IPV6 = 12;
export const TCP_METRICS_CMD_GET = 1;
export const TCP_METRICS_CMD_DEL = 2;

/** struct inetpeer_addr: an IPv4 (4 bytes) or IPv6 (16 bytes) address. */
type InetpeerAddr = Uint8Array;

/** struct tcp_metrics_block, the keys a lookup compares. */
interface TcpMetricsBlock {
  readonly tcpm_saddr: InetpeerAddr;
  readonly tcpm_daddr: InetpeerAddr;
}

/**
 * The namespace's entries of tcp_metrics_hash. Only TCP (tcp_update_metrics, tcp_init_metrics)
 * adds entries, and the model has none, so this stays empty.
 */
const tcp_metrics_nets = new WeakMap<Net, TcpMetricsBlock[]>();
const tcp_metrics_of = (net: Net): TcpMetricsBlock[] => tcp_metrics_nets.get(net) ?? [];

/**
 * __parse_nl_addr(info, addr, optional, v4, v6): 0 with the address of attribute `v4` or `v6`
 * (v4 first), 1 when neither is there and `optional`, else −EAFNOSUPPORT.
 */
const __parse_nl_addr = (
  info: GenlInfo,
  optional: boolean,
  v4: number,
  v6: number,
): { readonly ret: number; readonly addr: InetpeerAddr | null } => {
  const a4 = info.attrs?.[v4];
  if (a4 !== undefined) return { ret: 0, addr: a4.data.slice(0, 4) };
  const a6 = info.attrs?.[v6];
  if (a6 !== undefined) {
    if (a6.data.length !== 16) return { ret: -ERRNO.EINVAL, addr: null };
    return { ret: 0, addr: a6.data.slice(0, 16) };
  }
  return { ret: optional ? 1 : -ERRNO.EAFNOSUPPORT, addr: null };
};

/** parse_nl_addr: the destination */
const parse_nl_addr = (info: GenlInfo, optional: boolean) =>
  __parse_nl_addr(info, optional, TCP_METRICS_ATTR_ADDR_IPV4, TCP_METRICS_ATTR_ADDR_IPV6);
/** parse_nl_saddr: the source (always optional; absent matches any source) */
const parse_nl_saddr = (info: GenlInfo) =>
  __parse_nl_addr(info, false, TCP_METRICS_ATTR_SADDR_IPV4, TCP_METRICS_ATTR_SADDR_IPV6);

const addr_same = (a: InetpeerAddr, b: InetpeerAddr): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The entries of `net` for daddr (and saddr when given), as the hash chain walk finds them. */
const tcp_metrics_find = (net: Net, daddr: InetpeerAddr, saddr: InetpeerAddr | null): TcpMetricsBlock[] =>
  tcp_metrics_of(net).filter(
    (tm) => addr_same(tm.tcpm_daddr, daddr) && (saddr === null || addr_same(tm.tcpm_saddr, saddr)),
  );

/**
 * tcp_metrics_nl_cmd_get: the destination is required (−EAFNOSUPPORT), a missing entry is −ESRCH.
 * Entries exist only where TCP runs; the model has none to fill a reply from.
 */
export const tcp_metrics_nl_cmd_get = (_skb: SkBuff, info: GenlInfo): number => {
  const d = parse_nl_addr(info, false);
  if (d.ret < 0) return d.ret;
  const s = parse_nl_saddr(info);
  if (tcp_metrics_find(info.net, d.addr!, s.ret < 0 ? null : s.addr).length === 0) return -ERRNO.ESRCH;
  info.net.kernel?.printk(`${KERN_NOTICE}nlsim: tcp_metrics_fill_info is not modelled`);
  return -ERRNO.EOPNOTSUPP;
};

/** tcp_metrics_nl_dump: every entry of the namespace; an empty cache dumps nothing. */
export const tcp_metrics_nl_dump = (skb: SkBuff, _cb: NetlinkCallback): number => {
  const net = (skb.owner as NetlinkSock).net;
  if (tcp_metrics_of(net).length > 0) {
    net.kernel?.printk(`${KERN_NOTICE}nlsim: tcp_metrics_dump_info is not modelled`);
    return -ERRNO.EOPNOTSUPP;
  }
  return skb.len;
};

/** tcp_metrics_flush_all(net): drop every entry of the namespace. */
const tcp_metrics_flush_all = (net: Net): void => {
  tcp_metrics_of(net).length = 0;
};

/**
 * tcp_metrics_nl_cmd_del: without a destination flush the namespace's entries (0); else delete
 * the entries of that destination (and source, when given), −ESRCH when there are none.
 */
export const tcp_metrics_nl_cmd_del = (_skb: SkBuff, info: GenlInfo): number => {
  const d = parse_nl_addr(info, true);
  if (d.ret < 0) return d.ret;
  if (d.ret > 0) {
    tcp_metrics_flush_all(info.net);
    return 0;
  }
  const s = parse_nl_saddr(info);
  const found = tcp_metrics_find(info.net, d.addr!, s.ret < 0 ? null : s.addr);
  if (found.length === 0) return -ERRNO.ESRCH;
  const all = tcp_metrics_of(info.net);
  for (const tm of found) all.splice(all.indexOf(tm), 1);
  return 0;
};

/** tcp_metrics_nl_ops: the handlers the model implements. */
export const tcp_metrics_genl_handlers: GenlFamilyHandlers = {
  [TCP_METRICS_CMD_GET]: { doit: tcp_metrics_nl_cmd_get, dumpit: tcp_metrics_nl_dump },
  [TCP_METRICS_CMD_DEL]: { doit: tcp_metrics_nl_cmd_del },
};
