import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SessionConfig } from "../src/config.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const gen = path.resolve(root, "../shared/tools/gen_vcf.py");
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-server-"));
const JSON_HEADERS = { "content-type": "application/json" };

/** A generated VCF whose sample columns carry names we can look for in logs. */
function vcf(n: number, seed: number): Buffer {
  const text = execFileSync("python3", [gen, "--n", String(n), "--seed", String(seed), "--samples", "2"], { encoding: "utf8" });
  return Buffer.from(text.replace("\tS00000\tS00001", "\tPATIENT_ALICE_7\tPATIENT_BOB_9"));
}

/** Variant ids the CLI describes in FILE, deduplicated: what the table must hold. */
function describedIds(file: string): Set<string> {
  const out = execFileSync(process.execPath, [path.join(root, "dist/cli/main.js"), "describe", file], { encoding: "utf8", maxBuffer: 1 << 28 });
  return new Set(out.trim().split("\n").map((l) => (JSON.parse(l) as { variantId: string }).variantId));
}

function config(dir: string): SessionConfig {
  // A small PCA (1536 → 64 from 256 samples) keeps the fit fast and the table reduced.
  return new SessionConfig({ memoryOptimization: { targetDimensions: 64, trainingSamples: 256 }, store: { uri: dir } });
}

