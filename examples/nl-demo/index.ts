// nl-demo as an example for `nlsim run` / `nlsim walk`: the modes (scenarios), how each is set up
// in a world, and the notes a walkthrough shows at the moments they matter.
import { Module } from "../../kernel-model/kernel/module.js";
import type { World } from "../../sim/world.js";
import { rmmodAt, spawnUser } from "../sim-user.js";
import type { Example, ExampleHooks, ExampleSetup } from "../types.js";
import { nl_demo_buggy_module } from "./buggy-2.6.js";
import { type NlDemoModule, type NlDemoParams, nl_demo_module } from "./kernel.js";
import { describePayload, NETLINK_NLDEMO, NLDEMO_GROUP, NLDEMO_TYPE_NAMES } from "./proto.js";
import { type DaemonOptions, defaultDaemonOptions, nlDemoDaemon, PROBE_WAIT_MS, shortRequestProbe } from "./user.js";

export const NL_DEMO_MODES = [
  { name: "unicast", description: "the daemon registers for unicast events, takes 3, sends NLDEMO_CLOSE" },
  { name: "multicast", description: "the daemon joins group 1 and gets its events by netlink_broadcast" },
  { name: "dies", description: "the daemon exits without NLDEMO_CLOSE; NETLINK_URELEASE cleans up" },
  {
    name: "dies-no-notifier",
    description: "as dies, with the module's notifier off: its next unicast gets ECONNREFUSED",
  },
  {
    name: "unload",
    description: "rmmod while the daemon listens is refused (its socket holds the module); after it exits, rmmod works",
  },
  { name: "short", description: "a 16-byte NLDEMO_U_PID (no payload): the module answers EINVAL" },
  {
    name: "buggy",
    description:
      "the article's 2.6.32 module: short messages accepted, the header's pid trusted, broadcast excludes the daemon",
  },
] as const;

export type NlDemoMode = (typeof NL_DEMO_MODES)[number]["name"];

interface Plan {
  readonly buggy: boolean;
  readonly params: NlDemoParams;
  readonly daemon?: Partial<DaemonOptions> & { readonly delayMs?: number };
  readonly probe?: boolean;
  /** when rmmod runs (ms); each is refused while a user socket of the unit is open */
  readonly rmmodMs: ReadonlyArray<number>;
}

const PLANS: Readonly<Record<NlDemoMode, Plan>> = {
  unicast: { buggy: false, params: {}, daemon: { group: 0 }, rmmodMs: [1000] },
  multicast: { buggy: false, params: {}, daemon: { group: NLDEMO_GROUP }, rmmodMs: [1000] },
  dies: { buggy: false, params: {}, daemon: { group: 0, events: 2, close: false }, rmmodMs: [600] },
  "dies-no-notifier": {
    buggy: false,
    params: { use_notifier: false },
    daemon: { group: 0, events: 2, close: false },
    rmmodMs: [600],
  },
  // rmmod between event 2 and 3 is refused; the daemon takes 5 events, CLOSEs, listens 300 ms and
  // exits at 800 ms; the rmmod at 1000 ms unloads
  unload: { buggy: false, params: {}, daemon: { group: 0, events: 5 }, rmmodMs: [250, 1000] },
  short: { buggy: false, params: {}, probe: true, rmmodMs: [100] },
  buggy: { buggy: true, params: {}, probe: true, daemon: { group: NLDEMO_GROUP, delayMs: 30 }, rmmodMs: [1000] },
};

const isMode = (m: string): m is NlDemoMode => NL_DEMO_MODES.some((x) => x.name === m);

/** The module's name, as lsmod and rmmod know it (nl_demo.ko). */
export const NL_DEMO_MODULE = "nl_demo";

/** nl-demo's options: the mode's plan, and `--set scale`. */
export interface NlDemoOptions {
  readonly mode: NlDemoMode;
  /** every period, wait and rmmod time multiplied by this (1: as the article) */
  readonly scale: number;
}

/**
 * `--set scale=N` stretches the example's timeline N times: the module's event period, the
 * daemon's and the probe's waits, the daemon's start and the rmmods. The output is the same but for
 * the waits it prints; a slow machine (Node under QEMU's TCG) keeps up with a stretched timeline.
 */
