/** Shapes of the memory monitor: readings, cleanup hooks and results, options, stats. */

/** One reading of `process.memoryUsage()`, in MiB. */
export interface MemorySnapshot {
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** Epoch milliseconds of the reading. */
  at: number;
}

/** Why a cleanup ran: `threshold` from `MemoryMonitor.check()`, anything else from `MemoryMonitor.cleanup()`. */
export type CleanupReason = "threshold" | "manual" | (string & {});

/** Frees memory and returns how many bytes it freed by its own accounting. */
export type CleanupHook = (reason: CleanupReason) => number | Promise<number>;

/**
 * What one cleanup did. Two different measures, kept apart on purpose: what the hooks
 * *reported* freeing (their own accounting), and how RSS *measured* before and after
 * (the allocator often keeps freed pages, so RSS may not drop even when much was freed).
 */
export interface CleanupResult {
  reason: CleanupReason;
  /** Epoch milliseconds when the cleanup started. */
  at: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** `rssBeforeMb − rssAfterMb`, floored at 0. */
  rssFreedMb: number;
  /** Sum of the bytes the hooks reported freeing. */
  reportedFreedBytes: number;
  hooksRun: number;
  /** Messages of hooks that threw or returned an invalid count (the others still ran). */
  hookErrors: string[];
  /** Whether a garbage collection was requested. */
  gcRan: boolean;
  durationMs: number;
}

/** Monitor figures for stats endpoints; the memory fields are a fresh reading. */
export interface MemoryMonitorStats extends MemorySnapshot {
  enabled: boolean;
  thresholdMb: number;
  intervalMs: number;
  /** Whether the periodic timer is running. */
  running: boolean;
  /** Highest RSS seen by any reading of this monitor. */
  peakRssMb: number;
  checks: number;
  cleanups: number;
  /** Threshold crossings skipped because of the cooldown (see {@link MemoryMonitorOptions.minCleanupIntervalMs}). */
  cooldownSkips: number;
  /** Sum over cleanups of what hooks reported freeing, in MiB. */
  reportedMbFreed: number;
  /** Sum over cleanups of measured RSS drops, in MiB. */
  rssMbFreed: number;
  hookErrors: number;
  lastCleanupAt: number | null;
  lastCleanup: CleanupResult | null;
  gcAvailable: boolean;
}

/** Options of a `MemoryMonitor`. */
export interface MemoryMonitorOptions {
  /** When false, `check()` never cleans up and `start()` does nothing; `cleanup()` still works. Default true. */
  enabled?: boolean;
  /** RSS in MiB above which `check()` cleans up. */
  thresholdMb: number;
  /** Period of the `start()` timer in ms; 0 = only on demand. Default 0. */
  intervalMs?: number;
  /**
   * After a cleanup, `check()` cleans again only once RSS has risen `rearmMb` above the
   * post-cleanup RSS, or this many ms have passed. Without it a process whose live data
   * sits above the threshold would clean on every check. Default 10 000.
   */
  minCleanupIntervalMs?: number;
  /** RSS rise (MiB) that re-arms cleanup before the cooldown ends. Default thresholdMb / 10. */
  rearmMb?: number;
  /** Garbage collector to call after the hooks; default `globalThis.gc` when exposed (`node --expose-gc`); null = never. */
  gc?: (() => unknown) | null;
  /** Source of readings; default `process.memoryUsage`. */
  memoryUsage?: () => NodeJS.MemoryUsage;
  /** Clock in epoch ms; default `Date.now`. */
  now?: () => number;
}
