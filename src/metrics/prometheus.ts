/**
 * Prometheus metrics of vcf-agent, in their own prom-client Registry (never the global
 * one). Core code only exposes numbers (getOptimizationStats(), cache stats, ingest
 * progress); this module reads them at scrape time in `collect()`, so a scrape costs
 * nothing between scrapes and every value is current.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { TierStatus } from "../pipeline/search-tier.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { VariantEmbeddingService, type EmbedBatchEvent, type OptimizationStats } from "../embedding/service.js";
import { ServiceSet } from "./_services.js";

/** Metric names other code (dashboards, alerts, tests) refers to. */
export const METRIC = {
  reductionPercent: "vcf_agent_memory_optimization_reduction_percent",
  cacheHitRate: "vcf_agent_cache_hit_rate",
  embeddingDimensions: "vcf_agent_embedding_dimensions",
  memoryUsageMb: "vcf_agent_memory_usage_mb",
  heapUsedMb: "vcf_agent_heap_used_mb",
  varianceRetained: "vcf_agent_pca_variance_retained_ratio",
  cacheHits: "vcf_agent_cache_hits_total",
  cacheMisses: "vcf_agent_cache_misses_total",
  cacheEvictions: "vcf_agent_cache_evictions_total",
  cacheEntries: "vcf_agent_cache_entries",
  cacheMemoryMb: "vcf_agent_cache_memory_mb",
  embeddingBatchSeconds: "vcf_agent_embedding_batch_duration_seconds",
  embeddingTexts: "vcf_agent_embedding_texts_total",
  providerErrors: "vcf_agent_provider_errors_total",
  providerRequests: "vcf_agent_provider_requests_total",
  providerRetries: "vcf_agent_provider_retries_total",
  variantsRead: "vcf_agent_variants_read_total",
  variantsIngested: "vcf_agent_variants_ingested_total",
  variantsSkipped: "vcf_agent_variants_skipped_total",
  ingestJobs: "vcf_agent_ingest_jobs_total",
  ingestJobsRunning: "vcf_agent_ingest_jobs_running",
  httpRequestSeconds: "vcf_agent_http_request_duration_seconds",
  searchTierBytes: "vcf_agent_search_tier_memory_bytes",
  searchTierBytesPerVector: "vcf_agent_search_tier_bytes_per_vector",
  searchTierRows: "vcf_agent_search_tier_rows",
  searchTierVersion: "vcf_agent_search_tier_table_version",
  searchTierReady: "vcf_agent_search_tier_ready",
  searchTierQueries: "vcf_agent_search_tier_queries_total",
} as const;

/** Why ingested variants were not written (label `reason` of the skipped counter). */
export type SkipReason = "reference_only" | "invalid" | "duplicate_in_file" | "already_stored";

/** How an ingest job ended (label `outcome` of the jobs counter). */
export type IngestOutcome = "done" | "failed" | "interrupted";

/** Options of {@link VcfAgentMetrics}. */
export interface MetricsOptions {
  /** Also export prom-client's default process metrics (CPU, RSS, heap, event loop, GC); default true. */
  readonly defaultMetrics?: boolean;
}

const MB = 1048576;

/**
 * Memory saved per vector by dimension reduction, percent. The output stage measures the
 * bytes of vectors it emitted; a search-only service emits none (queries are projected,
 * not emitted), so then the widths it hands out give the same ratio.
 */
export function effectiveReductionPercent(stats: OptimizationStats): number {
  const dr = stats.dimensionReductionStats;
  if (dr.memoryReductionPercent > 0) return dr.memoryReductionPercent;
  const reduced = dr.isTrained || dr.reduction === "native";
  return reduced && dr.originalDimensions > 0 ? round(100 * (1 - stats.embeddingDimensions / dr.originalDimensions), 2) : 0;
}
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The registry and every metric vcf-agent exports, including the seed's four gauges.
 * Services are read at scrape time; call {@link VcfAgentMetrics.close} to detach.
 * @example
 * const metrics = new VcfAgentMetrics();
 * metrics.watchService(search.service, "search");
 * res.setHeader("content-type", metrics.contentType).end(await metrics.text());
 */
