/**
 * Watches process memory (RSS, V8 heap, array buffers) and, above a threshold, runs
 * cleanup hooks (e.g. cache trims) and a garbage collection when one is exposed.
 */
import { ConfigError } from "../errors.js";
import type { CleanupHook, CleanupReason, CleanupResult, MemoryMonitorOptions, MemoryMonitorStats, MemorySnapshot } from "./types.js";

export type { CleanupHook, CleanupReason, CleanupResult, MemoryMonitorOptions, MemoryMonitorStats, MemorySnapshot } from "./types.js";

const MiB = 1024 * 1024;

function nonNegative(name: string, value: number, integer: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new ConfigError(name, `expected a non-negative ${integer ? "integer" : "number"}, got ${String(value)}`);
  }
  return value;
}

/**
 * RSS/heap monitor with threshold-triggered cleanup hooks.
 *
 * @example
 * const monitor = new MemoryMonitor({ thresholdMb: 512, intervalMs: 1000 });
 * monitor.onCleanup(() => cache.trim(0.5));
 * monitor.start();               // unref'd timer: never keeps the process alive
 * await monitor.check();         // or check on demand, e.g. once per batch
 */
export class MemoryMonitor {
  /** Whether `check()` and the timer may clean up. */
  readonly enabled: boolean;
  /** RSS (MiB) above which `check()` cleans up. */
  readonly thresholdMb: number;
  /** Period of the `start()` timer in ms (0 = only on demand). */
  readonly intervalMs: number;
  readonly #minCleanupIntervalMs: number;
  readonly #rearmMb: number;
  readonly #gc: (() => unknown) | null;
  readonly #memoryUsage: () => NodeJS.MemoryUsage;
  readonly #now: () => number;
  readonly #hooks = new Set<CleanupHook>();
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<CleanupResult> | null = null;
  #peakRssMb = 0;
  #checks = 0;
  #cleanups = 0;
  #cooldownSkips = 0;
  #reportedBytes = 0;
  #rssFreedMb = 0;
  #hookErrors = 0;
  #last: CleanupResult | null = null;

  constructor(options: MemoryMonitorOptions) {
    const { thresholdMb } = options;
    if (typeof thresholdMb !== "number" || !Number.isFinite(thresholdMb) || thresholdMb <= 0) {
      throw new ConfigError("thresholdMb", `expected a positive number of MiB, got ${String(thresholdMb)}`);
    }
    this.enabled = options.enabled ?? true;
    this.thresholdMb = thresholdMb;
    this.intervalMs = nonNegative("intervalMs", options.intervalMs ?? 0, true);
    this.#minCleanupIntervalMs = nonNegative("minCleanupIntervalMs", options.minCleanupIntervalMs ?? 10_000, false);
    this.#rearmMb = nonNegative("rearmMb", options.rearmMb ?? thresholdMb / 10, false);
    this.#gc = options.gc === undefined ? (typeof globalThis.gc === "function" ? globalThis.gc : null) : options.gc;
    this.#memoryUsage = options.memoryUsage ?? (() => process.memoryUsage());
    this.#now = options.now ?? Date.now;
  }

