import { describe, expect, it } from "vitest";
import {
  AttributeEncoder,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_OPS,
  CTRL_CMD_DELFAMILY,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_CMD_NEWFAMILY,
  CTRL_CMD_NEWMCAST_GRP,
  ERRNO,
  encodeGenlmsghdr,
  encodeMessage,
  extAckInfo,
  GENL_ADMIN_PERM,
  GENL_ID_CTRL,
  getU16,
  getU32,
  MSG_DONTWAIT,
  NETLINK_ADD_MEMBERSHIP,
  NETLINK_EXT_ACK,
  NETLINK_GENERIC,
  NL_CFG_F_NONROOT_RECV,
  NLA_NUL_STRING,
  NLA_U8,
  NLA_U32,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_MULTI,
  NLM_F_REQUEST,
  NLM_F_ROOT,
  NLMSG_DONE,
  NLMSG_ERROR,
  type NlAttr,
  type NlMsg,
  nlaPolicy,
  parseAttrs,
  parseGenlmsghdr,
  parseMessages,
  parseNested,
  parseNlmsgerr,
  SOL_NETLINK,
  toHex,
} from "../../uapi/index.js";
import type { Cred } from "../core/sock.js";
import { netlink_recvmsg, netlink_sendmsg, setsockopt } from "../netlink/af_netlink.js";
import type { NetlinkCallback } from "../netlink/dump.js";
import { nla_put_u32, nlmsg_new } from "../netlink/nlmsg.js";
import type { SkBuff } from "../netlink/skb.js";
import type { NetlinkSock } from "../netlink/sock.js";
import type { Net } from "../netlink/table.js";
import { newNet, nladdr, openBound, ROOT, USER } from "../netlink/test-helpers.js";
import { genl_ctrl, genl_init } from "./ctrl.js";
import {
  type GenlFamily,
  type GenlInfo,
  genl_family_find_byname,
  genl_net,
  genl_register_family,
  genl_unregister_family,
} from "./family.js";
import {
  genl_info_dump,
  genlmsg_cancel,
  genlmsg_end,
  genlmsg_multicast,
  genlmsg_new,
  genlmsg_put,
  genlmsg_reply,
} from "./genetlink.js";

/** The live reply to CTRL_CMD_GETFAMILY "nlctrl" (seq 1, port id 0x1092), then its ACK (cli/samples). */
const LIVE_REPLY =
  "88000000100000000100000092100000010200000b0002006e6c6374726c000006000100100000000800030002000000" +
  "080004000000000008000500000000002c000600140001000800010003000000080002000e0000001400020008000100" +
  "0a000000080002000c0000001c0007001800010008000200100000000b0001006e6f746966790000";
const LIVE_ACK = "240000000200000101000000921000000000000020000000100005000100000092100000";

const setup = (): { net: Net; sk: NetlinkSock } => {
  const net = newNet();
  const ksk = genl_init(net);
  if (typeof ksk === "number") throw new Error(`genl_init: ${ksk}`);
  return { net, sk: openBound(net, 0x1092, 0, NETLINK_GENERIC) };
};

interface GenlRequest {
  type?: number;
  cmd: number;
  flags?: number;
  seq?: number;
  attrs?: (e: AttributeEncoder) => unknown;
  version?: number;
}

const genlRequest = (r: GenlRequest): Uint8Array => {
  const e = new AttributeEncoder();
  r.attrs?.(e);
  const a = e.finish();
  const payload = new Uint8Array(4 + a.length);
  payload.set(encodeGenlmsghdr({ cmd: r.cmd, version: r.version ?? 1 }));
  payload.set(a, 4);
  return encodeMessage({
    type: r.type ?? GENL_ID_CTRL,
    flags: r.flags ?? NLM_F_REQUEST | NLM_F_ACK,
    seq: r.seq ?? 1,
    pid: 0x1092,
    payload,
  });
};

const send = (sk: NetlinkSock, req: Uint8Array, cred: Cred = ROOT): number =>
  netlink_sendmsg(sk, cred, req, 0, nladdr(0));

