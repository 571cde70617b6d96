import type { EmbeddingOptions, MemoryOptimizationConfig } from "../config.js";
import { createProvider as createRemoteProvider } from "./factory.js";
import { LocalEmbeddingProvider } from "./local.js";
import type { EmbeddingProvider } from "./provider.js";

/** Models that were trained to be truncated (Matryoshka) and accept a `dimensions` request. */
export function supportsNativeDimensions(options: Pick<EmbeddingOptions, "provider" | "model">): boolean {
  return options.provider === "openai" && /^text-embedding-3-/.test(options.model ?? "text-embedding-3-small");
}

/**
 * The provider a session asks for. With dimension reduction on and a model that can
 * emit the target width itself, the provider is asked for that width (no PCA needed).
 */
export function createProvider(options: EmbeddingOptions, memory?: MemoryOptimizationConfig): EmbeddingProvider {
  if (options.provider === "local") {
    return new LocalEmbeddingProvider(options.dimensions === undefined ? {} : { dimensions: options.dimensions });
  }
  if (memory?.dimensionReductionEnabled && options.dimensions === undefined && supportsNativeDimensions(options)) {
    return createRemoteProvider({ ...options, dimensions: memory.targetDimensions });
  }
  return createRemoteProvider(options);
}
