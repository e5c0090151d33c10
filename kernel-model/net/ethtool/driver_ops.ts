// The GET requests of net/ethtool whose prepare_data starts by asking the driver for an ethtool_ops
// callback: linkinfo.c and linkmodes.c (__ethtool_get_link_ksettings: get_link_ksettings, and the
// extack "failed to retrieve link settings"), debug.c (get_msglevel), wol.c (get_wol), privflags.c
// (get_priv_flags), rings.c (get_ringparam), channels.c (get_channels), coalesce.c
// (get_coalesce), pause.c (get_pauseparam) and eee.c (get_eee). A device without the callback gets
// -EOPNOTSUPP, as the kernel answers; the model's devices (lo, ifb) have none of them. What a
// driver with the callback would report is not modelled: such a request is logged and refused.
import { KERN_NOTICE } from "../../kernel/printk.js";
import { ERRNO } from "../../uapi/index.js";
import type { EthtoolOps } from "../core/loopback.js";
import type { GenlInfo } from "../genetlink/family.js";
import type { EthnlReqInfo, EthnlRequestOps } from "./netlink.js";

/** One such request: its command, the callback prepare_data needs, the extack it sets without it. */
interface DriverOpRequest {
  readonly name: string;
  readonly request_cmd: number;
  readonly reply_cmd: number;
  readonly op: keyof EthtoolOps;
  readonly msg?: string;
}

// include/uapi/linux/ethtool_netlink_generated.h: ETHTOOL_MSG_*_GET and their *_GET_REPLY
const DRIVER_OP_REQUESTS: ReadonlyArray<DriverOpRequest> = [
  { name: "linkinfo", request_cmd: 2, reply_cmd: 2, op: "get_link_ksettings", msg: "failed to retrieve link settings" },
  {
    name: "linkmodes",
    request_cmd: 4,
    reply_cmd: 4,
    op: "get_link_ksettings",
    msg: "failed to retrieve link settings",
  },
  { name: "debug", request_cmd: 7, reply_cmd: 7, op: "get_msglevel" },
  { name: "wol", request_cmd: 9, reply_cmd: 9, op: "get_wol" },
  { name: "privflags", request_cmd: 13, reply_cmd: 14, op: "get_priv_flags" },
  { name: "rings", request_cmd: 15, reply_cmd: 16, op: "get_ringparam" },
  { name: "channels", request_cmd: 17, reply_cmd: 18, op: "get_channels" },
  { name: "coalesce", request_cmd: 19, reply_cmd: 20, op: "get_coalesce" },
  { name: "pause", request_cmd: 21, reply_cmd: 22, op: "get_pauseparam" },
  { name: "eee", request_cmd: 23, reply_cmd: 24, op: "get_eee" },
];

/** The request ops of one: prepare_data up to its driver check; no reply is ever filled. */
const driver_op_request = (r: DriverOpRequest): EthnlRequestOps<never> => ({
  request_cmd: r.request_cmd,
  reply_cmd: r.reply_cmd,
  hdr_attr: 1,
  allow_nodev_do: false,
  prepare_data: (req: EthnlReqInfo, info: GenlInfo): number => {
    if (req.dev!.ethtool_ops?.[r.op] === undefined) {
      if (r.msg !== undefined && info.extack !== null) info.extack.msg = r.msg;
      return -ERRNO.EOPNOTSUPP;
    }
    info.net.kernel?.printk(`${KERN_NOTICE}nlsim: ethtool ${r.name} of a driver with ${r.op} is not modelled`);
    return -ERRNO.EOPNOTSUPP;
  },
  fill_reply: () => -ERRNO.EOPNOTSUPP,
});

/** ethnl_default_requests for these commands */
export const ethnl_driver_op_requests: ReadonlyArray<EthnlRequestOps<never>> =
  DRIVER_OP_REQUESTS.map(driver_op_request);
