// A fake kernel module in a few lines: claims a protocol unit with the real kernel API
// (netlink_kernel_create, netlink_rcv_skb, netlink_ack, nlmsg_new/nlmsg_put, netlink_unicast,
// nlmsg_multicast, netlink_dump_start), so what a test's user program meets (queues, rcvbuf,
// overruns, ENOBUFS, softirq input, dumps split in rounds) is the model's, not a mock's.
//
//   const mod = fakeModule(world, { protocol: 25, groups: 2, handle(msg, reply) {
//     if (msg.type === 0x10) reply.send(0x10, msg.payload);
//     else reply.error("EOPNOTSUPP", { msg: "no such command" });
//   } });
import { GFP_ATOMIC } from "../../kernel-model/kernel/gfp.js";
import { kernel_enter } from "../../kernel-model/kernel/index.js";
import {
  NETLINK_CB,
  type NetlinkCallback,
  type NetlinkSock,
  netlink_ack,
  netlink_dump_start,
  netlink_kernel_create,
  netlink_kernel_release,
  netlink_rcv_skb,
  netlink_unicast,
  nl_dump_check_consistent,
  nlmsg_end,
  nlmsg_multicast,
  nlmsg_new,
  nlmsg_put,
  nlmsg_put_answer,
  type SkBuff,
} from "../../kernel-model/net/netlink/kernel-api.js";
import {
  ERRNO,
  errnoNumber,
  type NetlinkExtAck,
  NL_CFG_F_NONROOT_RECV,
  NL_CFG_F_NONROOT_SEND,
  NLM_F_ACK,
  NLM_F_MULTI,
  NLMSG_HDRLEN,
  type NlMsg,
} from "../../kernel-model/uapi/index.js";
import type { World } from "../../sim/world.js";

/** A request as the module saw it: the header fields, the payload, and who sent it. */
export interface FakeRequest extends NlMsg {
  /** the sender's port id (NETLINK_CB(skb).portid), where replies go */
  readonly portid: number;
  /** the whole message, header included (extack offsets count from its first byte) */
  readonly bytes: Uint8Array;
}

/** One message of a fake dump. */
export interface FakeDumpItem {
  readonly type: number;
  readonly payload?: Uint8Array;
  readonly flags?: number;
}

export interface FakeDumpOptions {
  /** at most this many messages per round (default: as many as fit the skb) */
  readonly perRound?: number;
  /** from this round on (0-based) the data's generation changes: the dump is marked NLM_F_DUMP_INTR */
  readonly changeAtRound?: number;
}

/** What a handler answers with; without a call, the kernel's default (an ACK only if NLM_F_ACK was asked). */
export interface FakeReply {
  /** an ACK (NLMSG_ERROR 0), even if the request did not ask for one */
  ack(): void;
  /** NLMSG_ERROR with −errno (a name or a number of either sign) and the extended ACK */
  error(errno: number | string, extack?: { readonly msg?: string; readonly offset?: number }): void;
  /** a reply message to the requester, with the request's seq; returns netlink_unicast's result */
  send(type: number, payload?: Uint8Array, flags?: number): number;
  /** answer with a dump (netlink_dump_start): the items in rounds, then NLMSG_DONE */
  dump(items: ReadonlyArray<FakeDumpItem>, options?: FakeDumpOptions): void;
}

export interface FakeModuleOptions {
  readonly protocol: number;
  /** multicast groups of the unit (default 32) */
  readonly groups?: number;
  /** NL_CFG_F_* (default: NONROOT_RECV | NONROOT_SEND, so unprivileged test processes may use it) */
  readonly flags?: number;
  /** called for every request (NLM_F_REQUEST, type ≥ 0x10), from the module's input */
  readonly handle?: (msg: FakeRequest, reply: FakeReply) => void;
}

export interface PushOptions {
  readonly flags?: number;
  readonly seq?: number;
}

export interface FakeModule {
  readonly protocol: number;
  /** the kernel socket (port id 0) */
  readonly sock: NetlinkSock;
  /** every request the handler saw, in order (copies) */
  readonly received: ReadonlyArray<FakeRequest>;
  /** netlink_unicast (non-blocking) of one message to a user port: its length or a negative errno */
  unicast(portid: number, type: number, payload?: Uint8Array, options?: PushOptions): number;
  /** nlmsg_multicast of one message to a group: 0, −ESRCH (no listener) or −ENOBUFS */
  broadcast(group: number, type: number, payload?: Uint8Array, options?: PushOptions): number;
  /** netlink_kernel_release */
  release(): void;
}

const EMPTY = new Uint8Array(0);

const toErrno = (e: number | string): number => {
  if (typeof e === "number") return Math.abs(e);
  const n = errnoNumber(e);
  if (n === undefined) throw new Error(`fakeModule: unknown errno name ${e}`);
  return n;
};

