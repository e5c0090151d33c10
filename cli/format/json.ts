// Messages as JSON, in the shape shared/spec/scenario-format.md uses for a trace's `msgs`.
// One function for `nlsim decode --json` and for scenario traces, so the two never drift.
import {
  errnoName,
  NLM_F_CAPPED,
  NLMSG_ERROR,
  NLMSGERR_ATTR_COOKIE,
  NLMSGERR_ATTR_MISS_NEST,
  NLMSGERR_ATTR_MISS_TYPE,
  NLMSGERR_ATTR_MSG,
  NLMSGERR_ATTR_OFFS,
  NLMSGERR_ATTR_POLICY,
  NLMSGERR_SIZE,
  type NlMsg,
  parseNlmsgerr,
  toHex,
  utf8Decode,
} from "../../kernel-model/uapi/index.js";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface MsgJson {
  [key: string]: JsonValue;
}

/** Maps a port id for printing (scenario traces normalise them to "@name"); identity by default. */
export type PortIdFormatter = (pid: number) => JsonValue;
const rawPid: PortIdFormatter = (pid) => pid;

const u32At = (d: Uint8Array): number | undefined =>
  d.length === 4 ? (d[0]! | (d[1]! << 8) | (d[2]! << 16) | (d[3]! << 24)) >>> 0 : undefined;

/** The extack TLVs as an object in TLV order (msg, offs, cookie, policy, miss_type, miss_nest, attrN). */
const extackJson = (tlvs: NonNullable<ReturnType<typeof parseNlmsgerr>["tlvs"]>): MsgJson => {
  const out: MsgJson = {};
  for (const t of tlvs) {
    switch (t.type) {
      case NLMSGERR_ATTR_MSG: {
        const nul = t.data.indexOf(0);
        out.msg = utf8Decode(nul < 0 ? t.data : t.data.subarray(0, nul));
        break;
      }
      case NLMSGERR_ATTR_OFFS:
        out.offs = u32At(t.data) ?? toHex(t.data);
        break;
      case NLMSGERR_ATTR_COOKIE:
        out.cookie = toHex(t.data);
        break;
      case NLMSGERR_ATTR_POLICY:
        out.policy = toHex(t.data);
        break;
      case NLMSGERR_ATTR_MISS_TYPE:
        out.miss_type = u32At(t.data) ?? toHex(t.data);
        break;
      case NLMSGERR_ATTR_MISS_NEST:
        out.miss_nest = u32At(t.data) ?? toHex(t.data);
        break;
      default:
        out[`attr${t.type}`] = toHex(t.data);
    }
  }
  return out;
};

/**
 * One message as JSON: {len, type, flags, seq, pid, payload}; an NLMSG_ERROR with at least 20
 * payload bytes becomes {len, type, flags, seq, pid, error, errno?, req, extack?, tail?}.
 * `errno` (the error's name, absent for 0) extends the scenario format's shape.
 */
export const messageToJson = (m: NlMsg, fmtPid: PortIdFormatter = rawPid): MsgJson => {
  const head: MsgJson = { len: m.len, type: m.type, flags: m.flags, seq: m.seq, pid: fmtPid(m.pid) };
  if (m.type !== NLMSG_ERROR || m.payload.length < NLMSGERR_SIZE) return { ...head, payload: toHex(m.payload) };
  const e = parseNlmsgerr(m);
  const out: MsgJson = { ...head, error: e.error };
  const name = e.error !== 0 ? errnoName(e.error) : undefined;
  if (name !== undefined) out.errno = name;
  const req: MsgJson = { len: e.req.len, type: e.req.type, flags: e.req.flags, seq: e.req.seq, pid: fmtPid(e.req.pid) };
  if (!(m.flags & NLM_F_CAPPED)) req.payload = toHex(e.reqPayload ?? new Uint8Array(0));
  out.req = req;
  if (e.tlvs !== undefined) out.extack = extackJson(e.tlvs);
  if (e.tail.length > 0) out.tail = toHex(e.tail);
  return out;
};
