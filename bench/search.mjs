// Search benchmark on the 1M-variant table, through the real path (text → embedding → the
// table's PCA → VariantSearch): p50/p99 latency, CPU per query and recall@10 of top-10
// search, unfiltered and with a suite of filters of measured selectivity, as VariantSearch
// plans each query (scalar indexes, match counts per table version, exact search over few
// matches, probes scaled by selectivity) beside exact search with the same filter in the same run.
// Two query kinds: "text" (short texts as people type them, e.g. "pathogenic missense
// variant in BRCA1", built from stored annotations of rows that pass the filter) and
// "vector" (a stored variant's description moved to a nearby, unstored position: the
// "find what is like this one" use). Recall is counted as ann-benchmarks does: a hit is
// right when its exact distance is within the exact k-th distance + 1e-3 (dense
// neighbourhoods hold many near-ties). Exact neighbours come from one streaming brute-force
// pass over the stored vectors per filter (the SIMD kernel of src/reduce/knn.ts).
// With --index (or when the table has no ANN index: ivf_rq), each ANN index type listed is first built in a child process
// (bench/_index-build.mjs, its peak RSS and CPU its own) and measured unfiltered.
//
// Usage: npm run bench:search [-- --db DIR] [--n 1000000] [--queries 500] [--exact-queries 20]
//        [--filter 'gene=BRCA1&pos=43044295..43048295' ...] (repeatable, & joins a conjunction;
//        --filter '' measures unfiltered only) [--kinds text,vector]
//        [--index ivf_pq,ivf_rq] [--sample-rate 64,256] [--refine 20] [--nprobes N] [--k 10]
//        [--tier off] [--tier-probes 40] [--tier-candidates 256] [--planned off] (tier and truth only)
// Without --db the table is built first by the CLI from bench/data/gen<N>_seed7.vcf.gz (kept
// in <tmpdir>/vcf-agent-bench-search-<N> for later runs); ingest builds its ANN and scalar indexes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as lancedb from "@lancedb/lancedb";
import { resolveSessionConfig } from "../dist/config.js";
import { EXACT_MAX_MATCHES, VariantSearch } from "../dist/pipeline/search.js";
import { VariantStore } from "../dist/store/index.js";
import { TierKeeper } from "../dist/pipeline/search-tier.js";
import { compileFilters, parseFilter } from "../dist/store/filters.js";
import { exactKnn } from "../dist/reduce/knn.js";
import { mulberry32 } from "../dist/util/random.js";
import { cli, generatedVcf, root } from "./_proc.mjs";

/** Filters of about 0.1 %, 0.2 %, 1 %, 2 %, 8 %, 25 % and 32 % of the generated rows (the run prints what they match). */
const DEFAULT_FILTERS = [
  "gene=BRCA1&pos=43044295..43048295",
  "gene=BRCA1&clinical_significance=Pathogenic",
  "clinical_significance=drug_response",
  "gene=BRCA1",
  "clinical_significance=Pathogenic",
  "consequence=missense_variant",
  "af<0.01",
];

const { values } = parseArgs({
  options: {
    db: { type: "string" },
    n: { type: "string", default: "1000000" },
    queries: { type: "string", default: "500" },
    "exact-queries": { type: "string", default: "20" },
    filter: { type: "string", multiple: true },
    kinds: { type: "string", default: "text,vector" },
    index: { type: "string", default: "" },
    "sample-rate": { type: "string", default: "default" },
    refine: { type: "string" },
    nprobes: { type: "string" },
    k: { type: "string", default: "10" },
    tier: { type: "string", default: "on" },
    "tier-probes": { type: "string" },
    planned: { type: "string", default: "on" },
    "tier-candidates": { type: "string" },
  },
});
const N = Number(values.n);
const Q = Number(values.queries);
const QE = Number(values["exact-queries"]);
const K = Number(values.k);
const KINDS = values.kinds.split(",").map((s) => s.trim()).filter(Boolean);
for (const k of KINDS) if (k !== "text" && k !== "vector") throw new Error(`--kinds: ${JSON.stringify(k)} is not text or vector`);
const INDEXES = values.index.split(",").map((s) => s.trim()).filter(Boolean);
const RATES = values["sample-rate"].split(",").map((s) => s.trim()).filter(Boolean);
for (const r of RATES) if (r !== "default" && !(Number.isInteger(Number(r)) && Number(r) > 0)) throw new Error(`--sample-rate: ${JSON.stringify(r)} is not a positive integer or "default"`);
// Each --filter is one conjunction; parsing checks it as the CLI would.
const FILTER_SETS = [[], ...(values.filter ?? DEFAULT_FILTERS).filter((f) => f !== "").map((f) => f.split("&").map((x) => x.trim()))];
for (const set of FILTER_SETS) for (const f of set) parseFilter(f);
const annOptions = {
  ...(values.refine === undefined ? {} : { refineFactor: Number(values.refine) }),
  ...(values.nprobes === undefined ? {} : { nprobes: Number(values.nprobes) }),
};
const TARGET = { filteredP50: 10, filteredP99: 30, unfilteredP50: 5, recall: 0.95, cpuMs: 3 };

