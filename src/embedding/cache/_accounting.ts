import type { CachingStrategy } from "../../config/types.js";
import { VcfAgentError } from "../../errors.js";
import type { CacheEvictions, CacheStats } from "./types.js";

/**
 * Per-entry heap cost besides the vector's bytes and the key's characters, measured on
 * Node 20 x64 (`node --expose-gc`, 20 000 entries, heapUsed + arrayBuffers growth):
 * the Float32Array and ArrayBuffer objects (~186 B) and the key→entry Map slot
 * (28–56 B depending on the hash table's fill, ~46 B on average).
 */
const ENTRY_OVERHEAD_BYTES = 232;
/** V8 sequential string header (map, hash, length). */
const STRING_HEADER_BYTES = 16;
const NON_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Bytes a cache entry is accounted for: the vector's bytes, the key as a flat V8 string
 * (one byte per char, two when it holds a non-Latin-1 char, 8-byte aligned) and a
 * measured fixed overhead. Assumes the cache holds the only reference to the key; a key
 * shared with other live objects costs the cache less than this.
 */
export function estimateEntryBytes(key: string, value: Float32Array): number {
  const charBytes = NON_LATIN1.test(key) ? 2 : 1;
  const keyBytes = Math.ceil((STRING_HEADER_BYTES + key.length * charBytes) / 8) * 8;
  return value.byteLength + keyBytes + ENTRY_OVERHEAD_BYTES;
}

/**
 * Checks a value before it enters a cache and returns what to store: the value itself,
 * or a compact copy when it is a view on a larger buffer (storing the view would pin
 * the whole buffer while only the view is accounted).
 */
export function storable(key: string, value: unknown): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw new VcfAgentError(`cache value for key ${JSON.stringify(key.slice(0, 80))} must be a Float32Array`, "CACHE");
  }
  return value.byteOffset === 0 && value.byteLength === value.buffer.byteLength ? value : value.slice();
}

/** Rejects a `trim` fraction outside [0, 1]. */
export function checkFraction(fraction: number): void {
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new VcfAgentError(`cache trim fraction must be a number from 0 to 1, got ${String(fraction)}`, "CACHE");
  }
}

/**
 * The bookkeeping both strategies share: the cache's strategy and bounds, its hit, miss,
 * rejection and eviction counters, and the {@link CacheStats} built from them.
 */
export class CacheCounters {
  hits = 0;
  misses = 0;
  rejected = 0;
  readonly evictions: CacheEvictions = { size: 0, count: 0, cleanup: 0, overwrite: 0 };

  constructor(
    readonly strategy: CachingStrategy,
    readonly maxBytes: number,
    readonly maxEntries: number,
  ) {}

  /** Counts a `get` as a hit or a miss by what the store returned, and passes that on. */
  lookup(value: Float32Array | undefined): Float32Array | undefined {
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  /** A snapshot for a cache now holding `entries` entries of `bytes` accounted bytes. */
  stats(entries: number, bytes: number): CacheStats {
    return {
      strategy: this.strategy,
      entries,
      bytes,
      maxBytes: this.maxBytes,
      maxEntries: this.maxEntries,
      hits: this.hits,
      misses: this.misses,
      evictions: { ...this.evictions },
      rejected: this.rejected,
    };
  }
}
