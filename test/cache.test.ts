import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CachingStrategy } from "../src/config.js";
import { createCache, estimateEntryBytes, type EmbeddingCache } from "../src/embedding/cache/create.js";
import { ConfigError, VcfAgentError } from "../src/errors.js";

const ROOT = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const STRATEGIES: CachingStrategy[] = ["memory_aware", "simple"];
const KEYS = ["k0", "k1", "k2", "k3", "k4", "k5", "a-much-longer-key-of-forty-characters-xx", "ключ-не-латиница"];

/** A vector whose contents identify (key, version), so stale or mixed-up data is caught. */
function vector(dims: number, seed: number): Float32Array {
  const v = new Float32Array(dims);
  for (let i = 0; i < dims; i++) v[i] = seed * 1000 + i;
  return v;
}

/** The same data as a view in the middle of a larger buffer. */
function asView(v: Float32Array): Float32Array {
  const big = new Float32Array(v.length + 8);
  big.set(v, 3);
  return big.subarray(3, 3 + v.length);
}

type Op =
  | { op: "set"; key: number; dims: number; view: boolean }
  | { op: "get"; key: number }
  | { op: "has"; key: number }
  | { op: "delete"; key: number }
  | { op: "trim"; fraction: number }
  | { op: "clear" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant("set" as const), key: fc.nat(KEYS.length - 1), dims: fc.integer({ min: 1, max: 96 }), view: fc.boolean() }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant("get" as const), key: fc.nat(KEYS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("has" as const), key: fc.nat(KEYS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), key: fc.nat(KEYS.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("trim" as const), fraction: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })) }) },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
);

/**
 * Reference model: an ordered list of entries (front = next to evict). LRU moves an
 * entry to the back on get; FIFO never does. Eviction: entry bound first, then bytes.
 */
class Model {
  entries: { key: string; v: Float32Array; size: number }[] = [];
  evictions = { size: 0, count: 0, cleanup: 0, overwrite: 0 };
  rejected = 0;
  constructor(
    readonly lru: boolean,
    readonly maxBytes: number,
    readonly maxEntries: number,
  ) {}
  get bytes(): number {
    return this.entries.reduce((a, e) => a + e.size, 0);
  }
  find(key: string): number {
    return this.entries.findIndex((e) => e.key === key);
  }
  get(key: string): Float32Array | undefined {
    const i = this.find(key);
    if (i < 0) return undefined;
    const e = this.entries[i]!;
    if (this.lru) this.entries.push(...this.entries.splice(i, 1));
    return e.v;
  }
  set(key: string, v: Float32Array): void {
    const size = estimateEntryBytes(key, v);
    const i = this.find(key);
    if (i >= 0) {
      this.entries.splice(i, 1);
      this.evictions.overwrite++;
    }
    if (size > this.maxBytes) {
      this.rejected++;
      return;
    }
    if (this.entries.length >= this.maxEntries) {
      this.entries.shift();
      this.evictions.count++;
    }
    while (this.bytes + size > this.maxBytes) {
      this.entries.shift();
      this.evictions.size++;
    }
    this.entries.push({ key, v: v.slice(), size });
  }
  delete(key: string): boolean {
    const i = this.find(key);
    if (i >= 0) this.entries.splice(i, 1);
    return i >= 0;
  }
  trim(fraction: number): number {
    const target = this.bytes * fraction;
    let freed = 0;
    while (freed < target && this.entries.length > 0) {
      freed += this.entries.shift()!.size;
      this.evictions.cleanup++;
    }
    return freed;
  }
}