export class VcfAgentMetrics {
  /** The registry all metrics live in. */
  readonly registry = new Registry();
  private readonly services = new ServiceSet();
  private readonly stopListening: () => void;
  private readonly batchSeconds: Histogram<"provider" | "role">;
  private readonly embeddingTexts: Counter<"provider" | "role">;
  private readonly providerErrors: Counter<"provider">;
  private readonly httpSeconds: Histogram<"method" | "route" | "status_code">;
  /** Ingest counters, incremented by {@link IngestMetrics}. */
  readonly ingest: {
    readonly read: Counter;
    readonly ingested: Counter;
    readonly skipped: Counter<"reason">;
    readonly jobs: Counter<"outcome">;
    readonly running: Gauge;
  };

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const services = this.services;
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    const primaryStats = () => services.primary()?.getOptimizationStats();
    new Gauge({
      name: METRIC.reductionPercent,
      help: "Memory saved per stored vector by dimension reduction, percent (100 × (1 − output width / provider width))",
      registers,
      collect() {
        const s = primaryStats();
        this.set(s === undefined ? 0 : effectiveReductionPercent(s));
      },
    });
    const hitRate: Gauge = new Gauge({
      name: METRIC.cacheHitRate,
      help: "Embedding cache hit rate, percent of look-ups since start, all services",
      registers,
      collect: () => {
        hitRate.set(this.cacheSummary().hitRate);
      },
    });
    new Gauge({
      name: METRIC.embeddingDimensions,
      help: "Width of the vectors handed out (the table's width: reduced once PCA is fitted)",
      registers,
      collect() {
        this.set(services.primary()?.embeddingDimensions ?? services.anyProvider()?.dimensions ?? 0);
      },
    });
    new Gauge({
      name: METRIC.memoryUsageMb,
      help: "Resident set size of the process, MiB",
      registers,
      collect() {
        this.set(round(process.memoryUsage.rss() / MB));
      },
    });
    new Gauge({
      name: METRIC.heapUsedMb,
      help: "V8 heap in use, MiB",
      registers,
      collect() {
        this.set(round(process.memoryUsage().heapUsed / MB));
      },
    });
    new Gauge({
      name: METRIC.varianceRetained,
      help: "Share of the embedding variance the PCA model keeps (0..1); NaN while no model is fitted",
      registers,
      collect() {
        this.set(primaryStats()?.dimensionReductionStats.varianceRetained ?? Number.NaN);
      },
    });

    new Counter({
      name: METRIC.cacheHits,
      help: "Embedding cache hits",
      labelNames: ["role"],
      registers,
      collect() {
        this.reset();
        for (const [role, t] of services.cacheTotals()) this.inc({ role }, t.hits);
      },
    });
    new Counter({
      name: METRIC.cacheMisses,
      help: "Embedding cache misses",
      labelNames: ["role"],
      registers,
      collect() {
        this.reset();
        for (const [role, t] of services.cacheTotals()) this.inc({ role }, t.misses);
      },
    });
    new Counter({
      name: METRIC.cacheEvictions,
      help: "Embedding cache evictions by reason (size, count, cleanup, overwrite)",
      labelNames: ["role", "reason"],
      registers,
      collect() {
        this.reset();
        for (const [role, t] of services.cacheTotals()) for (const [reason, n] of Object.entries(t.evictions)) this.inc({ role, reason }, n);
      },
    });
    new Gauge({
      name: METRIC.cacheEntries,
      help: "Entries in the embedding caches now",
      labelNames: ["role"],
      registers,
      collect() {
        this.reset();
        for (const [role, t] of services.cacheTotals()) this.set({ role }, t.entries);
      },
    });
    new Gauge({
      name: METRIC.cacheMemoryMb,
      help: "Bytes held by the embedding caches now (their own accounting), MiB",
      labelNames: ["role"],
      registers,
      collect() {
        this.reset();
        for (const [role, t] of services.cacheTotals()) this.set({ role }, round(t.memoryMb));
      },
    });