/** nlmsg_new + nlmsg_put + copy + nlmsg_end: one message in a fresh skb (atomic: input may run in a softirq). */
const oneMessage = (portid: number, seq: number, type: number, payload: Uint8Array, flags: number): SkBuff => {
  const skb = nlmsg_new(payload.length, GFP_ATOMIC);
  const nlh = nlmsg_put(skb, portid, seq, type, payload.length, flags)!;
  skb.head.set(payload, nlh.off + NLMSG_HDRLEN);
  nlmsg_end(skb, nlh);
  return skb;
};

/** Runs kernel code from test code with this world's kernel installed (a timer callback or the test body). */
const inKernel = <T>(world: World, f: () => T): T => kernel_enter(world.kernel, f);

/** Loads a fake module into the world (like insmod): its kernel socket claims `protocol`. */
export const fakeModule = (world: World, options: FakeModuleOptions): FakeModule => {
  const received: FakeRequest[] = [];
  const box: { sk: NetlinkSock | null } = { sk: null };

  const input = (skb: SkBuff): void => {
    netlink_rcv_skb(skb, (in_skb, nlh, extack: NetlinkExtAck) => {
      const bytes = nlh.msg.slice();
      const req: FakeRequest = {
        len: nlh.nlmsg_len,
        type: nlh.nlmsg_type,
        flags: nlh.nlmsg_flags,
        seq: nlh.nlmsg_seq,
        pid: nlh.nlmsg_pid,
        payload: bytes.subarray(NLMSG_HDRLEN),
        portid: NETLINK_CB(in_skb).portid,
        bytes,
      };
      received.push(req);
      let ret = 0;
      const ksk = box.sk!;
      const reply: FakeReply = {
        ack: () => {
          // netlink_rcv_skb acks by itself when NLM_F_ACK was asked
          if (!(nlh.nlmsg_flags & NLM_F_ACK)) netlink_ack(in_skb, nlh, 0, null);
        },
        error: (errno, ext) => {
          ret = -toErrno(errno);
          if (ext?.msg !== undefined) extack.msg = ext.msg;
          if (ext?.offset !== undefined) extack.badAttr = ext.offset;
        },
        send: (type, payload = EMPTY, flags = 0) =>
          netlink_unicast(ksk, oneMessage(req.portid, req.seq, type, payload, flags), req.portid, true),
        dump: (items, opts) => {
          ret = netlink_dump_start(ksk, in_skb, nlh, { dump: (out, cb) => fillRound(out, cb, items, opts) });
        },
      };
      options.handle?.(req, reply);
      return ret;
    });
  };

  const sk = world.insmod(
    () =>
      netlink_kernel_create(world.net, options.protocol, {
        groups: options.groups ?? 32,
        flags: options.flags ?? NL_CFG_F_NONROOT_RECV | NL_CFG_F_NONROOT_SEND,
        input,
      }),
    `fake-${options.protocol}`,
  );
  if (sk === null) throw new Error(`fakeModule: protocol ${options.protocol} is taken or out of range`);
  box.sk = sk;

  return {
    protocol: options.protocol,
    sock: sk,
    received,
    unicast: (portid, type, payload = EMPTY, o) =>
      inKernel(world, () =>
        netlink_unicast(sk, oneMessage(portid, o?.seq ?? 0, type, payload, o?.flags ?? 0), portid, true),
      ),
    broadcast: (group, type, payload = EMPTY, o) =>
      inKernel(world, () => nlmsg_multicast(sk, oneMessage(0, o?.seq ?? 0, type, payload, o?.flags ?? 0), 0, group)),
    release: () => inKernel(world, () => netlink_kernel_release(sk)),
  };
};

/**
 * One dump round: cb.args[0] is the next item, cb.args[1] the round. Puts items with NLM_F_MULTI
 * until the skb is full or `perRound` is reached; nl_dump_check_consistent marks the messages
 * after a generation change.
 */
const fillRound = (
  skb: SkBuff,
  cb: NetlinkCallback,
  items: ReadonlyArray<FakeDumpItem>,
  opts: FakeDumpOptions | undefined,
): number => {
  const round = cb.args[1]!;
  cb.args[1] = round + 1;
  cb.seq = opts?.changeAtRound !== undefined && round >= opts.changeAtRound ? 2 : 1;
  let i = cb.args[0]!;
  let put = 0;
  while (i < items.length && (opts?.perRound === undefined || put < opts.perRound)) {
    const it = items[i]!;
    const payload = it.payload ?? EMPTY;
    const nlh = nlmsg_put_answer(skb, cb, it.type, payload.length, NLM_F_MULTI | (it.flags ?? 0));
    if (nlh === null) break;
    skb.head.set(payload, nlh.off + NLMSG_HDRLEN);
    nlmsg_end(skb, nlh);
    nl_dump_check_consistent(cb, nlh);
    i++;
    put++;
  }
  cb.args[0] = i;
  if (i < items.length) return put > 0 ? skb.len : -ERRNO.EMSGSIZE;
  return 0;
};
