/**
 * Adapters that let a vcf-agent provider serve other libraries. LangChain's `Embeddings`
 * shape (`embedDocuments`, `embedQuery`) is already the provider interface; this file
 * adds LanceDB's embedding-function shape.
 */
import type { EmbeddingProvider } from "./provider.js";

/** A provider that can learn its width from the server (the remote providers can). */
interface ResolvesDimensions {
  resolveDimensions(options?: { signal?: AbortSignal }): Promise<number>;
}

function resolves(p: EmbeddingProvider): p is EmbeddingProvider & ResolvesDimensions {
  return typeof (p as Partial<ResolvesDimensions>).resolveDimensions === "function";
}

/**
 * Wraps a provider in the method set of LanceDB's `EmbeddingFunction<string>`
 * (`ndims`, `init`, `computeSourceEmbeddings`, `computeQueryEmbeddings`, `toJSON`), so a
 * subclass of LanceDB's base class can delegate to it, or LanceDB can call it directly.
 * This module does not import LanceDB. `toJSON()` never contains secrets.
 *
 * @example
 * ```ts
 * const fn = new LanceEmbeddingFunction(createProvider({ provider: "ollama" }));
 * await fn.init();
 * const rows = await fn.computeSourceEmbeddings(["a", "b"]);
 * ```
 */
export class LanceEmbeddingFunction {
  readonly #provider: EmbeddingProvider;

  constructor(provider: EmbeddingProvider) {
    this.#provider = provider;
  }

  /** The wrapped provider. */
  get provider(): EmbeddingProvider {
    return this.#provider;
  }

  /** Learns the vector width from the server when the provider does not know it yet. */
  async init(): Promise<void> {
    if (resolves(this.#provider)) await this.#provider.resolveDimensions();
  }

  /** Vector width, or undefined while it is not known (LanceDB then asks for it in the schema). */
  ndims(): number | undefined {
    try {
      return this.#provider.dimensions;
    } catch {
      return undefined;
    }
  }

  /** One vector per text, in order. */
  computeSourceEmbeddings(data: string[]): Promise<Float32Array[]> {
    return this.#provider.embedDocuments(data);
  }

  /** The vector of one query text (LanceDB's method name). */
  computeQueryEmbeddings(data: string): Promise<Float32Array> {
    return this.#provider.embedQuery(data);
  }

  /** Same as {@link computeQueryEmbeddings}, under the singular name some callers use. */
  computeQueryEmbedding(data: string): Promise<Float32Array> {
    return this.#provider.embedQuery(data);
  }

  /**
   * What recreates this function, stored by LanceDB in the table schema: the provider's
   * own secret-free `toJSON()` when it has one, else its id. Never an API key.
   */
  toJSON(): Record<string, unknown> {
    const p = this.#provider as EmbeddingProvider & { toJSON?: () => unknown };
    if (typeof p.toJSON === "function") {
      const j = p.toJSON();
      if (j !== null && typeof j === "object") return { ...(j as Record<string, unknown>) };
    }
    return { id: this.#provider.id };
  }
}
