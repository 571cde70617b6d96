/**
 * Bounded caches of embedding vectors. Both strategies are bounded by entries and by
 * accounted bytes (see {@link estimateEntryBytes}); neither can be unbounded.
 */
import type { CachingStrategy } from "../../config.js";
import { ConfigError } from "../../errors.js";
import { FifoCache } from "./fifo.js";
import { LruEmbeddingCache } from "./lru.js";

export { estimateEntryBytes } from "./_accounting.js";

/** Why entries left the cache, by cause. */
export interface CacheEvictions {
  /** Evicted to stay within `maxBytes`. */
  size: number;
  /** Evicted to stay within `maxEntries`. */
  count: number;
  /** Removed by {@link EmbeddingCache.trim} (memory cleanup). */
  cleanup: number;
  /** Replaced by a `set` of the same key with a different vector. */
  overwrite: number;
}

/** A snapshot of one cache's counters; every figure is counted, none estimated but `bytes`. */
export interface CacheStats {
  strategy: CachingStrategy;
  entries: number;
  /** Accounted bytes of the present entries ({@link estimateEntryBytes} summed). */
  bytes: number;
  maxBytes: number;
  maxEntries: number;
  hits: number;
  misses: number;
  evictions: CacheEvictions;
  /** `set` calls whose single entry was larger than `maxBytes`, so it was not cached. */
  rejected: number;
}

/**
 * A bounded key → Float32Array cache. The cache owns the vectors it is given and hands
 * out its own arrays on `get`: treat both as read-only.
 */
export interface EmbeddingCache {
  /** The cached vector, or undefined; counts one hit or one miss. */
  get(key: string): Float32Array | undefined;
  /** Stores `v` (a compact copy when `v` is a view on a larger buffer), evicting as needed. */
  set(key: string, v: Float32Array): void;
  /** Whether `key` is present; no hit/miss is counted and no recency is updated. */
  has(key: string): boolean;
  /** Removes `key`; not counted as an eviction. */
  delete(key: string): boolean;
  /** Removes everything; counters are kept. */
  clear(): void;
  /**
   * Frees at least `fraction` (0..1) of the accounted bytes, least recently used
   * (memory_aware) or oldest (simple) first; returns the bytes freed. Counted as `cleanup`.
   */
  trim(fraction: number): number;
  /** Entries present. */
  readonly size: number;
  /** Accounted bytes of the present entries. */
  readonly bytes: number;
  stats(): CacheStats;
}

/** Bounds and strategy of a cache. */
export interface CacheOptions {
  /** `memory_aware`: LRU (get refreshes recency); `simple`: FIFO (insertion order only). */
  strategy: CachingStrategy;
  /** Upper bound of accounted bytes; positive (fractions are floored). */
  maxBytes: number;
  /** Upper bound of entries; a positive integer. */
  maxEntries: number;
}

/**
 * Creates a bounded embedding cache.
 *
 * @example
 * const cache = createCache({ strategy: "memory_aware", maxBytes: 64 * 2 ** 20, maxEntries: 10_000 });
 * cache.set("local:vcf-hash-v1:1536|BRCA1 missense", vector);
 * cache.get("local:vcf-hash-v1:1536|BRCA1 missense"); // the vector (a hit)
 */
export function createCache(options: CacheOptions): EmbeddingCache {
  const { strategy, maxBytes, maxEntries } = options;
  if (typeof maxBytes !== "number" || !Number.isFinite(maxBytes) || Math.floor(maxBytes) < 1) {
    throw new ConfigError("maxBytes", `expected a positive number of bytes (at least 1), got ${String(maxBytes)}`);
  }
  if (typeof maxEntries !== "number" || !Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigError("maxEntries", `expected a positive integer, got ${String(maxEntries)}`);
  }
  const bytes = Math.floor(maxBytes);
  switch (strategy) {
    case "memory_aware":
      return new LruEmbeddingCache(bytes, maxEntries);
    case "simple":
      return new FifoCache(bytes, maxEntries);
    default:
      throw new ConfigError("strategy", `expected "simple" or "memory_aware", got ${JSON.stringify(strategy)}`);
  }
}
