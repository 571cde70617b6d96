import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { saveModel } from "../src/reduce/model-file.js";
import { fitPca, varianceRetained } from "../src/reduce/pca.js";
import { VariantStore, type IndexProgress, type VariantRows } from "../src/store/index.js";
import { axisVector, clusteredVectors, rowsOf, tempDir, type TestVariant } from "./_store-fixtures.js";
import { rejection } from "./_rejection.js";

const DIMS = 8;

/** Row i points along axis i (mod DIMS), tilted by i/100 so no two vectors are equal. */
function axisRows(variants: readonly TestVariant[], source?: string): VariantRows {
  const vectors = new Float32Array(variants.length * DIMS);
  variants.forEach((_, i) => vectors.set(axisVector(DIMS, i % DIMS, Math.floor(i / DIMS) / 10), i * DIMS));
  return rowsOf(variants, vectors, DIMS, source);
}

const BASE: TestVariant[] = [
  { pos: 100, gene: "BRCA1", consequence: "missense_variant", clinicalSignificance: "Pathogenic", condition: "Breast cancer", af: 0.001, qual: 50 },
  { pos: 200, gene: "BRCA1", consequence: "synonymous_variant", clinicalSignificance: "Benign", af: 0.2, qual: 30 },
  { pos: 300, gene: "BRCA2", consequence: "stop_gained", clinicalSignificance: "Pathogenic", condition: "Hereditary breast and ovarian cancer", af: 0.0001 },
  { pos: 400, gene: "TP53", consequence: "missense_variant", clinicalSignificance: "Uncertain_significance", af: null, qual: 10 },
  { chrom: "chr2", pos: 3_000_000_000, gene: null, consequence: "intergenic_variant", af: 0.5, filter: "q10" },
  { chrom: "chr2", pos: 600, gene: "MSH2", clinicalSignificance: "Likely_pathogenic", af: 0.01 },
  { chrom: "chrX", pos: 700, gene: "DMD", consequence: "frameshift_variant", clinicalSignificance: "Pathogenic", af: 0.005, id: "rs123" },
  { chrom: "chrX", pos: 800, gene: "DMD", consequence: "missense_variant", af: 0.05 },
];

