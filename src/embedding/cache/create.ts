/**
 * Bounded caches of embedding vectors. Both strategies are bounded by entries and by
 * accounted bytes (see {@link estimateEntryBytes}); neither can be unbounded.
 */
import { ConfigError } from "../../errors.js";
import { FifoCache } from "./fifo.js";
import { LruEmbeddingCache } from "./lru.js";
import type { CacheOptions, EmbeddingCache } from "./types.js";

export { estimateEntryBytes } from "./_accounting.js";
export type { CacheEvictions, CacheOptions, CacheStats, EmbeddingCache } from "./types.js";

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