const recvRaw = (sk: NetlinkSock): Uint8Array => {
  const r = netlink_recvmsg(sk, 65536, MSG_DONTWAIT);
  if (r.ret < 0) throw new Error(`recv: ${r.ret}`);
  return r.data;
};
const recv = (sk: NetlinkSock): NlMsg[] => parseMessages(recvRaw(sk));
const recvError = (sk: NetlinkSock): number => {
  const m = recv(sk)[0]!;
  expect(m.type).toBe(NLMSG_ERROR);
  return parseNlmsgerr(m).error;
};
const nothingQueued = (sk: NetlinkSock): void => {
  expect(netlink_recvmsg(sk, 65536, MSG_DONTWAIT).ret).toBe(-ERRNO.EAGAIN);
};

/** The attributes of a genetlink message by type. */
const genlAttrs = (m: NlMsg): Map<number, NlAttr> =>
  new Map(parseAttrs(m.payload.subarray(4), 20).map((a) => [a.type, a]));
const strz = (a: NlAttr): string => new TextDecoder().decode(a.data.subarray(0, a.data.indexOf(0)));

/** {id, flags} of the OPS nest and {id, name} of the MCAST_GROUPS nest of a NEWFAMILY message. */
const describeFamily = (m: NlMsg) => {
  const t = genlAttrs(m);
  const ops = t.has(CTRL_ATTR_OPS)
    ? parseNested(t.get(CTRL_ATTR_OPS)!).map((op) => {
        const f = new Map(parseNested(op).map((a) => [a.type, a]));
        return [getU32(f.get(1)!.data, 0), getU32(f.get(2)!.data, 0)];
      })
    : [];
  const groups = t.has(CTRL_ATTR_MCAST_GROUPS)
    ? parseNested(t.get(CTRL_ATTR_MCAST_GROUPS)!).map((g) => {
        const f = new Map(parseNested(g).map((a) => [a.type, a]));
        return [getU32(f.get(2)!.data, 0), strz(f.get(1)!)];
      })
    : [];
  return { name: strz(t.get(CTRL_ATTR_FAMILY_NAME)!), id: getU16(t.get(CTRL_ATTR_FAMILY_ID)!.data, 0), ops, groups };
};

// A test family: echo (do), admin (do, GENL_ADMIN_PERM), list (dump), two multicast groups.
const T_CMD_ECHO = 1;
const T_CMD_ADMIN = 2;
const T_CMD_LIST = 3;
const T_ATTR_VALUE = 1;
const T_ATTR_NAME = 2;
const T_ATTR_COUNT = 3;

const testFamily = (name = "nlsim_test"): GenlFamily => {
  const family: GenlFamily = {
    name,
    version: 1,
    maxattr: 3,
    policy: nlaPolicy(3, {
      [T_ATTR_VALUE]: { type: NLA_U32 },
      [T_ATTR_NAME]: { type: NLA_NUL_STRING, len: 7 },
      [T_ATTR_COUNT]: { type: NLA_U8 },
    }),
    ops: [
      {
        cmd: T_CMD_ECHO,
        doit: (_skb: SkBuff, info: GenlInfo) => {
          const v = info.attrs?.[T_ATTR_VALUE];
          if (v === undefined) return -ERRNO.EINVAL;
          const msg = genlmsg_new(8);
          const hdr = genlmsg_put(msg, info.snd_portid, info.snd_seq, family, 0, T_CMD_ECHO)!;
          nla_put_u32(msg, T_ATTR_VALUE, getU32(v.data, 0) + 1);
          genlmsg_end(msg, hdr);
          return genlmsg_reply(msg, info);
        },
      },
      { cmd: T_CMD_ADMIN, flags: GENL_ADMIN_PERM, doit: () => 0 },
      {
        cmd: T_CMD_LIST,
        dumpit: (skb: SkBuff, cb: NetlinkCallback) => {
          const count = genl_info_dump(cb).attrs?.[T_ATTR_COUNT]?.data[0] ?? 3;
          let i = cb.args[0]!;
          for (; i < count; i++) {
            const hdr = genlmsg_put(skb, cb.skb.cb.portid, cb.nlh.nlmsg_seq, family, NLM_F_MULTI, T_CMD_LIST);
            if (hdr === null) break;
            if (nla_put_u32(skb, T_ATTR_VALUE, i)) {
              genlmsg_cancel(skb, hdr);
              break;
            }
            genlmsg_end(skb, hdr);
          }
          cb.args[0] = i;
          return i === count ? 0 : skb.len;
        },
      },
    ],
    mcgrps: [{ name: "events" }, { name: "alerts" }],
  };
  return family;
};