describe("VariantStore writes", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("creates the table from a Float32Array batch and reads rows back", async () => {
    const store = await VariantStore.connect(path.join(tmp.dir, "db"));
    expect(store.dims).toBeNull();
    const rows = axisRows(BASE);
    const r = await store.addBatch(rows);
    expect(r).toMatchObject({ inserted: 8, skipped: 0, updated: 0, method: "create" });
    expect(store.dims).toBe(DIMS);
    expect(await store.count()).toBe(8);

    const v = await store.getById("chr2-3000000000-A-G");
    expect(v).toMatchObject({ chrom: "chr2", pos: 3_000_000_000, gene: null, af: 0.5, qual: null, filter: "q10", source: "test.vcf" });
    expect(Array.from(v?.vector ?? [])).toEqual(Array.from(rows.vectors.subarray(4 * DIMS, 5 * DIMS)));
    expect(Date.parse(v?.ingestedAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    const tp53 = await store.getById("chr1-400-A-G", { includeVector: false });
    expect(tp53).toMatchObject({ gene: "TP53", af: null, qual: 10, condition: null, id: "" });
    expect(tp53?.vector).toBeUndefined();
    expect(await store.getById("chr9-1-A-G")).toBeUndefined();
    store.close();

    // A second connection sees the table and its width.
    const again = await VariantStore.connect(path.join(tmp.dir, "db"));
    expect(again.dims).toBe(DIMS);
    expect(await again.count()).toBe(8);
    again.close();
  });

  it("re-adding rows adds no duplicates; new ids in a mixed batch are inserted", async () => {
    const store = await VariantStore.connect(path.join(tmp.dir, "db"));
    const r = await store.addBatch(axisRows(BASE));
    expect(r).toMatchObject({ inserted: 0, skipped: 8, method: "merge" });
    expect(await store.count()).toBe(8);

    const mixed = [...BASE.slice(0, 3), { pos: 900, gene: "NEW1" }, { pos: 901, gene: "NEW2" }];
    const m = await store.addBatch(axisRows(mixed));
    expect(m).toMatchObject({ inserted: 2, skipped: 3 });
    expect(await store.count()).toBe(10);
    for (const id of ["chr1-100-A-G", "chr1-900-A-G", "chr2-3000000000-A-G"]) {
      expect(await store.count([{ field: "variant_id", op: "=", value: id }])).toBe(1);
    }
    store.close();
  });

  it("drops an id repeated inside one batch, on a new table and on merge", async () => {
    const store = await VariantStore.connect(path.join(tmp.dir, "dup"));
    const twice = [{ pos: 1, gene: "FIRST" }, { pos: 2 }, { pos: 1, gene: "SECOND" }];
    const r = await store.addBatch(axisRows(twice));
    expect(r).toMatchObject({ inserted: 2, duplicatesInBatch: 1, method: "create" });
    expect((await store.getById("chr1-1-A-G"))?.gene).toBe("FIRST");
    const again = await store.addBatch(axisRows([{ pos: 3 }, { pos: 3 }]));
    expect(again).toMatchObject({ inserted: 1, duplicatesInBatch: 1, method: "merge" });
    expect(await store.count()).toBe(3);
    store.close();
  });

  it("updates matched rows when asked, still without duplicates", async () => {
    const store = await VariantStore.connect(path.join(tmp.dir, "db"));
    const changed = BASE.slice(0, 2).map((v) => ({ ...v, clinicalSignificance: "Conflicting" }));
    const r = await store.addBatch(axisRows(changed, "reannotated.vcf"), { onConflict: "update" });
    expect(r).toMatchObject({ inserted: 0, updated: 2, skipped: 0 });
    expect(await store.count()).toBe(10);
    expect(await store.getById("chr1-100-A-G", { includeVector: false })).toMatchObject({ clinicalSignificance: "Conflicting", source: "reannotated.vcf" });
    store.close();
  });

  it("refuses a batch of another width and writes nothing", async () => {
    const store = await VariantStore.connect(path.join(tmp.dir, "db"));
    const before = await store.stats();
    const wide = rowsOf([{ pos: 5000 }], axisVector(16, 0), 16);
    const e = await rejection(store.addBatch(wide));
    expect(e.code).toBe("STORE");
    expect(e.message).toContain('table "variants"');
    expect(e.message).toContain("8-d");
    expect(e.message).toContain("16-d");
    const after = await store.stats();
    expect(after.rows).toBe(before.rows);
    expect(after.version).toBe(before.version);
    expect(await store.getById("chr1-5000-A-G")).toBeUndefined();
    store.close();
  });

  it("refuses malformed batches with the column named", async () => {
    const store = await VariantStore.connect(path.join(tmp.dir, "db"));
    const good = axisRows([{ pos: 7000 }]);
    expect((await rejection(store.addBatch({ ...good, vectors: new Float32Array(3) }))).message).toMatch(/vectors holds 3 floats/);
    expect((await rejection(store.addBatch({ ...good, chrom: [] }))).message).toMatch(/column chrom has 0 values/);
    expect((await rejection(store.addBatch({ ...good, pos: [1.5] }))).message).toMatch(/pos of row 0 .* not a non-negative integer/);
    const nan = Float32Array.from(good.vectors);
    nan[3] = Number.NaN;
    expect((await rejection(store.addBatch({ ...good, vectors: nan }))).message).toMatch(/row 0 \(chr1-7000-A-G\) has a non-finite value at component 3/);
    expect(await store.count()).toBe(10);
    store.close();
  });
});

describe("VariantStore connect", () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("reads a metadata table that is listed but has no committed version as empty, and writes it", async () => {
    // What another process's first metadata write looks like mid-way (on S3 the table is listed
    // once its first files exist), or what a killed one leaves: files, no _versions manifest.
    const own = tempDir(); // not tmp: the test after this one lists tmp.dir
    const db = path.join(own.dir, "meta-uncommitted");
    mkdirSync(path.join(db, "variants__meta.lance", "data"), { recursive: true });
    const store = await VariantStore.connect(db);
    try {
      expect(await store.meta.get("pca")).toBeUndefined();
      expect(await store.meta.keys("")).toEqual([]);
      await store.meta.put("pca", Buffer.from("model"));
      expect(String(await store.meta.get("pca"))).toBe("model");
    } finally {
      store.close();
      own.cleanup();
    }
  });

  it("refuses a db path that is a regular file, and one below a file, writing nothing", async () => {
    const file = path.join(tmp.dir, "not-a-dir");
    writeFileSync(file, "keep me");
    for (const p of [file, path.join(file, "db")]) {
      const e = await rejection(VariantStore.connect(p));
      expect(e.code).toBe("STORE");
      expect(e.message).toContain(p);
      expect(e.message).toMatch(/not a directory/);
    }
    expect(readFileSync(file, "utf8")).toBe("keep me");
    expect(readdirSync(tmp.dir)).toEqual(["not-a-dir"]);
  });

  it("refuses a directory it cannot write", async (ctx) => {
    // root writes through mode bits, so the check cannot be exercised as root.
    if (process.getuid?.() === 0) ctx.skip();
    const locked = path.join(tmp.dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      for (const p of [locked, path.join(locked, "db")]) {
        const e = await rejection(VariantStore.connect(p));
        expect(e.code).toBe("STORE");
        expect(e.message).toContain(p);
        expect(e.message).toMatch(/not writable/);
      }
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o700);
    }
  });

  it("does not create anything until the first batch", async () => {
    const db = path.join(tmp.dir, "lazy");
    const store = await VariantStore.connect(db);
    expect((await store.stats()).exists).toBe(false);
    expect(await store.searchVector(axisVector(DIMS, 0))).toEqual([]);
    expect(existsSync(path.join(db, "variants.lance"))).toBe(false);
    store.close();
  });

  it("refuses a bad table name, and a table that is not a variant table", async () => {
    expect((await rejection(VariantStore.connect(tmp.dir, { table: "../x" }))).code).toBe("USAGE");
    const lancedb = await import("@lancedb/lancedb");
    const db = await lancedb.connect(path.join(tmp.dir, "other"));
    await db.createTable("variants", [{ a: 1 }]);
    const e = await rejection(VariantStore.connect(path.join(tmp.dir, "other")));
    expect(e.message).toMatch(/not a vcf-agent variant table: missing column\(s\) variant_id/);
  });
});

