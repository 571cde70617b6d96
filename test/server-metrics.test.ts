import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { SessionConfig } from "../src/config.js";
import type { EmbeddingProvider } from "../src/providers/provider.js";
import { LocalEmbeddingProvider } from "../src/providers/local/embedder.js";
import { VariantEmbeddingService } from "../src/embedding/service.js";
import { serveMetrics } from "../src/metrics/http.js";
import { IngestMetrics } from "../src/metrics/ingest.js";
import { VcfAgentMetrics } from "../src/metrics/prometheus.js";
import { ingestVcf } from "../src/pipeline/ingest.js";
import { buildServer, type VcfAgentServer } from "../src/server/app.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const gen = path.resolve(root, "../shared/tools/gen_vcf.py");
const tmp = mkdtempSync(path.join(tmpdir(), "vcf-agent-metrics-"));
const JSON_HEADERS = { "content-type": "application/json" };

function generated(n: number, seed: number): string {
  const file = path.join(tmp, `gen-${n}-${seed}.vcf`);
  writeFileSync(file, execFileSync("python3", [gen, "--n", String(n), "--seed", String(seed)]));
  return file;
}

function config(dir: string): SessionConfig {
  return new SessionConfig({ memoryOptimization: { targetDimensions: 64, trainingSamples: 256 }, store: { uri: dir } });
}

/** Metric names with at least one sample in an exposition text (comments ignored). */
function sampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? (\S+)/.exec(line);
    if (m) names.add(m[1] as string);
  }
  return names;
}

const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "bool", "offset", "inf", "nan"]);

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords, label names or strings. */
function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and template text
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "$1") // label lists
    .replace(/\[[^\]]*\]/g, "") // ranges
    .replace(/\$\w+/g, "") // dashboard variables
    .replace(/(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/g, "0"); // numbers such as 1e-9
  const names: string[] = [];
  const re = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  for (let m = re.exec(stripped); m !== null; m = re.exec(stripped)) {
    const word = m[0];
    const rest = stripped.slice(re.lastIndex).trimStart();
    // Functions and aggregations: `rate(`, `sum (`, `sum by (…) (`.
    if (rest.startsWith("(") || /^(by|without)\b/.test(rest) || PROMQL_WORDS.has(word.toLowerCase())) continue;
    names.push(word);
  }
  return names;
}

/** Prometheus' own series (not exported by the service): `up` is synthesized per scrape target. */
const SYNTHETIC = new Set(["up"]);

const RuleSchema = z
  .object({
    alert: z.string().regex(/^[A-Z][A-Za-z0-9]+$/),
    expr: z.string().min(1),
    for: z
      .string()
      .regex(/^\d+[smhdwy]$/)
      .optional(),
    labels: z.object({ severity: z.enum(["info", "warning", "critical"]) }).catchall(z.string()),
    annotations: z.object({ summary: z.string().min(1), description: z.string().optional() }).catchall(z.string()),
  })
  .strict();
const RulesFileSchema = z.object({ groups: z.array(z.object({ name: z.string(), interval: z.string().optional(), rules: z.array(RuleSchema).min(1) }).strict()).min(1) }).strict();
const PrometheusConfigSchema = z.object({
  global: z.object({ scrape_interval: z.string(), evaluation_interval: z.string() }),
  rule_files: z.array(z.string()),
  scrape_configs: z.array(
    z.object({
      job_name: z.string(),
      metrics_path: z.string().optional(),
      scrape_interval: z.string().optional(),
      static_configs: z.array(z.object({ targets: z.array(z.string()) })),
    }),
  ),
});

let server: VcfAgentServer;
let baseUrl: string;
let scraped: string;

