// A socket option's value as the walk shows it: a struct timeval for the timeouts, an int for the
// int-sized options, else the bytes in hex (what the program passed to setsockopt).
import { SO_RCVTIMEO, SO_SNDTIMEO, SOL_SOCKET } from "../../kernel-model/uapi/index.js";

const bytesOf = (hex: string): Uint8Array | undefined => {
  if (!/^(?:[0-9a-f]{2})*$/i.test(hex)) return undefined;
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
};

/** `value` (the optval in hex, as the trace records it) for option `name` at `level`. */
export const describeOptval = (level: number, name: number, value: string | null | undefined): string => {
  if (value === null || value === undefined) return "NULL";
  const b = bytesOf(value);
  if (b === undefined) return `0x${value}`;
  const dv = new DataView(b.buffer);
  if (level === SOL_SOCKET && (name === SO_RCVTIMEO || name === SO_SNDTIMEO) && b.length === 16) {
    // struct timeval on x86_64: two 64-bit longs (sock_set_timeout)
    const sec = dv.getBigInt64(0, true);
    const usec = dv.getBigInt64(8, true);
    const ms = Number(sec) * 1000 + Number(usec) / 1000;
    const what = sec === 0n && usec === 0n ? "no timeout" : `${ms} ms`;
    return `{tv_sec ${sec}, tv_usec ${usec}} (${what})`;
  }
  if (b.length === 4) return `${dv.getInt32(0, true)}`;
  return `0x${value}`;
};
