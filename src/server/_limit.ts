/**
 * A FIFO concurrency limit. Searches beyond the limit wait in arrival order instead of
 * all entering LanceDB at once, where they would share the cores unfairly and stretch
 * the tail latency (see docs/server.md for the measurement). Internal to the server.
 */
export class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {}

  /** Runs `fn` when a slot is free; slots are granted in arrival order. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays at the limit.
      if (next) next();
      else this.active--;
    }
  }

  /** Requests waiting for a slot now. */
  get queued(): number {
    return this.waiting.length;
  }
}
