/**
 * vcf-agent: stream VCF files, describe and embed variants in bounded memory, reduce them
 * with PCA, store them in LanceDB, and report what every optimization measurably saved.
 */
export { VcfAgentError, VcfFormatError, ConfigError, type ErrorCode } from "./errors.js";

export {
  MemoryOptimizationConfig,
  SessionConfig,
  DEFAULT_OPTIMIZATION_LEVEL,
  STORE_DEFAULTS,
  loadConfigFile,
  configFromEnv,
  resolveSessionConfig,
  type AnnIndexType,
  type CachingStrategy,
  type ConfigInput,
  type EmbeddingOptions,
  type MemoryOptimizationOptions,
  type OptimizationLevel,
  type ProviderName,
  type StoreOptions,
  type SessionConfigInput,
  type ResolveOptions,
} from "./config.js";

export {
  openVcf,
  openVcfStream,
  VcfReader,
  parseRegion,
  type ReadOptions,
  type ReaderStats,
  type Region,
  type Variant,
  type VcfHeader,
  type FieldDefinition,
  type InfoValue,
  type InfoScalar,
  type AlleleKind,
} from "./vcf/index.js";
export { annotationLayout, annotate, type AnnotationLayout, type VariantAnnotation } from "./vcf/annotations.js";
export { describeVariant, summarizeVariant, type VariantSummary } from "./vcf/describe.js";

export { isComposable, type EmbeddingProvider, type ComposableProvider } from "./providers/provider.js";
export { LocalEmbeddingProvider, type LocalEmbeddingOptions } from "./providers/local/embedder.js";
export { OpenAIProvider } from "./providers/remote/openai.js";
export { OllamaProvider } from "./providers/remote/ollama.js";
export { createProvider } from "./providers/create.js";
export { LanceEmbeddingFunction } from "./providers/adapters.js";
export { createCache, type EmbeddingCache, type CacheStats, type CacheOptions } from "./embedding/cache/create.js";
export {
  VariantEmbeddingService,
  type OptimizationStats,
  type OptimizationStatus,
  type CacheStatsSummary,
  type GenerationStats,
  type ServiceDependencies,
  type EmbedBatchEvent,
} from "./embedding/service.js";
export { IdentityStage, type OutputStage, type StageBatch, type DimensionReductionStats } from "./reduce/stage.js";
export { PcaStage, type PcaStageOptions } from "./reduce/pca-stage.js";

export { fitPca, fitPcaAsync, varianceRetained, type PcaModel } from "./reduce/pca.js";
export { projectBatch } from "./reduce/project.js";
export { saveModel, loadModel } from "./reduce/model-file.js";
export { PcaReducer, type PcaReducerStats } from "./reduce/reducer.js";

export { MemoryMonitor, type MemorySnapshot, type CleanupResult, type MemoryMonitorStats } from "./memory/monitor.js";

export {
  VariantStore,
  DEFAULT_DB_URI,
  DEFAULT_TABLE,
  parseFilter,
  compileFilters,
  FILTER_FIELDS,
  type Filter,
  type FilterField,
  type FilterOp,
  type SearchOptions,
  type StoreStats,
  type VariantRows,
  type VariantHit,
} from "./store/index.js";

export { ingestVcf, MIN_INDEX_ROWS, type IngestOptions, type IngestSummary, type IngestProgress } from "./pipeline/ingest.js";
export { VariantSearch, type QueryOptions } from "./pipeline/search.js";

export { buildServer, type ServerOptions, type VcfAgentServer } from "./server/app.js";
export { VcfAgentMetrics, METRIC, effectiveReductionPercent, type MetricsOptions } from "./metrics/prometheus.js";
export { IngestMetrics } from "./metrics/ingest.js";
export { serveMetrics, type MetricsEndpoint } from "./metrics/http.js";