async function waitForJob(server: VcfAgentServer, id: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const r = await server.app.inject({ method: "GET", url: `/v1/jobs/${id}`, headers });
    const job = r.json() as Record<string, unknown>;
    if (job.state !== "queued" && job.state !== "running") return job;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

const logLines: string[] = [];
let server: VcfAgentServer;
let sample: Buffer;
let samplePath: string;

beforeAll(async () => {
  sample = vcf(1200, 3);
  samplePath = path.join(tmp, "sample.vcf");
  writeFileSync(samplePath, sample);
  const logStream = new PassThrough();
  logStream.on("data", (chunk: Buffer) => logLines.push(...chunk.toString("utf8").split("\n").filter(Boolean)));
  server = await buildServer({ config: config(path.join(tmp, "db")), logLevel: "info", logStream });
  const r = await server.app.inject({
    method: "POST",
    url: "/v1/ingest?name=sample.vcf.gz",
    payload: gzipSync(sample),
    headers: { "content-type": "application/gzip" },
  });
  expect(r.statusCode).toBe(202);
  const job = await waitForJob(server, (r.json() as { jobId: string }).jobId);
  expect(job.error).toBeNull();
  expect(job.state).toBe("done");
});

afterAll(async () => {
  await server?.close();
});

describe("service routes", () => {
  it("GET /health answers without a table or key", async () => {
    const r = await server.app.inject({ method: "GET", url: "/health" });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: "ok" });
  });

  it("an uploaded gzip VCF is ingested by a job: exactly the file's variant set, upload removed afterwards", async () => {
    const jobs = (await server.app.inject({ method: "GET", url: "/v1/jobs" })).json() as { jobs: Record<string, any>[] };
    const job = jobs.jobs[0]!;
    expect(job).toMatchObject({ state: "done", source: { kind: "upload", name: "sample.vcf.gz" }, error: null });
    expect(job.progress.variantsRead).toBe(job.summary.variantsRead);
    const ids = describedIds(samplePath);
    expect(job.summary.tableRows).toBe(ids.size);
    expect(job.summary.dims).toBe(64);
    const stats = (await server.app.inject({ method: "GET", url: "/v1/stats" })).json() as Record<string, any>;
    expect(stats.table.rows).toBe(ids.size);
    // The content-named upload is deleted once its ingest completed.
    expect(readdirSync(path.join(tmp, "db", "uploads"))).toEqual([]);
  });

  it("POST /v1/search by text returns k hits nearest first, without vectors", async () => {
    const r = await server.app.inject({ method: "POST", url: "/v1/search", headers: JSON_HEADERS, payload: { text: "pathogenic missense variant in BRCA1", k: 7 } });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { hits: Record<string, any>[]; k: number; tookMs: number };
    expect(body.k).toBe(7);
    expect(body.hits).toHaveLength(7);
    for (let i = 1; i < body.hits.length; i++) expect(body.hits[i]!.distance).toBeGreaterThanOrEqual(body.hits[i - 1]!.distance);
    expect(body.hits[0]).toHaveProperty("variantId");
    expect(body.hits[0]).toHaveProperty("clinicalSignificance");
    expect(body.hits[0]).not.toHaveProperty("vector");
    expect(body.hits.some((h) => h.gene === "BRCA1")).toBe(true);
  });

  it("filters in both forms restrict the hits", async () => {
    const asString = await server.app.inject({
      method: "POST",
      url: "/v1/search",
      headers: JSON_HEADERS,
      payload: { text: "benign variant", k: 20, filters: ["gene=BRCA2", "af<0.5"] },
    });
    expect(asString.statusCode).toBe(200);
    const hits = (asString.json() as { hits: Record<string, any>[] }).hits;
    expect(hits.length).toBeGreaterThan(0);
    for (const h of hits) {
      expect(h.gene).toBe("BRCA2");
      expect(h.af).toBeLessThan(0.5);
    }
    const asObject = await server.app.inject({
      method: "POST",
      url: "/v1/search",
      headers: JSON_HEADERS,
      payload: { text: "benign variant", k: 20, filters: [{ field: "gene", op: "=", value: "BRCA2" }, { field: "af", op: "<", value: 0.5 }] },
    });
    expect((asObject.json() as { hits: unknown[] }).hits).toEqual(hits);
  });

  it("POST /v1/search by variantId finds neighbours (not itself); an unknown id is 404", async () => {
    const first = (await server.app.inject({ method: "POST", url: "/v1/search", headers: JSON_HEADERS, payload: { text: "BRCA1", k: 1 } })).json() as {
      hits: { variantId: string }[];
    };
    const id = first.hits[0]!.variantId;
    const r = await server.app.inject({ method: "POST", url: "/v1/search", headers: JSON_HEADERS, payload: { variantId: id, k: 5 } });
    expect(r.statusCode).toBe(200);
    const hits = (r.json() as { hits: { variantId: string }[] }).hits;
    expect(hits).toHaveLength(5);
    expect(hits.map((h) => h.variantId)).not.toContain(id);
    const missing = await server.app.inject({ method: "POST", url: "/v1/search", headers: JSON_HEADERS, payload: { variantId: "1-1-A-C" } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toMatch(/^body\/variantId: variant "1-1-A-C" is not in table/);
  });

  it.each([
    [{ text: "x", k: 1001 }, "body/k must be <= 1000"],
    [{ text: "x", k: 0 }, "body/k must be >= 1"],
    [{ text: "x", k: "5" }, "body/k must be integer"],
    [{ text: "x", q: 1 }, "body must NOT have additional property 'q'"],
    [{ text: "" }, "body/text must NOT have fewer than 1 characters"],
    [{}, "body must have exactly one of text (a query) or variantId (find similar variants)"],
    [{ text: "x", variantId: "1-1-A-C" }, "body must have exactly one of text"],
    [{ text: "x", filters: "gene=BRCA1" }, "body/filters must be array"],
    [{ text: "x", filters: [{ field: "gene", op: "~", value: "BRCA1" }] }, "body/filters/0/op must be equal to one of the allowed values: =, !=, <"],
    [{ text: "x", filters: [{ field: "sample", op: "=", value: "x" }] }, "body/filters/0/field must be equal to one of the allowed values: chrom, pos"],
    [{ text: "x", filters: [42] }, "body/filters/0 must be a filter string (e.g. gene=BRCA1) or an object {field, op, value}"],
    [{ text: "x", filters: ["genotype=0/1"] }, 'filter "genotype=0/1": unknown field "genotype"'],
    [{ text: "x", filters: ["af<abc"] }, "af"],
    [{ text: "x", filters: [{ field: "pos", op: "between", value: [5] }] }, "pos"],
  ])("POST /v1/search %j → 400 naming the field", async (payload, message) => {
    const r = await server.app.inject({ method: "POST", url: "/v1/search", headers: JSON_HEADERS, payload });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ statusCode: 400, error: "Bad Request" });
    expect(r.json().message).toContain(message);
  });

  it("POST /v1/embed returns vectors in the table's width (projected with its PCA model)", async () => {
    const r = await server.app.inject({ method: "POST", url: "/v1/embed", headers: JSON_HEADERS, payload: { texts: ["pathogenic BRCA1", "benign TP53 intron"] } });
    expect(r.statusCode).toBe(200);
    const body = r.json() as { dimensions: number; vectors: number[][] };
    expect(body.dimensions).toBe(64);
    expect(body.vectors).toHaveLength(2);
    for (const v of body.vectors) expect(v).toHaveLength(64);
    expect(body.vectors[0]).not.toEqual(body.vectors[1]);
    // Deterministic: the same text gives the same vector (now from the cache).
    const again = (await server.app.inject({ method: "POST", url: "/v1/embed", headers: JSON_HEADERS, payload: { texts: ["pathogenic BRCA1"] } })).json() as {
      vectors: number[][];
    };
    expect(again.vectors[0]).toEqual(body.vectors[0]);
  });

  it("POST /v1/embed limits: 256 texts at most, none empty", async () => {
    const many = await server.app.inject({ method: "POST", url: "/v1/embed", headers: JSON_HEADERS, payload: { texts: Array.from({ length: 257 }, (_, i) => `t${i}`) } });
    expect(many.statusCode).toBe(400);
    expect(many.json().message).toBe("body/texts must NOT have more than 256 items");
    const none = await server.app.inject({ method: "POST", url: "/v1/embed", headers: JSON_HEADERS, payload: { texts: [] } });
    expect(none.json().message).toBe("body/texts must NOT have fewer than 1 items");
    const missing = await server.app.inject({ method: "POST", url: "/v1/embed", headers: JSON_HEADERS, payload: {} });
    expect(missing.json().message).toBe("body must have required property 'texts'");
  });

  it("JSON bodies over 1 MiB are refused with 413", async () => {
    const big = JSON.stringify({ texts: ["x".repeat(1024 * 1024)] });
    const r = await server.app.inject({ method: "POST", url: "/v1/embed", headers: JSON_HEADERS, payload: big });
    expect(r.statusCode).toBe(413);
  });

  it("GET /v1/stats has table, optimization, status, memory and job figures", async () => {
    const r = await server.app.inject({ method: "GET", url: "/v1/stats" });
    expect(r.statusCode).toBe(200);
    const s = r.json() as Record<string, any>;
    expect(s.table).toMatchObject({ exists: true, dims: 64 });
    expect(s.table.pcaModel.dims).toBe(64);
    expect(s.optimization).toMatchObject({ optimizationLevel: "standard", embeddingDimensions: 64 });
    expect(s.optimization.dimensionReductionStats).toMatchObject({ isTrained: true, reduction: "pca", originalDimensions: 1536, targetDimensions: 64 });
    expect(s.optimization.cacheStats.hits + s.optimization.cacheStats.misses).toBeGreaterThan(0);
    expect(s.status.provider).toBe("local:vcf-hash-v1:1536");
    expect(s.memory.rssMb).toBeGreaterThan(10);
    expect(s.jobs).toEqual({ active: null });
  });

  it("GET /v1/jobs/:id: unknown id 404, malformed id 400", async () => {
    const unknown = await server.app.inject({ method: "GET", url: "/v1/jobs/0123abcd" });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain("params/id");
    const bad = await server.app.inject({ method: "GET", url: "/v1/jobs/..%2F..%2Fetc" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/^params\/id must match pattern/);
  });

  it("GET /metrics has the seed's four gauges with values, and route patterns (not raw URLs) as labels", async () => {
    await server.app.inject({ method: "GET", url: "/v1/jobs/0123abcd" });
    const r = await server.app.inject({ method: "GET", url: "/metrics" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toContain("text/plain");
    const text = r.body;
    const value = (name: string): number => {
      const m = new RegExp(`^${name} (\\S+)$`, "m").exec(text);
      if (m === null) throw new Error(`${name} has no unlabelled sample`);
      return Number(m[1]);
    };
    expect(value("vcf_agent_embedding_dimensions")).toBe(64);
    expect(value("vcf_agent_memory_optimization_reduction_percent")).toBeCloseTo(100 * (1 - 64 / 1536), 1);
    expect(value("vcf_agent_memory_usage_mb")).toBeGreaterThan(10);
    const hitRate = value("vcf_agent_cache_hit_rate");
    expect(hitRate).toBeGreaterThan(0);
    expect(hitRate).toBeLessThanOrEqual(100);
    expect(value("vcf_agent_pca_variance_retained_ratio")).toBeGreaterThan(0.5);
    expect(text).toMatch(/^vcf_agent_variants_ingested_total [1-9]\d*$/m);
    expect(text).toMatch(/^vcf_agent_ingest_jobs_total\{outcome="done"\} 1$/m);
    expect(text).toMatch(/^vcf_agent_embedding_batch_duration_seconds_count\{provider="local:vcf-hash-v1:1536",role="ingest"\} [1-9]/m);
    expect(text).toMatch(/^vcf_agent_http_request_duration_seconds_count\{method="GET",route="\/v1\/jobs\/:id",status_code="404"\} [1-9]/m);
    expect(text).not.toContain("0123abcd");
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
  });

  it("GET / serves the dashboard with a CSP that loads nothing from elsewhere", async () => {
    const r = await server.app.inject({ method: "GET", url: "/" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toContain("text/html");
    expect(r.body).toContain('<canvas id="mem-chart">');
    expect(r.body).not.toMatch(/(src|href)=["']?https?:/);
    expect(r.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(r.headers["content-security-policy"]).toContain("connect-src 'self'");
  });

  it("unknown routes are 404 naming the path", async () => {
    const r = await server.app.inject({ method: "GET", url: "/v2/nothing?token=abc" });
    expect(r.statusCode).toBe(404);
    expect(r.json().message).toBe("no route GET /v2/nothing");
  });

  it("logs one line per request with method, path, status and duration — never bodies, queries or sample names", async () => {
    const bad = Buffer.from(sample.toString("utf8").replace(/\n(\d+)\t(\d+)\t/, "\n$1\tPATIENT_ALICE_7_POS\t"));
    const r = await server.app.inject({ method: "POST", url: "/v1/ingest?name=bad.vcf", payload: bad, headers: { "content-type": "text/x-vcf" } });
    expect(r.statusCode).toBe(202);
    const job = await waitForJob(server, (r.json() as { jobId: string }).jobId);
    expect(job.state).toBe("failed");
    expect(job.errorCode).toBe("VCF_FORMAT");
    expect(String(job.error)).toMatch(/bad\.vcf:\d+:/);
    await server.app.inject({ method: "POST", url: "/v1/search?api_key=topsecret", headers: JSON_HEADERS, payload: { text: "PATIENT_BOB_9 0/1" } });
    const all = logLines.join("\n");
    expect(all).not.toContain("PATIENT_");
    expect(all).not.toContain("topsecret");
    expect(all).not.toContain("0/1");
    const requests = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "request");
    expect(requests.length).toBeGreaterThan(10);
    for (const l of requests) {
      expect(Object.keys(l).sort()).toEqual(["hostname", "level", "method", "ms", "msg", "pid", "reqId", "status", "time", "url"]);
    }
    expect(requests.some((l) => l.url === "/v1/search" && l.status === 200)).toBe(true);
    expect(all).toMatch(/ingest job [0-9a-f-]+ failed \(VCF_FORMAT\)/);
  });
});

describe("ingest limits and modes", () => {
  let small: VcfAgentServer;
  const dir = path.join(tmp, "limits");
  const allowed = path.join(tmp, "allowed");

  beforeAll(async () => {
    mkdirSync(allowed, { recursive: true });
    writeFileSync(path.join(allowed, "local.vcf"), vcf(300, 5));
    small = await buildServer({ config: config(dir), logLevel: false, maxIngestBytes: 64 * 1024, ingestDirs: [allowed] });
  });
  afterAll(async () => {
    await small?.close();
  });

  it("a body over the ingest limit is 413 and leaves no partial file", async () => {
    const body = vcf(2000, 4);
    expect(body.length).toBeGreaterThan(64 * 1024);
    const declared = await small.app.inject({ method: "POST", url: "/v1/ingest", payload: body, headers: { "content-type": "application/octet-stream" } });
    expect(declared.statusCode).toBe(413);
    expect(declared.json().message).toContain("exceeds the ingest limit of 65536 bytes");
    // Without a Content-Length the limit is enforced while streaming.
    const stream = new PassThrough();
    const pending = small.app.inject({ method: "POST", url: "/v1/ingest", payload: stream, headers: { "content-type": "application/octet-stream" } });
    stream.end(body);
    const streamed = await pending;
    expect(streamed.statusCode).toBe(413);
    expect(readdirSync(path.join(dir, "uploads"))).toEqual([]);
  });

  it("an empty body is 400", async () => {
    const r = await small.app.inject({ method: "POST", url: "/v1/ingest", payload: Buffer.alloc(0), headers: { "content-type": "application/octet-stream" } });
    expect(r.statusCode).toBe(400);
  });

  it("a bad upload name is 400 naming querystring/name", async () => {
    const r = await small.app.inject({ method: "POST", url: "/v1/ingest?name=../../x", payload: "x", headers: { "content-type": "text/plain" } });
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toMatch(/^querystring\/name must match pattern/);
  });

  it("JSON {path} ingest: only below --ingest-dir; a second job while one runs is 429", async () => {
    const outside = await small.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { path: samplePath } });
    expect(outside.statusCode).toBe(403);
    expect(outside.json().message).toContain("body/path");
    const missing = await small.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { path: path.join(allowed, "nope.vcf") } });
    expect(missing.statusCode).toBe(400);
    const noPath = await small.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { file: "x" } });
    expect(noPath.statusCode).toBe(400);
    expect(noPath.json().message).toContain("body must have required property 'path'");

    const ok = await small.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { path: path.join(allowed, "local.vcf") } });
    expect(ok.statusCode).toBe(202);
    expect(ok.headers.location).toBe(`/v1/jobs/${ok.json().jobId}`);
    const busy = await small.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { path: path.join(allowed, "local.vcf") } });
    expect(busy.statusCode).toBe(429);
    expect(busy.headers["retry-after"]).toBe("10");
    const job = await waitForJob(small, ok.json().jobId);
    expect(job.state).toBe("done");
    expect(job.source).toEqual({ kind: "path", path: path.join(allowed, "local.vcf") });
    // A job reads done only once its slot is free: the next job is taken at once, never 429.
    const next = await small.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { path: path.join(allowed, "local.vcf") } });
    expect(next.statusCode).toBe(202);
    expect((await waitForJob(small, next.json().jobId)).state).toBe("done");
  });

  it("without --ingest-dir, path ingest is off (403)", async () => {
    const s = await buildServer({ config: config(path.join(tmp, "nodirs")), logLevel: false });
    try {
      const r = await s.app.inject({ method: "POST", url: "/v1/ingest", headers: JSON_HEADERS, payload: { path: samplePath } });
      expect(r.statusCode).toBe(403);
      expect(r.json().message).toContain("--ingest-dir");
      // No table yet: search is 404, embed works at the provider's width.
      const search = await s.app.inject({ method: "POST", url: "/v1/search", headers: JSON_HEADERS, payload: { text: "x" } });
      expect(search.statusCode).toBe(404);
      expect(search.json().message).toContain("does not exist yet");
      const embed = await s.app.inject({ method: "POST", url: "/v1/embed", headers: JSON_HEADERS, payload: { texts: ["x"] } });
      expect(embed.json().dimensions).toBe(1536);
    } finally {
      await s.close();
    }
  });
});

