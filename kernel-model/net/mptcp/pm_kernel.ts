// net/mptcp/pm_kernel.c, the in-kernel path manager's netlink side: the namespace's endpoints
// (pm_nl_pernet.local_addr_list, id_bitmap, next_id, the counters) and limits, and the mptcp_pm
// commands that read and change them. The model has no MPTCP sockets, so what the kernel then does
// to running connections (mptcp_nl_add_subflow_or_signal_addr, …, which walk the namespace's msk
// tokens) has nothing to act on. Endpoints with a port need a listening MPTCP socket
// (mptcp_pm_nl_create_listen_socket), and requests with MPTCP_PM_ATTR_TOKEN go to the userspace
// path manager (pm_userspace.c): both are logged and refused as not modelled.
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO, type NlAttr } from "../../uapi/index.js";
import type { GenlInfo } from "../genetlink/family.js";
import {
  GENL_REQ_ATTR_CHECK,
  genl_info_dump,
  genlmsg_end,
  genlmsg_put,
  genlmsg_reply,
} from "../genetlink/genetlink.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import { NL_SET_ERR_MSG_ATTR, nla_get_u32, nla_put_u32, nlmsg_new } from "../netlink/nlmsg.js";
import { kfree_skb, NLMSG_DEFAULT_SIZE, type SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import {
  AF_UNSPEC,
  MPTCP_PM_ADDR_FLAG_BACKUP,
  MPTCP_PM_ADDR_FLAG_FULLMESH,
  MPTCP_PM_ADDR_FLAG_IMPLICIT,
  MPTCP_PM_ADDR_FLAG_SIGNAL,
  MPTCP_PM_ADDR_FLAG_SUBFLOW,
  MPTCP_PM_ATTR_ADDR,
  MPTCP_PM_ATTR_RCV_ADD_ADDRS,
  MPTCP_PM_ATTR_SUBFLOWS,
  MPTCP_PM_ATTR_TOKEN,
  MPTCP_PM_CMD_GET_LIMITS,
  MPTCP_PM_ENDPOINT_ADDR,
  type MptcpPmAddrEntry,
  mptcp_addresses_equal,
  mptcp_nl_fill_addr,
  mptcp_pm_genl_fill_addr,
  mptcp_pm_has_addr_attr_id,
  mptcp_pm_parse_entry,
} from "./pm_netlink.js";

/** MPTCP_PM_MAX_ADDR_ID = U8_MAX */
const MPTCP_PM_MAX_ADDR_ID = 255;
/** MPTCP_PM_ADDR_MAX: the most endpoints and the highest limit */
export const MPTCP_PM_ADDR_MAX = 8;

/** struct pm_nl_pernet */
interface PmNlPernet {
  readonly local_addr_list: MptcpPmAddrEntry[];
  addrs: number;
  add_addr_signal_max: number;
  add_addr_accept_max: number;
  local_addr_max: number;
  subflows_max: number;
  next_id: number;
  /** id_bitmap, MPTCP_PM_MAX_ADDR_ID + 1 bits */
  readonly id_bitmap: boolean[];
}

const pm_nl_nets = new WeakMap<Net, PmNlPernet>();

/** pm_nl_get_pernet(net), initialised as pm_nl_init_net does: 2 subflows, next_id 1. */
export const pm_nl_get_pernet = (net: Net): PmNlPernet => {
  let p = pm_nl_nets.get(net);
  if (p === undefined) {
    p = {
      local_addr_list: [],
      addrs: 0,
      add_addr_signal_max: 0,
      add_addr_accept_max: 0,
      local_addr_max: 0,
      subflows_max: 2,
      next_id: 1,
      id_bitmap: Array.from({ length: MPTCP_PM_MAX_ADDR_ID + 1 }, () => false),
    };
    pm_nl_nets.set(net, p);
  }
  return p;
};

const not_modelled = (net: Net, what: string): number => {
  net.kernel?.printk(`${KERN_NOTICE}nlsim: mptcp_pm ${what} is not modelled`);
  return -ERRNO.EOPNOTSUPP;
};

/** __lookup_addr_by_id */
const __lookup_addr_by_id = (pernet: PmNlPernet, id: number): MptcpPmAddrEntry | undefined =>
  pernet.local_addr_list.find((e) => e.addr.id === id);

/** __lookup_addr: by address (and port when the endpoint has one) */
const __lookup_addr = (pernet: PmNlPernet, info: MptcpPmAddrEntry["addr"]): MptcpPmAddrEntry | undefined =>
  pernet.local_addr_list.find((e) => mptcp_addresses_equal(e.addr, info, e.addr.port !== 0));

/** address_use_port: a signal-only endpoint is told apart by its port */
const address_use_port = (entry: MptcpPmAddrEntry): boolean =>
  (entry.flags & (MPTCP_PM_ADDR_FLAG_SIGNAL | MPTCP_PM_ADDR_FLAG_SUBFLOW)) === MPTCP_PM_ADDR_FLAG_SIGNAL;

/** find_next_zero_bit(id_bitmap, MPTCP_PM_MAX_ADDR_ID + 1, from): MPTCP_PM_MAX_ADDR_ID + 1 when none */
const find_next_zero_bit = (bitmap: boolean[], from: number): number => {
  for (let i = from; i <= MPTCP_PM_MAX_ADDR_ID; i++) if (!bitmap[i]) return i;
  return MPTCP_PM_MAX_ADDR_ID + 1;
};

/**
 * mptcp_pm_nl_append_new_local_addr(pernet, entry, needs_id, replace): the endpoint's id, or
 * −ERANGE (MPTCP_PM_ADDR_MAX endpoints), −EBUSY (id taken), −EEXIST (address taken by an explicit
 * endpoint), −EINVAL (no free id). An implicit endpoint of the same address is replaced.
 */
const mptcp_pm_nl_append_new_local_addr = (pernet: PmNlPernet, entry: MptcpPmAddrEntry, needs_id: boolean): number => {
  if (pernet.next_id === MPTCP_PM_MAX_ADDR_ID) pernet.next_id = 1;
  if (pernet.addrs >= MPTCP_PM_ADDR_MAX) return -ERRNO.ERANGE;
  if (pernet.id_bitmap[entry.addr.id]) return -ERRNO.EBUSY;
  if (!address_use_port(entry)) entry.addr.port = 0;
  const list = pernet.local_addr_list;
  for (let i = 0; i < list.length; i++) {
    const cur = list[i]!;
    if (!mptcp_addresses_equal(cur.addr, entry.addr, cur.addr.port !== 0 || entry.addr.port !== 0)) continue;
    if (!(cur.flags & MPTCP_PM_ADDR_FLAG_IMPLICIT)) return -ERRNO.EEXIST;
    if (entry.addr.id) return -ERRNO.EINVAL;
    pernet.addrs--;
    entry.addr.id = cur.addr.id;
    list.splice(i, 1);
    break;
  }
  if (!entry.addr.id && needs_id) {
    entry.addr.id = find_next_zero_bit(pernet.id_bitmap, pernet.next_id) & 0xff;
    if (!entry.addr.id && pernet.next_id !== 1) {
      pernet.next_id = 1;
      entry.addr.id = find_next_zero_bit(pernet.id_bitmap, pernet.next_id) & 0xff;
    }
  }
  if (!entry.addr.id && needs_id) return -ERRNO.EINVAL;
  pernet.id_bitmap[entry.addr.id] = true;
  if (entry.addr.id > pernet.next_id) pernet.next_id = entry.addr.id;
  if (entry.flags & MPTCP_PM_ADDR_FLAG_SIGNAL) pernet.add_addr_signal_max++;
  if (entry.flags & MPTCP_PM_ADDR_FLAG_SUBFLOW) pernet.local_addr_max++;
  pernet.addrs++;
  // endpoints with a port go first (list_add_rcu), the others last
  if (!entry.addr.port) list.push(entry);
  else list.unshift(entry);
  return entry.addr.id;
};

/** mptcp_pm_nl_add_addr_doit: checks the endpoint's flags, then appends it. */
export const mptcp_pm_nl_add_addr_doit = (_skb: SkBuff, info: GenlInfo): number => {
  if (GENL_REQ_ATTR_CHECK(info, MPTCP_PM_ENDPOINT_ADDR)) return -ERRNO.EINVAL;
  const attr = info.attrs![MPTCP_PM_ENDPOINT_ADDR]!;
  const entry = mptcp_pm_parse_entry(attr, info, true);
  if (typeof entry === "number") return entry;
  if (entry.addr.port && !address_use_port(entry)) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "flags must have signal and not subflow when using port");
    return -ERRNO.EINVAL;
  }
  if (entry.flags & MPTCP_PM_ADDR_FLAG_SIGNAL && entry.flags & MPTCP_PM_ADDR_FLAG_FULLMESH) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "flags mustn't have both signal and fullmesh");
    return -ERRNO.EINVAL;
  }
  if (entry.flags & MPTCP_PM_ADDR_FLAG_IMPLICIT) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "can't create IMPLICIT endpoint");
    return -ERRNO.EINVAL;
  }
  if (entry.addr.port) return not_modelled(info.net, "mptcp_pm_nl_create_listen_socket");
  const ret = mptcp_pm_nl_append_new_local_addr(pm_nl_get_pernet(info.net), entry, !mptcp_pm_has_addr_attr_id(attr));
  if (ret < 0) {
    if (info.extack !== null) info.extack.msg = `too many addresses or duplicate one: ${ret}`;
    return ret;
  }
  return 0;
};

