// The C headers of select-throughput, procfs, sockopt and netlink-exam (kmod/<example>/*_proto.h)
// must say what examples/<example>/proto.ts says: every #define and enum value of the header is a
// constant of proto.ts with the same value, and every number or string proto.ts exports is in the
// header. Runs on the host, no QEMU: the header is parsed here, and, when a C compiler is on PATH,
// also compiled and its values printed, so the parser cannot agree with itself by mistake.
// (None of these four headers declares a struct: their messages are a bare nlmsghdr, a text, or
// a sockopt string; a struct added later needs a size check here, as nl-demo's has.)
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as netlinkExam from "../examples/netlink-exam/proto.js";
import * as procfs from "../examples/procfs/proto.js";
import * as selectThroughput from "../examples/select-throughput/proto.js";
import * as sockopt from "../examples/sockopt/proto.js";

type Value = number | string;

const HEADERS: ReadonlyArray<{ readonly header: string; readonly proto: Readonly<Record<string, unknown>> }> = [
  { header: "select-throughput/select_throughput_proto.h", proto: selectThroughput },
  { header: "procfs/procfs_proto.h", proto: procfs },
  { header: "sockopt/sockopt_proto.h", proto: sockopt },
  { header: "netlink-exam/netlink_exam_proto.h", proto: netlinkExam },
];

const path = (rel: string): string => new URL(`./${rel}`, import.meta.url).pathname;

/** The header's #defines (bodies, unevaluated) and enum members (evaluated), in order. */
const parseHeader = (text: string): { defines: Map<string, string>; enums: Map<string, number> } => {
  const src = text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, "");
  const defines = new Map<string, string>();
  for (const m of src.matchAll(/^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)(?![(\w])[ \t]*(.*)$/gm)) {
    defines.set(m[1]!, m[2]!.trim());
  }
  const enums = new Map<string, number>();
  for (const e of src.matchAll(/\benum\b[^{]*\{([^}]*)\}/g)) {
    let next = 0;
    for (const item of e[1]!.split(",")) {
      const t = item.trim();
      if (t === "") continue;
      const m = /^([A-Za-z_]\w*)(?:\s*=\s*(.+))?$/s.exec(t);
      if (m === null) throw new Error(`enum member not understood: ${t}`);
      const v = m[2] === undefined ? next : evalInt(m[2], defines, enums);
      enums.set(m[1]!, v);
      next = v + 1;
    }
  }
  return { defines, enums };
};

/** A C integer literal as JS: 0x.., 0 octal, decimal, with u/l suffixes dropped. */
const literal = (t: string): string => {
  const s = t.replace(/[uUlL]+$/, "");
  if (/^0[0-7]+$/.test(s)) return String(Number.parseInt(s, 8));
  return String(Number(s));
};

/** A #define body as a string (string literals and names of string macros, concatenated), or undefined. */
const evalString = (body: string, defines: Map<string, string>, depth = 0): string | undefined => {
  if (depth > 20) throw new Error("macro recursion");
  const parts = body.trim().match(/"(?:[^"\\]|\\.)*"|[A-Za-z_]\w*|\S+/g) ?? [];
  if (parts.length === 0) return undefined;
  let out = "";
  for (const p of parts) {
    if (p.startsWith('"')) out += JSON.parse(p) as string;
    else if (/^[A-Za-z_]\w*$/.test(p) && defines.has(p)) {
      const s = evalString(defines.get(p)!, defines, depth + 1);
      if (s === undefined) return undefined;
      out += s;
    } else return undefined;
  }
  return out;
};

/** An integer constant expression: literals, macro names, enum names, sizeof("..."/string macro), + - * / % << >> | & ( ). */
const evalInt = (expr: string, defines: Map<string, string>, enums: Map<string, number>, depth = 0): number => {
  if (depth > 20) throw new Error("macro recursion");
  let e = expr.replace(/sizeof\s*\(\s*([^)]*)\)/g, (_, inner: string) => {
    const s = evalString(inner, defines);
    if (s === undefined) throw new Error(`sizeof of a non-string: ${inner}`);
    return String(new TextEncoder().encode(s).length + 1);
  });
  e = e.replace(/\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b/g, (t) => literal(t));
  e = e.replace(/\b[A-Za-z_]\w*\b/g, (name) => {
    if (enums.has(name)) return String(enums.get(name));
    if (defines.has(name)) return `(${evalInt(defines.get(name)!, defines, enums, depth + 1)})`;
    throw new Error(`unknown name in a constant expression: ${name}`);
  });
  if (!/^[\d\s()+\-*/%<>|&~^]*$/.test(e)) throw new Error(`not an integer constant expression: ${expr}`);
  const v = Function(`"use strict"; return (${e});`)() as number;
  if (!Number.isInteger(v)) throw new Error(`not an integer: ${expr} = ${v}`);
  return v;
};

