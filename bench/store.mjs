// Variant store benchmark: write cost of plain append vs merge-insert (the idempotent
// path), re-ingest cost, IVF_PQ build time, index size, recall@10 and query latency.
// Usage: npm run build && node bench/store.mjs [--rows 20000] [--dims 768] [--batch 2000] [--queries 30]
//        [--data nested|flat] [--index ivf_pq,ivf_rq] [--nprobes 20,50] [--refine 0,5,10] [--partitions N] [--skip-writes]
// Vectors are synthetic unit vectors in seeded clusters (the shape of embeddings of many
// similar variants); the figures are about the store, not about any embedder.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as lancedb from "@lancedb/lancedb";
import { VariantStore, prepareBatch } from "../dist/store/index.js";
import { mulberry32 } from "../dist/util/random.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "20000" },
    dims: { type: "string", default: "768" },
    batch: { type: "string", default: "2000" },
    queries: { type: "string", default: "30" },
    clusters: { type: "string", default: "200" },
    data: { type: "string", default: "nested" },
    index: { type: "string", default: "ivf_pq,ivf_rq" },
    nprobes: { type: "string", default: "20" },
    refine: { type: "string", default: "0,5,10" },
    partitions: { type: "string" },
    "skip-writes": { type: "boolean", default: false },
  },
});
const N = Number(values.rows);
const D = Number(values.dims);
const B = Number(values.batch);
const Q = Number(values.queries);
const C = Number(values.clusters);
const list = (v) => v.split(",").map((x) => x.trim()).filter(Boolean);
const INDEXES = list(values.index);
const NPROBES = list(values.nprobes).map(Number);
const REFINES = list(values.refine).map(Number);
const PARTITIONS = values.partitions === undefined ? undefined : Number(values.partitions);
const WRITES = !values["skip-writes"];

// "nested": points = cluster + sub-cluster + sub-sub-cluster + noise at halving scales, so
// neighbourhoods exist at every scale (as when variants share gene, then consequence, then
// locus). "flat": one level of clusters with isotropic noise, where the ~N/clusters members
// of a cluster are all about equally far from each other: the hard case for any ANN index.
function clustered(n, dims, clusters, seed, shape) {
  const rnd = mulberry32(seed);
  const gauss = () => rnd() + rnd() + rnd() - 1.5;
  const levels = shape === "flat" ? [[clusters, 1]] : [[clusters, 1], [16, 0.5], [8, 0.25]];
  const noise = shape === "flat" ? 0.35 : 0.06;
  const centres = levels.map(([count, scale]) => Float32Array.from({ length: count * dims }, () => gauss() * scale));
  const out = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    const picks = levels.map(([count]) => Math.floor(rnd() * count));
    // Sub-cluster offsets depend on the parent, so the same sub-index differs between clusters.
    const shift = picks.map((p, l) => (l === 0 ? p : (p + picks[l - 1] * 7 + l * 13) % levels[l][0]));
    let s = 0;
    for (let j = 0; j < dims; j++) {
      let x = gauss() * noise;
      for (let l = 0; l < levels.length; l++) x += centres[l][shift[l] * dims + ((j + picks[0] * l) % dims)];
      out[r * dims + j] = x;
      s += x * x;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dims; j++) out[r * dims + j] *= inv;
  }
  return out;
}

const GENES = ["BRCA1", "BRCA2", "TP53", "MSH2", "DMD", "CFTR", "APC", "MLH1"];
const SIG = ["Pathogenic", "Likely_pathogenic", "Uncertain_significance", "Benign"];
function rows(start, n, vectors) {
  const pos = Float64Array.from({ length: n }, (_, i) => 1_000_000 + (start + i) * 7);
  const chrom = Array.from({ length: n }, (_, i) => `chr${((start + i) % 22) + 1}`);
  return {
    variantId: Array.from({ length: n }, (_, i) => `${chrom[i]}-${pos[i]}-A-G`),
    chrom,
    pos,
    ref: new Array(n).fill("A"),
    alt: new Array(n).fill("G"),
    id: new Array(n).fill(""),
    qual: Float64Array.from({ length: n }, (_, i) => (start + i) % 60),
    filter: new Array(n).fill("PASS"),
    gene: Array.from({ length: n }, (_, i) => GENES[(start + i) % GENES.length]),
    consequence: new Array(n).fill("missense_variant"),
    clinicalSignificance: Array.from({ length: n }, (_, i) => SIG[(start + i) % SIG.length]),
    condition: new Array(n).fill(null),
    af: Float64Array.from({ length: n }, (_, i) => ((start + i) % 1000) / 1e4),
    description: Array.from({ length: n }, (_, i) => `${GENES[(start + i) % GENES.length]} missense ${chrom[i]}:${pos[i]} A>G`),
    vectors: vectors.subarray(start * D, (start + n) * D),
    dims: D,
    source: "bench.vcf",
  };
}