const PARAMS = [
  { name: "scale", description: "stretch every period, wait and rmmod time N times", min: 1, max: 50 },
] as const;

const scaleOf = (params: Readonly<Record<string, number>> | undefined): number => params?.scale ?? 1;

/** The daemon's options of a plan at a scale (`timeoutMs`/`quietMs` stretched). */
const daemonOptions = (daemon: NonNullable<Plan["daemon"]>, scale: number): Partial<DaemonOptions> => {
  const { delayMs: _d, ...o } = daemon;
  return {
    ...o,
    timeoutMs: (o.timeoutMs ?? defaultDaemonOptions.timeoutMs) * scale,
    quietMs: (o.quietMs ?? defaultDaemonOptions.quietMs) * scale,
  };
};

/** The options of a mode with its `--set` parameters. */
export const nlDemoOptions = (mode: string, params: Readonly<Record<string, number>>): NlDemoOptions => {
  if (!isMode(mode)) throw new Error(`nl-demo has no mode '${mode}'`);
  return { mode, scale: scaleOf(params) };
};

/** Sets the example up: insmod now, the programs, rmmod later; the details are the module. */
export const setupNlDemo = (world: World, opts: NlDemoOptions, hooks: ExampleHooks): ExampleSetup<NlDemoModule> => {
  const plan = PLANS[opts.mode];
  const scale = opts.scale;
  const params: NlDemoParams = { ...plan.params, period_ms: 100 * scale };
  const mod = plan.buggy ? nl_demo_buggy_module(world.net, params) : nl_demo_module(world.net, params);
  // module_init(nl_demo_init); module_exit(nl_demo_exit);
  const ret = world.init_module(new Module(NL_DEMO_MODULE, mod.nl_demo_init, mod.nl_demo_exit));
  if (ret !== 0) throw new Error(`insmod nl_demo: init returned ${ret}`);
  if (plan.probe) spawnUser(world, { name: "probe" }, hooks, shortRequestProbe(PROBE_WAIT_MS * scale));
  if (plan.daemon !== undefined) {
    const { delayMs } = plan.daemon;
    spawnUser(
      world,
      delayMs === undefined ? { name: "nl_demo_daemon" } : { name: "nl_demo_daemon", delayMs: delayMs * scale },
      hooks,
      nlDemoDaemon(daemonOptions(plan.daemon, scale)),
    );
  }
  for (const ms of plan.rmmodMs) rmmodAt(world, hooks, ms * scale, NL_DEMO_MODULE);
  return { details: () => mod };
};

