// Cache benchmark: hit rate on a workload where 90 % of records repeat an earlier
// record's annotations, and accounted cache bytes vs measured heap + ArrayBuffer growth.
// Run: npm run bench:cache   (node --expose-gc, so the memory figures are after full GCs)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { SessionConfig, VariantEmbeddingService, LocalEmbeddingProvider } from "../dist/index.js";
import { createCache } from "../dist/embedding/index.js";
import { openVcf, annotationLayout, summarizeVariant } from "../dist/vcf/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, "data");
const gen = join(here, "..", "..", "shared", "tools", "gen_vcf.py");
const N = Number(process.env.BENCH_CACHE_N ?? 100000);
const file = join(dataDir, `gen${N / 1000}k_repeat90.vcf`);
if (!existsSync(file)) {
  mkdirSync(dataDir, { recursive: true });
  execFileSync("sh", ["-c", `python3 "${gen}" --n ${N} --seed 5 --repeat 0.9 > "${file}"`]);
}
if (typeof globalThis.gc !== "function") {
  console.error("run with node --expose-gc (npm run bench:cache does)");
  process.exit(1);
}

const MB = 1024 * 1024;
const fmt = (x, d = 1) => x.toFixed(d);

// 1. Hit rate through the real service, for each strategy.
console.log(`# cache hit rate — ${N} records from gen_vcf.py --n ${N} --seed 5 --repeat 0.9`);
console.log("strategy      maxMB  maxEntries  variants  hitRate%  providerTexts  entries  cacheMB  evictions  variants/s");
// Level defaults (64 MB) hold the whole working set; 16 MB forces evictions, where LRU beats FIFO.
for (const [strategy, cacheMaxSizeMb] of [["memory_aware", 64], ["simple", 64], ["memory_aware", 16], ["simple", 16]]) {
  const service = new VariantEmbeddingService(
    new SessionConfig({
      memoryOptimization: {
        optimizationLevel: "standard",
        cachingStrategy: strategy,
        cacheMaxSizeMb,
        dimensionReductionEnabled: false,
        memoryManagementEnabled: false,
      },
    }),
  );
  const reader = await openVcf(file);
  const layout = annotationLayout(reader.header);
  const t0 = performance.now();
  let variants = 0;
  for await (const batch of reader.batches(service.config.memoryOptimization.streamingBatchSize)) {
    const texts = batch.map((v) => summarizeVariant(v, layout).description);
    await service.embedRaw(texts);
    variants += texts.length;
  }
  const secs = (performance.now() - t0) / 1000;
  const s = service.getOptimizationStats();
  const c = s.cacheStats;
  console.log(
    [
      strategy.padEnd(12),
      String(c.maxSizeMb).padStart(6),
      String(c.maxEntries).padStart(11),
      String(variants).padStart(9),
      fmt(s.cacheHitRate, 2).padStart(9),
      String(s.generationStats.providerTexts).padStart(14),
      String(c.entries).padStart(8),
      fmt(c.memoryUsageMb, 2).padStart(8),
      String(c.evictions).padStart(10),
      String(Math.round(variants / secs)).padStart(11),
    ].join(" "),
  );
  service.close();
}

// 2. Accounted bytes vs measured growth: fill a cache with real local-embedder vectors.
console.log("\n# accounted cache bytes vs measured heapUsed + arrayBuffers growth (after gc)");
console.log("strategy      dims  entries  accountedMB  measuredMB  difference%");
const provider = new LocalEmbeddingProvider();
for (const [strategy, dims, entries] of [
  ["memory_aware", 1536, 8000],
  ["memory_aware", 768, 16000],
  ["simple", 1536, 8000],
]) {
  const keys = Array.from({ length: entries }, (_, i) => `${provider.id}\u0000in gene G${i % 997} with consequence c${i} clinical significance s${i % 13}`);
  const cache = createCache({ strategy, maxBytes: 1024 * MB, maxEntries: entries });
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m0 = process.memoryUsage();
  for (let i = 0; i < entries; i += 500) {
    const batch = keys.slice(i, i + 500);
    const vs = provider.embedSemantic(batch.map((k) => k.slice(k.indexOf("\u0000") + 1)));
    batch.forEach((k, j) => cache.set(k, dims === provider.dimensions ? vs[j] : vs[j].slice(0, dims)));
  }
  for (let i = 0; i < 3; i++) globalThis.gc();
  const m1 = process.memoryUsage();
  // Keys were built before m0, so growth is the cache's own entries and structures.
  const measured = m1.heapUsed + m1.arrayBuffers - (m0.heapUsed + m0.arrayBuffers);
  const accounted = cache.bytes;
  console.log(
    [
      strategy.padEnd(12),
      String(dims).padStart(5),
      String(cache.size).padStart(8),
      fmt(accounted / MB, 2).padStart(12),
      fmt(measured / MB, 2).padStart(11),
      fmt((100 * (accounted - measured)) / measured, 1).padStart(12),
    ].join(" "),
  );
  cache.clear();
}
