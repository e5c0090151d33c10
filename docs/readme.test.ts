// The documents a user reads keep their promises: every relative link in a Markdown file of the
// repository resolves to one of its files, no document names a path outside the repository, each
// `$ npx nlsim ...` shown with its output in README.md prints that output, and README's test
// example is the code of transport/testing/readme-example.test.ts (and its rtnetlink example that
// of transport/testing/readme-rtnetlink.test.ts).
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { parseScenario } from "../cli/scenario/parse.js";
import { runScenarioOnSim } from "../cli/scenario/sim-api.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Folders that are not documentation of the repository (built, installed or generated). */
const SKIP = new Set(["node_modules", "dist", ".git", "build", "out", "api"]);

/** Every Markdown file of the repository, as a path relative to its root. */
const markdownFiles = (dir = ROOT): string[] => {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...markdownFiles(path));
    else if (name.endsWith(".md")) out.push(relative(ROOT, path));
  }
  return out;
};

/** The text outside fenced code blocks (links in code are not links). */
const prose = (text: string): string => text.replace(/^```[^\n]*\n[\s\S]*?^```[ \t]*$/gm, "");

/** The targets of `[text](target)` and `![alt](target)` links, and of `[label]: target` definitions. */
const linkTargets = (text: string): string[] => {
  const p = prose(text).replace(/`[^`\n]*`/g, "");
  const out: string[] = [];
  for (const m of p.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push(m[1]!);
  for (const m of p.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)) out.push(m[1]!);
  return out;
};

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const headingSlug = (heading: string): string =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");

const anchorsOf = (text: string): Set<string> => {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = headingSlug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
};

/** What is wrong with one link of `file` (a repository-relative path), or undefined. */
const checkLink = (file: string, target: string, read = (p: string) => readFileSync(p, "utf8")) => {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:, ...
  const [path, anchor] = target.split("#", 2) as [string, string | undefined];
  const abs = path === "" ? join(ROOT, file) : resolve(ROOT, dirname(file), decodeURIComponent(path));
  if (path.startsWith("/")) return `${target}: an absolute path`;
  if (abs !== ROOT && !abs.startsWith(ROOT + sep)) return `${target}: leaves the repository`;
  if (!existsSync(abs)) return `${target}: no such file in the repository`;
  if (anchor !== undefined && anchor !== "" && abs.endsWith(".md") && !anchorsOf(read(abs)).has(anchor)) {
    return `${target}: no heading '#${anchor}' in ${relative(ROOT, abs)}`;
  }
  return undefined;
};

/** Mentions of places outside a clone: the project's internal notes, or one machine's absolute paths. */
const outsidePaths = (text: string): string[] =>
  [...text.matchAll(/(?:\.\.\/)+shared\/\S*|(?<![\w.~$-])\/(?:work|home|Users|root)\/\S*/g)].map((m) => m[0]);

/** A `$ npx nlsim ...` command of a README code block and the output shown under it. */
interface ShownRun {
  readonly args: string[];
  readonly output: string[];
}

/** The `$ npx nlsim` commands of the ```sh blocks, each with the lines up to the next `$` or the block's end. */
const shownRuns = (text: string): ShownRun[] => {
  const runs: ShownRun[] = [];
  for (const block of text.matchAll(/^```(?:sh|shell|console)\n([\s\S]*?)^```/gm)) {
    let current: { args: string[]; output: string[] } | undefined;
    for (const line of block[1]!.split("\n")) {
      if (line.startsWith("$ ")) {
        if (current !== undefined) runs.push(current);
        current = undefined;
        const cmd = line
          .slice(2)
          .replace(/\s+#.*$/, "")
          .trim()
          .split(/\s+/);
        if (cmd[0] === "npx" && cmd[1] === "nlsim") current = { args: cmd.slice(2), output: [] };
      } else if (current !== undefined && line !== "") current.output.push(line);
    }
    if (current !== undefined) runs.push(current);
  }
  return runs;
};

/**
 * Does `actual` show what `shown` says? Without `...` lines, exactly; with them, each stretch of
 * shown lines between elisions appears in `actual`, contiguously and in order.
 */
const matchesShown = (shown: ReadonlyArray<string>, actual: ReadonlyArray<string>): boolean => {
  if (!shown.includes("...")) return shown.length === actual.length && shown.every((l, i) => l === actual[i]);
  const stretches: string[][] = [[]];
  for (const l of shown) {
    if (l === "...") stretches.push([]);
    else stretches[stretches.length - 1]!.push(l);
  }
  let from = 0;
  for (const [k, s] of stretches.entries()) {
    if (s.length === 0) continue;
    const anchoredStart = k === 0; // no elision before: the output starts with these lines
    let found = -1;
    for (let i = from; i + s.length <= actual.length; i++) {
      if (s.every((l, j) => actual[i + j] === l)) {
        found = i;
        break;
      }
      if (anchoredStart) break;
    }
    if (found < 0) return false;
    from = found + s.length;
  }
  const last = stretches[stretches.length - 1]!;
  return last.length === 0 || from === actual.length; // no elision after: the output ends there
};

const runCli = (args: ReadonlyArray<string>): Promise<{ status: number; stdout: string; stderr: string }> =>
  new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, "bin", "nlsim.js"), ...args],
      { cwd: ROOT, timeout: 150_000, killSignal: "SIGKILL", env: { ...process.env, NO_COLOR: "1" } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        done({ status: code, stdout, stderr: error?.killed ? `${stderr}\n(killed: timeout)` : stderr });
      },
    );
  });

