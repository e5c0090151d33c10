// The C headers of nl-demo and icmp-logger (kmod/<example>/*_proto.h) must say what
// examples/<example>/proto.ts says: every #define and enum value of the header is a constant of
// proto.ts with the same value (and the reverse, for the protocol's numbers), and each struct has
// the size proto.ts gives it, field by field at the offsets proto.ts reads and writes. Runs on the
// host, no QEMU. The header is parsed here, and when a C compiler is on PATH it is also compiled
// and sizeof/offsetof printed, so the parser cannot agree with itself by mistake.
// (kmod/proto-headers.test.ts does the same for the headers without structs.)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as icmpLogger from "../examples/icmp-logger/proto.js";
import * as nlDemo from "../examples/nl-demo/proto.js";

interface Field {
  readonly name: string;
  readonly size: number;
}

interface HeaderCase {
  readonly header: string;
  readonly proto: Readonly<Record<string, unknown>>;
  /** struct name → the proto.ts constant holding its size, and the field offsets proto.ts uses */
  readonly structs: Readonly<Record<string, { readonly size: string; readonly offsets: Record<string, number> }>>;
  /** numeric exports of proto.ts that are derived, not part of the header */
  readonly derived: ReadonlyArray<string>;
}

const CASES: ReadonlyArray<HeaderCase> = [
  {
    header: "nl-demo/nl_demo_proto.h",
    proto: nlDemo,
    // proto.ts: putU32(payload, 0, gid); putUsrMsg: seq at 0, jiffies at 4
    structs: {
      nldemo_krnl_msg: { size: "NLDEMO_KRNL_MSG_SIZE", offsets: { gid: 0 } },
      nldemo_usr_msg: { size: "NLDEMO_USR_MSG_SIZE", offsets: { seq: 0, jiffies: 4 } },
    },
    derived: ["NLDEMO_KRNL_MSG_LEN"], // NLMSG_LENGTH(sizeof(struct nldemo_krnl_msg)), computed in C
  },
  {
    header: "icmp-logger/icmp_logger_proto.h",
    proto: icmpLogger,
    // proto.ts putPacketInfo: src at 0, dest at 4
    structs: { packet_info: { size: "PACKET_INFO_SIZE", offsets: { src: 0, dest: 4 } } },
    derived: [],
  },
];

const path = (rel: string): string => new URL(`./${rel}`, import.meta.url).pathname;

const TYPE_SIZE: Readonly<Record<string, number>> = {
  __u8: 1,
  __s8: 1,
  __u16: 2,
  __s16: 2,
  __be16: 2,
  __le16: 2,
  __u32: 4,
  __s32: 4,
  __be32: 4,
  __le32: 4,
  __u64: 8,
  __s64: 8,
  __be64: 8,
};

/** #defines with a numeric body, enum members (evaluated), and structs (fields with their sizes). */
const parse = (text: string) => {
  const src = text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, "");
  const consts = new Map<string, number>();
  for (const m of src.matchAll(/^\s*#\s*define\s+([A-Z_][A-Z0-9_]*)\s+(0x[0-9a-fA-F]+|\d+)\s*$/gm)) {
    consts.set(m[1]!, Number(m[2]));
  }
  for (const e of src.matchAll(/\benum\s*\{([^}]*)\}/g)) {
    let next = 0;
    for (const item of e[1]!.split(",")) {
      const t = item.trim();
      if (t === "") continue;
      const m = /^([A-Z_][A-Z0-9_]*)(?:\s*=\s*(0x[0-9a-fA-F]+|\d+))?$/.exec(t);
      if (m === null) throw new Error(`enum member not understood: ${t}`);
      const v = m[2] === undefined ? next : Number(m[2]);
      consts.set(m[1]!, v);
      next = v + 1;
    }
  }
  const structs = new Map<string, Field[]>();
  for (const s of src.matchAll(/\bstruct\s+(\w+)\s*\{([^}]*)\}\s*;/g)) {
    const fields = s[2]!
      .split(";")
      .map((f) => f.trim())
      .filter((f) => f !== "")
      .map((f) => {
        const m = /^(\w+)\s+(\w+)$/.exec(f);
        if (m === null || TYPE_SIZE[m[1]!] === undefined) throw new Error(`struct ${s[1]}: field not understood: ${f}`);
        return { name: m[2]!, size: TYPE_SIZE[m[1]!]! };
      });
    structs.set(s[1]!, fields);
  }
  return { consts, structs };
};

