// Types for the YNL spec "rt-addr" (rt-addr.yaml), written by `nlsim ynl gen`: do not edit.
// Use: openYnl<RtAddrOps>(spec) — see docs/ynl.md.

export interface RtAddrIfaddrmsg {
  ifaFamily?: number;
  ifaPrefixlen?: number;
  ifaFlags?: Array<"secondary" | "nodad" | "optimistic" | "dadfailed" | "homeaddress" | "deprecated" | "tentative" | "permanent" | "managetempaddr" | "noprefixroute" | "mcautojoin" | "stable-privacy" | number>;
  ifaScope?: number;
  ifaIndex?: number;
}

export interface RtAddrIfaCacheinfo {
  ifaPrefered?: number;
  ifaValid?: number;
  cstamp?: number;
  tstamp?: number;
}

export interface RtAddrAddrAttrs {
  address?: Uint8Array;
  local?: Uint8Array;
  label?: string;
  broadcast?: number;
  anycast?: Uint8Array;
  cacheinfo?: RtAddrIfaCacheinfo;
  multicast?: Uint8Array;
  flags?: Array<"secondary" | "nodad" | "optimistic" | "dadfailed" | "homeaddress" | "deprecated" | "tentative" | "permanent" | "managetempaddr" | "noprefixroute" | "mcautojoin" | "stable-privacy" | number>;
  rtPriority?: number;
  targetNetnsid?: Uint8Array;
  proto?: number;
}

/** The operations of rt-addr, for openYnl<RtAddrOps>(...) */
export interface RtAddrOps {
  /** Add new address */
  newaddr: {
    doRequest: RtAddrIfaddrmsg & Pick<RtAddrAddrAttrs, "address" | "label" | "local" | "cacheinfo">;
  };
  /** Remove address */
  deladdr: {
    doRequest: RtAddrIfaddrmsg & Pick<RtAddrAddrAttrs, "address" | "local">;
  };
  /** Dump address information. */
  getaddr: {
    dumpRequest: RtAddrIfaddrmsg;
    dumpReply: RtAddrIfaddrmsg & RtAddrAddrAttrs;
  };
  /** Get / dump IPv4/IPv6 multicast addresses. */
  getmulticast: {
    doRequest: RtAddrIfaddrmsg;
    doReply: RtAddrIfaddrmsg & RtAddrAddrAttrs;
    dumpRequest: RtAddrIfaddrmsg;
    dumpReply: RtAddrIfaddrmsg & RtAddrAddrAttrs;
  };
}
