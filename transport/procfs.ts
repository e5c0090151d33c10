// Files under /proc as an Effect service, beside Netlink: open/read/write/lseek/close with the
// kernel's semantics. The sim layer (transport/sim-files.ts) runs them on the model's procfs; a
// kernel layer runs them on the real /proc with node:fs's fd calls, unchanged for the program.
//
// Contract every layer implements
// - Each method is one syscall with the kernel's result: the bytes read (0 at end of file, short
//   reads allowed), the bytes written (short writes allowed), the new offset; a failure is a
//   ProcfsError with the errno name, the syscall and the path.
// - `open` is scoped: the file closes with the scope (an explicit `close` first is fine).
// - User buffers: `read`'s `mapped` and `write`'s `count` describe a buffer that ends at an
//   unmapped page (a kernel layer builds one with a guard page), `null` data is a NULL pointer:
//   the way to reach the EFAULT paths of a handler. Without them the buffer is just the bytes.
// - No call blocks (a /proc handler runs to completion in the caller's process context).
import { Context, Data, Effect, type Scope } from "effect";
import { O_RDONLY } from "../kernel-model/uapi/index.js";
import { errnoFields } from "./syscall-error.js";

/** A failed syscall on a /proc file. */
export class ProcfsError extends Data.TaggedError("ProcfsError")<{
  readonly errno: string;
  readonly code: number;
  readonly syscall: string;
  readonly path: string;
  readonly message: string;
}> {
  static fromErrno(syscall: string, errno: number, path: string): ProcfsError {
    return new ProcfsError({ ...errnoFields(syscall, errno, path), path });
  }
}

/** An open file. Opaque: pass it back to the service's methods. */
export interface ProcFile {
  readonly fd: number;
  readonly path: string;
}

export interface ReadOptions {
  /** how many bytes of the `count`-byte buffer are mapped (default all; 0: a NULL buffer) */
  readonly mapped?: number;
}

export interface WriteOptions {
  /** write(2)'s count (default data.length); bytes past data.length are unmapped */
  readonly count?: number;
}

export interface ProcfsService {
  /** open(2) with O_* flags (default O_RDONLY), closed when the scope closes. */
  readonly open: (path: string, flags?: number) => Effect.Effect<ProcFile, ProcfsError, Scope.Scope>;
  /** read(2) with a buffer of `count` bytes: the bytes read (empty at end of file). */
  readonly read: (file: ProcFile, count: number, options?: ReadOptions) => Effect.Effect<Uint8Array, ProcfsError>;
  /** write(2): the bytes written. */
  readonly write: (
    file: ProcFile,
    data: Uint8Array | null,
    options?: WriteOptions,
  ) => Effect.Effect<number, ProcfsError>;
  /** lseek(2) with SEEK_SET/SEEK_CUR/SEEK_END: the new offset. */
  readonly lseek: (file: ProcFile, offset: number, whence: number) => Effect.Effect<number, ProcfsError>;
  /** close(2) before the scope ends. */
  readonly close: (file: ProcFile) => Effect.Effect<void, ProcfsError>;
}

/** The /proc file service. */
export class Procfs extends Context.Service<Procfs, ProcfsService>()("nlsim/transport/Procfs") {}

/** What `cat` got: the bytes, how many read(2) calls, and whether one of them returned 0 (EOF). */
export interface CatResult {
  readonly data: Uint8Array;
  readonly reads: number;
  readonly eof: boolean;
}

/**
 * cat(1): open, read `chunk` bytes at a time until read returns 0, close. A handler that never
 * returns 0 would make cat loop forever; this one gives up after `maxReads` reads and says so
 * (`eof: false`) instead of hanging the program.
 */
export const cat = (
  path: string,
  options: { readonly chunk?: number; readonly maxReads?: number } = {},
): Effect.Effect<CatResult, ProcfsError, Procfs> =>
  Effect.scoped(
    Effect.gen(function* () {
      const fs = yield* Procfs;
      const chunk = options.chunk ?? 4096;
      const maxReads = options.maxReads ?? 64;
      const f = yield* fs.open(path, O_RDONLY);
      const parts: Uint8Array[] = [];
      let total = 0;
      let reads = 0;
      let eof = false;
      while (reads < maxReads) {
        const b = yield* fs.read(f, chunk);
        reads++;
        if (b.length === 0) {
          eof = true;
          break;
        }
        parts.push(b);
        total += b.length;
      }
      const data = new Uint8Array(total);
      let o = 0;
      for (const p of parts) {
        data.set(p, o);
        o += p.length;
      }
      return { data, reads, eof };
    }),
  );

/** `echo -n data > path` with one write(2): the bytes written (a short write is not retried). */
export const writeOnce = (path: string, data: Uint8Array, flags: number): Effect.Effect<number, ProcfsError, Procfs> =>
  Effect.scoped(Effect.flatMap(Procfs, (fs) => Effect.flatMap(fs.open(path, flags), (f) => fs.write(f, data))));
