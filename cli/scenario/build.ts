// Scenario message and address specs to the bytes a program would pass to the kernel.
import { NLA_ALIGN, NLMSG_ALIGN, putU16, putU32 } from "../../kernel-model/uapi/index.js";
import type { AddrSpec, AttrSpec, MsgSpec, PortRef } from "./model.js";

export type ResolvePort = (ref: PortRef) => number;

const attrBytes = (a: AttrSpec): Uint8Array => {
  const body = "nested" in a ? concat(a.nested.map(attrBytes)) : a.data;
  const out = new Uint8Array(NLA_ALIGN(4 + body.length));
  putU16(out, 0, a.len ?? 4 + body.length);
  putU16(out, 2, a.type);
  out.set(body, 4);
  return out;
};

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** One message: header, payload (padded to 4 when attributes follow), attributes. */
export const messageBytes = (m: MsgSpec, resolve: ResolvePort): Uint8Array => {
  if (m.kind === "hex") return m.bytes;
  const attrs = m.attrs === undefined ? undefined : concat(m.attrs.map(attrBytes));
  const payloadLen = attrs === undefined ? m.payload.length : NLMSG_ALIGN(m.payload.length);
  const out = new Uint8Array(16 + payloadLen + (attrs?.length ?? 0));
  putU32(out, 0, m.len ?? out.length);
  putU16(out, 4, m.type);
  putU16(out, 6, m.flags);
  putU32(out, 8, m.seq);
  putU32(out, 12, resolve(m.pid));
  out.set(m.payload, 16);
  if (attrs !== undefined) out.set(attrs, 16 + payloadLen);
  return out;
};

/** A datagram: each message but the last padded to 4 bytes. */
export const datagramBytes = (msgs: ReadonlyArray<MsgSpec>, resolve: ResolvePort): Uint8Array => {
  const parts = msgs.map((m) => messageBytes(m, resolve));
  return concat(
    parts.map((p, i) =>
      i < parts.length - 1 && p.length % 4 !== 0 ? concat([p, new Uint8Array(4 - (p.length % 4))]) : p,
    ),
  );
};

/** struct sockaddr_nl, zero-extended or cut to `addrlen`. */
export const sockaddrBytes = (a: AddrSpec, resolve: ResolvePort): Uint8Array => {
  const full = new Uint8Array(Math.max(12, a.addrlen ?? 12));
  putU16(full, 0, a.family ?? 16);
  putU16(full, 2, a.pad ?? 0);
  putU32(full, 4, resolve(a.pid));
  putU32(full, 8, a.groups);
  return full.subarray(0, a.addrlen ?? 12);
};
