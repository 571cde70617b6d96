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
  /**
   * Texts one {@link EmbeddingProvider.embedDocuments} call keeps in flight at once: a
   * remote provider's `batchSize × concurrency`. A pipeline that hands over fewer per call
   * sends short requests, fewer at a time. Absent: any count does.
   */
  readonly requestWindow?: number;
}

/**
 * A provider whose vector is a cheap, deterministic composition of an expensive,
 * often-repeated "semantic" part and a per-text part (locus, alleles). The service
 * caches the semantic part under {@link ComposableProvider.semanticKey}, so variants
 * that share annotations share one cache entry even though their positions differ.
 * Contract: `compose(embedSemantic([semanticKey(t)])[0], t)` equals `embedDocuments([t])[0]` bit for bit.
 */
export interface ComposableProvider extends EmbeddingProvider {
  /** The cacheable part of a text (for a variant description: everything but locus and alleles). */
  semanticKey(text: string): string;
  /** Semantic components (not normalized), one per key, each `dimensions` long. */
  embedSemantic(keys: readonly string[]): Float32Array[];
  /** The final L2-normalized vector of `text`, from its semantic component (not modified). */
  compose(semantic: Float32Array, text: string): Float32Array;
}

/**
 * A composable provider whose per-text part fills one contiguous tail of the vector,
 * `[tailStart, dimensions)`, where semantic components are zero. Then
 * `compose(s, t) = (s ⊕ tail(t)) / ‖s ⊕ tail(t)‖`, and anything linear applied to the
 * final vector (a PCA projection) splits into a cached part for `s` and a small part
 * for the tail (see src/reduce/factored.ts).
 */
export interface FactoredProvider extends ComposableProvider {
  /** First index of the per-text part. */
  readonly tailStart: number;
  /**
   * Writes the per-text part of `text` (its values at `tailStart … dimensions − 1`, before
   * the overall normalization) into `out` from `offset`, and returns its squared norm.
   * `compose(s, text)` equals `(s ⊕ that tail) / √(‖s‖² + returned)`.
   */
  writeTail(text: string, out: Float32Array, offset: number): number;
}

/** True when `p` implements {@link FactoredProvider}. */
export function isFactored(p: EmbeddingProvider): p is FactoredProvider {
  const f = p as Partial<FactoredProvider>;
  return isComposable(p) && typeof f.tailStart === "number" && typeof f.writeTail === "function";
}

/** True when `p` implements {@link ComposableProvider}. */
export function isComposable(p: EmbeddingProvider): p is ComposableProvider {
  const c = p as Partial<ComposableProvider>;
  return typeof c.semanticKey === "function" && typeof c.embedSemantic === "function" && typeof c.compose === "function";
}
