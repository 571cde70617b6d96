/**
 * The one retry and concurrency layer of the remote providers. SDK retries are off, so a
 * request is attempted exactly `1 + maxRetries` times at most, here and nowhere else.
 * Internal: not exported from the package.
 */
import { VcfAgentError } from "../../errors.js";
import type { RetryTuning } from "../options.js";

/** A failure worth another attempt (408, 429, 5xx, network error). */
export class RetryableFailure extends Error {
  /** Server-requested wait before the next attempt, when it sent one. */
  readonly retryAfterMs: number | undefined;
  constructor(reason: string, retryAfterMs?: number, options?: { cause?: unknown }) {
    super(reason, options);
    this.name = "RetryableFailure";
    this.retryAfterMs = retryAfterMs;
  }
}

/** Settings of one {@link RequestRunner}. */
export interface RunnerSettings extends RetryTuning {
  /** Prefix of every error message, e.g. `openai text-embedding-3-small`. */
  label: string;
  concurrency: number;
  maxRetries: number;
  timeoutMs: number;
}

/** Counters a runner keeps; read by stats and benchmarks. */
export interface RunnerCounters {
  /** Attempts started (first tries and retries). */
  attempts: number;
  /** Attempts that were retries. */
  retries: number;
}

/** Statuses retried: request timeout, rate limit, server errors. Every other 4xx is final. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * The server-requested wait in ms from `retry-after-ms` (ms, OpenAI's) or `retry-after`
 * (seconds or an HTTP date), or undefined when neither is usable.
 */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "") {
    const v = Number(ms);
    if (Number.isFinite(v) && v >= 0) return v;
  }
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Turns a non-2xx HTTP answer into a {@link RetryableFailure} (408/429/5xx) or a final
 * PROVIDER error. `detail` is the server's own message, already stripped of secrets.
 */
export function httpFailure(
  label: string,
  status: number,
  headers: { get(name: string): string | null } | undefined,
  detail: string,
): RetryableFailure | VcfAgentError {
  const text = detail ? `HTTP ${status}: ${clip(detail)}` : `HTTP ${status}`;
  if (isRetryableStatus(status)) return new RetryableFailure(text, retryAfterMs(headers));
  const hint = status === 401 || status === 403 ? " (check the API key; it is not shown here)" : "";
  return new VcfAgentError(`${label}: ${text}${hint} (not retried)`, "PROVIDER");
}

/** An error's message followed by its causes', e.g. `Connection error. (fetch failed; connect ECONNREFUSED 127.0.0.1:9)`. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const causes: string[] = [];
  let c: unknown = e.cause;
  for (let depth = 0; c instanceof Error && depth < 4; depth++, c = c.cause) {
    if (c.message && c.message !== e.message && !causes.includes(c.message)) causes.push(c.message);
  }
  return causes.length ? `${e.message} (${causes.join("; ")})` : e.message;
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 300 ? `${one.slice(0, 300)}…` : one;
}

/** FIFO counting semaphore; waiting callers leave the queue when their signal aborts. */
class Slots {
  #free: number;
  readonly #queue: Array<() => void> = [];
  constructor(n: number) {
    this.#free = n;
  }
  acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = this.#queue.indexOf(grant);
        if (i >= 0) this.#queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(grant);
    });
  }
  /** Slots nobody holds (0 while callers wait). */
  get free(): number {
    return this.#free;
  }
  release(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#free++;
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs requests with bounded concurrency, a per-attempt timeout and retries with
 * exponential backoff and full jitter (or the server's `retry-after`). A slot is held
 * through the backoff so a rate-limited server sees fewer, not more, requests.
 */
export class RequestRunner {
  readonly counters: RunnerCounters = { attempts: 0, retries: 0 };
  readonly #s: Required<RunnerSettings>;
  readonly #slots: Slots;

  constructor(settings: RunnerSettings) {
    this.#s = { baseDelayMs: 500, maxDelayMs: 20_000, maxRetryAfterMs: 60_000, ...settings };
    this.#slots = new Slots(settings.concurrency);
  }

  /** Request slots free right now: 0 when every slot is held (and callers may be waiting for one). */
  get freeSlots(): number {
    return this.#slots.free;
  }

  /** Backoff ceiling before retry `n` (0-based): base × 2^n, capped. */
  backoffCeiling(n: number): number {
    return Math.min(this.#s.maxDelayMs, this.#s.baseDelayMs * 2 ** n);
  }

  /**
   * Calls `attempt` until it succeeds, fails for good, or retries run out. `attempt` gets
   * a signal that aborts on timeout or when the caller's `signal` aborts. A caller abort
   * rejects with `signal.reason`, as `fetch` does.
   */
  async run<T>(attempt: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.#slots.acquire(signal);
    try {
      for (let n = 0; ; n++) {
        signal?.throwIfAborted();
        let failure: RetryableFailure;
        try {
          return await this.#attempt(attempt, signal);
        } catch (e) {
          if (signal?.aborted) throw signal.reason;
          if (!(e instanceof RetryableFailure)) throw e;
          failure = e;
        }
        if (n >= this.#s.maxRetries) {
          throw new VcfAgentError(
            `${this.#s.label}: ${failure.message}; gave up after ${n + 1} attempt${n === 0 ? "" : "s"} (maxRetries ${this.#s.maxRetries})`,
            "PROVIDER",
            { cause: failure.cause },
          );
        }
        this.counters.retries++;
        const wait =
          failure.retryAfterMs !== undefined
            ? Math.min(failure.retryAfterMs, this.#s.maxRetryAfterMs)
            : Math.random() * this.backoffCeiling(n);
        await sleep(wait, signal);
      }
    } finally {
      this.#slots.release();
    }
  }

  // One attempt under its own controller: a timer (cleared as soon as the attempt settles,
  // unlike AbortSignal.timeout) and a listener on the caller's signal (removed likewise, so
  // long-lived caller signals do not collect listeners).
  async #attempt<T>(attempt: (signal: AbortSignal) => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    this.counters.attempts++;
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort(new RetryableFailure(`timed out after ${this.#s.timeoutMs} ms`));
    }, this.#s.timeoutMs);
    const onAbort = (): void => ctl.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      return await attempt(ctl.signal);
    } catch (e) {
      if (timedOut && !signal?.aborted) throw new RetryableFailure(`timed out after ${this.#s.timeoutMs} ms`, undefined, { cause: e });
      throw e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
