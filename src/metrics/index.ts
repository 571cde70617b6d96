/** Prometheus metrics (`vcf-agent/metrics`), in their own registry, with the seed's gauge names. */
export { VcfAgentMetrics, METRIC, effectiveReductionPercent, type MetricsOptions } from "./prometheus.js";
export { IngestMetrics } from "./ingest.js";
export { serveMetrics, type MetricsEndpoint } from "./http.js";