describe("genl_init and the nlctrl family", () => {
  it("creates the NETLINK_GENERIC kernel socket: 64 groups, NONROOT_RECV; nlctrl is id 0x10", () => {
    const { net } = setup();
    const tbl = net.nl_table[NETLINK_GENERIC]!;
    expect([tbl.groups, tbl.flags]).toEqual([64, NL_CFG_F_NONROOT_RECV]);
    expect(genl_ctrl(net)!.id).toBe(GENL_ID_CTRL);
    expect(genl_ctrl(net)!.mcgrp_offset).toBe(16);
    expect(genl_init(net)).toBe(-ERRNO.EEXIST);
    // a user may join the notify group
    const user = openBound(net, 7, 0, NETLINK_GENERIC, USER);
    expect(setsockopt(user, USER, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, Uint8Array.of(16, 0, 0, 0))).toBe(0);
  });

  it("resolving nlctrl gives the live 136-byte reply, byte for byte, then a separate ACK", () => {
    const { sk } = setup();
    const req = genlRequest({ cmd: CTRL_CMD_GETFAMILY, attrs: (e) => e.string(CTRL_ATTR_FAMILY_NAME, "nlctrl") });
    expect(send(sk, req)).toBe(32);
    expect(toHex(recvRaw(sk))).toBe(LIVE_REPLY);
    expect(toHex(recvRaw(sk))).toBe(LIVE_ACK);
    nothingQueued(sk);
  });

  it("without NLM_F_ACK there is only the reply", () => {
    const { sk } = setup();
    send(sk, genlRequest({ cmd: 3, flags: NLM_F_REQUEST, attrs: (e) => e.string(CTRL_ATTR_FAMILY_NAME, "nlctrl") }));
    expect(recvRaw(sk).length).toBe(136);
    nothingQueued(sk);
  });

  it("looks a family up by id (a u16)", () => {
    const { sk } = setup();
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, attrs: (e) => e.u16(CTRL_ATTR_FAMILY_ID, GENL_ID_CTRL) }));
    expect(toHex(recvRaw(sk))).toBe(LIVE_REPLY);
  });

  it("the name wins over the id, found or not", () => {
    const { net, sk } = setup();
    genl_register_family(net, testFamily());
    send(
      sk,
      genlRequest({
        cmd: CTRL_CMD_GETFAMILY,
        attrs: (e) => e.u16(CTRL_ATTR_FAMILY_ID, 0x13).string(CTRL_ATTR_FAMILY_NAME, "nlctrl"),
      }),
    );
    expect(describeFamily(recv(sk)[0]!).name).toBe("nlctrl");
    recv(sk); // ACK
    send(
      sk,
      genlRequest({
        cmd: CTRL_CMD_GETFAMILY,
        attrs: (e) => e.u16(CTRL_ATTR_FAMILY_ID, GENL_ID_CTRL).string(CTRL_ATTR_FAMILY_NAME, "nosuch"),
      }),
    );
    expect(recvError(sk)).toBe(-ERRNO.ENOENT);
  });

  it("ACKs errors with the kernel's errno: EINVAL, ENOENT, EOPNOTSUPP", () => {
    const { sk } = setup();
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY })); // neither name nor id
    expect(recvError(sk)).toBe(-ERRNO.EINVAL);
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, attrs: (e) => e.u16(CTRL_ATTR_FAMILY_ID, 0x99) }));
    expect(recvError(sk)).toBe(-ERRNO.ENOENT);
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, attrs: (e) => e.string(CTRL_ATTR_FAMILY_NAME, "nosuch") }));
    expect(recvError(sk)).toBe(-ERRNO.ENOENT);
    send(sk, genlRequest({ type: 0x99, cmd: 1 })); // unknown family id
    expect(recvError(sk)).toBe(-ERRNO.ENOENT);
    send(sk, genlRequest({ cmd: 99 })); // unknown command
    expect(recvError(sk)).toBe(-ERRNO.EOPNOTSUPP);
    send(sk, genlRequest({ cmd: CTRL_CMD_GETPOLICY })); // a dump-only command asked as a do
    expect(recvError(sk)).toBe(-ERRNO.EOPNOTSUPP);
    // a name of 16 characters has no NUL within GENL_NAMSIZ: the policy refuses it
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, attrs: (e) => e.string(CTRL_ATTR_FAMILY_NAME, "a".repeat(16)) }));
    expect(recvError(sk)).toBe(-ERRNO.EINVAL);
    // a message shorter than nlmsghdr + genlmsghdr
    send(sk, encodeMessage({ type: GENL_ID_CTRL, flags: NLM_F_REQUEST, seq: 9 }));
    expect(recvError(sk)).toBe(-ERRNO.EINVAL);
    nothingQueued(sk);
  });

  it("dumps every family in id order, NLM_F_MULTI, with DONE in the same datagram; no ACK", () => {
    const { net, sk } = setup();
    genl_register_family(net, testFamily());
    genl_register_family(net, { name: "second", version: 3, small_ops: [{ cmd: 1, doit: () => 0 }] });
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, flags: NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, seq: 5 }));
    // everything fits one round: the dump is over before the first read (ctrl_dumpfamily returned 0)
    expect(sk.cb_running).toBe(false);
    const r1 = recv(sk);
    expect(r1.map((m) => [m.type, m.flags, m.seq])).toEqual([
      [GENL_ID_CTRL, NLM_F_MULTI, 5],
      [GENL_ID_CTRL, NLM_F_MULTI, 5],
      [GENL_ID_CTRL, NLM_F_MULTI, 5],
      [NLMSG_DONE, NLM_F_MULTI, 5],
    ]);
    const families = r1.slice(0, 3);
    expect(families.map((m) => parseGenlmsghdr(m.payload).cmd)).toEqual([CTRL_CMD_NEWFAMILY, 1, 1]);
    expect(families.map((m) => describeFamily(m).id)).toEqual([0x10, 0x13, 0x14]);
    expect(families.map((m) => describeFamily(m).name)).toEqual(["nlctrl", "nlsim_test", "second"]);
    expect(toHex(r1[0]!.payload)).toBe(LIVE_REPLY.slice(32));
    nothingQueued(sk);
  });

  it("NLM_F_ROOT alone is not a dump for genetlink (both bits needed): GETFAMILY's doit answers EINVAL", () => {
    const { sk } = setup();
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, flags: NLM_F_REQUEST | NLM_F_ROOT, seq: 6 }));
    expect(sk.cb_running).toBe(false);
    expect(recvError(sk)).toBe(-ERRNO.EINVAL);
    nothingQueued(sk);
  });
});

