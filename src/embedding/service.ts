import { performance } from "node:perf_hooks";
import { SessionConfig } from "../config.js";
import { MemoryMonitor, type CleanupResult, type MemoryMonitorStats } from "../memory/monitor.js";
import type { MemoryOptimizationConfig } from "../config/memory.js";
import { createProvider, emitsNativeDimensions } from "../providers/create.js";
import { isComposable, isFactored, type EmbeddingProvider, type FactoredProvider } from "../providers/provider.js";
import { chooseStage, type StageRequest } from "../reduce/choose-stage.js";
import type { DimensionReductionStats, HeadTailProjection, OutputStage, StageBatch } from "../reduce/stage.js";
import { createCache, type EmbeddingCache } from "./cache/create.js";
import { cacheFigures, generationFigures, type GenerationCounters, type OptimizationStats, type OptimizationStatus } from "./stats.js";

export type { CacheStatsSummary, GenerationStats, OptimizationStats, OptimizationStatus } from "./stats.js";

/** One {@link VariantEmbeddingService.embedRaw} call, as batch listeners see it (metrics exporters). */
export interface EmbedBatchEvent {
  readonly service: VariantEmbeddingService;
  readonly providerId: string;
  /** Texts asked for. */
  readonly texts: number;
  /** Distinct cache misses sent to the provider (0 when the cache answered everything). */
  readonly providerTexts: number;
  /** Wall time of the whole call, cache look-ups included. */
  readonly seconds: number;
  /** The provider's failure, when the call threw. */
  readonly error?: unknown;
}

/** Options for {@link VariantEmbeddingService}. Dependencies are injectable for tests and for the store. */
export interface ServiceDependencies {
  provider?: EmbeddingProvider;
  /** Output stage (PCA). Defaults to a stage chosen from the config. */
  stage?: OutputStage;
  monitor?: MemoryMonitor;
}

const MB = 1024 * 1024;

/**
 * Embeds variant descriptions with a provider, a bounded cache and an output stage
 * (PCA), in streaming batches, and reports what each optimization measurably did.
 *
 * @example
 * const service = new VariantEmbeddingService(new SessionConfig());
 * for await (const vectors of service.embedBatches(descriptions)) store(vectors);
 * console.log(service.getOptimizationStats().cacheHitRate);
 */
export class VariantEmbeddingService {
  readonly config: SessionConfig;
  readonly provider: EmbeddingProvider;
  readonly cache: EmbeddingCache;
  readonly monitor: MemoryMonitor;
  private stage: OutputStage;
  private readonly composable: boolean;
  private readonly gen: GenerationCounters = {
    texts: 0,
    batches: 0,
    providerCalls: 0,
    providerTexts: 0,
    providerSeconds: 0,
    totalSeconds: 0,
    reused: 0,
  };
  private emittedWidth: number | null = null;
  /** The provider when its vectors split into head and tail (see embedProjectedInto). */
  private readonly factored: FactoredProvider | null;
  /** Scratch of embedProjectedInto: tails of one batch and their squared norms. */
  private tails = new Float32Array(0);
  private tailNorms = new Float64Array(0);
  /** The projection whose projected heads the cache holds (embedProjectedInto). */
  private cachedProjection: HeadTailProjection | null = null;
  private lastCheck = 0;
  // Process-wide, because pipelines build their own services: an exporter cannot be handed each one.
  private static readonly batchListeners = new Set<(event: EmbedBatchEvent) => void>();

  /**
   * Tells `listener` about every embedding batch of every service in this process, after
   * it ran (or failed). Listeners must be cheap; their exceptions are ignored.
   * @returns a function that removes the listener.
   */
  static onBatch(listener: (event: EmbedBatchEvent) => void): () => void {
    VariantEmbeddingService.batchListeners.add(listener);
    return () => void VariantEmbeddingService.batchListeners.delete(listener);
  }

  constructor(config: SessionConfig = new SessionConfig(), deps: ServiceDependencies = {}) {
    this.config = config;
    const mem = config.memoryOptimization;
    this.provider = deps.provider ?? createProvider(config.embedding, mem);
    this.composable = isComposable(this.provider);
    this.factored = isFactored(this.provider) ? this.provider : null;
    this.cache = createCache({
      strategy: mem.cachingStrategy,
      maxBytes: Math.floor(mem.cacheMaxSizeMb * MB),
      maxEntries: mem.cacheMaxEntries,
    });
    this.monitor =
      deps.monitor ??
      new MemoryMonitor({
        enabled: mem.memoryManagementEnabled,
        thresholdMb: mem.memoryCleanupThresholdMb,
        intervalMs: mem.memoryMonitorIntervalMs,
      });
    // Under memory pressure the cache gives back half of what it holds, oldest first.
    this.monitor.onCleanup(() => this.cache.trim(0.5));
    this.stage = deps.stage ?? this.defaultStage();
  }

