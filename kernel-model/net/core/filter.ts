// net/core/filter.c, classic BPF socket filters as the kernel runs them on a netlink skb:
// sk_attach_filter / sk_detach_filter / sk_get_filter (SO_ATTACH_FILTER, SO_DETACH_FILTER,
// SO_GET_FILTER), bpf_check_classic (the checker and its EINVALs), the program as
// bpf_convert_filter makes it run (A and X start at 0; a failed packet load, a division by X = 0
// or an ancillary load of a missing device return 0), and sk_filter_trim_cap at delivery.
import type { UserPtr } from "../../lib/usercopy.js";
import {
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_AND,
  BPF_B,
  BPF_CLASS,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MAXINSNS,
  BPF_MEM,
  BPF_MEMWORDS,
  BPF_MISC,
  BPF_MOD,
  BPF_MODE,
  BPF_MSH,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RET,
  BPF_RSH,
  BPF_RVAL,
  BPF_SIZE,
  BPF_SRC,
  BPF_ST,
  BPF_STX,
  BPF_SUB,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  BPF_XOR,
  decodeSockFilters,
  ERRNO,
  getU16,
  NLA_TYPE_MASK,
  SKF_AD_ALU_XOR_X,
  SKF_AD_CPU,
  SKF_AD_HATYPE,
  SKF_AD_IFINDEX,
  SKF_AD_MARK,
  SKF_AD_MAX,
  SKF_AD_NLATTR,
  SKF_AD_NLATTR_NEST,
  SKF_AD_OFF,
  SKF_AD_PAY_OFFSET,
  SKF_AD_PKTTYPE,
  SKF_AD_PROTOCOL,
  SKF_AD_QUEUE,
  SKF_AD_RANDOM,
  SKF_AD_RXHASH,
  SKF_AD_VLAN_TAG,
  SKF_AD_VLAN_TAG_PRESENT,
  SKF_AD_VLAN_TPID,
  SKF_LL_OFF,
  SKF_NET_OFF,
  SOCK_FILTER_SIZE,
  type SockFilter,
} from "../../uapi/index.js";

/** The skb as a filter sees it: the bytes from data to tail, and where data starts in the head. */
export interface FilterSkb {
  readonly head: Uint8Array;
  readonly data_off: number;
  len: number;
}

/** What a socket with filters keeps: sk->sk_filter (the program as attached) and SOCK_FILTER_LOCKED. */
export interface FilterSock {
  sk_filter: ReadonlyArray<SockFilter> | null;
  sock_filter_locked: boolean;
}

/** struct sock_fprog as setsockopt reads it: the length and the user pointer to the instructions. */
export interface SockFprog {
  readonly len: number;
  readonly filter: UserPtr;
}

const ALLOWED = new Set<number>([
  BPF_ALU | BPF_ADD | BPF_K,
  BPF_ALU | BPF_ADD | BPF_X,
  BPF_ALU | BPF_SUB | BPF_K,
  BPF_ALU | BPF_SUB | BPF_X,
  BPF_ALU | BPF_MUL | BPF_K,
  BPF_ALU | BPF_MUL | BPF_X,
  BPF_ALU | BPF_DIV | BPF_K,
  BPF_ALU | BPF_DIV | BPF_X,
  BPF_ALU | BPF_MOD | BPF_K,
  BPF_ALU | BPF_MOD | BPF_X,
  BPF_ALU | BPF_AND | BPF_K,
  BPF_ALU | BPF_AND | BPF_X,
  BPF_ALU | BPF_OR | BPF_K,
  BPF_ALU | BPF_OR | BPF_X,
  BPF_ALU | BPF_XOR | BPF_K,
  BPF_ALU | BPF_XOR | BPF_X,
  BPF_ALU | BPF_LSH | BPF_K,
  BPF_ALU | BPF_LSH | BPF_X,
  BPF_ALU | BPF_RSH | BPF_K,
  BPF_ALU | BPF_RSH | BPF_X,
  BPF_ALU | BPF_NEG,
  BPF_LD | BPF_W | BPF_ABS,
  BPF_LD | BPF_H | BPF_ABS,
  BPF_LD | BPF_B | BPF_ABS,
  BPF_LD | BPF_W | BPF_LEN,
  BPF_LD | BPF_W | BPF_IND,
  BPF_LD | BPF_H | BPF_IND,
  BPF_LD | BPF_B | BPF_IND,
  BPF_LD | BPF_IMM,
  BPF_LD | BPF_MEM,
  BPF_LDX | BPF_W | BPF_LEN,
  BPF_LDX | BPF_B | BPF_MSH,
  BPF_LDX | BPF_IMM,
  BPF_LDX | BPF_MEM,
  BPF_ST,
  BPF_STX,
  BPF_MISC | BPF_TAX,
  BPF_MISC | BPF_TXA,
  BPF_RET | BPF_K,
  BPF_RET | BPF_A,
  BPF_JMP | BPF_JA,
  BPF_JMP | BPF_JEQ | BPF_K,
  BPF_JMP | BPF_JEQ | BPF_X,
  BPF_JMP | BPF_JGE | BPF_K,
  BPF_JMP | BPF_JGE | BPF_X,
  BPF_JMP | BPF_JGT | BPF_K,
  BPF_JMP | BPF_JGT | BPF_X,
  BPF_JMP | BPF_JSET | BPF_K,
  BPF_JMP | BPF_JSET | BPF_X,
]);

