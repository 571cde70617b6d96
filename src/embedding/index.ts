/** The embedding service (cache → provider → output stage, in streaming batches) and its bounded caches. */
export {
  VariantEmbeddingService,
  stageRequestOf,
  type ServiceDependencies,
  type EmbedBatchEvent,
} from "./service.js";
export type { OptimizationStats, OptimizationStatus, CacheStatsSummary, GenerationStats } from "./stats.js";
export { createCache, estimateEntryBytes, type EmbeddingCache, type CacheStats, type CacheOptions, type CacheEvictions } from "./cache/create.js";
