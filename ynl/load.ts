// Reading specs: YAML text, a file, or one of the kernel specs nlsim ships (ynl/specs/).
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, YAMLError } from "yaml";
import { parseSpec, type YnlSpec, YnlSpecError } from "./spec.js";

/** The kernel specs that ship with nlsim (ynl/specs/, BSD-3-Clause; see ATTRIBUTION.md there). */
export const BUNDLED_SPECS = ["nlctrl", "rt-link", "rt-addr", "rt-route", "fou", "handshake"] as const;
export type BundledSpec = (typeof BUNDLED_SPECS)[number];

/** Parses a spec from YAML text; `file` names it in errors. Throws YnlSpecError. */
export const loadSpecText = (text: string, file: string): YnlSpec => {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    if (e instanceof YAMLError) throw new YnlSpecError(file, "", `not valid YAML: ${e.message}`);
    throw e;
  }
  return parseSpec(doc, file);
};

/** Reads and parses a spec file. Throws YnlSpecError (also for a file that cannot be read). */
export const loadSpecFile = (path: string): YnlSpec => {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new YnlSpecError(path, "", `cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
  return loadSpecText(text, basename(path));
};

/** Where the shipped specs are: beside this file in the sources, two levels up from dist/ynl/ or dist/bin/. */
const specsDir = (): string => {
  for (const rel of ["./specs/", "../../ynl/specs/"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}nlctrl.yaml`)) return dir;
  }
  throw new Error("nlsim: the YNL specs folder (ynl/specs) is missing from this installation");
};

const cache = new Map<string, YnlSpec>();

/** One of the shipped kernel specs by name ("rt-link", "nlctrl", ...), parsed once. */
export const loadSpec = (name: BundledSpec): YnlSpec => {
  if (!(BUNDLED_SPECS as ReadonlyArray<string>).includes(name)) {
    throw new YnlSpecError(
      `${name}.yaml`,
      "",
      `not a spec nlsim ships (${BUNDLED_SPECS.join(", ")}); use loadSpecFile for your own`,
    );
  }
  let s = cache.get(name);
  if (s === undefined) {
    s = loadSpecFile(`${specsDir()}${name}.yaml`);
    cache.set(name, s);
  }
  return s;
};
