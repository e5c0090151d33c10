// include/linux/skbuff.h and net/core/skbuff.c, as far as netlink uses them: a linear buffer with
// data/tail/end, a truesize charged to the receiving socket, and the netlink control block
// (NETLINK_CB). Clones share the bytes (they are never written after the send).

import { GFP_KERNEL, type gfp_t, might_alloc } from "../../kernel/gfp.js";
import { carveBytes } from "../../uapi/bytes.js";
import type { Cred } from "../core/sock.js";

/** The sender's credentials carried in NETLINK_CB(skb).creds (struct scm_creds). */
export interface ScmCreds {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

export const NO_CREDS: ScmCreds = Object.freeze({ pid: 0, uid: 0, gid: 0 });

/** struct netlink_skb_parms: NETLINK_CB(skb). `sk` is the sending socket (set on the way in). */
export interface NetlinkSkbParms {
  portid: number;
  dst_group: number;
  creds: ScmCreds;
  flags: number;
  /** NETLINK_CB(skb).sk: the sender (typed loosely to keep skb.ts below af_netlink) */
  sk: object | null;
  /** the sending task's credentials (`current` at sendmsg), for netlink_capable; absent from the kernel */
  cred: Cred | undefined;
}

/** NETLINK_SKB_DST: the sender gave an explicit address. */
export const NETLINK_SKB_DST = 0x8;

/** sizeof(struct sk_buff) rounded (256) and SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) (320), x86_64. */
const SKB_HEAD_OVERHEAD = 256;
const SKB_SHINFO_SIZE = 320;
/** SKB_SMALL_HEAD_CACHE_SIZE: heads up to this size come from a 576-byte cache. */
const SKB_SMALL_HEAD_SIZE = 576;
/** NLMSG_GOODSIZE = SKB_WITH_OVERHEAD(PAGE_SIZE) on x86_64. */
export const NLMSG_GOODSIZE = 3776;
/** NLMSG_DEFAULT_SIZE = NLMSG_GOODSIZE − NLMSG_HDRLEN. */
export const NLMSG_DEFAULT_SIZE = NLMSG_GOODSIZE - 16;

const SKB_DATA_ALIGN = (n: number): number => (n + 63) & ~63;

/** SKB_WITH_OVERHEAD(32768): the cap on nlk->max_recvmsg_len (netlink_recvmsg), hence on a dump's skb. */
export const NETLINK_MAX_RECVMSG_LEN = 32768 - SKB_SHINFO_SIZE;

/**
 * truesize of an skb whose head was kmalloc'd for `size` bytes (__alloc_skb): SKB_DATA_ALIGN(size)
 * plus shared info, rounded up to the slab (the 576-byte small-head cache, else a power of two),
 * plus the sk_buff itself. Reproduces the measured table of spec section 6 (≤256 → 832,
 * ≤704 → 1280, ≤1728 → 2304, ≤3776 → 4352, ≤7872 → 8448, ≤16064 → 16640, ≤32448 → 33024).
 */
export const skb_truesize = (size: number): number => {
  const need = SKB_DATA_ALIGN(size) + SKB_SHINFO_SIZE;
  if (need <= SKB_SMALL_HEAD_SIZE) return SKB_SMALL_HEAD_SIZE + SKB_HEAD_OVERHEAD;
  let slab = 1024;
  while (slab < need) slab *= 2;
  return slab + SKB_HEAD_OVERHEAD;
};

/**
 * SKB_WITH_OVERHEAD(ksize(head)): the tailroom __alloc_skb really leaves in a kmalloc'd head asked
 * for `size` bytes (the slab's slack included), for the callers whose message only fits in it.
 */
export const skb_kmalloc_tailroom = (size: number): number => skb_truesize(size) - SKB_HEAD_OVERHEAD - SKB_SHINFO_SIZE;

/** truesize of a vmalloc'd head (netlink_alloc_large_skb for a user unicast above NLMSG_GOODSIZE). */
export const skb_truesize_large = (size: number): number => SKB_DATA_ALIGN(size) + SKB_SHINFO_SIZE + SKB_HEAD_OVERHEAD;

/**
 * struct sk_buff, linear only. `head` holds the bytes; data starts at `data_off`, `len` bytes are
 * used, `end` is the allocated size (tailroom = end − tail). `users` counts references
 * (skb_get / kfree_skb); an skb with users 0 is freed and any further use is a kernel bug.
 *
 * The control block lives inside the sk_buff, as the kernel's cb[] does: `skb.cb` (NETLINK_CB) is
 * the skb itself seen as NetlinkSkbParms, so an skb or a clone is one object. Hence `skb.sk` is
 * NETLINK_CB(skb).sk, the sender; the kernel's skb->sk, the socket charged, is `owner`.
 */
export class SkBuff implements NetlinkSkbParms {
  head: Uint8Array;
  data_off = 0;
  len = 0;
  end: number;
  truesize: number;
  users = 1;
  /** is_vmalloc_addr(skb->head) */
  readonly vmalloced: boolean;
  /** the socket whose sk_rmem_alloc this skb is charged to (skb->sk with the rfree destructor) */
  owner: { sk_rmem_alloc: number } | null = null;
  // NETLINK_CB(skb): struct netlink_skb_parms
  portid = 0;
  dst_group = 0;
  creds: ScmCreds = NO_CREDS;
  flags = 0;
  sk: object | null = null;
  cred: Cred | undefined = undefined;

  constructor(head: Uint8Array, truesize: number, vmalloced: boolean) {
    this.head = head;
    this.end = head.length;
    this.truesize = truesize;
    this.vmalloced = vmalloced;
  }

