import type { EmbeddingOptions, MemoryOptimizationConfig } from "../config.js";
import { createProvider as createRemoteProvider, supportsNativeDimensions } from "./remote/create.js";
import { LocalEmbeddingProvider } from "./local/embedder.js";
import type { EmbeddingProvider } from "./provider.js";

/** True when `p` returns a width it was asked for (Matryoshka models), so PCA is not needed. */
export function emitsNativeDimensions(p: EmbeddingProvider): boolean {
  return (p as { supportsNativeDimensions?: boolean }).supportsNativeDimensions === true;
}

/**
 * The provider a session asks for: `local` (default) or a remote one. With dimension
 * reduction on and a model that can emit the target width itself, the provider is asked
 * for that width, and no PCA is fitted.
 */
export function createProvider(options: EmbeddingOptions, memory?: MemoryOptimizationConfig): EmbeddingProvider {
  if (options.provider === "local") {
    return new LocalEmbeddingProvider(options.dimensions === undefined ? {} : { dimensions: options.dimensions });
  }
  const native = memory?.dimensionReductionEnabled === true && supportsNativeDimensions(options);
  return createRemoteProvider(options, native && memory ? { targetDimensions: memory.targetDimensions } : {});
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
