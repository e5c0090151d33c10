// include/uapi/linux/filter.h and bpf_common.h: classic BPF instructions (struct sock_filter), the
// program a socket filter is attached with (struct sock_fprog), the opcode parts, the ancillary
// offsets (SKF_AD_*) and the BPF_STMT / BPF_JUMP macros, for user programs and the model alike.
import { getU16, getU32, putU16, putU32 } from "./bytes.js";

/** struct sock_filter: one instruction (8 bytes: u16 code, u8 jt, u8 jf, u32 k). */
export interface SockFilter {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

// instruction classes
export const BPF_LD = 0x00;
export const BPF_LDX = 0x01;
export const BPF_ST = 0x02;
export const BPF_STX = 0x03;
export const BPF_ALU = 0x04;
export const BPF_JMP = 0x05;
export const BPF_RET = 0x06;
export const BPF_MISC = 0x07;
// ld/ldx sizes
export const BPF_W = 0x00;
export const BPF_H = 0x08;
export const BPF_B = 0x10;
// ld/ldx modes
export const BPF_IMM = 0x00;
export const BPF_ABS = 0x20;
export const BPF_IND = 0x40;
export const BPF_MEM = 0x60;
export const BPF_LEN = 0x80;
export const BPF_MSH = 0xa0;
// alu/jmp operations
export const BPF_ADD = 0x00;
export const BPF_SUB = 0x10;
export const BPF_MUL = 0x20;
export const BPF_DIV = 0x30;
export const BPF_OR = 0x40;
export const BPF_AND = 0x50;
export const BPF_LSH = 0x60;
export const BPF_RSH = 0x70;
export const BPF_NEG = 0x80;
export const BPF_MOD = 0x90;
export const BPF_XOR = 0xa0;
export const BPF_JA = 0x00;
export const BPF_JEQ = 0x10;
export const BPF_JGT = 0x20;
export const BPF_JGE = 0x30;
export const BPF_JSET = 0x40;
// operand source
export const BPF_K = 0x00;
export const BPF_X = 0x08;
// ret: the A register as return value
export const BPF_A = 0x10;
// misc
export const BPF_TAX = 0x00;
export const BPF_TXA = 0x80;

export const BPF_CLASS = (code: number): number => code & 0x07;
export const BPF_SIZE = (code: number): number => code & 0x18;
export const BPF_MODE = (code: number): number => code & 0xe0;
export const BPF_OP = (code: number): number => code & 0xf0;
export const BPF_SRC = (code: number): number => code & 0x08;
export const BPF_RVAL = (code: number): number => code & 0x18;
export const BPF_MISCOP = (code: number): number => code & 0xf8;

/** BPF_MAXINSNS: the longest program SO_ATTACH_FILTER takes */
export const BPF_MAXINSNS = 4096;
/** BPF_MEMWORDS: the scratch memory M[0..15] */
export const BPF_MEMWORDS = 16;

// ancillary loads: LD ABS at SKF_AD_OFF + one of these reads a field of the skb, not its data
export const SKF_AD_OFF = -0x1000;
export const SKF_AD_PROTOCOL = 0;
export const SKF_AD_PKTTYPE = 4;
export const SKF_AD_IFINDEX = 8;
export const SKF_AD_NLATTR = 12;
export const SKF_AD_NLATTR_NEST = 16;
export const SKF_AD_MARK = 20;
export const SKF_AD_QUEUE = 24;
export const SKF_AD_HATYPE = 28;
export const SKF_AD_RXHASH = 32;
export const SKF_AD_CPU = 36;
export const SKF_AD_ALU_XOR_X = 40;
export const SKF_AD_VLAN_TAG = 44;
export const SKF_AD_VLAN_TAG_PRESENT = 48;
export const SKF_AD_PAY_OFFSET = 52;
export const SKF_AD_RANDOM = 56;
export const SKF_AD_VLAN_TPID = 60;
export const SKF_AD_MAX = 64;
/** negative offsets: relative to the network header / the link-layer header */
export const SKF_NET_OFF = -0x100000;
export const SKF_LL_OFF = -0x200000;

/** sizeof(struct sock_filter) */
export const SOCK_FILTER_SIZE = 8;
/** sizeof(struct sock_fprog) on x86_64: u16 len, padding, a pointer */
export const SOCK_FPROG_SIZE = 16;

/** BPF_STMT(code, k) */
export const BPF_STMT = (code: number, k: number): SockFilter => ({ code, jt: 0, jf: 0, k: k >>> 0 });
/** BPF_JUMP(code, k, jt, jf) */
export const BPF_JUMP = (code: number, k: number, jt: number, jf: number): SockFilter => ({ code, jt, jf, k: k >>> 0 });

/** A program as the kernel reads it from user memory: 8 bytes per instruction, native (little) endian. */
export const encodeSockFilters = (prog: ReadonlyArray<SockFilter>): Uint8Array => {
  const out = new Uint8Array(prog.length * SOCK_FILTER_SIZE);
  prog.forEach((f, i) => {
    const o = i * SOCK_FILTER_SIZE;
    putU16(out, o, f.code & 0xffff);
    out[o + 2] = f.jt & 0xff;
    out[o + 3] = f.jf & 0xff;
    putU32(out, o + 4, f.k >>> 0);
  });
  return out;
};

/** The instructions in `bytes` (whole 8-byte entries only). */
export const decodeSockFilters = (bytes: Uint8Array): SockFilter[] => {
  const out: SockFilter[] = [];
  for (let o = 0; o + SOCK_FILTER_SIZE <= bytes.length; o += SOCK_FILTER_SIZE) {
    out.push({ code: getU16(bytes, o), jt: bytes[o + 2]!, jf: bytes[o + 3]!, k: getU32(bytes, o + 4) });
  }
  return out;
};
