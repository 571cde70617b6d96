/**
 * Every call the Python "VCF Analysis Agent" documents for its memory optimizations, as a
 * user migrating from it writes it here (docs/migration.md), with the documented behaviour
 * asserted on real ClinVar descriptions. The package root is what such a user imports.
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { MemoryOptimizationConfig, SessionConfig, VariantEmbeddingService, openVcf } from "../src/index.js";
import { METRIC, VcfAgentMetrics } from "../src/metrics/index.js";
import { annotationLayout, summarizeVariant } from "../src/vcf/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const CLINVAR = path.resolve(root, "../shared/data/real/clinvar_GRCh38_20260226_chr13_chr17.vcf.gz");

/** Descriptions of the first `n` variants of the real ClinVar slice (chromosomes 13 and 17). */
async function clinvarDescriptions(n: number): Promise<string[]> {
  const reader = await openVcf(CLINVAR);
  const layout = annotationLayout(reader.header);
  const out: string[] = [];
  try {
    for await (const v of reader) {
      out.push(summarizeVariant(v, layout).description);
      if (out.length >= n) break;
    }
  } finally {
    await reader.close();
  }
  return out;
}

let texts: string[];

beforeAll(async () => {
  // standard trains PCA 1536 → 768 on 4 × 768 = 3,072 vectors.
  texts = await clinvarDescriptions(3_500);
}, 120_000);

describe("configuration: MemoryOptimizationConfig and SessionConfig", () => {
  it("takes the seed's options and gives them to the service", () => {
    const memory = new MemoryOptimizationConfig({
      optimizationLevel: "standard",
      memoryManagementEnabled: true,
      dimensionReductionEnabled: true,
      targetDimensions: 768,
      cachingStrategy: "memory_aware",
      cacheMaxSizeMb: 40,
      streamingBatchSize: 25,
      memoryCleanupThresholdMb: 40,
    });
    const service = new VariantEmbeddingService(new SessionConfig({ memoryOptimization: memory }));
    try {
      const status = service.getOptimizationStatus();
      expect(status.optimizationLevel).toBe("standard");
      expect(status.memoryManagement).toMatchObject({ enabled: true, thresholdMb: 40 });
      expect(status.dimensionReduction.enabled).toBe(true);
      expect(status.caching.strategy).toBe("memory_aware");
      expect(status.streaming.batchSize).toBe(25);
      expect(service.getOptimizationStats().cacheStats.maxSizeMb).toBe(40);
    } finally {
      service.close();
    }
  });

  it("refuses a bad option, naming it", () => {
    expect(() => new MemoryOptimizationConfig({ targetDimensions: 0 })).toThrow(/targetDimensions/);
    expect(() => new MemoryOptimizationConfig({ optimizationLevel: "extreme" as never })).toThrow(/optimizationLevel/);
  });
});

describe("VariantEmbeddingService at standard (the default)", () => {
  let service: VariantEmbeddingService;
  let batch: Float32Array[];

  beforeAll(async () => {
    service = new VariantEmbeddingService(); // no argument: standard optimizations
    batch = await service.embedAll(texts); // generate_embeddings_batch(texts)
  }, 120_000);

  it("defaults to standard", () => {
    expect(service.getOptimizationStats().optimizationLevel).toBe("standard");
    expect(new VariantEmbeddingService(new SessionConfig()).getOptimizationStats().optimizationLevel).toBe("standard");
  });

  it("a whole-list batch returns every embedding, in order, at the reduced width", async () => {
    expect(batch).toHaveLength(texts.length);
    expect(batch.every((v) => v instanceof Float32Array && v.length === 768)).toBe(true);
    // Same text, same vector: the batch's first entry equals a single embedding of that text.
    const again = await service.embed(texts[0] as string);
    const first = batch[0] as Float32Array;
    let diff = 0;
    for (let i = 0; i < 768; i++) diff = Math.max(diff, Math.abs((again[i] as number) - (first[i] as number)));
    expect(diff).toBeLessThan(1e-5);
  });

  it("one embedding (generate_embedding_sync) is a Float32Array of embeddingDimensions (get_embedding_dimensions)", async () => {
    const v = await service.embed("Pathogenic BRCA1 variant");
    expect(v).toBeInstanceOf(Float32Array);
    expect(service.embeddingDimensions).toBe(768);
    expect(v.length).toBe(service.embeddingDimensions);
  });

  it("get_optimization_stats: level, width, hit rate, cache memory, 50 % reduction and the variance kept", () => {
    const s = service.getOptimizationStats();
    expect(s.embeddingDimensions).toBe(768);
    expect(s.cacheHitRate).toBeGreaterThanOrEqual(0);
    expect(s.cacheHitRate).toBeLessThanOrEqual(100);
    expect(s.cacheStats.memoryUsageMb).toBeGreaterThan(0);
    expect(s.cacheStats.entries).toBeGreaterThan(0);
    const dr = s.dimensionReductionStats;
    expect(dr.isTrained).toBe(true);
    expect(dr.originalDimensions).toBe(1536);
    expect(dr.targetDimensions).toBe(768);
    expect(dr.memoryReductionPercent).toBe(50);
    expect(dr.varianceRetained).toBeGreaterThan(0.5);
    expect(dr.varianceRetained).toBeLessThanOrEqual(1);
  });

  it("get_optimization_status: enabled and the current memory use", () => {
    const status = service.getOptimizationStatus();
    expect(status.enabled).toBe(true);
    const rss = process.memoryUsage().rss / 2 ** 20;
    expect(status.memoryUsageMb).toBeGreaterThan(rss * 0.5);
    expect(status.memoryUsageMb).toBeLessThan(rss * 2);
    expect(status.dimensionReduction).toMatchObject({ enabled: true, active: true, reduction: "pca" });
  });

  it("cleanup_memory frees cache memory and reports it; reset_cache empties the cache", async () => {
    const before = service.getOptimizationStats().cacheStats.entries;
    const result = await service.cleanupMemory();
    expect(result.reason).toBe("manual");
    expect(service.getOptimizationStats().cacheStats.entries).toBeLessThan(before);
    expect(service.getOptimizationStats().memoryStats.cleanups).toBeGreaterThanOrEqual(1);
    service.resetCache();
    const c = service.getOptimizationStats().cacheStats;
    expect(c.entries).toBe(0);
    expect(c.memoryUsageMb).toBe(0);
  });
});

