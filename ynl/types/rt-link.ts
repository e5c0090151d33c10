// Types for the YNL spec "rt-link" (rt-link.yaml), written by `nlsim ynl gen`: do not edit.
// Use: openYnl<RtLinkOps>(spec) — see docs/ynl.md.

export interface RtLinkRtgenmsg {
  family?: number;
}

export interface RtLinkIfinfomsg {
  ifiFamily?: number;
  ifiType?: number;
  ifiIndex?: number;
  ifiFlags?: Array<"up" | "broadcast" | "debug" | "loopback" | "point-to-point" | "no-trailers" | "running" | "no-arp" | "promisc" | "all-multi" | "master" | "slave" | "multicast" | "portsel" | "auto-media" | "dynamic" | "lower-up" | "dormant" | "echo" | number>;
  ifiChange?: number;
}

export interface RtLinkIflaBridgeId {
  prio?: number;
  addr?: Uint8Array;
}

export interface RtLinkIflaCacheinfo {
  maxReasmLen?: number;
  tstamp?: number;
  reachableTime?: number;
  retransTime?: number;
}

export interface RtLinkRtnlLinkStats {
  rxPackets?: number;
  txPackets?: number;
  rxBytes?: number;
  txBytes?: number;
  rxErrors?: number;
  txErrors?: number;
  rxDropped?: number;
  txDropped?: number;
  multicast?: number;
  collisions?: number;
  rxLengthErrors?: number;
  rxOverErrors?: number;
  rxCrcErrors?: number;
  rxFrameErrors?: number;
  rxFifoErrors?: number;
  rxMissedErrors?: number;
  txAbortedErrors?: number;
  txCarrierErrors?: number;
  txFifoErrors?: number;
  txHeartbeatErrors?: number;
  txWindowErrors?: number;
  rxCompressed?: number;
  txCompressed?: number;
  rxNohandler?: number;
}

export interface RtLinkRtnlLinkStats64 {
  rxPackets?: bigint;
  txPackets?: bigint;
  rxBytes?: bigint;
  txBytes?: bigint;
  rxErrors?: bigint;
  txErrors?: bigint;
  rxDropped?: bigint;
  txDropped?: bigint;
  multicast?: bigint;
  collisions?: bigint;
  rxLengthErrors?: bigint;
  rxOverErrors?: bigint;
  rxCrcErrors?: bigint;
  rxFrameErrors?: bigint;
  rxFifoErrors?: bigint;
  rxMissedErrors?: bigint;
  txAbortedErrors?: bigint;
  txCarrierErrors?: bigint;
  txFifoErrors?: bigint;
  txHeartbeatErrors?: bigint;
  txWindowErrors?: bigint;
  rxCompressed?: bigint;
  txCompressed?: bigint;
  rxNohandler?: bigint;
  rxOtherhostDropped?: bigint;
}

export interface RtLinkRtnlLinkIfmap {
  memStart?: bigint;
  memEnd?: bigint;
  baseAddr?: bigint;
  irq?: number;
  dma?: number;
  port?: number;
}

export interface RtLinkBrBooloptMulti {
  optval?: number;
  optmask?: number;
}

export interface RtLinkIfStatsMsg {
  family?: number;
  ifindex?: number;
  filterMask?: number;
}

export interface RtLinkIflaVlanFlags {
  flags?: Array<"reorder-hdr" | "gvrp" | "loose-binding" | "mvrp" | "bridge-binding" | number>;
  mask?: number;
}

export interface RtLinkIflaVlanQosMapping {
  from?: number;
  to?: number;
}

export interface RtLinkIflaGenevePortRange {
  low?: number;
  high?: number;
}

export interface RtLinkIflaVfMac {
  vf?: number;
  mac?: Uint8Array;
}

export interface RtLinkIflaVfVlan {
  vf?: number;
  vlan?: number;
  qos?: number;
}

export interface RtLinkIflaVfTxRate {
  vf?: number;
  rate?: number;
}

export interface RtLinkIflaVfSpoofchk {
  vf?: number;
  setting?: number;
}

