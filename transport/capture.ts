// A capture of a program's own netlink traffic on any transport: the Netlink service wrapped so
// that every datagram its sends and receives move is kept as a pcap frame (sim/pcap.ts, nlmon's
// format), timestamped by the program's Clock (real time on the kernel layer). On the simulator
// the world's trace gives a fuller capture (every delivery, other processes' included); this is
// the capture for real sockets, where nlmon would need root and a network device.
//
// nlmon taps once per skb delivered; seen from one program that is: a send (to the kernel or to
// another socket), and each datagram read that the program did not send itself (a kernel reply,
// a notification, a message from another process). A datagram one of the program's sockets sends
// to another is one frame, not two.
import { Clock, Context, Effect, Layer } from "effect";
import { MSG_PEEK } from "../kernel-model/uapi/index.js";
import { encodePcap, PACKET_KERNEL, PACKET_USER, type PcapFrame, type PcapOptions } from "../sim/pcap.js";
import { type Datagram, Netlink, type NetlinkService, type NetlinkSocket, type SocketAddress } from "./netlink.js";

/** The frames a capture has kept, and the capture file of them. */
export interface NetlinkCaptureService {
  /** the frames so far, in order; `t` is ns since `startNs` */
  readonly frames: () => ReadonlyArray<PcapFrame>;
  /** the Clock's time (ns since the epoch) when the capture began */
  readonly startNs: bigint;
  /** the capture file of the frames so far (timestamps: startNs + t) */
  readonly pcap: (opts?: Omit<PcapOptions, "epochNs">) => Uint8Array;
}

/** The capture a `captureLayer` keeps. */
export class NetlinkCapture extends Context.Service<NetlinkCapture, NetlinkCaptureService>()(
  "nlsim/transport/NetlinkCapture",
) {}

/** A send not yet matched by a read on one of the program's own sockets. */
interface Sent {
  readonly protocol: number;
  readonly bytes: Uint8Array;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** The nl_pid and nl_groups of an address (a raw struct sockaddr_nl: bytes 4..7 and 8..11). */
const destination = (to: SocketAddress): { pid: number; groups: number } => {
  if (!(to instanceof Uint8Array)) return { pid: to.pid >>> 0, groups: to.groups >>> 0 };
  if (to.length < 12) return { pid: 0, groups: 0 };
  const dv = new DataView(to.buffer, to.byteOffset, to.length);
  return { pid: dv.getUint32(4, true), groups: dv.getUint32(8, true) };
};

/**
 * `nl` with its sendto and recvmsg recorded: the wrapped service, and the capture. `now` reads
 * the time in ns since the epoch (the program's Clock).
 */
export const makeCapture = (
  nl: NetlinkService,
  startNs: bigint,
  now: Effect.Effect<bigint>,
): { readonly netlink: NetlinkService; readonly capture: NetlinkCaptureService } => {
  const frames: PcapFrame[] = [];
  /** user-to-user sends, until one of the program's sockets reads them */
  const sent: Sent[] = [];
  /** connect(2)'s peer per socket: a send without an address goes there (the kernel by default) */
  const peers = new Map<NetlinkSocket, { pid: number; groups: number }>();
  const keep = (t: bigint, protocol: number, pktType: number, bytes: Uint8Array): void => {
    frames.push({ t: Number(t - startNs), protocol, pktType, bytes });
  };
  /** A datagram one of the program's sockets read: a frame, unless one of its own sockets sent it (a frame already). */
  const received = (t: bigint, socket: NetlinkSocket, d: Datagram): void => {
    const bytes = d.data.slice(0, Math.min(d.data.length, d.length));
    const i =
      d.from.pid === 0 ? -1 : sent.findIndex((s) => s.protocol === socket.protocol && sameBytes(s.bytes, bytes));
    if (i >= 0) sent.splice(i, 1);
    else keep(t, socket.protocol, PACKET_USER, bytes);
  };
  const netlink: NetlinkService = {
    ...nl,
    connect: (socket, address) =>
      Effect.tap(nl.connect(socket, address), () =>
        Effect.sync(() => {
          if (address === "unspec") peers.delete(socket);
          else peers.set(socket, destination(address));
        }),
      ),
    sendto: (socket, data, options) =>
      Effect.flatMap(nl.sendto(socket, data, options), (n) =>
        Effect.map(now, (t) => {
          const to = options?.to === undefined ? (peers.get(socket) ?? { pid: 0, groups: 0 }) : destination(options.to);
          const bytes = data.slice(0, n);
          const toKernel = to.pid === 0 && to.groups === 0;
          keep(t, socket.protocol, toKernel ? PACKET_KERNEL : PACKET_USER, bytes);
          if (!toKernel) sent.push({ protocol: socket.protocol, bytes });
          return n;
        }),
      ),
    recvmsg: (socket, size, flags) =>
      Effect.flatMap(nl.recvmsg(socket, size, flags), (d) =>
        Effect.map(now, (t) => {
          if (((flags ?? 0) & MSG_PEEK) === 0) received(t, socket, d);
          return d;
        }),
      ),
    recvmmsg: (socket, count, size, flags) =>
      Effect.flatMap(nl.recvmmsg(socket, count, size, flags), (ds) =>
        Effect.map(now, (t) => {
          if (((flags ?? 0) & MSG_PEEK) === 0) for (const d of ds) received(t, socket, d);
          return ds;
        }),
      ),
  };
  const capture: NetlinkCaptureService = {
    frames: () => frames.slice(),
    startNs,
    pcap: (opts = {}) => encodePcap(frames, { ...opts, epochNs: startNs }),
  };
  return { netlink, capture };
};

/**
 * Wraps the Netlink service below it: the program's sends and receives are kept as capture
 * frames, read back through `NetlinkCapture` (its `pcap()` is the file). Put it over the kernel
 * layer: `Layer.provide(captureLayer, kernelLayer)`.
 */
export const captureLayer: Layer.Layer<Netlink | NetlinkCapture, never, Netlink> = Layer.effectContext(
  Effect.gen(function* () {
    const nl = yield* Netlink;
    const startNs = yield* Clock.currentTimeNanos;
    const { netlink, capture } = makeCapture(nl, startNs, Clock.currentTimeNanos);
    return Context.make(Netlink, netlink).pipe(Context.add(NetlinkCapture, capture));
  }),
);

/** Runs `program`, then hands the capture to `save` however the program ended (a failure's capture matters most). */
export const capturing = <A, E, R, E2>(
  program: Effect.Effect<A, E, R>,
  save: (capture: NetlinkCaptureService) => Effect.Effect<void, E2>,
): Effect.Effect<A, E | E2, R | NetlinkCapture> =>
  Effect.gen(function* () {
    const capture = yield* NetlinkCapture;
    const exit = yield* Effect.exit(program);
    yield* save(capture);
    return yield* exit;
  });