const secs = (t0) => (performance.now() - t0) / 1000;
const fmt = (x, d = 3) => x.toFixed(d);
const root = mkdtempSync(path.join(tmpdir(), "vcf-agent-bench-store-"));
try {
  console.log(`store bench: rows=${N} dims=${D} batch=${B} queries=${Q} clusters=${C} data=${values.data}`);
  const t = performance.now();
  let t0;
  // Q extra vectors past the stored N are the queries: held out, as a free-text query would be.
  const vectors = clustered(N + Q, D, C, 42, values.data);
  console.log(`vectors generated: ${fmt(secs(t), 1)} s`);

  const store = await VariantStore.connect(path.join(root, "merge"));
  if (!WRITES) for (let s = 0; s < N; s += B) await store.addBatch(rows(s, Math.min(B, N - s), vectors));
  if (WRITES) {
  // A: plain append (what the first write to an empty table does).
  const db = await lancedb.connect(path.join(root, "append"));
  let table = null;
  t0 = performance.now();
  for (let s = 0; s < N; s += B) {
    const { table: arrow } = prepareBatch(rows(s, Math.min(B, N - s), vectors), "bench");
    if (table === null) table = await db.createTable("variants", arrow);
    else await table.add(arrow);
  }
  const append = secs(t0);
  console.log(`write append:            ${fmt(append)} s  ${fmt((N / append) / 1000, 1)} k rows/s`);

  // B: the store's path: create, then merge-insert keyed on variant_id (all ids new).
  t0 = performance.now();
  for (let s = 0; s < N; s += B) await store.addBatch(rows(s, Math.min(B, N - s), vectors));
  const merge = secs(t0);
  console.log(`write merge-insert (new): ${fmt(merge)} s  ${fmt((N / merge) / 1000, 1)} k rows/s  (${fmt(merge / append, 2)}× append)`);

  // C: re-ingest of the same rows (all skipped), without then with a variant_id BTREE.
  t0 = performance.now();
  let skipped = 0;
  for (let s = 0; s < N; s += B) skipped += (await store.addBatch(rows(s, Math.min(B, N - s), vectors))).skipped;
  const readd = secs(t0);
  console.log(`re-add (all skipped):    ${fmt(readd)} s  ${fmt((N / readd) / 1000, 1)} k rows/s  skipped=${skipped}  rows=${await store.count()}`);
  t0 = performance.now();
  await store.createScalarIndexes();
  console.log(`scalar indexes (6):      ${fmt(secs(t0))} s`);
  t0 = performance.now();
  for (let s = 0; s < N; s += B) await store.addBatch(rows(s, Math.min(B, N - s), vectors));
  const readdIdx = secs(t0);
  console.log(`re-add with btree:       ${fmt(readdIdx)} s  ${fmt((N / readdIdx) / 1000, 1)} k rows/s  rows=${await store.count()}`);
  t0 = performance.now();
  let upd = 0;
  for (let s = 0; s < N; s += B) upd += (await store.addBatch(rows(s, Math.min(B, N - s), vectors), { onConflict: "update" })).updated;
  const update = secs(t0);
  console.log(`re-add onConflict=update:${fmt(update)} s  ${fmt((N / update) / 1000, 1)} k rows/s  updated=${upd}`);
  }

  // Exact search baseline.
  const queryAt = (q) => vectors.slice((N + q) * D, (N + q + 1) * D);
  const truth = [];
  t0 = performance.now();
  for (let q = 0; q < Q; q++) truth.push(new Set((await store.searchVector(queryAt(q), { k: 10, exact: true })).map((h) => h.variantId)));
  console.log(`flat search:             ${fmt((secs(t0) / Q) * 1000, 1)} ms/query`);

  for (const type of INDEXES) {
    const built = await store.createVectorIndex({ type, ...(PARTITIONS === undefined ? {} : { numPartitions: PARTITIONS }) });
    const st = await store.stats();
    const idx = st.indices.find((i) => i.name === "vector_idx");
    console.log(
      `${type} build:           ${fmt(built.seconds, 1)} s  partitions=${built.numPartitions}${built.numSubVectors ? ` subvectors=${built.numSubVectors}` : ""}  ` +
        `code=${built.codeBytesPerVector} B/vector  index on disk=${idx.bytesOnDisk} B (${fmt(idx.bytesOnDisk / N, 1)} B/vector)`,
    );
    for (const nprobes of NPROBES) {
      for (const refineFactor of REFINES) {
        let found = 0;
        t0 = performance.now();
        for (let q = 0; q < Q; q++) {
          const hits = await store.searchVector(queryAt(q), { k: 10, refineFactor, nprobes });
          found += hits.filter((h) => truth[q].has(h.variantId)).length;
        }
        console.log(`  ${type} nprobes=${String(nprobes).padEnd(3)} refineFactor=${String(refineFactor).padEnd(2)}: recall@10=${fmt(found / (Q * 10))}  ${fmt((secs(t0) / Q) * 1000, 1)} ms/query`);
      }
    }
  }
  const st = await store.stats();
  console.log(`table on disk: ${st.bytesOnDisk} B (${fmt(st.bytesOnDisk / N, 0)} B/row), version ${st.version}`);
  store.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
