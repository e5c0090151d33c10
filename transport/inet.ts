// AF_INET sockets as an Effect service, beside Netlink, for what the examples do with them:
// socket/setsockopt/getsockopt/close (nf_sockopt's channel: a module's own option numbers at level
// IPPROTO_IP). The sim layer (transport/sim-files.ts) runs them on the model; a kernel layer runs
// them on real sockets through native/, unchanged for the program.
//
// Contract every layer implements
// - Each method is one syscall with the kernel's result; a failure is an InetError with the errno
//   name and the syscall. `socket` is scoped (closed with the scope).
// - setsockopt returns the syscall's value: 0, or whatever positive value the kernel handler
//   returned (nf_sockopt passes a set handler's return through).
// - User buffers: setsockopt's `optlen` larger than the value, or getsockopt's `mapped` smaller
//   than `length`, describe a buffer ending at an unmapped page; a `null` value is a NULL optval.
import { Context, Data, type Effect, type Scope } from "effect";
import { errnoFields } from "./syscall-error.js";

/** A failed syscall on an AF_INET socket. */
export class InetError extends Data.TaggedError("InetError")<{
  readonly errno: string;
  readonly code: number;
  readonly syscall: string;
  readonly message: string;
}> {
  static fromErrno(syscall: string, errno: number): InetError {
    return new InetError(errnoFields(syscall, errno));
  }
}

/** An open socket. Opaque: pass it back to the service's methods. */
export interface InetSocket {
  readonly fd: number;
  readonly type: number;
  readonly protocol: number;
}

/** What getsockopt(2) left: the bytes the kernel wrote and the optlen it set. */
export interface SockoptValue {
  /** the buffer's first min(optlen, length) bytes */
  readonly data: Uint8Array;
  /** the optlen after the call (a handler may leave it alone) */
  readonly optlen: number;
}

export interface InetService {
  /** socket(AF_INET, type (default SOCK_RAW), protocol), closed when the scope closes. */
  readonly socket: (
    protocol: number,
    options?: { readonly type?: number },
  ) => Effect.Effect<InetSocket, InetError, Scope.Scope>;
  /** setsockopt(2); a number is passed as a 4-byte int. Returns the syscall's value. */
  readonly setsockopt: (
    socket: InetSocket,
    level: number,
    name: number,
    value: Uint8Array | number | null,
    options?: { readonly optlen?: number },
  ) => Effect.Effect<number, InetError>;
  /** getsockopt(2) with a buffer (and optlen) of `length` bytes. */
  readonly getsockopt: (
    socket: InetSocket,
    level: number,
    name: number,
    length: number,
    options?: { readonly mapped?: number },
  ) => Effect.Effect<SockoptValue, InetError>;
  /** close(2) before the scope ends. */
  readonly close: (socket: InetSocket) => Effect.Effect<void, InetError>;
}

/** The AF_INET socket service (raw sockets by default). */
export class InetRaw extends Context.Service<InetRaw, InetService>()("nlsim/transport/InetRaw") {}
