// The CLI as one ES module file for the QEMU guest. Under TCG, Node pays dearly for every module
// it resolves and reads over 9p and for every line tsx compiles: `node bin/nlsim.js` takes minutes
// there, the same CLI bundled by esbuild (tsx's own) a few seconds. It is the same code: cli/main.ts
// and all it imports, with each project file's `import.meta.url` kept as its own (so native/ finds
// its addon and examples their files where they are in the repository).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export const bundleCli = async (repo: string, outfile: string): Promise<void> => {
  await build({
    entryPoints: [join(repo, "cli/main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    // CommonJS dependencies bundled into ESM need a require
    banner: {
      js: "import { createRequire as __nlsimCreateRequire } from 'node:module'; const require = __nlsimCreateRequire(import.meta.url);",
    },
    plugins: [
      {
        name: "keep-import-meta-url",
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, (args) => {
            if (args.path.includes("/node_modules/")) return undefined;
            const src = readFileSync(args.path, "utf8");
            return {
              contents: src.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
              loader: "ts",
            };
          });
        },
      },
    ],
  });
};
