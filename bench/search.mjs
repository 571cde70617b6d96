// Search benchmark on the 1M-variant table: p50/p99 latency of top-10 text search (the
// query is embedded and projected with the table's PCA model, then searched) with and
// without a filter, exact (flat) vs each ANN index (IVF_PQ, IVF_RQ), recall@10 of each
// index against exact neighbours over ≥ 200 queries, the index's bytes per vector and its
// build time. Exact neighbours for recall come from one streaming brute-force pass over the
// stored vectors (the SIMD kernel of src/reduce/knn.ts), all queries at once. Each index is
// built in a child process (bench/_index-build.mjs) so the build's peak RSS and CPU seconds
// are its own; --sample-rate builds each type once per k-means training sample per partition.
//
// Usage: npm run bench:search [-- --db DIR] [--n 1000000] [--queries 200] [--exact-queries 20]
//        [--index ivf_pq,ivf_rq] [--sample-rate 64,256] [--refine 20] [--nprobes N]
//        [--filter clinical_significance=Pathogenic] (--filter '' skips the filtered searches)
//        [--reuse] (keep an existing index of the last type listed instead of rebuilding it)
// Without --db the table is built first by the CLI from bench/data/gen<N>_seed7.vcf.gz (kept
// in <tmpdir>/vcf-agent-bench-search-<N> for later runs).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as lancedb from "@lancedb/lancedb";
import { resolveSessionConfig } from "../dist/config.js";
import { VariantSearch } from "../dist/pipeline/search.js";
import { VariantStore } from "../dist/store/index.js";
import { compileFilters } from "../dist/store/filters.js";
import { exactKnn } from "../dist/reduce/knn.js";
import { mulberry32 } from "../dist/util/random.js";
import { cli, generatedVcf, root } from "./_proc.mjs";

const { values } = parseArgs({
  options: {
    db: { type: "string" },
    n: { type: "string", default: "1000000" },
    queries: { type: "string", default: "200" },
    "exact-queries": { type: "string", default: "20" },
    index: { type: "string", default: "ivf_pq,ivf_rq" },
    "sample-rate": { type: "string", default: "default" },
    filter: { type: "string", default: "clinical_significance=Pathogenic" },
    refine: { type: "string" },
    nprobes: { type: "string" },
    k: { type: "string", default: "10" },
    reuse: { type: "boolean", default: false },
  },
});
const N = Number(values.n);
const Q = Number(values.queries);
const QE = Number(values["exact-queries"]);
const K = Number(values.k);
const INDEXES = values.index.split(",").map((s) => s.trim()).filter(Boolean);
const RATES = values["sample-rate"].split(",").map((s) => s.trim()).filter(Boolean);
for (const r of RATES) if (r !== "default" && !(Number.isInteger(Number(r)) && Number(r) > 0)) throw new Error(`--sample-rate: ${JSON.stringify(r)} is not a positive integer or "default"`);
const FILTER = values.filter;
const annOptions = {
  ...(values.refine === undefined ? {} : { refineFactor: Number(values.refine) }),
  ...(values.nprobes === undefined ? {} : { nprobes: Number(values.nprobes) }),
};
const TARGET = { recall: 0.96, bytesPerVector: 200 };

const line = (name, fields) =>
  console.log(`${name.padEnd(16)} ${Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(v < 10 ? 3 : 1) : v}`).join(" ")}`);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

// 1. The table.
const db = values.db ?? path.join(tmpdir(), `vcf-agent-bench-search-${N}`);
console.log(`# node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; db=${db}`);
if (!existsSync(path.join(db, "variants.lance"))) {
  const data = generatedVcf(N, 7);
  const t0 = performance.now();
  execFileSync(process.execPath, [cli, "ingest", data, "--db", db, "--quiet"], { stdio: ["ignore", "ignore", "inherit"] });
  line("search.setup", { ingested: data, seconds: (performance.now() - t0) / 1000 });
}
const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db } } });
let store = await VariantStore.connect(db);
let search = await VariantSearch.open(config, { store });
const rows = await store.count();
const dims = store.dims;
const conn = await lancedb.connect(db);
const table = await conn.openTable("variants");