const fmt = (v) => (typeof v === "number" && !Number.isInteger(v) ? v.toFixed(Math.abs(v) < 10 ? 3 : 1) : v);
const line = (name, fields) => console.log(`${name.padEnd(16)} ${Object.entries(fields).map(([k, v]) => `${k}=${fmt(v)}`).join(" ")}`);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const label = (set) => (set.length === 0 ? "none" : set.join(" & "));

// 1. The table.
const db = values.db ?? path.join(tmpdir(), `vcf-agent-bench-search-${N}`);
console.log(`# node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}, load average ${loadavg().map((x) => x.toFixed(2)).join(" ")}; db=${db}`);
if (!existsSync(path.join(db, "variants.lance"))) {
  const data = generatedVcf(N, 7);
  const t0 = performance.now();
  const out = execFileSync(process.execPath, [cli, "ingest", data, "--db", db, "--quiet", "--format", "json"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const s = JSON.parse(out);
  line("search.setup", { ingested: data, seconds: (performance.now() - t0) / 1000, index: s.index?.type ?? "none", indexSeconds: s.index?.seconds ?? 0, scalarIndexSeconds: s.scalarIndexes?.seconds ?? 0 });
}
const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db } } });
let store = await VariantStore.connect(db);
let search = await VariantSearch.open(config, { store });
const rows = await store.count();
const dims = store.dims;
const conn = await lancedb.connect(db);
const table = await conn.openTable("variants");
const indexNames = async () => (await store.stats()).indices.map((i) => `${i.columns.join(",")}:${i.type}`).join(" ");
line("search.table", { rows, dims, indexes: await indexNames() });

// 2. Queries per filter set, seeded (the same on every run): a reservoir of the rows that pass
// the filter, half of them turned into short texts, half into moved descriptions.
const words = (s) => (s ?? "").replace(/_/g, " ").replace(/\/.*/, "").replace(/ variant$/, "").toLowerCase();
function textOf(r, i) {
  const where = r.gene ? `in ${r.gene}` : `on chromosome ${r.chrom}`;
  const sig = words(r.clinical_significance);
  const csq = words(r.consequence);
  const parts = [
    [sig, csq, "variant", where],
    [csq, "variant", where],
    [sig, "variant", where],
    [r.gene ?? `chr${r.chrom}`, csq, words(r.condition)],
  ][i % 4];
  return parts.filter((x) => x !== "").join(" ");
}
async function queriesFor(set, seed = 42) {
  const rand = mulberry32(seed);
  const sample = [];
  let seen = 0;
  let q = table.query().select(["description", "gene", "consequence", "clinical_significance", "condition", "chrom", "pos"]);
  const where = compileFilters(set);
  if (where) q = q.where(where);
  for await (const batch of q.execute()) {
    for (let i = 0; i < batch.numRows; i++) {
      seen++;
      const keep = sample.length < Q ? sample.length : Math.floor(rand() * seen);
      if (keep < Q) sample[keep] = batch.get(i).toJSON();
    }
  }
  const kinds = {};
  if (KINDS.includes("text")) kinds.text = sample.map(textOf);
  if (KINDS.includes("vector")) kinds.vector = sample.map((r) => r.description.replace(/position (\d+)/, (_, p) => `position ${Number(p) + 137}`));
  return { matching: seen, kinds };
}

