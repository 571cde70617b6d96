/**
 * The seam between embedding and storage: every vector the service hands out passes
 * through one output stage. The identity stage passes full-width vectors; the PCA
 * stage (src/reduce/) holds the first vectors until it can fit, then emits everything
 * at the reduced width — so one service never hands out two widths.
 */
import type { FactoredProjector } from "./factored.js";
import type { PcaModel } from "./pca.js";

/** The seed's `dimensionReductionStats`, every figure measured. */
export interface DimensionReductionStats {
  isTrained: boolean;
  /** Why the output is full width, when it is. */
  reason?: string;
  /** `pca` when a fitted model projects vectors, `native` when the provider emits the target width itself, `none` otherwise. */
  reduction: "pca" | "native" | "none";
  originalDimensions: number;
  targetDimensions: number;
  trainingSamplesCollected: number;
  trainingSamplesNeeded: number;
  /** Sum of explained-variance ratios of the kept components (0..1); null until trained. */
  varianceRetained: number | null;
  /** 100 × (1 − bytes per output vector / bytes per input vector), from the actual widths. */
  memoryReductionPercent: number;
  fitSeconds: number | null;
  projectionVectorsPerSecond: number | null;
}

/** One batch leaving a stage: its vectors (one width) and the caller's tag (e.g. the records they belong to). */
export interface StageBatch {
  readonly vectors: Float32Array[];
  readonly tag: unknown;
}

/**
 * A trained linear projection that callers may apply to vectors split into a cacheable
 * head and a per-text tail (see factored.ts) instead of pushing full-width vectors.
 */
export interface HeadTailProjection {
  /** Width of the projected vectors. */
  readonly outputDimensions: number;
  /** The projector for inputs whose per-text part starts at `tailStart` (one per model and start: compare by identity). */
  projector(tailStart: number): FactoredProjector;
  /** Counts `n` vectors projected by a caller in `seconds`, in the stage's statistics. */
  noteProjected(n: number, seconds: number): void;
}

/** A stage that may hold vectors back and later release them in input order. */
export interface OutputStage {
  /** Width of the vectors this stage emits now; undefined while it has not decided yet. */
  readonly outputDimensions: number | undefined;
  /** Width of the vectors it accepts. */
  readonly inputDimensions: number;
  /** Accepts one batch; returns the batches ready to leave, in input order (possibly none). */
  push(vectors: Float32Array[], tag: unknown): StageBatch[];
  /** End of input: releases whatever is held. */
  finish(): StageBatch[];
  /** Maps a query vector to the emitted width (queries must match stored vectors). */
  transformQuery(v: Float32Array): Float32Array;
  stats(): DimensionReductionStats;
  /** The fitted PCA model vectors are projected with, when there is one (absent for full-width stages). */
  readonly model?: PcaModel | undefined;
  /** The projection callers may apply to head/tail inputs themselves; null until there is one (optional capability). */
  headTailProjection?(): HeadTailProjection | null;
}

/** Passes vectors through unchanged; used when reduction is off or not possible. */
export class IdentityStage implements OutputStage {
  readonly outputDimensions: number;
  readonly inputDimensions: number;
  private readonly reason: string;
  private readonly reduction: "native" | "none";
  private readonly original: number;

  /**
   * @param dimensions width in and out
   * @param reason why nothing is reduced here (reported in stats)
   * @param reduction `native` when the provider already returns a reduced width
   * @param originalDimensions the model's full width, for `native` (memory saved vs it)
   */
  constructor(dimensions: number, reason: string, reduction: "native" | "none" = "none", originalDimensions = dimensions) {
    this.outputDimensions = dimensions;
    this.inputDimensions = dimensions;
    this.reason = reason;
    this.reduction = reduction;
    this.original = originalDimensions;
  }

  push(vectors: Float32Array[], tag: unknown): StageBatch[] {
    return [{ vectors, tag }];
  }

  finish(): StageBatch[] {
    return [];
  }

  transformQuery(v: Float32Array): Float32Array {
    return v;
  }

  stats(): DimensionReductionStats {
    return {
      isTrained: false,
      reason: this.reason,
      reduction: this.reduction,
      originalDimensions: this.original,
      targetDimensions: this.outputDimensions,
      trainingSamplesCollected: 0,
      trainingSamplesNeeded: 0,
      varianceRetained: null,
      memoryReductionPercent: Math.round(10000 * (1 - this.outputDimensions / this.original)) / 100,
      fitSeconds: null,
      projectionVectorsPerSecond: null,
    };
  }
}
