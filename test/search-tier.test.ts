// The in-memory search tier against LanceDB's exact search on a generated table: the same
// hits (recall), exact distances, records identical to the stored rows, filters with the
// meaning of their SQL; and never stale: an append by another process, a re-ingest and a
// delete are all seen by the next query. Also its kernel (WebAssembly = plain JS), and its
// figures in /v1/stats and /metrics.
import { closeSync, openSync, readdirSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveSessionConfig, SessionConfig } from "../src/config.js";
import { VariantSearch } from "../src/pipeline/search.js";
import { TierKeeper } from "../src/pipeline/search-tier.js";
import { createScanner, popcount, queryTables } from "../src/reduce/bit-scan.js";
import { errorPerFactor, prepareQuery, Rotation, signedSum } from "../src/store/tier/_codes.js";
import { TIER_EPSILON } from "../src/store/tier/index.js";
import { rerank } from "../src/store/tier/_rerank.js";
import { localDotKernel } from "../src/reduce/dot-kernel.js";
import { buildServer } from "../src/server/app.js";
import { mulberry32 } from "../src/util/random.js";
import { generateVcf, ingestJson, tempDir } from "./_pipeline-helpers.js";

const dir = tempDir("search-tier");
const db = path.join(dir, "db");
let search: VariantSearch;
let keeper: TierKeeper;

beforeAll(async () => {
  const file = generateVcf(dir, 7000, 11);
  ingestJson([file, "--db", db, "--level", "standard"]);
  const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db, readConsistencySeconds: 0 } } });
  keeper = new TierKeeper(config);
  search = await VariantSearch.open(config, { tier: keeper });
  keeper.forVersion(await search.store.version());
  await keeper.settled();
}, 300_000);

afterAll(async () => {
  await keeper?.close();
  search?.close();
  rmSync(dir, { recursive: true, force: true });
});

const TEXTS = ["pathogenic missense variant in BRCA1", "benign synonymous variant in TTN", "frameshift variant in CFTR", "likely pathogenic variant on chromosome 17", "stop gained variant in MSH2"];
const FILTER_SETS: string[][] = [
  [],
  ["gene=BRCA1"],
  ["clinical_significance=Pathogenic"],
  ["consequence=missense_variant"],
  ["af<0.01"],
  ["gene=BRCA1", "clinical_significance=Pathogenic"],
  ["chrom!=17", "af>=0.001"],
  ["gene in BRCA1,BRCA2,TP53"],
  ["condition~cancer"],
  ["pos=40000000..50000000", "chrom=17"],
];

/** Hits of exact search, and of the tier, for every text. */
async function both(filters: string[]): Promise<{ exact: Awaited<ReturnType<VariantSearch["text"]>>[]; tier: Awaited<ReturnType<VariantSearch["text"]>>[] }> {
  const exact = [];
  const tier = [];
  for (const t of TEXTS) {
    exact.push(await search.text(t, { k: 10, filters, exact: true }));
    tier.push(await search.text(t, { k: 10, filters }));
  }
  return { exact, tier };
}

