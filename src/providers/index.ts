/**
 * Embedding providers: the contract every provider implements, the one factory, the local
 * embedder (the default, offline) and the remote ones (OpenAI-compatible, Ollama).
 */
export { isComposable, isFactored, type EmbeddingProvider, type ComposableProvider, type FactoredProvider } from "./provider.js";
export { createProvider, readyProvider, emitsNativeDimensions, supportsNativeDimensions, type ProviderChoices } from "./create.js";
export { LocalEmbeddingProvider, LOCAL_EMBEDDING_VERSION, type LocalEmbeddingOptions } from "./local/embedder.js";
export { OpenAIProvider } from "./remote/openai.js";
export { OllamaProvider } from "./remote/ollama.js";
export { LanceEmbeddingFunction } from "./adapters.js";
export type { EmbeddingOptions, ProviderName } from "../config/types.js";