// 2. Queries: half are stored variants' descriptions moved to a nearby, unstored position
// (the "find what is like this variant" use); half are free text built from stored annotations.
const rand = mulberry32(42); // seeded: the query set is the same on every run
const sample = [];
let seen = 0;
for await (const batch of table.query().select(["description", "gene", "consequence", "clinical_significance", "chrom", "pos"]).execute()) {
  for (let i = 0; i < batch.numRows; i++) {
    seen++;
    const keep = sample.length < Q ? sample.length : Math.floor(rand() * seen);
    if (keep < Q) sample[keep] = batch.get(i).toJSON();
  }
}
const words = (s) => (s ?? "").replace(/_/g, " ");
const texts = sample.map((r, i) => {
  if (i % 2 === 0) return r.description.replace(/position (\d+)/, (_, p) => `position ${Number(p) + 137}`);
  const parts = [words(r.clinical_significance), words(r.consequence), "variant", r.gene ? `in ${r.gene}` : `on chromosome ${r.chrom}`];
  return parts.filter(Boolean).join(" ");
});
line("search.queries", { rows, dims, queries: texts.length, examples: JSON.stringify(texts.slice(0, 2)) });
const qv = await search.service.embedQueries(texts);
const qflat = new Float32Array(qv.length * dims);
qv.forEach((v, i) => qflat.set(v, i * dims));

// 3. Exact neighbours (ids and scores), all rows and filtered rows, in one streaming pass.
const predicate = FILTER ? compileFilters([FILTER]) : undefined;
const t0 = performance.now();
const truth = { all: qv.map(() => []), filtered: qv.map(() => []) };
const merge = (list, score, id) => {
  list.push([score, id]);
  list.sort((a, b) => b[0] - a[0]);
  if (list.length > K) list.length = K;
};
const dot = (buf, row, q) => {
  let s = 0;
  for (let j = 0; j < dims; j++) s += buf[row * dims + j] * qflat[q * dims + j];
  return s;
};
async function groundTruth(where, lists) {
  let query = table.query().select(["variant_id", "vector"]);
  if (where) query = query.where(where);
  for await (const batch of query.execute()) {
    const n = batch.numRows;
    if (n === 0) continue;
    const ids = batch.getChild("variant_id").toArray();
    const list = batch.getChild("vector").data[0];
    const child = list.children[0];
    const start = child.offset + list.offset * dims;
    const values = child.values.subarray(start, start + n * dims);
    if (values.length !== n * dims) throw new Error(`vector column: expected ${n * dims} floats, got ${values.length}`);
    const top = exactKnn(values, n, qflat, qv.length, dims, Math.min(K, n));
    const k = Math.min(K, n);
    for (let q = 0; q < qv.length; q++) for (let i = 0; i < k; i++) merge(lists[q], dot(values, top[q * k + i], q), ids[top[q * k + i]]);
  }
}
await groundTruth(undefined, truth.all);
if (predicate) await groundTruth(predicate, truth.filtered);
line("search.truth", { queries: qv.length, filter: FILTER || "none", filteredRows: FILTER ? await store.count([FILTER]) : "-", seconds: (performance.now() - t0) / 1000 });

/** recall@K: a hit counts when it is among the exact K or ties the exact K-th score (1e-6). */
function recall(hitsPerQuery, lists) {
  let found = 0;
  let wanted = 0;
  hitsPerQuery.forEach((hits, q) => {
    const exact = lists[q];
    const ids = new Set(exact.map((e) => e[1]));
    const kth = exact.length > 0 ? exact[exact.length - 1][0] : -Infinity;
    wanted += exact.length;
    for (const h of hits.slice(0, exact.length)) if (ids.has(h.variantId) || 1 - h.distance >= kth - 1e-6) found++;
  });
  return wanted === 0 ? 1 : found / wanted;
}

async function timed(label, n, options) {
  const lat = [];
  const hits = [];
  for (let q = 0; q < n; q++) {
    const t = performance.now();
    hits.push(await search.text(texts[q], { k: K, ...options }));
    lat.push(performance.now() - t);
  }
  return { label, lat, hits };
}

const results = [];
function report(name, r, lists, extra = {}) {
  const rec = recall(r.hits, lists.slice(0, r.hits.length));
  const row = { name, queries: r.lat.length, p50Ms: pct(r.lat, 50), p99Ms: pct(r.lat, 99), recallAt10: rec, ...extra };
  results.push(row);
  line(`search.${name}`, row);
}