beforeAll(async () => {
  server = await buildServer({ config: config(path.join(tmp, "db")), logLevel: false });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}`;
  const body = readFileSync(generated(600, 11));
  const started = await fetch(`${baseUrl}/v1/ingest?name=m.vcf`, { method: "POST", body, headers: { "content-type": "text/x-vcf" } });
  expect(started.status).toBe(202);
  const { jobId } = (await started.json()) as { jobId: string };
  for (;;) {
    const job = (await (await fetch(`${baseUrl}/v1/jobs/${jobId}`)).json()) as { state: string };
    if (job.state !== "running" && job.state !== "queued") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await fetch(`${baseUrl}/v1/search`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ text: "pathogenic BRCA1", k: 3 }) });
  await fetch(`${baseUrl}/v1/embed`, { method: "POST", headers: JSON_HEADERS, body: JSON.stringify({ texts: ["TP53"] }) });
  scraped = await (await fetch(`${baseUrl}/metrics`)).text();
});

afterAll(async () => {
  await server?.close();
});

describe("deploy/ files against what the service exports", () => {
  it("every metric in the Grafana dashboard's PromQL is exported by a running service", () => {
    const exported = sampleNames(scraped);
    const dashboard = JSON.parse(readFileSync(path.join(root, "deploy/grafana/vcf-agent.json"), "utf8")) as {
      panels: { type: string; title: string; targets?: { expr: string }[] }[];
      templating: { list: { definition: string }[] };
    };
    const exprs = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.map((v) => v.definition.replace(/^label_values\((.*),\s*\w+\)$/, "$1"))];
    expect(exprs.length).toBeGreaterThan(20);
    const used = new Set(exprs.flatMap(promqlMetricNames));
    for (const seed of ["vcf_agent_memory_optimization_reduction_percent", "vcf_agent_cache_hit_rate", "vcf_agent_embedding_dimensions", "vcf_agent_memory_usage_mb"]) {
      expect(used).toContain(seed);
    }
    const missing = [...used].filter((n) => !exported.has(n));
    expect(missing).toEqual([]);
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(" | ");
    for (const topic of ["memory reduction", "cache hit rate", "memory usage over time", "variants per second", "embedding batch latency"]) expect(titles).toContain(topic);
  });

  it("alert rules parse, follow the rule schema, and read only exported metrics", () => {
    const rules = RulesFileSchema.parse(parseYaml(readFileSync(path.join(root, "deploy/prometheus/alerts.yml"), "utf8")));
    const all = rules.groups.flatMap((g) => g.rules);
    const names = all.map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const topic of ["MemoryHigh", "CacheHitRateLow", "IngestFailed", "ProviderRetryStorm"]) expect(names.some((n) => n.includes(topic))).toBe(true);
    const exported = sampleNames(scraped);
    const missing = all.flatMap((r) => promqlMetricNames(r.expr)).filter((n) => !exported.has(n) && !SYNTHETIC.has(n));
    expect(missing).toEqual([]);
  });

  it("prometheus.yml parses, loads the alert rules and scrapes the service at 127.0.0.1:8080/metrics", () => {
    const dir = path.join(root, "deploy/prometheus");
    const cfg = PrometheusConfigSchema.parse(parseYaml(readFileSync(path.join(dir, "prometheus.yml"), "utf8")));
    expect(cfg.rule_files).toContain("alerts.yml");
    const service = cfg.scrape_configs.find((s) => s.job_name === "vcf-agent");
    expect(service?.metrics_path ?? "/metrics").toBe("/metrics");
    expect(service?.static_configs[0]?.targets).toContain("127.0.0.1:8080");
    // promtool is optional (a heavy package); when it is installed, it must agree.
    const promtool = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
    if (promtool.error === undefined) expect(promtool.status, promtool.stdout + promtool.stderr).toBe(0);
  });

  it("the PromQL name extraction finds names and skips functions, keywords and labels", () => {
    expect(promqlMetricNames('histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{route="/v1/search"}[5m]))) > 1 and on(instance) up == 0')).toEqual([
      "x_bucket",
      "up",
    ]);
  });
});

describe("metrics module", () => {
  it("the scrape has the seed's four gauges, cache counters by role and default process metrics", () => {
    const names = sampleNames(scraped);
    for (const n of [
      "vcf_agent_memory_optimization_reduction_percent",
      "vcf_agent_cache_hit_rate",
      "vcf_agent_embedding_dimensions",
      "vcf_agent_memory_usage_mb",
      "vcf_agent_cache_hits_total",
      "vcf_agent_cache_misses_total",
      "vcf_agent_cache_evictions_total",
      "vcf_agent_embedding_batch_duration_seconds_bucket",
      "vcf_agent_provider_retries_total",
      "vcf_agent_variants_ingested_total",
      "vcf_agent_http_request_duration_seconds_bucket",
      "process_cpu_seconds_total",
      "nodejs_heap_size_used_bytes",
    ]) {
      expect(names).toContain(n);
    }
    expect(scraped).toMatch(/^vcf_agent_cache_misses_total\{role="ingest"\} [1-9]/m);
    expect(scraped).toMatch(/^vcf_agent_cache_misses_total\{role="search"\} [1-9]/m);
  });

  it("ingest counters equal the pipeline's summary, and a standalone endpoint serves them", async () => {
    const metrics = new VcfAgentMetrics({ defaultMetrics: false });
    const provider = new LocalEmbeddingProvider();
    const run = new IngestMetrics(metrics, provider);
    const input = generated(400, 12);
    const summary = await ingestVcf({ input, config: config(path.join(tmp, "ingest-db")), provider, onProgress: (p) => run.progress(p) });
    run.finish(summary);
    const endpoint = await serveMetrics(metrics, { port: 0 });
    try {
      const res = await fetch(endpoint.url);
      expect(res.status).toBe(200);
      const text = await res.text();
      const value = (series: string): number => Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(text)?.[1]);
      expect(value("vcf_agent_variants_read_total")).toBe(summary.variantsRead);
      expect(value("vcf_agent_variants_ingested_total")).toBe(summary.variantsWritten);
      expect(value('vcf_agent_variants_skipped_total{reason="duplicate_in_file"}')).toBe(summary.duplicatesInFile);
      expect(value('vcf_agent_ingest_jobs_total{outcome="done"}')).toBe(1);
      expect(value("vcf_agent_ingest_jobs_running")).toBe(0);
      const hits = value('vcf_agent_cache_hits_total{role="ingest"}');
      const misses = value('vcf_agent_cache_misses_total{role="ingest"}');
      expect(hits + misses).toBe(summary.optimization.cacheStats.hits + summary.optimization.cacheStats.misses);
      expect(value("vcf_agent_cache_hit_rate")).toBeCloseTo(summary.cacheHitRate, 1);
      expect((await fetch(endpoint.url.replace("/metrics", "/other"))).status).toBe(404);
    } finally {
      await endpoint.close();
      metrics.close();
    }
  });

  it("counters never go down when a service retires; services of other exporters are ignored", async () => {
    const metrics = new VcfAgentMetrics({ defaultMetrics: false });
    const other = new VcfAgentMetrics({ defaultMetrics: false });
    try {
      const read = async (m: VcfAgentMetrics, series: string): Promise<number> =>
        Number(new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(await m.text())?.[1] ?? "NaN");
      const a = new VariantEmbeddingService(new SessionConfig({ memoryOptimization: { optimizationLevel: "basic" } }));
      metrics.watchService(a, "search");
      await a.embedQueries(["x", "y", "x"]);
      await a.embedQueries(["x"]);
      const before = await read(metrics, 'vcf_agent_cache_hits_total{role="search"}');
      expect(before).toBe(1);
      metrics.unwatchService(a);
      a.close();
      expect(await read(metrics, 'vcf_agent_cache_hits_total{role="search"}')).toBe(before);
      expect(await read(metrics, 'vcf_agent_cache_misses_total{role="search"}')).toBe(2);
      // a's batches after it was unwatched, and batches of a service nobody watches, are not counted.
      expect(await read(other, 'vcf_agent_embedding_texts_total{provider="local:vcf-hash-v1:1536",role="search"}')).toBeNaN();
      expect(await read(metrics, 'vcf_agent_embedding_texts_total{provider="local:vcf-hash-v1:1536",role="search"}')).toBe(4);
    } finally {
      metrics.close();
      other.close();
    }
  });

  it("provider failures are counted per provider", async () => {
    const metrics = new VcfAgentMetrics({ defaultMetrics: false });
    const failing: EmbeddingProvider = {
      id: "test:failing:8",
      dimensions: 8,
      embedDocuments: async () => {
        throw new Error("upstream 503");
      },
      embedQuery: async () => {
        throw new Error("upstream 503");
      },
    };
    try {
      const service = new VariantEmbeddingService(new SessionConfig({ memoryOptimization: { optimizationLevel: "basic" } }), { provider: failing });
      metrics.watchService(service, "search");
      await expect(service.embedQueries(["a"])).rejects.toThrow("upstream 503");
      await expect(service.embedQueries(["b"])).rejects.toThrow("upstream 503");
      expect(await metrics.text()).toMatch(/^vcf_agent_provider_errors_total\{provider="test:failing:8"\} 2$/m);
      service.close();
    } finally {
      metrics.close();
    }
  });
});