/** chk_code_allowed */
const chk_code_allowed = (code: number): boolean => ALLOWED.has(code);

const isCondJump = (code: number): boolean =>
  BPF_CLASS(code) === BPF_JMP && (code & 0xf0) !== BPF_JA && ALLOWED.has(code);

/** bpf_anc_helper's question: is k (an LD ABS offset) one of the ancillary loads the kernel knows? */
const bpf_anc_known = (k: number): boolean => {
  const off = (k | 0) - SKF_AD_OFF;
  return off >= 0 && off < SKF_AD_MAX && off % 4 === 0;
};

/** check_load_and_stores: every M[k] read is preceded by a write on every path to it. */
const check_load_and_stores = (filter: ReadonlyArray<SockFilter>): number => {
  const flen = filter.length;
  const masks = new Uint16Array(flen).fill(0xffff);
  let memvalid = 0;
  for (let pc = 0; pc < flen; pc++) {
    memvalid &= masks[pc]!;
    const f = filter[pc]!;
    switch (f.code) {
      case BPF_ST:
      case BPF_STX:
        memvalid |= 1 << f.k;
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
        if (!(memvalid & (1 << f.k))) return -ERRNO.EINVAL;
        break;
      case BPF_JMP | BPF_JA:
        masks[pc + 1 + f.k] = masks[pc + 1 + f.k]! & memvalid;
        memvalid = 0xffff;
        break;
      default:
        if (isCondJump(f.code)) {
          masks[pc + 1 + f.jt] = masks[pc + 1 + f.jt]! & memvalid;
          masks[pc + 1 + f.jf] = masks[pc + 1 + f.jf]! & memvalid;
          memvalid = 0xffff;
        }
    }
  }
  return 0;
};

/**
 * bpf_check_classic(filter, flen): 0, or −EINVAL for an unknown code, a division or modulo by a
 * constant 0, a constant shift ≥ 32, a scratch slot ≥ 16, a jump past the end, an unknown
 * ancillary load, a last instruction that is not RET, or a slot read before it is written.
 */