// 4. Exact (flat) search, fewer queries: each one reads every stored vector.
const indexed = (await store.stats()).indices.filter((i) => i.columns.includes("vector"));
if (QE > 0) {
  report("exact", await timed("exact", Math.min(QE, Q), { exact: true }), truth.all);
  if (FILTER) report("exact+filter", await timed("exact", Math.min(QE, Q), { exact: true, filters: [FILTER] }), truth.filtered);
}

// 5. Each ANN index: build (in a child process), size, latency and recall over all queries.
const typeName = { ivf_pq: "IvfPq", ivf_rq: "IvfRq", hnsw_sq: "IvfHnswSq" };
function buildIndex(type, rate) {
  const out = execFileSync(process.execPath, [path.join(root, "bench", "_index-build.mjs"), db, type, rate], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop());
}
for (const type of INDEXES) {
  for (const rate of RATES) {
    const current = (await store.stats()).indices.find((i) => i.columns.includes("vector"));
    const reuse = values.reuse && RATES.length === 1 && current?.type === typeName[type];
    const b = reuse ? { seconds: NaN, numPartitions: "?", sampleRate: "?" } : buildIndex(type, rate);
    if (!reuse) {
      line(`search.build.${type}`, { sampleRate: b.sampleRate, partitions: b.numPartitions, seconds: b.seconds, cpuSeconds: b.cpuSeconds, peakRssMb: b.peakRssMb, rssBeforeMb: b.rssBeforeMb, load: loadavg()[0] });
      // The build committed a new table version from another process: open it afresh.
      search.close();
      store.close();
      store = await VariantStore.connect(db);
      search = await VariantSearch.open(config, { store });
    }
    const idx = (await store.stats()).indices.find((i) => i.columns.includes("vector"));
    const bytesPerVector = idx && idx.bytesOnDisk !== "unknown" ? idx.bytesOnDisk / rows : NaN;
    const shape = {
      buildSeconds: b.seconds,
      buildCpuSeconds: b.cpuSeconds ?? NaN,
      buildPeakRssMb: b.peakRssMb ?? NaN,
      partitions: b.numPartitions,
      sampleRate: b.sampleRate,
      ...(b.numSubVectors ? { subVectors: b.numSubVectors } : {}),
      bytesPerVector,
    };
    const name = RATES.length > 1 ? `${type}/s${b.sampleRate}` : type;
    report(name, await timed(type, Q, annOptions), truth.all, shape);
    if (!FILTER) continue;
    // A filter with LanceDB's fixed 20 probes, then as VariantSearch plans it (probes scaled by 1/selectivity).
    report(`${name}+filter/nprobes20`, await timed(type, Q, { nprobes: 20, ...annOptions, filters: [FILTER] }), truth.filtered, shape);
    const planned = await search.plan({ ...annOptions, filters: [FILTER] });
    report(`${name}+filter/planned`, await timed(type, Q, { ...annOptions, filters: [FILTER] }), truth.filtered, { ...shape, nprobes: planned.nprobes ?? "default" });
  }
}
if (indexed.length > 0) console.log(`(the table had a vector index before this run: ${indexed.map((i) => i.type).join(", ")}; it was replaced)`);

console.log(`\n| search (${rows} rows × ${dims} d, top ${K}) | queries | p50 ms | p99 ms | recall@${K} | index B/vector | build s | build CPU s | build peak RSS MB |`);
console.log("|---|---|---|---|---|---|---|---|---|");
for (const r of results) {
  const f = (x, d = 1) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d));
  console.log(`| ${r.name} | ${r.queries} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.recallAt10, 3)} | ${f(r.bytesPerVector)} | ${f(r.buildSeconds)} | ${f(r.buildCpuSeconds)} | ${f(r.buildPeakRssMb, 0)} |`);
}
const ok = results.filter((r) => !r.name.includes("+") && r.buildSeconds !== undefined && r.recallAt10 >= TARGET.recall && r.bytesPerVector <= TARGET.bytesPerVector);
const best = ok.sort((a, b) => a.p50Ms - b.p50Ms)[0];
console.log(
  `\ntargets: recall@10 ≥ ${TARGET.recall}, ≤ ${TARGET.bytesPerVector} B/vector. ` +
    (best ? `meeting both, lowest p50: ${best.name} (${best.p50Ms.toFixed(1)} ms, recall ${best.recallAt10.toFixed(3)}, ${best.bytesPerVector.toFixed(0)} B/vector)` : "no index met both"),
);
search.close();
table.close();
conn.close();
