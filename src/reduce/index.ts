/** Dimension reduction: PCA fit and projection, model files, and the output stages vectors pass through. */
export { fitPca, fitPcaAsync, varianceRetained, type PcaModel } from "./pca.js";
export { projectBatch } from "./project.js";
export { saveModel, loadModel, readPcaSummary, type PcaModelSummary } from "./model-file.js";
export { PcaReducer, type PcaReducerStats } from "./reducer.js";
export { IdentityStage, type OutputStage, type StageBatch, type DimensionReductionStats, type HeadTailProjection } from "./stage.js";
export { PcaStage, type PcaStageOptions } from "./pca-stage.js";
export { chooseStage, planStage, stageFor, type StageRequest, type StagePlan } from "./choose-stage.js";
