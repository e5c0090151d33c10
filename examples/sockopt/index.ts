// sockopt as an example for `nlsim run` / `nlsim walk`: nf_sockopt_ops on PF_INET.
import { NETLINK_USERSOCK } from "../../kernel-model/uapi/index.js";
import type { Example } from "../types.js";
import type { SockoptModule } from "./kernel.js";
import { type SockoptRunOptions, setupSockopt } from "./run.js";
import { sockoptProgram } from "./user.js";

export const sockoptExample: Example<SockoptRunOptions, SockoptModule> = {
  name: "sockopt",
  description: "a module's own setsockopt/getsockopt numbers (nf_sockopt_ops) reached through a raw IPv4 socket",
  modes: [
    { name: "correct", description: "handlers that check lengths and copy results (EINVAL, EFAULT)" },
    { name: "buggy", description: "the article's recv_msg/send_msg: fixed 64-byte copies, *len never set" },
  ],
  protocol: NETLINK_USERSOCK,
  netlinkInput: () => null, // no kernel netlink socket
  options: (mode) => ({ mode: mode === "buggy" ? "buggy" : "correct" }),
  setup: setupSockopt,
  // the client as root, then as uid 1000; the mode is the module's: insmod sockopt_srv.ko [buggy=1]
  // (the dynamic debug switch and the clashing module are the guest's steps: kmod/sockopt/guest-*.sh)
  userProgram: () => sockoptProgram((line) => console.log(line)),
};