  /** Width of the vectors this service hands out now (the reduced width once PCA is trained). */
  get embeddingDimensions(): number {
    return this.emittedWidth ?? this.stage.outputDimensions ?? this.provider.dimensions;
  }

  /** The output stage (PCA reducer or identity); the store persists its model. */
  get outputStage(): OutputStage {
    return this.stage;
  }

  /**
   * Replaces the output stage (e.g. with a PCA model loaded from a table) before any
   * vector has been handed out; afterwards the width is fixed and this throws.
   */
  setOutputStage(stage: OutputStage): void {
    if (this.emittedWidth !== null && stage.outputDimensions !== this.emittedWidth) {
      throw new Error(`cannot change the output width from ${this.emittedWidth} to ${stage.outputDimensions} after vectors were handed out`);
    }
    this.stage = stage;
  }

  /**
   * Embeds one text as a query: cached like any text, and mapped to the width of the
   * vectors already handed out (so it can be compared with them).
   */
  async embed(text: string, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    const [v] = await this.embedRaw([text], options);
    return this.stage.transformQuery(v as Float32Array);
  }

  /** Query vectors for several texts (see {@link VariantEmbeddingService.embed}). */
  async embedQueries(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    return (await this.embedRaw(texts, options)).map((v) => this.stage.transformQuery(v));
  }

  /**
   * Every vector of `texts`, in input order (the seed's `generate_embeddings_batch`): the
   * list is processed in streaming batches like {@link VariantEmbeddingService.embedBatches},
   * so with PCA on the result has one width — reduced once enough texts trained the model,
   * full width (with the reason in stats) when the list was too short to fit it.
   */
  async embedAll(texts: Iterable<string> | AsyncIterable<string>, options: { signal?: AbortSignal; batchSize?: number } = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for await (const batch of this.embedBatches(texts, options)) for (const v of batch) out.push(v);
    return out;
  }

  /**
   * Streams vectors for `texts`, in input order, in batches of `streamingBatchSize`.
   * Each batch makes at most one provider call (for its cache misses). With PCA on,
   * the first batches are held until the model is fitted, then released reduced.
   */
  async *embedBatches(
    texts: Iterable<string> | AsyncIterable<string>,
    options: { signal?: AbortSignal; batchSize?: number } = {},
  ): AsyncGenerator<Float32Array[]> {
    const size = options.batchSize ?? this.config.memoryOptimization.streamingBatchSize;
    let batch: string[] = [];
    for await (const t of texts) {
      batch.push(t);
      if (batch.length >= size) {
        for (const out of await this.pushBatch(batch, undefined, options)) yield out.vectors;
        batch = [];
      }
    }
    if (batch.length > 0) for (const out of await this.pushBatch(batch, undefined, options)) yield out.vectors;
    for (const out of this.flush()) yield out.vectors;
  }

  /**
   * One batch through the stage, for pipelines that carry their own records alongside
   * texts: returns the batches ready to leave (possibly none while PCA trains). Call
   * {@link VariantEmbeddingService.flush} at the end of input.
   */
  async pushBatch(texts: readonly string[], tag?: unknown, options: { signal?: AbortSignal } = {}): Promise<StageBatch[]> {
    return this.stage.push(await this.embedRaw(texts, options), tag).map((b) => this.mark(b));
  }

  /** Releases what the output stage still holds (end of input), in input order. */
  flush(): StageBatch[] {
    return this.stage.finish().map((b) => this.mark(b));
  }