export interface RtLinkIflaVfLinkState {
  vf?: number;
  linkState?: "auto" | "enable" | "disable" | number;
}

export interface RtLinkIflaVfRate {
  vf?: number;
  minTxRate?: number;
  maxTxRate?: number;
}

export interface RtLinkIflaVfRssQueryEn {
  vf?: number;
  setting?: number;
}

export interface RtLinkIflaVfTrust {
  vf?: number;
  setting?: number;
}

export interface RtLinkIflaVfGuid {
  vf?: number;
  guid?: bigint;
}

export interface RtLinkIflaVfVlanInfo {
  vf?: number;
  vlan?: number;
  qos?: number;
  vlanProto?: number;
}

export interface RtLinkLinkAttrs {
  address?: Uint8Array;
  broadcast?: Uint8Array;
  ifname?: string;
  mtu?: number;
  link?: number;
  qdisc?: string;
  stats?: RtLinkRtnlLinkStats;
  cost?: string;
  priority?: string;
  master?: number;
  wireless?: string;
  protinfo?: string;
  txqlen?: number;
  map?: RtLinkRtnlLinkIfmap;
  weight?: number;
  operstate?: number;
  linkmode?: number;
  linkinfo?: RtLinkLinkinfoAttrs;
  netNsPid?: number;
  ifalias?: string;
  numVf?: number;
  vfinfoList?: RtLinkVfinfoListAttrs;
  stats64?: RtLinkRtnlLinkStats64;
  vfPorts?: RtLinkVfPortsAttrs;
  portSelf?: RtLinkPortSelfAttrs;
  afSpec?: RtLinkAfSpecAttrs;
  group?: number;
  netNsFd?: number;
  extMask?: Array<"vf" | "brvlan" | "brvlan-compressed" | "skip-stats" | "mrp" | "cfm-config" | "cfm-status" | "mst" | number>;
  promiscuity?: number;
  numTxQueues?: number;
  numRxQueues?: number;
  carrier?: number;
  physPortId?: Uint8Array;
  carrierChanges?: number;
  physSwitchId?: Uint8Array;
  linkNetnsid?: number;
  physPortName?: string;
  protoDown?: number;
  gsoMaxSegs?: number;
  gsoMaxSize?: number;
  xdp?: RtLinkXdpAttrs;
  event?: number;
  newNetnsid?: number;
  targetNetnsid?: number;
  carrierUpCount?: number;
  carrierDownCount?: number;
  newIfindex?: number;
  minMtu?: number;
  maxMtu?: number;
  propList?: RtLinkPropListLinkAttrs;
  altIfname?: string;
  permAddress?: Uint8Array;
  protoDownReason?: string;
  parentDevName?: string;
  parentDevBusName?: string;
  groMaxSize?: number;
  tsoMaxSize?: number;
  tsoMaxSegs?: number;
  allmulti?: number;
  devlinkPort?: Uint8Array;
  gsoIpv4MaxSize?: number;
  groIpv4MaxSize?: number;
  dpllPin?: RtLinkLinkDpllPinAttrs;
  /** EDT offload horizon supported by the device (in nsec). */
  maxPacingOffloadHorizon?: bigint;
  netnsImmutable?: number;
  headroom?: number;
  tailroom?: number;
}

export interface RtLinkAfSpecAttrs {
  inet?: RtLinkIflaAttrs;
  inet6?: RtLinkIfla6Attrs;
  mctp?: RtLinkMctpAttrs;
}

export interface RtLinkVfinfoListAttrs {
  info?: Array<RtLinkVfinfoAttrs>;
}

export interface RtLinkVfinfoAttrs {
  mac?: RtLinkIflaVfMac;
  vlan?: RtLinkIflaVfVlan;
  txRate?: RtLinkIflaVfTxRate;
  spoofchk?: RtLinkIflaVfSpoofchk;
  linkState?: RtLinkIflaVfLinkState;
  rate?: RtLinkIflaVfRate;
  rssQueryEn?: RtLinkIflaVfRssQueryEn;
  stats?: RtLinkVfStatsAttrs;
  trust?: RtLinkIflaVfTrust;
  ibNodeGuid?: RtLinkIflaVfGuid;
  ibPortGuid?: RtLinkIflaVfGuid;
  vlanList?: RtLinkVfVlanAttrs;
  broadcast?: Uint8Array;
}

