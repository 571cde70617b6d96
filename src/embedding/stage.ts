/**
 * The seam between embedding and storage: every vector the service hands out passes
 * through one output stage. The identity stage passes full-width vectors; the PCA
 * stage (src/reduce/) holds the first vectors until it can fit, then emits everything
 * at the reduced width — so one service never hands out two widths.
 */
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

/** A stage that may hold vectors back and later release them in input order. */
export interface OutputStage {
  /** Width of the vectors this stage emits now (and, once it has emitted any, forever). */
  readonly outputDimensions: number;
  /** Accepts one batch; returns the batches ready to leave, in input order (possibly none). */
  push(batch: Float32Array[]): Float32Array[][] | Promise<Float32Array[][]>;
  /** End of input: releases whatever is held. */
  finish(): Float32Array[][] | Promise<Float32Array[][]>;
  /** Maps a query vector to the emitted width (queries must match stored vectors). */
  transformQuery(v: Float32Array): Float32Array | Promise<Float32Array>;
  /** Vectors held back right now (bounded by the stage). */
  readonly heldVectors: number;
  stats(): DimensionReductionStats;
}

/** Passes vectors through unchanged; used when reduction is off or not possible. */
export class IdentityStage implements OutputStage {
  readonly outputDimensions: number;
  readonly heldVectors = 0;
  private readonly reason: string;
  private readonly reduction: "native" | "none";
  private readonly needed: number;

  constructor(dimensions: number, reason: string, reduction: "native" | "none" = "none", trainingSamplesNeeded = 0) {
    this.outputDimensions = dimensions;
    this.reason = reason;
    this.reduction = reduction;
    this.needed = trainingSamplesNeeded;
  }

  push(batch: Float32Array[]): Float32Array[][] {
    return [batch];
  }

  finish(): Float32Array[][] {
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
      originalDimensions: this.outputDimensions,
      targetDimensions: this.outputDimensions,
      trainingSamplesCollected: 0,
      trainingSamplesNeeded: this.needed,
      varianceRetained: null,
      memoryReductionPercent: 0,
      fitSeconds: null,
      projectionVectorsPerSecond: null,
    };
  }
}