/**
 * mptcp_pm_nl_del_addr_doit: by id; id 0 names the first address of each connection
 * (mptcp_nl_remove_id_zero_address: no connection here, nothing to do); an absent id is −EINVAL.
 */
export const mptcp_pm_nl_del_addr_doit = (_skb: SkBuff, info: GenlInfo): number => {
  if (GENL_REQ_ATTR_CHECK(info, MPTCP_PM_ENDPOINT_ADDR)) return -ERRNO.EINVAL;
  const attr = info.attrs![MPTCP_PM_ENDPOINT_ADDR]!;
  const addr = mptcp_pm_parse_entry(attr, info, false);
  if (typeof addr === "number") return addr;
  if (addr.addr.id === 0) return 0;
  const pernet = pm_nl_get_pernet(info.net);
  const entry = __lookup_addr_by_id(pernet, addr.addr.id);
  if (entry === undefined) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "address not found");
    return -ERRNO.EINVAL;
  }
  if (entry.flags & MPTCP_PM_ADDR_FLAG_SIGNAL) pernet.add_addr_signal_max--;
  if (entry.flags & MPTCP_PM_ADDR_FLAG_SUBFLOW) pernet.local_addr_max--;
  pernet.addrs--;
  pernet.local_addr_list.splice(pernet.local_addr_list.indexOf(entry), 1);
  pernet.id_bitmap[entry.addr.id] = false;
  return 0;
};