export interface RtLinkVfStatsAttrs {
  rxPackets?: bigint;
  txPackets?: bigint;
  rxBytes?: bigint;
  txBytes?: bigint;
  broadcast?: bigint;
  multicast?: bigint;
  rxDropped?: bigint;
  txDropped?: bigint;
}

export interface RtLinkVfVlanAttrs {
  info?: Array<RtLinkIflaVfVlanInfo>;
}

export interface RtLinkVfPortsAttrs {
}

export interface RtLinkPortSelfAttrs {
}

export interface RtLinkLinkinfoAttrs {
  kind?: string;
  data?: RtLinkLinkinfoBondAttrs | RtLinkLinkinfoBridgeAttrs | RtLinkLinkinfoGreAttrs | RtLinkLinkinfoGre6Attrs | RtLinkLinkinfoGeneveAttrs | RtLinkLinkinfoHsrAttrs | RtLinkLinkinfoIptunAttrs | RtLinkLinkinfoIp6tnlAttrs | RtLinkLinkinfoTunAttrs | RtLinkLinkinfoVlanAttrs | RtLinkLinkinfoVrfAttrs | RtLinkLinkinfoVtiAttrs | RtLinkLinkinfoVti6Attrs | RtLinkLinkinfoNetkitAttrs | RtLinkLinkinfoOvpnAttrs | Uint8Array;
  xstats?: Uint8Array;
  slaveKind?: string;
  slaveData?: RtLinkLinkinfoBrportAttrs | RtLinkBondSlaveAttrs | Uint8Array;
}

export interface RtLinkLinkinfoBondAttrs {
  mode?: number;
  activeSlave?: number;
  miimon?: number;
  updelay?: number;
  downdelay?: number;
  useCarrier?: number;
  arpInterval?: number;
  arpIpTarget?: Array<number>;
  arpValidate?: number;
  arpAllTargets?: number;
  primary?: number;
  primaryReselect?: number;
  failOverMac?: number;
  xmitHashPolicy?: number;
  resendIgmp?: number;
  numPeerNotif?: number;
  allSlavesActive?: number;
  minLinks?: number;
  lpInterval?: number;
  packetsPerSlave?: number;
  adLacpRate?: number;
  adSelect?: number;
  adInfo?: RtLinkBondAdInfoAttrs;
  adActorSysPrio?: number;
  adUserPortKey?: number;
  adActorSystem?: Uint8Array;
  tlbDynamicLb?: number;
  peerNotifDelay?: number;
  adLacpActive?: number;
  missedMax?: number;
  nsIp6Target?: Array<Uint8Array>;
  coupledControl?: number;
}

export interface RtLinkBondAdInfoAttrs {
  aggregator?: number;
  numPorts?: number;
  actorKey?: number;
  partnerKey?: number;
  partnerMac?: Uint8Array;
}

export interface RtLinkBondSlaveAttrs {
  state?: number;
  miiStatus?: number;
  linkFailureCount?: number;
  permHwaddr?: Uint8Array;
  queueId?: number;
  adAggregatorId?: number;
  adActorOperPortState?: number;
  adPartnerOperPortState?: number;
  prio?: number;
}

