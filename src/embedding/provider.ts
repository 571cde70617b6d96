/**
 * What every embedding provider implements (LangChain's `Embeddings` shape, so providers
 * plug into LangChain and LanceDB). Vectors are Float32Array end to end.
 */
export interface EmbeddingProvider {
  /** Model + width, e.g. `local:vcf-hash-v1:1536`; part of every cache key. */
  readonly id: string;
  /** Width of every vector this provider returns. */
  readonly dimensions: number;
  /** One vector per text, same order, each `dimensions` long. */
  embedDocuments(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
  /** One vector for a query text. */
  embedQuery(text: string, options?: { signal?: AbortSignal }): Promise<Float32Array>;
}
