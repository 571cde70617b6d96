import { performance } from "node:perf_hooks";
import { SessionConfig } from "../config.js";
import { MemoryMonitor, type CleanupResult, type MemoryMonitorStats } from "../memory/monitor.js";
import { createCache, type EmbeddingCache } from "./cache/create.js";
import { isComposable, isFactored, type EmbeddingProvider, type FactoredProvider } from "../providers/provider.js";
import { factoredProjector } from "../reduce/factored.js";
import type { PcaModel } from "../reduce/pca.js";
import { IdentityStage, type DimensionReductionStats, type OutputStage, type StageBatch } from "../reduce/stage.js";
import { PcaStage } from "../reduce/pca-stage.js";
import { createProvider, emitsNativeDimensions } from "../providers/create.js";

/** Cache figures in the seed's shape (camelCase), all measured from the live cache. */
export interface CacheStatsSummary {
  strategy: string;
  entries: number;
  memoryUsageMb: number;
  maxSizeMb: number;
  maxEntries: number;
  utilizationPercent: number;
  evictions: number;
  evictionsByReason: Record<string, number>;
  hits: number;
  misses: number;
  /** What a cache entry holds: the provider's semantic part, or whole vectors. */
  keyedBy: "semantic" | "text";
}

/** How embeddings were produced so far. */
export interface GenerationStats {
  providerId: string;
  textsEmbedded: number;
  batches: number;
  providerCalls: number;
  providerTexts: number;
  providerSeconds: number;
  totalSeconds: number;
  textsPerSecond: number;
  averageProviderBatchSize: number;
  /** Texts answered from the cache or from a duplicate within the same batch. */
  textsReused: number;
}

/** Result of {@link VariantEmbeddingService.getOptimizationStats}. */
export interface OptimizationStats {
  optimizationLevel: string;
  embeddingDimensions: number;
  /** Percent of cache lookups that hit (0–100). */
  cacheHitRate: number;
  cacheStats: CacheStatsSummary;
  dimensionReductionStats: DimensionReductionStats;
  generationStats: GenerationStats;
  /** RSS/heap now, peak RSS, cleanups and what they freed (reported by the cache vs measured RSS). */
  memoryStats: MemoryMonitorStats;
}

