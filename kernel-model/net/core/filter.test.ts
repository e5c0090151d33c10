import { describe, expect, it } from "vitest";
import { USER_NULL, user_ptr } from "../../lib/usercopy.js";
import {
  AttributeEncoder,
  BPF_A,
  BPF_ABS,
  BPF_ADD,
  BPF_ALU,
  BPF_B,
  BPF_DIV,
  BPF_H,
  BPF_IMM,
  BPF_IND,
  BPF_JA,
  BPF_JEQ,
  BPF_JGT,
  BPF_JMP,
  BPF_JSET,
  BPF_JUMP,
  BPF_K,
  BPF_LD,
  BPF_LDX,
  BPF_LEN,
  BPF_LSH,
  BPF_MEM,
  BPF_MISC,
  BPF_MOD,
  BPF_MSH,
  BPF_NEG,
  BPF_RET,
  BPF_ST,
  BPF_STMT,
  BPF_TAX,
  BPF_TXA,
  BPF_W,
  BPF_X,
  decodeSockFilters,
  ERRNO,
  encodeMessage,
  encodeSockFilters,
  SKF_AD_ALU_XOR_X,
  SKF_AD_IFINDEX,
  SKF_AD_NLATTR,
  SKF_AD_NLATTR_NEST,
  SKF_AD_OFF,
  SKF_AD_PROTOCOL,
  SKF_LL_OFF,
  SKF_NET_OFF,
  type SockFilter,
} from "../../uapi/index.js";
import {
  bpf_check_classic,
  bpf_prog_run,
  type FilterSkb,
  type FilterSock,
  sk_attach_filter,
  sk_detach_filter,
  sk_filter,
  sk_get_filter,
} from "./filter.js";

const skbOf = (bytes: Uint8Array): FilterSkb => ({ head: bytes, data_off: 0, len: bytes.length });
const run = (prog: SockFilter[], bytes: Uint8Array): number => bpf_prog_run(prog, skbOf(bytes));
const RET = (k: number): SockFilter => BPF_STMT(BPF_RET | BPF_K, k);
const RET_A = BPF_STMT(BPF_RET | BPF_A, 0);
const sock = (): FilterSock => ({ sk_filter: null, sock_filter_locked: false });
const fprog = (prog: SockFilter[], len = prog.length) => ({ len, filter: user_ptr(encodeSockFilters(prog)) });

describe("bpf_check_classic", () => {
  it("accepts a program that ends in RET and refuses one that does not", () => {
    expect(bpf_check_classic([RET(0)])).toBe(0);
    expect(bpf_check_classic([BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET_A])).toBe(0);
    expect(bpf_check_classic([BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0)])).toBe(-ERRNO.EINVAL);
  });
  it("refuses a division or modulo by a constant 0 and a constant shift of 32 or more", () => {
    expect(bpf_check_classic([BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET(1)])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 0), RET(1)])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET(1)])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET(1)])).toBe(0);
  });
  it("refuses jumps past the end (conditional and JA) and unknown codes", () => {
    expect(bpf_check_classic([BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), RET(1)])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1), RET(1), RET(0)])).toBe(0);
    expect(bpf_check_classic([BPF_STMT(BPF_JMP | BPF_JA, 1), RET(1)])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(0xffff, 0), RET(1)])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_RET | BPF_X, 0)])).toBe(-ERRNO.EINVAL);
  });
  it("refuses scratch slots above 15, a slot read before a write on any path, unknown ancillary loads", () => {
    expect(bpf_check_classic([BPF_STMT(BPF_ST, 16), RET(1)])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_LD | BPF_MEM, 3), RET_A])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_ST, 3), BPF_STMT(BPF_LD | BPF_MEM, 3), RET_A])).toBe(0);
    // the write is skipped on the jump's true path
    const skipped = [
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0),
      BPF_STMT(BPF_ST, 2),
      BPF_STMT(BPF_LD | BPF_MEM, 2),
      RET_A,
    ];
    expect(bpf_check_classic(skipped)).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + 64), RET_A])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + 13), RET_A])).toBe(-ERRNO.EINVAL);
    expect(bpf_check_classic([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF), RET_A])).toBe(0);
  });
});