export interface RtLinkLinkinfoBridgeAttrs {
  forwardDelay?: number;
  helloTime?: number;
  maxAge?: number;
  ageingTime?: number;
  stpState?: number;
  priority?: number;
  vlanFiltering?: number;
  vlanProtocol?: number;
  groupFwdMask?: number;
  rootId?: RtLinkIflaBridgeId;
  bridgeId?: RtLinkIflaBridgeId;
  rootPort?: number;
  rootPathCost?: number;
  topologyChange?: number;
  topologyChangeDetected?: number;
  helloTimer?: bigint;
  tcnTimer?: bigint;
  topologyChangeTimer?: bigint;
  gcTimer?: bigint;
  groupAddr?: Uint8Array;
  fdbFlush?: Uint8Array;
  mcastRouter?: number;
  mcastSnooping?: number;
  mcastQueryUseIfaddr?: number;
  mcastQuerier?: number;
  mcastHashElasticity?: number;
  mcastHashMax?: number;
  mcastLastMemberCnt?: number;
  mcastStartupQueryCnt?: number;
  mcastLastMemberIntvl?: bigint;
  mcastMembershipIntvl?: bigint;
  mcastQuerierIntvl?: bigint;
  mcastQueryIntvl?: bigint;
  mcastQueryResponseIntvl?: bigint;
  mcastStartupQueryIntvl?: bigint;
  nfCallIptables?: number;
  nfCallIp6tables?: number;
  nfCallArptables?: number;
  vlanDefaultPvid?: number;
  vlanStatsEnabled?: number;
  mcastStatsEnabled?: number;
  mcastIgmpVersion?: number;
  mcastMldVersion?: number;
  vlanStatsPerPort?: number;
  multiBoolopt?: RtLinkBrBooloptMulti;
  mcastQuerierState?: Uint8Array;
  fdbNLearned?: number;
  fdbMaxLearned?: number;
}

export interface RtLinkLinkinfoBrportAttrs {
  state?: number;
  priority?: number;
  cost?: number;
  mode?: true;
  guard?: true;
  protect?: true;
  fastLeave?: true;
  learning?: true;
  unicastFlood?: true;
  proxyarp?: true;
  learningSync?: true;
  proxyarpWifi?: true;
  rootId?: RtLinkIflaBridgeId;
  bridgeId?: RtLinkIflaBridgeId;
  designatedPort?: number;
  designatedCost?: number;
  id?: number;
  no?: number;
  topologyChangeAck?: number;
  configPending?: number;
  messageAgeTimer?: bigint;
  forwardDelayTimer?: bigint;
  holdTimer?: bigint;
  flush?: true;
  multicastRouter?: number;
  mcastFlood?: true;
  mcastToUcast?: true;
  vlanTunnel?: true;
  bcastFlood?: true;
  groupFwdMask?: number;
  neighSuppress?: true;
  isolated?: true;
  backupPort?: number;
  mrpRingOpen?: true;
  mrpInOpen?: true;
  mcastEhtHostsLimit?: number;
  mcastEhtHostsCnt?: number;
  locked?: true;
  mab?: true;
  mcastNGroups?: number;
  mcastMaxGroups?: number;
  neighVlanSuppress?: true;
  backupNhid?: number;
}

export interface RtLinkLinkinfoGreAttrs {
  link?: number;
  iflags?: number;
  oflags?: number;
  ikey?: number;
  okey?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  ttl?: number;
  tos?: number;
  pmtudisc?: number;
  encapLimit?: number;
  flowinfo?: number;
  flags?: number;
  encapType?: number;
  encapFlags?: number;
  encapSport?: number;
  encapDport?: number;
  collectMetadata?: true;
  ignoreDf?: number;
  fwmark?: number;
  erspanIndex?: number;
  erspanVer?: number;
  erspanDir?: number;
  erspanHwid?: number;
}

export interface RtLinkLinkinfoVtiAttrs {
  link?: number;
  ikey?: number;
  okey?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  fwmark?: number;
}

export interface RtLinkLinkinfoGeneveAttrs {
  id?: number;
  remote?: number;
  ttl?: number;
  tos?: number;
  port?: number;
  collectMetadata?: true;
  remote6?: Uint8Array;
  udpCsum?: number;
  udpZeroCsum6Tx?: number;
  udpZeroCsum6Rx?: number;
  label?: number;
  ttlInherit?: number;
  df?: number;
  innerProtoInherit?: true;
  portRange?: RtLinkIflaGenevePortRange;
}

export interface RtLinkLinkinfoHsrAttrs {
  slave1?: number;
  slave2?: number;
  multicastSpec?: number;
  supervisionAddr?: Uint8Array;
  seqNr?: number;
  version?: number;
  protocol?: number;
  interlink?: number;
}

