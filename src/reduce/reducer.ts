/**
 * The stateful reducer a streaming embedder runs its batches through. It guarantees one
 * output width for its whole life:
 *
 * 1. **collecting** — the first `trainingSamples` vectors are copied into one
 *    preallocated Float32Array (bounded: trainingSamples × inputDimensions × 4 bytes)
 *    and their batches are held back;
 * 2. **trained** — once that buffer is full, PCA is fitted, the held batches are
 *    projected and released (in input order), and every later batch is projected;
 * 3. **full-width** — if {@link PcaReducer.finish} comes before enough vectors arrived
 *    (fewer than 2 × targetDimensions), held batches are released unreduced and every
 *    later batch passes through at full width; `stats().reason` says why.
 * A reducer constructed with a `model` starts trained.
 */
import { ConfigError, VcfAgentError } from "../errors.js";
import { fitPca, varianceRetained, type PcaModel } from "./pca.js";
import { projectBatch } from "./project.js";

/** Options of {@link PcaReducer}. */
export interface PcaReducerOptions {
  /** Width after reduction (e.g. 768, or 512 for aggressive memory). */
  readonly targetDimensions: number;
  /** Vectors collected before fitting; at least 2 × targetDimensions (default policy: 4 ×). */
  readonly trainingSamples: number;
  /** Provider width; every pushed vector must have it. */
  readonly inputDimensions: number;
  /** Provider id, recorded in the fitted model and checked against a given one. */
  readonly providerId: string;
  /** A previously fitted model (e.g. loaded next to an existing table): start trained. */
  readonly model?: PcaModel;
  /** Called once, synchronously, right after a fit, e.g. to persist the model. */
  readonly onModel?: (model: PcaModel) => void;
  /** Aborts a fit in progress. */
  readonly signal?: AbortSignal;
}

/** One batch released by the reducer: its vectors (all of one width) and the caller's tag. */
export interface ReducedBatch<T> {
  readonly vectors: Float32Array[];
  readonly tag: T;
}

/** Where the reducer is in its life; see {@link PcaReducer}. */
export type ReducerState = "collecting" | "trained" | "full-width";

/** Measured figures of a reducer; the seed's `dimensionReductionStats` plus timings. */
export interface PcaReducerStats {
  readonly state: ReducerState;
  readonly isTrained: boolean;
  /** Why vectors are (still) full width; absent once trained. */
  readonly reason?: string;
  readonly originalDimensions: number;
  readonly targetDimensions: number;
  /** Width of emitted vectors: targetDimensions when trained, originalDimensions otherwise. */
  readonly outputDimensions: number;
  readonly trainingSamplesCollected: number;
  readonly trainingSamplesNeeded: number;
  /** Fraction (0..1) of training variance kept; 0 until trained. */
  readonly varianceRetained: number;
  /** 100 × (1 − bytes emitted / bytes received) over all emitted vectors; 0 before any. */
  readonly memoryReductionPercent: number;
  /** Seconds the fit took (0 when no fit ran here). */
  readonly fitSeconds: number;
  /** Vectors projected per second of projection time, measured; 0 before any. */
  readonly projectionVectorsPerSecond: number;
  readonly vectorsProjected: number;
}

interface Held<T> {
  readonly tag: T;
  readonly start: number; // first row in the training buffer
  readonly count: number; // rows in the training buffer
  readonly rest: readonly Float32Array[]; // vectors of this batch past the buffer's end
}

/**
 * Collects, fits, projects: see the module comment for the three states.
 *
 * Contract for a streaming caller: call {@link push} for every batch in order and
 * forward what it returns; call {@link finish} at the end of the stream and forward that
 * too. Released batches keep input order and each comes back whole with its tag. All
 * vectors ever released have one width ({@link outputDimensions}).
 *
 * @example
 * const reducer = new PcaReducer<string[]>({ targetDimensions: 768, trainingSamples: 3072, inputDimensions: 1536, providerId: p.id });
 * for await (const texts of batches) {
 *   for (const b of reducer.push(await p.embedDocuments(texts), texts)) yield b;
 * }
 * for (const b of reducer.finish()) yield b;
 */
export class PcaReducer<T = void> {
  readonly #opts: PcaReducerOptions;
  #state: ReducerState;
  #reason: string | undefined;
  #model: PcaModel | undefined;
  #buffer: Float32Array | undefined;
  #collected = 0;
  #held: Held<T>[] = [];
  #bytesIn = 0;
  #bytesOut = 0;
  #projected = 0;
  #projectSeconds = 0;
  #fitSeconds = 0;

