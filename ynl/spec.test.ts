import { describe, expect, it } from "vitest";
import {
  CTRL_ATTR_FAMILY_NAME,
  CTRL_ATTR_MCAST_GROUPS,
  CTRL_CMD_GETFAMILY,
  CTRL_CMD_GETPOLICY,
  CTRL_CMD_NEWFAMILY,
} from "../kernel-model/uapi/index.js";
import { RTM_GETLINK, RTM_GETROUTE, RTM_NEWLINK } from "../kernel-model/uapi/rtnetlink.js";
import { requestId } from "./client.js";
import { BUNDLED_SPECS, loadSpec, loadSpecFile, loadSpecText } from "./load.js";
import { YnlSpecError } from "./spec.js";

const specError = (text: string): YnlSpecError => {
  try {
    loadSpecText(text, "bad.yaml");
  } catch (e) {
    if (e instanceof YnlSpecError) return e;
    throw e;
  }
  throw new Error("the spec was accepted");
};

describe("the shipped kernel specs", () => {
  it("all load, each with operations", () => {
    for (const name of BUNDLED_SPECS) expect(loadSpec(name).operations.length).toBeGreaterThan(0);
  });

  it("number attributes, enums and messages as the kernel's headers do", () => {
    const ctrl = loadSpec("nlctrl");
    const attrs = ctrl.attributeSets.get("ctrl-attrs")!;
    expect(attrs.byName.get("family-name")!.value).toBe(CTRL_ATTR_FAMILY_NAME);
    expect(attrs.byName.get("mcast-groups")!.value).toBe(CTRL_ATTR_MCAST_GROUPS);
    const getfamily = ctrl.operationsByName.get("getfamily")!;
    expect(requestId(getfamily)).toBe(CTRL_CMD_GETFAMILY);
    expect(getfamily.do!.reply!.value).toBe(CTRL_CMD_NEWFAMILY);
    expect(requestId(ctrl.operationsByName.get("getpolicy")!)).toBe(CTRL_CMD_GETPOLICY);
    // flags are bits, enums count from 0
    const opFlags = ctrl.definitions.get("op-flags")!;
    expect(opFlags.kind === "flags" && opFlags.byName.get("cmd-cap-haspol")).toBe(8);
    const attrType = ctrl.definitions.get("attr-type")!;
    expect(attrType.kind === "enum" && attrType.byName.get("uint")).toBe(17);

    const link = loadSpec("rt-link");
    const la = link.attributeSets.get("link-attrs")!;
    expect(la.byName.get("ifname")!.value).toBe(3);
    expect(la.byName.get("af-spec")!.value).toBe(26);
    expect(la.byName.get("tailroom")!.value).toBe(69);
    // a subset keeps the numbers and types of its full set, and adds its own properties
    const prop = link.attributeSets.get("prop-list-link-attrs")!;
    expect(prop.byName.get("alt-ifname")).toMatchObject({ value: 53, type: "string", multiAttr: true });
    expect(link.attributeSets.get("af-spec-attrs")!.attributes.map((a) => a.value)).toEqual([2, 10, 45]);
    const getlink = link.operationsByName.get("getlink")!;
    expect(requestId(getlink)).toBe(RTM_GETLINK);
    expect(getlink.dump!.reply!.value).toBe(RTM_NEWLINK);
    expect(getlink.fixedHeader).toBe("ifinfomsg");
    const ifinfomsg = link.definitions.get("ifinfomsg")!;
    expect(ifinfomsg.kind === "struct" && ifinfomsg.size).toBe(16);
    expect(link.mcastGroups).toEqual([
      { name: "rtnlgrp-link", value: 1, flags: [] },
      { name: "rtnlgrp-stats", value: 36, flags: [] },
    ]);

    const route = loadSpec("rt-route");
    expect(route.attributeSets.get("metrics")!.byName.get("lock")!.value).toBe(1);
    expect(requestId(route.operationsByName.get("getroute")!)).toBe(RTM_GETROUTE);
    // the ops-level fixed header applies to every op
    expect(route.operationsByName.get("newroute")!.fixedHeader).toBe("rtmsg");
  });

  it("read checks, admin-perm and dont-validate (fou)", () => {
    const fou = loadSpec("fou");
    const set = fou.attributeSets.get("fou")!;
    expect(set.byName.get("ipproto")!.checks).toEqual({ min: 1n });
    expect(set.byName.get("local-v6")!.checks).toEqual({ exactLen: 16 });
    expect(set.byName.get("port")!.byteOrder).toBe("big-endian");
    expect(fou.kernelPolicy).toBe("global");
    const add = fou.operationsByName.get("add")!;
    expect(add.value).toBe(1);
    expect(add.flags).toEqual(["admin-perm"]);
    expect(add.dontValidate).toEqual(["strict", "dump"]);
    expect(fou.operationsByName.get("get")!.value).toBe(3);
  });
});