describe("bpf_prog_run on a netlink skb", () => {
  const msg = encodeMessage({ type: 0x1234, flags: 1, seq: 7, payload: Uint8Array.of(1, 2, 3, 4) });
  it("loads big-endian words, halves and bytes at absolute and indirect offsets", () => {
    // nlmsg_type is little-endian on the wire: ld h [4] sees 0x3412
    expect(run([BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 4), RET_A], msg)).toBe(0x3412);
    expect(run([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 16), RET_A], msg)).toBe(0x01020304);
    expect(run([BPF_STMT(BPF_LDX | BPF_IMM, 16), BPF_STMT(BPF_LD | BPF_B | BPF_IND, 3), RET_A], msg)).toBe(4);
    expect(run([BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 16), RET_A], msg)).toBe(1);
  });
  it("returns 0 (drop) when a load runs past the data, or reads a link-layer header", () => {
    expect(run([BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 17), RET(99)], msg)).toBe(0);
    expect(run([BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_LL_OFF), RET(99)], msg)).toBe(0);
  });
  it("LEN, MSH, TAX/TXA, scratch memory and the ALU, 32-bit unsigned", () => {
    expect(run([BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET_A], msg)).toBe(20);
    // ldx 4*([16]&0xf) leaves A alone
    const msh = [
      BPF_STMT(BPF_LD | BPF_IMM, 5),
      BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 19),
      BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
      RET_A,
    ];
    expect(run(msh, msg)).toBe(5 + 16);
    const mem = [
      BPF_STMT(BPF_LD | BPF_IMM, 7),
      BPF_STMT(BPF_ST, 4),
      BPF_STMT(BPF_MISC | BPF_TAX, 0),
      BPF_STMT(BPF_LD | BPF_IMM, 0),
      BPF_STMT(BPF_ALU | BPF_NEG, 0),
      BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
      BPF_STMT(BPF_LDX | BPF_MEM, 4),
      BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
      RET_A,
    ];
    expect(run(mem, msg)).toBe(14);
    expect(run([BPF_STMT(BPF_LD | BPF_IMM, 1), BPF_STMT(BPF_ALU | BPF_NEG, 0), RET_A], msg)).toBe(0xffffffff);
    expect(run([BPF_STMT(BPF_LDX | BPF_IMM, 3), BPF_STMT(BPF_MISC | BPF_TXA, 0), RET_A], msg)).toBe(3);
  });
  it("a division or modulo by X = 0 returns 0", () => {
    expect(run([BPF_STMT(BPF_LD | BPF_IMM, 9), BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), RET(5)], msg)).toBe(0);
    expect(run([BPF_STMT(BPF_LD | BPF_IMM, 9), BPF_STMT(BPF_ALU | BPF_MOD | BPF_X, 0), RET(5)], msg)).toBe(0);
  });
  it("jumps compare unsigned, JSET tests bits", () => {
    const gt = [BPF_STMT(BPF_LD | BPF_IMM, 0xffffffff), BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 1, 0, 1), RET(1), RET(2)];
    expect(run(gt, msg)).toBe(1);
    const jset = [BPF_STMT(BPF_LD | BPF_IMM, 4), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 3, 0, 1), RET(1), RET(2)];
    expect(run(jset, msg)).toBe(2);
    expect(run([BPF_STMT(BPF_JMP | BPF_JA, 1), RET(1), RET(2)], msg)).toBe(2);
  });
  it("ancillary loads: protocol 0, ALU_XOR_X, and IFINDEX exits with A (no device)", () => {
    expect(
      run(
        [BPF_STMT(BPF_LD | BPF_IMM, 3), BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL), RET_A],
        msg,
      ),
    ).toBe(0);
    const xor = [
      BPF_STMT(BPF_LD | BPF_IMM, 6),
      BPF_STMT(BPF_LDX | BPF_IMM, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_ALU_XOR_X),
      RET_A,
    ];
    expect(run(xor, msg)).toBe(5);
    const ifi = [
      BPF_STMT(BPF_LD | BPF_IMM, 77),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_IFINDEX),
      RET(1),
    ];
    expect(run(ifi, msg)).toBe(77);
  });
  it("SKF_AD_NLATTR finds an attribute's offset from A; SKF_AD_NLATTR_NEST looks inside the nest at A", () => {
    const attrs = new AttributeEncoder()
      .u32(1, 5)
      .nested(2, (e) => e.u16(7, 9).u32(8, 10))
      .finish();
    const m = encodeMessage({ type: 0x10, payload: attrs });
    const find = (type: number) => [
      BPF_STMT(BPF_LD | BPF_IMM, 16),
      BPF_STMT(BPF_LDX | BPF_IMM, type),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_NLATTR),
      RET_A,
    ];
    expect(run(find(1), m)).toBe(16);
    expect(run(find(2), m)).toBe(24);
    expect(run(find(8), m)).toBe(0); // only the top level
    const nest = [
      ...find(2).slice(0, 3),
      BPF_STMT(BPF_LDX | BPF_IMM, 8),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_NLATTR_NEST),
      RET_A,
    ];
    expect(run(nest, m)).toBe(36);
  });
});

