import type { EmbeddingOptions, MemoryOptimizationConfig } from "../config.js";
import { createProvider as createRemoteProvider, supportsNativeDimensions } from "./factory.js";
import { LocalEmbeddingProvider } from "./local.js";
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
