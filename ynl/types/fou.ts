// Types for the YNL spec "fou" (fou.yaml), written by `nlsim ynl gen`: do not edit.
// Use: openYnl<FouOps>(spec) — see docs/ynl.md.

export interface FouFou {
  port?: number;
  af?: number;
  ipproto?: number;
  type?: number;
  remcsumNopartial?: true;
  localV4?: number;
  localV6?: Uint8Array;
  peerV4?: number;
  peerV6?: Uint8Array;
  peerPort?: number;
  ifindex?: number;
}

/** The operations of fou, for openYnl<FouOps>(...) */
export interface FouOps {
  /** Add port. */
  add: {
    doRequest: Pick<FouFou, "port" | "ipproto" | "type" | "remcsumNopartial" | "localV4" | "peerV4" | "localV6" | "peerV6" | "peerPort" | "ifindex">;
  };
  /** Delete port. */
  del: {
    doRequest: Pick<FouFou, "af" | "ifindex" | "port" | "peerPort" | "localV4" | "peerV4" | "localV6" | "peerV6">;
  };
  /** Get tunnel info. */
  get: {
    doRequest: Pick<FouFou, "af" | "ifindex" | "port" | "peerPort" | "localV4" | "peerV4" | "localV6" | "peerV6">;
    doReply: FouFou;
    dumpReply: FouFou;
  };
}
