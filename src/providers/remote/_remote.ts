/**
 * What the HTTP providers share: option checks, vector width (declared or learned from
 * the first response, then fixed), `id`, batching through the one retry layer,
 * validation, stats and secret-free serialization. Internal: not exported from the package.
 */
import { inspect } from "node:util";
import { ConfigError, VcfAgentError } from "../../errors.js";
import type { EmbeddingProvider } from "../provider.js";
import type { EmbeddingOptions, RetryTuning } from "../options.js";
import { REMOTE_DEFAULTS } from "../options.js";
import { RequestRunner } from "./_retry.js";
import { embedInBatches } from "./_batching.js";
import { validateBatch } from "./_validate.js";

/** Resolved settings of a remote provider (no secrets). */
export interface RemoteSettings {
  provider: "openai" | "ollama";
  model: string;
  baseUrl: string;
  dimensions: number | undefined;
  batchSize: number;
  concurrency: number;
  timeoutMs: number;
  maxRetries: number;
}

/** Request counters of a remote provider. */
export interface ProviderRequestStats {
  /** HTTP attempts made, retries included. */
  requests: number;
  /** Attempts that were retries. */
  retries: number;
  /** Texts embedded successfully. */
  texts: number;
}

function positiveInt(option: string, v: number | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min) throw new ConfigError(option, `expected an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

/** Checks the numeric options shared by the remote providers; names the bad one. */
export function resolveCommon(
  o: EmbeddingOptions,
  defaults: { batchSize: number; maxBatchSize?: number },
): Pick<RemoteSettings, "batchSize" | "concurrency" | "timeoutMs" | "maxRetries" | "dimensions"> {
  const batchSize = positiveInt("embedding.batchSize", o.batchSize, defaults.batchSize);
  if (defaults.maxBatchSize !== undefined && batchSize > defaults.maxBatchSize) {
    throw new ConfigError("embedding.batchSize", `the API takes at most ${defaults.maxBatchSize} inputs per request, got ${batchSize}`);
  }
  return {
    batchSize,
    concurrency: positiveInt("embedding.concurrency", o.concurrency, REMOTE_DEFAULTS.concurrency),
    timeoutMs: positiveInt("embedding.timeoutMs", o.timeoutMs, REMOTE_DEFAULTS.timeoutMs),
    maxRetries: positiveInt("embedding.maxRetries", o.maxRetries, REMOTE_DEFAULTS.maxRetries, 0),
    dimensions: o.dimensions === undefined ? undefined : positiveInt("embedding.dimensions", o.dimensions, o.dimensions),
  };
}

/** Drops `user:password@` from a URL so it can be shown and serialized. */
export function publicUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** Removes `secret` (and anything shaped like an `sk-` key) from a server message. */
export function redact(message: string, secret: string | undefined): string {
  let m = message;
  if (secret) m = m.split(secret).join("[redacted]");
  return m.replace(/\bsk-[A-Za-z0-9_*\-]{4,}/g, "[redacted]");
}

/**
 * Base of the HTTP providers. Subclasses implement {@link RemoteProvider.requestBatch}:
 * one HTTP request, answering with a function that reads the raw vectors out of the
 * response in input order (or throwing a `RetryableFailure` / PROVIDER error); everything
 * else is here.
 */
export abstract class RemoteProvider implements EmbeddingProvider {
  /** True when the model accepts a requested width (Matryoshka), so PCA can be skipped. */
  abstract readonly supportsNativeDimensions: boolean;
  protected readonly settings: RemoteSettings;
  readonly #runner: RequestRunner;
  #dimensions: number | undefined;
  #texts = 0;

  protected constructor(settings: RemoteSettings, tuning: RetryTuning = {}) {
    this.settings = settings;
    this.#dimensions = settings.dimensions;
    this.#runner = new RequestRunner({ ...tuning, label: this.label, concurrency: settings.concurrency, maxRetries: settings.maxRetries, timeoutMs: settings.timeoutMs });
  }

  /** `<provider> <model>`: the prefix of this provider's error messages. */
  get label(): string {
    return `${this.settings.provider} ${this.settings.model}`;
  }

  /** The model name sent to the server. */
  get model(): string {
    return this.settings.model;
  }

  /** True once the vector width is known (declared, or learned from a response). */
  get dimensionsKnown(): boolean {
    return this.#dimensions !== undefined;
  }

  /** Vector width. Throws a PROVIDER error while it is still unknown; see {@link resolveDimensions}. */
  get dimensions(): number {
    if (this.#dimensions === undefined) {
      throw new VcfAgentError(
        `${this.label}: vector width not known yet; set embedding.dimensions or await resolveDimensions() first`,
        "PROVIDER",
      );
    }
    return this.#dimensions;
  }

  /** `<provider>:<model>:<dims>`, part of every cache key. Needs the width (see {@link dimensions}). */
  get id(): string {
    return `${this.settings.provider}:${this.settings.model}:${this.dimensions}`;
  }

  /** `batchSize × concurrency`: texts one call needs to fill every request slot (see {@link EmbeddingProvider.requestWindow}). */
  get requestWindow(): number {
    return this.settings.batchSize * this.settings.concurrency;
  }

  /** Request counters since construction. */
  get requestStats(): ProviderRequestStats {
    return { requests: this.#runner.counters.attempts, retries: this.#runner.counters.retries, texts: this.#texts };
  }

  /** The vector width, asking the server with one short text when it is not known yet. */
  async resolveDimensions(options?: { signal?: AbortSignal }): Promise<number> {
    if (this.#dimensions === undefined) await this.embedDocuments(["dimension probe"], options);
    return this.dimensions;
  }

  /** One vector per text, in order; batched, concurrent, retried, validated. All or nothing. */
  async embedDocuments(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]> {
    const vectors = await embedInBatches(
      texts,
      this.settings.batchSize,
      async (batch, offset, signal) => {
        const read = await this.#runner.run((s) => this.requestBatch(batch, s), signal);
        // The request slot is free once the response is in. When another batch took it, one
        // turn of the event loop lets that batch's request reach the socket before this
        // body is decoded, so `concurrency` requests stay in flight while responses are
        // decoded; with nobody waiting the turn would only delay this batch
        // (bench/providers.mjs, docs/performance.md).
        if (this.#runner.freeSlots === 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          signal.throwIfAborted();
        }
        const v = validateBatch(read(), { label: this.label, count: batch.length, offset, dimensions: this.#dimensions });
        // The first valid response fixes an undeclared width; later ones are checked against
        // it — including batches that were in flight, unchecked, when it was fixed.
        const width = v[0]?.length;
        if (width !== undefined && width !== this.#dimensions) {
          if (this.#dimensions !== undefined) {
            throw new VcfAgentError(`${this.label}: input ${offset}: vector has ${width} values, expected ${this.#dimensions}`, "PROVIDER");
          }
          this.#dimensions = width;
        }
        return v;
      },
      options?.signal,
    );
    this.#texts += vectors.length;
    return vectors;
  }

  /** The vector of one query text. */
  async embedQuery(text: string, options?: { signal?: AbortSignal }): Promise<Float32Array> {
    const [v] = await this.embedDocuments([text], options);
    return v as Float32Array;
  }

  /**
   * One HTTP request for `texts`, resolved once the whole response is in. The function it
   * resolves to reads the raw vectors (base64 strings, number arrays or decoded
   * Float32Arrays) in input order out of it, or throws a PROVIDER error; it is called once,
   * after the request slot is released.
   */
  protected abstract requestBatch(texts: readonly string[], signal: AbortSignal): Promise<() => unknown[]>;

  /** Settings without secrets (API keys and URL credentials are never included). */
  toJSON(): Record<string, unknown> {
    const { provider, model, baseUrl, batchSize, concurrency, timeoutMs, maxRetries } = this.settings;
    return { provider, model, baseUrl: publicUrl(baseUrl), dimensions: this.#dimensions, batchSize, concurrency, timeoutMs, maxRetries };
  }

  /** `console.log` and `util.inspect` show the secret-free settings only. */
  [inspect.custom](): string {
    return `${this.constructor.name} ${inspect(this.toJSON())}`;
  }
}