  /**
   * Full-width vectors for `texts` (before the output stage): cache first, then one
   * provider call for the distinct misses.
   */
  async embedRaw(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Float32Array[]> {
    const t0 = performance.now();
    const out = new Array<Float32Array>(texts.length);
    // For a composable provider the cache holds the semantic part, keyed without the locus.
    const parts = this.composable ? texts.map((t) => this.semanticKeyOf(t)) : texts;
    const prefix = this.provider.id + "\u0000";
    const at = (i: number, v: Float32Array): void => {
      out[i] = this.composable ? this.composeAt(v, texts[i] as string) : v;
    };
    const missing = this.lookUp(parts.length, (i) => prefix + (parts[i] as string), at);
    const vectors = await this.embedMisses(missing, texts.length, t0, (first) =>
      this.composable
        ? (this.provider as unknown as { embedSemantic(k: readonly string[]): Float32Array[] }).embedSemantic(first.map((i) => parts[i] as string))
        : this.provider.embedDocuments(
            first.map((i) => texts[i] as string),
            options,
          ),
    );
    this.storeMisses(missing, vectors, at);
    await this.endBatch(texts.length, missing.size, t0);
    return out;
  }

  /**
   * True when {@link VariantEmbeddingService.embedProjectedInto} applies: the provider's
   * vectors split into a cacheable head and a per-text tail (the local embedder) and the
   * output stage offers a trained head/tail projection (PCA).
   */
  get projectsDirectly(): boolean {
    return this.factored !== null && (this.stage.headTailProjection?.() ?? null) !== null;
  }

  /**
   * Embeds `texts` and projects them to the PCA width in one pass, writing row i into
   * `out` from element `(at + i) · k`. The cache then holds each semantic part already
   * projected (k + 1 floats instead of the provider's width) and no full-width vector is
   * built (src/reduce/factored.ts). Equal to {@link VariantEmbeddingService.pushBatch} up to
   * float rounding; counted in the same statistics.
   * @throws Error when {@link VariantEmbeddingService.projectsDirectly} is false.
   */
  async embedProjectedInto(texts: readonly string[], out: Float32Array, at = 0): Promise<void> {
    const provider = this.factored;
    const projection = this.stage.headTailProjection?.() ?? null;
    if (provider === null || projection === null) {
      throw new Error("embedProjectedInto needs a factored provider and a trained PCA stage (check projectsDirectly)");
    }
    const t0 = performance.now();
    const k = projection.outputDimensions;
    const n = texts.length;
    const projector = projection.projector(provider.tailStart);
    if (this.cachedProjection !== projection) {
      // Projected heads hold for one model only; raw entries (prefixed by the provider id) stay.
      if (this.cachedProjection !== null) this.cache.clear();
      this.cachedProjection = projection;
    }
    const heads = new Array<Float32Array>(n);
    const put = (i: number, head: Float32Array): void => {
      heads[i] = head;
    };
    // The bare semantic key (no prefix: building one per text costs a string copy) never
    // equals a raw entry's key, which starts with the provider id and a NUL.
    const missing = this.lookUp(n, (i) => provider.semanticKey(texts[i] as string), put);
    const semantic = await this.embedMisses(missing, n, t0, () => provider.embedSemantic([...missing.keys()]));
    this.storeMisses(missing, missing.size === 0 ? semantic : projector.projectHeads(semantic), put);
    const tailSize = projector.tailSize;
    if (this.tails.length < n * tailSize) this.tails = new Float32Array(n * tailSize);
    if (this.tailNorms.length < n) this.tailNorms = new Float64Array(n);
    for (let i = 0; i < n; i++) this.tailNorms[i] = provider.writeTail(texts[i] as string, this.tails, i * tailSize);
    const p0 = performance.now();
    projector.project(heads, this.tails, this.tailNorms, n, out, at * k);
    projection.noteProjected(n, (performance.now() - p0) / 1000);
    if (this.emittedWidth === null) this.emittedWidth = k;
    await this.endBatch(n, missing.size, t0);
  }

  /** The seed's statistics, every figure measured from the live service. */
  getOptimizationStats(): OptimizationStats {
    return {
      optimizationLevel: this.config.memoryOptimization.optimizationLevel,
      embeddingDimensions: this.embeddingDimensions,
      ...cacheFigures(this.cache.stats(), this.composable ? "semantic" : "text"),
      dimensionReductionStats: this.stage.stats(),
      generationStats: generationFigures(this.provider.id, this.gen),
      memoryStats: this.monitor.stats(),
    };
  }

  /** Which optimizations are on, and whether each is doing its job right now. */
  getOptimizationStatus(): OptimizationStatus {
    const mem = this.config.memoryOptimization;
    const dr = this.stage.stats();
    const snap = this.monitor.sample();
    const stats = this.getOptimizationStats();
    return {
      enabled: mem.memoryManagementEnabled || mem.dimensionReductionEnabled || mem.cachingStrategy === "memory_aware",
      optimizationLevel: mem.optimizationLevel,
      memoryUsageMb: Math.round(snap.rssMb * 100) / 100,
      memoryManagement: {
        enabled: mem.memoryManagementEnabled,
        thresholdMb: mem.memoryCleanupThresholdMb,
        overThreshold: snap.rssMb > mem.memoryCleanupThresholdMb,
      },
      dimensionReduction: {
        enabled: mem.dimensionReductionEnabled,
        active: dr.isTrained || dr.reduction === "native",
        reduction: dr.reduction,
        ...(dr.reason === undefined ? {} : { reason: dr.reason }),
      },
      caching: { strategy: mem.cachingStrategy, enabled: true, hitRate: stats.cacheHitRate },
      streaming: { batchSize: mem.streamingBatchSize },
      provider: this.provider.id,
    };
  }

  /** Trims the cache and collects garbage when possible; returns what was freed. */
  cleanupMemory(): Promise<CleanupResult> {
    return this.monitor.cleanup("manual");
  }

  /** Empties the cache and zeroes its counters' view of entries (hits/misses are kept). */
  resetCache(): void {
    this.cache.clear();
  }

  /** Stops background sampling. */
  close(): void {
    this.monitor.stop();
  }

  private defaultStage(): OutputStage {
    return chooseStage(stageRequestOf(this.provider, this.config.memoryOptimization));
  }

  /**
   * Cache look-ups for `n` keys: hits go to `hit(i, vector)`; returns the distinct misses,
   * each with the positions that need it (repeats within the batch count as reused).
   */
  private lookUp(n: number, keyAt: (i: number) => string, hit: (i: number, v: Float32Array) => void): Map<string, number[]> {
    const missing = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = keyAt(i);
      const pending = missing.get(key);
      if (pending) {
        pending.push(i);
        this.gen.reused++;
        continue;
      }
      const v = this.cache.get(key);
      if (v) {
        hit(i, v);
        this.gen.reused++;
      } else missing.set(key, [i]);
    }
    return missing;
  }

