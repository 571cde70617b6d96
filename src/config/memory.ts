import { ConfigError } from "../errors.js";
import { MEMORY_FIELDS, checkSection } from "./_fields.js";
import type { MemoryOptimizationOptions, OptimizationLevel } from "./types.js";

/** The level used when no source sets one (the seed's default). */
export const DEFAULT_OPTIMIZATION_LEVEL: OptimizationLevel = "standard";

/** The interval the monitor samples at when memory management is on and no interval is given. */
const MONITOR_INTERVAL_MS = 1000;

function level(options: Omit<MemoryOptimizationOptions, "trainingSamples" | "memoryMonitorIntervalMs">): MemoryOptimizationOptions {
  return Object.freeze({
    ...options,
    trainingSamples: 4 * options.targetDimensions,
    memoryMonitorIntervalMs: options.memoryManagementEnabled ? MONITOR_INTERVAL_MS : 0,
  });
}

/**
 * Option defaults per level. Thresholds are Node-realistic: a Node process starts at
 * ~50 MiB RSS before loading any data, so the Python seed's 40 MB thresholds would
 * trigger a cleanup on every check. Caches are sized so a full cache of 1536-d vectors
 * (~6.5 KiB each) stays well under the cleanup threshold.
 */
export const LEVELS: Readonly<Record<OptimizationLevel, MemoryOptimizationOptions>> = Object.freeze({
  basic: level({
    optimizationLevel: "basic",
    memoryManagementEnabled: false,
    dimensionReductionEnabled: false,
    targetDimensions: 768,
    cachingStrategy: "simple",
    cacheMaxSizeMb: 64,
    cacheMaxEntries: 10_000,
    streamingBatchSize: 25,
    memoryCleanupThresholdMb: 1024,
    annIndex: "none",
  }),
  standard: level({
    optimizationLevel: "standard",
    memoryManagementEnabled: true,
    dimensionReductionEnabled: true,
    targetDimensions: 768,
    cachingStrategy: "memory_aware",
    cacheMaxSizeMb: 64,
    cacheMaxEntries: 10_000,
    streamingBatchSize: 25,
    memoryCleanupThresholdMb: 512,
    annIndex: "none",
  }),
  aggressive: level({
    optimizationLevel: "aggressive",
    memoryManagementEnabled: true,
    dimensionReductionEnabled: true,
    targetDimensions: 512,
    cachingStrategy: "memory_aware",
    cacheMaxSizeMb: 32,
    cacheMaxEntries: 5000,
    streamingBatchSize: 50,
    memoryCleanupThresholdMb: 256,
    // IVF_RQ over IVF_PQ: on 1M × 768-d variants, same recall@10 (0.988 vs 0.984) and latency,
    // 71 s to build instead of 393 s (docs/performance.md).
    annIndex: "ivf_rq",
  }),
});

/**
 * Validates explicit options and completes them: the chosen level's defaults first,
 * explicit options over them. `trainingSamples` defaults to 4 × targetDimensions and
 * `memoryMonitorIntervalMs` to 1000 ms when management is on (0 when off), both
 * derived from the final values rather than the level's. `nameOf` names options in
 * errors the way the user wrote them.
 */
export function buildMemoryOptions(input: object, nameOf: (key: string) => string = (k) => k): MemoryOptimizationOptions {
  const explicit = checkSection("memoryOptimization", input, nameOf) as Partial<MemoryOptimizationOptions>;
  const base = LEVELS[explicit.optimizationLevel ?? DEFAULT_OPTIMIZATION_LEVEL];
  const merged: MemoryOptimizationOptions = { ...base, ...explicit };
  if (explicit.trainingSamples === undefined) merged.trainingSamples = 4 * merged.targetDimensions;
  if (explicit.memoryMonitorIntervalMs === undefined) {
    merged.memoryMonitorIntervalMs = merged.memoryManagementEnabled ? MONITOR_INTERVAL_MS : 0;
  }
  // PCA needs more samples than dimensions to be well determined; 2× is the floor we accept.
  if (merged.trainingSamples < 2 * merged.targetDimensions) {
    throw new ConfigError(
      nameOf("trainingSamples"),
      `expected at least 2 × targetDimensions (${2 * merged.targetDimensions}), got ${merged.trainingSamples}`,
    );
  }
  return merged;
}

/**
 * Memory optimization settings (the seed's `MemoryOptimizationConfig`), validated at
 * construction: the level's defaults first, explicit options override them. Invalid
 * options throw a {@link ConfigError} naming the option. Instances are frozen.
 *
 * @example
 * const memory = new MemoryOptimizationConfig({ optimizationLevel: "aggressive", cacheMaxSizeMb: 16 });
 * memory.targetDimensions; // 512 (from the level)
 */
export class MemoryOptimizationConfig implements Readonly<MemoryOptimizationOptions> {
  /** Option defaults per level (frozen). */
  static readonly levels: Readonly<Record<OptimizationLevel, MemoryOptimizationOptions>> = LEVELS;

  declare readonly optimizationLevel: MemoryOptimizationOptions["optimizationLevel"];
  declare readonly memoryManagementEnabled: boolean;
  declare readonly dimensionReductionEnabled: boolean;
  declare readonly targetDimensions: number;
  declare readonly trainingSamples: number;
  declare readonly cachingStrategy: MemoryOptimizationOptions["cachingStrategy"];
  declare readonly cacheMaxSizeMb: number;
  declare readonly cacheMaxEntries: number;
  declare readonly streamingBatchSize: number;
  declare readonly memoryCleanupThresholdMb: number;
  declare readonly memoryMonitorIntervalMs: number;
  declare readonly annIndex: MemoryOptimizationOptions["annIndex"];

  constructor(options: Partial<MemoryOptimizationOptions> = {}) {
    if (options === null || typeof options !== "object") {
      throw new ConfigError("memoryOptimization", `expected an object of options, got ${String(options)}`);
    }
    Object.assign(this, buildMemoryOptions(options));
    Object.freeze(this);
  }

  /** All options as a plain object (every value set). */
  toJSON(): MemoryOptimizationOptions {
    const out = {} as Record<string, unknown>;
    for (const key of Object.keys(MEMORY_FIELDS)) out[key] = (this as unknown as Record<string, unknown>)[key];
    return out as unknown as MemoryOptimizationOptions;
  }
}
