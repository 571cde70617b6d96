/**
 * Options that choose and tune an embedding provider. Structurally the same as the
 * `EmbeddingOptions` of the configuration module, so a parsed config passes straight in.
 */

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

/** Defaults shared by the remote providers. */
export const REMOTE_DEFAULTS = {
  concurrency: 4,
  timeoutMs: 60_000,
  maxRetries: 5,
} as const;

/**
 * Knobs that are not user configuration but matter to tests and benchmarks:
 * the backoff schedule of the retry layer.
 */
export interface RetryTuning {
  /** First backoff ceiling in ms (full jitter picks in [0, ceiling]); doubles per retry. Default 500. */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms. Default 20 000. */
  maxDelayMs?: number;
  /** Largest server-requested wait (`retry-after`) honoured, in ms. Default 60 000. */
  maxRetryAfterMs?: number;
}