function checkInvariants(cache: EmbeddingCache, model: Model, gets: number): void {
  const s = cache.stats();
  expect(s.bytes).toBeLessThanOrEqual(s.maxBytes);
  expect(s.entries).toBeLessThanOrEqual(s.maxEntries);
  expect(s.hits + s.misses).toBe(gets);
  // Accounted bytes equal the sum of the sizes of the entries actually present.
  let sum = 0;
  let present = 0;
  for (const key of KEYS) {
    const i = model.find(key);
    expect(cache.has(key)).toBe(i >= 0);
    if (i >= 0) {
      sum += estimateEntryBytes(key, model.entries[i]!.v);
      present++;
    }
  }
  expect(s.bytes).toBe(sum);
  expect(cache.bytes).toBe(sum);
  expect(s.entries).toBe(present);
  expect(cache.size).toBe(present);
  expect(s.evictions).toEqual(model.evictions);
  expect(s.rejected).toBe(model.rejected);
}

describe.each(STRATEGIES)("%s cache", (strategy) => {
  it("keeps its invariants after every operation of random sequences", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 200, max: 2500 }),
        fc.array(opArb, { maxLength: 120 }),
        (maxEntries, maxBytes, ops) => {
          const cache = createCache({ strategy, maxBytes, maxEntries });
          const model = new Model(strategy === "memory_aware", maxBytes, maxEntries);
          let gets = 0;
          let version = 0;
          for (const o of ops) {
            switch (o.op) {
              case "set": {
                const v = vector(o.dims, ++version);
                const key = KEYS[o.key]!;
                cache.set(key, o.view ? asView(v) : v);
                model.set(key, v);
                break;
              }
              case "get": {
                gets++;
                const key = KEYS[o.key]!;
                const got = cache.get(key);
                const want = model.get(key);
                // Present data is exactly what was last set; absence matches the model.
                expect(got).toEqual(want);
                break;
              }
              case "has":
                expect(cache.has(KEYS[o.key]!)).toBe(model.find(KEYS[o.key]!) >= 0);
                break;
              case "delete":
                expect(cache.delete(KEYS[o.key]!)).toBe(model.delete(KEYS[o.key]!));
                break;
              case "trim":
                expect(cache.trim(o.fraction)).toBe(model.trim(o.fraction));
                break;
              case "clear":
                cache.clear();
                model.entries = [];
                break;
            }
            checkInvariants(cache, model, gets);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("stores a view on a larger buffer as a compact copy", () => {
    const cache = createCache({ strategy, maxBytes: 1 << 20, maxEntries: 10 });
    const big = new Float32Array(100_000);
    big.fill(7, 500, 516);
    const view = big.subarray(500, 516);
    cache.set("v", view);
    const stored = cache.get("v")!;
    expect(Array.from(stored)).toEqual(new Array(16).fill(7));
    expect(stored.buffer.byteLength).toBe(16 * 4); // does not pin the 400 KB buffer
    expect(stored.buffer).not.toBe(big.buffer);
    expect(cache.bytes).toBe(estimateEntryBytes("v", view));
    big.fill(0);
    expect(cache.get("v")![0]).toBe(7);
    // A value that owns its whole buffer is stored as given (no copy on the hot path).
    const own = vector(16, 1);
    cache.set("own", own);
    expect(cache.get("own")).toBe(own);
  });

  it("does not cache a single value larger than maxBytes, and counts it", () => {
    const cache = createCache({ strategy, maxBytes: 1000, maxEntries: 10 });
    cache.set("small", vector(8, 1));
    cache.set("huge", vector(1000, 2));
    expect(cache.has("huge")).toBe(false);
    expect(cache.has("small")).toBe(true);
    expect(cache.stats().rejected).toBe(1);
    // Replacing an entry by a too-large value drops the stale entry.
    cache.set("small", vector(1000, 3));
    expect(cache.get("small")).toBeUndefined();
    expect(cache.stats()).toMatchObject({ rejected: 2, entries: 0, bytes: 0, evictions: { overwrite: 1, size: 0, count: 0, cleanup: 0 } });
  });

  it("tells count evictions from size evictions", () => {
    const byCount = createCache({ strategy, maxBytes: 1 << 20, maxEntries: 2 });
    for (const k of ["a", "b", "c", "d"]) byCount.set(k, vector(4, 1));
    expect(byCount.stats().evictions).toEqual({ size: 0, count: 2, cleanup: 0, overwrite: 0 });
    const one = estimateEntryBytes("a", vector(4, 1));
    const bySize = createCache({ strategy, maxBytes: 2 * one, maxEntries: 100 });
    for (const k of ["a", "b", "c", "d"]) bySize.set(k, vector(4, 1));
    expect(bySize.stats().evictions).toEqual({ size: 2, count: 0, cleanup: 0, overwrite: 0 });
    // Full on entries and a bigger value: one count eviction, then size evictions.
    const both = createCache({ strategy, maxBytes: 3 * one, maxEntries: 3 });
    for (const k of ["a", "b", "c"]) both.set(k, vector(4, 1));
    both.set("e", vector(4 + (2 * one) / 4, 2));
    expect(both.stats().evictions).toEqual({ size: 2, count: 1, cleanup: 0, overwrite: 0 });
    expect(both.size).toBe(1);
  });

  it("counts trims as cleanup and overwrites as overwrite, but not deletes", () => {
    const cache = createCache({ strategy, maxBytes: 1 << 20, maxEntries: 100 });
    for (let i = 0; i < 10; i++) cache.set(`k${i}`, vector(32, i));
    cache.set("k0", vector(32, 99));
    cache.delete("k1");
    const before = cache.bytes;
    const freed = cache.trim(0.5);
    expect(freed).toBeGreaterThanOrEqual(before / 2);
    expect(cache.bytes).toBe(before - freed);
    cache.clear();
    expect(cache.stats().evictions).toEqual({ size: 0, count: 0, cleanup: 5, overwrite: 1 });
    expect(() => cache.trim(1.5)).toThrow(VcfAgentError);
    expect(() => cache.trim(Number.NaN)).toThrow(/trim fraction/);
  });

  it("rejects non-Float32Array values", () => {
    const cache = createCache({ strategy, maxBytes: 1 << 20, maxEntries: 10 });
    expect(() => cache.set("x", [1, 2, 3] as unknown as Float32Array)).toThrow(/cache value for key "x" must be a Float32Array/);
    expect(() => cache.set("x", new Float64Array(3) as unknown as Float32Array)).toThrow(VcfAgentError);
  });
});

describe("eviction order", () => {
  function run(strategy: CachingStrategy): string[] {
    const cache = createCache({ strategy, maxBytes: 1 << 20, maxEntries: 3 });
    cache.set("a", vector(4, 1));
    cache.set("b", vector(4, 2));
    cache.set("c", vector(4, 3));
    cache.get("a"); // refreshes "a" in an LRU only
    cache.has("b"); // never refreshes
    cache.set("d", vector(4, 4));
    return ["a", "b", "c", "d"].filter((k) => cache.has(k));
  }
  it("memory_aware evicts the least recently used", () => {
    expect(run("memory_aware")).toEqual(["a", "c", "d"]);
  });
  it("simple evicts the oldest insertion", () => {
    expect(run("simple")).toEqual(["b", "c", "d"]);
  });
  it("trim takes the least recently used (memory_aware) or oldest (simple) first", () => {
    for (const strategy of STRATEGIES) {
      const cache = createCache({ strategy, maxBytes: 1 << 20, maxEntries: 10 });
      for (const k of ["a", "b", "c", "d"]) cache.set(k, vector(4, 1));
      cache.get("a");
      cache.trim(0.25);
      expect(["a", "b", "c", "d"].filter((k) => cache.has(k))).toEqual(strategy === "memory_aware" ? ["a", "c", "d"] : ["b", "c", "d"]);
    }
  });
});

describe("createCache", () => {
  it("names invalid bounds and strategies", () => {
    const bad: [Parameters<typeof createCache>[0], string][] = [
      [{ strategy: "simple", maxBytes: 0, maxEntries: 1 }, "maxBytes"],
      [{ strategy: "simple", maxBytes: Number.POSITIVE_INFINITY, maxEntries: 1 }, "maxBytes"],
      [{ strategy: "simple", maxBytes: 100, maxEntries: 0 }, "maxEntries"],
      [{ strategy: "memory_aware", maxBytes: 100, maxEntries: 1.5 }, "maxEntries"],
      [{ strategy: "lru" as CachingStrategy, maxBytes: 100, maxEntries: 1 }, "strategy"],
    ];
    for (const [options, name] of bad) {
      let err: unknown;
      try {
        createCache(options);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).option).toBe(name);
    }
  });

  it("reports its bounds and strategy", () => {
    expect(createCache({ strategy: "simple", maxBytes: 1234.9, maxEntries: 5 }).stats()).toEqual({
      strategy: "simple",
      entries: 0,
      bytes: 0,
      maxBytes: 1234,
      maxEntries: 5,
      hits: 0,
      misses: 0,
      evictions: { size: 0, count: 0, cleanup: 0, overwrite: 0 },
      rejected: 0,
    });
  });
});