export const bpf_check_classic = (filter: ReadonlyArray<SockFilter>): number => {
  const flen = filter.length;
  for (let pc = 0; pc < flen; pc++) {
    const f = filter[pc]!;
    if (!chk_code_allowed(f.code)) return -ERRNO.EINVAL;
    const k = f.k >>> 0;
    switch (f.code) {
      case BPF_ALU | BPF_DIV | BPF_K:
      case BPF_ALU | BPF_MOD | BPF_K:
        if (k === 0) return -ERRNO.EINVAL;
        break;
      case BPF_ALU | BPF_LSH | BPF_K:
      case BPF_ALU | BPF_RSH | BPF_K:
        if (k >= 32) return -ERRNO.EINVAL;
        break;
      case BPF_LD | BPF_MEM:
      case BPF_LDX | BPF_MEM:
      case BPF_ST:
      case BPF_STX:
        if (k >= BPF_MEMWORDS) return -ERRNO.EINVAL;
        break;
      case BPF_JMP | BPF_JA:
        if (k >= flen - pc - 1) return -ERRNO.EINVAL;
        break;
      case BPF_LD | BPF_W | BPF_ABS:
      case BPF_LD | BPF_H | BPF_ABS:
      case BPF_LD | BPF_B | BPF_ABS:
        // k >= SKF_AD_OFF compares as unsigned
        if (!bpf_anc_known(k) && k >= SKF_AD_OFF >>> 0) return -ERRNO.EINVAL;
        break;
      default:
        if (isCondJump(f.code) && (pc + f.jt + 1 >= flen || pc + f.jf + 1 >= flen)) return -ERRNO.EINVAL;
    }
  }
  const last = filter[flen - 1]!.code;
  if (last === (BPF_RET | BPF_K) || last === (BPF_RET | BPF_A)) return check_load_and_stores(filter);
  return -ERRNO.EINVAL;
};

/** Not a value: the load failed, the program returns 0 (the converted program's early exit). */
const LOAD_FAILED = -1;

/** bpf_internal_load_pointer_neg_helper: SKF_NET_OFF is the network header (a netlink skb's head); no link-layer header. */
const load_neg_offset = (skb: FilterSkb, k: number, size: number): number => {
  if (k < SKF_LL_OFF) return LOAD_FAILED;
  if (k < SKF_NET_OFF) return LOAD_FAILED; // skb_mac_header_was_set: never for netlink
  const at = k - SKF_NET_OFF; // network_header is 0: the start of the head
  if (at < 0 || at + size > skb.data_off + skb.len) return LOAD_FAILED;
  return at;
};

