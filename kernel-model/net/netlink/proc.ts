// net/netlink/af_netlink.c: /proc/net/netlink (netlink_seq_show, 6.x format). Lists what the
// protocol hashes hold: bound user sockets and kernel sockets (port id 0).
import { proc_create, proc_mkdir } from "../../fs/proc/generic.js";
import { type SeqFile, seq_lseek, seq_puts, seq_read, single_open, single_release } from "../../fs/seq_file.js";
import type { NetlinkSock } from "./sock.js";
import type { Net } from "./table.js";

/** One /proc/net/netlink row as data. */
export interface ProcNetlinkRow {
  /** the %pK column: a stable pseudo address */
  readonly sk: string;
  readonly protocol: number;
  readonly portid: number;
  /** low 32 membership bits */
  readonly groups: number;
  readonly rmem: number;
  readonly wmem: number;
  /** 1 while a dump runs */
  readonly dump: number;
  /** sk_refcnt */
  readonly locks: number;
  readonly drops: number;
  readonly inode: number;
  /** the socket itself, for programs that map rows back */
  readonly socket: NetlinkSock;
}

export const PROC_NET_NETLINK_HEADER =
  "sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode";

/** A deterministic stand-in for the hashed kernel pointer %pK prints (16 hex digits). */
const pseudoAddress = (sk: NetlinkSock): string =>
  `ffff8880${(0x01000000 + sk.sk_index * 0x800).toString(16).padStart(8, "0")}`;

/** The rows in walk order: protocol by protocol, each hash in insertion order. */
export const netlink_proc_rows = (net: Net): ProcNetlinkRow[] => {
  const rows: ProcNetlinkRow[] = [];
  for (let protocol = 0; protocol < net.nl_table.length; protocol++) {
    for (const sk of net.nl_table[protocol]!.hash.values()) {
      rows.push({
        sk: pseudoAddress(sk),
        protocol,
        portid: sk.portid >>> 0,
        groups: sk.groups !== null ? sk.groups[0]! >>> 0 : 0,
        rmem: sk.sk_rmem_alloc,
        wmem: 0,
        dump: sk.cb_running ? 1 : 0,
        locks: sk.sk_refcnt,
        drops: sk.sk_drops >>> 0,
        inode: sk.ino,
        socket: sk,
      });
    }
  }
  return rows;
};

const left = (v: string | number, width: number): string => String(v).padEnd(width, " ");

/** netlink_seq_show: the file's text, "%pK %-3d %-10u %08x %-8d %-8d %-5d %-8d %-8u %-8lu\n" per row. */
export const netlink_seq_show = (net: Net): string => {
  let out = `${PROC_NET_NETLINK_HEADER}\n`;
  for (const r of netlink_proc_rows(net)) {
    out +=
      `${r.sk} ${left(r.protocol, 3)} ${left(r.portid, 10)} ${r.groups.toString(16).padStart(8, "0")} ` +
      `${left(r.rmem, 8)} ${left(r.wmem, 8)} ${left(r.dump, 5)} ${left(r.locks, 8)} ${left(r.drops, 8)} ${left(r.inode, 8)}\n`;
  }
  return out;
};

/**
 * netlink_net_init's proc_create_net("netlink", 0, net->proc_net, &netlink_seq_ops, ...): the
 * file /proc/net/netlink of the running kernel's /proc (and /proc/net, which the kernel's
 * proc_net_init makes), its text netlink_seq_show's at open time (the kernel's seq_file walks
 * the hashes as it reads; one walk at open is the same for a reader that reads to the end).
 */
export const netlink_proc_init = (net: Net): void => {
  const dir = proc_mkdir("net", null);
  if (dir === null) throw new Error("netlink_proc_init: /proc/net exists already");
  const show = (m: SeqFile): number => {
    seq_puts(m, netlink_seq_show(net));
    return 0;
  };
  proc_create("netlink", 0o444, dir, {
    proc_open: (_inode, file) => single_open(file, show, null),
    proc_read: seq_read,
    proc_lseek: seq_lseek,
    proc_release: single_release,
  });
};
