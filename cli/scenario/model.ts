// A scenario after validation: every name resolved to a number, every hex decoded, port ids
// that refer to sockets ("@name") left for the runner to resolve when the step runs.
import type { SockFilter } from "../../kernel-model/uapi/index.js";

/** A port id: a number, or the current port id of the named socket. */
export type PortRef = { readonly literal: number } | { readonly sock: string };

export interface Creds {
  readonly uid: number;
  readonly gid: number;
  /** effective capabilities kept (numbers); undefined = all (root's full set) */
  readonly caps: ReadonlyArray<number> | undefined;
}

export type AttrSpec =
  | { readonly type: number; readonly data: Uint8Array; readonly len?: number }
  | { readonly type: number; readonly nested: ReadonlyArray<AttrSpec>; readonly len?: number };

export type MsgSpec =
  | { readonly kind: "hex"; readonly bytes: Uint8Array }
  | {
      readonly kind: "fields";
      readonly type: number;
      readonly flags: number;
      readonly seq: number;
      readonly pid: PortRef;
      readonly payload: Uint8Array;
      readonly attrs: ReadonlyArray<AttrSpec> | undefined;
      readonly len: number | undefined;
    };

export interface AddrSpec {
  readonly pid: PortRef;
  readonly groups: number;
  readonly family: number | undefined;
  readonly pad: number | undefined;
  readonly addrlen: number | undefined;
}

export type OptValue =
  | { readonly kind: "int"; readonly value: number }
  | { readonly kind: "timeval"; readonly sec: number; readonly usec: number }
  | { readonly kind: "hex"; readonly bytes: Uint8Array }
  /** a struct sock_fprog: `len` and a pointer to the instructions (none: NULL) */
  | { readonly kind: "fprog"; readonly insns: ReadonlyArray<SockFilter>; readonly len: number };

interface StepBase {
  /** index in the file's steps array (for messages) */
  readonly index: number;
  readonly repeat: number;
  /** credentials for this step when the file or the step sets uid/caps */
  readonly creds: Creds | undefined;
}

export type Step = StepBase &
  (
    | { readonly do: "socket"; readonly as: string; readonly type: number; readonly protocol: number }
    | { readonly do: "bind"; readonly sock: string; readonly addr: AddrSpec }
    | { readonly do: "connect"; readonly sock: string; readonly addr: AddrSpec | "unspec" }
    | {
        readonly do: "sendto" | "send";
        readonly sock: string;
        readonly to: AddrSpec | undefined;
        readonly msgs: ReadonlyArray<MsgSpec>;
        readonly flags: number;
      }
    | {
        readonly do: "recv";
        readonly sock: string;
        readonly size: number;
        readonly flags: number;
        /** `"decode": "attrs"`: payloads as header and attributes, the masked ones by length only */
        readonly decode: { readonly masks: ReadonlyArray<ReadonlyArray<number>> } | undefined;
      }
    | {
        readonly do: "recvmmsg";
        readonly sock: string;
        /** datagrams asked for (recvmmsg's vlen) */
        readonly vlen: number;
        /** each datagram's buffer */
        readonly size: number;
        readonly flags: number;
        readonly decode: { readonly masks: ReadonlyArray<ReadonlyArray<number>> } | undefined;
      }
    | {
        readonly do: "setsockopt";
        readonly sock: string;
        readonly level: number;
        readonly name: number;
        readonly value: OptValue;
        readonly size: number | undefined;
      }
    | {
        readonly do: "getsockopt";
        readonly sock: string;
        readonly level: number;
        readonly name: number;
        readonly size: number;
      }
    | { readonly do: "getsockname" | "getpeername" | "close"; readonly sock: string }
    | { readonly do: "proc" }
  );

export interface Scenario {
  readonly name: string;
  readonly protocol: number;
  readonly steps: ReadonlyArray<Step>;
  /** true when any step runs with lowered credentials (the kernel transport then needs root) */
  readonly needsRoot: boolean;
}