describe("sk_filter and the socket options' functions", () => {
  it("keeps, trims to the program's answer, or drops (−EPERM)", () => {
    const sk = sock();
    const skb = skbOf(new Uint8Array(40));
    expect(sk_filter(sk, skb)).toBe(0);
    sk.sk_filter = [RET(0xffff)];
    expect(sk_filter(sk, skb)).toBe(0);
    expect(skb.len).toBe(40);
    sk.sk_filter = [RET(20)];
    expect(sk_filter(sk, skb)).toBe(0);
    expect(skb.len).toBe(20);
    sk.sk_filter = [RET(0)];
    expect(sk_filter(sk, skb)).toBe(-ERRNO.EPERM);
  });
  it("attach checks NULL, the length 1..4096, unmapped instructions and the checker; detach without one is ENOENT", () => {
    const sk = sock();
    expect(sk_attach_filter({ len: 0, filter: USER_NULL }, sk)).toBe(-ERRNO.EINVAL);
    expect(sk_attach_filter(fprog([RET(1)], 0), sk)).toBe(-ERRNO.EINVAL);
    expect(sk_attach_filter(fprog([RET(1)], 4097), sk)).toBe(-ERRNO.EINVAL);
    expect(sk_attach_filter(fprog([RET(1)], 2), sk)).toBe(-ERRNO.EFAULT);
    expect(sk_attach_filter(fprog([BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0)]), sk)).toBe(-ERRNO.EINVAL);
    expect(sk_detach_filter(sk)).toBe(-ERRNO.ENOENT);
    expect(sk_attach_filter(fprog([RET(1)]), sk)).toBe(0);
    expect(sk_detach_filter(sk)).toBe(0);
  });
  it("a locked socket refuses attach and detach with EPERM", () => {
    const sk = sock();
    expect(sk_attach_filter(fprog([RET(1)]), sk)).toBe(0);
    sk.sock_filter_locked = true;
    expect(sk_attach_filter(fprog([RET(2)]), sk)).toBe(-ERRNO.EPERM);
    expect(sk_detach_filter(sk)).toBe(-ERRNO.EPERM);
    expect(sk.sk_filter).toEqual([RET(1)]);
  });
  it("get counts instructions: 0 without a filter, the count for len 0, EINVAL when len is short", () => {
    const sk = sock();
    expect(sk_get_filter(sk, 8)).toEqual({ ret: 0, filter: [] });
    const prog = [BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0), RET_A];
    expect(sk_attach_filter(fprog(prog), sk)).toBe(0);
    expect(sk_get_filter(sk, 0)).toEqual({ ret: 2, filter: [] });
    expect(sk_get_filter(sk, 1).ret).toBe(-ERRNO.EINVAL);
    expect(sk_get_filter(sk, 5)).toEqual({ ret: 2, filter: prog });
    expect(decodeSockFilters(encodeSockFilters(prog))).toEqual(prog);
  });
});
