// The bench's module loader: it runs nlsim's TypeScript sources compiled as `npm run build`
// compiles the package (tsc: one module per file, class fields as defined, no helpers added),
// not as tsx does. tsx compiles with esbuild's keepNames, which wraps every named function in a
// call that defines its `name` property again; every such closure then carries a property
// dictionary of its own (about 250 bytes). A simulated process, whose services are closures,
// weighed 19.7 KB under tsx against 10.7 KB as the package ships. Registered by register.mjs.
// The compiled modules carry inline source maps, which Node uses with --enable-source-maps; the
// bench does not pass it (with it, the figures read the same: docs/performance.md).
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const tsconfigRaw = { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } };

/** A relative `.js` import of a `.ts` source resolves to the source (as tsc and tsx allow). */
export const resolve = async (specifier, context, next) => {
  if (
    specifier.endsWith(".js") &&
    (specifier.startsWith("./") || specifier.startsWith("../")) &&
    context.parentURL?.startsWith("file:")
  ) {
    const ts = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
    if (!existsSync(new URL(specifier, context.parentURL)) && existsSync(ts)) {
      return { url: ts.href, format: "module", shortCircuit: true };
    }
  }
  return next(specifier, context);
};

export const load = async (url, context, next) => {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const file = fileURLToPath(url);
  const out = await transform(await readFile(file, "utf8"), {
    loader: "ts",
    format: "esm",
    target: "node20",
    sourcemap: "inline",
    sourcefile: file,
    tsconfigRaw,
  });
  return { format: "module", source: out.code, shortCircuit: true };
};