const NOTES: Example["notes"] = [
  {
    match: /netlink_kernel_create\(&init_net, \d+, &cfg\)/,
    note:
      "API history: 2.6.13 netlink_kernel_create(unit, input(sock, len)); 2.6.14 adds groups and THIS_MODULE; " +
      "2.6.22 has cb_mutex; 2.6.24 adds the net namespace and replaces input(sk, len), which sk_data_ready called " +
      "after queueing the skb, with input(skb) called directly; 3.6 folds the rest into struct " +
      "netlink_kernel_cfg {input, groups, flags, bind, unbind, release}. Model: netlink_kernel_create in " +
      "kernel-model/net/netlink/kernel.ts; kernel: __netlink_kernel_create in net/netlink/af_netlink.c.",
  },
  {
    match: /netlink_kernel_create\(&init_net, \d+, 1, nl_demo_rcv/,
    note:
      "API history: this is the 2.6.24–3.5 signature (net, unit, groups, input, cb_mutex, module): input(skb) runs " +
      "synchronously in the sender's process context, from netlink_unicast_kernel. The article's #else branch is the " +
      "older one, (unit, groups, input, cb_mutex, module) by 2.6.22, whose input(sk, len) was called by " +
      "netlink_sendskb → sk_data_ready, also in the sender's context, and drained sk_receive_queue itself.",
  },
  {
    match: /too short: EINVAL/,
    note:
      "netlink_rcv_skb (model: kernel-model/net/netlink/ack.ts; kernel: net/netlink/af_netlink.c) checked the header " +
      "and that nlmsg_len fits the skb; the handler checks the payload before reading it and returns -EINVAL, which " +
      "netlink_rcv_skb turns into an NLMSG_ERROR for the sender (with extack's message since 4.12).",
  },
  {
    match: /read from past its end/,
    note:
      "The article's check is `skb->len <= NLMSG_LENGTH(sizeof(*msg))`: it accepts a message with no payload and " +
      "reads msg->gid from whatever follows it in the skb, and it ignores any longer datagram. Today: " +
      "netlink_rcv_skb + `nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*msg))` → -EINVAL.",
  },
  {
    match: /netlink_broadcast\(group \d+, exclude port 0\)/,
    note:
      "netlink_broadcast(ssk, skb, portid, group, gfp): `portid` is a port to EXCLUDE (do_one_broadcast skips " +
      "sk->portid == portid). The port passes 0, which excludes nobody; NETLINK_CB(skb).dst_group makes receivers " +
      "see the group in msg_name and NETLINK_PKTINFO.",
  },
  {
    match: /netlink_broadcast\(exclude port [1-9]/,
    note:
      "The article's bug: netlink_broadcast(nlfd, skb, pid, gid, ...) passes the registered daemon's own port id as " +
      "the exclusion port id, so do_one_broadcast (model: kernel-model/net/netlink/broadcast.ts) skips exactly the " +
      "socket the event is for; -ESRCH (nobody got it), and the article ignores the return value.",
  },
  {
    match: /NETLINK_URELEASE/,
    note:
      "netlink_release (model: kernel-model/net/netlink/af_netlink.ts; kernel: af_netlink.c) calls the netlink_chain " +
      "notifiers with NETLINK_URELEASE for every bound user socket it releases, exit included; a module registered " +
      "with netlink_register_notifier forgets a daemon that died without saying goodbye.",
  },
  {
    match: /\(ECONNREFUSED\); unregistered/,
    note:
      "netlink_unicast → netlink_getsockbyportid finds no socket at that port: -ECONNREFUSED, and the skb is freed. " +
      "Without a notifier this is how a module learns its daemon is gone; the article ignores it and keeps sending.",
  },
  {
    match: /netlink_kernel_release done/,
    note:
      "Exit order: stop the event source (timer_delete_sync), unregister the notifier, then netlink_kernel_release " +
      "(since 2.6.24; the article's sock_release(nlfd->sk_socket) predates it). The exit runs only once no user " +
      "socket of the unit is open: each holds a reference on the module.",
  },
  {
    match: /Module nl_demo is in use/,
    note:
      "netlink_create took a reference on the unit's module for the daemon's socket (try_module_get(nl_table[17]." +
      "module), the THIS_MODULE netlink_kernel_create recorded; model: kernel-model/net/netlink/af_netlink.ts, " +
      "kernel-model/kernel/module.ts). delete_module refuses a module with references: EAGAIN, the exit function " +
      "does not run, the module keeps working. netlink_release drops the reference (module_put) when the daemon " +
      "closes its socket or exits; then rmmod works.",
  },
];

export const nlDemoExample: Example<NlDemoOptions, NlDemoModule> = {
  name: "nl-demo",
  description: "two-way messaging with a custom netlink protocol: register, events by unicast or multicast, close",
  modes: NL_DEMO_MODES as unknown as Example["modes"],
  protocol: NETLINK_NLDEMO,
  // the article's module is its 2.6.32 branch: input(skb) in the sender's context, as today
  netlinkInput: () => "process",
  params: PARAMS,
  options: nlDemoOptions,
  setup: setupNlDemo,
  describePayload,
  typeNames: NLDEMO_TYPE_NAMES,
  notes: NOTES,
  userProgram: (mode, params) => {
    const plan = isMode(mode) ? PLANS[mode] : PLANS.unicast;
    const scale = scaleOf(params);
    if (plan.daemon === undefined) return shortRequestProbe(PROBE_WAIT_MS * scale);
    return nlDemoDaemon(daemonOptions(plan.daemon, scale));
  },
};