export interface RtLinkLinkinfoIptunAttrs {
  link?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  ttl?: number;
  tos?: number;
  encapLimit?: number;
  flowinfo?: number;
  flags?: number;
  proto?: number;
  pmtudisc?: number;
  "6rdPrefix"?: Uint8Array;
  "6rdRelayPrefix"?: number;
  "6rdPrefixlen"?: number;
  "6rdRelayPrefixlen"?: number;
  encapType?: number;
  encapFlags?: number;
  encapSport?: number;
  encapDport?: number;
  collectMetadata?: true;
  fwmark?: number;
}

export interface RtLinkLinkinfoTunAttrs {
  owner?: number;
  group?: number;
  type?: number;
  pi?: number;
  vnetHdr?: number;
  persist?: number;
  multiQueue?: number;
  numQueues?: number;
  numDisabledQueues?: number;
}

export interface RtLinkLinkinfoVlanAttrs {
  id?: number;
  flags?: RtLinkIflaVlanFlags;
  egressQos?: RtLinkIflaVlanQos;
  ingressQos?: RtLinkIflaVlanQos;
  protocol?: "8021q" | "8021ad" | number;
}

export interface RtLinkIflaVlanQos {
  mapping?: Array<RtLinkIflaVlanQosMapping>;
}

export interface RtLinkLinkinfoVrfAttrs {
  table?: number;
}

export interface RtLinkXdpAttrs {
  fd?: number;
  attached?: number;
  flags?: number;
  progId?: number;
  drvProgId?: number;
  skbProgId?: number;
  hwProgId?: number;
  expectedFd?: number;
}

export interface RtLinkIflaAttrs {
  /** u32 indexed by ipv4-devconf - 1 on output, on input it's a nest */
  conf?: Array<number>;
}

export interface RtLinkIfla6Attrs {
  flags?: number;
  /** u32 indexed by ipv6-devconf - 1 on output, on input it's a nest */
  conf?: Array<number>;
  stats?: Array<bigint>;
  mcast?: Uint8Array;
  cacheinfo?: RtLinkIflaCacheinfo;
  icmp6stats?: Array<bigint>;
  token?: Uint8Array;
  addrGenMode?: number;
  raMtu?: number;
}

export interface RtLinkMctpAttrs {
  net?: number;
  physBinding?: number;
}

export interface RtLinkStatsAttrs {
  link64?: RtLinkRtnlLinkStats64;
  linkXstats?: Uint8Array;
  linkXstatsSlave?: Uint8Array;
  linkOffloadXstats?: RtLinkLinkOffloadXstats;
  afSpec?: Uint8Array;
}

export interface RtLinkLinkOffloadXstats {
  cpuHit?: Uint8Array;
  hwSInfo?: Array<RtLinkHwSInfoOne>;
  l3Stats?: Uint8Array;
}

export interface RtLinkHwSInfoOne {
  request?: number;
  used?: number;
}

export interface RtLinkLinkDpllPinAttrs {
  id?: number;
}

export interface RtLinkLinkinfoNetkitAttrs {
  peerInfo?: Uint8Array;
  primary?: number;
  policy?: "forward" | "blackhole" | number;
  peerPolicy?: "forward" | "blackhole" | number;
  mode?: "l2" | "l3" | number;
  scrub?: "none" | "default" | number;
  peerScrub?: "none" | "default" | number;
  headroom?: number;
  tailroom?: number;
}

export interface RtLinkLinkinfoOvpnAttrs {
  mode?: "p2p" | "mp" | number;
}

export interface RtLinkPropListLinkAttrs {
  altIfname?: Array<string>;
}

export interface RtLinkLinkinfoGre6Attrs {
  link?: number;
  iflags?: number;
  oflags?: number;
  ikey?: number;
  okey?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  ttl?: number;
  encapLimit?: number;
  flowinfo?: number;
  flags?: number;
  encapType?: number;
  encapFlags?: number;
  encapSport?: number;
  encapDport?: number;
  collectMetadata?: true;
  fwmark?: number;
  erspanIndex?: number;
  erspanVer?: number;
  erspanDir?: number;
  erspanHwid?: number;
}