/**
 * mptcp_pm_nl_flush_addrs_doit: every endpoint goes, the endpoint counters reset, ids start at 1
 * again. The limits stay: 6.18's __reset_counters no longer resets add_addr_accept_max (the
 * "flush: do not reset ADD_ADDR limit" fix; measured on 6.18.44).
 */
export const mptcp_pm_nl_flush_addrs_doit = (_skb: SkBuff, info: GenlInfo): number => {
  const pernet = pm_nl_get_pernet(info.net);
  pernet.local_addr_list.length = 0;
  // __reset_counters
  pernet.add_addr_signal_max = 0;
  pernet.local_addr_max = 0;
  pernet.addrs = 0;
  pernet.next_id = 1;
  pernet.id_bitmap.fill(false);
  return 0;
};

/** mptcp_pm_nl_get_addr_doit (pm_netlink.c) with mptcp_pm_nl_get_addr: the endpoint of the nest's id. */
export const mptcp_pm_nl_get_addr_doit = (_skb: SkBuff, info: GenlInfo): number => {
  if (GENL_REQ_ATTR_CHECK(info, MPTCP_PM_ENDPOINT_ADDR)) return -ERRNO.EINVAL;
  const attr = info.attrs![MPTCP_PM_ENDPOINT_ADDR]!;
  const addr = mptcp_pm_parse_entry(attr, info, false);
  if (typeof addr === "number") return addr;
  if (info.attrs![MPTCP_PM_ATTR_TOKEN] !== undefined) return not_modelled(info.net, "mptcp_userspace_pm_get_addr");
  const msg = nlmsg_new(NLMSG_DEFAULT_SIZE);
  // genlmsg_put_reply
  const reply = genlmsg_put(msg, info.snd_portid, info.snd_seq, info.family, 0, info.genlhdr.cmd);
  if (reply === null) {
    if (info.extack !== null) info.extack.msg = "not enough space in Netlink message";
    kfree_skb(msg);
    return -ERRNO.EMSGSIZE;
  }
  // mptcp_pm_nl_get_addr
  const entry = __lookup_addr_by_id(pm_nl_get_pernet(info.net), addr.addr.id);
  if (entry === undefined) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "address not found");
    kfree_skb(msg);
    return -ERRNO.EINVAL;
  }
  const ret = mptcp_nl_fill_addr(msg, entry);
  if (ret) {
    kfree_skb(msg);
    return ret;
  }
  genlmsg_end(msg, reply);
  return genlmsg_reply(msg, info);
};

/**
 * mptcp_pm_nl_get_addr_dumpit → mptcp_pm_nl_dump_addr: the endpoints in id order from the id
 * after cb.args[0] (the last one sent), until one does not fit.
 */
export const mptcp_pm_nl_get_addr_dumpit = (msg: SkBuff, cb: NetlinkCallback): number => {
  const net = (msg.owner as NetlinkSock).net;
  if (genl_info_dump(cb).attrs?.[MPTCP_PM_ATTR_TOKEN] !== undefined)
    return not_modelled(net, "mptcp_userspace_pm_dump_addr");
  const pernet = pm_nl_get_pernet(net);
  let id = cb.args[0]!;
  for (let i = id; i < MPTCP_PM_MAX_ADDR_ID + 1; i++) {
    if (!pernet.id_bitmap[i]) continue;
    const entry = __lookup_addr_by_id(pernet, i);
    if (entry === undefined) break;
    if (entry.addr.id <= id) continue;
    if (mptcp_pm_genl_fill_addr(msg, cb, entry) < 0) break;
    id = entry.addr.id;
  }
  cb.args[0] = id;
  return msg.len;
};

