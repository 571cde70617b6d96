import { LRUCache } from "lru-cache";
import type { CacheStats, EmbeddingCache } from "./types.js";
import { CacheCounters, checkFraction, estimateEntryBytes, storable } from "./_accounting.js";

/**
 * The `memory_aware` strategy: lru-cache bounded by `max` entries and `maxSize`
 * accounted bytes; `get` refreshes recency, eviction takes the least recently used.
 */
export class LruEmbeddingCache implements EmbeddingCache {
  readonly #lru: LRUCache<string, Float32Array>;
  readonly #counters: CacheCounters;
  /** Evictions still owed to the entry bound by the `set` in progress (0 or 1). */
  #pendingCountEvictions = 0;
  #trimming = false;

  constructor(maxBytes: number, maxEntries: number) {
    this.#counters = new CacheCounters("memory_aware", maxBytes, maxEntries);
    this.#lru = new LRUCache<string, Float32Array>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (value, key) => estimateEntryBytes(key, value),
      dispose: (_value, _key, reason) => this.#onDispose(reason),
    });
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get(key: string): Float32Array | undefined {
    return this.#counters.lookup(this.#lru.get(key));
  }

  set(key: string, value: Float32Array): void {
    const v = storable(key, value);
    // lru-cache frees a slot for the entry bound before it evicts for size, so when the
    // cache is full of entries the first eviction of this set is a count eviction.
    this.#pendingCountEvictions = this.#lru.size >= this.#counters.maxEntries && !this.#lru.has(key) ? 1 : 0;
    const status: LRUCache.Status<string, Float32Array> = {};
    try {
      this.#lru.set(key, v, { status });
    } finally {
      this.#pendingCountEvictions = 0;
    }
    if (status.maxEntrySizeExceeded === true) this.#counters.rejected++;
  }

  has(key: string): boolean {
    return this.#lru.has(key);
  }

  delete(key: string): boolean {
    return this.#lru.delete(key);
  }

  clear(): void {
    this.#lru.clear();
  }

  trim(fraction: number): number {
    checkFraction(fraction);
    const target = this.#lru.calculatedSize * fraction;
    let freed = 0;
    this.#trimming = true;
    try {
      while (freed < target && this.#lru.size > 0) {
        const before = this.#lru.calculatedSize;
        this.#lru.pop();
        freed += before - this.#lru.calculatedSize;
      }
    } finally {
      this.#trimming = false;
    }
    return freed;
  }

  stats(): CacheStats {
    return this.#counters.stats(this.#lru.size, this.#lru.calculatedSize);
  }

  #onDispose(reason: LRUCache.DisposeReason): void {
    const ev = this.#counters.evictions;
    if (reason === "set") ev.overwrite++;
    else if (reason !== "evict") return; // explicit delete/clear is not an eviction
    else if (this.#trimming) ev.cleanup++;
    else if (this.#pendingCountEvictions > 0) {
      this.#pendingCountEvictions--;
      ev.count++;
    } else ev.size++;
  }
}