  /** Reads memory now and updates the peak. */
  sample(): MemorySnapshot {
    const m = this.#memoryUsage();
    const snap: MemorySnapshot = {
      rssMb: m.rss / MiB,
      heapUsedMb: m.heapUsed / MiB,
      heapTotalMb: m.heapTotal / MiB,
      externalMb: m.external / MiB,
      arrayBuffersMb: m.arrayBuffers / MiB,
      at: this.#now(),
    };
    if (snap.rssMb > this.#peakRssMb) this.#peakRssMb = snap.rssMb;
    return snap;
  }

  /** Highest RSS (MiB) seen so far. */
  get peakRssMb(): number {
    return this.#peakRssMb;
  }

  /** Registers a cleanup hook; returns a function that unregisters it. */
  onCleanup(hook: CleanupHook): () => void {
    this.#hooks.add(hook);
    return () => {
      this.#hooks.delete(hook);
    };
  }

  /**
   * When enabled and RSS is above the threshold (and not in the post-cleanup cooldown),
   * runs one cleanup and returns its result; otherwise returns null.
   */
  async check(): Promise<CleanupResult | null> {
    if (!this.enabled || this.#inFlight !== null) return null;
    this.#checks++;
    const snap = this.sample();
    if (snap.rssMb <= this.thresholdMb) return null;
    const last = this.#last;
    if (last !== null) {
      const cooled = snap.at - last.at >= this.#minCleanupIntervalMs;
      const rose = snap.rssMb >= last.rssAfterMb + this.#rearmMb;
      if (!cooled && !rose) {
        this.#cooldownSkips++;
        return null;
      }
    }
    return this.#run("threshold", snap);
  }

  /** Runs one cleanup now, whatever RSS is (and even when disabled). Joins one already running. */
  cleanup(reason: CleanupReason = "manual"): Promise<CleanupResult> {
    return this.#inFlight ?? this.#run(reason, this.sample());
  }

  /** Starts the periodic check (when enabled and intervalMs > 0); the timer is unref'd. */
  start(): void {
    if (!this.enabled || this.intervalMs === 0 || this.#timer !== null) return;
    this.#timer = setInterval(() => {
      // check() records hook failures itself; nothing may escape a timer callback.
      this.check().catch(() => {
        this.#hookErrors++;
      });
    }, this.intervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic check. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Whether the periodic timer is running. */
  get running(): boolean {
    return this.#timer !== null;
  }

  /** Current reading plus every counter. */
  stats(): MemoryMonitorStats {
    return {
      ...this.sample(),
      enabled: this.enabled,
      thresholdMb: this.thresholdMb,
      intervalMs: this.intervalMs,
      running: this.running,
      peakRssMb: this.#peakRssMb,
      checks: this.#checks,
      cleanups: this.#cleanups,
      cooldownSkips: this.#cooldownSkips,
      reportedMbFreed: this.#reportedBytes / MiB,
      rssMbFreed: this.#rssFreedMb,
      hookErrors: this.#hookErrors,
      lastCleanupAt: this.#last?.at ?? null,
      lastCleanup: this.#last === null ? null : { ...this.#last, hookErrors: [...this.#last.hookErrors] },
      gcAvailable: this.#gc !== null,
    };
  }

  #run(reason: CleanupReason, before: MemorySnapshot): Promise<CleanupResult> {
    const p = this.#cleanupNow(reason, before).finally(() => {
      this.#inFlight = null;
    });
    this.#inFlight = p;
    return p;
  }

  async #cleanupNow(reason: CleanupReason, before: MemorySnapshot): Promise<CleanupResult> {
    const started = performance.now();
    let reported = 0;
    let hooksRun = 0;
    const hookErrors: string[] = [];
    for (const hook of [...this.#hooks]) {
      hooksRun++;
      try {
        const freed = await hook(reason);
        if (typeof freed === "number" && Number.isFinite(freed) && freed >= 0) reported += freed;
        else hookErrors.push(`cleanup hook returned ${String(freed)} instead of a byte count`);
      } catch (err) {
        hookErrors.push(err instanceof Error ? err.message : String(err));
      }
    }
    let gcRan = false;
    if (this.#gc !== null) {
      await this.#gc();
      gcRan = true;
    }
    const after = this.sample();
    const result: CleanupResult = {
      reason,
      at: before.at,
      rssBeforeMb: before.rssMb,
      rssAfterMb: after.rssMb,
      rssFreedMb: Math.max(0, before.rssMb - after.rssMb),
      reportedFreedBytes: reported,
      hooksRun,
      hookErrors,
      gcRan,
      durationMs: performance.now() - started,
    };
    this.#cleanups++;
    this.#reportedBytes += reported;
    this.#rssFreedMb += result.rssFreedMb;
    this.#hookErrors += hookErrors.length;
    this.#last = result;
    return result;
  }
}
