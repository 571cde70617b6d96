/**
 * The embedding cache's contract and its figures; the strategies (lru.ts, fifo.ts)
 * implement it and create.ts picks one.
 */
import type { CachingStrategy } from "../../config/types.js";

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
