// `nlsim ynl gen SPEC -o FILE.ts`: TypeScript types for a spec, so that `openYnl<Ops>(spec)` checks
// operation names, request keys and reply shapes at compile time. One interface per attribute set
// and struct, one per operation map; the values are those the codec reads and writes (64-bit
// integers as bigint, enums as their names, flags as lists of names, structs as objects).
import {
  camel,
  type YnlAttr,
  type YnlAttrSet,
  type YnlMember,
  type YnlMessage,
  type YnlSpec,
  type YnlStruct,
} from "./spec.js";

const pascal = (name: string): string => {
  const c = camel(name.replace(/_/g, "-"));
  return c.charAt(0).toUpperCase() + c.slice(1);
};

const key = (name: string): string => {
  const k = camel(name);
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : JSON.stringify(k);
};

const docLine = (doc: string | undefined, indent: string): string[] =>
  doc === undefined || doc.trim() === ""
    ? []
    : [`${indent}/** ${doc.trim().replace(/\s+/g, " ").replace(/\*\//g, "* /")} */`];

const INT_TS: Readonly<Record<string, string>> = {
  u8: "number",
  u16: "number",
  u32: "number",
  s8: "number",
  s16: "number",
  s32: "number",
  u64: "bigint",
  s64: "bigint",
  uint: "bigint",
  sint: "bigint",
};

/** Writes the types of one spec. */
class Gen {
  readonly prefix: string;
  constructor(readonly spec: YnlSpec) {
    this.prefix = pascal(spec.name);
  }

  setType(name: string): string {
    return `${this.prefix}${pascal(name)}`;
  }

  structType(name: string): string {
    return `${this.prefix}${pascal(name)}`;
  }

  enumType(name: string | undefined, asFlags: boolean, base: string): string {
    if (name === undefined) return base;
    const d = this.spec.definitions.get(name);
    if (d === undefined || (d.kind !== "enum" && d.kind !== "flags")) return base;
    const names = d.entries.map((e) => JSON.stringify(e.name)).join(" | ");
    return d.kind === "flags" || asFlags ? `Array<${names} | ${base}>` : `${names} | ${base}`;
  }

  scalar(a: YnlAttr, type: string): string {
    if (type === "flag") return "true";
    if (type === "string") return "string";
    if (type === "bitfield32") return "{ value: number; selector: number }";
    if (type === "binary") return this.binary(a);
    const base = INT_TS[type];
    return base === undefined ? "Uint8Array" : this.enumType(a.enum, a.enumAsFlags, base);
  }

  binary(a: YnlAttr): string {
    if (a.struct !== undefined) return this.structType(a.struct);
    const base = a.subType === undefined ? undefined : INT_TS[a.subType];
    if (base !== undefined && a.subType !== "uint" && a.subType !== "sint") return `Array<${base}>`;
    return "Uint8Array";
  }

  attrType(a: YnlAttr): string {
    let t: string;
    switch (a.type) {
      case "nest":
        t = this.setType(a.nestedAttributes!);
        break;
      case "indexed-array":
        t = `Array<${a.subType === "nest" ? this.setType(a.nestedAttributes!) : this.scalar(a, a.subType!)}>`;
        break;
      case "nest-type-value": {
        t = this.setType(a.nestedAttributes!);
        for (let i = 0; i < a.typeValue!.length; i++) t = `Record<number, ${t}>`;
        break;
      }
      case "sub-message": {
        const sub = this.spec.subMessages.get(a.subMessage!)!;
        const alts = [
          ...new Set(
            sub.formats.map((f) => {
              const parts = [
                ...(f.fixedHeader !== undefined ? [this.structType(f.fixedHeader)] : []),
                ...(f.attributeSet !== undefined ? [this.setType(f.attributeSet)] : []),
              ];
              return parts.length === 0 ? "Record<string, never>" : parts.join(" & ");
            }),
          ),
        ];
        t = [...alts, "Uint8Array"].join(" | ");
        break;
      }
      default:
        t = this.scalar(a, a.type);
    }
    return a.multiAttr ? `Array<${t}>` : t;
  }