describe("search tier", () => {
  it("is built for the table's version, at about 190 bytes a vector", () => {
    const s = keeper.status();
    expect(s.state).toBe("ready");
    expect(s.summary?.rows).toBeGreaterThan(6000);
    expect(s.summary?.partitions).toBeGreaterThan(1);
    // 128-byte codes, factor, popcount, filter columns and value lists, record offsets and
    // scratch: ~192 a row; on 7k rows the fixed part (kernel and scratch buffers, centroids,
    // dictionaries) adds ~40. bench:search reports the 1M figure.
    expect(s.summary?.bytesPerVector).toBeGreaterThan(150);
    expect(s.summary?.bytesPerVector).toBeLessThan(250);
    // Its vector and record files are unlinked once open: nothing is left in the temp dir.
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith("vcf-agent-tier-"))).toEqual([]);
  });

  it.each(FILTER_SETS.map((f) => [f.join(" & ") || "unfiltered", f] as const))("%s: the exact search's hits (ann-benchmarks recall ≥ 0.95), exact distances, only rows that pass", async (_label, filters) => {
    const before = keeper.status().queries.tier;
    const { exact, tier } = await both(filters);
    expect(keeper.status().queries.tier).toBe(before + TEXTS.length);
    const passing = new Set<string>();
    await search.store.forEachId((id) => passing.add(id), filters);
    let found = 0;
    let wanted = 0;
    exact.forEach((ex, q) => {
      const got = tier[q]!;
      expect(got.length).toBe(ex.length);
      const kth = ex.length === 0 ? 0 : ex[ex.length - 1]!.distance;
      wanted += ex.length;
      for (const h of got) {
        expect(passing.has(h.variantId)).toBe(true);
        if (h.distance <= kth + 1e-3) found++;
      }
      // Nearest first, by the exact distance the table gives for the same row.
      for (let i = 1; i < got.length; i++) expect(got[i]!.distance).toBeGreaterThanOrEqual(got[i - 1]!.distance);
      const exactById = new Map(ex.map((h) => [h.variantId, h.distance]));
      for (const h of got) if (exactById.has(h.variantId)) expect(h.distance).toBeCloseTo(exactById.get(h.variantId)!, 5);
    });
    expect(found / Math.max(1, wanted)).toBeGreaterThanOrEqual(0.95);
  });

  it("returns each hit's stored record, field for field", async () => {
    const hits = await search.text("pathogenic missense variant in BRCA1", { k: 5 });
    for (const h of hits) {
      const { distance: _d, provenance: _p, ...record } = h;
      expect(record).toEqual(await search.store.getById(h.variantId, { includeVector: false }));
    }
  });

  it("gives the same hits with the rerank on its thread, and closes its files only once the reranks under way end", async () => {
    const config = await resolveSessionConfig({ env: {}, overrides: { store: { uri: db, readConsistencySeconds: 0 } } });
    const threaded = new TierKeeper(config, {}, { rerankThread: true });
    try {
      const version = await search.store.version();
      threaded.forVersion(version);
      await threaded.settled();
      const tier = threaded.forVersion(version)!;
      expect(tier).not.toBeNull();
      for (const filters of FILTER_SETS) {
        for (const t of TEXTS) {
          const v = await search.service.embed(t);
          expect(await tier.searchAsync(v, { k: 10, filters })).toEqual(tier.search(v, { k: 10, filters }));
        }
      }
      expect(tier.threadReranks).toBeGreaterThanOrEqual(FILTER_SETS.length * TEXTS.length - 5);
      // Twenty under way when the tier closes: each still gets its hits, read from open files.
      const v = await search.service.embed(TEXTS[0]!);
      const want = tier.search(v, { k: 10 });
      expect(want).toHaveLength(10);
      const running = Array.from({ length: 20 }, () => tier.searchAsync(v, { k: 10 }));
      tier.close();
      for (const hits of await Promise.all(running)) expect(hits).toEqual(want);
      expect(() => tier.search(v, { k: 10 })).toThrow(/after close/);
    } finally {
      await threaded.close();
    }
  });

  it("leaves filters on fields it does not hold, and explicit exact or nprobes, to LanceDB", async () => {
    const before = keeper.status().queries;
    const id = (await search.text("missense variant in BRCA1", { k: 1 }))[0]!.variantId;
    const viaTable = await search.text("missense variant in BRCA1", { k: 3, filters: [`variant_id=${id}`] });
    expect(viaTable.map((h) => h.variantId)).toEqual([id]);
    await search.text("missense variant in BRCA1", { k: 3, filters: ["qual>10"] });
    await search.text("missense variant in BRCA1", { k: 3, nprobes: 5 });
    const after = keeper.status().queries;
    expect(after.tier).toBe(before.tier + 1);
    expect(after.table).toBe(before.table + 3);
  });

  it("is never stale: an append by another process, a re-ingest and a delete are seen by the next query", async () => {
    const v0 = keeper.status().summary!.version;
    const more = generateVcf(dir, 800, 23);
    const added = ingestJson([more, "--db", db, "--level", "standard"]);
    expect(added.variantsWritten).toBeGreaterThan(0);
    const fromNew = [`source=${path.resolve(more)}`];
    const first = await search.text("pathogenic missense variant in BRCA1", { k: 10, filters: fromNew });
    // The tier was built for the old version: this query went to the table, and it has the new rows.
    expect(first.length).toBe(10);
    expect(first.every((h) => h.source === path.resolve(more))).toBe(true);
    await keeper.settled();
    expect(keeper.status().summary!.version).toBeGreaterThan(v0);
    const tierBefore = keeper.status().queries.tier;
    const again = await search.text("pathogenic missense variant in BRCA1", { k: 10, filters: fromNew });
    expect(keeper.status().queries.tier).toBe(tierBefore + 1);
    expect(again.map((h) => h.variantId)).toEqual(first.map((h) => h.variantId));

    // The same file again writes nothing: the version, and so the tier, stay.
    const v1 = keeper.status().summary!.version;
    expect(ingestJson([more, "--db", db, "--level", "standard"]).variantsWritten).toBe(0);
    expect(await search.store.version()).toBe(v1);

    // A delete by another connection: the deleted rows are gone from the next answer.
    const conn = await lancedb.connect(db);
    const table = await conn.openTable("variants");
    await table.delete(`source = '${path.resolve(more).replaceAll("'", "''")}'`);
    table.close();
    conn.close();
    expect(await search.text("pathogenic missense variant in BRCA1", { k: 10, filters: fromNew })).toEqual([]);
    await keeper.settled();
    expect(keeper.status().summary!.version).toBeGreaterThan(v1);
    expect(await search.text("pathogenic missense variant in BRCA1", { k: 10, filters: fromNew })).toEqual([]);
    expect(keeper.status().summary!.rows).toBe(await search.store.count());
  }, 300_000);
});

