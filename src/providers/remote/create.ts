/**
 * Builds the configured embedding provider from {@link EmbeddingOptions}.
 */
import { ConfigError } from "../../errors.js";
import type { EmbeddingProvider } from "../provider.js";
import type { EmbeddingOptions, RetryTuning } from "../options.js";
import { OpenAIProvider, openaiSupportsNativeDimensions } from "./openai.js";
import { OllamaProvider } from "./ollama.js";

/** Extra choices of {@link createProvider} that are not provider configuration. */
export interface ProviderFactoryOptions {
  /**
   * Width the caller wants in the end (e.g. the PCA target). When the model can be asked
   * for it natively (text-embedding-3-*) and `dimensions` is not set, the provider
   * requests it from the server, its `dimensions` equals it and PCA is not needed.
   */
  targetDimensions?: number;
  /** Backoff schedule of the retry layer (tests and benchmarks shorten it). */
  retry?: RetryTuning;
}

/** An embedding provider that may be able to return a requested width itself. */
export type CreatedProvider = EmbeddingProvider & { readonly supportsNativeDimensions: boolean };

/**
 * True when `options` name a model that returns `targetDimensions` natively (Matryoshka
 * truncation) — the service then skips PCA and reports the reduction as `native`.
 */
export function supportsNativeDimensions(options: EmbeddingOptions): boolean {
  return options.provider === "openai" && openaiSupportsNativeDimensions(options.model ?? "text-embedding-3-small");
}

/**
 * The provider `options` describe: `openai` (also any OpenAI-compatible server via
 * `baseUrl`) or `ollama`.
 *
 * @example
 * ```ts
 * const p = createProvider({ provider: "openai" }, { targetDimensions: 768 });
 * p.dimensions;   // 768, requested from the API: no PCA needed
 * ```
 */
export function createProvider(options: EmbeddingOptions, factory: ProviderFactoryOptions = {}): CreatedProvider {
  switch (options.provider) {
    case "openai": {
      const native = factory.targetDimensions !== undefined && options.dimensions === undefined && supportsNativeDimensions(options);
      return new OpenAIProvider(native ? { ...options, dimensions: factory.targetDimensions } : options, factory.retry);
    }
    case "ollama":
      return new OllamaProvider(options, factory.retry);
    case "local":
      // The local provider has no network settings; it is built where it is defined.
      throw new ConfigError("embedding.provider", 'createProvider builds "openai" and "ollama"; "local" is built by the local provider module');
    default:
      throw new ConfigError("embedding.provider", `unknown provider ${JSON.stringify((options as { provider: unknown }).provider)}; expected "local", "openai" or "ollama"`);
  }
}
