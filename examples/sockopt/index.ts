// sockopt as an example for `nlsim run` / `nlsim walk`: nf_sockopt_ops on PF_INET.
import { NETLINK_USERSOCK } from "../../kernel-model/uapi/index.js";
import { atTime } from "../sim-user.js";
import type { Example } from "../types.js";
import { setupSockopt } from "./run.js";
import { sockoptProgram } from "./user.js";

export const sockoptExample: Example = {
  name: "sockopt",
  description: "a module's own setsockopt/getsockopt numbers (nf_sockopt_ops) reached through a raw IPv4 socket",
  modes: [
    { name: "correct", description: "handlers that check lengths and copy results (EINVAL, EFAULT)" },
    { name: "buggy", description: "the article's recv_msg/send_msg: fixed 64-byte copies, *len never set" },
  ],
  protocol: NETLINK_USERSOCK,
  netlinkInput: () => null, // no kernel netlink socket
  run: (world, opts) => {
    const mod = setupSockopt(world, { mode: opts.mode === "buggy" ? "buggy" : "correct" }, opts.hooks.out);
    atTime(world, "rmmod", 100, () => mod.exit());
  },
  // the client as root, then as uid 1000; the mode is the module's: insmod sockopt_srv.ko [buggy=1]
  // (the dynamic debug switch and the clashing module are the guest's steps: kmod/sockopt/guest-*.sh)
  userProgram: () => sockoptProgram((line) => console.log(line)),
};
