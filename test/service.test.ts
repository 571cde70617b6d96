import { describe, expect, it } from "vitest";
import { MemoryOptimizationConfig, SessionConfig } from "../src/config.js";
import { LocalEmbeddingProvider } from "../src/providers/local/embedder.js";
import type { EmbeddingProvider } from "../src/providers/provider.js";
import { VariantEmbeddingService } from "../src/embedding/service.js";

/** A text-keyed provider (not composable) that counts its calls; vectors come from the local embedder. */
class CountingProvider implements EmbeddingProvider {
  readonly id = "counting:local:1536";
  readonly dimensions = 1536;
  calls: string[][] = [];
  private readonly inner = new LocalEmbeddingProvider();
  async embedDocuments(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls.push([...texts]);
    return this.inner.embedDocuments(texts);
  }
  async embedQuery(text: string): Promise<Float32Array> {
    return this.inner.embedQuery(text);
  }
}

function describeText(i: number, gene = "BRCA1"): string {
  return `Variant at chromosome 17 position ${43044295 + i} reference allele G to alternate allele A in gene ${gene} with consequence missense_variant clinical significance Pathogenic`;
}

function session(memory: ConstructorParameters<typeof MemoryOptimizationConfig>[0]): SessionConfig {
  return new SessionConfig({ memoryOptimization: new MemoryOptimizationConfig(memory) });
}

const norm = (v: Float32Array): number => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

async function collect(gen: AsyncIterable<Float32Array[]>): Promise<Float32Array[][]> {
  const out: Float32Array[][] = [];
  for await (const b of gen) out.push(b);
  return out;
}

