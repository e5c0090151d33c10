import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatSpec } from "../cli/ynl/command.js";
import { generateTypes } from "./gen.js";
import { BUNDLED_SPECS, loadSpec, loadSpecText } from "./load.js";

describe("nlsim ynl gen", () => {
  it("the committed types of the shipped specs are what the generator writes", () => {
    for (const name of BUNDLED_SPECS) {
      const committed = readFileSync(new URL(`./types/${name}.ts`, import.meta.url), "utf8");
      expect(committed, `ynl/types/${name}.ts is stale: run nlsim ynl gen ${name} -o ynl/types/${name}.ts`).toBe(
        generateTypes(loadSpec(name)),
      );
    }
  });

  it("writes requests as the header plus the listed attributes, replies with the whole set", () => {
    const text = generateTypes(
      loadSpecText(
        `
name: demo-fam
attribute-sets:
  - name: main
    attributes:
      - { name: port-id, type: u32 }
      - { name: label, type: string }
      - { name: big, type: u64 }
      - { name: mode, type: u8, enum: mode }
      - { name: on, type: flag }
definitions:
  - { name: mode, type: enum, entries: [off, fast] }
operations:
  list:
    - name: get-thing
      attribute-set: main
      do:
        request: { attributes: [port-id] }
        reply: { attributes: [port-id, label] }
mcast-groups:
  list:
    - name: events
`,
        "demo.yaml",
      ),
    );
    expect(text).toContain(
      [
        "export interface DemoFamMain {",
        "  portId?: number;",
        "  label?: string;",
        "  big?: bigint;",
        '  mode?: "off" | "fast" | number;',
        "  on?: true;",
        "}",
      ].join("\n"),
    );
    expect(text).toContain(
      ["  getThing: {", '    doRequest: Pick<DemoFamMain, "portId">;', "    doReply: DemoFamMain;", "  };"].join("\n"),
    );
  });

  it("nlsim ynl show lists operations with their ids, flags and groups", () => {
    expect(formatSpec(loadSpec("rt-addr"))).toBe(
      [
        "rt-addr (netlink-raw, protocol 0): 4 operations",
        "  newaddr            20  do",
        "  deladdr            21  do",
        "  getaddr            22  dump",
        "  getmulticast       58  do, dump",
        "  group rtnlgrp-ipv4-ifaddr = 5",
        "  group rtnlgrp-ipv6-ifaddr = 9",
        "",
      ].join("\n"),
    );
  });
});
