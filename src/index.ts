/**
 * vcf-agent: stream VCF files, describe and embed variants in bounded memory, reduce them
 * with PCA, store them in LanceDB, and report what every optimization measurably saved.
 *
 * The package root is the user-level API. Each area has its own entry point with the
 * rest: `vcf-agent/vcf`, `/providers`, `/embedding`, `/reduce`, `/store`, `/pipeline`,
 * `/config`, `/memory`, and — with their heavy dependencies — `/server` (fastify) and
 * `/metrics` (prom-client), which importing the root never loads.
 */
export { VcfAgentError, VcfFormatError, ConfigError, type ErrorCode } from "./errors.js";
export {
  MemoryOptimizationConfig,
  SessionConfig,
  resolveSessionConfig,
  loadConfigFile,
  configFromEnv,
  type OptimizationLevel,
  type MemoryOptimizationOptions,
  type SessionConfigInput,
  type EmbeddingOptions,
} from "./config.js";
export { VariantEmbeddingService, type OptimizationStats, type OptimizationStatus } from "./embedding/index.js";
export { openVcf, describeVariant, type Variant } from "./vcf/index.js";
export { createProvider, LocalEmbeddingProvider, type EmbeddingProvider } from "./providers/index.js";
export { VariantStore, type Filter, type VariantHit } from "./store/index.js";
export { ingestVcf, VariantSearch, type IngestOptions, type IngestSummary, type QueryOptions } from "./pipeline/index.js";
