/**
 * Embeddings from a local or remote Ollama server through its batch endpoint
 * `POST /api/embed` (`input: string[]`), over HTTP with no SDK.
 */
import { VcfAgentError } from "../../errors.js";
import type { EmbeddingOptions, RetryTuning } from "../options.js";
import { RemoteProvider, redact, resolveCommon } from "./_remote.js";
import { RetryableFailure, describeError, httpFailure } from "./_retry.js";
import { nodeFetch, readText } from "./_transport.js";

/** Where `ollama serve` listens by default. */
export const OLLAMA_BASE_URL = "http://127.0.0.1:11434";

/**
 * Widths of common Ollama embedding models (the `latest` tag). Other models and tags
 * learn their width from the first response.
 */
export const OLLAMA_MODEL_DIMENSIONS: Readonly<Record<string, number>> = {
  "nomic-embed-text": 768,
  "mxbai-embed-large": 1024,
  "all-minilm": 384,
};

function knownWidth(model: string): number | undefined {
  const name = model.endsWith(":latest") ? model.slice(0, -":latest".length) : model;
  return OLLAMA_MODEL_DIMENSIONS[name];
}

/**
 * Ollama embedding provider. The width comes from `dimensions`, the table of known
 * models, or the first response (then it is fixed and a later mismatch is an error).
 * `dimensions`, when given, is also sent so Ollama versions that truncate can do so.
 *
 * @example
 * ```ts
 * const p = new OllamaProvider({ provider: "ollama", model: "nomic-embed-text" });
 * const v = await p.embedQuery("frameshift in TP53");   // Float32Array(768)
 * ```
 */
export class OllamaProvider extends RemoteProvider {
  /** Ollama truncation is model-dependent, so PCA stays the default reduction. */
  readonly supportsNativeDimensions = false;
  readonly #apiKey: string | undefined;
  readonly #url: string;
  readonly #declared: number | undefined;

  /**
   * @param options `provider` must be `"ollama"`; `apiKey`, when set, is sent as a bearer
   *   token (for an Ollama behind an authenticating proxy).
   * @param tuning backoff schedule of the retry layer.
   */
  constructor(options: EmbeddingOptions, tuning?: RetryTuning) {
    const model = options.model ?? "nomic-embed-text";
    const baseUrl = (options.baseUrl ?? OLLAMA_BASE_URL).replace(/\/+$/, "");
    const common = resolveCommon(options, { batchSize: 256 });
    super({ provider: "ollama", model, baseUrl, ...common, dimensions: common.dimensions ?? knownWidth(model) }, tuning);
    this.#apiKey = options.apiKey;
    this.#url = `${baseUrl}/api/embed`;
    this.#declared = common.dimensions;
  }

  protected async requestBatch(texts: readonly string[], signal: AbortSignal): Promise<() => unknown[]> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.#apiKey) headers["authorization"] = `Bearer ${this.#apiKey}`;
    const payload = { model: this.settings.model, input: texts, ...(this.#declared !== undefined ? { dimensions: this.#declared } : {}) };
    let text: string;
    let res: Response;
    try {
      res = await nodeFetch(this.#url, { method: "POST", headers, body: JSON.stringify(payload), signal });
      text = await readText(res);
    } catch (e) {
      if (signal.aborted) throw e; // the runner tells a timeout from a caller abort
      throw new RetryableFailure(`network error: ${describeError(e)}`, undefined, { cause: e });
    }
    if (!res.ok) {
      let detail = text;
      try {
        const err = (JSON.parse(text) as { error?: unknown }).error;
        if (typeof err === "string") detail = err;
      } catch {
        // not JSON: keep the raw text
      }
      if (res.status === 404 && /not found/i.test(detail)) detail += ` (try: ollama pull ${this.settings.model})`;
      throw httpFailure(this.label, res.status, res.headers, redact(detail, this.#apiKey));
    }
    return () => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        throw new VcfAgentError(`${this.label}: response was not valid JSON (${(e as Error).message})`, "PROVIDER");
      }
      const embeddings = (body as { embeddings?: unknown } | null)?.embeddings;
      if (!Array.isArray(embeddings)) throw new VcfAgentError(`${this.label}: response had no "embeddings" array`, "PROVIDER");
      return embeddings;
    };
  }
}