const readme = readFileSync(join(ROOT, "README.md"), "utf8");

describe("the documents", () => {
  const files = markdownFiles();

  it("are found where a user looks (README, docs/, the examples)", () => {
    expect(files).toContain("README.md");
    expect(files).toContain(join("docs", "scenario-format.md"));
    expect(files.filter((f) => f.startsWith(`examples${sep}`) && f.endsWith("README.md")).length).toBeGreaterThan(0);
  });

  it.each(files)("%s: every relative link resolves to a file of the repository", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    const bad = linkTargets(text)
      .map((t) => checkLink(file, t))
      .filter((m) => m !== undefined);
    expect(bad).toEqual([]);
  });

  it.each(files)("%s: names no path outside the repository", (file) => {
    expect(outsidePaths(readFileSync(join(ROOT, file), "utf8"))).toEqual([]);
  });
});

describe("the checker itself", () => {
  it("finds links, and refuses the ones that leave the repository or name no file", () => {
    const text =
      'see [a](docs/x.md), ![i](img.png "t") and `[not](code.md)`\n```\n[no](block.md)\n```\n[def]: ../y.md\n';
    expect(linkTargets(text)).toEqual(["docs/x.md", "img.png", "../y.md"]);
    expect(checkLink("README.md", "../shared/spec/scenario-format.md")).toMatch(/leaves the repository/);
    expect(checkLink("README.md", "docs/no-such-file.md")).toMatch(/no such file/);
    expect(checkLink("README.md", "/etc/passwd")).toMatch(/absolute path/);
    expect(checkLink("README.md", "https://example.org/x")).toBeUndefined();
    expect(checkLink("README.md", "#no-such-heading")).toMatch(/no heading/);
    expect(checkLink("README.md", "#the-cli")).toBeUndefined();
  });

  it("spots internal notes and one machine's absolute paths, not ordinary ones", () => {
    expect(outsidePaths("read ../shared/design/ARCHITECTURE.md and /work/shared/seeds/000.txt")).toEqual([
      "../shared/design/ARCHITECTURE.md",
      "/work/shared/seeds/000.txt",
    ]);
    expect(outsidePaths("/home/me/x and /root/y")).toHaveLength(2);
    expect(outsidePaths("/proc/net/netlink, /lib/modules/$(uname -r)/build, ~/work/x")).toEqual([]);
  });

  it("reads `$ npx nlsim` commands with their output, and compares around `...` elisions", () => {
    const md = "```sh\n$ npx nlsim decode --json 00   # a comment\nA\nB\n$ ls\nC\n```\n";
    expect(shownRuns(md)).toEqual([{ args: ["decode", "--json", "00"], output: ["A", "B"] }]);
    expect(matchesShown(["A", "B"], ["A", "B"])).toBe(true);
    expect(matchesShown(["A", "B"], ["A", "B", "C"])).toBe(false);
    expect(matchesShown(["...", "B", "...", "D"], ["A", "B", "C", "D"])).toBe(true);
    expect(matchesShown(["...", "B", "C", "..."], ["A", "B", "X", "C", "D"])).toBe(false);
    expect(matchesShown(["A", "...", "C"], ["X", "A", "C"])).toBe(false);
    expect(matchesShown(["...", "B"], ["B", "C"])).toBe(false);
  });
});

