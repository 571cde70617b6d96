/**
 * Splits a text list into request-sized batches, runs them concurrently (the runner
 * bounds how many are in flight) and reassembles the vectors in input order.
 * Internal: not exported from the package.
 */
import { setMaxListeners } from "node:events";

/** Marks the abort of sibling batches after one failed; never surfaces to callers. */
class SiblingFailed extends Error {}

/**
 * Calls `embedBatch` for each slice of at most `batchSize` texts and returns all vectors
 * in input order. The first failure aborts the other batches, waits for them to settle
 * (so no request outlives the call) and is rethrown: there are no partial results.
 */
export async function embedInBatches(
  texts: readonly string[],
  batchSize: number,
  embedBatch: (batch: readonly string[], offset: number, signal: AbortSignal) => Promise<Float32Array[]>,
  signal?: AbortSignal,
): Promise<Float32Array[]> {
  signal?.throwIfAborted();
  if (texts.length === 0) return [];
  const out = new Array<Float32Array>(texts.length);
  const ctl = new AbortController();
  // Every batch waiting for a request slot listens on this signal; that many is expected.
  setMaxListeners(0, ctl.signal);
  const onAbort = (): void => ctl.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  let first: { error: unknown } | undefined;
  try {
    const jobs: Promise<void>[] = [];
    for (let offset = 0; offset < texts.length; offset += batchSize) {
      const batch = texts.slice(offset, offset + batchSize);
      jobs.push(
        embedBatch(batch, offset, ctl.signal).then(
          (vectors) => {
            for (let i = 0; i < vectors.length; i++) out[offset + i] = vectors[i] as Float32Array;
          },
          (error: unknown) => {
            if (first === undefined && !(error instanceof SiblingFailed)) {
              first = { error };
              if (!ctl.signal.aborted) ctl.abort(new SiblingFailed());
            }
          },
        ),
      );
    }
    await Promise.all(jobs);
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  if (first !== undefined) throw first.error;
  return out;
}
