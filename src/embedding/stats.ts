/** The figures {@link VariantEmbeddingService} reports, in the seed's shapes (camelCase), all measured. */
import type { MemoryMonitorStats } from "../memory/monitor.js";
import type { DimensionReductionStats } from "../reduce/stage.js";
import type { CacheStats } from "./cache/types.js";

const MB = 1024 * 1024;
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Cache figures in the seed's shape (camelCase), all measured from the live cache. */
export interface CacheStatsSummary {
  strategy: string;
  entries: number;
  memoryUsageMb: number;
  maxSizeMb: number;
  maxEntries: number;
  utilizationPercent: number;
  evictions: number;
  evictionsByReason: Record<string, number>;
  hits: number;
  misses: number;
  /** What a cache entry holds: the provider's semantic part, or whole vectors. */
  keyedBy: "semantic" | "text";
}

/** How embeddings were produced so far. */
export interface GenerationStats {
  providerId: string;
  textsEmbedded: number;
  batches: number;
  providerCalls: number;
  providerTexts: number;
  providerSeconds: number;
  totalSeconds: number;
  textsPerSecond: number;
  averageProviderBatchSize: number;
  /** Texts answered from the cache or from a duplicate within the same batch. */
  textsReused: number;
}

/** Result of {@link VariantEmbeddingService.getOptimizationStats}. */
export interface OptimizationStats {
  optimizationLevel: string;
  embeddingDimensions: number;
  /** Percent of cache lookups that hit (0–100). */
  cacheHitRate: number;
  cacheStats: CacheStatsSummary;
  dimensionReductionStats: DimensionReductionStats;
  generationStats: GenerationStats;
  /** RSS/heap now, peak RSS, cleanups and what they freed (reported by the cache vs measured RSS). */
  memoryStats: MemoryMonitorStats;
}

/** Result of {@link VariantEmbeddingService.getOptimizationStatus}: which optimizations are on and working. */
export interface OptimizationStatus {
  /** True when any optimization is on: memory management, dimension reduction or the memory-aware cache (false at `basic`). */
  enabled: boolean;
  optimizationLevel: string;
  /** Current memory use of the process: resident set size in MiB, read now. */
  memoryUsageMb: number;
  memoryManagement: { enabled: boolean; thresholdMb: number; overThreshold: boolean };
  dimensionReduction: { enabled: boolean; active: boolean; reduction: string; reason?: string };
  caching: { strategy: string; enabled: true; hitRate: number };
  streaming: { batchSize: number };
  provider: string;
}

/** The service's running counts behind {@link GenerationStats}. */
export interface GenerationCounters {
  texts: number;
  batches: number;
  providerCalls: number;
  providerTexts: number;
  providerSeconds: number;
  totalSeconds: number;
  reused: number;
}

/** The seed's cache figures from a live cache's counters. */
export function cacheFigures(c: CacheStats, keyedBy: "semantic" | "text"): Pick<OptimizationStats, "cacheHitRate" | "cacheStats"> {
  const lookups = c.hits + c.misses;
  const ev = c.evictions as unknown as Record<string, number>;
  return {
    cacheHitRate: lookups === 0 ? 0 : round((100 * c.hits) / lookups, 2),
    cacheStats: {
      strategy: c.strategy,
      entries: c.entries,
      memoryUsageMb: round(c.bytes / MB),
      maxSizeMb: round(c.maxBytes / MB),
      maxEntries: c.maxEntries,
      utilizationPercent: c.maxBytes === 0 ? 0 : round((100 * c.bytes) / c.maxBytes, 2),
      evictions: Object.values(ev).reduce((a, b) => a + b, 0),
      evictionsByReason: { ...ev },
      hits: c.hits,
      misses: c.misses,
      keyedBy,
    },
  };
}

/** Generation figures (rates and averages) from the running counts. */
export function generationFigures(providerId: string, g: GenerationCounters): GenerationStats {
  return {
    providerId,
    textsEmbedded: g.texts,
    batches: g.batches,
    providerCalls: g.providerCalls,
    providerTexts: g.providerTexts,
    providerSeconds: round(g.providerSeconds, 4),
    totalSeconds: round(g.totalSeconds, 4),
    textsPerSecond: g.totalSeconds > 0 ? Math.round(g.texts / g.totalSeconds) : 0,
    averageProviderBatchSize: g.providerCalls > 0 ? round(g.providerTexts / g.providerCalls, 2) : 0,
    textsReused: g.reused,
  };
}
