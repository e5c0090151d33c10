// The families' handlers (handlers.ts) against the default profile: a name or command that does not
// match would leave the handler unused and the command answered "not modelled".
import { describe, expect, it } from "vitest";
import { GENL_CMD_CAP_DO, GENL_CMD_CAP_DUMP } from "../../uapi/index.js";
import { LINUX_6_18_NETNS } from "../profiles/linux-6.18.js";
import { GENL_FAMILY_HANDLERS, GENL_FAMILY_INITS } from "./handlers.js";

describe("the families' handlers", () => {
  it("name families and commands of the 6.18 profile, with a do or dump half only where the op has one", () => {
    const names = [...Object.keys(GENL_FAMILY_HANDLERS), ...Object.keys(GENL_FAMILY_INITS)];
    for (const name of names) {
      const family = LINUX_6_18_NETNS.genl.families.find((f) => f.name === name);
      expect(family, name).toBeDefined();
      for (const [cmd, h] of Object.entries(GENL_FAMILY_HANDLERS[name] ?? {})) {
        const op = family!.ops.find((o) => o.cmd === Number(cmd));
        expect(op, `${name} command ${cmd}`).toBeDefined();
        if (h.doit !== undefined) expect(op!.flags & GENL_CMD_CAP_DO, `${name} ${cmd} do`).not.toBe(0);
        if (h.dumpit !== undefined) expect(op!.flags & GENL_CMD_CAP_DUMP, `${name} ${cmd} dump`).not.toBe(0);
      }
    }
  });
});