  /** One provider call for the distinct misses (none when there are none), timed and counted; a failure is reported to listeners. */
  private async embedMisses(
    missing: Map<string, number[]>,
    texts: number,
    t0: number,
    embed: (first: number[]) => Float32Array[] | Promise<Float32Array[]>,
  ): Promise<Float32Array[]> {
    if (missing.size === 0) return [];
    const first = [...missing.values()].map((p) => p[0] as number);
    const p0 = performance.now();
    let vectors: Float32Array[];
    try {
      vectors = await embed(first);
    } catch (error) {
      this.emitBatch(texts, missing.size, t0, error);
      throw error;
    }
    this.gen.providerSeconds += (performance.now() - p0) / 1000;
    this.gen.providerCalls++;
    this.gen.providerTexts += missing.size;
    return vectors;
  }

  /** Caches the misses' vectors (in `missing`'s order) and hands each to the positions that need it. */
  private storeMisses(missing: Map<string, number[]>, vectors: readonly Float32Array[], put: (i: number, v: Float32Array) => void): void {
    let j = 0;
    for (const [key, positions] of missing) {
      const v = vectors[j++] as Float32Array;
      this.cache.set(key, v);
      for (const i of positions) put(i, v);
    }
  }

  private semanticKeyOf(text: string): string {
    return (this.provider as unknown as { semanticKey(t: string): string }).semanticKey(text);
  }

  private composeAt(semantic: Float32Array, text: string): Float32Array {
    return (this.provider as unknown as { compose(s: Float32Array, t: string): Float32Array }).compose(semantic, text);
  }

  /** Counters, listeners and the periodic memory check after one embedding batch. */
  private async endBatch(texts: number, providerTexts: number, t0: number): Promise<void> {
    this.gen.texts += texts;
    this.gen.batches++;
    this.gen.totalSeconds += (performance.now() - t0) / 1000;
    this.emitBatch(texts, providerTexts, t0);
    // Reading memory costs microseconds; at thousands of batches a second, look every 200 ms.
    if (this.config.memoryOptimization.memoryManagementEnabled) {
      const now = Date.now();
      if (now - this.lastCheck >= 200) {
        this.lastCheck = now;
        await this.monitor.check();
      }
    }
  }

  private emitBatch(texts: number, providerTexts: number, t0: number, error?: unknown): void {
    const listeners = VariantEmbeddingService.batchListeners;
    if (listeners.size === 0) return;
    const seconds = (performance.now() - t0) / 1000;
    const event: EmbedBatchEvent = { service: this, providerId: this.provider.id, texts, providerTexts, seconds, ...(error === undefined ? {} : { error }) };
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A metrics listener must never break embedding.
      }
    }
  }

  private mark(batch: StageBatch): StageBatch {
    const first = batch.vectors[0];
    if (first) {
      if (this.emittedWidth === null) this.emittedWidth = first.length;
      else if (first.length !== this.emittedWidth) {
        throw new Error(`internal: output width changed from ${this.emittedWidth} to ${first.length}`);
      }
    }
    return batch;
  }
}

/** The facts {@link chooseStage} decides on, for `provider` under `memory`'s reduction options. */
export function stageRequestOf(provider: EmbeddingProvider, memory: MemoryOptimizationConfig): StageRequest {
  const full = (provider as { nativeDimensions?: number }).nativeDimensions;
  return {
    providerId: provider.id,
    inputDimensions: provider.dimensions,
    native: emitsNativeDimensions(provider),
    ...(full === undefined ? {} : { nativeFullDimensions: full }),
    reduction: { enabled: memory.dimensionReductionEnabled, targetDimensions: memory.targetDimensions, trainingSamples: memory.trainingSamples },
  };
}
