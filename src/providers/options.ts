/**
 * Tuning of the remote providers that is not user configuration. The user-facing
 * `EmbeddingOptions` are owned by the configuration module and re-exported here.
 */
export type { EmbeddingOptions, ProviderName } from "../config/types.js";

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