/** Result of {@link VariantEmbeddingService.getOptimizationStatus}: which optimizations are on and working. */
export interface OptimizationStatus {
  optimizationLevel: string;
  memoryManagement: { enabled: boolean; thresholdMb: number; overThreshold: boolean };
  dimensionReduction: { enabled: boolean; active: boolean; reduction: string; reason?: string };
  caching: { strategy: string; enabled: true; hitRate: number };
  streaming: { batchSize: number };
  provider: string;
}

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
const round = (x: number, digits = 3): number => Math.round(x * 10 ** digits) / 10 ** digits;

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
  private readonly gen = {
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
  /** The model whose projected heads the cache holds (embedProjectedInto). */
  private cachedModel: PcaModel | null = null;
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
    // Distinct misses, each with the positions that need it.
    const missing = new Map<string, number[]>();
    for (let i = 0; i < texts.length; i++) {
      const key = prefix + (parts[i] as string);
      const pending = missing.get(key);
      if (pending) {
        pending.push(i);
        this.gen.reused++;
        continue;
      }
      const hit = this.cache.get(key);
      if (hit) {
        out[i] = this.composable ? this.composeAt(hit, texts[i] as string) : hit;
        this.gen.reused++;
      } else missing.set(key, [i]);
    }
    if (missing.size > 0) {
      const firstIdx = [...missing.values()].map((p) => p[0] as number);
      const p0 = performance.now();
      let vectors: Float32Array[];
      try {
        vectors = this.composable
          ? (this.provider as unknown as { embedSemantic(k: readonly string[]): Float32Array[] }).embedSemantic(
              firstIdx.map((i) => parts[i] as string),
            )
          : await this.provider.embedDocuments(
              firstIdx.map((i) => texts[i] as string),
              options,
            );
      } catch (error) {
        this.emitBatch(texts.length, firstIdx.length, t0, error);
        throw error;
      }
      this.gen.providerSeconds += (performance.now() - p0) / 1000;
      this.gen.providerCalls++;
      this.gen.providerTexts += firstIdx.length;
      let j = 0;
      for (const [key, positions] of missing) {
        const v = vectors[j++] as Float32Array;
        this.cache.set(key, v);
        for (const i of positions) out[i] = this.composable ? this.composeAt(v, texts[i] as string) : v;
      }
    }
    await this.endBatch(texts.length, missing.size, t0);
    return out;
  }

  /**
   * True when {@link VariantEmbeddingService.embedProjectedInto} applies: the provider's
   * vectors split into a cacheable head and a per-text tail (the local embedder) and the
   * output stage is a trained PCA.
   */
  get projectsDirectly(): boolean {
    return this.factored !== null && this.stage instanceof PcaStage && this.stage.reducer.state === "trained";
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
    const stage = this.stage;
    if (provider === null || !(stage instanceof PcaStage) || stage.model === undefined) {
      throw new Error("embedProjectedInto needs a factored provider and a trained PCA stage (check projectsDirectly)");
    }
    const t0 = performance.now();
    const model = stage.model;
    const k = model.outputDimensions;
    const n = texts.length;
    const projector = factoredProjector(model, provider.tailStart);
    if (this.cachedModel !== model) {
      // Projected heads hold for one model only; raw entries (prefixed by the provider id) stay.
      if (this.cachedModel !== null) this.cache.clear();
      this.cachedModel = model;
    }
    const heads = new Array<Float32Array>(n);
    const missing = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      // The bare semantic key (no prefix: building one per text costs a string copy) never
      // equals a raw entry's key, which starts with the provider id and a NUL.
      const key = provider.semanticKey(texts[i] as string);
      const pending = missing.get(key);
      if (pending) {
        pending.push(i);
        this.gen.reused++;
        continue;
      }
      const hit = this.cache.get(key);
      if (hit) {
        heads[i] = hit;
        this.gen.reused++;
      } else missing.set(key, [i]);
    }
    if (missing.size > 0) {
      const p0 = performance.now();
      let semantic: Float32Array[];
      try {
        semantic = provider.embedSemantic([...missing.keys()]);
      } catch (error) {
        this.emitBatch(n, missing.size, t0, error);
        throw error;
      }
      this.gen.providerSeconds += (performance.now() - p0) / 1000;
      this.gen.providerCalls++;
      this.gen.providerTexts += missing.size;
      const projected = projector.projectHeads(semantic);
      let j = 0;
      for (const [key, positions] of missing) {
        const head = projected[j++] as Float32Array;
        this.cache.set(key, head);
        for (const i of positions) heads[i] = head;
      }
    }
    const tailSize = projector.tailSize;
    if (this.tails.length < n * tailSize) this.tails = new Float32Array(n * tailSize);
    if (this.tailNorms.length < n) this.tailNorms = new Float64Array(n);
    for (let i = 0; i < n; i++) this.tailNorms[i] = provider.writeTail(texts[i] as string, this.tails, i * tailSize);
    const p0 = performance.now();
    projector.project(heads, this.tails, this.tailNorms, n, out, at * k);
    stage.reducer.noteProjected(n, (performance.now() - p0) / 1000);
    if (this.emittedWidth === null) this.emittedWidth = k;
    await this.endBatch(n, missing.size, t0);
  }

  /** The seed's statistics, every figure measured from the live service. */
  getOptimizationStats(): OptimizationStats {
    const c = this.cache.stats();
    const lookups = c.hits + c.misses;
    const mem = this.monitor.stats();
    const ev = c.evictions as unknown as Record<string, number>;
    const g = this.gen;
    return {
      optimizationLevel: this.config.memoryOptimization.optimizationLevel,
      embeddingDimensions: this.embeddingDimensions,
      cacheHitRate: lookups === 0 ? 0 : round((100 * c.hits) / lookups, 2),
      cacheStats: {
        strategy: c.strategy,
        entries: c.entries,
        memoryUsageMb: round(c.bytes / MB),
        maxSizeMb: round(c.maxBytes / MB),
        maxEntries: c.maxEntries,
        utilizationPercent: c.maxBytes === 0 ? 0 : round((100 * c.bytes) / c.maxBytes, 2),
        evictions: Object.values(ev).reduce((a, b) => a + b, 0),
        evictionsByReason: { ...ev },
        hits: c.hits,
        misses: c.misses,
        keyedBy: this.composable ? "semantic" : "text",
      },
      dimensionReductionStats: this.stage.stats(),
      generationStats: {
        providerId: this.provider.id,
        textsEmbedded: g.texts,
        batches: g.batches,
        providerCalls: g.providerCalls,
        providerTexts: g.providerTexts,
        providerSeconds: round(g.providerSeconds, 4),
        totalSeconds: round(g.totalSeconds, 4),
        textsPerSecond: g.totalSeconds > 0 ? Math.round(g.texts / g.totalSeconds) : 0,
        averageProviderBatchSize: g.providerCalls > 0 ? round(g.providerTexts / g.providerCalls, 2) : 0,
        textsReused: g.reused,
      },
      memoryStats: mem,
    };
  }

  /** Which optimizations are on, and whether each is doing its job right now. */
  getOptimizationStatus(): OptimizationStatus {
    const mem = this.config.memoryOptimization;
    const dr = this.stage.stats();
    const snap = this.monitor.sample();
    const stats = this.getOptimizationStats();
    return {
      optimizationLevel: mem.optimizationLevel,
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
    const mem = this.config.memoryOptimization;
    const dims = this.provider.dimensions;
    if (!mem.dimensionReductionEnabled) return new IdentityStage(dims, "dimension reduction disabled");
    if (emitsNativeDimensions(this.provider) && dims === mem.targetDimensions) {
      const full = (this.provider as { nativeDimensions?: number }).nativeDimensions ?? dims;
      return new IdentityStage(dims, `${this.provider.id} returns ${dims} dimensions natively`, "native", full);
    }
    if (mem.targetDimensions >= dims) {
      return new IdentityStage(dims, `targetDimensions ${mem.targetDimensions} is not below the provider width ${dims}`);
    }
    return new PcaStage({
      targetDimensions: mem.targetDimensions,
      trainingSamples: mem.trainingSamples,
      inputDimensions: dims,
      providerId: this.provider.id,
    });
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
