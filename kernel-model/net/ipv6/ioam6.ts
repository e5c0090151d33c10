// net/ipv6/ioam6.c, the IOAM6 generic netlink family's handlers: the namespace's IOAM namespaces
// and schemas (ioam6_pernet_data.namespaces / .schemas), added, deleted, dumped and linked
// (IOAM6_CMD_NS_SET_SCHEMA). The family's ops, flags and per-op policies come from the kernel
// profile. The kernel keeps both in rhashtables whose walk order follows a random hash seed; the
// model walks them in insertion order, which is the kernel's order whenever a table holds one entry.
import { ERRNO, NLM_F_MULTI } from "../../uapi/index.js";
import type { GenlFamilyHandlers, GenlInfo } from "../genetlink/family.js";
import { genl_info_dump, genlmsg_cancel, genlmsg_end, genlmsg_put } from "../genetlink/genetlink.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import {
  nla_get_u16,
  nla_get_u32,
  nla_get_u64,
  nla_put,
  nla_put_u16,
  nla_put_u32,
  nla_put_u64_64bit,
} from "../netlink/nlmsg.js";
import type { SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";

// include/uapi/linux/ioam6_genl.h
export const IOAM6_ATTR_NS_ID = 1;
export const IOAM6_ATTR_NS_DATA = 2;
export const IOAM6_ATTR_NS_DATA_WIDE = 3;
export const IOAM6_ATTR_SC_ID = 4;
export const IOAM6_ATTR_SC_DATA = 5;
export const IOAM6_ATTR_SC_NONE = 6;
export const IOAM6_ATTR_PAD = 7;
export const IOAM6_CMD_ADD_NAMESPACE = 1;
export const IOAM6_CMD_DEL_NAMESPACE = 2;
export const IOAM6_CMD_DUMP_NAMESPACES = 3;
export const IOAM6_CMD_ADD_SCHEMA = 4;
export const IOAM6_CMD_DEL_SCHEMA = 5;
export const IOAM6_CMD_DUMP_SCHEMAS = 6;
export const IOAM6_CMD_NS_SET_SCHEMA = 7;
// include/uapi/linux/ioam6.h
const IOAM6_U32_UNAVAILABLE = 0xffffffff;
const IOAM6_U64_UNAVAILABLE = 0xffffffffffffffffn;

/** struct ioam6_namespace */
interface Ioam6Namespace {
  readonly id: number;
  readonly data: number;
  readonly data_wide: bigint;
  schema: Ioam6Schema | null;
}

/** struct ioam6_schema: `data` is the attribute's bytes zero-padded to `len` = ALIGN(len, 4). */
interface Ioam6Schema {
  readonly id: number;
  readonly data: Uint8Array;
  ns: Ioam6Namespace | null;
}

/** struct ioam6_pernet_data */
interface Ioam6PernetData {
  readonly namespaces: Map<number, Ioam6Namespace>;
  readonly schemas: Map<number, Ioam6Schema>;
}

const ioam6_nets = new WeakMap<Net, Ioam6PernetData>();

/** ioam6_pernet(net), created empty as ioam6_net_init does. */
export const ioam6_pernet = (net: Net): Ioam6PernetData => {
  let d = ioam6_nets.get(net);
  if (d === undefined) {
    d = { namespaces: new Map(), schemas: new Map() };
    ioam6_nets.set(net, d);
  }
  return d;
};

const attr_u16 = (info: GenlInfo, t: number): number | undefined => {
  const a = info.attrs?.[t];
  return a === undefined ? undefined : nla_get_u16(a);
};
const attr_u32 = (info: GenlInfo, t: number): number | undefined => {
  const a = info.attrs?.[t];
  return a === undefined ? undefined : nla_get_u32(a);
};
const attr_u64 = (info: GenlInfo, t: number): bigint | undefined => {
  const a = info.attrs?.[t];
  return a === undefined ? undefined : nla_get_u64(a);
};

/** ioam6_genl_addns: −EINVAL without IOAM6_ATTR_NS_ID, −EEXIST when taken; data absent = unavailable. */
export const ioam6_genl_addns = (_skb: SkBuff, info: GenlInfo): number => {
  const id = attr_u16(info, IOAM6_ATTR_NS_ID);
  if (id === undefined) return -ERRNO.EINVAL;
  const nsdata = ioam6_pernet(info.net);
  if (nsdata.namespaces.has(id)) return -ERRNO.EEXIST;
  nsdata.namespaces.set(id, {
    id,
    data: attr_u32(info, IOAM6_ATTR_NS_DATA) ?? IOAM6_U32_UNAVAILABLE,
    data_wide: attr_u64(info, IOAM6_ATTR_NS_DATA_WIDE) ?? IOAM6_U64_UNAVAILABLE,
    schema: null,
  });
  return 0;
};

/** ioam6_genl_delns: −EINVAL without the id, −ENOENT when absent; its schema is unlinked. */
export const ioam6_genl_delns = (_skb: SkBuff, info: GenlInfo): number => {
  const id = attr_u16(info, IOAM6_ATTR_NS_ID);
  if (id === undefined) return -ERRNO.EINVAL;
  const nsdata = ioam6_pernet(info.net);
  const ns = nsdata.namespaces.get(id);
  if (ns === undefined) return -ERRNO.ENOENT;
  nsdata.namespaces.delete(id);
  if (ns.schema !== null) ns.schema.ns = null;
  return 0;
};

/** ioam6_genl_addsc: −EINVAL without id or data, −EEXIST when taken; the data is kept 4-byte aligned. */
export const ioam6_genl_addsc = (_skb: SkBuff, info: GenlInfo): number => {
  const id = attr_u32(info, IOAM6_ATTR_SC_ID);
  const a = info.attrs?.[IOAM6_ATTR_SC_DATA];
  if (id === undefined || a === undefined) return -ERRNO.EINVAL;
  const nsdata = ioam6_pernet(info.net);
  if (nsdata.schemas.has(id)) return -ERRNO.EEXIST;
  const data = new Uint8Array((a.data.length + 3) & ~3);
  data.set(a.data);
  nsdata.schemas.set(id, { id, data, ns: null });
  return 0;
};

/** ioam6_genl_delsc: −EINVAL without the id, −ENOENT when absent; its namespace is unlinked. */
export const ioam6_genl_delsc = (_skb: SkBuff, info: GenlInfo): number => {
  const id = attr_u32(info, IOAM6_ATTR_SC_ID);
  if (id === undefined) return -ERRNO.EINVAL;
  const nsdata = ioam6_pernet(info.net);
  const sc = nsdata.schemas.get(id);
  if (sc === undefined) return -ERRNO.ENOENT;
  nsdata.schemas.delete(id);
  if (sc.ns !== null) sc.ns.schema = null;
  return 0;
};

/**
 * ioam6_genl_ns_set_schema: −EINVAL without NS_ID or without both SC_ID and SC_NONE, −ENOENT for
 * an absent namespace or schema. The namespace's old schema and the schema's old namespace lose
 * their link; SC_NONE just unlinks.
 */
export const ioam6_genl_ns_set_schema = (_skb: SkBuff, info: GenlInfo): number => {
  const ns_id = attr_u16(info, IOAM6_ATTR_NS_ID);
  const sc_none = info.attrs?.[IOAM6_ATTR_SC_NONE] !== undefined;
  const sc_id = attr_u32(info, IOAM6_ATTR_SC_ID);
  if (ns_id === undefined || (sc_id === undefined && !sc_none)) return -ERRNO.EINVAL;
  const nsdata = ioam6_pernet(info.net);
  const ns = nsdata.namespaces.get(ns_id);
  if (ns === undefined) return -ERRNO.ENOENT;
  let sc: Ioam6Schema | null = null;
  if (!sc_none) {
    sc = nsdata.schemas.get(sc_id!) ?? null;
    if (sc === null) return -ERRNO.ENOENT;
  }
  if (ns.schema !== null) ns.schema.ns = null;
  ns.schema = sc;
  if (sc !== null) {
    if (sc.ns !== null) sc.ns.schema = null;
    sc.ns = ns;
  }
  return 0;
};

/** __ioam6_genl_dumpns_element: NS_ID, NS_DATA / NS_DATA_WIDE when available, SC_ID when linked. */
const __ioam6_genl_dumpns_element = (ns: Ioam6Namespace, skb: SkBuff, cb: NetlinkCallback): number => {
  const hdr = genlmsg_put(
    skb,
    cb.skb.cb.portid,
    cb.nlh.nlmsg_seq,
    genl_info_dump(cb).family,
    NLM_F_MULTI,
    IOAM6_CMD_DUMP_NAMESPACES,
  );
  if (hdr === null) return -ERRNO.ENOMEM;
  if (
    nla_put_u16(skb, IOAM6_ATTR_NS_ID, ns.id) ||
    (ns.data !== IOAM6_U32_UNAVAILABLE && nla_put_u32(skb, IOAM6_ATTR_NS_DATA, ns.data)) ||
    (ns.data_wide !== IOAM6_U64_UNAVAILABLE &&
      nla_put_u64_64bit(skb, IOAM6_ATTR_NS_DATA_WIDE, ns.data_wide, IOAM6_ATTR_PAD)) ||
    (ns.schema !== null && nla_put_u32(skb, IOAM6_ATTR_SC_ID, ns.schema.id))
  ) {
    genlmsg_cancel(skb, hdr);
    return -ERRNO.EMSGSIZE;
  }
  genlmsg_end(skb, hdr);
  return 0;
};

/** __ioam6_genl_dumpsc_element: SC_ID, SC_DATA (aligned length), NS_ID when linked. */
const __ioam6_genl_dumpsc_element = (sc: Ioam6Schema, skb: SkBuff, cb: NetlinkCallback): number => {
  const hdr = genlmsg_put(
    skb,
    cb.skb.cb.portid,
    cb.nlh.nlmsg_seq,
    genl_info_dump(cb).family,
    NLM_F_MULTI,
    IOAM6_CMD_DUMP_SCHEMAS,
  );
  if (hdr === null) return -ERRNO.ENOMEM;
  if (
    nla_put_u32(skb, IOAM6_ATTR_SC_ID, sc.id) ||
    nla_put(skb, IOAM6_ATTR_SC_DATA, sc.data) ||
    (sc.ns !== null && nla_put_u16(skb, IOAM6_ATTR_NS_ID, sc.ns.id))
  ) {
    genlmsg_cancel(skb, hdr);
    return -ERRNO.EMSGSIZE;
  }
  genlmsg_end(skb, hdr);
  return 0;
};

/**
 * The rhashtable walk of ioam6_genl_dumpns / ioam6_genl_dumpsc: cb.args[0] is the iterator's
 * position, the count of entries rhashtable_walk_next has returned. An element that does not fit
 * ends the round with its error (−EMSGSIZE: netlink_dump sends what the skb holds and calls again),
 * and since the iterator has already moved past it, the next round goes on after it: the kernel's
 * dump leaves that element out (measured on 6.18.44: 40 schemas of 1,020 bytes dump as 30 + 9).
 */
const ioam6_dump_walk = <T>(
  entries: Iterable<T>,
  fill: (e: T, skb: SkBuff, cb: NetlinkCallback) => number,
  skb: SkBuff,
  cb: NetlinkCallback,
): number => {
  let n = 0;
  for (const e of entries) {
    if (n++ < cb.args[0]!) continue;
    cb.args[0] = n;
    const err = fill(e, skb, cb);
    if (err) return err;
  }
  return skb.len;
};

const dump_net = (skb: SkBuff): Net => (skb.owner as NetlinkSock).net;

/** ioam6_genl_dumpns */
export const ioam6_genl_dumpns = (skb: SkBuff, cb: NetlinkCallback): number =>
  ioam6_dump_walk(ioam6_pernet(dump_net(skb)).namespaces.values(), __ioam6_genl_dumpns_element, skb, cb);

/** ioam6_genl_dumpsc */
export const ioam6_genl_dumpsc = (skb: SkBuff, cb: NetlinkCallback): number =>
  ioam6_dump_walk(ioam6_pernet(dump_net(skb)).schemas.values(), __ioam6_genl_dumpsc_element, skb, cb);

/** ioam6_genl_ops: the handlers the model implements. */
export const ioam6_genl_handlers: GenlFamilyHandlers = {
  [IOAM6_CMD_ADD_NAMESPACE]: { doit: ioam6_genl_addns },
  [IOAM6_CMD_DEL_NAMESPACE]: { doit: ioam6_genl_delns },
  [IOAM6_CMD_DUMP_NAMESPACES]: { dumpit: ioam6_genl_dumpns },
  [IOAM6_CMD_ADD_SCHEMA]: { doit: ioam6_genl_addsc },
  [IOAM6_CMD_DEL_SCHEMA]: { doit: ioam6_genl_delsc },
  [IOAM6_CMD_DUMP_SCHEMAS]: { dumpit: ioam6_genl_dumpsc },
  [IOAM6_CMD_NS_SET_SCHEMA]: { doit: ioam6_genl_ns_set_schema },
};