// 3. Exact neighbours: [score, id] best first, every query of a filter set in one streaming pass.
async function groundTruth(set, qflat, nq) {
  const lists = Array.from({ length: nq }, () => []);
  const dot = (buf, row, q) => {
    let s = 0;
    for (let j = 0; j < dims; j++) s += buf[row * dims + j] * qflat[q * dims + j];
    return s;
  };
  let query = table.query().select(["variant_id", "vector"]);
  const where = compileFilters(set);
  if (where) query = query.where(where);
  for await (const batch of query.execute()) {
    const n = batch.numRows;
    if (n === 0) continue;
    const ids = batch.getChild("variant_id").toArray();
    const list = batch.getChild("vector").data[0];
    const child = list.children[0];
    const start = child.offset + list.offset * dims;
    const vals = child.values.subarray(start, start + n * dims);
    if (vals.length !== n * dims) throw new Error(`vector column: expected ${n * dims} floats, got ${vals.length}`);
    const k = Math.min(K, n);
    const top = exactKnn(vals, n, qflat, nq, dims, k);
    for (let q = 0; q < nq; q++) {
      const l = lists[q];
      for (let i = 0; i < k; i++) l.push([dot(vals, top[q * k + i], q), ids[top[q * k + i]]]);
      l.sort((a, b) => b[0] - a[0]);
      if (l.length > K) l.length = K;
    }
  }
  return lists;
}

/** Exact cosine similarity of each hit to its query, from the stored vectors (hits' distances may be approximate). */
async function exactScores(hitsPerQuery, qflat) {
  const ids = [...new Set(hitsPerQuery.flat().map((h) => h.variantId))];
  const vec = new Map();
  for (let i = 0; i < ids.length; i += 500) {
    const list = ids.slice(i, i + 500).map((id) => `'${id.replace(/'/g, "''")}'`).join(",");
    for await (const batch of table.query().where(`variant_id IN (${list})`).select(["variant_id", "vector"]).execute()) {
      for (let r = 0; r < batch.numRows; r++) vec.set(batch.getChild("variant_id").get(r), batch.getChild("vector").get(r).toArray());
    }
  }
  return hitsPerQuery.map((hits, q) =>
    hits.map((h) => {
      const v = vec.get(h.variantId);
      let s = 0;
      for (let j = 0; j < dims; j++) s += v[j] * qflat[q * dims + j];
      return s;
    }),
  );
}

/** recall@K as ann-benchmarks counts it: a hit is right when its exact distance ≤ the exact K-th distance + 1e-3. */
function recall(scoresPerQuery, lists) {
  let found = 0;
  let wanted = 0;
  scoresPerQuery.forEach((scores, q) => {
    const exact = lists[q];
    const kthDistance = exact.length > 0 ? 1 - exact[exact.length - 1][0] : Infinity;
    wanted += exact.length;
    for (const s of scores.slice(0, exact.length)) if (1 - s <= kthDistance + 1e-3) found++;
  });
  return wanted === 0 ? 1 : found / wanted;
}

/** Waits until the process is idle (< 5 % of one core over 250 ms, at most 10 s); returns the wait in ms. */
async function settle() {
  const t0 = performance.now();
  for (;;) {
    const c0 = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const c = process.cpuUsage(c0);
    if ((c.user + c.system) / 1000 < 0.05 * 250 || performance.now() - t0 > 10_000) return performance.now() - t0;
  }
}

/** Runs the queries one at a time; wall time per query, CPU of the whole process (LanceDB's threads too) per query. */
async function timed(texts, options) {
  const lat = [];
  const hits = [];
  await search.text(texts[0], { k: K, ...options }); // warm: the plan's counts, index pages
  // Settle: the collector and LanceDB's threads finish what the previous step (the scan that drew
  // these queries, the exact truth) left them, instead of billing it to these queries. Waits until
  // the process used under 5 % of a core over 250 ms (at most 10 s); how long is reported.
  const quiet = await settle();
  const cpu0 = process.cpuUsage();
  for (const t of texts) {
    const t0 = performance.now();
    hits.push(await search.text(t, { k: K, ...options }));
    lat.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpu0);
  return { lat, hits, cpuMs: (cpu.user + cpu.system) / 1000 / texts.length, settledMs: quiet };
}

const results = [];
async function measure(name, set, kind, texts, qflat, lists, options, extra = {}) {
  const r = await timed(texts, options);
  const rec = recall(await exactScores(r.hits, qflat), lists.slice(0, texts.length));
  const row = { name, filter: label(set), kind, queries: texts.length, p50Ms: pct(r.lat, 50), p99Ms: pct(r.lat, 99), cpuMsPerQuery: r.cpuMs, recallAt10: rec, ...extra };
  results.push(row);
  line(`search.${name}`, { filter: JSON.stringify(row.filter), kind, queries: row.queries, p50Ms: row.p50Ms, p99Ms: row.p99Ms, cpuMs: row.cpuMsPerQuery, recall: rec, settledMs: Math.round(r.settledMs), ...extra });
  return row;
}