describe("a spec that cannot be used is refused with its file and key", () => {
  const base = `
name: demo
protocol: genetlink
attribute-sets:
  - name: main
    attributes:
      - { name: a, type: u32 }
      - { name: b, type: nest, nested-attributes: inner }
  - name: inner
    attributes:
      - { name: x, type: string }
operations:
  list:
    - name: get
      attribute-set: main
      do:
        request: { attributes: [a] }
        reply: { attributes: [a, b] }
`;

  it("accepts the valid base", () => {
    expect(loadSpecText(base, "demo.yaml").operations[0]!.value).toBe(1);
  });

  it("an unknown attribute type", () => {
    const e = specError(base.replace("type: u32", "type: u33"));
    expect(e.message).toMatch(/^bad\.yaml: attribute-sets\[0\]\.attributes\[0\]\.type: is "u33"; expected one of/);
  });

  it("a nest whose set does not exist", () => {
    const e = specError(base.replace("nested-attributes: inner", "nested-attributes: nowhere"));
    expect(e.path).toBe("attribute-sets[0].attributes[1].nested-attributes");
    expect(e.detail).toBe('"nowhere" is not an attribute set of this spec');
  });

  it("an operation that names an attribute its set lacks", () => {
    const e = specError(base.replace("request: { attributes: [a] }", "request: { attributes: [a, zz] }"));
    expect(e.message).toBe('bad.yaml: operations.list[0].do.request.attributes[1]: "zz" is not an attribute of "main"');
  });

  it("a misspelt key", () => {
    const e = specError(base.replace("attribute-set: main", "atribute-set: main"));
    expect(e.path).toBe("operations.list[0].atribute-set");
    expect(e.detail).toMatch(/^unknown key; expected one of name, doc, value, attribute-set/);
  });

  it("a missing name, two attributes with one number, a check of the wrong kind", () => {
    expect(specError(base.replace("name: demo\n", "")).message).toBe("bad.yaml: name: is required");
    expect(specError(base.replace("{ name: b, type: nest,", "{ name: b, value: 1, type: nest,")).detail).toBe(
      "attribute number 1 is used twice",
    );
    expect(specError(base.replace("type: u32 }", "type: u32, checks: { max: lots } }")).message).toBe(
      'bad.yaml: attribute-sets[0].attributes[0].checks.max: "lots" is neither a number, a named limit (u32-max, s16-min, ...) nor a const definition',
    );
  });

  it("netlink-raw without a protocol number, and text that is not YAML", () => {
    expect(specError("name: x\nprotocol: netlink-raw\n").message).toBe(
      "bad.yaml: protonum: a netlink-raw spec needs its netlink protocol number",
    );
    expect(specError("name: [unclosed").message).toMatch(/^bad\.yaml: not valid YAML: /);
  });

  it("a file that cannot be read names the path", () => {
    expect(() => loadSpecFile("/nonexistent/spec.yaml")).toThrow(/^\/nonexistent\/spec\.yaml: cannot be read: /);
  });
});