describe("VariantStore search and filters", () => {
  const tmp = tempDir();
  let store: VariantStore;
  // Values users might type that would break naive SQL; each must match exactly its own row.
  const TRICKY = [
    "O'Brien",
    "x' OR 1=1 --",
    "' OR '1'='1",
    "a;DROP TABLE variants;--",
    "SELECT",
    "NULL",
    "back\\slash",
    "back\\' OR 1=1 --",
    "50%_",
    'double"quote',
    "ünïcødé ✓ 遺伝子 🧬",
  ];
  beforeAll(async () => {
    store = await VariantStore.connect(path.join(tmp.dir, "db"));
    await store.addBatch(axisRows(BASE));
    const tricky = TRICKY.map((gene, i) => ({ chrom: "chr9", pos: 10 + i, gene, condition: `${gene} syndrome` }));
    await store.addBatch(axisRows(tricky));
  });
  afterAll(() => {
    store.close();
    tmp.cleanup();
  });

  it("returns the known nearest first, with cosine distances", async () => {
    // Between axis 2 and axis 3, closer to 2: BASE[2] first, then BASE[3].
    const q = new Float32Array(DIMS);
    q[2] = 0.8;
    q[3] = 0.6;
    const hits = await store.searchVector(q, { k: 2, filters: ["chrom=chr1"] });
    expect(hits.map((h) => h.variantId)).toEqual(["chr1-300-A-G", "chr1-400-A-G"]);
    expect(hits[0]?.distance).toBeCloseTo(0.2, 5);
    expect(hits[1]?.distance).toBeCloseTo(0.4, 5);
    expect(hits[0]).toMatchObject({ gene: "BRCA2", clinicalSignificance: "Pathogenic", condition: "Hereditary breast and ovarian cancer" });
    expect(hits[0]?.vector).toBeUndefined();
    const withVector = await store.searchVector(q, { k: 1, includeVector: true, exact: true });
    expect(withVector[0]?.vector?.length).toBe(DIMS);
  });

  it("applies each operator", async () => {
    const ids = async (filters: string[]) => (await store.searchVector(axisVector(DIMS, 0), { k: 100, filters })).map((h) => h.variantId).sort();
    expect(await ids(["gene=BRCA1"])).toEqual(["chr1-100-A-G", "chr1-200-A-G"]);
    expect(await ids(["chrom=chrX", "gene!=DMD"])).toEqual([]);
    expect(await ids(["chrom=chr2", "gene!=MSH2"])).toEqual(["chr2-3000000000-A-G"]); // missing gene counts as "not MSH2"
    expect(await ids(["pos>=3000000000"])).toEqual(["chr2-3000000000-A-G"]);
    expect(await ids(["pos>700", "pos<3000000000"])).toEqual(["chrX-800-A-G"]);
    expect(await ids(["pos<=100", "chrom!=chr9"])).toEqual(["chr1-100-A-G"]);
    expect(await ids(["af<0.001"])).toEqual(["chr1-300-A-G"]);
    expect(await ids(["af<=0.001"])).toEqual(["chr1-100-A-G", "chr1-300-A-G"]);
    expect(await ids(["qual>=30"])).toEqual(["chr1-100-A-G", "chr1-200-A-G"]);
    expect(await ids(["pos=150..400"])).toEqual(["chr1-200-A-G", "chr1-300-A-G", "chr1-400-A-G"]);
    expect(await ids(["af=0.005..0.05"])).toEqual(["chr2-600-A-G", "chrX-700-A-G", "chrX-800-A-G"]);
    expect(await ids(["clinical_significance in Pathogenic,Likely_pathogenic", "chrom!=chr1"])).toEqual(["chr2-600-A-G", "chrX-700-A-G"]);
    expect(await ids(["condition~breast"])).toEqual(["chr1-300-A-G"]); // case-sensitive
    expect(await ids(["consequence=missense_variant", "clinical_significance=Pathogenic"])).toEqual(["chr1-100-A-G"]);
    expect(await ids(["id=rs123"])).toEqual(["chrX-700-A-G"]);
    expect(await ids(["filter=q10"])).toEqual(["chr2-3000000000-A-G"]);
    expect(await ids(["variant_id=chr1-100-A-G"])).toEqual(["chr1-100-A-G"]);
    expect(await ids(["source=test.vcf", "chrom=chrX"])).toEqual(["chrX-700-A-G", "chrX-800-A-G"]);
    expect(await store.count(["ref=A", "alt=G"])).toBe(BASE.length + TRICKY.length);
    expect(await store.count(["alt=T"])).toBe(0);
  });

  it("matches quotes, SQL, backslashes and unicode literally", async () => {
    for (const [i, gene] of TRICKY.entries()) {
      const own = [`chr9-${10 + i}-A-G`];
      expect(await store.count([{ field: "gene", op: "=", value: gene }])).toBe(1);
      const hits = await store.searchVector(axisVector(DIMS, 1), { k: 50, filters: [`gene=${gene}`] });
      expect(hits.map((h) => h.variantId)).toEqual(own);
      expect(hits[0]?.gene).toBe(gene);
      const contains = await store.searchVector(axisVector(DIMS, 1), { k: 50, filters: [{ field: "condition", op: "contains", value: `${gene} syn` }] });
      expect(contains.map((h) => h.variantId)).toEqual(own);
      expect(await store.count([{ field: "gene", op: "in", value: [gene, "no-such-gene"] }])).toBe(1);
    }
    // The unfiltered table is untouched by any of the above.
    expect(await store.count()).toBe(BASE.length + TRICKY.length);
  });

  it("refuses a query vector of another width and bad options", async () => {
    expect((await rejection(store.searchVector(new Float32Array(3)))).message).toMatch(/stores 8-d vectors; the query vector has 3/);
    expect((await rejection(store.searchVector(axisVector(DIMS, 0), { k: 0 }))).code).toBe("USAGE");
    expect((await rejection(store.searchVector(axisVector(DIMS, 0), { filters: ["nope=1"] }))).code).toBe("USAGE");
  });
});

