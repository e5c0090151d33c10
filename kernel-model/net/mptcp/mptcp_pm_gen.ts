// net/mptcp/mptcp_pm_gen.c, mptcp_pm_nl_ops: the handlers of the mptcp_pm commands the model
// implements (the in-kernel path manager's endpoints and limits). The commands that act on
// connections (ANNOUNCE, REMOVE, SUBFLOW_CREATE, SUBFLOW_DESTROY) need MPTCP sockets, which the
// model does not have: they stay not modelled. Flags, validation and policies come from the profile.
import type { GenlFamilyHandlers } from "../genetlink/family.js";
import {
  mptcp_pm_nl_add_addr_doit,
  mptcp_pm_nl_del_addr_doit,
  mptcp_pm_nl_flush_addrs_doit,
  mptcp_pm_nl_get_addr_doit,
  mptcp_pm_nl_get_addr_dumpit,
  mptcp_pm_nl_get_limits_doit,
  mptcp_pm_nl_set_flags_doit,
  mptcp_pm_nl_set_limits_doit,
} from "./pm_kernel.js";
import {
  MPTCP_PM_CMD_ADD_ADDR,
  MPTCP_PM_CMD_DEL_ADDR,
  MPTCP_PM_CMD_FLUSH_ADDRS,
  MPTCP_PM_CMD_GET_ADDR,
  MPTCP_PM_CMD_GET_LIMITS,
  MPTCP_PM_CMD_SET_FLAGS,
  MPTCP_PM_CMD_SET_LIMITS,
} from "./pm_netlink.js";

export const mptcp_pm_genl_handlers: GenlFamilyHandlers = {
  [MPTCP_PM_CMD_ADD_ADDR]: { doit: mptcp_pm_nl_add_addr_doit },
  [MPTCP_PM_CMD_DEL_ADDR]: { doit: mptcp_pm_nl_del_addr_doit },
  [MPTCP_PM_CMD_GET_ADDR]: { doit: mptcp_pm_nl_get_addr_doit, dumpit: mptcp_pm_nl_get_addr_dumpit },
  [MPTCP_PM_CMD_FLUSH_ADDRS]: { doit: mptcp_pm_nl_flush_addrs_doit },
  [MPTCP_PM_CMD_SET_LIMITS]: { doit: mptcp_pm_nl_set_limits_doit },
  [MPTCP_PM_CMD_GET_LIMITS]: { doit: mptcp_pm_nl_get_limits_doit },
  [MPTCP_PM_CMD_SET_FLAGS]: { doit: mptcp_pm_nl_set_flags_doit },
};
