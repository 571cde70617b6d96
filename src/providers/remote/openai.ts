/**
 * Embeddings from the OpenAI API or any server that speaks its `POST /embeddings`
 * (vLLM, LM Studio, TEI, llama.cpp server…), through the official `openai` SDK.
 */
import OpenAI from "openai";
import { ConfigError, VcfAgentError } from "../../errors.js";
import type { EmbeddingOptions, RetryTuning } from "../options.js";
import { RemoteProvider, publicUrl, redact, resolveCommon } from "./_remote.js";
import { RetryableFailure, describeError, httpFailure } from "./_retry.js";
import { nodeFetch, readBytes } from "./_transport.js";
import { parseEmbeddingsBody } from "./_openai-body.js";
import { base64Floats } from "./_validate.js";

/** The official endpoint, used when no `baseUrl` is given. */
export const OPENAI_BASE_URL = "https://api.openai.com/v1";
/** The official API's limit on inputs per embeddings request. */
export const OPENAI_MAX_BATCH = 2048;
/**
 * Default inputs per request. Below the API's limit on purpose: at 256 the client spent
 * the least CPU per vector in bench/providers.mjs, and a 1536-d response is 2.1 MB rather
 * than 17 MB at 2048, which the client holds several times over while decoding.
 */
export const OPENAI_DEFAULT_BATCH = 256;

/** Native widths of OpenAI's embedding models; `text-embedding-3-*` can be asked for fewer. */
export const OPENAI_MODEL_DIMENSIONS: Readonly<Record<string, number>> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};

/** True for models trained to be truncated (Matryoshka), which accept a `dimensions` request. */
export function openaiSupportsNativeDimensions(model: string): boolean {
  return model.startsWith("text-embedding-3-");
}

function isOfficial(baseUrl: string): boolean {
  try {
    return new URL(baseUrl).hostname === "api.openai.com";
  } catch {
    return false;
  }
}

/**
 * OpenAI-compatible embedding provider.
 *
 * The SDK's own retries are off (`maxRetries: 0`): the provider's retry layer is the only
 * one. Vectors are requested as base64 and decoded straight to Float32Array; servers that
 * ignore `encoding_format` and answer float arrays are accepted too.
 *
 * @example
 * ```ts
 * const p = new OpenAIProvider({ provider: "openai", model: "text-embedding-3-small", dimensions: 768 });
 * const [v] = await p.embedDocuments(["BRCA1 missense variant, pathogenic"]);
 * ```
 */
export class OpenAIProvider extends RemoteProvider {
  readonly supportsNativeDimensions: boolean;
  readonly #client: OpenAI;
  readonly #apiKey: string;
  // Whether to send `dimensions`: only when asked for, and never to ada-002 (it rejects it).
  readonly #sendDimensions: boolean;

