// The ethtool GET requests that need a driver callback (driver_ops.ts).
import { describe, expect, it } from "vitest";
import { ERRNO, type NetlinkExtAck } from "../../uapi/index.js";
import type { LinkDevice } from "../core/loopback.js";
import type { GenlInfo } from "../genetlink/family.js";
import { ethnl_driver_op_requests } from "./driver_ops.js";

const ops = (cmd: number) => ethnl_driver_op_requests.find((o) => o.request_cmd === cmd)!;
const printed: string[] = [];
const infoWith = (extack: NetlinkExtAck) =>
  ({ extack, net: { kernel: { printk: (s: string) => printed.push(s) } } }) as unknown as GenlInfo;

describe("ethtool requests that need a driver callback", () => {
  it("refuses a device without the callback as the kernel does, with the extack of linkinfo/linkmodes", () => {
    const lo = { name: "lo", ethtool_ops: { get_link: () => 1 } } as unknown as LinkDevice;
    const linkinfo: NetlinkExtAck = {};
    expect(ops(2).prepare_data({ dev: lo, flags: 0 }, infoWith(linkinfo))).toBe(-ERRNO.EOPNOTSUPP);
    expect(linkinfo.msg).toBe("failed to retrieve link settings");
    const rings: NetlinkExtAck = {};
    expect(ops(15).prepare_data({ dev: lo, flags: 0 }, infoWith(rings))).toBe(-ERRNO.EOPNOTSUPP);
    expect(rings.msg).toBeUndefined();
    expect(printed).toEqual([]);
  });

  it("logs and refuses a device that has the callback: its answer is not modelled", () => {
    const nic = { name: "eth0", ethtool_ops: { get_ringparam: () => 0 } } as unknown as LinkDevice;
    expect(ops(15).prepare_data({ dev: nic, flags: 0 }, infoWith({}))).toBe(-ERRNO.EOPNOTSUPP);
    expect(printed.at(-1)).toContain("ethtool rings of a driver with get_ringparam is not modelled");
  });
});
