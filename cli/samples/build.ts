// The bundled sample datagrams, built with the codec (cli/samples.test.ts checks the .bin files match).
// Run `npx tsx cli/samples/build.ts` to rewrite them.
import { writeFileSync } from "node:fs";
import {
  AttributeEncoder,
  CTRL_ATTR_FAMILY_ID,
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_HDRSIZE,
  CTRL_ATTR_MAXATTR,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_ATTR_MCAST_GRP_ID,
  CTRL_ATTR_MCAST_GRP_NAME,
  CTRL_ATTR_OP_FLAGS,
  CTRL_ATTR_OP_ID,
  CTRL_ATTR_OPS,
  CTRL_ATTR_VERSION,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_NEWFAMILY,
  concatBytes,
  encodeGenlmsghdr,
  encodeMessage,
  encodeMessages,
  encodeNlmsgerr,
  GENL_ID_CTRL,
  NLM_F_ACK,
  NLM_F_REQUEST,
} from "../../kernel-model/uapi/index.js";

const PORT_ID = 4242;

/** The GETFAMILY "nlctrl" request a user sends on NETLINK_GENERIC (REQUEST|ACK, seq 1). */
export const nlctrlRequest = (): Uint8Array =>
  encodeMessage({
    type: GENL_ID_CTRL,
    flags: NLM_F_REQUEST | NLM_F_ACK,
    seq: 1,
    pid: 0,
    payload: concatBytes([
      encodeGenlmsghdr({ cmd: CTRL_CMD_GETFAMILY, version: 1 }),
      new AttributeEncoder().string(CTRL_ATTR_FAMILY_NAME, "nlctrl").finish(),
    ]),
  });

/** What the real kernel answers (af_netlink.md §12): the 136-byte NEWFAMILY reply, then the ACK. */
export const nlctrlReplyDatagram = (): Uint8Array => {
  const attrs = new AttributeEncoder()
    .string(CTRL_ATTR_FAMILY_NAME, "nlctrl")
    .u16(CTRL_ATTR_FAMILY_ID, GENL_ID_CTRL)
    .u32(CTRL_ATTR_VERSION, 2)
    .u32(CTRL_ATTR_HDRSIZE, 0)
    .u32(CTRL_ATTR_MAXATTR, 0)
    // genetlink's ctrl_fill_info uses nla_nest_start_noflag: no NLA_F_NESTED on these nests
    .nested(
      CTRL_ATTR_OPS,
      (ops) =>
        ops
          .nested(1, (op) => op.u32(CTRL_ATTR_OP_ID, CTRL_CMD_GETFAMILY).u32(CTRL_ATTR_OP_FLAGS, 0x0e), false)
          .nested(2, (op) => op.u32(CTRL_ATTR_OP_ID, 10).u32(CTRL_ATTR_OP_FLAGS, 0x0c), false),
      false,
    )
    .nested(
      CTRL_ATTR_MCAST_GROUPS,
      (groups) =>
        groups.nested(1, (g) => g.u32(CTRL_ATTR_MCAST_GRP_ID, 16).string(CTRL_ATTR_MCAST_GRP_NAME, "notify"), false),
      false,
    )
    .finish();
  const reply = encodeMessages(
    [
      {
        type: GENL_ID_CTRL,
        flags: 0,
        seq: 1,
        pid: PORT_ID,
        payload: concatBytes([encodeGenlmsghdr({ cmd: CTRL_CMD_NEWFAMILY, version: 2 }), attrs]),
      },
    ],
    true,
  );
  const ack = encodeNlmsgerr({ error: 0, request: nlctrlRequest(), pid: PORT_ID, capped: true });
  return concatBytes([reply, ack]);
};

/** The 40-byte EOPNOTSUPP reply of af_netlink.md §7 (request type 0x7fff, payload 11223344). */
export const routeEopnotsuppReply = (): Uint8Array =>
  encodeNlmsgerr({
    error: -95,
    request: encodeMessage({
      type: 0x7fff,
      flags: NLM_F_REQUEST | NLM_F_ACK,
      seq: 1,
      pid: 0,
      payload: Uint8Array.of(0x11, 0x22, 0x33, 0x44),
    }),
    pid: PORT_ID,
    capped: false,
  });

export const SAMPLES: Readonly<Record<string, () => Uint8Array>> = {
  "nlctrl-reply.bin": nlctrlReplyDatagram,
  "route-eopnotsupp.bin": routeEopnotsuppReply,
};

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const [name, build] of Object.entries(SAMPLES)) {
    writeFileSync(new URL(name, import.meta.url), build());
  }
}