/** bpf_skb_load_helper_{8,16,32}: big-endian load at data + offset, or LOAD_FAILED. */
const load = (skb: FilterSkb, offset: number, size: number): number => {
  let at: number;
  if (offset >= 0) {
    if (skb.len - offset < size) return LOAD_FAILED;
    at = skb.data_off + offset;
  } else {
    at = load_neg_offset(skb, offset, size);
    if (at === LOAD_FAILED) return LOAD_FAILED;
  }
  const h = skb.head;
  if (size === 1) return h[at]!;
  if (size === 2) return (h[at]! << 8) | h[at + 1]!;
  return ((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0;
};

/** nla_find(head, len, attrtype) over skb bytes: the attribute's offset from data, or 0. */
const nla_find = (skb: FilterSkb, start: number, len: number, attrtype: number): number => {
  const d = skb.head;
  let pos = start;
  let rem = len;
  // nla_ok: rem >= 4, 4 <= nla_len <= rem
  while (rem >= 4) {
    const nla_len = getU16(d, skb.data_off + pos);
    if (nla_len < 4 || nla_len > rem) break;
    if ((getU16(d, skb.data_off + pos + 2) & NLA_TYPE_MASK) === attrtype) return pos;
    const tot = (nla_len + 3) & ~3;
    pos += tot;
    rem -= tot;
  }
  return 0;
};

/** bpf_skb_get_nlattr(skb, a, x): the offset of the first attribute of type x at data + a, or 0. */
const bpf_skb_get_nlattr = (skb: FilterSkb, a: number, x: number): number => {
  if (skb.len < 4) return 0;
  if (a > skb.len - 4) return 0;
  return nla_find(skb, a, skb.len - a, x);
};

/** bpf_skb_get_nlattr_nest(skb, a, x): the attribute at data + a is a nest; x inside it, or 0. */
const bpf_skb_get_nlattr_nest = (skb: FilterSkb, a: number, x: number): number => {
  if (skb.len < 4) return 0;
  if (a > skb.len - 4) return 0;
  const nla_len = getU16(skb.head, skb.data_off + a);
  if (nla_len > skb.len - a) return 0;
  // nla_find_nested: nla_find(nla_data(nla), nla_len(nla), x); a length below 4 is negative: nothing
  return nla_find(skb, a + 4, nla_len - 4, x);
};

/** An ancillary load (convert_bpf_extensions) on a netlink skb: A's new value, or null to exit with A. */
const ancillary = (skb: FilterSkb, off: number, A: number, X: number): number | null => {
  switch (off) {
    case SKF_AD_PROTOCOL: // skb->protocol: never set on a netlink skb
    case SKF_AD_PKTTYPE: // PACKET_HOST
    case SKF_AD_MARK:
    case SKF_AD_QUEUE:
    case SKF_AD_RXHASH:
    case SKF_AD_VLAN_TAG:
    case SKF_AD_VLAN_TAG_PRESENT:
    case SKF_AD_VLAN_TPID:
    case SKF_AD_PAY_OFFSET: // skb_get_poff of a protocol-0 skb
    case SKF_AD_CPU: // the model has one CPU
      return 0;
    case SKF_AD_IFINDEX:
    case SKF_AD_HATYPE:
      return null; // skb->dev is NULL: the converted program exits, returning A as it is
    case SKF_AD_NLATTR:
      return bpf_skb_get_nlattr(skb, A, X);
    case SKF_AD_NLATTR_NEST:
      return bpf_skb_get_nlattr_nest(skb, A, X);
    case SKF_AD_ALU_XOR_X:
      return (A ^ X) >>> 0;
    case SKF_AD_RANDOM:
      return 0; // bpf_user_rnd_u32: not reproducible, and no program should depend on it here
    default:
      return 0;
  }
};

const SIZE_BYTES: Readonly<Record<number, number>> = { [BPF_W]: 4, [BPF_H]: 2, [BPF_B]: 1 };

/**
 * bpf_prog_run on a checked classic program (what bpf_convert_filter's eBPF does): the return
 * value, the number of bytes to keep (0 drops the packet).
 */
export const bpf_prog_run = (prog: ReadonlyArray<SockFilter>, skb: FilterSkb): number => {
  let A = 0;
  let X = 0;
  const M = new Uint32Array(BPF_MEMWORDS);
  for (let pc = 0; pc < prog.length; pc++) {
    const f = prog[pc]!;
    const k = f.k >>> 0;
    const code = f.code;
    switch (BPF_CLASS(code)) {
      case BPF_LD:
      case BPF_LDX: {
        const ld = BPF_CLASS(code) === BPF_LD;
        const mode = BPF_MODE(code);
        let v: number;
        if (mode === BPF_IMM) v = k;
        else if (mode === BPF_MEM) v = M[k]!;
        else if (mode === BPF_LEN) v = skb.len;
        else if (mode === BPF_MSH) {
          const b = load(skb, k | 0, 1);
          if (b === LOAD_FAILED) return 0;
          v = (b & 0xf) << 2;
        } else {
          // ABS, IND
          if (mode === BPF_ABS && bpf_anc_known(k)) {
            const r = ancillary(skb, (k | 0) - SKF_AD_OFF, A, X);
            if (r === null) return A;
            A = r >>> 0;
            continue;
          }
          const offset = mode === BPF_IND ? (X + (k | 0)) | 0 : k | 0;
          const r = load(skb, offset, SIZE_BYTES[BPF_SIZE(code)]!);
          if (r === LOAD_FAILED) return 0;
          v = r;
        }
        if (ld) A = v >>> 0;
        else X = v >>> 0;
        break;
      }
      case BPF_ST:
        M[k] = A;
        break;
      case BPF_STX:
        M[k] = X;
        break;
      case BPF_ALU: {
        const src = BPF_SRC(code) === BPF_X ? X : k;
        switch (code & 0xf0) {
          case BPF_ADD:
            A = (A + src) >>> 0;
            break;
          case BPF_SUB:
            A = (A - src) >>> 0;
            break;
          case BPF_MUL:
            A = Math.imul(A, src) >>> 0;
            break;
          case BPF_DIV:
            if (src === 0) return 0;
            A = Math.floor(A / src) >>> 0;
            break;
          case BPF_MOD:
            if (src === 0) return 0;
            A = (A % src) >>> 0;
            break;
          case BPF_OR:
            A = (A | src) >>> 0;
            break;
          case BPF_AND:
            A = (A & src) >>> 0;
            break;
          case BPF_XOR:
            A = (A ^ src) >>> 0;
            break;
          case BPF_LSH:
            A = (A << (src & 31)) >>> 0;
            break;
          case BPF_RSH:
            A = A >>> (src & 31);
            break;
          case BPF_NEG:
            A = -A >>> 0;
            break;
        }
        break;
      }
      case BPF_JMP: {
        const op = code & 0xf0;
        if (op === BPF_JA) {
          pc += k;
          break;
        }
        const src = BPF_SRC(code) === BPF_X ? X : k;
        let cond: boolean;
        if (op === BPF_JEQ) cond = A === src;
        else if (op === BPF_JGT) cond = A > src;
        else if (op === BPF_JGE) cond = A >= src;
        else cond = (A & src) !== 0;
        pc += cond ? f.jt : f.jf;
        break;
      }
      case BPF_RET:
        return BPF_RVAL(code) === BPF_A ? A : k;
      case BPF_MISC:
        if ((code & 0xf8) === BPF_TXA) A = X;
        else X = A;
        break;
    }
  }
  return 0; // unreachable for a checked program (it ends in RET)
};

/**
 * sk_filter_trim_cap(sk, skb, cap): run the socket's filter; 0 keeps the skb (trimmed to the
 * program's answer when that is shorter), −EPERM drops it.
 */
export const sk_filter_trim_cap = (sk: FilterSock, skb: FilterSkb, cap: number): number => {
  const prog = sk.sk_filter;
  if (prog === null) return 0;
  const pkt_len = bpf_prog_run(prog, skb) >>> 0;
  if (pkt_len === 0) return -ERRNO.EPERM;
  const keep = Math.max(cap, pkt_len);
  if (keep < skb.len) skb.len = keep; // pskb_trim of a linear skb
  return 0;
};

/** sk_filter(sk, skb): sk_filter_trim_cap with cap 1. */
export const sk_filter = (sk: FilterSock, skb: FilterSkb): number => sk_filter_trim_cap(sk, skb, 1);

/**
 * sk_attach_filter(fprog, sk) → 0 or −errno: EPERM on a locked socket (__get_filter), EINVAL for
 * a NULL program or a length outside 1..4096 (bpf_check_basics_ok), EFAULT when the instructions
 * are not all in user memory, then the checker's EINVAL. Replaces any filter already attached.
 */
export const sk_attach_filter = (fprog: SockFprog, sk: FilterSock): number => {
  if (sk.sock_filter_locked) return -ERRNO.EPERM;
  if (fprog.filter.mem === null && fprog.filter.off === 0) return -ERRNO.EINVAL; // NULL
  if (fprog.len === 0 || fprog.len > BPF_MAXINSNS) return -ERRNO.EINVAL;
  const size = fprog.len * SOCK_FILTER_SIZE;
  if (fprog.filter.mapped < size) return -ERRNO.EFAULT;
  const off = fprog.filter.off;
  const prog = decodeSockFilters(fprog.filter.mem!.subarray(off, off + size));
  const err = bpf_check_classic(prog);
  if (err) return err;
  sk.sk_filter = prog;
  return 0;
};

/** sk_detach_filter(sk) → 0, −EPERM on a locked socket, −ENOENT without a filter. */
export const sk_detach_filter = (sk: FilterSock): number => {
  if (sk.sock_filter_locked) return -ERRNO.EPERM;
  if (sk.sk_filter === null) return -ERRNO.ENOENT;
  sk.sk_filter = null;
  return 0;
};

/**
 * sk_get_filter(sk, len): the number of instructions (0 without a filter) and the program's bytes
 * when `len` (counted in instructions, not bytes) is non-zero; −EINVAL when len is too small.
 */
export const sk_get_filter = (sk: FilterSock, len: number): { ret: number; filter: ReadonlyArray<SockFilter> } => {
  const prog = sk.sk_filter;
  if (prog === null) return { ret: 0, filter: [] };
  if (len === 0) return { ret: prog.length, filter: [] };
  if (len < prog.length) return { ret: -ERRNO.EINVAL, filter: [] };
  return { ret: prog.length, filter: prog };
};