describe("VariantStore indexes and stats", () => {
  const tmp = tempDir();
  const N = 5000;
  const D = 64;
  const QUERIES = 20;
  // QUERIES extra vectors past the stored N are held-out queries.
  const vectors = clusteredVectors(N + QUERIES, D, 50, 7);
  const variants: TestVariant[] = Array.from({ length: N }, (_, i) => ({
    chrom: `chr${(i % 3) + 1}`,
    pos: 1000 + i,
    gene: `G${i % 40}`,
    clinicalSignificance: i % 5 === 0 ? "Pathogenic" : "Benign",
    af: (i % 100) / 1000,
  }));
  let store: VariantStore;
  beforeAll(async () => {
    store = await VariantStore.connect(path.join(tmp.dir, "db"));
    // Two batches, the way a pipeline writes.
    await store.addBatch(rowsOf(variants.slice(0, 2500), vectors.slice(0, 2500 * D), D));
    await store.addBatch(rowsOf(variants.slice(2500), vectors.slice(2500 * D, N * D), D));
  });
  afterAll(() => {
    store.close();
    tmp.cleanup();
  });

  it("reports stats before indexing, and the PCA model file when present", async () => {
    const s = await store.stats();
    expect(s).toMatchObject({ exists: true, rows: N, dims: D, table: "variants", indices: [], pcaModel: null });
    // At least the raw vectors are on disk.
    expect(s.bytesOnDisk).toBeGreaterThan(N * D * 4);
    // A real model file, as the ingest pipeline saves it next to the table.
    const samples = Float32Array.from({ length: 40 * 8 }, (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13);
    const model = fitPca(samples, { outputDimensions: 3, providerId: "local:vcf-hash-v1:1536", inputDimensions: 8 });
    const file = await saveModel(model, path.dirname(store.pcaModelPath as string), path.basename(store.pcaModelPath as string, ".pca"));
    expect(file).toBe(store.pcaModelPath);
    const withPca = await store.stats();
    expect(withPca.pcaModel).toMatchObject({ providerId: "local:vcf-hash-v1:1536", dims: 3, inputDimensions: 8, trainingSamples: 40, createdAt: model.createdAt });
    expect((withPca.pcaModel as { varianceRetained: number }).varianceRetained).toBeCloseTo(varianceRetained(model), 6);
    writeFileSync(store.pcaModelPath as string, "{ not json");
    expect((await store.stats()).pcaModel).toMatchObject({ error: expect.stringMatching(/not a PCA model file/) });
  });

  it("builds scalar and IVF_PQ indexes and searches through them", async () => {
    const scalar = await store.createScalarIndexes();
    expect(scalar).toContain("variant_id_idx");
    const progress: IndexProgress[] = [];
    const built = await store.createVectorIndex({ type: "ivf_pq", onProgress: (p) => progress.push(p) });
    expect(built).toMatchObject({ type: "ivf_pq", numPartitions: 19, numSubVectors: 8, rows: N });
    expect(progress.at(0)?.phase).toBe("building");
    expect(progress.at(-1)).toMatchObject({ phase: "done", rows: N });

    const s = await store.stats();
    const byName = new Map(s.indices.map((i) => [i.name, i]));
    expect(byName.get("vector_idx")).toMatchObject({ type: "IvfPq", columns: ["vector"], indexedRows: N, unindexedRows: 0, distanceType: "cosine" });
    expect(byName.get("variant_id_idx")).toMatchObject({ type: "BTree", indexedRows: N });
    expect(byName.get("clinical_significance_idx")?.type).toBe("Bitmap");
    const vectorBytes = byName.get("vector_idx")?.bytesOnDisk as number;
    expect(vectorBytes).toBeGreaterThan(0);
    // The index holds codes + row ids + centroids, far less than the 256-byte raw vectors.
    expect(vectorBytes / N).toBeLessThan(200);

    // Recall@10 of the ANN path against exact search, over held-out queries. Without
    // re-ranking the 8-byte PQ codes lose neighbours, which shows the index is in use.
    const recall = async (refineFactor?: number) => {
      let found = 0;
      for (let q = 0; q < QUERIES; q++) {
        const query = vectors.slice((N + q) * D, (N + q + 1) * D);
        const exact = new Set((await store.searchVector(query, { k: 10, exact: true })).map((h) => h.variantId));
        const ann = await store.searchVector(query, refineFactor === undefined ? { k: 10 } : { k: 10, refineFactor });
        found += ann.filter((h) => exact.has(h.variantId)).length;
      }
      return found / (QUERIES * 10);
    };
    const raw = await recall(0);
    const refined = await recall();
    expect(refined).toBeGreaterThanOrEqual(0.96);
    expect(raw).toBeLessThan(refined);

    // Filters still hold through the index.
    const filtered = await store.searchVector(vectors.slice(0, D), { k: 20, filters: ["clinical_significance=Pathogenic", "gene in G0,G5", "pos=1000..3000"] });
    expect(filtered.length).toBeGreaterThan(0);
    for (const h of filtered) {
      expect(h.clinicalSignificance).toBe("Pathogenic");
      expect(["G0", "G5"]).toContain(h.gene);
      expect(h.pos).toBeGreaterThanOrEqual(1000);
      expect(h.pos).toBeLessThanOrEqual(3000);
    }

    // Re-adding through the variant_id index stays idempotent.
    const again = await store.addBatch(rowsOf(variants.slice(0, 100), vectors.slice(0, 100 * D), D));
    expect(again).toMatchObject({ inserted: 0, skipped: 100 });
    expect(await store.count()).toBe(N);
  });

  it("builds IVF_RQ (the default) and HNSW_SQ indexes in place of IVF_PQ", async () => {
    for (const [type, lanceType] of [
      [undefined, "IvfRq"],
      ["hnsw_sq", "IvfHnswSq"],
    ] as const) {
      const built = await store.createVectorIndex({ ...(type === undefined ? {} : { type }), numPartitions: 8 });
      expect(built).toMatchObject({ type: type ?? "ivf_rq", numPartitions: 8, codeBytesPerVector: type === undefined ? D / 8 : D });
      const vectorIndexes = (await store.stats()).indices.filter((i) => i.columns.includes("vector"));
      expect(vectorIndexes).toMatchObject([{ type: lanceType, indexedRows: N, distanceType: "cosine" }]);
      // A stored vector finds itself first, at distance ~0.
      const hits = await store.searchVector(vectors.slice(123 * D, 124 * D), { k: 3 });
      expect(hits[0]?.variantId).toBe("chr1-1123-A-G");
      expect(hits[0]?.distance).toBeCloseTo(0, 5);
    }
  });

  it("refuses an ANN index on a table too small to train it", async () => {
    const small = await VariantStore.connect(path.join(tmp.dir, "small"));
    await small.addBatch(axisRows(BASE));
    expect((await rejection(small.createVectorIndex({ type: "ivf_pq" }))).message).toMatch(/has 8 rows; an IVF_PQ index needs at least 256/);
    expect((await rejection(small.createVectorIndex({ type: "ivf_pq", numSubVectors: 3 }))).code).toBe("USAGE");
    expect((await rejection(small.createVectorIndex({ numSubVectors: 4 }))).message).toMatch(/numSubVectors applies to ivf_pq only, not ivf_rq/);
    small.close();
  });
});