describe("API key", () => {
  let secured: VcfAgentServer;
  beforeAll(async () => {
    secured = await buildServer({ config: config(path.join(tmp, "db")), logLevel: false, apiKey: "s3cret-key" });
  });
  afterAll(async () => {
    await secured?.close();
  });

  it.each(["/v1/stats", "/metrics", "/v1/jobs"])("GET %s needs the bearer key", async (url) => {
    const none = await secured.app.inject({ method: "GET", url });
    expect(none.statusCode).toBe(401);
    expect(none.headers["www-authenticate"]).toContain("Bearer");
    const wrong = await secured.app.inject({ method: "GET", url, headers: { authorization: "Bearer s3cret-kez" } });
    expect(wrong.statusCode).toBe(401);
    const prefix = await secured.app.inject({ method: "GET", url, headers: { authorization: "Bearer s3cret" } });
    expect(prefix.statusCode).toBe(401);
    const basic = await secured.app.inject({ method: "GET", url, headers: { authorization: "Basic s3cret-key" } });
    expect(basic.statusCode).toBe(401);
    const ok = await secured.app.inject({ method: "GET", url, headers: { authorization: "Bearer s3cret-key" } });
    expect(ok.statusCode).toBe(200);
  });

  it("POST routes check the key before the body", async () => {
    const r = await secured.app.inject({ method: "POST", url: "/v1/search", headers: JSON_HEADERS, payload: { text: "x", k: 99999 } });
    expect(r.statusCode).toBe(401);
    const ingest = await secured.app.inject({ method: "POST", url: "/v1/ingest", payload: "##fileformat=VCFv4.2\n", headers: { "content-type": "text/plain" } });
    expect(ingest.statusCode).toBe(401);
  });

  it("/health and the dashboard page (which holds no data) stay open", async () => {
    expect((await secured.app.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    expect((await secured.app.inject({ method: "GET", url: "/" })).statusCode).toBe(200);
  });
});