describe("estimateEntryBytes", () => {
  it("counts vector bytes, key characters (two bytes when non-Latin-1) and a fixed overhead", () => {
    const v = new Float32Array(100);
    const base = estimateEntryBytes("", v);
    expect(base).toBeGreaterThan(400);
    expect(estimateEntryBytes("x".repeat(80), v) - base).toBe(80);
    expect(estimateEntryBytes("é".repeat(80), v) - base).toBe(80); // Latin-1: one byte each
    expect(estimateEntryBytes("ж".repeat(80), v) - base).toBe(160);
    expect(estimateEntryBytes("", new Float32Array(200)) - base).toBe(400);
  });
});

describe("accounting against the real heap", () => {
  // Measured in a fresh process per strategy: inside the test worker, garbage left by
  // earlier tests can be collected during the measurement and make the heap shrink.
  const measure = (strategy: CachingStrategy): { ratio: number; size: number } => {
    const module = pathToFileURL(join(ROOT, "dist", "embedding", "cache", "create.js")).href;
    const code = `
      import { createCache } from ${JSON.stringify(module)};
      const used = () => {
        for (let i = 0; i < 4; i++) gc();
        const m = process.memoryUsage();
        return m.heapUsed + m.arrayBuffers;
      };
      const vector = (dims, seed) => {
        const v = new Float32Array(dims);
        for (let i = 0; i < dims; i++) v[i] = seed * 1000 + i;
        return v;
      };
      const prefix = "local:vcf-hash-v1:1536\\u0000";
      const fill = (cache, n, dims) => {
        for (let i = 0; i < n; i++) {
          // Keys as the embedding service builds them: provider id + a description.
          const text = \`BRCA\${i % 3} missense_variant \${i} c.\${i * 7}A>G p.Lys\${i}Arg Pathogenic chr17:\${43_000_000 + i}\`;
          cache.set(prefix + text, vector(dims, i));
        }
      };
      const strategy = ${JSON.stringify(strategy)};
      // Warm-up: the same code once, so compiled code and lazily built internals are not counted.
      const warm = createCache({ strategy, maxBytes: 1 << 30, maxEntries: 500 });
      fill(warm, 500, 768);
      warm.clear();
      const n = 4000;
      const cache = createCache({ strategy, maxBytes: 1 << 30, maxEntries: n });
      const before = used();
      fill(cache, n, 768);
      const grown = used() - before;
      console.log(JSON.stringify({ ratio: cache.bytes / grown, size: cache.size }));
    `;
    const out = execFileSync(process.execPath, ["--expose-gc", "--input-type=module", "-e", code], { encoding: "utf8" });
    return JSON.parse(out) as { ratio: number; size: number };
  };

  it.each(STRATEGIES)("%s: accounted bytes track heap + arrayBuffers growth within 10%%", (strategy) => {
    const { ratio, size } = measure(strategy);
    expect(size).toBe(4000);
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });
});
