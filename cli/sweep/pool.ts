// Runs a sweep's seeds on worker threads, one seed at a time per worker, verdicts as they come.
// The worker file sits next to this module with the same extension (worker.ts under tsx from a
// checkout, worker.js when compiled), found through import.meta.url; a TypeScript worker first
// registers tsx in its own thread (module hooks are per thread).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { extname } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { SeedRange } from "./seeds.js";
import type { SeedVerdict, SweepTarget } from "./targets.js";

/** All cores by default. */
export const defaultWorkers = (): number => availableParallelism();

/** tsx's ESM register API (its package's "./esm/api" import entry), as a file URL. */
const tsxEsmApi = (from: string): string => {
  const pkgPath = createRequire(from).resolve("tsx/package.json");
  const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as {
    exports: { "./esm/api": { import: { default: string } } };
  };
  return new URL(pkg.exports["./esm/api"].import.default, pathToFileURL(pkgPath)).href;
};

const startWorker = (target: SweepTarget): Worker => {
  const here = import.meta.url;
  const ext = extname(new URL(here).pathname);
  const workerUrl = new URL(`./sweep-worker${ext}`, here);
  if (ext !== ".ts") return new Worker(workerUrl, { workerData: { target } });
  const tsx = tsxEsmApi(here);
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(workerUrl.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), { workerData: { target } });
};

export interface PoolOptions {
  readonly workers: number;
  readonly onVerdict: (v: SeedVerdict) => void;
}

/** Runs every seed of `range` on `workers` threads; resolves when all verdicts are in. */
export const runPool = (target: SweepTarget, range: SeedRange, opts: PoolOptions): Promise<void> => {
  const total = range.end - range.start;
  if (total <= 0) return Promise.resolve();
  const n = Math.max(1, Math.min(opts.workers, total));
  return new Promise<void>((resolve, reject) => {
    let next = range.start;
    let done = 0;
    let failed = false;
    const workers: Worker[] = [];
    const finish = (err?: Error): void => {
      for (const w of workers) void w.terminate();
      if (err !== undefined) reject(err);
      else resolve();
    };
    const feed = (w: Worker): void => {
      if (next < range.end) w.postMessage({ seed: next++ });
    };
    for (let i = 0; i < n; i++) {
      const w = startWorker(target);
      workers.push(w);
      w.on("message", (v: SeedVerdict) => {
        opts.onVerdict(v);
        done++;
        if (done === total) finish();
        else feed(w);
      });
      w.on("error", (e) => {
        if (failed) return;
        failed = true;
        finish(e instanceof Error ? e : new Error(String(e)));
      });
      w.on("exit", (code) => {
        if (done < total && !failed && code !== 0) {
          failed = true;
          finish(new Error(`a sweep worker exited with status ${code} before the sweep ended`));
        }
      });
      feed(w);
    }
  });
};