  /**
   * @param options `provider` must be `"openai"`. The key comes from `apiKey` or
   *   `OPENAI_API_KEY`; without one, only a non-OpenAI `baseUrl` is allowed.
   * @param tuning backoff schedule of the retry layer (tests and benchmarks shorten it).
   */
  constructor(options: EmbeddingOptions, tuning?: RetryTuning) {
    const model = options.model ?? "text-embedding-3-small";
    const baseUrl = (options.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, "");
    const official = isOfficial(baseUrl);
    const common = resolveCommon(options, { batchSize: OPENAI_DEFAULT_BATCH, ...(official ? { maxBatchSize: OPENAI_MAX_BATCH } : {}) });
    const native = OPENAI_MODEL_DIMENSIONS[model];
    const matryoshka = openaiSupportsNativeDimensions(model);
    if (common.dimensions !== undefined && native !== undefined) {
      if (!matryoshka && common.dimensions !== native) {
        throw new ConfigError("embedding.dimensions", `${model} always returns ${native} values and cannot be asked for ${common.dimensions}`);
      }
      if (common.dimensions > native) {
        throw new ConfigError("embedding.dimensions", `${model} returns at most ${native} values, asked for ${common.dimensions}`);
      }
    }
    const apiKey = options.apiKey ?? process.env["OPENAI_API_KEY"];
    if (!apiKey && official) {
      throw new ConfigError("embedding.apiKey", `no API key for ${publicUrl(baseUrl)}: set OPENAI_API_KEY or embedding.apiKey`);
    }
    super({ provider: "openai", model, baseUrl, ...common, dimensions: common.dimensions ?? native }, tuning);
    this.supportsNativeDimensions = matryoshka;
    this.#sendDimensions = common.dimensions !== undefined && (matryoshka || native === undefined);
    // Local servers (vLLM, LM Studio, TEI) accept any key; the SDK insists on a string.
    this.#apiKey = apiKey || "unused";
    this.#client = new OpenAI({
      apiKey: this.#apiKey,
      baseURL: baseUrl,
      maxRetries: 0,
      fetch: nodeFetch,
      // Our per-attempt signal is the real timeout; this one only backs it up.
      timeout: common.timeoutMs + 1000,
    });
  }

  protected async requestBatch(texts: readonly string[], signal: AbortSignal): Promise<() => unknown[]> {
    let bytes: Buffer;
    try {
      // The raw response: the SDK still builds the request and turns non-2xx answers into
      // APIError, but the body is parsed here, faster than the SDK would (parseEmbeddingsBody).
      const res = await this.#client.embeddings
        .create(
          {
            model: this.settings.model,
            input: texts as string[],
            encoding_format: "base64",
            ...(this.#sendDimensions && this.settings.dimensions !== undefined ? { dimensions: this.settings.dimensions } : {}),
          },
          { signal },
        )
        .asResponse();
      bytes = await readBytes(res);
    } catch (e) {
      throw this.#classify(e);
    }
    return () => {
      let body: unknown;
      try {
        body = parseEmbeddingsBody(bytes, decodeEmbedding);
      } catch (e) {
        throw new VcfAgentError(`${this.label}: response was not valid JSON (${(e as Error).message})`, "PROVIDER");
      }
      return this.#vectors(body, texts.length);
    };
  }

  // Maps SDK and fetch errors onto the retry layer's vocabulary, without the key.
  #classify(e: unknown): unknown {
    if (e instanceof OpenAI.APIUserAbortError) return e; // the runner knows whether it was a timeout or the caller
    if (e instanceof OpenAI.APIConnectionError) {
      return new RetryableFailure(`network error: ${redact(describeError(e), this.#apiKey)}`, undefined, { cause: e.cause });
    }
    if (e instanceof OpenAI.APIError && typeof e.status === "number") {
      return httpFailure(this.label, e.status, e.headers, redact(serverMessage(e), this.#apiKey));
    }
    // fetch rejects with TypeError when the connection drops while the body is read.
    if (e instanceof TypeError) return new RetryableFailure(`network error: ${describeError(e)}`, undefined, { cause: e });
    return e;
  }

  // `data` sorted by `index`: the API does not promise input order.
  #vectors(body: unknown, count: number): unknown[] {
    const data = (body as { data?: unknown } | null)?.data;
    if (typeof body !== "object" || body === null || !Array.isArray(data)) {
      throw new VcfAgentError(`${this.label}: response had no "data" array`, "PROVIDER");
    }
    if (data.length !== count) throw new VcfAgentError(`${this.label}: response had ${data.length} vectors for ${count} inputs`, "PROVIDER");
    const out = new Array<unknown>(count);
    const seen = new Uint8Array(count);
    data.forEach((item: unknown, i) => {
      const { index, embedding } = (item ?? {}) as { index?: unknown; embedding?: unknown };
      const at = index === undefined ? i : index;
      if (typeof at !== "number" || !Number.isInteger(at) || at < 0 || at >= count || seen[at]) {
        throw new VcfAgentError(`${this.label}: response item ${i} has a missing, duplicate or out-of-range index (${String(index)})`, "PROVIDER");
      }
      seen[at] = 1;
      out[at] = embedding;
    });
    return out;
  }
}

// A base64 vector decoded on the spot, or left as text for validateBatch to name what is wrong with it.
const decodeEmbedding = (b64: string): unknown => base64Floats(b64) ?? b64;

function serverMessage(e: InstanceType<typeof OpenAI.APIError>): string {
  const err = e.error as { message?: unknown } | undefined;
  if (err && typeof err.message === "string") return err.message;
  return e.message.replace(/^\d{3}\s*/, "");
}