describe("VariantEmbeddingService", () => {
  it("embeds at the provider width with reduction off, unit length, deterministic", async () => {
    const s = new VariantEmbeddingService(session({ optimizationLevel: "basic" }));
    const a = await s.embed(describeText(0));
    const b = await new VariantEmbeddingService(session({ optimizationLevel: "basic" })).embed(describeText(0));
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(1536);
    expect(norm(a)).toBeCloseTo(1, 5);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(s.embeddingDimensions).toBe(1536);
    expect(s.getOptimizationStats().dimensionReductionStats).toMatchObject({ isTrained: false, reason: "dimension reduction disabled" });
  });

  it("makes one provider call per batch, for the distinct cache misses only", async () => {
    const p = new CountingProvider();
    const s = new VariantEmbeddingService(session({ optimizationLevel: "basic", streamingBatchSize: 4 }), { provider: p });
    const texts = [0, 1, 0, 2, 3, 1, 4, 0, 5, 6].map((i) => describeText(i));
    const batches = await collect(s.embedBatches(texts));
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    // Batch 1: 0,1,0,2 → misses 0,1,2 (0 twice in one batch = one call entry).
    // Batch 2: 3,1,4,0 → misses 3,4. Batch 3: 5,6 → misses 5,6.
    expect(p.calls.map((c) => c.length)).toEqual([3, 2, 2]);
    const st = s.getOptimizationStats();
    expect(st.generationStats.providerCalls).toBe(3);
    expect(st.generationStats.providerTexts).toBe(7);
    expect(st.generationStats.textsEmbedded).toBe(10);
    expect(st.cacheStats.keyedBy).toBe("text");
    // Lookups: 9 (the repeated 0 inside batch 1 is served without a lookup), hits: 1 and 0 in batch 2.
    expect(st.cacheStats.hits).toBe(2);
    expect(st.cacheHitRate).toBeCloseTo((100 * st.cacheStats.hits) / (st.cacheStats.hits + st.cacheStats.misses), 1);
    // Same text → same vector, whether from cache or not.
    expect(Array.from(batches[1]![3]!)).toEqual(Array.from(batches[0]![0]!));
  });

  it("keys the cache by provider id, and for a composable provider by the semantic part", async () => {
    const s = new VariantEmbeddingService(session({ optimizationLevel: "basic" }));
    await s.embedRaw([describeText(0), describeText(1000), describeText(5, "TP53")]);
    const st = s.getOptimizationStats();
    // The two BRCA1 texts differ only in position: one semantic entry, one hit.
    expect(st.cacheStats.keyedBy).toBe("semantic");
    expect(st.cacheStats.entries).toBe(2);
    expect(st.generationStats.providerTexts).toBe(2);
    const key = s.provider.id + "\u0000" + (s.provider as LocalEmbeddingProvider).semanticKey(describeText(0));
    expect(s.cache.has(key)).toBe(true);
    // A cached semantic part composes to exactly what the provider returns for the text.
    const [fresh] = await new LocalEmbeddingProvider().embedDocuments([describeText(1000)]);
    const [cached] = await s.embedRaw([describeText(1000)]);
    expect(Array.from(cached!)).toEqual(Array.from(fresh!));
  });

  it("hands out one width across the PCA training boundary", async () => {
    // A 512-d local embedder keeps the fit quick; the width logic is the same at 1536.
    const s = new VariantEmbeddingService(
      session({ optimizationLevel: "standard", targetDimensions: 32, trainingSamples: 128, streamingBatchSize: 50 }),
      { provider: new LocalEmbeddingProvider({ dimensions: 512 }) },
    );
    const texts = Array.from({ length: 10_000 }, (_, i) => describeText(i * 37, ["BRCA1", "TP53", "CFTR", "APC"][i % 4]!));
    const widths = new Set<number>();
    let n = 0;
    let first: Float32Array | undefined;
    let last: Float32Array | undefined;
    for await (const batch of s.embedBatches(texts)) {
      for (const v of batch) {
        widths.add(v.length);
        first ??= v;
        last = v;
        n++;
      }
    }
    expect(n).toBe(10_000);
    expect([...widths]).toEqual([32]);
    expect(first!.length).toBe(last!.length);
    expect(norm(last!)).toBeCloseTo(1, 4);
    const dr = s.getOptimizationStats().dimensionReductionStats;
    expect(dr).toMatchObject({ isTrained: true, reduction: "pca", originalDimensions: 512, targetDimensions: 32, trainingSamplesCollected: 128 });
    expect(dr.memoryReductionPercent).toBeCloseTo(100 * (1 - 32 / 512), 1);
    expect(dr.varianceRetained).toBeGreaterThan(0);
    expect(dr.varianceRetained).toBeLessThanOrEqual(1);
    expect(s.embeddingDimensions).toBe(32);
    // Queries are projected with the same model.
    expect((await s.embed("pathogenic missense variants in BRCA1")).length).toBe(32);
  });

  it("falls back to full width for small inputs and says why", async () => {
    const s = new VariantEmbeddingService(session({ optimizationLevel: "standard", targetDimensions: 64, trainingSamples: 256 }));
    const out = await collect(s.embedBatches(Array.from({ length: 100 }, (_, i) => describeText(i))));
    expect(out.flat().length).toBe(100);
    expect(new Set(out.flat().map((v) => v.length))).toEqual(new Set([1536]));
    const dr = s.getOptimizationStats().dimensionReductionStats;
    expect(dr.isTrained).toBe(false);
    expect(dr.reason).toMatch(/too few samples: 100 < 128/);
    expect(s.getOptimizationStatus().dimensionReduction).toMatchObject({ enabled: true, active: false });
  });

  it("cleans up memory on demand and resets the cache", async () => {
    const s = new VariantEmbeddingService(session({ optimizationLevel: "standard", dimensionReductionEnabled: false }));
    await s.embedRaw(Array.from({ length: 40 }, (_, i) => describeText(i, `GENE${i}`)));
    const before = s.cache.stats().bytes;
    expect(s.cache.size).toBe(40);
    const r = await s.cleanupMemory();
    expect(r.reportedFreedBytes).toBeGreaterThan(0);
    expect(s.cache.stats().bytes).toBeLessThan(before);
    expect(s.getOptimizationStats().memoryStats.cleanups).toBe(1);
    expect(s.getOptimizationStats().cacheStats.evictionsByReason.cleanup).toBe(20);
    s.resetCache();
    expect(s.cache.size).toBe(0);
    expect(s.getOptimizationStats().cacheStats.memoryUsageMb).toBe(0);
  });

  it("reports status and stats in the seed's shape, all measured", async () => {
    const s = new VariantEmbeddingService(session({ optimizationLevel: "aggressive" }));
    await s.embedRaw([describeText(1)]);
    await s.embedRaw([describeText(2)]);
    const st = s.getOptimizationStats();
    expect(Object.keys(st)).toEqual(
      expect.arrayContaining(["optimizationLevel", "embeddingDimensions", "cacheHitRate", "cacheStats", "dimensionReductionStats", "generationStats"]),
    );
    expect(Object.keys(st.cacheStats)).toEqual(
      expect.arrayContaining(["entries", "memoryUsageMb", "maxSizeMb", "maxEntries", "utilizationPercent", "evictions"]),
    );
    expect(st.optimizationLevel).toBe("aggressive");
    expect(st.cacheHitRate).toBe(50);
    expect(st.cacheStats.maxSizeMb).toBe(32);
    expect(st.cacheStats.memoryUsageMb).toBeGreaterThan(0.005);
    expect(st.memoryStats.rssMb).toBeGreaterThan(10);
    const status = s.getOptimizationStatus();
    expect(status).toMatchObject({ optimizationLevel: "aggressive", streaming: { batchSize: 50 }, provider: "local:vcf-hash-v1:1536" });
    expect(status.dimensionReduction.reason).toMatch(/collecting training samples: 0 of 2048/);
  });
});