describe("bit-code scan kernel", () => {
  it("sums the query's 4-bit values at each row's set bits, the same in WebAssembly and in plain JS", () => {
    const rand = mulberry32(5);
    const rows = 3000;
    for (const bytes of [16, 64, 128]) {
      const wasm = createScanner(rows, bytes);
      const saved = process.env["VCF_AGENT_WASM_SIMD"];
      process.env["VCF_AGENT_WASM_SIMD"] = "0";
      const js = createScanner(rows, bytes);
      if (saved === undefined) delete process.env["VCF_AGENT_WASM_SIMD"];
      else process.env["VCF_AGENT_WASM_SIMD"] = saved;
      const codes = Uint8Array.from({ length: rows * bytes }, () => Math.floor(rand() * 256));
      // Rows written in a shuffled order: each put must leave the block's other rows alone.
      const order = Array.from({ length: rows }, (_, i) => i).sort(() => rand() - 0.5);
      for (const r of order) {
        wasm.put(r, codes, r * bytes);
        js.put(r, codes, r * bytes);
      }
      const u = Uint8Array.from({ length: bytes * 8 }, () => Math.floor(rand() * 16));
      const luts = queryTables(u, bytes);
      const blocks = Math.ceil(rows / 32);
      const list = Int32Array.from({ length: 500 }, () => Math.floor(rand() * blocks));
      const a = Array.from(wasm.scan(list, list.length, luts).subarray(0, list.length * 32));
      const b = Array.from(js.scan(list, list.length, luts).subarray(0, list.length * 32));
      expect(a).toEqual(b);
      // Against the definition, row by row.
      for (let k = 0; k < list.length; k += 7) {
        for (let i = 0; i < 32; i++) {
          const r = list[k]! * 32 + i;
          let want = 0;
          if (r < rows) for (let j = 0; j < bytes * 8; j++) if ((codes[r * bytes + (j >> 3)]! >> (j & 7)) & 1) want += u[j]!;
          expect(a[k * 32 + i]).toBe(want);
        }
      }
      expect(Math.max(...a)).toBeGreaterThan(0);
    }
  });
});

describe("rerank dot kernel", () => {
  it("gives the same hits and distances, to the last bit, as the plain JS loop", () => {
    const kernel = localDotKernel();
    expect(kernel).not.toBeNull(); // Node 20 has WebAssembly SIMD
    const rand = mulberry32(21);
    const d = 768;
    const n = 500;
    const file = path.join(dir, "rerank-vectors.f32");
    const vectors = Float32Array.from({ length: n * d }, () => rand() * 2 - 1);
    writeFileSync(file, new Uint8Array(vectors.buffer));
    const fd = openSync(file, "r");
    try {
      for (let t = 0; t < 5; t++) {
        const q = Float32Array.from({ length: d }, () => rand() * 2 - 1);
        const qn = Math.hypot(...q);
        const rows = Int32Array.from({ length: 300 }, () => Math.floor(rand() * n));
        const job = { q, qn, rows, bounds: new Float64Array(rows.length).fill(Infinity), k: 10 };
        const simd = rerank(readSync, fd, d, job, kernel);
        const js = rerank(readSync, fd, d, job, null);
        expect(Array.from(simd.rows)).toEqual(Array.from(js.rows));
        expect(Array.from(simd.distances)).toEqual(Array.from(js.distances));
        expect(simd.rows).toHaveLength(10);
        // Against a plain dot product of the stored floats.
        const r = simd.rows[0]!;
        let dot = 0;
        let vv = 0;
        for (let j = 0; j < d; j++) {
          dot += vectors[r * d + j]! * q[j]!;
          vv += vectors[r * d + j]! ** 2;
        }
        expect(simd.distances[0]).toBeCloseTo(1 - dot / (qn * Math.sqrt(vv)), 12);
      }
    } finally {
      closeSync(fd);
    }
  });
});

