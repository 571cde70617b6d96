import { factoredProjector } from "./factored.js";
import type { PcaModel } from "./pca.js";
import { PcaReducer } from "./reducer.js";
import type { DimensionReductionStats, HeadTailProjection, OutputStage, StageBatch } from "./stage.js";

/** Options of {@link PcaStage}. */
export interface PcaStageOptions {
  targetDimensions: number;
  trainingSamples: number;
  inputDimensions: number;
  providerId: string;
  /** A model fitted earlier (e.g. stored next to a table): the stage starts trained. */
  model?: PcaModel;
  /** Called right after a fit, e.g. to persist the model next to the table. */
  onModel?: (model: PcaModel) => void;
}

/**
 * The PCA output stage: holds the first `trainingSamples` vectors, fits, releases them
 * projected, and projects everything after (see {@link PcaReducer}).
 */
export class PcaStage implements OutputStage {
  readonly reducer: PcaReducer<unknown>;
  readonly inputDimensions: number;
  private projection: (HeadTailProjection & { model: PcaModel }) | undefined;

  constructor(options: PcaStageOptions) {
    this.inputDimensions = options.inputDimensions;
    this.reducer = new PcaReducer<unknown>({
      targetDimensions: options.targetDimensions,
      trainingSamples: options.trainingSamples,
      inputDimensions: options.inputDimensions,
      providerId: options.providerId,
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(options.onModel === undefined ? {} : { onModel: options.onModel }),
    });
  }

  get outputDimensions(): number | undefined {
    return this.reducer.outputDimensions;
  }

  get model(): PcaModel | undefined {
    return this.reducer.model;
  }

  push(vectors: Float32Array[], tag: unknown): StageBatch[] {
    return this.reducer.push(vectors, tag);
  }

  finish(): StageBatch[] {
    return this.reducer.finish();
  }

  transformQuery(v: Float32Array): Float32Array {
    return this.reducer.transformQuery(v);
  }

  headTailProjection(): HeadTailProjection | null {
    const model = this.reducer.state === "trained" ? this.reducer.model : undefined;
    if (model === undefined) return null;
    if (this.projection?.model !== model) {
      const reducer = this.reducer;
      this.projection = {
        model,
        outputDimensions: model.outputDimensions,
        projector: (tailStart) => factoredProjector(model, tailStart),
        noteProjected: (n, seconds) => reducer.noteProjected(n, seconds),
      };
    }
    return this.projection;
  }

  stats(): DimensionReductionStats {
    const s = this.reducer.stats();
    return {
      isTrained: s.isTrained,
      ...(s.reason === undefined ? {} : { reason: s.reason }),
      reduction: s.isTrained ? "pca" : "none",
      originalDimensions: s.originalDimensions,
      targetDimensions: s.targetDimensions,
      trainingSamplesCollected: s.trainingSamplesCollected,
      trainingSamplesNeeded: s.trainingSamplesNeeded,
      varianceRetained: s.isTrained ? Math.round(s.varianceRetained * 1e6) / 1e6 : null,
      memoryReductionPercent: Math.round(s.memoryReductionPercent * 100) / 100,
      fitSeconds: s.isTrained ? Math.round(s.fitSeconds * 1000) / 1000 : null,
      projectionVectorsPerSecond: s.projectionVectorsPerSecond > 0 ? Math.round(s.projectionVectorsPerSecond) : null,
    };
  }
}