  member(m: YnlMember): string {
    if (m.type === "binary") return "Uint8Array";
    if (m.type === "string") return "string";
    return this.enumType(m.enum, m.enumAsFlags, INT_TS[m.type] ?? "number");
  }

  struct(st: YnlStruct): string[] {
    const lines = [`export interface ${this.structType(st.name)} {`];
    for (const m of st.members) if (m.type !== "pad") lines.push(`  ${key(m.name)}?: ${this.member(m)};`);
    lines.push("}");
    return lines;
  }

  set(s: YnlAttrSet): string[] {
    const lines = [`export interface ${this.setType(s.name)} {`];
    for (const a of s.attributes) {
      if (a.type === "pad" || a.type === "unused") continue;
      lines.push(...docLine(a.doc, "  "), `  ${key(a.name)}?: ${this.attrType(a)};`);
    }
    lines.push("}");
    return lines;
  }

  /** A message's shape: the fixed header's members and its attributes (all of the set's for a reply). */
  message(setName: string | undefined, fixed: string | undefined, msg: YnlMessage | undefined, reply: boolean): string {
    const parts: string[] = [];
    if (fixed !== undefined) parts.push(this.structType(fixed));
    if (setName !== undefined) {
      if (reply) parts.push(this.setType(setName));
      else {
        // pads are never sent: a request lists them only because it shares the reply's list
        const set = this.spec.attributeSets.get(setName)!;
        const names = (msg?.attributes ?? []).filter((a) => {
          const t = set.byName.get(a)?.type;
          return t !== "pad" && t !== "unused";
        });
        if (names.length > 0) {
          parts.push(`Pick<${this.setType(setName)}, ${names.map((a) => JSON.stringify(camel(a))).join(" | ")}>`);
        }
      }
    }
    return parts.length === 0 ? "Record<string, never>" : parts.join(" & ");
  }

  ops(): string[] {
    const lines = [
      ...docLine(`The operations of ${this.spec.name}, for openYnl<${this.prefix}Ops>(...)`, ""),
      `export interface ${this.prefix}Ops {`,
    ];
    for (const op of this.spec.operations) {
      const target = op.notify === undefined ? op : this.spec.operationsByName.get(op.notify)!;
      const set = target.attributeSet;
      const fixed = target.fixedHeader;
      const fields: string[] = [];
      if (op.do?.request !== undefined) fields.push(`doRequest: ${this.message(set, fixed, op.do.request, false)};`);
      if (op.do?.reply !== undefined) fields.push(`doReply: ${this.message(set, fixed, op.do.reply, true)};`);
      if (op.dump !== undefined) {
        if (op.dump.request !== undefined)
          fields.push(`dumpRequest: ${this.message(set, fixed, op.dump.request, false)};`);
        if (op.dump.reply !== undefined) fields.push(`dumpReply: ${this.message(set, fixed, op.dump.reply, true)};`);
      }
      if (op.notify !== undefined || op.event !== undefined)
        fields.push(`notify: ${this.message(set, fixed, undefined, true)};`);
      if (fields.length === 0) continue;
      lines.push(...docLine(op.doc, "  "), `  ${key(op.name)}: {`, ...fields.map((f) => `    ${f}`), "  };");
    }
    lines.push("}");
    return lines;
  }

  file(source: string): string {
    const out: string[] = [
      `// Types for the YNL spec "${this.spec.name}" (${source}), written by \`nlsim ynl gen\`: do not edit.`,
      `// Use: openYnl<${this.prefix}Ops>(spec) — see docs/ynl.md.`,
      "",
    ];
    for (const d of this.spec.definitions.values()) if (d.kind === "struct") out.push(...this.struct(d), "");
    for (const s of this.spec.attributeSets.values()) out.push(...this.set(s), "");
    out.push(...this.ops(), "");
    return out.join("\n");
  }
}

/** The TypeScript types of a spec, as a module's text. `source` is named in its header comment. */
export const generateTypes = (spec: YnlSpec, source: string = spec.file): string => new Gen(spec).file(source);