describe("estimator error bound", () => {
  // The rerank skips a candidate whose estimate plus ε0 · g · √(1 − α²) · |q| (and the query's
  // 4-bit rounding) cannot reach the k-th exact inner product: the bound must hold for nearly
  // every pair, and be tight enough to skip something.
  it("holds for ≥ 99.5 % of (row, query) pairs and is far below the inner products' range", () => {
    const rand = mulberry32(9);
    const dims = 768;
    const rotation = new Rotation(dims);
    const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const unit = (): Float32Array => {
      const v = Float32Array.from({ length: dims }, gauss);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const rows = Array.from({ length: 200 }, unit);
    const queries = Array.from({ length: 10 }, unit);
    const scanner = createScanner(rows.length, rotation.codeBytes);
    const g: number[] = [];
    const alpha: number[] = [];
    const pop: number[] = [];
    const code = new Uint8Array(rotation.codeBytes);
    rows.forEach((r, i) => {
      g.push(rotation.encode(r, 0, code, 0));
      scanner.put(i, code);
      alpha.push(rotation.lastAlpha);
      pop.push(popcount(code, 0, rotation.codeBytes));
    });
    const all = Int32Array.from({ length: Math.ceil(rows.length / 32) }, (_, b) => b);
    let inside = 0;
    let pairs = 0;
    let boundSum = 0;
    for (const q of queries) {
      const p = prepareQuery(rotation, q);
      const sums = scanner.scan(all, all.length, p.luts);
      for (let i = 0; i < rows.length; i++) {
        const estimate = g[i]! * signedSum(p, rotation.bits, pop[i]!, sums[i]!);
        let exact = 0;
        for (let j = 0; j < dims; j++) exact += q[j]! * rows[i]![j]!;
        const bound = g[i]! * errorPerFactor(TIER_EPSILON, Math.sqrt(1 - alpha[i]! ** 2), 1, p, rotation.bits);
        boundSum += bound;
        pairs++;
        if (Math.abs(estimate - exact) <= bound) inside++;
      }
    }
    expect(inside / pairs).toBeGreaterThanOrEqual(0.995);
    // Random unit vectors' inner products spread ±0.1 at 768 dims; the bound is a fraction of that.
    expect(boundSum / pairs).toBeLessThan(0.1);
    expect(boundSum / pairs).toBeGreaterThan(0);
  });
});

describe("search tier in the service", () => {
  it("is reported in /v1/stats and /metrics", async () => {
    const server = await buildServer({ config: new SessionConfig({ store: { uri: db } }), logLevel: false, searchTier: true });
    try {
      const r = await server.app.inject({ method: "POST", url: "/v1/search", payload: { text: "missense variant in BRCA1", k: 3 } });
      expect(r.statusCode).toBe(200);
      for (let i = 0; i < 200; i++) {
        const s = (await server.app.inject({ method: "GET", url: "/v1/stats" })).json() as { searchTier: { state: string } };
        if (s.searchTier.state === "ready") break;
        await new Promise((res) => setTimeout(res, 250));
      }
      const stats = (await server.app.inject({ method: "GET", url: "/v1/stats" })).json() as { searchTier: { state: string; summary: { rows: number; bytesPerVector: number } } };
      expect(stats.searchTier.state).toBe("ready");
      expect(stats.searchTier.summary.bytesPerVector).toBeLessThan(250);
      const metrics = (await server.app.inject({ method: "GET", url: "/metrics" })).body;
      expect(metrics).toMatch(new RegExp(`vcf_agent_search_tier_rows ${stats.searchTier.summary.rows}`));
      expect(metrics).toMatch(/vcf_agent_search_tier_bytes_per_vector \d+/);
      expect(metrics).toMatch(/vcf_agent_search_tier_ready 1/);
    } finally {
      await server.close();
    }
  }, 120_000);
});