  constructor(opts: PcaReducerOptions) {
    const { targetDimensions: k, trainingSamples, inputDimensions: d } = opts;
    if (!Number.isInteger(d) || d < 1) throw new ConfigError("inputDimensions", `must be a positive integer, got ${String(d)}`);
    if (!Number.isInteger(k) || k < 1 || k > d) throw new ConfigError("targetDimensions", `must be an integer in 1..${d} (the provider width), got ${String(k)}`);
    if (!Number.isInteger(trainingSamples) || trainingSamples < 2 * k) {
      throw new ConfigError("trainingSamples", `must be an integer ≥ 2 × targetDimensions (${2 * k}), got ${String(trainingSamples)}`);
    }
    this.#opts = opts;
    const m = opts.model;
    if (m === undefined) {
      this.#state = "collecting";
      this.#reason = `collecting training samples: 0 of ${trainingSamples}`;
      return;
    }
    if (m.providerId !== opts.providerId) throw new VcfAgentError(`PCA model was fitted on provider "${m.providerId}", expected "${opts.providerId}"`, "PCA");
    if (m.inputDimensions !== d) throw new VcfAgentError(`PCA model expects ${m.inputDimensions}-dimensional input, expected ${d}`, "PCA");
    if (m.outputDimensions !== k) throw new VcfAgentError(`PCA model reduces to ${m.outputDimensions} dimensions, targetDimensions is ${k}`, "PCA");
    this.#model = m;
    // A model fitted earlier (e.g. by the ingest's sample pass) reports its own fit time.
    this.#fitSeconds = m.fitSeconds;
    this.#state = "trained";
  }

  /** Current state. */
  get state(): ReducerState {
    return this.#state;
  }

  /** The fitted or given model, once trained. */
  get model(): PcaModel | undefined {
    return this.#model;
  }

