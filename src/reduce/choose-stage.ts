/**
 * The one place that decides which output stage vectors go through: a stored PCA model,
 * a new fit, or full width (and why). The embedding service, the ingest pipeline and the
 * server all ask here, so one table and one service never disagree on a width.
 */
import type { PcaModel } from "./pca.js";
import { PcaStage } from "./pca-stage.js";
import { IdentityStage, type OutputStage } from "./stage.js";

/** What the choice depends on: the provider, the reduction options and what the table already holds. */
export interface StageRequest {
  /** The provider's id (recorded in a fitted model). */
  providerId: string;
  /** The provider's width: the stage's input width. */
  inputDimensions: number;
  /** The provider returns a requested width itself (Matryoshka models). */
  native: boolean;
  /** For a native provider: the model's full width, so stats report what the native width saves. */
  nativeFullDimensions?: number;
  /** The session's reduction options. */
  reduction: { enabled: boolean; targetDimensions: number; trainingSamples: number };
  /** A model fitted earlier for this table: vectors are projected with it. */
  model?: PcaModel;
  /** Width of the vectors the table already stores without a model (they are full width). */
  storedFullWidth?: { reason: string };
  /** Why no new model may be fitted here, when that is so (vectors then stay full width). */
  noFit?: string;
}

/** What {@link planStage} decided. */
export type StagePlan =
  | { kind: "model"; model: PcaModel; trainingSamples?: number }
  | { kind: "full-width"; reason: string; reduction: "native" | "none"; originalDimensions: number }
  | { kind: "fit"; targetDimensions: number; trainingSamples: number };

/** The decision alone, for callers that fit the model themselves (ingest fits on a sample of the file). */
export function planStage(req: StageRequest): StagePlan {
  const dims = req.inputDimensions;
  const r = req.reduction;
  if (req.model !== undefined) return { kind: "model", model: req.model };
  const native = r.enabled && req.native && (dims === r.targetDimensions || req.storedFullWidth !== undefined);
  const full = (reason: string) =>
    ({ kind: "full-width", reason, reduction: native ? "native" : "none", originalDimensions: native ? (req.nativeFullDimensions ?? dims) : dims }) as const;
  if (native) return full(`${req.providerId} returns ${dims} dimensions natively`);
  if (req.storedFullWidth !== undefined) return full(req.storedFullWidth.reason);
  if (!r.enabled) return full("dimension reduction disabled");
  if (r.targetDimensions >= dims) return full(`targetDimensions ${r.targetDimensions} is not below the provider width ${dims}`);
  if (req.noFit !== undefined) return full(req.noFit);
  return { kind: "fit", targetDimensions: r.targetDimensions, trainingSamples: r.trainingSamples };
}

/**
 * The output stage for `req`. A `fit` plan fits on the first vectors pushed (holding them
 * until then); `onModel` hears of that fit, e.g. to persist the model with the table.
 */
export function chooseStage(req: StageRequest, onModel?: (model: PcaModel) => void): OutputStage {
  return stageFor(planStage(req), req, onModel);
}

/** Builds the stage of a plan (a `model` plan may carry a model the caller fitted). */
export function stageFor(plan: StagePlan, req: Pick<StageRequest, "providerId" | "inputDimensions">, onModel?: (model: PcaModel) => void): OutputStage {
  const base = { inputDimensions: req.inputDimensions, providerId: req.providerId };
  switch (plan.kind) {
    case "model": {
      const m = plan.model;
      const trainingSamples = plan.trainingSamples ?? Math.max(m.trainingSamples, 2 * m.outputDimensions);
      return new PcaStage({ ...base, targetDimensions: m.outputDimensions, trainingSamples, model: m });
    }
    case "full-width":
      return new IdentityStage(req.inputDimensions, plan.reason, plan.reduction, plan.originalDimensions);
    case "fit":
      return new PcaStage({ ...base, targetDimensions: plan.targetDimensions, trainingSamples: plan.trainingSamples, ...(onModel === undefined ? {} : { onModel }) });
  }
}
