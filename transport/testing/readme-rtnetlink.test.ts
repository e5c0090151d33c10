// The example of README.md's "Links, addresses and routes", verbatim: CI proves it runs.
import { expect, it } from "vitest";
import { runPromiseProcess } from "../index.js";
import { runWorld, withWorld } from "./index.js";
import { linkAddressRoute, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE } from "./link-address-route.js";

it("creates an ifb link, adds 10.0.0.1/24 and a route, and hears the kernel's notifications", () =>
  withWorld(async (world) => {
    let heard: ReadonlyArray<{ type: number; group: number }> = [];
    runPromiseProcess(world, { name: "ip" }, async (nl) => {
      heard = await linkAddressRoute(nl);
    });
    await runWorld(world);
    expect(heard).toEqual([
      { type: RTM_NEWLINK, group: 1 }, // ifb0 registered
      { type: RTM_NEWLINK, group: 1 }, // ifb0 up
      { type: RTM_NEWADDR, group: 5 }, // 10.0.0.1/24
      { type: RTM_NEWROUTE, group: 7 }, // local 10.0.0.1 (table local)
      { type: RTM_NEWROUTE, group: 7 }, // 10.0.0.0/24 (main, scope link)
      { type: RTM_NEWROUTE, group: 7 }, // broadcast 10.0.0.255 (table local)
      { type: RTM_NEWROUTE, group: 7 }, // 10.1.0.0/16 via 10.0.0.2
    ]);
  }));