describe("genl_register_family and dispatch", () => {
  it("assigns ids from GENL_START_ALLOC (cyclically) and group ids from the first free bits", () => {
    const { net, sk } = setup();
    const a = testFamily("fam_a");
    expect(genl_register_family(net, a)).toBe(0);
    expect([a.id, a.mcgrp_offset]).toEqual([0x13, 2]); // bits 0, 1 and 16..18 are reserved
    const b = testFamily("fam_b");
    expect(genl_register_family(net, b)).toBe(0);
    expect([b.id, b.mcgrp_offset]).toEqual([0x14, 4]);
    expect(genl_register_family(net, testFamily("fam_a"))).toBe(-ERRNO.EEXIST);
    expect(genl_unregister_family(net, a)).toBe(0);
    expect(genl_unregister_family(net, a)).toBe(-ERRNO.ENOENT);
    expect(genl_family_find_byname(net, "fam_a")).toBeUndefined();
    const c = testFamily("fam_c");
    genl_register_family(net, c);
    expect([c.id, c.mcgrp_offset]).toEqual([0x15, 2]); // ids cycle on, group bits are reused
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, attrs: (e) => e.u16(CTRL_ATTR_FAMILY_ID, 0x13) }));
    expect(recvError(sk)).toBe(-ERRNO.ENOENT);
  });

  it("refuses bad families: no handler, a duplicate command, a long name", () => {
    const net = newNet();
    genl_init(net);
    expect(genl_register_family(net, { name: "x", version: 1, ops: [{ cmd: 1 }] })).toBe(-ERRNO.EINVAL);
    const dup = { name: "y", version: 1, small_ops: [1, 1].map((cmd) => ({ cmd, doit: () => 0 })) };
    expect(genl_register_family(net, dup)).toBe(-ERRNO.EINVAL);
    expect(genl_register_family(net, { name: "a".repeat(16), version: 1 })).toBe(-ERRNO.EINVAL);
  });

  it("nlctrl reports the family's ops with computed flags and its groups", () => {
    const { net, sk } = setup();
    genl_register_family(net, testFamily());
    send(sk, genlRequest({ cmd: CTRL_CMD_GETFAMILY, attrs: (e) => e.string(CTRL_ATTR_FAMILY_NAME, "nlsim_test") }));
    expect(describeFamily(recv(sk)[0]!)).toEqual({
      name: "nlsim_test",
      id: 0x13,
      // DO|HASPOL, ADMIN|DO|HASPOL, DUMP|HASPOL (the family's policy applies to every op)
      ops: [
        [1, 0x0a],
        [2, 0x0b],
        [3, 0x0c],
      ],
      groups: [
        [2, "events"],
        [3, "alerts"],
      ],
    });
  });

  it("runs a do op with parsed attributes and replies to the requester", () => {
    const { net, sk } = setup();
    const fam = testFamily();
    genl_register_family(net, fam);
    send(sk, genlRequest({ type: fam.id!, cmd: T_CMD_ECHO, seq: 77, attrs: (e) => e.u32(T_ATTR_VALUE, 41) }));
    const [reply] = recv(sk);
    expect([reply!.type, reply!.seq, reply!.pid]).toEqual([0x13, 77, 0x1092]);
    expect(parseGenlmsghdr(reply!.payload)).toEqual({ cmd: T_CMD_ECHO, version: 1, reserved: 0 });
    expect(getU32(genlAttrs(reply!).get(T_ATTR_VALUE)!.data, 0)).toBe(42);
    expect(recvError(sk)).toBe(0);
  });

  it("parses strictly: an unknown attribute type is EINVAL with the kernel's extack", () => {
    const { net, sk } = setup();
    const fam = testFamily();
    genl_register_family(net, fam);
    setsockopt(sk, ROOT, SOL_NETLINK, NETLINK_EXT_ACK, Uint8Array.of(1, 0, 0, 0));
    send(sk, genlRequest({ type: fam.id!, cmd: T_CMD_ECHO, attrs: (e) => e.u32(T_ATTR_VALUE, 1).u32(9, 0) }));
    const m = recv(sk)[0]!;
    const err = parseNlmsgerr(m);
    expect(err.error).toBe(-ERRNO.EINVAL);
    const info = extAckInfo(err.tlvs!);
    expect(info.msg).toBe("Unknown attribute type");
    expect(info.offs).toBe(16 + 4 + 8);
    // a wrongly sized u32 fails the policy
    send(sk, genlRequest({ type: fam.id!, cmd: T_CMD_ECHO, attrs: (e) => e.u16(T_ATTR_VALUE, 1) }));
    expect(recvError(sk)).toBe(-ERRNO.EINVAL);
  });

  it("GENL_ADMIN_PERM without CAP_NET_ADMIN is EPERM", () => {
    const { net, sk } = setup();
    const fam = testFamily();
    genl_register_family(net, fam);
    send(sk, genlRequest({ type: fam.id!, cmd: T_CMD_ADMIN }), USER);
    expect(recvError(sk)).toBe(-ERRNO.EPERM);
    send(sk, genlRequest({ type: fam.id!, cmd: T_CMD_ADMIN }), ROOT);
    expect(recvError(sk)).toBe(0);
  });

  it("runs a dump op through netlink_dump_start, with the request's attributes; EBUSY while it runs", () => {
    const { net, sk } = setup();
    const fam = testFamily();
    genl_register_family(net, fam);
    // 200 items (28 bytes each) do not fit one GOODSIZE round: the dump keeps running after sendmsg
    const dumpReq = (seq: number) =>
      genlRequest({
        type: fam.id!,
        cmd: T_CMD_LIST,
        seq,
        flags: NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK,
        attrs: (e) => e.u8(T_ATTR_COUNT, 200),
      });
    send(sk, dumpReq(1));
    expect(sk.cb_running).toBe(true);
    send(sk, dumpReq(2));
    const all: NlMsg[] = [];
    for (let i = 0; i < 10 && sk.sk_receive_queue.length > 0; i++) all.push(...recv(sk));
    const items = all.filter((m) => m.type === fam.id);
    expect(items).toHaveLength(200);
    expect(items.every((m) => m.flags === NLM_F_MULTI && m.seq === 1)).toBe(true);
    expect(items.map((m) => getU32(genlAttrs(m).get(T_ATTR_VALUE)!.data, 0))).toEqual([...Array(200).keys()]);
    const errors = all.filter((m) => m.type === NLMSG_ERROR);
    expect(errors.map((m) => [m.seq, parseNlmsgerr(m).error])).toEqual([[2, -ERRNO.EBUSY]]);
    expect(all.filter((m) => m.type === NLMSG_DONE)).toHaveLength(1);
    expect(sk.cb_running).toBe(false);
  });

  it("a dump request's attributes are validated by genl_start (strict): EINVAL, no dump", () => {
    const { net, sk } = setup();
    const fam = testFamily();
    genl_register_family(net, fam);
    send(
      sk,
      genlRequest({ type: fam.id!, cmd: T_CMD_LIST, flags: NLM_F_REQUEST | NLM_F_DUMP, attrs: (e) => e.u32(9, 0) }),
    );
    expect(recvError(sk)).toBe(-ERRNO.EINVAL);
    expect(sk.cb_running).toBe(false);
  });

  it("announces NEWFAMILY and NEWMCAST_GRP on nlctrl's notify group (16); DELFAMILY on unregister", () => {
    const { net } = setup();
    const listener = openBound(net, 55, 0, NETLINK_GENERIC, USER);
    setsockopt(listener, USER, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, Uint8Array.of(16, 0, 0, 0));
    const fam = testFamily();
    genl_register_family(net, fam);
    const msgs = [recv(listener), recv(listener), recv(listener)].map((m) => m[0]!);
    expect(msgs.map((m) => [m.type, parseGenlmsghdr(m.payload).cmd, m.seq, m.pid])).toEqual([
      [GENL_ID_CTRL, CTRL_CMD_NEWFAMILY, 0, 0],
      [GENL_ID_CTRL, CTRL_CMD_NEWMCAST_GRP, 0, 0],
      [GENL_ID_CTRL, CTRL_CMD_NEWMCAST_GRP, 0, 0],
    ]);
    expect(describeFamily(msgs[0]!).ops).toHaveLength(3);
    expect(describeFamily(msgs[2]!)).toMatchObject({ name: "nlsim_test", id: 0x13, ops: [], groups: [[3, "alerts"]] });
    genl_unregister_family(net, fam);
    const del = [recv(listener), recv(listener), recv(listener)].map((m) => parseGenlmsghdr(m[0]!.payload).cmd);
    expect(del).toEqual([8, 8, CTRL_CMD_DELFAMILY]);
  });

  it("genlmsg_multicast sends to the family's group by index; unregister clears its members", () => {
    const { net } = setup();
    const fam = testFamily();
    genl_register_family(net, fam);
    const l = openBound(net, 56, 0, NETLINK_GENERIC, USER);
    setsockopt(l, USER, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, Uint8Array.of(3, 0, 0, 0)); // "alerts"
    const ksk = genl_net(net).genl_sock!;
    const msg = genlmsg_new(8);
    const hdr = genlmsg_put(msg, 0, 0, fam, 0, 9)!;
    nla_put_u32(msg, 1, 5);
    genlmsg_end(msg, hdr);
    expect(genlmsg_multicast(net, fam, msg, 0, 1)).toBe(0);
    const r = netlink_recvmsg(l, 65536, MSG_DONTWAIT);
    expect(r.name).toEqual({ pid: 0, groups: 1 << 2 });
    expect(parseMessages(r.data)[0]!.type).toBe(0x13);
    expect(genlmsg_multicast(net, fam, nlmsg_new(0), 0, 2)).toBe(-ERRNO.EINVAL);
    genl_unregister_family(net, fam);
    expect(l.groups![0]).toBe(0);
    expect(ksk.net.nl_table[NETLINK_GENERIC]!.mc_list).not.toContain(l);
  });
});
