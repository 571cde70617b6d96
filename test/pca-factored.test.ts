// The factored projection the ingest uses with the local embedder: the cached head
// (semantic part, projected once) plus a per-row tail (locus, chromosome, alleles) must
// give the same reduced vectors as composing the full-width vector and projecting it —
// on the WebAssembly kernels and on the plain-JS fallback, for descriptions, free text,
// a text with no locus and the empty text — and the service must count the work.
import { describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { LocalEmbeddingProvider } from "../src/providers/local/embedder.js";
import { PcaStage } from "../src/reduce/pca-stage.js";
import { VariantEmbeddingService } from "../src/embedding/service.js";
import { FactoredProjector } from "../src/reduce/factored.js";
import { fitPca, type PcaModel } from "../src/reduce/pca.js";
import { projectBatch } from "../src/reduce/project.js";
import { projectReference } from "../src/reduce/project-js.js";
import { concatRows, maxAbsDiff } from "./_vectors.js";

const genes = ["BRCA1", "BRCA2", "TP53", "MYH7", "LDLR", "CFTR", "APOB"];
const description = (i: number): string =>
  `Variant at chromosome ${i % 7 === 0 ? "X" : 1 + (i % 22)} position ${1_000_000 + 7919 * i} reference allele ${"ACGT"[i % 4]} to alternate allele ${["G", "TA", "C", "<DEL>"][i % 4]} ` +
  `in gene ${genes[i % genes.length]} with consequence ${["missense_variant", "synonymous_variant", "stop_gained"][i % 3]} ` +
  `clinical significance ${["Pathogenic", "Benign", "Uncertain significance"][i % 3]} condition ${["Hereditary cancer", "Cardiomyopathy"][i % 2]}`;
const odd = ["pathogenic missense variants in BRCA1", "chr17:43045712 G>A", "", "   ", "in gene TP53 with consequence stop_gained"];

async function setup(k: number): Promise<{ provider: LocalEmbeddingProvider; model: PcaModel; texts: string[] }> {
  const provider = new LocalEmbeddingProvider();
  const training = await provider.embedDocuments(Array.from({ length: 2 * k + 40 }, (_, i) => description(i * 3 + 1)));
  const model = fitPca(concatRows(training), { outputDimensions: k, providerId: provider.id, inputDimensions: provider.dimensions });
  const texts = [...Array.from({ length: 150 }, (_, i) => description(i)), ...odd];
  return { provider, model, texts };
}

/** Rows through the factored path: heads projected once, tails written per text. */
function factored(p: FactoredProjector, provider: LocalEmbeddingProvider, texts: string[]): Float32Array {
  const k = p.model.outputDimensions;
  const heads = p.projectHeads(provider.embedSemantic(texts.map((t) => provider.semanticKey(t))));
  const tails = new Float32Array(texts.length * p.tailSize);
  const norms = new Float64Array(texts.length);
  texts.forEach((t, i) => (norms[i] = provider.writeTail(t, tails, i * p.tailSize)));
  const out = new Float32Array(texts.length * k + 5).fill(7);
  p.project(heads, tails, norms, texts.length, out, 5);
  expect([...out.subarray(0, 5)]).toEqual([7, 7, 7, 7, 7]); // nothing written before the offset
  return out.subarray(5);
}

describe("factored projection (head cached, tail per row)", () => {
  it("equals composing the full vector and projecting it, on both kernels", async () => {
    for (const k of [100]) {
      const { provider, model, texts } = await setup(k);
      const full = concatRows(await provider.embedDocuments(texts));
      const reference = projectReference(model, full, texts.length);
      const dense = projectBatch(model, full, texts.length);
      for (const simd of [true, false]) {
        const got = factored(new FactoredProjector(model, provider.tailStart, { simd }), provider, texts);
        expect(maxAbsDiff(got, reference)).toBeLessThan(2e-5);
        expect(maxAbsDiff(got, dense)).toBeLessThan(2e-5);
      }
    }
  });

  it("writes the tail the composed vector has, and its squared norm", async () => {
    const provider = new LocalEmbeddingProvider();
    for (const text of [description(3), ...odd]) {
      const [v] = await provider.embedDocuments([text]);
      const semantic = provider.embedSemantic([provider.semanticKey(text)])[0]!;
      const tail = new Float32Array(provider.dimensions - provider.tailStart);
      const t2 = provider.writeTail(text, tail, 0);
      let s2 = 0;
      for (let j = 0; j < provider.tailStart; j++) {
        expect(semantic[j]).not.toBeNaN();
        s2 += semantic[j]! * semantic[j]!;
      }
      for (let j = provider.tailStart; j < provider.dimensions; j++) expect(semantic[j]).toBe(0);
      const n = Math.sqrt(s2 + t2);
      if (n === 0) continue; // the empty text: compose() returns e₀, covered above
      for (let j = 0; j < tail.length; j++) expect(Math.abs(v![provider.tailStart + j]! - tail[j]! / n)).toBeLessThan(1e-6);
    }
    expect(() => provider.writeTail(description(1), new Float32Array(10), 0)).toThrow(/writeTail needs 256 values/);
  });

  it("the service's direct path equals pushBatch, caches projected heads and counts the work", async () => {
    const { provider, model, texts } = await setup(64);
    const stage = () => new PcaStage({ targetDimensions: 64, trainingSamples: 128, inputDimensions: provider.dimensions, providerId: provider.id, model });
    const slow = new VariantEmbeddingService(new SessionConfig(), { provider, stage: stage() });
    const fast = new VariantEmbeddingService(new SessionConfig(), { provider, stage: stage() });
    expect(fast.projectsDirectly).toBe(true);
    const batch = [...texts, ...texts.slice(0, 40)]; // repeats inside one batch
    const expected = concatRows((await slow.pushBatch(batch))[0]!.vectors);
    const out = new Float32Array(batch.length * 64);
    await fast.embedProjectedInto(batch, out);
    expect(maxAbsDiff(out, expected)).toBeLessThan(2e-5);
    // Second pass: every head from the cache, same vectors.
    const again = new Float32Array(batch.length * 64);
    await fast.embedProjectedInto(batch, again);
    expect(maxAbsDiff(again, out)).toBe(0);
    const s = fast.getOptimizationStats();
    expect(s.cacheStats.hits).toBeGreaterThanOrEqual(new Set(texts.map((t) => provider.semanticKey(t))).size);
    expect(s.generationStats.textsEmbedded).toBe(2 * batch.length);
    expect(s.dimensionReductionStats.isTrained).toBe(true);
    expect(s.embeddingDimensions).toBe(64);
    // A cache entry is k + 1 floats (the projection and ‖s‖²), not the provider's 1536.
    expect(s.cacheStats.memoryUsageMb * 1024 * 1024).toBeLessThan(s.cacheStats.entries * 1536 * 4);
  });

  it("refuses the direct path without a trained PCA stage", async () => {
    const provider = new LocalEmbeddingProvider();
    const untrained = new VariantEmbeddingService(new SessionConfig(), {
      provider,
      stage: new PcaStage({ targetDimensions: 64, trainingSamples: 128, inputDimensions: provider.dimensions, providerId: provider.id }),
    });
    expect(untrained.projectsDirectly).toBe(false);
    await expect(untrained.embedProjectedInto([description(1)], new Float32Array(64))).rejects.toThrow(/trained PCA stage/);
  });
});
