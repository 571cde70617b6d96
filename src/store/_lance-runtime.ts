/**
 * Settings that LanceDB's native binding reads from the environment when it loads, so they
 * must be in place before `@lancedb/lancedb` is first evaluated: `lance.ts` imports this
 * module ahead of it (and is the first store module to import LanceDB).
 *
 * `TOKIO_WORKER_THREADS`: the binding starts a tokio runtime with one worker per core as
 * the module loads, and writes are encoded on those workers. Each worker's allocations go
 * to its own glibc malloc arena, which keeps the high-water mark of the largest writes it
 * has encoded. With one worker, writing 1M 768-d rows in 2,048-row appends peaked ~70 MB
 * lower (373 → 301 MB) at the same CPU, and exact search took as long
 * (docs/performance.md, "Write path"). A value set by the user is kept. Like any
 * environment variable it is inherited by child processes.
 */

/** Tokio workers of LanceDB's runtime unless `TOKIO_WORKER_THREADS` is already set. */
export const LANCE_WORKER_THREADS = "1";

process.env.TOKIO_WORKER_THREADS ??= LANCE_WORKER_THREADS;
