import { afterEach, describe, expect, it, vi } from "vitest";
import { RequestRunner, RetryableFailure, httpFailure, isRetryableStatus, retryAfterMs } from "../src/providers/remote/_retry.js";
import { VcfAgentError } from "../src/errors.js";

const headers = (h: Record<string, string>) => new Headers(h);

afterEach(() => vi.restoreAllMocks());

describe("retry policy", () => {
  it("retries 408, 429 and 5xx only", () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 409, 413, 422].some(isRetryableStatus)).toBe(false);
  });

  it("reads retry-after-ms, retry-after seconds and HTTP dates", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(headers({ "retry-after": "1.5" }))).toBe(1500);
    // retry-after-ms wins: it is the more precise of the two.
    expect(retryAfterMs(headers({ "retry-after": "9", "retry-after-ms": "40" }))).toBe(40);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs(headers({ "retry-after": "Thu, 01 Jan 2026 00:00:03 GMT" }), now)).toBe(3000);
    expect(retryAfterMs(headers({ "retry-after": "soon" }))).toBeUndefined();
    expect(retryAfterMs(headers({}))).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it("maps statuses to retryable failures or final errors", () => {
    const r = httpFailure("x m", 429, headers({ "retry-after": "2" }), "slow");
    expect(r).toBeInstanceOf(RetryableFailure);
    expect((r as RetryableFailure).retryAfterMs).toBe(2000);
    const f = httpFailure("x m", 422, undefined, "bad input");
    expect(f).toBeInstanceOf(VcfAgentError);
    expect(f.message).toBe("x m: HTTP 422: bad input (not retried)");
  });

  it("doubles the backoff ceiling per retry up to the cap", () => {
    const r = new RequestRunner({ label: "t", concurrency: 1, maxRetries: 9, timeoutMs: 1000, baseDelayMs: 100, maxDelayMs: 1000 });
    expect([0, 1, 2, 3, 4, 5].map((n) => r.backoffCeiling(n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});

describe("RequestRunner", () => {
  const settings = { label: "svc model", concurrency: 2, maxRetries: 3, timeoutMs: 1000, baseDelayMs: 40, maxDelayMs: 40 };

  it("waits a full-jitter delay in [0, ceiling] between attempts", async () => {
    // Math.random() = 1 - ε picks the top of the range, so the wait is the whole ceiling.
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    const r = new RequestRunner(settings);
    const times: number[] = [];
    await r.run(async () => {
      times.push(performance.now());
      if (times.length < 3) throw new RetryableFailure("flaky");
      return 1;
    });
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(38);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(38);
    vi.spyOn(Math, "random").mockReturnValue(0);
    const t0 = performance.now();
    let n = 0;
    await r.run(async () => {
      if (n++ < 3) throw new RetryableFailure("flaky");
      return 1;
    });
    expect(performance.now() - t0).toBeLessThan(35);
    expect(r.counters).toEqual({ attempts: 7, retries: 5 });
  });

  it("passes final errors through after one attempt", async () => {
    const r = new RequestRunner(settings);
    const boom = new VcfAgentError("svc model: HTTP 400 (not retried)", "PROVIDER");
    await expect(r.run(async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(r.counters.attempts).toBe(1);
  });

  it("serves waiting callers first in, first out", async () => {
    const r = new RequestRunner({ ...settings, concurrency: 1 });
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => r.run(async () => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it("lets a queued caller leave on abort without taking a slot", async () => {
    const r = new RequestRunner({ ...settings, concurrency: 1 });
    let release!: () => void;
    const first = r.run(() => new Promise<void>((res) => (release = res)));
    const ctl = new AbortController();
    const queued = r.run(async () => "never", ctl.signal);
    ctl.abort(new Error("left the queue"));
    await expect(queued).rejects.toThrow("left the queue");
    release();
    await first;
    expect(await r.run(async () => "next")).toBe("next");
    expect(r.counters.attempts).toBe(2);
  });

  it("gives each attempt a signal that aborts at the timeout", async () => {
    const r = new RequestRunner({ ...settings, timeoutMs: 30, maxRetries: 0 });
    let seen: AbortSignal | undefined;
    const e = await r
      .run(
        (signal) =>
          new Promise((_res, rej) => {
            seen = signal;
            signal.addEventListener("abort", () => rej(signal.reason));
          }),
      )
      .catch((err: unknown) => err);
    expect(seen?.aborted).toBe(true);
    expect((e as Error).message).toBe("svc model: timed out after 30 ms; gave up after 1 attempt (maxRetries 0)");
  });
});