describe("VariantEmbeddingService at basic", () => {
  it("stays at 1536 and reports no reduction; status says optimizations are off", async () => {
    const service = new VariantEmbeddingService(new SessionConfig({ memoryOptimization: { optimizationLevel: "basic" } }));
    try {
      const vectors = await service.embedAll(texts);
      expect(vectors.every((v) => v.length === 1536)).toBe(true);
      expect(service.embeddingDimensions).toBe(1536);
      const dr = service.getOptimizationStats().dimensionReductionStats;
      expect(dr.isTrained).toBe(false);
      expect(dr.reduction).toBe("none");
      expect(dr.memoryReductionPercent).toBe(0);
      expect(dr.varianceRetained).toBeNull();
      const status = service.getOptimizationStatus();
      expect(status.enabled).toBe(false);
      expect(status.memoryUsageMb).toBeGreaterThan(0);
    } finally {
      service.close();
    }
  }, 120_000);
});

describe("the troubleshooting advice holds", () => {
  it("a lower memoryCleanupThresholdMb makes cleanup trigger sooner (memoryStats.cleanups)", async () => {
    const run = async (thresholdMb: number): Promise<number> => {
      const service = new VariantEmbeddingService(
        new SessionConfig({ memoryOptimization: { optimizationLevel: "standard", dimensionReductionEnabled: false, memoryCleanupThresholdMb: thresholdMb } }),
      );
      try {
        await service.embedAll(texts.slice(0, 500));
        return service.getOptimizationStats().memoryStats.cleanups;
      } finally {
        service.close();
      }
    };
    const rssMb = process.memoryUsage().rss / 2 ** 20;
    expect(await run(Math.max(1, Math.floor(rssMb / 4)))).toBeGreaterThanOrEqual(1); // below this process's RSS
    expect(await run(1_000_000)).toBe(0);
  });

  it("a larger cacheMaxSizeMb raises the hit rate on a workload whose working set did not fit", async () => {
    // 400 distinct annotations, read twice: the second pass hits only if all 400 fit.
    const workload = Array.from({ length: 400 }, (_, i) => `Variant in gene GENE${i} with consequence missense_variant clinical significance Pathogenic`);
    const hitRate = async (cacheMaxSizeMb: number): Promise<number> => {
      const service = new VariantEmbeddingService(
        new SessionConfig({ memoryOptimization: { optimizationLevel: "standard", dimensionReductionEnabled: false, cacheMaxSizeMb, cacheMaxEntries: 100_000 } }),
      );
      try {
        await service.embedAll([...workload, ...workload]);
        return service.getOptimizationStats().cacheHitRate;
      } finally {
        service.close();
      }
    };
    const small = await hitRate(0.5); // ~70 entries of 1536 floats
    const large = await hitRate(40);
    expect(small).toBeLessThan(10);
    expect(large).toBeCloseTo(50, 0);
    expect(large).toBeGreaterThan(small + 40);
  });
});

describe("Prometheus metrics keep the seed's names", () => {
  it("exports the four gauges with the service's figures", async () => {
    const service = new VariantEmbeddingService();
    const metrics = new VcfAgentMetrics();
    try {
      await service.embedAll(texts);
      metrics.watchService(service, "parity");
      const text = await metrics.text();
      for (const name of [
        "vcf_agent_memory_optimization_reduction_percent",
        "vcf_agent_cache_hit_rate",
        "vcf_agent_embedding_dimensions",
        "vcf_agent_memory_usage_mb",
      ]) {
        expect(Object.values(METRIC)).toContain(name);
        expect(text).toMatch(new RegExp(`^${name}(\\{[^}]*\\})? [0-9.e+-]+$`, "m"));
      }
      expect(text).toMatch(/^vcf_agent_embedding_dimensions(\{[^}]*\})? 768$/m);
      expect(text).toMatch(/^vcf_agent_memory_optimization_reduction_percent(\{[^}]*\})? 50$/m);
    } finally {
      metrics.unwatchService(service);
      service.close();
    }
  }, 120_000);
});
