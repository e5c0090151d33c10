// Types for the YNL spec "rt-route" (rt-route.yaml), written by `nlsim ynl gen`: do not edit.
// Use: openYnl<RtRouteOps>(spec) — see docs/ynl.md.

export interface RtRouteRtmsg {
  rtmFamily?: number;
  rtmDstLen?: number;
  rtmSrcLen?: number;
  rtmTos?: number;
  rtmTable?: number;
  rtmProtocol?: number;
  rtmScope?: number;
  rtmType?: "unspec" | "unicast" | "local" | "broadcast" | "anycast" | "multicast" | "blackhole" | "unreachable" | "prohibit" | "throw" | "nat" | "xresolve" | number;
  rtmFlags?: number;
}

export interface RtRouteRtaCacheinfo {
  rtaClntref?: number;
  rtaLastuse?: number;
  rtaExpires?: number;
  rtaError?: number;
  rtaUsed?: number;
}

export interface RtRouteRouteAttrs {
  dst?: Uint8Array;
  src?: Uint8Array;
  iif?: number;
  oif?: number;
  gateway?: Uint8Array;
  priority?: number;
  prefsrc?: Uint8Array;
  metrics?: RtRouteMetrics;
  multipath?: Uint8Array;
  protoinfo?: Uint8Array;
  flow?: number;
  cacheinfo?: RtRouteRtaCacheinfo;
  session?: Uint8Array;
  mpAlgo?: Uint8Array;
  table?: number;
  mark?: number;
  mfcStats?: Uint8Array;
  via?: Uint8Array;
  newdst?: Uint8Array;
  pref?: number;
  encapType?: number;
  encap?: Uint8Array;
  expires?: number;
  pad?: Uint8Array;
  uid?: number;
  ttlPropagate?: number;
  ipProto?: number;
  sport?: number;
  dport?: number;
  nhId?: number;
  flowlabel?: number;
}

export interface RtRouteMetrics {
  lock?: number;
  mtu?: number;
  window?: number;
  rtt?: number;
  rttvar?: number;
  ssthresh?: number;
  cwnd?: number;
  advmss?: number;
  reordering?: number;
  hoplimit?: number;
  initcwnd?: number;
  features?: number;
  rtoMin?: number;
  initrwnd?: number;
  quickack?: number;
  ccAlgo?: string;
  fastopenNoCookie?: number;
}

/** The operations of rt-route, for openYnl<RtRouteOps>(...) */
export interface RtRouteOps {
  /** Dump route information. */
  getroute: {
    doRequest: RtRouteRtmsg & Pick<RtRouteRouteAttrs, "src" | "dst" | "iif" | "oif" | "ipProto" | "sport" | "dport" | "mark" | "uid" | "flowlabel">;
    doReply: RtRouteRtmsg & RtRouteRouteAttrs;
    dumpRequest: RtRouteRtmsg;
    dumpReply: RtRouteRtmsg & RtRouteRouteAttrs;
  };
  /** Create a new route */
  newroute: {
    doRequest: RtRouteRtmsg & Pick<RtRouteRouteAttrs, "dst" | "src" | "iif" | "oif" | "gateway" | "priority" | "prefsrc" | "metrics" | "multipath" | "flow" | "cacheinfo" | "table" | "mark" | "mfcStats" | "via" | "newdst" | "pref" | "encapType" | "encap" | "expires" | "pad" | "uid" | "ttlPropagate" | "ipProto" | "sport" | "dport" | "nhId" | "flowlabel">;
  };
  /** Delete an existing route */
  delroute: {
    doRequest: RtRouteRtmsg & Pick<RtRouteRouteAttrs, "dst" | "src" | "iif" | "oif" | "gateway" | "priority" | "prefsrc" | "metrics" | "multipath" | "flow" | "cacheinfo" | "table" | "mark" | "mfcStats" | "via" | "newdst" | "pref" | "encapType" | "encap" | "expires" | "pad" | "uid" | "ttlPropagate" | "ipProto" | "sport" | "dport" | "nhId" | "flowlabel">;
  };
}
