// The procfs example's user side: `cat` and `echo` on /proc/procfs_example, plus the calls a shell
// cannot make (a short read, an lseek, a write from a NULL buffer). Uses only transport/ and uapi,
// so it runs unchanged against the real /proc and the C module.
import { Effect } from "effect";
import { O_RDONLY, O_WRONLY, SEEK_SET } from "../../kernel-model/uapi/index.js";
import { cat, Procfs, type ProcfsError } from "../../transport/index.js";
import { PROC_PATH } from "./proto.js";

export type Log = (line: string) => void;

const dec = new TextDecoder();
const enc = new TextEncoder();
/** a string as the walkthrough shows it */
const show = (b: Uint8Array): string => JSON.stringify(dec.decode(b));

/** What a failed call prints, like perror. */
const perror = (log: Log) => (e: ProcfsError) => Effect.sync(() => log(`  -> ${e.syscall}: ${e.errno}`));

/** `cat PROC_PATH`, giving up after `maxReads` reads (a handler that never returns 0 loops cat forever). */
export const catStep = (log: Log, maxReads = 16): Effect.Effect<void, never, Procfs> =>
  cat(PROC_PATH, { chunk: 4096, maxReads }).pipe(
    Effect.flatMap((r) =>
      Effect.sync(() => {
        if (r.eof) log(`  -> ${show(r.data)} (${r.reads} reads, EOF)`);
        else {
          const first = r.data.subarray(0, r.data.length / r.reads);
          log(`  -> no EOF after ${r.reads} reads, ${r.data.length} bytes: ${show(first)} every time`);
          log("     (the real cat would print it forever: the read handler never returns 0)");
        }
      }),
    ),
    Effect.catchTag("ProcfsError", perror(log)),
  );

/** One write(2) of `data` (null: a NULL buffer with `count` bytes claimed) on a fresh O_WRONLY open. */
export const writeStep = (log: Log, data: Uint8Array | null, count?: number): Effect.Effect<void, never, Procfs> =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* Procfs;
      const f = yield* fs.open(PROC_PATH, O_WRONLY);
      const n = yield* fs.write(f, data, count === undefined ? {} : { count });
      log(`  -> wrote ${n} of ${count ?? data?.length ?? 0} bytes`);
    }),
  ).pipe(Effect.catchTag("ProcfsError", perror(log)));

/** Short reads, EOF and a seek back on one open file. */
export const offsetsStep = (log: Log): Effect.Effect<void, never, Procfs> =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* Procfs;
      const f = yield* fs.open(PROC_PATH, O_RDONLY);
      const parts: string[] = [];
      for (let i = 0; i < 4; i++) {
        const b = yield* fs.read(f, 4);
        parts.push(show(b));
        if (b.length === 0) break;
      }
      log(`  -> read(4) x${parts.length}: ${parts.join(", ")}`);
      const at = yield* fs.lseek(f, 1, SEEK_SET);
      const rest = yield* fs.read(f, 100);
      log(`  -> lseek(1) = ${at}, read(100): ${show(rest)}`);
    }),
  ).pipe(Effect.catchTag("ProcfsError", perror(log)));

/** The walkthrough: the same steps against either module; README.md explains each result. */
export const procfsDemo = (log: Log): Effect.Effect<void, never, Procfs> =>
  Effect.gen(function* () {
    log(`$ cat ${PROC_PATH}`);
    yield* catStep(log);
    log(`$ echo hi > ${PROC_PATH}`);
    yield* writeStep(log, enc.encode("hi\n"));
    log(`$ cat ${PROC_PATH}`);
    yield* catStep(log);
    log("$ write 200 bytes (more than the 128-byte buffer)");
    yield* writeStep(log, enc.encode("x".repeat(200)));
    log("$ write(fd, NULL, 10) (a bad buffer)");
    yield* writeStep(log, null, 10);
    log(`$ cat ${PROC_PATH}`);
    yield* catStep(log);
    log(`$ echo hello > ${PROC_PATH}`);
    yield* writeStep(log, enc.encode("hello\n"));
    log("$ read 4 bytes at a time, then lseek(1) and read the rest");
    yield* offsetsStep(log);
  });

export { enc as utf8 };