// 4. Optionally, each ANN index type: built in a child process, then measured unfiltered.
const typeName = { ivf_pq: "IvfPq", ivf_rq: "IvfRq", hnsw_sq: "IvfHnswSq" };
function buildIndex(type, rate) {
  const out = execFileSync(process.execPath, [path.join(root, "bench", "_index-build.mjs"), db, type, rate], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  return JSON.parse(out.trim().split("\n").pop());
}
async function reopen() {
  // A build committed a new table version from another process: open it afresh.
  search.close();
  store.close();
  store = await VariantStore.connect(db);
  search = await VariantSearch.open(config, { store });
}
const unfiltered = await queriesFor([]);
const prepared = new Map();
/**
 * Exact neighbours of the queries, kept in <tmpdir> per table version, filter and query set
 * (a later run on the same table skips the brute-force passes).
 */
async function cachedTruth(set, kind, texts, qflat) {
  const id = createHash("sha256").update(JSON.stringify([db, await store.version(), rows, set, kind, K, texts])).digest("hex").slice(0, 16);
  const file = path.join(tmpdir(), `vcf-agent-bench-search-truth-${id}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
  const lists = await groundTruth(set, qflat, texts.length);
  writeFileSync(file, JSON.stringify(lists));
  return lists;
}

async function prepare(set, q) {
  const key = label(set);
  if (!prepared.has(key)) {
    const t0 = performance.now();
    const out = {};
    for (const [kind, texts] of Object.entries(q.kinds)) {
      const qv = await search.service.embedQueries(texts);
      const qflat = new Float32Array(qv.length * dims);
      qv.forEach((v, i) => qflat.set(v, i * dims));
      out[kind] = { texts, qflat, lists: await cachedTruth(set, kind, texts, qflat) };
    }
    prepared.set(key, out);
    line("search.truth", { filter: JSON.stringify(key), matching: q.matching, selectivityPct: (100 * q.matching) / rows, examples: JSON.stringify((q.kinds.text ?? q.kinds.vector).slice(0, 2)), seconds: (performance.now() - t0) / 1000 });
  }
  return prepared.get(key);
}
// A table without an ANN index (the standard level builds none) gets the default one first.
const toBuild = INDEXES.length > 0 ? INDEXES : (await store.stats()).indices.some((i) => i.columns.includes("vector")) ? [] : ["ivf_rq"];
for (const type of toBuild) {
  for (const rate of RATES) {
    const b = buildIndex(type, rate);
    line(`search.build.${type}`, { sampleRate: b.sampleRate, partitions: b.numPartitions, seconds: b.seconds, cpuSeconds: b.cpuSeconds, peakRssMb: b.peakRssMb, rssBeforeMb: b.rssBeforeMb, load: loadavg()[0] });
    await reopen();
    const idx = (await store.stats()).indices.find((i) => i.columns.includes("vector"));
    const bytesPerVector = idx && idx.bytesOnDisk !== "unknown" ? idx.bytesOnDisk / rows : NaN;
    const p = await prepare([], unfiltered);
    for (const [kind, { texts, qflat, lists }] of Object.entries(p)) {
      await measure(`${type}/s${b.sampleRate}`, [], kind, texts, qflat, lists, annOptions, { partitions: b.numPartitions, bytesPerVector, buildSeconds: b.seconds, buildCpuSeconds: b.cpuSeconds, buildPeakRssMb: b.peakRssMb });
    }
  }
}

// 5. The in-memory search tier (what `serve` and `mcp` keep), built for the table's current version.
let keeper = null;
if (values.tier !== "off") {
  keeper = new TierKeeper(config, {
    ...(values["tier-probes"] === undefined ? {} : { probes: Number(values["tier-probes"]) }),
    ...(values["tier-candidates"] === undefined ? {} : { candidates: Number(values["tier-candidates"]) }),
  });
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  keeper.forVersion(await store.version());
  await keeper.settled();
  const st = keeper.status();
  if (st.summary === null) throw new Error(`search tier: ${st.state} ${st.error ?? ""}`);
  const s = st.summary;
  line("search.tier", { rows: s.rows, partitions: s.partitions, codeBits: s.codeBits, bytesPerVector: s.bytesPerVector, memoryMb: s.memoryBytes / 2 ** 20, diskMb: s.diskBytes / 2 ** 20, buildSeconds: (performance.now() - t0) / 1000, rssBeforeMb: rss0 / 2 ** 20, rssAfterMb: process.memoryUsage().rss / 2 ** 20 });
  // The first queries after a build pay for its aftermath (the collector freeing the build's
  // garbage on the other core, code not yet optimized): measured here on unfiltered text queries
  // from other rows than the measured ones (seeds 7–9, new texts each round), so the rows below
  // are the steady state.
  search.tier = keeper;
  for (let round = 1; round <= 3; round++) {
    const warm = (await queriesFor([], 6 + round)).kinds.text;
    const r = await timed(warm, {});
    line("search.tier.warmup", { round, queries: warm.length, p50Ms: pct(r.lat, 50), p99Ms: pct(r.lat, 99), cpuMs: r.cpuMs });
  }
  search.tier = null;
}

// 6. Every filter set: the tier, LanceDB as planned, and exact, side by side.
const hasAnn = (await store.stats()).indices.some((i) => i.columns.includes("vector"));
for (const set of FILTER_SETS) {
  const q = set.length === 0 ? unfiltered : await queriesFor(set);
  if (q.matching === 0) {
    line("search.skip", { filter: JSON.stringify(label(set)), matching: 0 });
    continue;
  }
  const p = await prepare(set, q);
  const filters = set.length === 0 ? {} : { filters: set };
  const plan = await search.plan({ ...annOptions, ...filters });
  const planned = plan.exact ? "exact" : `nprobes=${plan.nprobes ?? "default"}`;
  for (const [kind, { texts, qflat, lists }] of Object.entries(p)) {
    const extra = { matching: q.matching, selectivityPct: (100 * q.matching) / rows };
    if (keeper !== null) {
      search.tier = keeper;
      await measure("tier", set, kind, texts, qflat, lists, filters, { ...extra, plan: "tier" });
      search.tier = null;
    }
    if (values.planned === "off") continue;
    await measure("planned", set, kind, texts, qflat, lists, { ...annOptions, ...filters }, { ...extra, plan: hasAnn ? planned : "exact (no ANN index)" });
    if (QE > 0) await measure("exact", set, kind, texts.slice(0, QE), qflat, lists, { exact: true, ...filters }, extra);
    if (plan.exact && hasAnn) {
      // What the index would have cost instead: the probes the planner uses above EXACT_MAX_MATCHES.
      search.exactMaxMatches = 0;
      const ann = await search.plan({ ...annOptions, ...filters });
      await measure("ann", set, kind, texts, qflat, lists, { ...annOptions, ...filters }, { ...extra, plan: `nprobes=${ann.nprobes}` });
      search.exactMaxMatches = EXACT_MAX_MATCHES;
    }
  }
}

console.log(`\n| search (${rows} rows × ${dims} d, top ${K}) | filter | matching | queries | plan | p50 ms | p99 ms | CPU ms/query | recall@${K} |`);
console.log("|---|---|---|---|---|---|---|---|---|");
const f = (x, d = 1) => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d));
for (const r of results) {
  const m = r.matching === undefined ? "" : `${r.matching} (${f(r.selectivityPct, 2)} %)`;
  console.log(`| ${r.name} ${r.kind} | ${r.filter} | ${m} | ${r.queries} | ${r.plan ?? (r.name === "exact" ? "exact" : "")} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.cpuMsPerQuery)} | ${f(r.recallAt10, 3)} |`);
}
const judged = keeper !== null ? "tier" : "planned";
const misses = results
  .filter((r) => r.name === judged)
  .flatMap((r) => {
    const p50 = r.filter === "none" ? TARGET.unfilteredP50 : TARGET.filteredP50;
    const out = [];
    if (r.p50Ms > p50) out.push(`p50 ${f(r.p50Ms)} > ${p50}`);
    if (r.filter !== "none" && r.p99Ms > TARGET.filteredP99) out.push(`p99 ${f(r.p99Ms)} > ${TARGET.filteredP99}`);
    if (r.recallAt10 < TARGET.recall) out.push(`recall ${f(r.recallAt10, 3)} < ${TARGET.recall}`);
    if (r.cpuMsPerQuery > TARGET.cpuMs) out.push(`CPU ${f(r.cpuMsPerQuery)} ms > ${TARGET.cpuMs}`);
    return out.length === 0 ? [] : [`${r.kind} ${r.filter}: ${out.join(", ")}`];
  });
console.log(
  `\ntargets (${judged}): filtered p50 ≤ ${TARGET.filteredP50} ms, p99 ≤ ${TARGET.filteredP99} ms; unfiltered p50 ≤ ${TARGET.unfilteredP50} ms; recall@10 ≥ ${TARGET.recall}; CPU ≤ ${TARGET.cpuMs} ms/query; exact below ${EXACT_MAX_MATCHES} matches.\n` +
    (misses.length === 0 ? "all met" : `missed:\n  ${misses.join("\n  ")}`),
);
await keeper?.close();
search.close();
table.close();
conn.close();