/** parse_limit: an absent attribute keeps the value; above MPTCP_PM_ADDR_MAX is −EINVAL. */
const parse_limit = (info: GenlInfo, id: number, limit: number): { readonly err: number; readonly limit: number } => {
  const attr: NlAttr | undefined = info.attrs?.[id];
  if (attr === undefined) return { err: 0, limit };
  const v = nla_get_u32(attr);
  if (v > MPTCP_PM_ADDR_MAX) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, `limit greater than maximum (${MPTCP_PM_ADDR_MAX})`);
    return { err: -ERRNO.EINVAL, limit };
  }
  return { err: 0, limit: v };
};

/** mptcp_pm_nl_set_limits_doit: both limits change together or not at all. */
export const mptcp_pm_nl_set_limits_doit = (_skb: SkBuff, info: GenlInfo): number => {
  const pernet = pm_nl_get_pernet(info.net);
  const rcv = parse_limit(info, MPTCP_PM_ATTR_RCV_ADD_ADDRS, pernet.add_addr_accept_max);
  if (rcv.err) return rcv.err;
  const sub = parse_limit(info, MPTCP_PM_ATTR_SUBFLOWS, pernet.subflows_max);
  if (sub.err) return sub.err;
  pernet.add_addr_accept_max = rcv.limit;
  pernet.subflows_max = sub.limit;
  return 0;
};

/** mptcp_pm_nl_get_limits_doit: MPTCP_PM_ATTR_RCV_ADD_ADDRS and MPTCP_PM_ATTR_SUBFLOWS. */
export const mptcp_pm_nl_get_limits_doit = (_skb: SkBuff, info: GenlInfo): number => {
  const pernet = pm_nl_get_pernet(info.net);
  const msg = nlmsg_new(NLMSG_DEFAULT_SIZE);
  const reply = genlmsg_put(msg, info.snd_portid, info.snd_seq, info.family, 0, MPTCP_PM_CMD_GET_LIMITS);
  if (
    reply === null ||
    nla_put_u32(msg, MPTCP_PM_ATTR_RCV_ADD_ADDRS, pernet.add_addr_accept_max) ||
    nla_put_u32(msg, MPTCP_PM_ATTR_SUBFLOWS, pernet.subflows_max)
  ) {
    if (info.extack !== null) info.extack.msg = "not enough space in Netlink message";
    kfree_skb(msg);
    return -ERRNO.EMSGSIZE;
  }
  genlmsg_end(msg, reply);
  return genlmsg_reply(msg, info);
};

/**
 * mptcp_pm_nl_set_flags_doit (pm_netlink.c mptcp_pm_set_flags → mptcp_pm_nl_set_flags): the
 * endpoint by address, or by id when the nest has no family (id 0: −EOPNOTSUPP); only BACKUP and
 * FULLMESH change, and FULLMESH not on a signal or implicit endpoint.
 */
export const mptcp_pm_nl_set_flags_doit = (_skb: SkBuff, info: GenlInfo): number => {
  if (GENL_REQ_ATTR_CHECK(info, MPTCP_PM_ATTR_ADDR)) return -ERRNO.EINVAL;
  const attr = info.attrs![MPTCP_PM_ATTR_ADDR]!;
  const local = mptcp_pm_parse_entry(attr, info, false);
  if (typeof local === "number") return local;
  if (info.attrs![MPTCP_PM_ATTR_TOKEN] !== undefined) return not_modelled(info.net, "mptcp_userspace_pm_set_flags");
  const mask = MPTCP_PM_ADDR_FLAG_BACKUP | MPTCP_PM_ADDR_FLAG_FULLMESH;
  const pernet = pm_nl_get_pernet(info.net);
  const by_id = local.addr.family === AF_UNSPEC;
  if (by_id && !local.addr.id) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "missing address ID");
    return -ERRNO.EOPNOTSUPP;
  }
  const entry = by_id ? __lookup_addr_by_id(pernet, local.addr.id) : __lookup_addr(pernet, local.addr);
  if (entry === undefined) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "address not found");
    return -ERRNO.EINVAL;
  }
  if (
    local.flags & MPTCP_PM_ADDR_FLAG_FULLMESH &&
    entry.flags & (MPTCP_PM_ADDR_FLAG_SIGNAL | MPTCP_PM_ADDR_FLAG_IMPLICIT)
  ) {
    NL_SET_ERR_MSG_ATTR(info.extack, attr, "invalid addr flags");
    return -ERRNO.EINVAL;
  }
  entry.flags = (entry.flags & ~mask) | (local.flags & mask);
  return 0;
};