export interface RtLinkLinkinfoVti6Attrs {
  link?: number;
  ikey?: number;
  okey?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  fwmark?: number;
}

export interface RtLinkLinkinfoIp6tnlAttrs {
  link?: number;
  local?: Uint8Array;
  remote?: Uint8Array;
  ttl?: number;
  encapLimit?: number;
  flowinfo?: number;
  flags?: number;
  proto?: number;
  encapType?: number;
  encapFlags?: number;
  encapSport?: number;
  encapDport?: number;
  collectMetadata?: true;
  fwmark?: number;
}

/** The operations of rt-link, for openYnl<RtLinkOps>(...) */
export interface RtLinkOps {
  /** Create a new link. */
  newlink: {
    doRequest: RtLinkIfinfomsg & Pick<RtLinkLinkAttrs, "ifname" | "netNsPid" | "netNsFd" | "targetNetnsid" | "linkNetnsid" | "linkinfo" | "group" | "numTxQueues" | "numRxQueues" | "address" | "broadcast" | "mtu" | "txqlen" | "operstate" | "linkmode" | "gsoMaxSize" | "gsoMaxSegs" | "groMaxSize" | "gsoIpv4MaxSize" | "groIpv4MaxSize" | "afSpec">;
  };
  /** Notify that a link has been created */
  newlinkNtf: {
    notify: RtLinkIfinfomsg & RtLinkLinkAttrs;
  };
  /** Delete an existing link. */
  dellink: {
    doRequest: RtLinkIfinfomsg & Pick<RtLinkLinkAttrs, "ifname">;
  };
  /** Get / dump information about a link. */
  getlink: {
    doRequest: RtLinkIfinfomsg & Pick<RtLinkLinkAttrs, "ifname" | "altIfname" | "extMask" | "targetNetnsid">;
    doReply: RtLinkIfinfomsg & RtLinkLinkAttrs;
    dumpRequest: RtLinkIfinfomsg & Pick<RtLinkLinkAttrs, "targetNetnsid" | "extMask" | "master" | "linkinfo">;
    dumpReply: RtLinkIfinfomsg & RtLinkLinkAttrs;
  };
  /** Set information about a link. */
  setlink: {
    doRequest: RtLinkIfinfomsg & Pick<RtLinkLinkAttrs, "address" | "broadcast" | "ifname" | "mtu" | "link" | "qdisc" | "stats" | "cost" | "priority" | "master" | "wireless" | "protinfo" | "txqlen" | "map" | "weight" | "operstate" | "linkmode" | "linkinfo" | "netNsPid" | "ifalias" | "numVf" | "vfinfoList" | "stats64" | "vfPorts" | "portSelf" | "afSpec" | "group" | "netNsFd" | "extMask" | "promiscuity" | "numTxQueues" | "numRxQueues" | "carrier" | "physPortId" | "carrierChanges" | "physSwitchId" | "linkNetnsid" | "physPortName" | "protoDown" | "gsoMaxSegs" | "gsoMaxSize" | "xdp" | "event" | "newNetnsid" | "targetNetnsid" | "carrierUpCount" | "carrierDownCount" | "newIfindex" | "minMtu" | "maxMtu" | "propList" | "permAddress" | "protoDownReason" | "parentDevName" | "parentDevBusName" | "groMaxSize" | "tsoMaxSize" | "tsoMaxSegs" | "allmulti" | "devlinkPort" | "gsoIpv4MaxSize" | "groIpv4MaxSize">;
  };
  /** Get / dump link stats. */
  getstats: {
    doRequest: RtLinkIfStatsMsg;
    doReply: RtLinkIfStatsMsg & RtLinkStatsAttrs;
    dumpRequest: RtLinkIfStatsMsg;
    dumpReply: RtLinkIfStatsMsg & RtLinkStatsAttrs;
  };
}
