// The rtnetlink handlers the other subsystems register at boot (their *_init functions call
// rtnl_register): net_namespace.c, neighbour.c, fib_rules.c, devinet.c, fib_frontend.c, route.c,
// arp.c, addrconf.c, ndisc.c, addrlabel.c and ip6 route.c, for the namespace rtnetlink_net_init set up. Each
// answers as a fresh 6.18 namespace does: lo down, no address, no route, the default FIB rules.

import { arp_net_init } from "../ipv4/arp.js";
import { devinet_net_init } from "../ipv4/devinet.js";
import { ip_fib_net_init } from "../ipv4/fib_frontend.js";
import { fib4_rules_ops } from "../ipv4/fib_rules.js";
import { nexthop_net_init } from "../ipv4/nexthop.js";
import { ip_rt_net_init } from "../ipv4/route.js";
import { addrconf_net_init } from "../ipv6/addrconf.js";
import { addrlabel_net_init } from "../ipv6/addrlabel.js";
import { ndisc_net_init } from "../ipv6/ndisc.js";
import { ip6_route_net_init } from "../ipv6/route.js";
import type { Net } from "../netlink/table.js";
import { tc_action_net_init } from "../sched/act_api.js";
import { tc_filter_net_init } from "../sched/cls_api.js";
import { pktsched_net_init } from "../sched/sch_api.js";
import { fib_rules_net_init } from "./fib_rules.js";
import { ifb_init_module } from "./ifb.js";
import { neigh_net_init } from "./neighbour.js";
import { net_ns_rtnl_init } from "./net_namespace.js";
import { rtnl_stats_init } from "./rtnetlink_stats.js";

/** rtnl_subsys_net_init(net): every subsystem's rtnetlink handlers (after rtnetlink_net_init) */
export const rtnl_subsys_net_init = (net: Net): void => {
  rtnl_stats_init(net);
  net_ns_rtnl_init(net);
  neigh_net_init(net);
  fib_rules_net_init(net, fib4_rules_ops());
  devinet_net_init(net);
  ip_fib_net_init(net);
  arp_net_init(net);
  ip_rt_net_init(net);
  addrconf_net_init(net);
  ndisc_net_init(net);
  addrlabel_net_init(net);
  ip6_route_net_init(net);
  ifb_init_module(net);
  nexthop_net_init(net);
  pktsched_net_init(net);
  tc_filter_net_init(net);
  tc_action_net_init(net);
};
