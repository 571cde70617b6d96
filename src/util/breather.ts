/**
 * {@link Breather}: gives the event loop back during long stretches of work that would
 * otherwise run on promise continuations alone (a reader with data buffered never waits
 * for I/O), so that timers, sockets and signal handlers — a service's requests and metrics
 * scrapes, a Ctrl-C — are served within ~`everyMs` instead of after the whole stretch.
 */
export class Breather {
  #last = performance.now();

  /** @param everyMs longest stretch of work between two turns of the event loop, ms */
  constructor(private readonly everyMs = 50) {}

  /** Resolves at once, or after one turn of the event loop when `everyMs` have passed since the last. */
  async breathe(): Promise<void> {
    if (performance.now() - this.#last < this.everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.#last = performance.now();
  }
}