    this.batchSeconds = new Histogram({
      name: METRIC.embeddingBatchSeconds,
      help: "Wall time of one embedding batch (cache look-ups plus one provider call for the misses), seconds",
      labelNames: ["provider", "role"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.embeddingTexts = new Counter({
      name: METRIC.embeddingTexts,
      help: "Texts embedded (cache hits included)",
      labelNames: ["provider", "role"],
      registers,
    });
    this.providerErrors = new Counter({
      name: METRIC.providerErrors,
      help: "Embedding batches whose provider call failed (after the provider's own retries)",
      labelNames: ["provider"],
      registers,
    });
    new Counter({
      name: METRIC.providerRequests,
      help: "HTTP requests made by remote embedding providers, retries included (0 for the local provider)",
      labelNames: ["provider"],
      registers,
      collect() {
        this.reset();
        for (const [provider, s] of services.providerRequests()) this.inc({ provider }, s.requests);
      },
    });
    new Counter({
      name: METRIC.providerRetries,
      help: "Retried requests of remote embedding providers (429, 5xx, timeouts)",
      labelNames: ["provider"],
      registers,
      collect() {
        this.reset();
        for (const [provider, s] of services.providerRequests()) this.inc({ provider }, s.retries);
      },
    });

    this.ingest = {
      read: new Counter({ name: METRIC.variantsRead, help: "Variants read from VCF input (after splitting multi-allelic sites)", registers }),
      ingested: new Counter({ name: METRIC.variantsIngested, help: "Variants written to the table (new rows)", registers }),
      skipped: new Counter({
        name: METRIC.variantsSkipped,
        help: "Variants not written, by reason (reference_only, invalid, duplicate_in_file, already_stored)",
        labelNames: ["reason"],
        registers,
      }),
      jobs: new Counter({ name: METRIC.ingestJobs, help: "Ingest runs finished, by outcome (done, failed, interrupted)", labelNames: ["outcome"], registers }),
      running: new Gauge({ name: METRIC.ingestJobsRunning, help: "Ingest runs in progress", registers }),
    };
    // Series exist from the start, so rate() and alerts see 0 rather than nothing.
    for (const reason of ["reference_only", "invalid", "duplicate_in_file", "already_stored"] satisfies SkipReason[]) this.ingest.skipped.inc({ reason }, 0);
    for (const outcome of ["done", "failed", "interrupted"] satisfies IngestOutcome[]) this.ingest.jobs.inc({ outcome }, 0);

    this.httpSeconds = new Histogram({
      name: METRIC.httpRequestSeconds,
      help: "HTTP request duration by route pattern, seconds",
      labelNames: ["method", "route", "status_code"],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });

    this.stopListening = VariantEmbeddingService.onBatch((e) => this.onBatch(e));
  }

  /** Content-Type of {@link VcfAgentMetrics.text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #tier: (() => TierStatus) | null = null;
  #tierGauges = false;

  /** Exports the search tier's size, rows, version and queries, read at scrape time. */
  watchTier(status: () => TierStatus): void {
    this.#tier = status;
    if (this.#tierGauges) return;
    this.#tierGauges = true;
    const registers = [this.registry];
    const read = (): TierStatus | null => this.#tier?.() ?? null;
    const gauge = (name: string, help: string, value: (s: TierStatus) => number | null): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.reset();
          const s = read();
          const v = s === null ? null : value(s);
          if (v !== null) this.set(v);
        },
      });
    };
    gauge(METRIC.searchTierBytes, "Bytes the in-memory search tier holds (codes, factors, filter columns, value lists, offsets)", (s) => s.summary?.memoryBytes ?? 0);
    gauge(METRIC.searchTierBytesPerVector, "Bytes the in-memory search tier holds per stored vector", (s) => (s.summary === null ? null : round(s.summary.bytesPerVector, 1)));
    gauge(METRIC.searchTierRows, "Rows in the search tier", (s) => s.summary?.rows ?? 0);
    gauge(METRIC.searchTierVersion, "Table version the search tier was built from", (s) => s.summary?.version ?? null);
    gauge(METRIC.searchTierReady, "1 when the search tier answers (built; it is used only while current for the table version)", (s) => (s.summary === null ? 0 : 1));
    new Counter({
      name: METRIC.searchTierQueries,
      help: "Searches answered by the in-memory tier (path=tier) and by LanceDB (path=table: tier not current, building, or a filter it cannot answer)",
      labelNames: ["path"],
      registers,
      collect() {
        this.reset();
        const s = read();
        if (s === null) return;
        this.inc({ path: "tier" }, s.queries.tier);
        this.inc({ path: "table" }, s.queries.table);
      },
    });
  }

  /** The exposition text (every `collect()` runs now). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Cache look-ups of every watched service since start (retired ones included), by role
   * and overall; `hitRate` is a percent, the value of `vcf_agent_cache_hit_rate`.
   */
  cacheSummary(): { hitRate: number; roles: Record<string, { hits: number; misses: number; hitRate: number; entries: number; memoryMb: number }> } {
    const roles: Record<string, { hits: number; misses: number; hitRate: number; entries: number; memoryMb: number }> = {};
    let hits = 0;
    let lookups = 0;
    for (const [role, t] of this.services.cacheTotals()) {
      const n = t.hits + t.misses;
      roles[role] = { hits: t.hits, misses: t.misses, hitRate: n === 0 ? 0 : round((100 * t.hits) / n, 3), entries: t.entries, memoryMb: round(t.memoryMb) };
      hits += t.hits;
      lookups += n;
    }
    return { hitRate: lookups === 0 ? 0 : round((100 * hits) / lookups, 3), roles };
  }

  /** Reads `service` (cache, width, PCA) at every scrape and times its batches, until unwatched. */
  watchService(service: VariantEmbeddingService, role: string): void {
    this.services.watch(service, role);
    this.providerErrors.inc({ provider: service.provider.id }, 0);
  }

  /** Stops reading `service`; its counts stay in the totals. */
  unwatchService(service: VariantEmbeddingService): void {
    this.services.unwatch(service);
  }

  /** Adopts services built on `provider` (e.g. inside ingestVcf) under `role` at their first batch. */
  trackProvider(provider: EmbeddingProvider, role: string): void {
    this.services.track(provider, role);
    this.providerErrors.inc({ provider: provider.id }, 0);
  }

  /** Stops reading every service of `role` (their counts stay in the totals). */
  retireRole(role: string): void {
    this.services.unwatchRole(role);
  }

  /** Records one HTTP request; `route` is the route pattern (e.g. `/v1/jobs/:id`), never the raw URL. */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpSeconds.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** Detaches from the embedding services (the registry can still be scraped). */
  close(): void {
    this.stopListening();
  }

  private onBatch(e: EmbedBatchEvent): void {
    const role = this.services.roleOf(e.service);
    if (role === undefined) return; // a service of another exporter in the same process
    this.batchSeconds.observe({ provider: e.providerId, role }, e.seconds);
    this.embeddingTexts.inc({ provider: e.providerId, role }, e.texts);
    if (e.error !== undefined) this.providerErrors.inc({ provider: e.providerId });
  }
}
