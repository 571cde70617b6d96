/**
 * `vcf-agent ingest --metrics-port N`: the service's metrics, served while a CLI ingest
 * runs, so Prometheus can watch a long batch load (variants/s, cache, memory, latency).
 */
import type { SessionConfig } from "../config.js";
import type { EmbeddingProvider } from "../providers/provider.js";
import { createProvider } from "../providers/create.js";
import { VcfAgentError } from "../errors.js";
import { serveMetrics } from "../metrics/http.js";
import { IngestMetrics } from "../metrics/ingest.js";
import { VcfAgentMetrics } from "../metrics/prometheus.js";
import type { IngestProgress } from "../pipeline/ingest.js";

/** A metrics endpoint bound to one ingest run. */
export interface IngestMetricsExporter {
  /** Pass to ingestVcf, so its embedding service is recognized and read. */
  readonly provider: EmbeddingProvider;
  progress(p: IngestProgress): void;
  finish(result: unknown): void;
  close(): Promise<void>;
}

/** Starts `http://127.0.0.1:<port>/metrics` for an ingest with `config`. */
export async function startIngestMetrics(config: SessionConfig, port: string): Promise<IngestMetricsExporter> {
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new VcfAgentError(`option --metrics-port: expected a port 0-65535, got '${port}'`, "USAGE");
  const metrics = new VcfAgentMetrics();
  const provider = createProvider(config.embedding, config.memoryOptimization);
  const run = new IngestMetrics(metrics, provider);
  const endpoint = await serveMetrics(metrics, { port: n });
  process.stderr.write(`vcf-agent: metrics at ${endpoint.url}\n`);
  return {
    provider,
    progress: (p) => run.progress(p),
    finish: (result) => run.finish(result),
    close: async () => {
      await endpoint.close();
      metrics.close();
    },
  };
}
