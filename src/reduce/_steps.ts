/**
 * Long numeric work (a PCA fit takes seconds) written as a generator that yields between
 * steps, so that one body serves both ways of running it: to the end in one go
 * ({@link runSteps}), or in slices that give the event loop back ({@link runStepsAsync}):
 * signal handlers, timers and sockets (a Ctrl-C, a metrics scrape, an HTTP request) are
 * then answered within a slice instead of after the whole fit, and an abort stops the work.
 */

import { Breather } from "../util/breather.js";

/** A computation that yields between steps and returns `T`. */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end, checking `signal` between steps. */
export function runSteps<T>(steps: Steps<T>, signal?: AbortSignal): T {
  signal?.throwIfAborted();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    signal?.throwIfAborted();
  }
}

/** How long {@link runStepsAsync} computes before it gives the event loop back, ms. */
export const SLICE_MS = 20;

/**
 * Runs `steps` to the end in slices of about {@link SLICE_MS}, yielding to the event loop
 * between slices and checking `signal` between steps.
 * @throws the signal's reason when it aborts; the computation is then dropped.
 */
export async function runStepsAsync<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  signal?.throwIfAborted();
  const breather = new Breather(SLICE_MS);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await breather.breathe();
    signal?.throwIfAborted();
  }
}
