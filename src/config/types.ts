/** How hard vcf-agent works to save memory; each level is a set of option defaults. */
export type OptimizationLevel = "basic" | "standard" | "aggressive";
/** `simple`: FIFO map; `memory_aware`: LRU bounded by entries and accounted bytes. */
export type CachingStrategy = "simple" | "memory_aware";
/** ANN index built after ingest on large tables (`none` = flat search only). */
export type AnnIndexType = "none" | "ivf_pq" | "ivf_rq" | "hnsw_sq";
/** The embedding backends vcf-agent knows. */
export type ProviderName = "local" | "openai" | "ollama";

/** Which provider to use and how to talk to it. Every field but `provider` is optional. */
export interface EmbeddingOptions {
  provider: ProviderName;
  /** Model name, e.g. `text-embedding-3-small` (OpenAI) or `nomic-embed-text` (Ollama). */
  model?: string;
  /** Server base URL, e.g. `http://127.0.0.1:8000/v1` for an OpenAI-compatible server. */
  baseUrl?: string;
  /** Secret; OpenAI falls back to `OPENAI_API_KEY`. Never logged or serialized. */
  apiKey?: string;
  /** Vector width to request (where the API accepts it) and to check every response against. */
  dimensions?: number;
  /** Texts per HTTP request. */
  batchSize?: number;
  /** HTTP requests in flight at once, per provider. */
  concurrency?: number;
  /** Per-attempt timeout in milliseconds. */
  timeoutMs?: number;
  /** Retries after the first attempt for retryable failures (408, 429, 5xx, network, timeout). */
  maxRetries?: number;
}


/** The memory optimization options (the seed's `MemoryOptimizationConfig`, camelCase). */
export interface MemoryOptimizationOptions {
  optimizationLevel: OptimizationLevel;
  /** Monitor RSS and clean up (trim caches, gc) above `memoryCleanupThresholdMb`. */
  memoryManagementEnabled: boolean;
  /** Reduce embeddings with PCA to `targetDimensions`. */
  dimensionReductionEnabled: boolean;
  /** PCA output width; an integer from 2 to 4096. */
  targetDimensions: number;
  /** Vectors collected before PCA is fitted; default 4 × targetDimensions, at least 2 ×. */
  trainingSamples: number;
  cachingStrategy: CachingStrategy;
  /** Upper bound of the embedding cache's accounted size, in MiB (> 0). */
  cacheMaxSizeMb: number;
  /** Upper bound of cache entries; an integer ≥ 1 (a cache is never unbounded). */
  cacheMaxEntries: number;
  /** Texts per streamed batch; an integer from 1 to 100000. */
  streamingBatchSize: number;
  /** RSS (MiB) above which the memory monitor cleans up (> 0). */
  memoryCleanupThresholdMb: number;
  /** How often the monitor samples during long work, in ms (0 = only on demand). */
  memoryMonitorIntervalMs: number;
  /** ANN index built after ingest on large tables. */
  annIndex: AnnIndexType;
}


/** Where vectors are stored. */
export interface StoreOptions {
  /** LanceDB URI: a local directory (default `./vcf-agent-db`) or object storage (`s3://…`). */
  uri: string;
  /** Table name (default `variants`). */
  table: string;
  /**
   * LanceDB/object-store options for `s3://`, `gs://`, `az://` URIs, e.g. `endpoint`,
   * `region`, `allow_http`; credentials are better left to the `AWS_*` variables, which the
   * store reads itself. Values that look like secrets are never logged or reported.
   */
  storageOptions?: Readonly<Record<string, string>>;
  /**
   * How often (seconds) a reader checks the table for versions committed by other processes
   * (LanceDB's read consistency interval): serving replicas see rows an ingest elsewhere
   * appended within this interval. 0 checks on every read; unset never checks (a handle sees
   * the version it opened).
   */
  readConsistencySeconds?: number;
}

/**
 * Configuration as read from one source (file, environment, explicit overrides):
 * every option optional, nothing merged or defaulted yet.
 */
export interface ConfigInput {
  memoryOptimization?: Partial<MemoryOptimizationOptions>;
  embedding?: Partial<EmbeddingOptions>;
  store?: Partial<StoreOptions>;
}
