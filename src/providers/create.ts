/**
 * The one provider factory: `local` (the default, no network) or a remote model, and the
 * questions callers ask of a provider before using it (its width, native reduction).
 */
import type { MemoryOptimizationConfig } from "../config/memory.js";
import type { EmbeddingOptions } from "../config/types.js";
import { ConfigError } from "../errors.js";
import { LocalEmbeddingProvider } from "./local/embedder.js";
import type { RetryTuning } from "./options.js";
import type { EmbeddingProvider } from "./provider.js";
import { OllamaProvider } from "./remote/ollama.js";
import { OpenAIProvider, openaiSupportsNativeDimensions } from "./remote/openai.js";

/** Extra choices of {@link createProvider} that are not provider configuration. */
export interface ProviderChoices {
  /**
   * Width the caller wants in the end (e.g. the PCA target). When the model can be asked
   * for it natively (text-embedding-3-*) and `dimensions` is not set, the provider
   * requests it from the server, its `dimensions` equals it and PCA is not needed.
   */
  targetDimensions?: number;
  /** Backoff schedule of the retry layer (tests and benchmarks shorten it). */
  retry?: RetryTuning;
}

/**
 * True when `options` name a model that returns `targetDimensions` natively (Matryoshka
 * truncation) — the service then skips PCA and reports the reduction as `native`.
 */
export function supportsNativeDimensions(options: EmbeddingOptions): boolean {
  return options.provider === "openai" && openaiSupportsNativeDimensions(options.model ?? "text-embedding-3-small");
}

/** True when `p` returns a width it was asked for (Matryoshka models), so PCA is not needed. */
export function emitsNativeDimensions(p: EmbeddingProvider): boolean {
  return (p as { supportsNativeDimensions?: boolean }).supportsNativeDimensions === true;
}

/**
 * The provider `options` describe: `local` (default), `openai` (also any OpenAI-compatible
 * server via `baseUrl`) or `ollama`. Given the session's memory options with dimension
 * reduction on, a model that can emit the target width itself is asked for it.
 *
 * @example
 * ```ts
 * const p = createProvider({ provider: "openai" }, { targetDimensions: 768 });
 * p.dimensions;   // 768, requested from the API: no PCA needed
 * ```
 */
export function createProvider(options: EmbeddingOptions, choices: ProviderChoices | MemoryOptimizationConfig = {}): EmbeddingProvider {
  const c: ProviderChoices =
    "dimensionReductionEnabled" in choices
      ? choices.dimensionReductionEnabled
        ? { targetDimensions: choices.targetDimensions }
        : {}
      : choices;
  switch (options.provider) {
    case "local":
      return new LocalEmbeddingProvider(options.dimensions === undefined ? {} : { dimensions: options.dimensions });
    case "openai": {
      const native = c.targetDimensions !== undefined && options.dimensions === undefined && supportsNativeDimensions(options);
      return new OpenAIProvider(native ? { ...options, dimensions: c.targetDimensions } : options, c.retry);
    }
    case "ollama":
      return new OllamaProvider(options, c.retry);
    default:
      throw new ConfigError("embedding.provider", `unknown provider ${JSON.stringify((options as { provider: unknown }).provider)}; expected "local", "openai" or "ollama"`);
  }
}

/**
 * Waits until `p` knows its width: a remote model whose width is not in the provider's
 * table (an unlisted Ollama tag, an unknown model on an OpenAI-compatible server) learns
 * it from one probe request. The local provider and known models return at once.
 */
export async function readyProvider<P extends EmbeddingProvider>(p: P, options: { signal?: AbortSignal } = {}): Promise<P> {
  const r = p as { dimensionsKnown?: boolean; resolveDimensions?: (o?: { signal?: AbortSignal }) => Promise<number> };
  if (r.dimensionsKnown === false && typeof r.resolveDimensions === "function") await r.resolveDimensions(options);
  return p;
}