describe("README.md", () => {
  it("shows its test example exactly as transport/testing/readme-example.test.ts runs it", () => {
    const testFile = join("transport", "testing", "readme-example.test.ts");
    const code = readFileSync(join(ROOT, testFile), "utf8");
    // import specifiers compared as the files they name (README shows them from the repository root)
    const normalise = (src: string, from: string): string =>
      src
        .replace(
          / from "(\.{1,2}\/[^"]+)";/g,
          (_, spec: string) => ` from "${relative(ROOT, resolve(ROOT, dirname(from), spec))}";`,
        )
        .trim();
    const body = code.slice(code.indexOf("import "));
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
    const shown = blocks.find((b) => b.includes("fakeModule("));
    expect(shown, "README has a ```ts block with the fakeModule example").toBeDefined();
    expect(normalise(shown!, "README.md")).toBe(normalise(body, testFile));
  });

  it("shows its rtnetlink test exactly as transport/testing/readme-rtnetlink.test.ts runs it", () => {
    const testFile = join("transport", "testing", "readme-rtnetlink.test.ts");
    const code = readFileSync(join(ROOT, testFile), "utf8");
    const normalise = (src: string, from: string): string =>
      src
        .replace(
          / from "(\.{1,2}\/[^"]+)";/g,
          (_, spec: string) => ` from "${relative(ROOT, resolve(ROOT, dirname(from), spec))}";`,
        )
        .trim();
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
    const shown = blocks.find((b) => b.includes("linkAddressRoute("));
    expect(shown, "README has a ```ts block with the linkAddressRoute test").toBeDefined();
    expect(normalise(shown!, "README.md")).toBe(normalise(code.slice(code.indexOf("import ")), testFile));
  });

  it("prints what its codec example's last comment says", async () => {
    const block = [...readme.matchAll(/^```ts\n([\s\S]*?)^```/gm)]
      .map((m) => m[1]!)
      .find((b) => b.includes("console.log("));
    expect(block, "README has a ```ts block that logs").toBeDefined();
    const expected = /console\.log\(.*\); \/\/ (.+)$/m.exec(block!)?.[1];
    expect(expected, "the console.log line ends with // what it prints").toBeDefined();
    // run from a scratch folder inside the package (so "nlsim/..." resolves to itself); paths the
    // example gives from the repository root are made absolute
    const dir = join(ROOT, "node_modules", ".nlsim-readme-check");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `example-${process.pid}.ts`);
    writeFileSync(
      file,
      block!.replace(/ from "(\.{1,2}\/[^"]+)"/g, (_, spec: string) => ` from ${JSON.stringify(resolve(ROOT, spec))}`),
    );
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      await import(pathToFileURL(file).href);
      expect(log.mock.calls.map((c) => c.join(" "))).toEqual([expected]);
    } finally {
      log.mockRestore();
      rmSync(file, { force: true });
    }
  });

  const runs = shownRuns(readme);

  it("shows at least the decode and scenario commands with their output", () => {
    expect(runs.map((r) => r.args[0])).toEqual(expect.arrayContaining(["decode", "scenario"]));
  });

  // each CLI start costs seconds on a loaded machine: all of README's runs at once
  it("prints what README shows for each `$ npx nlsim ...` command", { timeout: 200_000 }, async () => {
    const results = await Promise.all(runs.map((r) => runCli(r.args)));
    for (const [i, r] of runs.entries()) {
      const res = results[i]!;
      const what = `npx nlsim ${r.args.join(" ")}`;
      expect(res.status, `${what} exited ${res.status}: ${res.stderr}`).toBe(0);
      const actual = res.stdout.replace(/\n$/, "").split("\n");
      expect(matchesShown(r.output, actual), `${what} printed:\n${res.stdout}`).toBe(true);
    }
  });
});

describe("docs/scenario-format.md", () => {
  it("shows the trace its example scenario prints", async () => {
    const text = readFileSync(join(ROOT, "docs", "scenario-format.md"), "utf8");
    const json = /^## The file\n[\s\S]*?^```json\n([\s\S]*?)^```/m.exec(text)?.[1];
    const shown = /^### Example\n[\s\S]*?^```\n([\s\S]*?)^```/m.exec(text)?.[1];
    expect(json, "a ```json block under '## The file'").toBeDefined();
    expect(shown, "a ``` block under '### Example'").toBeDefined();
    const run = await runScenarioOnSim(parseScenario(json!, "scenario-format.md"), 1);
    const lines = shown!.replace(/\n$/, "").split("\n");
    expect(matchesShown(lines, run.lines), run.lines.join("\n")).toBe(true);
  });
});
