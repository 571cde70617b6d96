import type { CacheStats, EmbeddingCache } from "./types.js";
import { CacheCounters, checkFraction, estimateEntryBytes, storable } from "./_accounting.js";

/**
 * The `simple` strategy: a Map in insertion order, evicting the oldest entry first.
 * `get` does not refresh an entry; overwriting a key re-inserts it as the newest.
 */
export class FifoCache implements EmbeddingCache {
  readonly #map = new Map<string, Float32Array>();
  readonly #counters: CacheCounters;
  #bytes = 0;

  constructor(maxBytes: number, maxEntries: number) {
    this.#counters = new CacheCounters("simple", maxBytes, maxEntries);
  }

  get size(): number {
    return this.#map.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): Float32Array | undefined {
    return this.#counters.lookup(this.#map.get(key));
  }

  set(key: string, value: Float32Array): void {
    const v = storable(key, value);
    const old = this.#map.get(key);
    if (old === v) return;
    if (old !== undefined) {
      this.#remove(key, old);
      this.#counters.evictions.overwrite++;
    }
    const size = estimateEntryBytes(key, v);
    if (size > this.#counters.maxBytes) {
      this.#counters.rejected++;
      return;
    }
    // Entry bound first, then bytes: the same order as the memory_aware strategy.
    while (this.#map.size >= this.#counters.maxEntries) this.#evictOldest("count");
    while (this.#bytes + size > this.#counters.maxBytes) this.#evictOldest("size");
    this.#map.set(key, v);
    this.#bytes += size;
  }

  has(key: string): boolean {
    return this.#map.has(key);
  }

  delete(key: string): boolean {
    const v = this.#map.get(key);
    if (v === undefined) return false;
    this.#remove(key, v);
    return true;
  }

  clear(): void {
    this.#map.clear();
    this.#bytes = 0;
  }

  trim(fraction: number): number {
    checkFraction(fraction);
    const target = this.#bytes * fraction;
    let freed = 0;
    while (freed < target && this.#map.size > 0) freed += this.#evictOldest("cleanup");
    return freed;
  }

  stats(): CacheStats {
    return this.#counters.stats(this.#map.size, this.#bytes);
  }

  #evictOldest(reason: "size" | "count" | "cleanup"): number {
    const first = this.#map.entries().next();
    if (first.done === true) return 0;
    const [key, v] = first.value;
    this.#counters.evictions[reason]++;
    return this.#remove(key, v);
  }

  #remove(key: string, v: Float32Array): number {
    const size = estimateEntryBytes(key, v);
    this.#map.delete(key);
    this.#bytes -= size;
    return size;
  }
}