/** Offsets and size with C's natural alignment (each field aligned to its size). */
const layout = (fields: ReadonlyArray<Field>): { size: number; offsets: Record<string, number> } => {
  let off = 0;
  let align = 1;
  const offsets: Record<string, number> = {};
  for (const f of fields) {
    off = Math.ceil(off / f.size) * f.size;
    offsets[f.name] = off;
    off += f.size;
    align = Math.max(align, f.size);
  }
  return { size: Math.ceil(off / align) * align, offsets };
};

/** What the C compiler says: each constant, each struct's sizeof and offsetof (undefined without a compiler). */
const compiled = (header: string, consts: ReadonlyArray<string>, structs: Map<string, Field[]>) => {
  const cc = ["cc", "gcc", "clang"].find((c) => spawnSync(c, ["--version"]).status === 0);
  if (cc === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "nlsim-proto-"));
  try {
    const lines = [
      ...consts.map((n) => `  printf("%s %lld\\n", "${n}", (long long)(${n}));`),
      ...[...structs].flatMap(([s, fields]) => [
        `  printf("sizeof.${s} %zu\\n", sizeof(struct ${s}));`,
        ...fields.map((f) => `  printf("offsetof.${s}.${f.name} %zu\\n", offsetof(struct ${s}, ${f.name}));`),
      ]),
    ];
    const c = `#include <stddef.h>\n#include <stdio.h>\n#include "${path(header)}"\nint main(void) {\n${lines.join("\n")}\n  return 0;\n}\n`;
    writeFileSync(join(dir, "p.c"), c);
    execFileSync(cc, ["-Wall", "-Werror", "-o", join(dir, "p"), join(dir, "p.c")]);
    const out = execFileSync(join(dir, "p"), { encoding: "utf8" });
    return new Map(
      out
        .trimEnd()
        .split("\n")
        .map((l) => l.split(" ") as [string, string])
        .map(([k, v]) => [k, Number(v)]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe("kmod/<example>/*_proto.h agree with examples/<example>/proto.ts (structs included)", () => {
  for (const c of CASES) {
    describe(c.header, () => {
      const { consts, structs } = parse(readFileSync(path(c.header), "utf8"));
      const protoNums = new Map(Object.entries(c.proto).filter((e): e is [string, number] => typeof e[1] === "number"));

      it("every #define and enum value is in proto.ts, with the same value", () => {
        expect(consts.size).toBeGreaterThan(0);
        for (const [name, v] of consts) expect({ name, v: protoNums.get(name) }).toEqual({ name, v });
      });

      it("every number proto.ts exports is in the header (derived ones excepted)", () => {
        for (const name of protoNums.keys()) {
          if (c.derived.includes(name)) continue;
          expect({ name, inHeader: consts.has(name) }).toEqual({ name, inHeader: true });
        }
      });

      it("each struct has proto.ts's size and field offsets", () => {
        expect([...structs.keys()].sort()).toEqual(Object.keys(c.structs).sort());
        for (const [s, fields] of structs) {
          const want = c.structs[s]!;
          const got = layout(fields);
          expect({ s, size: got.size }).toEqual({ s, size: protoNums.get(want.size) });
          expect({ s, offsets: got.offsets }).toEqual({ s, offsets: want.offsets });
        }
      });

      it("the C compiler agrees with the parse (skipped without cc)", () => {
        const cc = compiled(c.header, [...consts.keys()], structs);
        if (cc === undefined) return;
        for (const [name, v] of consts) expect({ name, v: cc.get(name) }).toEqual({ name, v });
        for (const [s, fields] of structs) {
          expect({ s, size: cc.get(`sizeof.${s}`) }).toEqual({ s, size: layout(fields).size });
          for (const f of fields) {
            expect({ f: f.name, off: cc.get(`offsetof.${s}.${f.name}`) }).toEqual({
              f: f.name,
              off: c.structs[s]!.offsets[f.name],
            });
          }
        }
      });
    });
  }
});
