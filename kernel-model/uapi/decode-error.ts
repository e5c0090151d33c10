// The one error the codec throws: what is wrong with the bytes, and where.

export type NetlinkDecodeProblem =
  /** fewer than 16 bytes left where an nlmsghdr must start */
  | "short-header"
  /** nlmsg_len below the 16-byte header */
  | "bad-nlmsg-len"
  /** nlmsg_len runs past the end of the buffer */
  | "message-past-end"
  /** non-zero bytes where alignment padding must be */
  | "nonzero-padding"
  /** fewer than 4 bytes left where an nlattr must start */
  | "short-attribute"
  /** nla_len below the 4-byte attribute header */
  | "bad-nla-len"
  /** nla_len runs past the end of the enclosing message or nest */
  | "attribute-past-parent"
  /** a nested attribute whose content is not a whole list of attributes */
  | "truncated-nest"
  /** an attribute whose payload does not fit the type asked for (u32 of 2 bytes, unterminated string) */
  | "bad-attribute-value"
  /** an NLMSG_ERROR message too short for struct nlmsgerr */
  | "short-nlmsgerr"
  /** a fixed-size struct (genlmsghdr, sockaddr_nl) cut short */
  | "short-struct"
  /** input that is not netlink bytes at all (odd hex, non-hex characters) */
  | "bad-input";

/** Thrown by every strict decoder of the codec; never anything else for malformed bytes. */
export class NetlinkDecodeError extends Error {
  readonly _tag = "NetlinkDecodeError" as const;
  constructor(
    readonly problem: NetlinkDecodeProblem,
    /** byte offset of the problem, from the start of the outermost buffer the caller decoded */
    readonly offset: number,
    detail: string,
  ) {
    super(`${detail} (at byte offset ${offset})`);
    this.name = "NetlinkDecodeError";
  }
}

export const isNetlinkDecodeError = (u: unknown): u is NetlinkDecodeError => u instanceof NetlinkDecodeError;
