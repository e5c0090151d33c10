// YNL codec workloads: a link as rtnetlink reports lo (fixed header, 30 attributes, structs,
// nests, a flags list) encoded and decoded by the rt-link spec, per message.
import { NLMSG_HDRLEN } from "../kernel-model/uapi/index.js";
import { decodePayload, encodeRequest } from "../ynl/client.js";
import type { YnlObject } from "../ynl/codec.js";
import { loadSpec } from "../ynl/load.js";
import type { Suite } from "./harness.js";

const stats64 = Object.fromEntries(
  [
    "rxPackets",
    "txPackets",
    "rxBytes",
    "txBytes",
    "rxErrors",
    "txErrors",
    "rxDropped",
    "txDropped",
    "multicast",
    "collisions",
  ].map((k, i) => [k, BigInt(i * 1000)]),
);

/** lo as a getlink dump reports it (the simulator's default profile, trimmed of the devconf arrays). */
const LO: YnlObject = {
  ifiFamily: 0,
  ifiType: 772,
  ifiIndex: 1,
  ifiFlags: ["up", "loopback", "running", "lower-up"],
  ifiChange: 0,
  ifname: "lo",
  txqlen: 1000,
  operstate: 0,
  linkmode: 0,
  mtu: 65536,
  minMtu: 0,
  maxMtu: 0,
  group: 0,
  promiscuity: 0,
  allmulti: 0,
  numTxQueues: 1,
  numRxQueues: 1,
  gsoMaxSegs: 65535,
  gsoMaxSize: 65536,
  groMaxSize: 65536,
  tsoMaxSize: 524280,
  tsoMaxSegs: 65535,
  carrier: 1,
  carrierChanges: 0,
  protoDown: 0,
  qdisc: "noqueue",
  address: new Uint8Array(6),
  broadcast: new Uint8Array(6),
  stats64,
  linkinfo: { kind: "vlan", data: { id: 5, protocol: "8021q" } },
  afSpec: {
    inet6: {
      flags: 0,
      addrGenMode: 0,
      cacheinfo: { maxReasmLen: 65535, tstamp: 0, reachableTime: 30000, retransTime: 1000 },
    },
  },
  xdp: { attached: 0 },
};

export const registerYnl = (suite: Suite): void => {
  const spec = loadSpec("rt-link");
  const op = spec.operationsByName.get("getlink")!;
  const payload = encodeRequest(spec, op, LO);
  suite.add("ynl.encode.link", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc = (acc + encodeRequest(spec, op, LO).length) | 0;
    return acc;
  });
  suite.add("ynl.decode.link", (n) => {
    let acc = 0;
    for (let i = 0; i < n; i++) acc = (acc + ((decodePayload(spec, op, payload, NLMSG_HDRLEN).mtu as number) ?? 0)) | 0;
    return acc;
  });
};