  /** Width of released vectors: decided once training finishes or falls back; undefined while collecting. */
  get outputDimensions(): number | undefined {
    if (this.#state === "collecting") return undefined;
    return this.#state === "trained" ? this.#opts.targetDimensions : this.#opts.inputDimensions;
  }

  /**
   * Takes the next batch (vectors are copied or projected, never kept by reference after
   * release) and returns the batches now ready, oldest first: none while collecting,
   * all held batches plus this one when this batch completes the training set. That push
   * runs the fit synchronously, about 2.5 CPU-seconds for 3,072 × 1536 → 768 (docs/pca.md).
   */
  push(vectors: readonly Float32Array[], tag: T): ReducedBatch<T>[] {
    const d = this.#opts.inputDimensions;
    vectors.forEach((v, i) => {
      if (v.length !== d) throw new VcfAgentError(`PCA reducer: vector ${i} of the batch has ${v.length} dimensions, expected ${d} (${this.#opts.providerId})`, "PCA");
    });
    this.#bytesIn += vectors.reduce((s, v) => s + v.byteLength, 0);
    if (this.#state === "trained") return [this.#release(tag, this.#project(vectors))];
    if (this.#state === "full-width") return [this.#release(tag, [...vectors])];
    const need = this.#opts.trainingSamples;
    this.#buffer ??= new Float32Array(need * d);
    const take = Math.min(vectors.length, need - this.#collected);
    for (let i = 0; i < take; i++) this.#buffer.set(vectors[i]!, (this.#collected + i) * d);
    this.#held.push({ tag, start: this.#collected, count: take, rest: vectors.slice(take) });
    this.#collected += take;
    this.#reason = `collecting training samples: ${this.#collected} of ${need}`;
    return this.#collected === need ? this.#decide() : [];
  }

  /**
   * Ends the stream: fits on what was collected when that is at least 2 × targetDimensions,
   * otherwise settles on full width with reason `too few samples: N < M`. Returns the
   * batches still held. Later pushes keep the width decided here.
   */
  finish(): ReducedBatch<T>[] {
    if (this.#state !== "collecting") return [];
    return this.#decide();
  }

  /**
   * A query vector in the released width's space: projected once trained, otherwise
   * returned unchanged (full width, as stored vectors are when no model exists).
   */
  transformQuery(v: Float32Array): Float32Array {
    const d = this.#opts.inputDimensions;
    if (v.length !== d) throw new VcfAgentError(`PCA reducer: query vector has ${v.length} dimensions, expected ${d} (${this.#opts.providerId})`, "PCA");
    if (this.#model === undefined) return v;
    return projectBatch(this.#model, v, 1);
  }

  /**
   * Records `n` vectors projected outside {@link push} with this reducer's model (the
   * factored path of src/reduce/factored.ts), so the statistics cover every vector.
   */
  noteProjected(n: number, seconds: number): void {
    if (this.#state !== "trained") throw new VcfAgentError("PCA reducer: vectors projected before the model was trained", "PCA");
    this.#bytesIn += n * this.#opts.inputDimensions * 4;
    this.#bytesOut += n * this.#opts.targetDimensions * 4;
    this.#projected += n;
    this.#projectSeconds += seconds;
  }

  /** Measured figures; see {@link PcaReducerStats}. */
  stats(): PcaReducerStats {
    const o = this.#opts;
    const base = {
      state: this.#state,
      isTrained: this.#state === "trained",
      originalDimensions: o.inputDimensions,
      targetDimensions: o.targetDimensions,
      outputDimensions: this.#state === "trained" ? o.targetDimensions : o.inputDimensions,
      trainingSamplesCollected: this.#model?.trainingSamples ?? this.#collected,
      trainingSamplesNeeded: o.trainingSamples,
      varianceRetained: this.#model === undefined ? 0 : varianceRetained(this.#model),
      memoryReductionPercent: this.#bytesIn === 0 || this.#bytesOut === 0 ? 0 : 100 * (1 - this.#bytesOut / this.#bytesInReleased()),
      fitSeconds: this.#fitSeconds,
      projectionVectorsPerSecond: this.#projectSeconds > 0 ? this.#projected / this.#projectSeconds : 0,
      vectorsProjected: this.#projected,
    };
    return this.#reason === undefined ? base : { ...base, reason: this.#reason };
  }

  // Bytes received for the vectors already released (held ones are not yet comparable).
  #bytesInReleased(): number {
    const heldRows = this.#held.reduce((s, h) => s + h.count + h.rest.length, 0);
    return this.#bytesIn - heldRows * this.#opts.inputDimensions * 4;
  }

  #decide(): ReducedBatch<T>[] {
    const o = this.#opts;
    const min = 2 * o.targetDimensions;
    const buffer = this.#buffer;
    const n = this.#collected;
    if (buffer !== undefined && n >= min) {
      try {
        const model = fitPca(buffer.subarray(0, n * o.inputDimensions), {
          outputDimensions: o.targetDimensions,
          providerId: o.providerId,
          inputDimensions: o.inputDimensions,
          ...(o.signal === undefined ? {} : { signal: o.signal }),
        });
        this.#model = model;
        this.#fitSeconds = model.fitSeconds;
        this.#state = "trained";
        this.#reason = undefined;
        o.onModel?.(model);
      } catch (err) {
        if (o.signal?.aborted) throw err;
        this.#state = "full-width";
        this.#reason = `fit failed: ${(err as Error).message}`;
      }
    } else {
      this.#state = "full-width";
      this.#reason = `too few samples: ${n} < ${min} (PCA to ${o.targetDimensions} needs at least 2 × ${o.targetDimensions} vectors)`;
    }
    const d = o.inputDimensions;
    const out = this.#held.map((h) => {
      const rows = buffer === undefined ? [] : this.#rowsOf(buffer, h.start, h.count, d);
      return { tag: h.tag, vectors: [...rows, ...this.#afterDecision(h.rest)] };
    });
    this.#held = [];
    this.#buffer = undefined; // the training set is released here; only the model stays
    return out.map((b) => this.#release(b.tag, b.vectors));
  }

  #rowsOf(buffer: Float32Array, start: number, count: number, d: number): Float32Array[] {
    const flat = buffer.subarray(start * d, (start + count) * d);
    if (this.#state === "trained") return this.#projectFlat(flat, count);
    const rows: Float32Array[] = [];
    for (let i = 0; i < count; i++) rows.push(flat.slice(i * d, (i + 1) * d));
    return rows;
  }

  #afterDecision(vectors: readonly Float32Array[]): Float32Array[] {
    return this.#state === "trained" ? this.#project(vectors) : [...vectors];
  }

  #project(vectors: readonly Float32Array[]): Float32Array[] {
    const d = this.#opts.inputDimensions;
    const flat = new Float32Array(vectors.length * d);
    vectors.forEach((v, i) => flat.set(v, i * d));
    return this.#projectFlat(flat, vectors.length);
  }

  #projectFlat(flat: Float32Array, n: number): Float32Array[] {
    const model = this.#model!;
    const k = model.outputDimensions;
    const t0 = performance.now();
    const out = projectBatch(model, flat, n);
    // One buffer per vector: a cache holding one vector must not pin its whole batch.
    const rows: Float32Array[] = [];
    for (let i = 0; i < n; i++) rows.push(out.slice(i * k, (i + 1) * k));
    this.#projectSeconds += (performance.now() - t0) / 1000;
    this.#projected += n;
    return rows;
  }

  #release(tag: T, vectors: Float32Array[]): ReducedBatch<T> {
    this.#bytesOut += vectors.reduce((s, v) => s + v.byteLength, 0);
    return { tag, vectors };
  }
}