/** Every constant of the header by name, evaluated (include guards and empty macros left out). */
const headerConstants = (text: string): Map<string, Value> => {
  const { defines, enums } = parseHeader(text);
  const out = new Map<string, Value>();
  for (const [name, body] of defines) {
    if (body === "") continue;
    const s = evalString(body, defines);
    out.set(name, s ?? evalInt(body, defines, enums));
  }
  for (const [name, v] of enums) out.set(name, v);
  return out;
};

/** The numbers and strings a proto.ts exports (functions and objects are not constants). */
const protoConstants = (proto: Readonly<Record<string, unknown>>): Map<string, Value> =>
  new Map(
    Object.entries(proto).filter((e): e is [string, Value] => typeof e[1] === "number" || typeof e[1] === "string"),
  );

/** The header's values as the C compiler sees them (undefined when there is no compiler). */
const compiledConstants = (header: string, names: ReadonlyArray<string>, kinds: Map<string, Value>) => {
  const cc = ["cc", "gcc", "clang"].find((c) => spawnSync(c, ["--version"]).status === 0);
  if (cc === undefined) return undefined;
  const dir = mkdtempSync(join(tmpdir(), "nlsim-proto-"));
  try {
    const lines = names.map((n) =>
      typeof kinds.get(n) === "string"
        ? `  printf("%s\\t%s\\n", "${n}", ${n});`
        : `  printf("%s\\t%lld\\n", "${n}", (long long)(${n}));`,
    );
    const c = `#include <stdio.h>\n#include "${path(header)}"\nint main(void) {\n${lines.join("\n")}\n  return 0;\n}\n`;
    writeFileSync(join(dir, "p.c"), c);
    execFileSync(cc, ["-Wall", "-Werror", "-o", join(dir, "p"), join(dir, "p.c")]);
    const out = execFileSync(join(dir, "p"), { encoding: "utf8" });
    return new Map(
      out
        .trimEnd()
        .split("\n")
        .map((l) => {
          const [n, v] = l.split("\t") as [string, string];
          return [n, typeof kinds.get(n) === "string" ? v : Number(v)] as [string, Value];
        }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

describe("kmod/*_proto.h agree with examples/*/proto.ts", () => {
  for (const { header, proto } of HEADERS) {
    describe(header, () => {
      const text = readFileSync(path(header), "utf8");
      const guard = /#ifndef\s+(\w+)/.exec(text)?.[1];
      const fromHeader = headerConstants(text);
      if (guard !== undefined) fromHeader.delete(guard);
      const fromProto = protoConstants(proto);

      it("every #define and enum value of the header is proto.ts's, with the same value", () => {
        expect(fromHeader.size).toBeGreaterThan(0);
        for (const [name, v] of fromHeader) {
          expect(fromProto.has(name), `${name} is in the header but not exported by proto.ts`).toBe(true);
          expect(v, name).toEqual(fromProto.get(name));
        }
      });

      it("every number and string proto.ts exports is in the header", () => {
        const missing = [...fromProto.keys()].filter((n) => !fromHeader.has(n));
        expect(missing, `missing from ${header}`).toEqual([]);
      });

      it("the C compiler reads the header the same way (skipped without one)", (ctx) => {
        const compiled = compiledConstants(header, [...fromHeader.keys()], fromHeader);
        if (compiled === undefined) {
          console.warn(`${header}: no C compiler on PATH, the compiled cross-check is skipped`);
          ctx.skip();
          return;
        }
        expect(compiled).toEqual(fromHeader);
      });
    });
  }
});

describe("the header parser", () => {
  it("evaluates octal, shifts, enums counting on, string concatenation and sizeof of a string", () => {
    const c = headerConstants(
      '#define A 0666\n#define B (1 << (A - 0665))\n#define S "x" "y"\n#define T "/" S\n#define N sizeof(T)\nenum { E = 0x10, F, G = B + 1 };\n',
    );
    expect(Object.fromEntries(c)).toEqual({ A: 0o666, B: 2, S: "xy", T: "/xy", N: 4, E: 16, F: 17, G: 3 });
  });
});
