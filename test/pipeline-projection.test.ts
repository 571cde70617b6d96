// The sparse projection path the ingest pipeline relies on: rows with few nonzeros
// (hashed-feature embeddings) are projected as Σ nonzeros − components·mean, with the
// columns every row of a block shares (the locus block) on the GEMM kernel. Checked against
// the float64 reference, on mixed batches, and for batch independence to float rounding (a
// description projected alone matches its row in a batch, which keeps a stored variant's
// own description its nearest neighbour at distance ≈ 0).
import { describe, expect, it } from "vitest";
import { LocalEmbeddingProvider } from "../src/providers/local/embedder.js";
import { fitPca, type PcaModel } from "../src/reduce/pca.js";
import { Projector, projectBatch } from "../src/reduce/project.js";
import { projectReference } from "../src/reduce/project-js.js";
import { SPARSE_MAX_DENSITY } from "../src/reduce/_sparse.js";
import { mulberry32 } from "../src/util/random.js";
import { concatRows, maxAbsDiff, modelOf } from "./_vectors.js";

function randomModel(d: number, k: number, seed: number): PcaModel {
  const u = mulberry32(seed);
  const mean = Float32Array.from({ length: d }, () => 0.2 * (u() - 0.5));
  return modelOf(mean, Float32Array.from({ length: k * d }, () => (u() - 0.5) / Math.sqrt(d)));
}

/** A row of width d with exactly `nonzeros` nonzero entries at seeded positions. */
function sparseRow(d: number, nonzeros: number, seed: number): Float32Array {
  const u = mulberry32(seed);
  const v = new Float32Array(d);
  let placed = 0;
  while (placed < nonzeros) {
    const j = Math.floor(u() * d);
    if (v[j] !== 0) continue;
    v[j] = u() - 0.5 || 0.25;
    placed++;
  }
  return v;
}

const description = (i: number): string =>
  `Variant at chromosome ${1 + (i % 22)} position ${1_000_000 + 7919 * i} reference allele ${"ACGT"[i % 4]} to alternate allele ${"GTAC"[i % 4]} ` +
  `in gene ${["BRCA1", "BRCA2", "TP53", "MYH7", "LDLR"][i % 5]} with consequence ${["missense_variant", "synonymous_variant", "stop_gained"][i % 3]} ` +
  `clinical significance ${["Pathogenic", "Benign", "Uncertain significance"][i % 3]} condition ${["Hereditary cancer", "Cardiomyopathy"][i % 2]}`;

describe("sparse projection", () => {
  it("matches the float64 reference on local-embedder vectors and on mixed sparse/dense batches", async () => {
    const provider = new LocalEmbeddingProvider();
    const vectors = await provider.embedDocuments(Array.from({ length: 300 }, (_, i) => description(i)));
    const d = provider.dimensions;
    // The premise of the sparse path: these vectors are mostly zeros.
    for (const v of vectors) expect(v.filter((x) => x !== 0).length).toBeLessThanOrEqual(d * SPARSE_MAX_DENSITY);
    const model = fitPca(concatRows(vectors.slice(0, 200)), { outputDimensions: 64, providerId: provider.id, inputDimensions: d });
    const input = concatRows(vectors.slice(200));
    expect(maxAbsDiff(projectBatch(model, input, 100), projectReference(model, input, 100))).toBeLessThan(2e-5);

    // 1536 → 100 (not a multiple of the 32-column chunk), rows on both sides of the threshold, a zero row.
    const m = randomModel(d, 100, 5);
    const limit = Math.floor(d * SPARSE_MAX_DENSITY);
    const dense = Float32Array.from({ length: d }, (_, j) => Math.sin(j + 1));
    const rows = [sparseRow(d, 10, 1), dense, sparseRow(d, limit, 2), sparseRow(d, limit + 1, 3), new Float32Array(d), sparseRow(d, 1, 4)];
    const mixed = concatRows(Array.from({ length: 150 }, (_, i) => rows[i % rows.length]!));
    expect(maxAbsDiff(new Projector(m).project(mixed, 150), projectReference(m, mixed, 150))).toBeLessThan(2e-5);
  });

  it("projects a row the same alone or inside any batch (to float rounding)", async () => {
    const provider = new LocalEmbeddingProvider();
    const vectors = await provider.embedDocuments(Array.from({ length: 130 }, (_, i) => description(i)));
    const model = randomModel(provider.dimensions, 96, 9);
    const k = model.outputDimensions;
    const batch = projectBatch(model, concatRows(vectors), vectors.length);
    // In a block, columns every row has (the locus block) take the GEMM kernel; alone, the row is all sparse.
    for (const i of [0, 63, 64, 129]) {
      expect(maxAbsDiff(projectBatch(model, vectors[i]!, 1), batch.subarray(i * k, (i + 1) * k))).toBeLessThan(1e-6);
    }
  });

  it("sends the columns all rows of a block share through the dense pass, and agrees with the sparse-only path", async () => {
    const provider = new LocalEmbeddingProvider();
    const vectors = await provider.embedDocuments(Array.from({ length: 200 }, (_, i) => description(i)));
    const model = randomModel(provider.dimensions, 64, 3);
    const input = concatRows(vectors);
    const ref = projectReference(model, input, vectors.length);
    const shared = new Projector(model).project(input, vectors.length);
    process.env.VCF_AGENT_PROJECTION_SHARED = "0";
    try {
      const sparseOnly = new Projector(model).project(input, vectors.length);
      expect(maxAbsDiff(sparseOnly, ref)).toBeLessThan(2e-5);
      expect(maxAbsDiff(shared, sparseOnly)).toBeLessThan(1e-6);
    } finally {
      delete process.env.VCF_AGENT_PROJECTION_SHARED;
    }
    expect(maxAbsDiff(shared, ref)).toBeLessThan(2e-5);
  });
});