  /** NETLINK_CB(skb): the control block, which is part of the skb */
  get cb(): NetlinkSkbParms {
    return this;
  }

  /** skb->data .. skb->tail, a view (no copy). */
  get data(): Uint8Array {
    return this.head.subarray(this.data_off, this.data_off + this.len);
  }
  /** skb_tail_pointer offset within head */
  get tail(): number {
    return this.data_off + this.len;
  }
  get freed(): boolean {
    return this.users <= 0;
  }
}

/** NETLINK_CB(skb) */
export const NETLINK_CB = (skb: SkBuff): NetlinkSkbParms => skb.cb;

// skb heads (and the bytes recvmsg copies out) are carved from shared 64 KiB chunks (carveBytes:
// a fresh Uint8Array above 64 bytes would cost an off-heap allocation and GC work per message).
// Heads are zeroed.
export const alloc_head = (size: number): Uint8Array => carveBytes(size);

/**
 * alloc_skb(size, gfp): `size` bytes of tailroom, truesize from the slab the head lands in. A gfp
 * that may sleep (GFP_KERNEL, the default) is checked by might_alloc in atomic context.
 */
export const alloc_skb = (size: number, gfp: gfp_t = GFP_KERNEL): SkBuff => {
  might_alloc(gfp);
  return new SkBuff(alloc_head(size), skb_truesize(size), false);
};

/** netlink_alloc_large_skb(size, broadcast): vmalloc'd above NLMSG_GOODSIZE unless broadcast. */
export const netlink_alloc_large_skb = (size: number, broadcast: boolean): SkBuff => {
  if (size <= NLMSG_GOODSIZE || broadcast) return alloc_skb(size);
  return new SkBuff(alloc_head(size), skb_truesize_large(size), true);
};

export const skb_tailroom = (skb: SkBuff): number => skb.end - skb.tail;

/** skb_put: extends the data by `len` bytes and returns the offset (in head) of the new bytes. */
export const skb_put = (skb: SkBuff, len: number): number => {
  const at = skb.tail;
  if (at + len > skb.end) throw new RangeError(`skb_over_panic: put ${len} with ${skb.end - at} tailroom`);
  skb.len += len;
  return at;
};

/** skb_pull: drops `len` bytes from the front. */
export const skb_pull = (skb: SkBuff, len: number): void => {
  const n = Math.min(len, skb.len);
  skb.data_off += n;
  skb.len -= n;
};

/** skb_get: one more reference. */
export const skb_get = (skb: SkBuff): SkBuff => {
  skb.users++;
  return skb;
};

/** skb_shared */
export const skb_shared = (skb: SkBuff): boolean => skb.users !== 1;

/** skb_clone: a new sk_buff over the same bytes, same truesize, a copy of the control block. */
export const skb_clone = (skb: SkBuff): SkBuff => {
  const n = new SkBuff(skb.head, skb.truesize, skb.vmalloced);
  n.portid = skb.portid;
  n.dst_group = skb.dst_group;
  n.creds = skb.creds;
  n.flags = skb.flags;
  n.sk = skb.sk;
  n.cred = skb.cred;
  n.data_off = skb.data_off;
  n.len = skb.len;
  n.end = skb.end;
  return n;
};

/** skb_orphan: runs the destructor (uncharges the owner) and detaches. */
export const skb_orphan = (skb: SkBuff): void => {
  if (skb.owner !== null) {
    skb.owner.sk_rmem_alloc -= skb.truesize;
    skb.owner = null;
  }
};

/** netlink_skb_set_owner_r: charge `truesize` to the receiver (the caller already added it). */
export const netlink_skb_set_owner_r = (skb: SkBuff, sk: { sk_rmem_alloc: number }): void => {
  skb.owner = sk;
};

/** kfree_skb / consume_skb: drop a reference; the last one runs the destructor. */
export const kfree_skb = (skb: SkBuff): void => {
  if (skb.users <= 0) throw new SkbUseAfterFree(skb, "kfree_skb");
  if (--skb.users === 0) skb_orphan(skb);
};
export const consume_skb = kfree_skb;

/**
 * A simulated kernel touched an skb it no longer owns: reported like the kernel's BUG line. The
 * skb's number in that line is its namespace's (Net.skb_id), so `message` leaves it out and
 * `report` (where the namespace is known) puts it in.
 */
export class SkbUseAfterFree extends Error {
  readonly _tag = "SkbUseAfterFree" as const;
  constructor(
    readonly skb: SkBuff,
    readonly where: string,
  ) {
    super(`BUG: ${where} on freed skb`);
    this.name = "SkbUseAfterFree";
  }
  /** The BUG line as `net` prints it: "BUG: WHERE on freed skb #N". */
  report(net: { skb_id(skb: SkBuff): number }): string {
    return `${this.message} #${net.skb_id(this.skb)}`;
  }
}

/**
 * netlink_trim: an skb with more than half its truesize as unused tailroom is shrunk to its data
 * (pskb_expand_head), which recomputes truesize. Judged against the slab's real tailroom.
 */
export const netlink_trim = (skb: SkBuff): SkBuff => {
  if (skb.vmalloced) return skb;
  const slabEnd = skb.truesize - SKB_HEAD_OVERHEAD - SKB_SHINFO_SIZE;
  const delta = slabEnd - skb.tail;
  if (delta * 2 < skb.truesize) return skb;
  if (skb_shared(skb)) {
    const n = skb_clone(skb);
    consume_skb(skb);
    skb = n;
  }
  skb.truesize = skb_truesize(skb.tail);
  skb.end = skb.tail;
  return skb;
};
